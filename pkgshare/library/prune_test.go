package library

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// pruneFixture is a publisher's library with three versions of a package
// and a follower's library that fetched each of them, when it was new,
// into one target, and another's that fetched each in part (all but
// old.txt and c.txt, as --exclude would) into its own:
//
//	v1: a.txt, old.txt, sub/only1.txt
//	v2: a.txt (changed), b.txt
//	v3: a.txt, b.txt, c.txt
type pruneFixture struct {
	pub, lib *Library
	src      string // the publisher's directory
	target   string // the follower's
	sel      *Library
	selDir   string // the selective follower's target
	id       manifest.PackageID
	sealed   []*manifest.Sealed // by version - 1
}

func newPruneFixture(t *testing.T) *pruneFixture {
	t.Helper()
	f := &pruneFixture{pub: newTestLibrary(t), lib: newTestLibrary(t), sel: newTestLibrary(t),
		src: filepath.Join(t.TempDir(), "album"), target: filepath.Join(t.TempDir(), "album"),
		selDir: filepath.Join(t.TempDir(), "album")}
	writeRandom(t, filepath.Join(f.src, "a.txt"), 3000)
	writeRandom(t, filepath.Join(f.src, "old.txt"), 1000)
	writeRandom(t, filepath.Join(f.src, "sub", "only1.txt"), 500)
	f.publish(t)
	require.NoError(t, os.Remove(filepath.Join(f.src, "old.txt")))
	require.NoError(t, os.RemoveAll(filepath.Join(f.src, "sub")))
	writeRandom(t, filepath.Join(f.src, "a.txt"), 3000)
	writeRandom(t, filepath.Join(f.src, "b.txt"), 2000)
	f.publish(t)
	writeRandom(t, filepath.Join(f.src, "c.txt"), 100)
	f.publish(t)
	return f
}

func (f *pruneFixture) publish(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	res, err := Publish(ctx, f.pub, testKey(t, 1), f.src, PublishOptions{})
	require.NoError(t, err)
	require.False(t, res.Unchanged)
	v, err := f.pub.VersionByID(ctx, res.VersionID)
	require.NoError(t, err)
	f.id = res.ID
	f.sealed = append(f.sealed, v.Sealed)
	fetchInto(t, f.lib, v.Sealed, f.pub, f.target)
	fetchSome(t, f.sel, v.Sealed, f.pub, f.selDir, notOld)
}

// notOld takes the files of the fixture's selective follower.
func notOld(p string) bool { return p != "old.txt" && p != "c.txt" }

// fetchInto records s in lib as a fetch does, copying its files from
// where from holds them (as they are now) into target.
func fetchInto(t *testing.T, lib *Library, s *manifest.Sealed, from *Library, target string) {
	t.Helper()
	copied := startCopy(t, lib, s, from, target, func(string) bool { return true })
	mtimes := make([]time.Time, len(s.Files))
	for i := range mtimes {
		mtimes[i] = copied[i]
	}
	require.NoError(t, lib.CompleteFetch(context.Background(), s, mtimes))
}

// fetchSome records s in lib as a selective fetch does: only the files
// take chooses are copied into target and recorded present.
func fetchSome(t *testing.T, lib *Library, s *manifest.Sealed, from *Library, target string, take func(string) bool) {
	t.Helper()
	require.NoError(t, lib.KeepPresent(context.Background(), s, startCopy(t, lib, s, from, target, take)))
}

// startCopy starts a fetch of s in lib and copies the files of s that
// take chooses from where from holds them into target, returning their
// modification times by file index.
func startCopy(t *testing.T, lib *Library, s *manifest.Sealed, from *Library, target string, take func(string) bool) map[int]time.Time {
	t.Helper()
	ctx := context.Background()
	src, err := from.VersionByID(ctx, s.ID)
	require.NoError(t, err)
	_, err = lib.StartFetch(ctx, s, target)
	require.NoError(t, err)
	copied := map[int]time.Time{}
	for i, file := range s.Files {
		if !take(file.Path) {
			continue
		}
		data, err := os.ReadFile(src.Files[i].DiskPath)
		require.NoError(t, err)
		path := filepath.Join(target, filepath.FromSlash(file.Path))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, data, 0o644))
		fi, err := os.Stat(path)
		require.NoError(t, err)
		copied[i] = fi.ModTime()
	}
	return copied
}

