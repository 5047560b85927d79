package follow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/fetch"
	"github.com/p2psb/p2psb/pkgshare/home"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// fakeNet stands for the node: the newest version its providers offer,
// and the fetches asked for, the first failing ones failing.
type fakeNet struct {
	mu      sync.Mutex
	newest  *manifest.Sealed
	fetched []fetch.Options
	fail    int // fetches still to fail
}

func (n *fakeNet) Newest(context.Context, manifest.PackageID, []peer.AddrInfo) (*manifest.Sealed, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.newest == nil {
		return nil, errors.New("no provider found")
	}
	return n.newest, nil
}

func (n *fakeNet) Fetch(_ context.Context, opts fetch.Options) (*fetch.Result, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.fetched = append(n.fetched, opts)
	if n.fail > 0 {
		n.fail--
		return nil, errors.New("the provider went away")
	}
	target := opts.Target
	if target == "" {
		target = filepath.Join(opts.Dir, "album")
	}
	return &fetch.Result{ID: opts.Ref.ID, Name: "album", Version: opts.Ref.Version, Target: target,
		Bytes: 100, FetchedBytes: 10, LocalBytes: 90}, nil
}

func (n *fakeNet) set(s *manifest.Sealed) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.newest = s
}

func (n *fakeNet) versions() []uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []uint64
	for _, o := range n.fetched {
		out = append(out, o.Ref.Version)
	}
	return out
}

func newTestStore(t *testing.T) *Store {
	t.Helper()
	db, err := home.OpenDB(filepath.Join(t.TempDir(), "p2psb.db"))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	st, err := NewStore(db)
	require.NoError(t, err)
	return st
}

