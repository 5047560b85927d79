package control

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/peerstore"
	"github.com/p2psb/p2psb/pkgshare/buddy"
	"github.com/p2psb/p2psb/pkgshare/fetch"
	"github.com/p2psb/p2psb/pkgshare/home"
	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/node"
	"github.com/p2psb/p2psb/pkgshare/xfer"
)

// daemon is a node with its control socket, as serve runs them.
type daemon struct {
	node *node.Node
	key  crypto.PrivKey
	sock string
	c    *Client
}

func startDaemon(t *testing.T, opts ...func(*node.Options)) *daemon {
	t.Helper()
	dir := t.TempDir()
	db, err := home.OpenDB(filepath.Join(dir, "p2psb.db"))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	key, _, err := crypto.GenerateEd25519Key(rand.Reader)
	require.NoError(t, err)
	keep := buddy.Options{MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond}
	nopts := node.Options{Key: key, DB: db, Listen: []string{"/ip4/127.0.0.1/tcp/0"}, KeepBuddies: &keep}
	for _, o := range opts {
		o(&nopts)
	}
	node, err := node.Start(nopts)
	require.NoError(t, err)
	t.Cleanup(func() { node.Close() })
	sock := filepath.Join(dir, SocketFile)
	srv, err := Listen(sock, node, key)
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	c, err := Dial(sock)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return &daemon{node: node, key: key, sock: sock, c: c}
}

func writeRandom(t *testing.T, path string, n int) {
	t.Helper()
	data := make([]byte, n)
	_, _ = rand.Read(data)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, data, 0o644))
}

// requireBadInput checks that err is the daemon's refusal of bad input.
func requireBadInput(t *testing.T, err error, contains string) {
	t.Helper()
	var ce *Error
	require.ErrorAs(t, err, &ce)
	require.True(t, ce.InvalidInput(), "error %q should be bad input", err)
	require.Contains(t, err.Error(), contains)
}

// randomID returns the node ID of a fresh key.
func randomID(t *testing.T) peer.ID {
	t.Helper()
	key, _, err := crypto.GenerateEd25519Key(rand.Reader)
	require.NoError(t, err)
	id, err := peer.IDFromPrivateKey(key)
	require.NoError(t, err)
	return id
}

type countProgress struct{ total, done int64 }

func (p *countProgress) SetTotal(n int64) { p.total = n }
func (p *countProgress) Add(n int64)      { p.done += n }

func TestSocketAndStatus(t *testing.T) {
	d := startDaemon(t)
	fi, err := os.Stat(d.sock)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	st, err := d.c.Status(context.Background())
	require.NoError(t, err)
	require.Equal(t, d.node.Host.ID(), st.ID)
	require.NotEmpty(t, st.Addrs)
	require.Empty(t, st.Buddies)

	_, err = Listen(d.sock, d.node, d.key)
	require.ErrorIs(t, err, ErrDaemonRunning)
	_, err = Dial(filepath.Join(t.TempDir(), SocketFile))
	require.ErrorIs(t, err, ErrNoDaemon)
}

func TestPublishListAndRemove(t *testing.T) {
	d := startDaemon(t)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "album")
	writeRandom(t, filepath.Join(dir, "a.bin"), 300<<10)
	p := &countProgress{}
	res, err := d.c.Publish(ctx, PublishRequest{Path: dir}, p)
	require.NoError(t, err)
	require.Equal(t, "album", res.Name)
	require.EqualValues(t, 1, res.Version)
	require.EqualValues(t, 300<<10, p.total)
	require.Equal(t, p.total, p.done)

	pkgs, err := d.c.Packages(ctx)
	require.NoError(t, err)
	require.Len(t, pkgs, 1)
	require.Equal(t, res.ID, pkgs[0].ID)
	_, err = d.node.Seeder.Lookup(ctx, manifest.Ref{ID: res.ID})
	require.NoError(t, err, "the daemon serves what it published")

	gone, err := d.c.RemovePackage(ctx, manifest.Ref{ID: res.ID})
	require.NoError(t, err)
	require.Len(t, gone, 1)
	_, err = d.node.Seeder.Lookup(ctx, manifest.Ref{ID: res.ID})
	require.Error(t, err, "the daemon stopped serving what was removed")
	_, err = d.c.RemovePackage(ctx, manifest.Ref{ID: res.ID})
	requireBadInput(t, err, "is not in the library")
}

