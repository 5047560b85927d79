package fetch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"golang.org/x/time/rate"

	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/seeder"
	"github.com/p2psb/p2psb/pkgshare/sink"
	"github.com/p2psb/p2psb/pkgshare/xfer"
)

// Options control a fetch.
type Options struct {
	Ref manifest.Ref // the package, and version (0: the newest any provider offers)
	// VersionID, if not zero, names the version instead of Ref (byid.go).
	// With Ref.ID set too (a ticket names both), the providers of Ref.ID
	// are asked for that version by its ID, and no other is taken.
	VersionID manifest.VersionID
	Target    string          // the directory that receives the files; default <Dir>/<name>
	Dir       string          // where the default target goes; default the working directory
	Peers     []peer.AddrInfo // providers to ask besides those discovered
	Announce  bool            // register as a provider once any chunk is held
	Progress  func(Progress)
	// ResolveTimeout bounds the search for a provider with the manifest.
	ResolveTimeout time.Duration
	// MaxDownload caps this fetch at that many bytes per second, on top of
	// the node's own limit; 0: no limit of its own.
	MaxDownload int
	// StallTimeout ends the fetch with a *ResumableError once it has had
	// no source and made no progress for that long (xfer.Job.StallTimeout);
	// 0: it waits for providers as long as ctx lasts.
	StallTimeout time.Duration
	// Overwrite lets the fetch replace files in the target that p2psb did
	// not write; without it they fail the fetch before it starts.
	Overwrite bool
	// Select, if not nil, names the files to fetch (select.go); the
	// others are neither fetched nor written, and the version stays
	// incomplete with the files taken recorded present.
	Select *Selection
}

// Progress reports a running fetch.
type Progress struct {
	xfer.Progress
	Name    string
	Version uint64
}

// Result sums up a finished fetch.
type Result struct {
	ID           manifest.PackageID `json:"id"`
	Name         string             `json:"name"`
	Version      uint64             `json:"version"`
	VersionID    manifest.VersionID `json:"version_id"`
	Target       string             `json:"target"`
	Bytes        int64              `json:"bytes"`         // the version's size
	FetchedBytes int64              `json:"fetched_bytes"` // chunk bytes fetched from peers
	RelayedBytes int64              `json:"relayed_bytes"` // of those, the ones that came through a relay
	// FirstChunkAt is when the first fetched chunk was verified.
	FirstChunkAt *time.Time       `json:"first_chunk_at,omitempty"`
	LocalBytes   int64            `json:"local_bytes"` // chunk bytes copied from local files
	Seconds      float64          `json:"seconds"`
	Peers        int              `json:"peers"` // peers that sent chunks
	PerPeer      map[string]int64 `json:"per_peer"`
	BadPeers     []peer.ID        `json:"bad_peers"`
	Already      bool             `json:"already"` // the version was already complete there
	Files        int              `json:"files"`   // the version's
	// Selected and SelectedBytes are the files a selective fetch took
	// (Options.Select) and their size; 0 for a whole version.
	Selected      int   `json:"selected_files,omitempty"`
	SelectedBytes int64 `json:"selected_bytes,omitempty"`
	// Complete: every file of the version is now in Target.
	Complete bool     `json:"complete"`
	Warnings []string `json:"warnings,omitempty"`
}

// Env is what a fetch needs of the node that runs it.
type Env struct {
	Host    host.Host
	Library *library.Library
	Seeder  *seeder.Seeder
	Fetcher *xfer.Fetcher
	// Notify tells the transfer server's subscribers that a version
	// gained chunks.
	Notify func(manifest.VersionID)
	// Providers sends the peers that may hold a package (the explicit
	// ones first) until ctx ends, each once.
	Providers func(ctx context.Context, id manifest.PackageID, explicit []peer.AddrInfo) <-chan peer.AddrInfo
	// Announce registers the node as a provider of a package, in the
	// background.
	Announce func(manifest.PackageID)
	// BadPeer records that a peer sent a chunk that failed verification.
	BadPeer func(peer.ID, error)
	// Rank, if set, ranks a provider (xfer.Job.Rank).
	Rank func(peer.ID) float64
	// Known, if set, returns peers worth asking for a version by its ID
	// (buddies, LAN and recently seen peers).
	Known func() []peer.AddrInfo
	Log   *slog.Logger
}

// OptionError is a bad fetch option (an unusable rate limit, say).
type OptionError struct{ Msg string }

func (e *OptionError) Error() string      { return e.Msg }
func (e *OptionError) InvalidInput() bool { return true }