// tree lists the files under dir, relative and sorted, with their sizes.
func tree(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	require.NoError(t, filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if fi.IsDir() {
			rel += "/"
		}
		out[rel] = fi.Size()
		if fi.IsDir() {
			out[rel] = 0
		}
		return nil
	}))
	return out
}

func heldVersions(t *testing.T, lib *Library, id manifest.PackageID) []uint64 {
	t.Helper()
	p, err := lib.Package(context.Background(), id)
	require.NoError(t, err)
	var out []uint64
	for _, v := range p.Versions {
		out = append(out, v.Version)
	}
	return out
}

func prunedPaths(files []PrunedFile) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Path)
	}
	sort.Strings(out)
	return out
}

func TestPruneKeepsNewest(t *testing.T) {
	ctx := context.Background()
	f := newPruneFixture(t)
	res, err := f.lib.Prune(ctx, manifest.PackageID{}, 2, false)
	require.NoError(t, err)
	require.Equal(t, []uint64{2, 3}, heldVersions(t, f.lib, f.id))
	require.Len(t, res.Packages, 1)
	require.Equal(t, []uint64{3, 2}, res.Packages[0].Kept)
	require.Equal(t, []string{filepath.Join(f.target, "old.txt"), filepath.Join(f.target, "sub", "only1.txt")},
		prunedPaths(res.Files))
	require.Equal(t, int64(1500), res.Bytes)
	require.Empty(t, res.Left)

	res, err = f.lib.Prune(ctx, f.id, 1, false)
	require.NoError(t, err)
	require.Equal(t, []uint64{3}, heldVersions(t, f.lib, f.id))
	require.Len(t, res.Packages[0].Forgotten, 1)
	require.Empty(t, res.Files, "every file of version 2 is one of version 3's")
	require.Equal(t, map[string]int64{"./": 0, "a.txt": 3000, "b.txt": 2000, "c.txt": 100}, tree(t, f.target),
		"old-only files and the directory they left empty are gone")
	v3, err := f.lib.Version(ctx, manifest.Ref{ID: f.id})
	require.NoError(t, err)
	require.True(t, v3.Offered())
	vr, err := f.lib.Verify(ctx, manifest.Ref{ID: f.id}, nil)
	require.NoError(t, err)
	require.Empty(t, vr.Changed, "version 3 is whole")
}

func TestPruneNeverDeletesPublished(t *testing.T) {
	ctx := context.Background()
	f := newPruneFixture(t)
	before := tree(t, f.src)
	res, err := f.pub.Prune(ctx, manifest.PackageID{}, 1, false)
	require.NoError(t, err)
	require.Empty(t, res.Packages, "no fetched package")
	res, err = f.pub.Prune(ctx, f.id, 1, false)
	require.NoError(t, err)
	require.Equal(t, []uint64{3}, res.Packages[0].Kept)
	require.Equal(t, []uint64{2, 1}, res.Packages[0].Published)
	require.Empty(t, res.Packages[0].Forgotten)
	require.Empty(t, res.Files)
	require.Equal(t, []uint64{1, 2, 3}, heldVersions(t, f.pub, f.id))
	require.Equal(t, before, tree(t, f.src))
}

