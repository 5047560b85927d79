package pkgshare

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"golang.org/x/time/rate"

	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/xfer"
)

// FetchOptions control Node.Fetch.
type FetchOptions struct {
	Ref      manifest.Ref    // the package, and version (0: the newest any provider offers)
	Target   string          // the directory that receives the files; default <Dir>/<name>
	Dir      string          // where the default target goes; default the working directory
	Peers    []peer.AddrInfo // providers to ask besides those discovered
	Announce bool            // register as a provider once any chunk is held
	Progress func(FetchProgress)
	// ResolveTimeout bounds the search for a provider with the manifest.
	ResolveTimeout time.Duration
	// MaxDownload caps this fetch at that many bytes per second, on top of
	// the node's own limit; 0: no limit of its own.
	MaxDownload int
}

// FetchProgress reports a running fetch.
type FetchProgress struct {
	xfer.Progress
	Name    string
	Version uint64
}

// FetchResult sums up a finished fetch.
type FetchResult struct {
	ID           manifest.PackageID `json:"id"`
	Name         string             `json:"name"`
	Version      uint64             `json:"version"`
	VersionID    manifest.VersionID `json:"version_id"`
	Target       string             `json:"target"`
	Bytes        int64              `json:"bytes"`         // the version's size
	FetchedBytes int64              `json:"fetched_bytes"` // chunk bytes fetched from peers
	LocalBytes   int64              `json:"local_bytes"`   // chunk bytes copied from local files
	Seconds      float64            `json:"seconds"`
	Peers        int                `json:"peers"` // peers that sent chunks
	PerPeer      map[string]int64   `json:"per_peer"`
	BadPeers     []peer.ID          `json:"bad_peers"`
	Already      bool               `json:"already"` // the version was already complete there
	Warnings     []string           `json:"warnings,omitempty"`
}

// badPeerScore is what a peer loses for sending a chunk that fails
// verification.
const badPeerScore = -100

// ScoreKey is the peerstore metadata key of a peer's score.
const ScoreKey = "p2psb/score"