// Run fetches a version of a package from every provider at once into
// opts.Target, resuming an interrupted fetch there, copying chunks the
// library already holds instead of fetching them, and serving what it has
// to others while it runs.
func Run(ctx context.Context, n Env, opts Options) (*Result, error) {
	start := time.Now()
	limit, err := xfer.NewDownloadLimit(opts.MaxDownload)
	if err != nil {
		return nil, &OptionError{Msg: "fetch: " + err.Error()}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if !opts.VersionID.IsZero() && opts.Ref.ID.IsZero() {
		if opts.Ref, err = pinVersion(ctx, n, opts); err != nil {
			return nil, err
		}
	}
	provs := n.Providers(ctx, opts.Ref.ID, opts.Peers)
	sealed, seen, err := resolve(ctx, n, opts, provs)
	var np *NoProviderError
	if errors.As(err, &np) {
		// Nobody else offers it; the library may (a node never asks itself).
		if v, lerr := libraryVersion(ctx, n.Library, opts); lerr == nil && v.Complete {
			sealed, err = v.Sealed, nil
		}
	}
	if err != nil {
		return nil, err
	}
	want, err := opts.Select.Files(&sealed.Manifest)
	if err != nil {
		return nil, err // before anything is written
	}
	target, err := sink.PrepareTarget(opts.Target, opts.Dir, sealed.Name)
	if err != nil {
		return nil, err
	}
	res := newResult(sealed, target, want)
	k, err := sink.Open(ctx, n.Library, sealed, target, sink.Options{Overwrite: opts.Overwrite, Want: want}, n.Log)
	if errors.Is(err, library.ErrHaveVersion) {
		if v, verr := n.Library.VersionByID(ctx, sealed.ID); verr == nil && v.Root == target {
			res.Already, res.Complete = true, true
			return res, nil
		}
	}
	if err != nil {
		return nil, err
	}
	defer k.Close()
	n.Seeder.Attach(k)
	defer n.Seeder.Detach(k)

	plan, err := k.PlanLocal(ctx)
	if err != nil {
		return nil, err
	}
	n.Log.Debug("fetch sink ready", "version", sealed.ID, "chunks", k.HaveSet().Len(), "local", len(plan),
		"since_start", time.Since(start))
	feed := &providerFeed{seen: seen, provs: provs}
	f := &filling{n: n, k: k, opts: opts, feed: feed, res: res, limit: limit,
		announce: announcer(n, opts.Announce, sealed.PackageID)}
	if err := f.fill(ctx, plan); err != nil {
		return res, resumable(err, sealed, target)
	}
	if err := finish(ctx, k, res); err != nil {
		return res, err
	}
	n.Seeder.ForgetAll() // the version, and any whose files it replaced
	res.Peers = len(res.PerPeer)
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// newResult is the result of fetching want (nil: all) of s into target,
// before it starts.
func newResult(s *manifest.Sealed, target string, want []bool) *Result {
	res := &Result{ID: s.PackageID, Name: s.Name, Version: s.Version, VersionID: s.ID, Target: target,
		Bytes: s.Size(), Files: len(s.Files), PerPeer: map[string]int64{}, BadPeers: []peer.ID{}, Warnings: s.Warnings}
	for i, w := range want {
		if w {
			res.Selected++
			res.SelectedBytes += s.Files[i].Size
		}
	}
	return res
}

// finish ends a fetch whose sink holds what it takes: the version is
// complete when every chunk is there (a selective fetch may have taken
// the last missing files), else the files taken are recorded present.
func finish(ctx context.Context, k *sink.Sink, res *Result) error {
	if k.HaveSet().Full() {
		res.Complete = true
		return k.Complete(ctx)
	}
	return k.FinishSelected(ctx)
}

// announcer returns a function that registers the node as a provider of
// the package the first time it is called (when on is set).
func announcer(n Env, on bool, id manifest.PackageID) func() {
	var once sync.Once
	return func() {
		if on {
			once.Do(func() { n.Announce(id) })
		}
	}
}

// filling is the state of getting a fetch's chunks into its sink.
type filling struct {
	n        Env
	k        *sink.Sink
	opts     Options
	feed     *providerFeed
	res      *Result
	limit    *rate.Limiter // Options.MaxDownload, shared by both passes
	announce func()
}

// fill gets every chunk the sink lacks: the chunks of plan (from
// PlanLocal) by local copy, while the others come from the providers, so
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
		if copied, copyErr = f.k.CopyLocal(ctx, plan); copyErr != nil {
			cancel() // the network part stops too
			return
		}
		copyErr = f.k.Release()
		if copied > 0 {
			f.Notify(f.k.Sealed().ID)
		}
	}()
	var err error
	if ps := f.k.Planned(plan); !ps.Covered() {
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
	case !f.k.Covered():
		return f.pull(ctx, f.k)
	}
	return nil
}

// pull runs one Fetcher pass into sink and adds what it moved to the result.
func (f *filling) pull(ctx context.Context, sink xfer.Sink) error {
	s := f.k.Sealed()
	provs, stop := f.feed.pass(ctx)
	defer stop()
	stats, err := f.n.Fetcher.Fetch(ctx, xfer.Job{
		Version: s, Sink: sink, Providers: provs, Download: f.limit,
		Progress: func(p xfer.Progress) {
			if f.opts.Progress != nil {
				f.opts.Progress(Progress{Progress: p, Name: s.Name, Version: s.Version})
			}
		},
		BadPeer:      f.n.BadPeer,
		Notify:       f,
		StallTimeout: f.opts.StallTimeout,
		Rank:         f.n.Rank,
	})
	if stats != nil {
		f.res.FetchedBytes += stats.Bytes
		f.res.RelayedBytes += stats.Relayed
		if t := stats.FirstChunk; !t.IsZero() && (f.res.FirstChunkAt == nil || t.Before(*f.res.FirstChunkAt)) {
			f.res.FirstChunkAt = &t
		}
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
	f.n.Notify(id)
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
