package follow

import (
	"context"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// hint is a version a peer announced.
type hint struct {
	sealed *manifest.Sealed
	from   peer.ID
}

// tracker is the goroutine of one follow: it waits for an announcement or
// its check timer, and fetches each version newer than the one held.
type tracker struct {
	s      *Service
	id     manifest.PackageID
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	kick   chan struct{} // capacity 1: a wake-up is pending

	mu      sync.Mutex
	pending *hint // the newest announced version not handled yet
}

func newTracker(s *Service, id manifest.PackageID) *tracker {
	t := &tracker{s: s, id: id, done: make(chan struct{}), kick: make(chan struct{}, 1)}
	t.ctx, t.cancel = context.WithCancel(s.ctx)
	if s.ctx.Err() != nil {
		close(t.done) // never runs
	}
	return t
}

// wake makes the tracker look again now; h, if not nil, is a version
// announced.
func (t *tracker) wake(h *hint) {
	t.mu.Lock()
	if h != nil && (t.pending == nil || h.sealed.Version > t.pending.sealed.Version) {
		t.pending = h
	}
	t.mu.Unlock()
	select {
	case t.kick <- struct{}{}:
	default:
	}
}

// take returns and clears the pending announcement.
func (t *tracker) take() *hint {
	t.mu.Lock()
	defer t.mu.Unlock()
	h := t.pending
	t.pending = nil
	return h
}

// putBack keeps h for the next try unless a newer one came meanwhile.
func (t *tracker) putBack(h *hint) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if h != nil && (t.pending == nil || t.pending.sealed.Version < h.sealed.Version) {
		t.pending = h
	}
}

func (t *tracker) stop() {
	t.cancel()
	<-t.done
}

// run checks at once, then whenever woken or its timer fires: every
// CheckEvery, sooner (with backoff) after a failure.
func (t *tracker) run() {
	defer close(t.done)
	t.prepare()
	wait := time.Duration(0)
	for {
		timer := time.NewTimer(wait)
		select {
		case <-t.ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		case <-t.kick:
			timer.Stop()
		}
		h := t.take()
		failures, err := t.step(h)
		switch {
		case t.ctx.Err() != nil:
			return
		case err != nil:
			t.putBack(h)
			wait = min(t.s.opts.RetryFirst<<min(failures-1, 16), t.s.opts.CheckEvery)
		default:
			wait = t.s.opts.CheckEvery
		}
	}
}

// prepare joins the package's topic and learns the follow's rendezvous
// hints; a failure is logged, and checks still run.
func (t *tracker) prepare() {
	if g := t.s.env.Gossip; g != nil {
		if err := g.Join(t.id); err != nil {
			t.s.env.Log.Warn("follow: no announcements; relying on checks", "package", t.id, "err", err)
		}
	}
	f, err := t.s.env.Store.Get(t.ctx, t.id)
	if err != nil || len(f.Rendezvous) == 0 || t.s.env.Learn == nil {
		return
	}
	nodes, err := addrInfos(f.Rendezvous)
	if err == nil {
		err = t.s.env.Learn(t.ctx, nodes)
	}
	if err != nil {
		t.s.env.Log.Info("follow: learn the ticket's rendezvous nodes", "package", t.id, "err", err)
	}
}

// addrInfos parses multiaddrs ending in /p2p/<id>, merging a peer's.
func addrInfos(addrs []string) ([]peer.AddrInfo, error) {
	var out []peer.AddrInfo
	for _, a := range addrs {
		ai, err := peer.AddrInfoFromString(a)
		if err != nil {
			return nil, err
		}
		out = append(out, *ai)
	}
	return out, nil
}
