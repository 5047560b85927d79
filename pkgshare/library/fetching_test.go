package library

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestStartFetchProgress checks what StartFetch returns of a fetch
// resumed in the same target: nothing while no chunk is recorded, whether
// the record is NULL (this p2psb) or an empty blob (an older one), and
// the bitfield once one is.
func TestStartFetchProgress(t *testing.T) {
	ctx := context.Background()
	lib := newTestLibrary(t)
	s, err := SyntheticVersion(3, 0, 10, 2)
	require.NoError(t, err)
	target := t.TempDir()

	have, err := lib.StartFetch(ctx, s, target)
	require.NoError(t, err)
	require.Nil(t, have, "a new fetch")
	var null bool
	require.NoError(t, lib.db.QueryRow(`SELECT have IS NULL FROM pkgshare_versions WHERE id = ?`,
		s.ID.String()).Scan(&null))
	require.True(t, null, "a new fetch records no progress")

	have, err = lib.StartFetch(ctx, s, target)
	require.NoError(t, err)
	require.Nil(t, have, "stopped before the first chunk")

	require.NoError(t, lib.SaveProgress(ctx, s.ID, []byte{}))
	have, err = lib.StartFetch(ctx, s, target)
	require.NoError(t, err)
	require.Nil(t, have, "an empty blob, as an older p2psb recorded")

	require.NoError(t, lib.SaveProgress(ctx, s.ID, []byte{0x05, 0x00}))
	have, err = lib.StartFetch(ctx, s, target)
	require.NoError(t, err)
	require.Equal(t, []byte{0x05, 0x00}, have)
}

// TestKeepPresent follows a version fetched in part: no file is present
// when the fetch starts, the files a selective fetch finished are once it
// records them (and only those, whatever was recorded before), and all
// are once the version is complete.
func TestKeepPresent(t *testing.T) {
	ctx := context.Background()
	lib := newTestLibrary(t)
	s, err := SyntheticVersion(4, 0, 12, 3)
	require.NoError(t, err)
	_, err = lib.StartFetch(ctx, s, t.TempDir())
	require.NoError(t, err)
	present := func() []bool {
		t.Helper()
		v, err := lib.VersionByID(ctx, s.ID)
		require.NoError(t, err)
		out := make([]bool, len(v.Files))
		n := 0
		for i, f := range v.Files {
			if out[i] = f.Present; f.Present {
				n++
			}
		}
		require.Equal(t, n, v.PresentFiles)
		return out
	}
	require.Equal(t, []bool{false, false, false}, present())

	at := time.Unix(1_700_000_000, 5)
	require.NoError(t, lib.KeepPresent(ctx, s, map[int]time.Time{0: at, 2: at}))
	require.Equal(t, []bool{true, false, true}, present())
	require.NoError(t, lib.KeepPresent(ctx, s, map[int]time.Time{1: at}))
	require.Equal(t, []bool{false, true, false}, present())
	v, err := lib.VersionByID(ctx, s.ID)
	require.NoError(t, err)
	require.False(t, v.Complete)
	require.Equal(t, at.UnixNano(), v.Files[1].ModTime.UnixNano())

	require.NoError(t, lib.CompleteFetch(ctx, s, []time.Time{at, at, at}))
	require.Equal(t, []bool{true, true, true}, present())
	require.Error(t, lib.KeepPresent(ctx, s, nil), "a complete version is not kept in part")
}
