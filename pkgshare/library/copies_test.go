package library

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/xfer"
)

func syntheticVersion(tb testing.TB, seed byte, first, chunks, files int) *manifest.Sealed {
	tb.Helper()
	s, err := SyntheticVersion(seed, first, chunks, files)
	require.NoError(tb, err)
	return s
}

func TestHeldChunks(t *testing.T) {
	ctx := context.Background()
	s := syntheticVersion(t, 31, 0, 1200, 3) // three lookups of hashesPerLookup
	other := syntheticVersion(t, 32, 600, 1200, 2)
	inOther := map[manifest.ChunkHash]bool{}
	for _, c := range xfer.Chunks(&other.Manifest) {
		inOther[c.Hash] = true
	}
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, lib *Library)
		want  int // chunks of s found, all of them in other
	}{
		{name: "empty library", setup: func(*testing.T, *Library) {}},
		{name: "other version shares half", want: 600,
			setup: func(t *testing.T, lib *Library) { require.NoError(t, lib.RecordComplete(ctx, other, t.TempDir())) }},
		{name: "other version incomplete", setup: func(t *testing.T, lib *Library) {
			require.NoError(t, lib.RecordComplete(ctx, other, t.TempDir()))
			_, err := lib.db.Exec(`UPDATE pkgshare_versions SET complete = 0 WHERE id = ?`, other.ID.String())
			require.NoError(t, err)
			_, err = lib.db.Exec(`UPDATE pkgshare_files SET present = 0 WHERE version_id = ?`, other.ID.String())
			require.NoError(t, err)
		}},
		{name: "other version fetched in part", want: 300, setup: func(t *testing.T, lib *Library) {
			// other's first file holds chunks 600, 602, ... 1798: of s's, 600 to 1198 by twos.
			_, err := lib.StartFetch(ctx, other, t.TempDir())
			require.NoError(t, err)
			require.NoError(t, lib.KeepPresent(ctx, other, map[int]time.Time{0: time.Unix(1, 0)}))
		}},
		{name: "only the version itself", setup: func(t *testing.T, lib *Library) {
			require.NoError(t, lib.RecordComplete(ctx, s, t.TempDir()))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lib := newTestLibrary(t)
			tc.setup(t, lib)
			var hashes []manifest.ChunkHash
			for _, c := range xfer.Chunks(&s.Manifest) {
				hashes = append(hashes, c.Hash)
			}
			held, err := lib.HeldChunks(ctx, s.ID, hashes)
			require.NoError(t, err)
			require.Len(t, held, tc.want)
			for h := range held {
				require.True(t, inOther[h], "%s is not in the other version", h)
			}
		})
	}
}

// BenchmarkInsertVersion measures recording a 4,096-chunk version with its
// chunk rows (what publish does, and a fetch when it completes).
//
//	go test -run XXX -bench InsertVersion ./pkgshare/library/
func BenchmarkInsertVersion(b *testing.B) {
	s := syntheticVersion(b, 3, 0, 4096, 4)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		lib := openTestLibrary(b, dir)
		b.StartTimer()
		require.NoError(b, lib.RecordComplete(context.Background(), s, dir))
		b.StopTimer()
		require.NoError(b, lib.db.Close())
		b.StartTimer()
	}
}
