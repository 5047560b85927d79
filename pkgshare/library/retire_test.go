package library

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// TestRepublishRetiresReplacedVersion publishes a directory, touches one
// file and changes another in place, and publishes it again: the first
// version no longer matches its files, so it is changed and out of the
// catalog, while the touched file of it is only brought up to date.
func TestRepublishRetiresReplacedVersion(t *testing.T) {
	ctx := context.Background()
	lib := newTestLibrary(t)
	key := testKey(t, 1)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "same.txt"), []byte("same"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "edit.txt"), []byte("first"), 0o644))
	v1, err := Publish(ctx, lib, key, dir, PublishOptions{Name: "p"})
	require.NoError(t, err)

	later := time.Now().Add(time.Hour)
	require.NoError(t, os.Chtimes(filepath.Join(dir, "same.txt"), later, later))
	v, err := lib.Version(ctx, manifest.Ref{ID: v1.ID, Version: 1})
	require.NoError(t, err)
	require.False(t, v.Changed, "a touched file is not yet known changed")

	appendTo(t, filepath.Join(dir, "edit.txt"), " and more")
	v2, err := Publish(ctx, lib, key, dir, PublishOptions{Name: "p"})
	require.NoError(t, err)
	require.Equal(t, uint64(2), v2.Version)

	old, err := lib.VersionByID(ctx, v1.VersionID)
	require.NoError(t, err)
	require.True(t, old.Changed)
	require.False(t, old.Offered())
	byPath := map[string]StoredFile{}
	for _, f := range old.Files {
		byPath[f.Path] = f
	}
	require.True(t, byPath["edit.txt"].Unservable)
	require.False(t, byPath["same.txt"].Unservable, "same content")
	require.True(t, byPath["same.txt"].ModTime.Equal(later), "brought up to date")

	cur, err := lib.VersionByID(ctx, v2.VersionID)
	require.NoError(t, err)
	require.True(t, cur.Offered())
	entries, _, err := lib.Catalog(ctx, "", 10, 1<<20)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	s, err := manifest.Open(entries[0].Manifest)
	require.NoError(t, err)
	require.Equal(t, uint64(2), s.Version)
}
