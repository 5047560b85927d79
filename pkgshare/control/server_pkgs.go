package control

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/pkgshare/fetch"
	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// progressEvery is how often a streamed publish reports progress.
const progressEvery = 200 * time.Millisecond

// publish hashes the files in place, records the version and announces the
// package before it answers, so the package can be fetched at once.
func (s *Server) publish(w http.ResponseWriter, r *http.Request) {
	var req PublishRequest
	if err := decode(w, r, &req); err != nil {
		answer(w, nil, err)
		return
	}
	if !filepath.IsAbs(req.Path) {
		answer(w, nil, &Error{Msg: "publish: the path must be absolute", BadInput: true})
		return
	}
	st := newStream(w)
	p := &hashProgress{}
	stop := p.report(st)
	res, err := s.Publish(r.Context(), req, p)
	stop()
	st.finish(res, err)
}

// Publish publishes req.Path in place as the daemon's node, has the node
// serve the files as just recorded, and announces the package before it
// returns; progress may be nil. The daemon's own watched folders publish
// through it, as clients do.
func (s *Server) Publish(ctx context.Context, req PublishRequest, progress library.Progress) (*library.PublishResult, error) {
	res, err := library.Publish(ctx, s.node.Library, s.key, req.Path,
		library.PublishOptions{Name: req.Name, FollowSymlinks: req.FollowSymlinks, Progress: progress,
			Private: []string{filepath.Dir(s.path)}}) // the socket is in the node's home
	if err != nil {
		return nil, err
	}
	// Serve the files as just recorded, and no version whose files the
	// publish found replaced.
	s.node.Seeder.ForgetAll()
	if aerr := s.node.AnnouncePackage(ctx, res.ID); aerr != nil {
		s.log.Info("announce published package; retrying in the background", "package", res.ID, "err", aerr)
	}
	if !res.Unchanged {
		s.announceVersion(ctx, res.VersionID)
	}
	return res, nil
}

// announceVersion tells the package's followers of a new version at once
// (pkgshare/follow); those it misses find it at their next check.
func (s *Server) announceVersion(ctx context.Context, id manifest.VersionID) {
	if err := s.node.AnnounceVersion(ctx, id); err != nil {
		s.log.Warn("announce the new version to followers; they find it at their next check", "version", id, "err", err)
	}
}

// hashProgress implements library.Progress for a streamed publish.
type hashProgress struct{ total, done atomic.Int64 }

func (p *hashProgress) SetTotal(n int64) { p.total.Store(n) }
func (p *hashProgress) Add(n int64)      { p.done.Add(n) }

// report sends progress frames until the returned stop is called.
func (p *hashProgress) report(st *streamWriter) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				st.progress(PublishProgress{Total: p.total.Load(), Done: p.done.Load()})
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		st.progress(PublishProgress{Total: p.total.Load(), Done: p.done.Load()})
	}
}

// fetch runs a fetch in the daemon, streaming its progress. The daemon
// serves the package afterwards; a client that goes away cancels it.
func (s *Server) fetch(w http.ResponseWriter, r *http.Request) {
	var req FetchRequest
	if err := decode(w, r, &req); err != nil {
		answer(w, nil, err)
		return
	}
	opts, err := s.fetchOptions(req)
	if err != nil {
		answer(w, nil, err)
		return
	}
	if err := s.learnRendezvous(r.Context(), req.Rendezvous); err != nil {
		answer(w, nil, err)
		return
	}
	st := newStream(w)
	opts.Progress = func(p fetch.Progress) { st.progress(p) }
	res, err := s.node.Fetch(r.Context(), opts)
	st.finish(res, err)
}

func (s *Server) fetchOptions(req FetchRequest) (fetch.Options, error) {
	opts := fetch.Options{Ref: req.Ref, Target: req.Target, Dir: req.Dir, Announce: true,
		ResolveTimeout: req.Timeout, MaxDownload: req.MaxDownload, StallTimeout: req.StallTimeout, Overwrite: req.Overwrite}
	if req.VersionID != nil {
		opts.VersionID = *req.VersionID
	}
	var err error
	if opts.Select, err = fetch.NewSelection(req.Include, req.Exclude); err != nil {
		return opts, err
	}
	if req.MaxDownload < 0 {
		return opts, &Error{Msg: "fetch: the download limit must not be negative", BadInput: true}
	}
	if !filepath.IsAbs(req.Dir) || (req.Target != "" && !filepath.IsAbs(req.Target)) {
		return opts, &Error{Msg: "fetch: the target and working directory must be absolute", BadInput: true}
	}
	for _, a := range req.Peers {
		ai, err := peer.AddrInfoFromString(a)
		if err != nil {
			return opts, &Error{Msg: "--peer " + a + ": " + err.Error(), BadInput: true}
		}
		opts.Peers = append(opts.Peers, *ai)
	}
	return opts, nil
}

// learnRendezvous has the node remember a fetch's rendezvous nodes.
func (s *Server) learnRendezvous(ctx context.Context, addrs []string) error {
	var nodes []peer.AddrInfo
	for _, a := range addrs {
		ai, err := peer.AddrInfoFromString(a)
		if err != nil {
			return &Error{Msg: "rendezvous " + a + ": " + err.Error(), BadInput: true}
		}
		nodes = append(nodes, *ai)
	}
	if len(nodes) == 0 {
		return nil
	}
	return s.node.LearnRendezvous(ctx, nodes)
}

// packages lists the library.
func (s *Server) packages(w http.ResponseWriter, r *http.Request) {
	pkgs, err := s.node.Library.Packages(r.Context())
	answer(w, pkgs, err)
}

// packageDetail shows one package and the files of the version named by
// a package ID, ID@N or version ID.
func (s *Server) packageDetail(w http.ResponseWriter, r *http.Request) {
	t, err := library.ParseTarget(r.PathValue("ref"))
	if err != nil {
		answer(w, nil, &Error{Msg: err.Error(), BadInput: true})
		return
	}
	d, err := s.node.Library.Detail(r.Context(), t)
	answer(w, d, err)
}

// removePackage forgets a package or one version; the daemon stops serving
// what was removed, and unregisters the package once no version is left.
func (s *Server) removePackage(w http.ResponseWriter, r *http.Request) {
	ref, err := manifest.ParseRef(r.PathValue("ref"))
	if err != nil {
		answer(w, nil, err)
		return
	}
	gone, err := s.node.Library.Remove(r.Context(), ref)
	if err != nil {
		answer(w, nil, err)
		return
	}
	for _, v := range gone {
		s.node.Seeder.Forget(v.ID)
	}
	var nf *library.NotFoundError
	if _, err := s.node.Library.Package(r.Context(), ref.ID); errors.As(err, &nf) {
		s.unannounce(ref.ID)
	}
	answer(w, gone, nil)
}

// unannounce stops announcing a removed package: at the rendezvous and on
// the DHT.
func (s *Server) unannounce(id manifest.PackageID) {
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
	defer cancel()
	if err := s.node.UnannouncePackage(ctx, id); err != nil {
		s.log.Info("unregister removed package", "package", id, "err", err)
	}
}
