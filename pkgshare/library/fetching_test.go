package library

import (
	"context"
	"testing"

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
