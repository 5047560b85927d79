package rendezvous

import (
	"context"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// The mesh: a server keeps a join loop for every backbone peer it was
// given and every member it has heard of. The loop connects and catches
// up, retrying with backoff, then catches up again every resyncInterval or
// as soon as a connection to the peer comes or goes. A member's loop ends
// when the member is forgotten (expired or evicted); a configured peer's
// only when the server closes.
const (
	backboneConnTag = "rendezvous-backbone"
	minBackoff      = time.Second
	maxBackoff      = time.Minute
)

// link is the join loop of one backbone peer.
type link struct {
	poke  chan struct{} // capacity 1: a connection to the peer came or went
	state BackbonePeer  // after the last attempt (under federation.mu)
}

// link starts the join loop of id unless it runs already.
func (f *federation) link(id peer.ID) {
	if id == f.s.h.ID() {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.links[id]; ok {
		return
	}
	l := &link{poke: make(chan struct{}, 1)}
	if f.s.start(func() { f.join(id, l) }) {
		f.links[id] = l
	}
}

// unlink ends the join loop of id if the peer is neither configured nor a
// live member, and reports whether it did. A member learned again meanwhile
// keeps its loop, since link found it running.
func (f *federation) unlink(id peer.ID) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.configured[id]; ok {
		return false
	}
	live, err := f.members.live(f.s.ctx, id)
	if err != nil || live {
		return false
	}
	delete(f.links, id)
	return true
}

func (f *federation) connected(_ network.Network, c network.Conn) { f.wake(c.RemotePeer()) }

func (f *federation) disconnected(n network.Network, c network.Conn) {
	if n.Connectedness(c.RemotePeer()) != network.Connected {
		f.wake(c.RemotePeer())
	}
}

// wake makes the join loop of id, if any, try again now. It never blocks:
// it runs in the swarm's notification path.
func (f *federation) wake(id peer.ID) {
	f.mu.Lock()
	l := f.links[id]
	f.mu.Unlock()
	if l == nil {
		return
	}
	select {
	case l.poke <- struct{}{}:
	default:
	}
}

// join keeps in touch with one backbone peer until it is forgotten or the
// server closes.
func (f *federation) join(id peer.ID, l *link) {
	f.s.h.ConnManager().Protect(id, backboneConnTag)
	defer f.s.h.ConnManager().Unprotect(id, backboneConnTag)
	var backoff time.Duration
	for {
		n, err := f.connectAndCatchUp(id, l)
		wait := resyncInterval
		switch {
		case f.s.ctx.Err() != nil:
			return
		case err != nil:
			backoff = min(max(2*backoff, minBackoff), maxBackoff)
			wait = backoff
		default:
			backoff = 0
		}
		f.record(id, l, n, err, wait)
		if f.unlink(id) {
			f.s.cfg.log.Info("rendezvous: forgot backbone member", "peer", id)
			return
		}
		t := f.s.cfg.clock.Timer(wait)
		select {
		case <-f.s.ctx.Done():
			t.Stop()
			return
		case <-l.poke:
			t.Stop()
		case <-t.C:
		}
	}
}

func (f *federation) connectAndCatchUp(id peer.ID, l *link) (int, error) {
	ctx, cancel := context.WithTimeout(f.s.ctx, f.s.cfg.streamTimeout)
	err := f.s.h.Connect(ctx, peer.AddrInfo{ID: id, Addrs: f.addrsOf(id)})
	cancel()
	if err != nil {
		return 0, fmt.Errorf("%w: %w", errUnreachable, err)
	}
	select {
	case <-l.poke: // our own connection's notice: nothing new to catch up on
	default:
	}
	return f.catchUp(f.s.ctx, id)
}

// addrsOf returns the addresses id was configured with and those of its
// newest member record.
func (f *federation) addrsOf(id peer.ID) []ma.Multiaddr {
	addrs := append([]ma.Multiaddr(nil), f.configured[id]...)
	if m, ok := f.members.get(id); ok {
		addrs = append(addrs, m.rec.addrs...)
	}
	return addrs
}