// A publish that finds the directory unchanged brings back the daemon's
// serving of a file that was only touched.
func TestPublishAgainServesTouchedFile(t *testing.T) {
	d := startDaemon(t)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "album")
	path := filepath.Join(dir, "a.bin")
	writeRandom(t, path, 300<<10)
	res, err := d.c.Publish(ctx, PublishRequest{Path: dir}, nil)
	require.NoError(t, err)
	v, err := d.node.Library.VersionByID(ctx, res.VersionID)
	require.NoError(t, err)
	c := v.Sealed.Files[0].Chunks[0]
	read := func() error { return d.node.Seeder.ReadChunk(ctx, res.VersionID, c.Hash, make([]byte, c.Size)) }
	require.NoError(t, read())

	later := v.Files[0].ModTime.Add(time.Hour)
	require.NoError(t, os.Chtimes(path, later, later))
	require.ErrorIs(t, read(), xfer.ErrChanged)
	again, err := d.c.Publish(ctx, PublishRequest{Path: dir}, nil)
	require.NoError(t, err)
	require.True(t, again.Unchanged)
	require.NoError(t, read(), "served again once publish re-recorded the file")
}

func TestPackageDetail(t *testing.T) {
	d := startDaemon(t)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "album")
	writeRandom(t, filepath.Join(dir, "a.bin"), 300<<10)
	writeRandom(t, filepath.Join(dir, "b", "c.bin"), 10)
	res, err := d.c.Publish(ctx, PublishRequest{Path: dir}, nil)
	require.NoError(t, err)

	for _, arg := range []string{res.ID.String(), res.ID.String() + "@1", res.VersionID.String()} {
		det, err := d.c.PackageDetail(ctx, arg)
		require.NoError(t, err, arg)
		require.Equal(t, res.ID, det.ID)
		require.Equal(t, res.VersionID, det.Shown.ID)
		require.Len(t, det.Files, 2)
		require.Equal(t, "a.bin", det.Files[0].Path)
		require.EqualValues(t, 300<<10, det.Files[0].Size)
		require.Equal(t, filepath.Join(dir, "b", "c.bin"), det.Files[1].DiskPath)
	}
	_, err = d.c.PackageDetail(ctx, "not-an-id")
	requireBadInput(t, err, "is not a package ID")
	_, err = d.c.PackageDetail(ctx, res.ID.String()+"@2")
	requireBadInput(t, err, "")
}

func TestPublishRefusesBadInput(t *testing.T) {
	d := startDaemon(t)
	ctx := context.Background()
	full := t.TempDir()
	writeRandom(t, filepath.Join(full, "f"), 10)
	for _, tc := range []struct {
		name string
		req  PublishRequest
		want string
	}{
		{"relative path", PublishRequest{Path: "album"}, "must be absolute"},
		{"missing path", PublishRequest{Path: filepath.Join(t.TempDir(), "nope")}, "nope"},
		{"empty directory", PublishRequest{Path: t.TempDir()}, "no files to publish"},
		{"bad name", PublishRequest{Path: full, Name: "a/b"}, "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := d.c.Publish(ctx, tc.req, nil)
			requireBadInput(t, err, tc.want)
		})
	}
}

