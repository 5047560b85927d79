package xfer

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"math/rand/v2"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

const (
	// maxDup bounds the requests for one chunk at once (endgame).
	maxDup = 2
	// endgameMax bounds a peer's outstanding requests while it takes
	// duplicates in the endgame.
	endgameMax = 2
)

// chunkState is the progress of one distinct chunk.
type chunkState struct {
	done      bool   // verified and written
	verifying bool   // one copy is being verified
	req       uint8  // requests outstanding
	seq       uint64 // order of the latest request
}

// busy: not done, but requested or being verified.
func (c chunkState) busy() bool { return !c.done && (c.req > 0 || c.verifying) }

// fetch is the state of one Fetch call. Fields under mu are touched by the
// peer goroutines, the verify workers and the ticker.
type fetch struct {
	f      *Fetcher
	cfg    config
	job    Job
	v      *manifest.Sealed
	chunks []manifest.Chunk
	start  time.Time

	parent   context.Context
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup // verify workers and the ticker
	peerWG   sync.WaitGroup // peer goroutines and HAVE followers
	verifyq  chan *arrival
	peerExit chan struct{} // poked when a peer goroutine ends
	// doneCtx ends when every chunk is done (and at the end of Fetch);
	// doneCh is its Done channel.
	doneCtx    context.Context
	doneCancel context.CancelFunc
	doneCh     <-chan struct{}

	mu        sync.Mutex
	fatal     error
	st        []chunkState
	avail     []int32 // live peers holding each chunk
	remaining int     // chunks not done
	busy      int     // chunks not done but requested or verifying
	seq       uint64  // requests made, for chunkState.seq
	present   int64   // bytes done, found or fetched
	rate      float64 // verified bytes per second, smoothed
	lastBytes int64   // stats.Bytes at the last tick
	peers     map[peer.ID]*peerState
	backlog   []peer.AddrInfo
	banned    map[peer.ID]bool
	// noPath is the last peer that could not be reached but through a
	// relay that carries no data; it ends the fetch once no peer is left.
	noPath *NoDirectPathError
	stats  Stats
	// deferred holds the chunks each peer answered ELSEWHERE for
	// (sched_elsewhere.go).
	deferred map[*peerState]*deferrals
	stall    stallState // stall.go
	rank     rankState  // rank.go

	total    int64   // the size of the version's distinct chunks
	avgChunk float64 // its mean chunk size, for sizing windows
}

func newFetch(ctx context.Context, f *Fetcher, job Job) (*fetch, error) {
	chunks := Chunks(&job.Version.Manifest)
	have, err := job.Sink.Have(ctx)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: sink: %w", job.Version.ID, err)
	}
	if have.Len() != len(chunks) {
		return nil, fmt.Errorf("fetch %s: sink reports %d chunks, version has %d", job.Version.ID, have.Len(), len(chunks))
	}
	fe := &fetch{
		f: f, cfg: f.cfg, job: job, v: job.Version, chunks: chunks, start: time.Now(),
		parent:   ctx,
		verifyq:  make(chan *arrival, 4*f.cfg.verifyWorkers),
		peerExit: make(chan struct{}, 1),
		st:       make([]chunkState, len(chunks)),
		avail:    make([]int32, len(chunks)),
		peers:    make(map[peer.ID]*peerState),
		banned:   make(map[peer.ID]bool),
		stats:    Stats{PerPeer: make(map[peer.ID]int64)},
	}
	fe.ctx, fe.cancel = context.WithCancel(ctx)
	fe.doneCtx, fe.doneCancel = context.WithCancel(context.Background())
	fe.doneCh = fe.doneCtx.Done()
	for i, c := range chunks {
		fe.total += int64(c.Size) // a repeated chunk is fetched once
		if have.Has(i) {
			fe.st[i].done = true
			fe.present += int64(c.Size)
		} else {
			fe.remaining++
		}
	}
	fe.avgChunk = float64(fe.total) / float64(max(len(chunks), 1))
	if fe.remaining == 0 {
		fe.doneCancel()
	}
	return fe, nil
}

// update applies fn to chunk i, keeping the busy count.
func (fe *fetch) update(i int, fn func(*chunkState)) {
	c := &fe.st[i]
	was := c.busy()
	fn(c)
	if now := c.busy(); now != was {
		if now {
			fe.busy++
		} else {
			fe.busy--
		}
	}
}

// pick chooses the next chunks to request from p and marks them
// requested: rarest first among those p holds, then, once every missing
// chunk is requested (endgame), a few duplicates of other peers' requests.
func (fe *fetch) pick(p *peerState) []int {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	if p.have == nil || p.gone || fe.remaining == 0 {
		return nil
	}
	room := p.window - len(p.asked)
	if room <= 0 {
		return nil
	}
	batch := fe.pickRarest(p, room)
	if len(batch) == 0 && fe.remaining == fe.busy && len(p.asked) < endgameMax {
		batch = fe.pickEndgame(p, endgameMax-len(p.asked))
	}
	for _, i := range batch {
		fe.seq++
		fe.update(i, func(c *chunkState) { c.req, c.seq = c.req+1, fe.seq })
		p.asked[i] = struct{}{}
	}
	return batch
}