// Fetch fetches a version of a package from every provider at once into
// opts.Target, resuming an interrupted fetch there, copying chunks the
// library already holds instead of fetching them, and serving what it has
// to others while it runs.
func (n *Node) Fetch(ctx context.Context, opts FetchOptions) (*FetchResult, error) {
	start := time.Now()
	limit, err := xfer.NewDownloadLimit(opts.MaxDownload)
	if err != nil {
		return nil, &ConfigError{Msg: "fetch: " + err.Error()}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	provs := n.providers(ctx, opts.Ref.ID, opts.Peers)
	sealed, seen, err := n.resolve(ctx, opts, provs)
	var np *NoProviderError
	if errors.As(err, &np) {
		// Nobody else offers it; the library may (a node never asks itself).
		if v, lerr := n.Library.Version(ctx, opts.Ref); lerr == nil && v.Complete {
			sealed, err = v.Sealed, nil
		}
	}
	if err != nil {
		return nil, err
	}
	target, err := fetchTarget(opts.Target, opts.Dir, sealed.Name)
	if err != nil {
		return nil, err
	}
	res := &FetchResult{ID: sealed.PackageID, Name: sealed.Name, Version: sealed.Version, VersionID: sealed.ID,
		Target: target, Bytes: sealed.Size(), PerPeer: map[string]int64{}, BadPeers: []peer.ID{}, Warnings: sealed.Warnings}
	k, err := n.Library.openSink(ctx, sealed, target)
	if errors.Is(err, ErrHaveVersion) {
		if v, verr := n.Library.VersionByID(ctx, sealed.ID); verr == nil && v.Root == target {
			res.Already = true
			return res, nil
		}
	}
	if err != nil {
		return nil, err
	}
	defer k.close()
	n.Seeder.attach(k)
	defer n.Seeder.detach(k)

	plan, err := n.Library.planLocal(ctx, k)
	if err != nil {
		return nil, err
	}
	n.log.Debug("fetch sink ready", "version", sealed.ID, "chunks", len(k.chunks), "local", len(plan),
		"since_start", time.Since(start))
	feed := &providerFeed{seen: seen, provs: provs}
	f := &filling{n: n, k: k, opts: opts, feed: feed, res: res, limit: limit,
		announce: n.announcer(opts.Announce, sealed.PackageID)}
	if err := f.fill(ctx, plan); err != nil {
		return res, err
	}
	if err := k.complete(ctx); err != nil {
		return res, err
	}
	n.Seeder.Forget(sealed.ID)
	res.Peers = len(res.PerPeer)
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// announcer returns a function that registers the node as a provider of
// the package the first time it is called (when on is set).
func (n *Node) announcer(on bool, id manifest.PackageID) func() {
	var once sync.Once
	return func() {
		if !on {
			return
		}
		once.Do(func() {
			n.wg.Add(1)
			go func() {
				defer n.wg.Done()
				if err := n.Announce(n.ctx, PackageNamespace(id)); err != nil {
					n.log.Info("announce provider", "package", id, "err", err)
				}
			}()
		})
	}
}

// lowerScore records in the peerstore that p sent a bad chunk.
func (n *Node) lowerScore(p peer.ID, err error) {
	n.log.Warn("dropped a peer that sent a bad chunk", "peer", p, "err", err)
	score := 0
	if v, err := n.Peers.Get(p, ScoreKey); err == nil {
		score, _ = v.(int)
	}
	if err := n.Peers.Put(p, ScoreKey, score+badPeerScore); err != nil {
		n.log.Info("record peer score", "peer", p, "err", err)
	}
}

// fetchTarget returns the absolute target directory: dir, or
// <base>/<name> (base defaults to the working directory).
func fetchTarget(dir, base, name string) (string, error) {
	if dir == "" {
		dir = filepath.Join(base, name)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("target %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return "", &InputError{Path: dir, Reason: "cannot create the target directory: " + cause(err)}
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return "", &InputError{Path: dir, Reason: "the target is not a directory"}
	}
	return abs, nil
}

// filling is the state of getting a fetch's chunks into its sink.
type filling struct {
	n        *Node
	k        *fileSink
	opts     FetchOptions
	feed     *providerFeed
	res      *FetchResult
	limit    *rate.Limiter // FetchOptions.MaxDownload, shared by both passes
	announce func()
}

// fill gets every chunk the sink lacks: the chunks of plan (from
// planLocal) by local copy, while the others come from the providers, so
// the first request does not wait for the copies. Chunks a copy could
// not provide (their source changed) are fetched afterwards.
func (f *filling) fill(ctx context.Context, plan []int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var copied int64
	var copyErr error
	copyDone := make(chan struct{})
	go func() {
		defer close(copyDone)
		if copied, copyErr = f.n.Library.copyLocal(ctx, f.k, plan); copyErr != nil {
			cancel() // the network part stops too
			return
		}
		copyErr = f.k.release()
		if copied > 0 {
			f.Notify(f.k.sealed.ID)
		}
	}()
	var err error
	if ps := (&plannedSink{fileSink: f.k, plan: plan}); !ps.covered() {
		err = f.pull(ctx, ps)
	}
	if err != nil {
		cancel()
	}
	<-copyDone
	f.res.LocalBytes = copied
	switch {
	case copyErr != nil && (err == nil || !errors.Is(copyErr, context.Canceled)):
		return copyErr
	case err != nil:
		return err
	case !f.k.haveSet().Full():
		return f.pull(ctx, f.k)
	}
	return nil
}

// pull runs one Fetcher pass into sink and adds what it moved to the result.
func (f *filling) pull(ctx context.Context, sink xfer.Sink) error {
	s := f.k.sealed
	provs, stop := f.feed.pass(ctx)
	defer stop()
	stats, err := f.n.Fetcher.Fetch(ctx, xfer.Job{
		Version: s, Sink: sink, Providers: provs, Download: f.limit,
		Progress: func(p xfer.Progress) {
			if f.opts.Progress != nil {
				f.opts.Progress(FetchProgress{Progress: p, Name: s.Name, Version: s.Version})
			}
		},
		BadPeer: f.n.lowerScore,
		Notify:  f,
	})
	if stats != nil {
		f.res.FetchedBytes += stats.Bytes
		f.res.BadPeers = append(f.res.BadPeers, stats.BadPeers...)
		for p, b := range stats.PerPeer {
			f.res.PerPeer[p.String()] += b
		}
	}
	if err != nil {
		return fmt.Errorf("fetch %s version %d: %w", s.Name, s.Version, err)
	}
	return nil
}

// Notify implements xfer.Notifier: the sink gained chunks, so the server
// tells its subscribers, and the node registers as a provider if it has
// not yet.
func (f *filling) Notify(id manifest.VersionID) {
	f.n.Xfer.Notify(id)
	f.announce()
}

// providerFeed hands a fetch's providers to one Fetcher pass at a time:
// each pass gets the providers earlier passes got, then the new ones.
// Passes do not overlap (a pass's goroutine has returned once it is
// ended), so seen needs no lock.
type providerFeed struct {
	provs <-chan peer.AddrInfo
	seen  []peer.AddrInfo
}

// pass returns the providers for one pass, and a function that ends it
// (the pass's goroutine has returned when it does).
func (p *providerFeed) pass(ctx context.Context) (<-chan peer.AddrInfo, func()) {
	ctx, cancel := context.WithCancel(ctx)
	out := make(chan peer.AddrInfo, len(p.seen)+16)
	for _, ai := range p.seen {
		out <- ai
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
		for {
			select {
			case <-ctx.Done():
				return
			case ai, ok := <-p.provs:
				if !ok {
					return
				}
				p.seen = append(p.seen, ai)
				select {
				case out <- ai:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, func() { cancel(); <-done }
}