// A file of a forgotten version stays when a version left in the library
// (of any package) records the same path, or when it changed since the
// fetch wrote it; files of a version fetched elsewhere go, and the target
// directory itself stays.
func TestPruneKeepsFilesOthersHold(t *testing.T) {
	ctx := context.Background()
	f := newPruneFixture(t)
	elsewhere := filepath.Join(t.TempDir(), "v2")
	_, err := f.lib.Remove(ctx, manifest.Ref{ID: f.id, Version: 2})
	require.NoError(t, err)
	fetchInto(t, f.lib, f.sealed[1], f.pub, elsewhere)
	// Another package's version holds old.txt.
	other, err := SyntheticVersion(9, 0, 1, 1)
	require.NoError(t, err)
	require.NoError(t, f.lib.RecordComplete(ctx, other, f.target))
	_, err = f.lib.db.ExecContext(ctx, `UPDATE pkgshare_files SET disk_path = ? WHERE version_id = ?`,
		filepath.Join(f.target, "old.txt"), other.ID.String())
	require.NoError(t, err)
	// The user edited sub/only1.txt.
	writeRandom(t, filepath.Join(f.target, "sub", "only1.txt"), 500)
	later := time.Now().Add(time.Hour)
	require.NoError(t, os.Chtimes(filepath.Join(f.target, "sub", "only1.txt"), later, later))

	res, err := f.lib.Prune(ctx, f.id, 1, false)
	require.NoError(t, err)
	require.Equal(t, []uint64{3}, heldVersions(t, f.lib, f.id))
	require.Equal(t, []string{filepath.Join(elsewhere, "a.txt"), filepath.Join(elsewhere, "b.txt")}, prunedPaths(res.Files))
	require.Len(t, res.Left, 1)
	require.Equal(t, filepath.Join(f.target, "sub", "only1.txt"), res.Left[0].Path)
	require.Contains(t, res.Left[0].Reason, "changed")
	require.Equal(t, map[string]int64{"./": 0}, tree(t, elsewhere))
	require.Equal(t, map[string]int64{"./": 0, "a.txt": 3000, "b.txt": 2000, "c.txt": 100, "old.txt": 1000,
		"sub/": 0, "sub/only1.txt": 500}, tree(t, f.target))
}

func TestPruneDryRunChangesNothing(t *testing.T) {
	ctx := context.Background()
	f := newPruneFixture(t)
	before, err := f.lib.Packages(ctx)
	require.NoError(t, err)
	files := tree(t, f.target)
	dry, err := f.lib.Prune(ctx, manifest.PackageID{}, 1, true)
	require.NoError(t, err)
	require.True(t, dry.DryRun)
	require.Len(t, dry.Packages[0].Forgotten, 2)
	after, err := f.lib.Packages(ctx)
	require.NoError(t, err)
	require.Equal(t, before, after)
	require.Equal(t, files, tree(t, f.target))

	res, err := f.lib.Prune(ctx, manifest.PackageID{}, 1, false)
	require.NoError(t, err)
	require.Equal(t, prunedPaths(dry.Files), prunedPaths(res.Files), "the dry run told what goes")
	require.Equal(t, dry.Bytes, res.Bytes)
	require.Equal(t, dry.Packages, res.Packages)
}

func TestPruneBadKeep(t *testing.T) {
	f := newPruneFixture(t)
	_, err := f.lib.Prune(context.Background(), f.id, 0, false)
	var ie *InputError
	require.ErrorAs(t, err, &ie)
	_, err = f.lib.Prune(context.Background(), manifest.PackageID{1}, 1, false)
	var nf *NotFoundError
	require.ErrorAs(t, err, &nf)
}

// A prune killed after forgetting the versions but before deleting their
// files is finished by the next one; a file a new version records at one
// of those paths meanwhile stays.
func TestPruneFinishesInterrupted(t *testing.T) {
	ctx := context.Background()
	f := newPruneFixture(t)
	tx, err := f.lib.db.BeginTx(ctx, nil)
	require.NoError(t, err)
	require.NoError(t, forgetOld(ctx, tx, f.id, 1, &PruneResult{}))
	require.NoError(t, tx.Commit())
	require.Equal(t, []uint64{3}, heldVersions(t, f.lib, f.id))
	require.FileExists(t, filepath.Join(f.target, "old.txt"), "killed before deleting")
	// Meanwhile a version of another package is fetched with a file at
	// sub/only1.txt.
	other := filepath.Join(t.TempDir(), "other")
	writeRandom(t, filepath.Join(other, "sub", "only1.txt"), 10)
	pub, err := Publish(ctx, f.pub, testKey(t, 1), other, PublishOptions{})
	require.NoError(t, err)
	v, err := f.pub.VersionByID(ctx, pub.VersionID)
	require.NoError(t, err)
	fetchInto(t, f.lib, v.Sealed, f.pub, f.target)
	// Even were it as the forgotten version recorded it, a version
	// recording it keeps it.
	fi, err := os.Stat(filepath.Join(f.target, "sub", "only1.txt"))
	require.NoError(t, err)
	_, err = f.lib.db.ExecContext(ctx, `UPDATE pkgshare_prune_files SET size = ?, mtime_ns = ? WHERE disk_path = ?`,
		fi.Size(), fi.ModTime().UnixNano(), filepath.Join(f.target, "sub", "only1.txt"))
	require.NoError(t, err)

	res, err := f.lib.Prune(ctx, manifest.PackageID{}, 1, false)
	require.NoError(t, err)
	require.Equal(t, []string{filepath.Join(f.target, "old.txt")}, prunedPaths(res.Files))
	require.Equal(t, map[string]int64{"./": 0, "a.txt": 3000, "b.txt": 2000, "c.txt": 100,
		"sub/": 0, "sub/only1.txt": 10}, tree(t, f.target))
	pending, err := pendingFiles(ctx, f.lib.db)
	require.NoError(t, err)
	require.Empty(t, pending)
}

