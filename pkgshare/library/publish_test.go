package library

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/home"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

func newTestLibrary(t *testing.T) *Library {
	t.Helper()
	lib := openTestLibrary(t, t.TempDir())
	t.Cleanup(func() { lib.db.Close() })
	return lib
}

// openTestLibrary opens a new library in dir; the caller closes lib.db.
func openTestLibrary(tb testing.TB, dir string) *Library {
	tb.Helper()
	db, err := home.OpenDB(filepath.Join(dir, "p2psb.db"))
	require.NoError(tb, err)
	lib, err := New(db)
	require.NoError(tb, err)
	return lib
}

func testKey(t testing.TB, seed byte) crypto.PrivKey {
	t.Helper()
	k, _, err := crypto.GenerateEd25519Key(bytes.NewReader(bytes.Repeat([]byte{seed}, 64)))
	require.NoError(t, err)
	return k
}

// publishHashed publishes dir with its chunks hashed by algo.
func publishHashed(t *testing.T, lib *Library, key crypto.PrivKey, dir, name string, algo manifest.HashAlgo) *PublishResult {
	t.Helper()
	res, err := PublishHashed(context.Background(), lib, key, dir, name, algo)
	require.NoError(t, err)
	return res
}

// appendTo appends text to the file at path.
func appendTo(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.WriteString(text)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

func writeRandom(t *testing.T, path string, n int) {
	t.Helper()
	data := make([]byte, n)
	_, _ = rand.Read(data)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, data, 0o644))
}

func TestPublishVersionsAndUnchanged(t *testing.T) {
	ctx := context.Background()
	lib, key := newTestLibrary(t), testKey(t, 1)
	dir := filepath.Join(t.TempDir(), "album")
	writeRandom(t, filepath.Join(dir, "a"), 3<<20)
	writeRandom(t, filepath.Join(dir, "b", "c"), 100)

	v1, err := Publish(ctx, lib, key, dir, PublishOptions{})
	require.NoError(t, err)
	require.Equal(t, "album", v1.Name)
	require.EqualValues(t, 1, v1.Version)
	require.False(t, v1.Unchanged)

	again, err := Publish(ctx, lib, key, dir, PublishOptions{})
	require.NoError(t, err)
	require.True(t, again.Unchanged)
	require.Equal(t, v1.VersionID, again.VersionID)

	appendTo(t, filepath.Join(dir, "a"), "more")
	v2, err := Publish(ctx, lib, key, dir, PublishOptions{})
	require.NoError(t, err)
	require.EqualValues(t, 2, v2.Version)
	require.Equal(t, v1.ID, v2.ID, "the package ID is stable across versions")

	got, err := lib.Version(ctx, manifest.Ref{ID: v2.ID})
	require.NoError(t, err)
	require.Equal(t, v1.VersionID, got.Sealed.Previous)
	old, err := lib.Version(ctx, manifest.Ref{ID: v2.ID, Version: 1})
	require.NoError(t, err)
	require.NoError(t, manifest.CheckSuccessor(old.Sealed, got.Sealed))
	// Appending to the large file keeps its leading chunks.
	require.Equal(t, old.Sealed.Files[0].Chunks[0], got.Sealed.Files[0].Chunks[0])

	// Chunks are hashed with BLAKE3, and the manifest says so.
	require.Equal(t, manifest.BLAKE3, got.Sealed.HashAlgo)
	a, err := os.ReadFile(filepath.Join(dir, "a"))
	require.NoError(t, err)
	first := got.Sealed.Files[0].Chunks[0]
	require.Equal(t, manifest.BLAKE3.Sum(a[:first.Size]), first.Hash)
}

// A package first published before BLAKE3 keeps SHA-256 in its later
// versions: identical content is still found identical, and a new version
// shares its unchanged chunks with the old one (an upgrade moves only what
// changed). A new package is BLAKE3.
func TestPublishKeepsAPackagesChunkHash(t *testing.T) {
	ctx := context.Background()
	lib, key := newTestLibrary(t), testKey(t, 1)
	dir := filepath.Join(t.TempDir(), "album")
	writeRandom(t, filepath.Join(dir, "a"), 3<<20)

	// Version 1 as a p2psb from before BLAKE3 published it.
	v1 := publishHashed(t, lib, key, dir, "album", manifest.SHA256)

	again, err := Publish(ctx, lib, key, dir, PublishOptions{})
	require.NoError(t, err)
	require.True(t, again.Unchanged, "the same content under the package's own hash")
	require.Equal(t, v1.VersionID, again.VersionID)

	appendTo(t, filepath.Join(dir, "a"), "more")
	v2, err := Publish(ctx, lib, key, dir, PublishOptions{})
	require.NoError(t, err)
	old, err := lib.Version(ctx, manifest.Ref{ID: v1.ID, Version: 1})
	require.NoError(t, err)
	got, err := lib.Version(ctx, manifest.Ref{ID: v2.ID, Version: 2})
	require.NoError(t, err)
	require.Equal(t, manifest.SHA256, got.Sealed.HashAlgo)
	require.Equal(t, old.Sealed.Files[0].Chunks[0], got.Sealed.Files[0].Chunks[0])
	res, err := lib.Verify(ctx, manifest.Ref{ID: v2.ID}, nil)
	require.NoError(t, err)
	require.Empty(t, res.Changed, "verify re-hashes with the version's own function")

	other, err := Publish(ctx, lib, key, dir, PublishOptions{Name: "other"})
	require.NoError(t, err)
	fresh, err := lib.Version(ctx, manifest.Ref{ID: other.ID})
	require.NoError(t, err)
	require.Equal(t, manifest.BLAKE3, fresh.Sealed.HashAlgo)
}

