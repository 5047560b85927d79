package xfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/pkgshare/xfer/pb"
)

const (
	// maxFailures is how many consecutive stream failures drop a peer.
	maxFailures = 3
	// chunkLanes is how many chunk streams a fetch keeps open to a peer
	// that answers. What one stream has in flight is bounded by its
	// yamux receive window, which yamux grows only while the window
	// empties within four round trips: on a fast local link it stays at
	// a few MiB, and a short stall of either process then stalls the
	// other. A second stream doubles what may be in flight (memory the
	// muxer reserves as windows grow) and lets the server read one chunk
	// while it sends another; a third measured no better
	// (internal/bench/RESULTS.md).
	chunkLanes = 2
	// heartbeatMax bounds the gap between HAVE heartbeats a server sends;
	// a client gives up on a subscription after subscriptionTimeout.
	heartbeatMax        = 20 * time.Second
	subscriptionTimeout = 4 * heartbeatMax
)

// peerState is one provider within a fetch. Fields other than the
// immutable ones are under fetch.mu.
type peerState struct {
	id     peer.ID
	addrs  peer.AddrInfo
	ctx    context.Context
	cancel context.CancelFunc
	wake   chan struct{}

	have      *Bitfield // nil until the HAVE answer
	asked     map[int]struct{}
	cursor    int // where the next run of picks starts
	window    int
	recv      int64 // body bytes since the last tick
	rate      float64
	bad       bool // sent a bad chunk
	gone      bool // removed from the fetch
	following bool // its HAVE subscription is open: it may gain chunks

	laneOnce sync.Once      // the extra lanes start once (openLanes)
	lanes    sync.WaitGroup // the extra lanes running
}

// addProvider starts a peer goroutine for ai, or queues it when the fetch
// already uses as many peers as allowed, or holds it in reserve when its
// rank is negative (rank.go).
func (fe *fetch) addProvider(ai peer.AddrInfo) {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	if !fe.holdBack(ai) {
		fe.startLocked(ai)
	}
}

// startProvider is addProvider without the reserve.
func (fe *fetch) startProvider(ai peer.AddrInfo) {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	fe.startLocked(ai)
}

func (fe *fetch) startLocked(ai peer.AddrInfo) {
	if ai.ID == fe.f.h.ID() || fe.banned[ai.ID] || fe.peers[ai.ID] != nil {
		return
	}
	if len(fe.peers) >= fe.cfg.maxPeers {
		fe.queue(ai)
		return
	}
	p := &peerState{
		id: ai.ID, addrs: ai, wake: make(chan struct{}, 1),
		cursor: rand.IntN(max(len(fe.chunks), 1)),
		asked:  make(map[int]struct{}),
		window: min(2*fe.cfg.minWindow, fe.cfg.maxWindow),
	}
	p.ctx, p.cancel = context.WithCancel(fe.ctx)
	fe.peers[ai.ID] = p
	fe.stall.noteStart(ai.ID)
	fe.peerWG.Add(1)
	go func() {
		defer fe.peerWG.Done()
		fe.runPeer(p)
	}()
}

// runPeer learns what p has, then pulls chunks from it until the fetch
// ends, p turns out bad, or its streams fail maxFailures times in a row
// without delivering anything.
func (fe *fetch) runPeer(p *peerState) {
	defer fe.removePeer(p)
	defer p.lanes.Wait()
	defer wake(p.wake) // the other lanes look again
	err := fe.connect(p)
	if err == nil {
		err = fe.subscribe(p)
	}
	if err == nil {
		err = fe.pullLoop(p)
	}
	if np := (*NoDirectPathError)(nil); errors.As(err, &np) {
		fe.unreachable(np)
	}
	fe.peerEnded(p, err)
	if err != nil && p.ctx.Err() == nil {
		fe.cfg.log.Debug("xfer: dropping peer", "peer", p.id, "version", fe.v.ID, "err", err)
		if !fe.complete() {
			p.cancel() // ends the other lanes
		}
	}
}

// pullLoop runs one lane: it pulls from p on a stream, and on a new one
// after a failure, until p is of no more use, p's context ends, or
// maxFailures streams in a row fail without delivering anything (it then
// returns the first failure of the run: the later ones are often the
// dialer's backoff from it).
func (fe *fetch) pullLoop(p *peerState) error {
	var first error
	for failures := 0; ; {
		delivered, err := fe.pull(p)
		if err == nil || p.ctx.Err() != nil {
			return nil
		}
		if delivered {
			failures = 0
		}
		if np := (*NoDirectPathError)(nil); errors.As(err, &np) {
			return err // waiting again would not help
		}
		if failures == 0 {
			first = err
		}
		if failures++; failures >= maxFailures {
			return first
		}
		fe.cfg.log.Debug("xfer: peer stream failed", "peer", p.id, "failures", failures, "err", err)
	}
}