// pickRarest returns up to room free chunks p holds, all of the lowest
// availability found. A peer walks the chunks in runs from a cursor (so a
// single source sends in file order); when its run is broken (the chunk
// at the cursor was taken, or is not among the rarest), it restarts from
// a random place, so fetchers sharing a source spread out instead of
// asking it for the same chunks. Chunks that only p holds, while other
// peers take part, are picked at random among all of them: fetchers that
// share one seeder then ask it for different chunks, and get the rest from
// each other.
func (fe *fetch) pickRarest(p *peerState, room int) []int {
	n := len(fe.chunks)
	out := fe.scanRarest(p, p.cursor, room)
	if len(out) > 0 && fe.avail[out[0]] <= 1 && len(fe.peers) > 1 {
		return fe.sampleRarest(p, room)
	}
	if len(out) > 0 && out[0] != p.cursor {
		out = fe.scanRarest(p, rand.IntN(n), room)
	}
	if len(out) > 0 {
		p.cursor = (out[len(out)-1] + 1) % n
	}
	return out
}

// sampleRarest returns up to room chunks drawn at random among all the
// free chunks of the lowest availability that p holds.
func (fe *fetch) sampleRarest(p *peerState, room int) []int {
	all := fe.scanRarest(p, 0, len(fe.chunks))
	for k := 0; k < room && k < len(all); k++ {
		j := k + rand.IntN(len(all)-k)
		all[k], all[j] = all[j], all[k]
	}
	return all[:min(room, len(all))]
}

// scanRarest scans from start, wrapping around.
func (fe *fetch) scanRarest(p *peerState, start, room int) []int {
	n := len(fe.chunks)
	best := int32(1 << 30)
	out := make([]int, 0, room)
	waiting := fe.waiting(p)
	for k, i := 0, start; k < n; k, i = k+1, i+1 {
		if i == n {
			i = 0
		}
		if fe.st[i].req > 0 || !fe.askable(p, i, waiting) {
			continue
		}
		if a := fe.avail[i]; a < best {
			best, out = a, out[:0]
		}
		if fe.avail[i] == best && len(out) < room {
			out = append(out, i)
		}
	}
	return out
}

// pickEndgame returns up to k chunks requested elsewhere that p holds and
// has not been asked for, the most recently requested first: those wait
// at the back of another peer's queue and would arrive last.
func (fe *fetch) pickEndgame(p *peerState, k int) []int {
	var out []int
	waiting := fe.waiting(p)
	for i, c := range fe.st {
		if _, mine := p.asked[i]; mine || c.req == 0 || c.req >= maxDup || !fe.askable(p, i, waiting) {
			continue
		}
		out = append(out, i)
	}
	slices.SortFunc(out, func(a, b int) int { return cmp.Compare(fe.st[b].seq, fe.st[a].seq) })
	return out[:min(k, len(out))]
}

// askable reports whether p may be asked for chunk i as far as the chunk
// and p go: it is neither done nor being verified, p holds it, and p has
// not told us to get it elsewhere for now (waiting, from fe.waiting).
// Whether it is already requested is up to the caller.
func (fe *fetch) askable(p *peerState, i int, waiting func(int) bool) bool {
	c := fe.st[i]
	return !c.done && !c.verifying && p.have.Has(i) && (waiting == nil || !waiting(i))
}

// received accounts for a body of n bytes for chunk i from p; it reports
// whether the body should be verified (false: a duplicate, or p is bad).
func (fe *fetch) received(p *peerState, i int, n int) bool {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	delete(p.asked, i)
	p.recv += int64(n)
	fe.stats.Wire += int64(n)
	c := fe.st[i]
	accept := !p.bad && !c.done && !c.verifying
	fe.update(i, func(c *chunkState) {
		c.req--
		c.verifying = c.verifying || accept
	})
	fe.settle(i)
	wake(p.wake)
	return accept
}

// requeue gives up p's requests for chunks idx (the stream failed).
func (fe *fetch) requeue(p *peerState, idx ...int) {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	fe.requeueLocked(p, idx...)
}

func (fe *fetch) requeueLocked(p *peerState, idx ...int) {
	for _, i := range idx {
		if _, ok := p.asked[i]; !ok {
			continue
		}
		delete(p.asked, i)
		fe.update(i, func(c *chunkState) { c.req-- })
		fe.settle(i)
	}
}

// notHave records that p answered "not found" for chunk i.
func (fe *fetch) notHave(p *peerState, i int) {
	fe.mu.Lock()
	if !p.gone && p.have.Has(i) {
		p.have.Clear(i)
		fe.avail[i]--
	}
	fe.mu.Unlock()
	fe.requeue(p, i)
}

// settle wakes every peer when chunk i became free to request.
func (fe *fetch) settle(i int) {
	if c := fe.st[i]; !c.done && !c.busy() {
		for _, q := range fe.peers {
			wake(q.wake)
		}
	}
}

func wake(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
