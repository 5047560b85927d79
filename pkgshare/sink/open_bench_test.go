package sink

import (
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/home"
	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// openTestLibrary opens a new library in dir; the caller closes db.
func openTestLibrary(tb testing.TB, dir string) (*library.Library, *sql.DB) {
	tb.Helper()
	db, err := home.OpenDB(filepath.Join(dir, "p2psb.db"))
	require.NoError(tb, err)
	lib, err := library.New(db)
	require.NoError(tb, err)
	return lib, db
}

// BenchmarkOpenSink measures what a fetch does between having the verified
// manifest and asking for the first chunk (Open, the local-copy plan;
// with nothing to copy, CopyLocal and releasing the sink), for a 4 GiB
// version (4,096 chunks of 1 MiB) in a fresh library, and in one that
// already holds another 4,096-chunk version. Each iteration uses a new
// database and target.
//
//	go test -run XXX -bench OpenSink ./pkgshare/sink/
func BenchmarkOpenSink(b *testing.B) {
	for _, tc := range []struct {
		name string
		held bool
	}{
		{name: "fresh"},
		{name: "held-other", held: true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s, err := library.SyntheticVersion(1, 0, 4096, 4)
			require.NoError(b, err)
			var other *manifest.Sealed
			if tc.held {
				other, err = library.SyntheticVersion(2, 1<<20, 4096, 4)
				require.NoError(b, err)
			}
			ctx := context.Background()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dir := b.TempDir()
				lib, db := openTestLibrary(b, dir)
				if other != nil {
					require.NoError(b, lib.RecordComplete(ctx, other, filepath.Join(dir, "other")))
				}
				b.StartTimer()
				k, err := Open(ctx, lib, s, filepath.Join(dir, "target"), Options{}, slog.Default())
				require.NoError(b, err)
				plan, err := k.PlanLocal(ctx)
				require.NoError(b, err)
				_, err = k.CopyLocal(ctx, plan)
				require.NoError(b, err)
				require.NoError(b, k.Release())
				b.StopTimer()
				require.NoError(b, k.Close())
				require.NoError(b, db.Close())
				b.StartTimer()
			}
		})
	}
}
