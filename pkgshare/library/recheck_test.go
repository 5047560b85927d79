package library

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// A file changed behind the library with its size and time kept is
// recorded unservable by Recheck, and a Verify or a Publish that finds it
// matching again clears the mark.
func TestRecheckMarksUnservableUntilItMatches(t *testing.T) {
	ctx := context.Background()
	lib, key := newTestLibrary(t), testKey(t, 1)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	writeRandom(t, a, 3<<20)
	writeRandom(t, b, 1000)
	res, err := Publish(ctx, lib, key, dir, PublishOptions{})
	require.NoError(t, err)
	unservable := func() []bool {
		t.Helper()
		v, err := lib.VersionByID(ctx, res.VersionID)
		require.NoError(t, err)
		return []bool{v.Files[0].Unservable, v.Files[1].Unservable}
	}
	recheck := func(i int) string {
		t.Helper()
		v, err := lib.VersionByID(ctx, res.VersionID)
		require.NoError(t, err)
		problem, err := lib.Recheck(ctx, v, i)
		require.NoError(t, err)
		return problem
	}
	require.Equal(t, []bool{false, false}, unservable())

	require.NoError(t, TamperInPlace(a, 3<<19))
	require.Equal(t, "content changed", recheck(0))
	require.Empty(t, recheck(1), "the other file still matches")
	require.Equal(t, []bool{true, false}, unservable())

	require.NoError(t, TamperInPlace(a, 3<<19)) // back as published
	vr, err := lib.Verify(ctx, manifest.Ref{ID: res.ID, Version: res.Version}, nil)
	require.NoError(t, err)
	require.Empty(t, vr.Changed)
	require.Equal(t, []bool{false, false}, unservable(), "verify clears the mark")

	require.NoError(t, TamperInPlace(a, 100))
	require.Equal(t, "content changed", recheck(0))
	require.NoError(t, TamperInPlace(a, 100))
	again, err := Publish(ctx, lib, key, dir, PublishOptions{})
	require.NoError(t, err)
	require.True(t, again.Unchanged)
	require.Equal(t, []bool{false, false}, unservable(), "publish clears the mark")
}
