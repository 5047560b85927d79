package follow

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/pkgshare/fetch"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// step handles one wake-up: the announced version h, or else the newest
// any provider offers, fetched when it is newer than the one held. It
// returns the failures in a row so far and the error of this one.
func (t *tracker) step(h *hint) (int, error) {
	f, err := t.s.env.Store.Get(t.ctx, t.id)
	var nf *NotFollowedError
	if errors.As(err, &nf) {
		return 0, nil // unfollowed meanwhile; Remove stops the tracker
	}
	if err != nil {
		return t.failed(f, "read the follow", err)
	}
	var want *manifest.Sealed
	var peers []peer.AddrInfo
	if h != nil && h.sealed.Version > f.Held {
		want, peers = h.sealed, hintPeers(h)
		t.event(&f, fmt.Sprintf("version %d announced by %s", want.Version, h.from), false)
	} else {
		if want, err = t.check(&f); err != nil {
			return t.failed(f, "check providers", err)
		}
		if want.Version > f.Seen {
			t.event(&f, fmt.Sprintf("version %d found at a provider", want.Version), false)
		}
	}
	f.Seen = max(f.Seen, want.Version)
	if want.Version <= f.Held {
		f.Status, f.Failures, f.LastError = "idle", 0, "" // up to date
		return 0, t.save(f, "")
	}
	return t.fetch(f, want, peers)
}

// check asks the providers for their newest version.
func (t *tracker) check(f *Follow) (*manifest.Sealed, error) {
	f.Status = "checking"
	_ = t.save(*f, "")
	peers, err := addrInfos(f.Peers)
	if err != nil {
		return nil, fmt.Errorf("provider hint: %w", err)
	}
	ctx, cancel := context.WithTimeout(t.ctx, t.s.opts.ResolveTimeout)
	defer cancel()
	s, err := t.s.env.Newest(ctx, t.id, peers)
	f.LastCheck = time.Now().UTC()
	return s, err
}

// fetch fetches version want into the follow's target.
func (t *tracker) fetch(f Follow, want *manifest.Sealed, peers []peer.AddrInfo) (int, error) {
	f.Status = fmt.Sprintf("fetching v%d", want.Version)
	_ = t.save(f, "")
	hints, err := addrInfos(f.Peers)
	if err != nil {
		return t.failed(f, "provider hint", err)
	}
	opts := fetch.Options{Ref: manifest.Ref{ID: t.id, Version: want.Version}, Target: f.Target, Dir: f.Dir,
		Peers: append(peers, hints...), Announce: true, ResolveTimeout: t.s.opts.ResolveTimeout,
		StallTimeout: t.s.opts.FetchStall}
	if opts.Select, err = fetch.NewSelection(f.Include, f.Exclude); err != nil {
		return t.failed(f, "select files", err)
	}
	res, err := t.s.env.Fetch(t.ctx, opts)
	if err != nil {
		return t.failed(f, fmt.Sprintf("fetch version %d", want.Version), err)
	}
	what, bad := t.fetched(&f, res)
	t.event(&f, what, bad)
	if err := t.save(f, res.Target); err != nil {
		return 1, err
	}
	return 0, nil
}

// fetched records in f the version fetched and runs Env.Fetched; it
// returns the event, and whether it is a failure.
func (t *tracker) fetched(f *Follow, res *fetch.Result) (string, bool) {
	f.Held, f.Name, f.Target, f.Status = res.Version, res.Name, res.Target, "idle"
	f.Bytes, f.FetchedBytes, f.LocalBytes, f.FirstChunkAt = res.Bytes, res.FetchedBytes, res.LocalBytes, res.FirstChunkAt
	f.TotalFetched += res.FetchedBytes
	f.Fetches++
	f.Failures, f.LastError = 0, ""
	what := fmt.Sprintf("fetched version %d: %d bytes from peers, %d copied locally", res.Version,
		res.FetchedBytes, res.LocalBytes)
	if t.s.env.Fetched == nil {
		return what, false
	}
	did, err := t.s.env.Fetched(t.ctx, *f, res)
	switch {
	case err != nil:
		f.LastError = fmt.Sprintf("after fetching version %d: %v", res.Version, err)
		return what + "; " + f.LastError, true
	case did != "":
		return what + "; " + did, false
	}
	return what, false
}

// failed records a failure as the follow's event and error.
func (t *tracker) failed(f Follow, what string, err error) (int, error) {
	if t.ctx.Err() != nil {
		return f.Failures, err // stopping: not the follow's failure
	}
	f.Failures++
	f.Status = "failed"
	f.LastError = fmt.Sprintf("%s: %v", what, err)
	t.event(&f, f.LastError+fmt.Sprintf(" (attempt %d; retrying)", f.Failures), true)
	_ = t.save(f, "")
	return f.Failures, err
}

// event records what happened in f and logs it.
func (t *tracker) event(f *Follow, what string, bad bool) {
	f.LastEvent, f.EventAt = what, time.Now().UTC()
	log := t.s.env.Log.Info
	if bad {
		log = t.s.env.Log.Warn
	}
	log("follow: "+what, "package", t.id, "name", f.Name)
}

// save stores f's state (and target, when not empty).
func (t *tracker) save(f Follow, target string) error {
	err := t.s.env.Store.SaveState(context.WithoutCancel(t.ctx), t.id, target, f.State)
	if err != nil {
		t.s.env.Log.Warn("follow: save state", "package", t.id, "err", err)
	}
	return err
}

// hintPeers are the peers worth asking for an announced version: the one
// that relayed it and the publisher.
func hintPeers(h *hint) []peer.AddrInfo {
	out := []peer.AddrInfo{{ID: h.from}}
	if pub, err := peer.IDFromPublicKey(h.sealed.Publisher); err == nil && pub != h.from {
		out = append(out, peer.AddrInfo{ID: pub})
	}
	return out
}
