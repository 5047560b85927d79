package xfer

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"golang.org/x/time/rate"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// closeGrace bounds how long a completed fetch waits for its streams to
// close cleanly before resetting them.
const closeGrace = 2 * time.Second

// Job is one fetch: a verified version, where its chunks go, and where
// they may come from.
type Job struct {
	// Version is the verified manifest (from manifest.Open) to fetch.
	Version *manifest.Sealed
	// Sink says which chunks are present and receives verified ones.
	Sink Sink
	// Providers delivers peers that may hold the version, while the fetch
	// runs (discovery keeps sending). Peers with addresses are dialled.
	// When it is closed (or nil) and no provider is left, the fetch fails
	// with ErrNoProviders; while it is open, the fetch waits for more.
	Providers <-chan peer.AddrInfo
	// Progress, if set, is called every progress interval and once at the
	// end, from one goroutine.
	Progress func(Progress)
	// BadPeer, if set, is called once per peer dropped for sending a chunk
	// that fails verification (the error wraps ErrBadPeer). It runs on a
	// verify worker: keep it short (e.g. queue a peerstore score update).
	BadPeer func(peer.ID, error)
	// Notify, if set, is told after every chunk written, from a verify
	// worker (pass the node's *Server so HAVE subscribers learn of partial
	// progress; the Server's Store must then report the Sink's chunks).
	Notify Notifier
	// Download, if set, caps this job's chunk bytes per second, on top of
	// the Fetcher's own download limit (NewDownloadLimit makes one).
	Download *rate.Limiter
	// Rank, if set, ranks a provider (rank.go): one of negative rank is
	// asked only when no other provider in use holds a missing chunk, and
	// providers waiting for a place are taken best first.
	Rank func(peer.ID) float64
	// StallTimeout, if positive, ends the fetch with a *StallError once it
	// has had no source and verified no chunk for that long (see
	// Progress.Looking); 0: it waits for providers as long as ctx lasts.
	StallTimeout time.Duration
}

// Progress is a snapshot of a running fetch.
type Progress struct {
	Total      int64   // bytes of the version's distinct chunks
	Done       int64   // bytes present: found at start plus fetched
	Fetched    int64   // bytes fetched and verified by this fetch
	Rate       float64 // recent verified bytes per second
	Chunks     int     // distinct chunks
	ChunksDone int     // distinct chunks present
	Peers      int     // providers in use
	Looking    bool    // no provider in use holds a missing chunk: looking for peers
	Elapsed    time.Duration
}

// Stats sums up a finished (or failed) fetch.
type Stats struct {
	Bytes   int64             // chunk bytes fetched and verified (raw size)
	Wire    int64             // body bytes received, including duplicates and bad chunks
	PerPeer map[peer.ID]int64 // verified raw bytes by the peer that sent them
	Relayed int64             // of Bytes, those that came through a circuit relay
	// FirstChunk is when the first chunk was verified; zero if none was.
	FirstChunk time.Time
	BadPeers   []peer.ID // peers dropped for sending bad chunks
	Duration   time.Duration
}

// Fetch pulls the chunks job.Sink lacks from the providers, verifying
// each, until the version is complete (nil error), ctx ends, the Sink
// fails, or no provider is left (ErrNoProviders). Stats are returned in
// every case.
func (f *Fetcher) Fetch(ctx context.Context, job Job) (*Stats, error) {
	if job.Version == nil || job.Sink == nil {
		return nil, errors.New("xfer: fetch needs a version and a sink")
	}
	fe, err := newFetch(ctx, f, job)
	if err != nil {
		return nil, err
	}
	err = fe.run(job.Providers)
	return fe.finish(), err
}

// run starts peers as providers arrive until the fetch completes or fails.
func (fe *fetch) run(providers <-chan peer.AddrInfo) error {
	fe.startWorkers()
	for {
		if err := fe.verdict(providers == nil); err != nil || fe.complete() {
			return err
		}
		select {
		case <-fe.ctx.Done():
			return fe.abortErr()
		case <-fe.doneCh:
		case <-fe.peerExit:
		case ai, ok := <-providers:
			if !ok {
				providers = nil
				continue
			}
			fe.addProvider(ai)
		}
	}
}

// verdict returns the error that ends the fetch, if any; with no
// provider left to come, it starts those held in reserve.
func (fe *fetch) verdict(noMoreProviders bool) error {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	if fe.fatal != nil {
		return fe.fatal
	}
	idle := fe.remaining > 0 && len(fe.peers) == 0 && len(fe.backlog) == 0
	if idle && (noMoreProviders || fe.noPath != nil) {
		for _, ai := range fe.takeReserve() {
			fe.startLocked(ai)
		}
	}
	if fe.remaining > 0 && fe.noPath != nil && len(fe.peers) == 0 && len(fe.backlog) == 0 {
		return fmt.Errorf("fetch %s: %d of %d chunks missing: %w", fe.v.ID, fe.remaining, len(fe.chunks), fe.noPath)
	}
	if fe.remaining > 0 && noMoreProviders && len(fe.peers) == 0 && len(fe.backlog) == 0 {
		return fmt.Errorf("fetch %s: %d of %d chunks missing: %w; %s",
			fe.v.ID, fe.remaining, len(fe.chunks), ErrNoProviders, triedText(fe.stall.attempts()))
	}
	return nil
}

func (fe *fetch) complete() bool {
	select {
	case <-fe.doneCh:
		return true
	default:
		return false
	}
}

func (fe *fetch) abortErr() error {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	if fe.fatal != nil {
		return fe.fatal
	}
	return fmt.Errorf("fetch %s: %w", fe.v.ID, fe.parent.Err())
}

// fail records the first fatal error and cancels the fetch.
func (fe *fetch) fail(err error) {
	fe.mu.Lock()
	if fe.fatal == nil {
		fe.fatal = err
	}
	fe.mu.Unlock()
	fe.cancel()
}

// finish stops every goroutine, reports the last progress, and returns
// the stats.
func (fe *fetch) finish() *Stats {
	peersDone := make(chan struct{})
	go func() {
		fe.peerWG.Wait()
		close(peersDone)
	}()
	if fe.complete() {
		// Let streams close cleanly (Close, not Reset), for a while.
		t := time.NewTimer(closeGrace)
		select {
		case <-peersDone:
		case <-t.C:
		}
		t.Stop()
	}
	fe.cancel()
	<-peersDone
	fe.wg.Wait()
	fe.doneCancel()
	fe.report()
	fe.mu.Lock()
	defer fe.mu.Unlock()
	st := fe.stats
	st.PerPeer = maps.Clone(fe.stats.PerPeer)
	st.BadPeers = slices.Clone(fe.stats.BadPeers)
	st.Duration = time.Since(fe.start)
	return &st
}

// startWorkers starts the verify workers and the progress ticker.
func (fe *fetch) startWorkers() {
	for range fe.cfg.verifyWorkers {
		fe.wg.Add(1)
		go func() {
			defer fe.wg.Done()
			fe.verifyLoop()
		}()
	}
	fe.wg.Add(1)
	go func() {
		defer fe.wg.Done()
		fe.tickLoop()
	}()
}