func TestBuddiesThroughDaemon(t *testing.T) {
	d := startDaemon(t)
	ctx := context.Background()
	id := randomID(t)

	b, err := d.c.AddBuddy(ctx, id, "ana")
	require.NoError(t, err)
	require.Equal(t, id, b.ID)
	require.True(t, d.node.Peers.IsBuddy(id), "the daemon's own peerstore sees the buddy at once")
	require.True(t, d.node.Host.ConnManager().IsProtected(id, peerstore.BuddyTag))
	st, err := d.c.Status(ctx)
	require.NoError(t, err)
	require.Len(t, st.Buddies, 1)
	require.Equal(t, "ana", st.Buddies[0].Alias)
	require.False(t, st.Buddies[0].Connected)

	bs, err := d.c.Buddies(ctx)
	require.NoError(t, err)
	require.Len(t, bs, 1)
	_, err = d.c.AddBuddy(ctx, id, "not ok!")
	requireBadInput(t, err, "alias")

	b, err = d.c.RemoveBuddy(ctx, "ana")
	require.NoError(t, err)
	require.Equal(t, id, b.ID)
	require.False(t, d.node.Peers.IsBuddy(id))
	_, err = d.c.RemoveBuddy(ctx, "ana")
	requireBadInput(t, err, "no such buddy")
}

// publishMiB has d publish a package "pkg" of one 1 MiB file and returns
// it, its directory and d's address.
func publishMiB(t *testing.T, d *daemon) (*library.PublishResult, string, string) {
	t.Helper()
	src := filepath.Join(t.TempDir(), "pkg")
	writeRandom(t, filepath.Join(src, "f.bin"), 1<<20)
	pub, err := d.c.Publish(context.Background(), PublishRequest{Path: src}, nil)
	require.NoError(t, err)
	return pub, src, d.node.Addrs()[0].String()
}

func TestFetchThroughDaemonThenSeed(t *testing.T) {
	seeder, fetcher := startDaemon(t), startDaemon(t)
	ctx := context.Background()
	pub, src, addr := publishMiB(t, seeder)

	cwd := t.TempDir()
	var events int
	res, err := fetcher.c.Fetch(ctx, FetchRequest{Ref: manifest.Ref{ID: pub.ID}, Dir: cwd, Peers: []string{addr},
		Timeout: 30 * time.Second}, func(fetch.Progress) { events++ })
	require.NoError(t, err)
	require.Equal(t, filepath.Join(cwd, "pkg"), res.Target, "the default target is in the client's directory")
	want, err := os.ReadFile(filepath.Join(src, "f.bin"))
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(cwd, "pkg", "f.bin"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(want, got))
	require.Positive(t, events)

	// The fetching daemon now serves the package.
	_, err = fetcher.node.Seeder.Lookup(ctx, manifest.Ref{ID: pub.ID})
	require.NoError(t, err)
}

// TestFetchThroughDaemonWithLimit: the client's download limit holds for
// its fetch in a daemon that has none: 1 MiB at 512 KiB/s (with a 256 KiB
// burst) takes at least a second.
func TestFetchThroughDaemonWithLimit(t *testing.T) {
	seeder, fetcher := startDaemon(t), startDaemon(t)
	pub, _, addr := publishMiB(t, seeder)
	start := time.Now()
	_, err := fetcher.c.Fetch(context.Background(), FetchRequest{Ref: manifest.Ref{ID: pub.ID}, Dir: t.TempDir(),
		Peers: []string{addr}, Timeout: 30 * time.Second, MaxDownload: 512 << 10}, nil)
	require.NoError(t, err)
	require.GreaterOrEqual(t, time.Since(start), 1400*time.Millisecond)
}