// Versions recorded before the library told fetched from published ones
// count as published until MarkFetched finds those of other publishers.
func TestMarkFetchedOlderRecords(t *testing.T) {
	ctx := context.Background()
	f := newPruneFixture(t)
	_, err := f.lib.db.ExecContext(ctx, `UPDATE pkgshare_versions SET fetched = 0`)
	require.NoError(t, err)
	res, err := f.lib.Prune(ctx, manifest.PackageID{}, 1, false)
	require.NoError(t, err)
	require.Empty(t, res.Packages, "nothing known fetched")

	self, err := peer.IDFromPrivateKey(testKey(t, 2))
	require.NoError(t, err)
	n, err := f.lib.MarkFetched(ctx, self)
	require.NoError(t, err)
	require.EqualValues(t, 3, n)
	publisher, err := peer.IDFromPrivateKey(testKey(t, 1))
	require.NoError(t, err)
	n, err = f.pub.MarkFetched(ctx, publisher)
	require.NoError(t, err)
	require.Zero(t, n, "the publisher's own versions stay published")
	_, err = f.lib.Prune(ctx, manifest.PackageID{}, 1, false)
	require.NoError(t, err)
	require.Equal(t, []uint64{3}, heldVersions(t, f.lib, f.id))
}

// Two forgotten versions had a file at one path, the older fetched again
// last: the file is as the older one wrote it, and goes.
func TestPruneSamePathInTwoForgotten(t *testing.T) {
	ctx := context.Background()
	f := newPruneFixture(t)
	_, err := f.lib.db.ExecContext(ctx, `INSERT INTO pkgshare_files(version_id, idx, path, disk_path, size, mtime_ns)
		VALUES(?, 99, 'old.txt', ?, 1, 1)`, f.sealed[1].ID.String(), filepath.Join(f.target, "old.txt"))
	require.NoError(t, err)
	res, err := f.lib.Prune(ctx, f.id, 1, false)
	require.NoError(t, err)
	require.Contains(t, prunedPaths(res.Files), filepath.Join(f.target, "old.txt"))
	require.NoFileExists(t, filepath.Join(f.target, "old.txt"))
	require.Empty(t, res.Left)
}

// TestPruneSelectiveVersions: versions a selective fetch took in part are
// kept and forgotten like complete ones, and only their present files are
// deleted; a version with nothing present yet stays.
func TestPruneSelectiveVersions(t *testing.T) {
	ctx := context.Background()
	f := newPruneFixture(t)
	res, err := f.sel.Prune(ctx, f.id, 1, false)
	require.NoError(t, err)
	require.Equal(t, []uint64{3}, heldVersions(t, f.sel, f.id))
	require.Equal(t, []string{filepath.Join(f.selDir, "sub", "only1.txt")}, prunedPaths(res.Files))
	require.Equal(t, map[string]int64{"./": 0, "a.txt": 3000, "b.txt": 2000}, tree(t, f.selDir))

	// A version whose fetch has written nothing yet is not forgotten.
	other := newTestLibrary(t)
	_, err = other.StartFetch(ctx, f.sealed[0], filepath.Join(t.TempDir(), "album"))
	require.NoError(t, err)
	fetchSome(t, other, f.sealed[2], f.pub, filepath.Join(t.TempDir(), "album"), notOld)
	_, err = other.Prune(ctx, f.id, 1, false)
	require.NoError(t, err)
	require.Equal(t, []uint64{1, 3}, heldVersions(t, other, f.id))
}
