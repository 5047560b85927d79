package library

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/catalog"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

func TestLibraryCatalog(t *testing.T) {
	ctx := context.Background()
	lib, key := newTestLibrary(t), testKey(t, 7)
	var ids []manifest.PackageID
	for _, name := range []string{"one", "two", "three"} {
		dir := filepath.Join(t.TempDir(), name)
		writeRandom(t, filepath.Join(dir, "f"), 1000)
		res, err := Publish(ctx, lib, key, dir, PublishOptions{})
		require.NoError(t, err)
		ids = append(ids, res.ID)
		if name == "two" {
			writeRandom(t, filepath.Join(dir, "g"), 10)
			_, err := Publish(ctx, lib, key, dir, PublishOptions{})
			require.NoError(t, err)
		}
	}
	// A version 3 of "three" still being fetched is not offered.
	_, err := lib.db.Exec(`UPDATE pkgshare_versions SET complete = 0 WHERE package_id = ?`, ids[2].String())
	require.NoError(t, err)

	versions := func(es []catalog.Entry) map[string]uint64 {
		out := map[string]uint64{}
		for _, e := range es {
			s, err := manifest.Open(e.Manifest)
			require.NoError(t, err)
			require.Equal(t, s.PackageID.String(), e.Cursor)
			out[s.Name] = s.Version
		}
		return out
	}
	all, more, err := lib.Catalog(ctx, "", 10, 1<<20)
	require.NoError(t, err)
	require.False(t, more)
	require.Equal(t, map[string]uint64{"one": 1, "two": 2}, versions(all))

	cases := []struct {
		name            string
		limit, maxBytes int
	}{
		{"by count", 1, 1 << 20},
		{"by bytes", 10, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			first, more, err := lib.Catalog(ctx, "", tc.limit, tc.maxBytes)
			require.NoError(t, err)
			require.True(t, more)
			require.Equal(t, all[:1], first)
			rest, more, err := lib.Catalog(ctx, first[0].Cursor, tc.limit, tc.maxBytes)
			require.NoError(t, err)
			require.False(t, more)
			require.Equal(t, all[1:], rest)
		})
	}
}