// TestFetchCancelledByClient cancels a slow fetch (the seeder sends 256
// KiB/s of a 4 MiB package) after its first progress: the fetch stops in
// the daemon too, long before it could have finished.
func TestFetchCancelledByClient(t *testing.T) {
	seeder := startDaemon(t, func(o *node.Options) { o.MaxUpload = 256 << 10 })
	d := startDaemon(t)
	src := filepath.Join(t.TempDir(), "slow")
	writeRandom(t, filepath.Join(src, "f.bin"), 4<<20)
	pub, err := seeder.c.Publish(context.Background(), PublishRequest{Path: src}, nil)
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req := FetchRequest{Ref: manifest.Ref{ID: pub.ID}, Dir: t.TempDir(), Timeout: time.Minute,
		Peers: []string{seeder.node.Addrs()[0].String()}}
	var once sync.Once
	_, err = d.c.Fetch(ctx, req, func(fetch.Progress) { once.Do(cancel) })
	require.ErrorIs(t, err, context.Canceled)
	require.Eventually(t, func() bool {
		st, err := d.c.Status(context.Background())
		return err == nil && len(st.Transfers) == 0
	}, 5*time.Second, 10*time.Millisecond, "the daemon's fetch stopped")
}

func TestFetchCancelledWhileResolving(t *testing.T) {
	d := startDaemon(t)
	// A peer that accepts the connection and never answers keeps the
	// fetch resolving; without one it may fail with "no provider" before
	// the cancellation reaches it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- c
		}
	}()
	silent := fmt.Sprintf("/ip4/127.0.0.1/tcp/%d/p2p/%s", ln.Addr().(*net.TCPAddr).Port, randomID(t))

	ctx, cancel := context.WithCancel(context.Background())
	var id manifest.PackageID
	id[0] = 1
	done := make(chan error, 1)
	go func() {
		_, err := d.c.Fetch(ctx, FetchRequest{Ref: manifest.Ref{ID: id}, Dir: t.TempDir(), Timeout: time.Hour,
			Peers: []string{silent}}, nil)
		done <- err
	}()
	select {
	case c := <-accepted:
		defer c.Close()
	case err := <-done:
		t.Fatalf("the fetch ended before dialling the peer: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the fetch did not dial the peer")
	}
	cancel()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(10 * time.Second):
		t.Fatal("a cancelled fetch did not return")
	}
	_, err = d.c.Status(context.Background())
	require.NoError(t, err, "the daemon still answers")
}

func TestFetchRefusesBadInput(t *testing.T) {
	d := startDaemon(t)
	var id manifest.PackageID
	for _, tc := range []struct {
		name string
		req  FetchRequest
		want string
	}{
		{"relative dir", FetchRequest{Ref: manifest.Ref{ID: id}, Dir: "here"}, "must be absolute"},
		{"relative target", FetchRequest{Ref: manifest.Ref{ID: id}, Dir: "/", Target: "x"}, "must be absolute"},
		{"bad peer", FetchRequest{Ref: manifest.Ref{ID: id}, Dir: "/", Peers: []string{"/ip4/1.2.3.4"}}, "--peer"},
		{"negative limit", FetchRequest{Ref: manifest.Ref{ID: id}, Dir: "/", MaxDownload: -1}, "must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := d.c.Fetch(context.Background(), tc.req, nil)
			requireBadInput(t, err, tc.want)
		})
	}
}

func TestErrorStatus(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		code int
		bad  bool
	}{
		{"not found", &library.NotFoundError{What: "x"}, 404, true},
		{"bad input", &library.InputError{Path: "p", Reason: "r"}, 400, true},
		{"no such buddy", peerstore.ErrNotBuddy, 404, true},
		{"machine", errors.New("disk on fire"), 500, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.code, statusOf(tc.err))
			back := fromStatus(statusOf(tc.err), toBody(tc.err))
			require.Equal(t, tc.bad, back.InvalidInput())
			require.Equal(t, tc.err.Error(), back.Error())
		})
	}
}