func newTestService(t *testing.T, st *Store, n *fakeNet) *Service {
	t.Helper()
	s, err := New(Env{Store: st, Newest: n.Newest, Fetch: n.Fetch, Log: slog.New(slog.DiscardHandler)},
		Options{CheckEvery: time.Hour, RetryFirst: 10 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// waitState waits until the follow of id satisfies ok.
func waitState(t *testing.T, st *Store, id manifest.PackageID, ok func(Follow) bool) Follow {
	t.Helper()
	var f Follow
	require.Eventually(t, func() bool {
		var err error
		f, err = st.Get(context.Background(), id)
		return err == nil && ok(f)
	}, 10*time.Second, 5*time.Millisecond)
	return f
}

func TestServiceFetchesEachNewVersion(t *testing.T) {
	vs := versions(t, testKey(t, 1), "album", 3, time.Unix(1e9, 0))
	id := vs[0].PackageID
	st, n := newTestStore(t), &fakeNet{newest: vs[0]}
	s := newTestService(t, st, n)
	ctx := context.Background()

	// Added: checked at once, version 1 fetched into <dir>/<name>.
	_, err := s.Add(ctx, Config{Package: id, Dir: "/data"})
	require.NoError(t, err)
	f := waitState(t, st, id, func(f Follow) bool { return f.Held == 1 && f.Status == "idle" })
	require.Equal(t, "/data/album", f.Target)
	require.Equal(t, int64(10), f.FetchedBytes)

	// Announced: fetched from the peer that announced it, into the same target.
	from := peer.ID("relay")
	s.Announced(vs[1], from)
	f = waitState(t, st, id, func(f Follow) bool { return f.Held == 2 })
	require.Equal(t, []uint64{1, 2}, n.versions())
	last := n.fetched[1]
	require.Equal(t, "/data/album", last.Target)
	require.Equal(t, from, last.Peers[0].ID)
	require.Equal(t, int64(20), f.TotalFetched)
	require.Equal(t, 2, f.Fetches)

	// A failed fetch is retried, and its error shows until one succeeds.
	n.mu.Lock()
	n.fail = 1
	n.mu.Unlock()
	s.Announced(vs[2], from)
	f = waitState(t, st, id, func(f Follow) bool { return f.Held == 3 })
	require.Equal(t, []uint64{1, 2, 3, 3}, n.versions())
	require.Empty(t, f.LastError)
	require.Zero(t, f.Failures)

	// Unfollowed: no more fetches; the state went with it.
	_, err = s.Remove(ctx, id)
	require.NoError(t, err)
	var nf *NotFollowedError
	_, err = st.Get(ctx, id)
	require.ErrorAs(t, err, &nf)
	_, err = s.Remove(ctx, id)
	require.ErrorAs(t, err, &nf)
}

func TestServiceFailureIsVisible(t *testing.T) {
	vs := versions(t, testKey(t, 1), "album", 1, time.Unix(1e9, 0))
	id := vs[0].PackageID
	st, n := newTestStore(t), &fakeNet{}
	s := newTestService(t, st, n)
	_, err := s.Add(context.Background(), Config{Package: id, Dir: "/data"})
	require.NoError(t, err)
	f := waitState(t, st, id, func(f Follow) bool { return f.Failures >= 2 })
	require.Equal(t, "failed", f.Status)
	require.Contains(t, f.LastError, "no provider found")
	require.Contains(t, f.LastEvent, "retrying")

	n.set(vs[0]) // a provider comes up: the next retry gets it
	f = waitState(t, st, id, func(f Follow) bool { return f.Held == 1 })
	require.Empty(t, f.LastError)
	require.Zero(t, f.Failures)
}

// A check that finds nothing newer after failures clears the error.
func TestServiceCheckClearsError(t *testing.T) {
	vs := versions(t, testKey(t, 1), "album", 1, time.Unix(1e9, 0))
	id := vs[0].PackageID
	st, n := newTestStore(t), &fakeNet{}
	ctx := context.Background()
	_, err := st.Put(ctx, Config{Package: id, Target: "/data/x"})
	require.NoError(t, err)
	require.NoError(t, st.SaveState(ctx, id, "", State{Held: 1, Status: "failed", Failures: 3, LastError: "check providers: gone"}))
	n.set(vs[0])
	newTestService(t, st, n)
	f := waitState(t, st, id, func(f Follow) bool { return f.Status == "idle" && !f.LastCheck.IsZero() })
	require.Empty(t, f.LastError)
	require.Zero(t, f.Failures)
	require.Empty(t, n.versions(), "version 1 is held: nothing fetched")
}

// A restarted service takes up its follows where they stood: it fetches
// what was published while it was down, and nothing it holds.
func TestServiceCatchesUpAfterRestart(t *testing.T) {
	vs := versions(t, testKey(t, 1), "album", 3, time.Unix(1e9, 0))
	id := vs[0].PackageID
	st, n := newTestStore(t), &fakeNet{newest: vs[1]}
	s := newTestService(t, st, n)
	_, err := s.Add(context.Background(), Config{Package: id, Target: "/data/x", Keep: 2})
	require.NoError(t, err)
	waitState(t, st, id, func(f Follow) bool { return f.Held == 2 })
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close is idempotent")

	n.set(vs[2])
	newTestService(t, st, n)
	f := waitState(t, st, id, func(f Follow) bool { return f.Held == 3 })
	require.Equal(t, []uint64{2, 3}, n.versions())
	require.Equal(t, "/data/x", f.Target)
	require.Equal(t, 2, f.Keep)
}

func TestServiceRefusesBadKeep(t *testing.T) {
	s := newTestService(t, newTestStore(t), &fakeNet{})
	_, err := s.Add(context.Background(), Config{Keep: -1})
	var oe *OptionError
	require.ErrorAs(t, err, &oe)
}

// A follow's globs reach each fetch as its selection, and what
// Env.Fetched did after it joins the event.
func TestServiceSelectAndFetched(t *testing.T) {
	vs := versions(t, testKey(t, 1), "album", 2, time.Unix(1e9, 0))
	id := vs[0].PackageID
	st, n := newTestStore(t), &fakeNet{newest: vs[1]}
	s, err := New(Env{Store: st, Newest: n.Newest, Fetch: n.Fetch, Log: slog.New(slog.DiscardHandler),
		Fetched: func(_ context.Context, f Follow, _ *fetch.Result) (string, error) {
			return fmt.Sprintf("kept the newest %d versions", f.Keep), nil
		}}, Options{CheckEvery: time.Hour})
	require.NoError(t, err)
	defer s.Close()
	_, err = s.Add(context.Background(), Config{Package: id, Dir: "/d", Include: []string{"*.flac"}, Exclude: []string{"x/**"}, Keep: 2})
	require.NoError(t, err)
	f := waitState(t, st, id, func(f Follow) bool { return f.Held == 2 })
	require.Contains(t, f.LastEvent, "; kept the newest 2 versions")
	sel := n.fetched[0].Select
	require.NotNil(t, sel)
	require.Equal(t, []string{"*.flac", "x/**"}, append(sel.Include(), sel.Exclude()...))
}