// openLanes starts p's extra chunk streams once p has answered on one: a
// peer that never answers keeps a single stream, and its failures are
// counted as before.
func (fe *fetch) openLanes(p *peerState) {
	p.laneOnce.Do(func() {
		for range chunkLanes - 1 {
			p.lanes.Go(func() { fe.runLane(p) })
		}
	})
}

// runLane runs an extra lane to p; whether p stays in the fetch is up to
// its first lane (runPeer). Either lane's end wakes the other, so that it
// notices p being of no more use.
func (fe *fetch) runLane(p *peerState) {
	defer wake(p.wake)
	if err := fe.pullLoop(p); err != nil {
		fe.cfg.log.Debug("xfer: closing a lane to peer", "peer", p.id, "err", err)
	}
}

func (fe *fetch) connect(p *peerState) error {
	if len(p.addrs.Addrs) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(p.ctx, fe.cfg.requestTimeout)
	defer cancel()
	return fe.f.h.Connect(ctx, p.addrs)
}

// unreachable records that np.Peer can be reached only through a relay
// that carries no data: it is not taken into the fetch again, and once no
// other peer is left the fetch ends with np, which says what would help.
func (fe *fetch) unreachable(np *NoDirectPathError) {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	fe.banned[np.Peer] = true
	fe.noPath = np
}

// removePeer takes p out of the fetch and gives back its requests.
func (fe *fetch) removePeer(p *peerState) {
	if !fe.complete() {
		p.cancel() // after completion, streams wind down on their own (see finish)
	}
	fe.mu.Lock()
	p.gone = true
	asked := make([]int, 0, len(p.asked))
	for i := range p.asked {
		asked = append(asked, i)
	}
	if p.have != nil {
		for i := range fe.chunks {
			if p.have.Has(i) {
				fe.avail[i]--
			}
		}
	}
	delete(fe.peers, p.id)
	fe.forgetDeferrals(p)
	var next []peer.AddrInfo
	if len(fe.backlog) > 0 && fe.ctx.Err() == nil && !fe.complete() {
		next, fe.backlog = fe.backlog[:1], fe.backlog[1:]
	}
	fe.mu.Unlock()
	fe.requeue(p, asked...)
	for _, ai := range next {
		fe.startProvider(ai)
	}
	wake(fe.peerExit)
}

// subscribe asks p for its have-set and, unless p has every chunk,
// follows its updates in a goroutine of the fetch.
func (fe *fetch) subscribe(p *peerState) error {
	req := &pb.Request{Kind: &pb.Request_GetHave{GetHave: &pb.GetHave{VersionId: fe.v.ID[:], Subscribe: true}}}
	c, stop, err := fe.f.open(p.ctx, p.id, req)
	if err != nil {
		return err
	}
	c.dog.d = subscriptionTimeout
	have, err := readHave(c, len(fe.chunks))
	if err != nil {
		stop()
		c.finish(err)
		return err
	}
	fe.mu.Lock()
	p.have = NewBitfield(len(fe.chunks))
	fe.mu.Unlock()
	fe.addHave(p, have)
	if have.Full() {
		stop()
		c.finish(nil)
		return nil
	}
	fe.setFollowing(p, true)
	fe.peerWG.Add(1)
	go func() {
		defer fe.peerWG.Done()
		// Once the fetch is complete, end the subscription politely: the
		// server sees our side close and closes its own.
		stopEnd := context.AfterFunc(fe.doneCtx, func() { _ = c.s.CloseWrite() })
		err := fe.followHave(p, c)
		stopEnd()
		stop()
		c.finish(err)
		fe.setFollowing(p, false)
	}()
	return nil
}

func (fe *fetch) setFollowing(p *peerState, on bool) {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	p.following = on
	wake(p.wake)
}

// useless reports that p can no longer help: it holds no chunk still
// missing and will not learn of new ones.
func (fe *fetch) useless(p *peerState) bool {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	if p.following || p.have == nil {
		return false
	}
	for i := range fe.chunks {
		if !fe.st[i].done && p.have.Has(i) {
			return false
		}
	}
	return true
}

// followHave applies HaveUpdates until the set is complete or the stream
// ends.
func (fe *fetch) followHave(p *peerState, c *wire) error {
	n := len(fe.chunks)
	for {
		var u pb.HaveUpdate
		if err := c.read(&u, maxControlMsg); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		add := NewBitfield(n)
		for _, i := range u.Added {
			if int64(i) >= int64(n) {
				return fmt.Errorf("%w: HAVE update for chunk %d of %d", ErrProtocol, i, n)
			}
			add.Set(int(i))
		}
		fe.addHave(p, add)
		if u.Complete {
			return nil
		}
	}
}

// addHave adds set to what p holds.
func (fe *fetch) addHave(p *peerState, set *Bitfield) {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	if p.gone {
		return
	}
	for i := range set.Len() {
		if set.Has(i) && !p.have.Has(i) {
			p.have.Set(i)
			fe.avail[i]++
		}
	}
	wake(p.wake)
}