// A fetch that ran out of sources comes back from the daemon with what
// resumes it, in an error frame as in an error status.
func TestResumableErrorCrossesTheSocket(t *testing.T) {
	r := fetch.Resume{Ref: manifest.Ref{ID: manifest.PackageID{1}, Version: 3}, Target: "/tmp/album"}
	err := fmt.Errorf("fetch album: %w", &fetch.ResumableError{Resume: r, Err: xfer.ErrStalled})
	back := fromStatus(statusOf(err), toBody(err))
	require.False(t, back.InvalidInput())
	require.Equal(t, &r, back.Resume)
	var buf bytes.Buffer
	body := toBody(err)
	require.NoError(t, json.NewEncoder(&buf).Encode(Frame{Error: &body}))
	var ce *Error
	require.ErrorAs(t, readStream(&buf, nil, nil), &ce)
	require.Equal(t, &r, ce.Resume)
	require.Equal(t, err.Error(), ce.Msg)
}

func TestPeersImportExportThroughDaemon(t *testing.T) {
	d := startDaemon(t)
	ctx := context.Background()
	id := randomID(t)
	doc := `{"format":"p2psb-peerstore","version":1,"peers":[{"id":"` + id.String() +
		`","addrs":[{"addr":"/ip4/127.0.0.1/tcp/1","expires":"2999-01-01T00:00:00Z"}]}],` +
		`"buddies":[{"id":"` + id.String() + `","alias":"imp","added_at":"2024-06-01T09:00:00Z"}]}`
	st, err := d.c.ImportPeers(ctx, bytes.NewReader([]byte(doc)))
	require.NoError(t, err)
	require.Equal(t, peerstore.ImportStats{Peers: 1, Buddies: 1}, st)
	require.True(t, d.node.Peers.IsBuddy(id), "the daemon's peerstore has the imported buddy")
	require.True(t, d.node.Host.ConnManager().IsProtected(id, peerstore.BuddyTag))

	var out bytes.Buffer
	require.NoError(t, d.c.ExportPeers(ctx, &out))
	require.Contains(t, out.String(), id.String())
	require.NoError(t, d.node.Peers.Put(id, node.ScoreKey, -100))
	require.NoError(t, d.node.Peers.Put(id, node.ScoreAtKey, time.Now().Unix()))
	entries, err := d.c.Peers(ctx)
	require.NoError(t, err)
	i := slices.IndexFunc(entries, func(e ScoredPeer) bool { return e.ID == id })
	require.GreaterOrEqual(t, i, 0)
	require.InDelta(t, -100, entries[i].Score, 1, "the daemon sends the peer's score")

	_, err = d.c.ImportPeers(ctx, bytes.NewReader([]byte(`{"format":"nope"}`)))
	requireBadInput(t, err, "invalid import")
}

// Prune through the daemon never forgets what it published, and refuses
// bad input as the library does.
func TestPruneThroughDaemon(t *testing.T) {
	d := startDaemon(t)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "album")
	writeRandom(t, filepath.Join(dir, "a.bin"), 1000)
	_, err := d.c.Publish(ctx, PublishRequest{Path: dir}, nil)
	require.NoError(t, err)
	writeRandom(t, filepath.Join(dir, "b.bin"), 1000)
	res, err := d.c.Publish(ctx, PublishRequest{Path: dir}, nil)
	require.NoError(t, err)

	all, err := d.c.Prune(ctx, PruneRequest{Keep: 1})
	require.NoError(t, err)
	require.Empty(t, all.Packages, "nothing fetched")
	one, err := d.c.Prune(ctx, PruneRequest{Package: &res.ID, Keep: 1, DryRun: true})
	require.NoError(t, err)
	require.True(t, one.DryRun)
	require.Equal(t, []uint64{1}, one.Packages[0].Published)
	require.Empty(t, one.Files)
	_, err = d.c.Prune(ctx, PruneRequest{Package: &res.ID, Keep: 0})
	requireBadInput(t, err, "keeps at least 1 version")
	_, err = d.c.Prune(ctx, PruneRequest{Package: &manifest.PackageID{1}, Keep: 1})
	requireBadInput(t, err, "is not in the library")
}