// slowProgress runs hook once, on the first progress report.
type slowProgress struct {
	once sync.Once
	hook func()
}

func (p *slowProgress) SetTotal(int64) {}
func (p *slowProgress) Add(int64)      { p.once.Do(p.hook) }

func TestPublishRefusesFileChangedWhileHashing(t *testing.T) {
	ctx := context.Background()
	lib, key := newTestLibrary(t), testKey(t, 2)
	dir := t.TempDir()
	path := filepath.Join(dir, "growing")
	writeRandom(t, path, 16<<20)
	touch := func() {
		later := time.Now().Add(time.Hour)
		require.NoError(t, os.Chtimes(path, later, later))
	}
	_, err := Publish(ctx, lib, key, dir, PublishOptions{Progress: &slowProgress{hook: touch}})
	var ie *InputError
	require.ErrorAs(t, err, &ie)
	require.Contains(t, err.Error(), "changed while it was being hashed")
	pkgs, err := lib.Packages(ctx)
	require.NoError(t, err)
	require.Empty(t, pkgs, "nothing may be recorded")
}

func TestPublishRefusesBadName(t *testing.T) {
	lib, key := newTestLibrary(t), testKey(t, 3)
	dir := t.TempDir()
	writeRandom(t, filepath.Join(dir, "x"), 10)
	for _, name := range []string{"a/b", "nul\x00", "\xff"} {
		_, err := Publish(context.Background(), lib, key, dir, PublishOptions{Name: name})
		require.Error(t, err, "name %q", name)
		var bad interface{ InvalidInput() bool }
		require.ErrorAs(t, err, &bad)
	}
}

func TestRemoveKeepsFilesAndOtherVersions(t *testing.T) {
	ctx := context.Background()
	lib, key := newTestLibrary(t), testKey(t, 4)
	dir := t.TempDir()
	writeRandom(t, filepath.Join(dir, "x"), 10)
	v1, err := Publish(ctx, lib, key, dir, PublishOptions{Name: "p"})
	require.NoError(t, err)
	writeRandom(t, filepath.Join(dir, "y"), 10)
	_, err = Publish(ctx, lib, key, dir, PublishOptions{Name: "p"})
	require.NoError(t, err)

	gone, err := lib.Remove(ctx, manifest.Ref{ID: v1.ID, Version: 1})
	require.NoError(t, err)
	require.Len(t, gone, 1)
	p, err := lib.Package(ctx, v1.ID)
	require.NoError(t, err)
	require.Len(t, p.Versions, 1)
	_, err = lib.Remove(ctx, manifest.Ref{ID: v1.ID, Version: 1})
	var nf *NotFoundError
	require.ErrorAs(t, err, &nf)

	_, err = lib.Remove(ctx, manifest.Ref{ID: v1.ID})
	require.NoError(t, err)
	_, err = lib.Package(ctx, v1.ID)
	require.ErrorAs(t, err, &nf)
	require.FileExists(t, filepath.Join(dir, "x"))
	var n int
	require.NoError(t, lib.db.QueryRow(`SELECT count(*) FROM pkgshare_chunks`).Scan(&n))
	require.Zero(t, n, "chunks of removed versions are gone")
}

// TestPublishRefusesHome: a tree holding a private directory (the node's
// home), named directly or through a link, is refused before anything is
// recorded; a tree beside it is published.
func TestPublishRefusesHome(t *testing.T) {
	ctx := context.Background()
	lib := newTestLibrary(t)
	root := t.TempDir()
	writeRandom(t, filepath.Join(root, "album", "a"), 100)
	writeRandom(t, filepath.Join(root, "album", "home", "identity.key"), 10)
	home := filepath.Join(root, "album", "home")
	require.NoError(t, os.Symlink(home, filepath.Join(root, "link")))
	for _, private := range []string{home, filepath.Join(root, "link"), filepath.Join(root, "album")} {
		_, err := Publish(ctx, lib, testKey(t, 1), filepath.Join(root, "album"), PublishOptions{Private: []string{private}})
		var bad *InputError
		require.ErrorAs(t, err, &bad, private)
		require.Contains(t, err.Error(), "holds this node's home "+private)
	}
	pkgs, err := lib.Packages(ctx)
	require.NoError(t, err)
	require.Empty(t, pkgs)
	writeRandom(t, filepath.Join(root, "other", "b"), 100)
	_, err = Publish(ctx, lib, testKey(t, 1), filepath.Join(root, "other"), PublishOptions{Private: []string{home}})
	require.NoError(t, err)
}
