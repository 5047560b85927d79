package follow

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/pkgshare/fetch"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// Env is what the service needs of the node that runs it.
type Env struct {
	Store  *Store
	Gossip *Gossip // nil: no announcements, checks only
	// Newest asks the providers of a package (peers first) for their
	// newest version, as a fetch of the newest version resolves it.
	Newest func(ctx context.Context, id manifest.PackageID, peers []peer.AddrInfo) (*manifest.Sealed, error)
	// Fetch fetches a version into a target (and seeds it afterwards).
	Fetch func(ctx context.Context, opts fetch.Options) (*fetch.Result, error)
	// Learn has the node remember rendezvous nodes (a ticket's).
	Learn func(ctx context.Context, nodes []peer.AddrInfo) error
	// Fetched, if set, runs after each version a follow fetched (its
	// retention): what it did, if anything, and its error become the
	// follow's event; an error does not undo the fetch.
	Fetched func(ctx context.Context, f Follow, res *fetch.Result) (string, error)
	Log     *slog.Logger
}

// Options tune the service.
type Options struct {
	CheckEvery time.Duration // between checks of the providers; default DefaultCheckEvery
	RetryFirst time.Duration // the first wait after a failure, doubling up to CheckEvery; default 2 s
	// FetchStall ends a fetch that no peer can serve for that long, to
	// retry it later (fetch.Options.StallTimeout); default 2 min.
	FetchStall time.Duration
	// ResolveTimeout bounds one check's search for providers; default 30 s.
	ResolveTimeout time.Duration
}

// DefaultCheckEvery is how often a follow asks its providers by default.
const DefaultCheckEvery = time.Minute

func (o *Options) defaults() {
	if o.CheckEvery <= 0 {
		o.CheckEvery = DefaultCheckEvery
	}
	if o.RetryFirst <= 0 {
		o.RetryFirst = 2 * time.Second
	}
	if o.FetchStall <= 0 {
		o.FetchStall = 2 * time.Minute
	}
	if o.ResolveTimeout <= 0 {
		o.ResolveTimeout = 30 * time.Second
	}
}

// Service runs one tracker per follow.
type Service struct {
	env    Env
	opts   Options
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once

	mu       sync.Mutex
	trackers map[manifest.PackageID]*tracker
}

// New starts the service with a tracker for every stored follow. Close
// stops it.
func New(env Env, opts Options) (*Service, error) {
	if env.Log == nil {
		env.Log = slog.Default()
	}
	opts.defaults()
	s := &Service{env: env, opts: opts, trackers: map[manifest.PackageID]*tracker{}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	fs, err := env.Store.List(s.ctx)
	if err != nil {
		s.cancel()
		return nil, err
	}
	for _, f := range fs {
		s.start(f.Package)
	}
	return s, nil
}

// Add follows a package (or changes an existing follow's options) and
// checks it at once.
func (s *Service) Add(ctx context.Context, c Config) (Follow, error) {
	if c.Keep < 0 {
		return Follow{}, &OptionError{Msg: fmt.Sprintf("--keep %d: want 0 (keep all) or more", c.Keep)}
	}
	f, err := s.env.Store.Put(ctx, c)
	if err != nil {
		return Follow{}, err
	}
	s.env.Log.Info("following package", "package", c.Package, "target", f.Target)
	s.start(c.Package).wake(nil)
	return f, nil
}

// Remove stops following package id; what was fetched stays.
func (s *Service) Remove(ctx context.Context, id manifest.PackageID) (Follow, error) {
	f, err := s.env.Store.Remove(ctx, id)
	if err != nil {
		return Follow{}, err
	}
	s.mu.Lock()
	t := s.trackers[id]
	delete(s.trackers, id)
	s.mu.Unlock()
	if t != nil {
		t.stop()
	}
	s.env.Log.Info("stopped following package", "package", id)
	return f, nil
}

// Get returns the follow of package id, or a *NotFollowedError.
func (s *Service) Get(ctx context.Context, id manifest.PackageID) (Follow, error) {
	return s.env.Store.Get(ctx, id)
}

// List returns every follow with its state.
func (s *Service) List(ctx context.Context) ([]Follow, error) { return s.env.Store.List(ctx) }

// Announced wakes the tracker of s's package, if followed, with the
// version a peer announced.
func (s *Service) Announced(sealed *manifest.Sealed, from peer.ID) {
	s.mu.Lock()
	t := s.trackers[sealed.PackageID]
	s.mu.Unlock()
	if t != nil {
		t.wake(&hint{sealed: sealed, from: from})
	}
}

// start starts the tracker of package id unless it runs.
func (s *Service) start(id manifest.PackageID) *tracker {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.trackers[id]; ok {
		return t
	}
	t := newTracker(s, id)
	s.trackers[id] = t
	if s.ctx.Err() == nil {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			t.run()
		}()
	}
	return t
}

// Close stops every tracker, cancelling fetches in flight (they resume at
// the next start). It is idempotent.
func (s *Service) Close() error {
	s.once.Do(func() {
		s.cancel()
		s.wg.Wait()
	})
	return nil
}

// OptionError is a bad follow option.
type OptionError struct{ Msg string }

func (e *OptionError) Error() string      { return e.Msg }
func (e *OptionError) InvalidInput() bool { return true }
