package pkgshare

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// syntheticVersion seals a version of files files holding chunks chunks of
// 1 MiB in all, with made-up hashes (nothing is read or written through
// it): the shape of a large package without its bytes. Chunk i's hash
// depends on first+i only, so versions can share chunks.
func syntheticVersion(tb testing.TB, seed byte, first, chunks, files int) *manifest.Sealed {
	tb.Helper()
	key := testKey(tb, seed)
	m := &manifest.Manifest{Publisher: key.GetPublic(), Name: fmt.Sprintf("synthetic-%d", seed), Version: 1,
		Created: time.Unix(1, 0)}
	for f := 0; f < files; f++ {
		mf := manifest.File{Path: fmt.Sprintf("f%04d.bin", f), Mode: 0o644}
		for c := f; c < chunks; c += files {
			var in [8]byte
			binary.BigEndian.PutUint64(in[:], uint64(first+c))
			mf.Chunks = append(mf.Chunks, manifest.Chunk{Hash: sha256.Sum256(in[:]), Size: 1 << 20})
			mf.Size += 1 << 20
		}
		m.Files = append(m.Files, mf)
	}
	s, err := manifest.Seal(m, key)
	require.NoError(tb, err)
	return s
}

// BenchmarkOpenSink measures what a fetch does between having the verified
// manifest and asking for the first chunk (openSink, the local-copy plan;
// with nothing to copy, copyLocal and releasing the sink), for a 4 GiB version (4,096 chunks of 1 MiB) in a
// fresh library, and in one that already holds another 4,096-chunk version.
// Each iteration uses a new database and target.
//
//	go test -run XXX -bench OpenSink ./pkgshare/
func BenchmarkOpenSink(b *testing.B) {
	for _, tc := range []struct {
		name string
		held bool
	}{
		{name: "fresh"},
		{name: "held-other", held: true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s := syntheticVersion(b, 1, 0, 4096, 4)
			var other *manifest.Sealed
			if tc.held {
				other = syntheticVersion(b, 2, 1<<20, 4096, 4)
			}
			ctx := context.Background()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dir := b.TempDir()
				lib := openTestLibrary(b, dir)
				if other != nil {
					addComplete(b, lib, other, filepath.Join(dir, "other"))
				}
				b.StartTimer()
				k, err := lib.openSink(ctx, s, filepath.Join(dir, "target"))
				require.NoError(b, err)
				plan, err := lib.planLocal(ctx, k)
				require.NoError(b, err)
				_, err = lib.copyLocal(ctx, k, plan)
				require.NoError(b, err)
				require.NoError(b, k.release())
				b.StopTimer()
				require.NoError(b, k.close())
				require.NoError(b, lib.db.Close())
				b.StartTimer()
			}
		})
	}
}

// addComplete records s in lib as a complete version whose files are under
// root (they need not exist).
func addComplete(tb testing.TB, lib *Library, s *manifest.Sealed, root string) {
	tb.Helper()
	ctx := context.Background()
	tx, err := lib.db.BeginTx(ctx, nil)
	require.NoError(tb, err)
	defer tx.Rollback()
	disk := make(map[string]localFile, len(s.Files))
	for _, f := range s.Files {
		disk[f.Path] = localFile{Abs: filepath.Join(root, filepath.FromSlash(f.Path))}
	}
	require.NoError(tb, insertVersion(ctx, tx, s, root, disk))
	require.NoError(tb, tx.Commit())
}

// BenchmarkInsertVersion measures recording a 4,096-chunk version with its
// chunk rows (what publish does, and a fetch when it completes).
//
//	go test -run XXX -bench InsertVersion ./pkgshare/
func BenchmarkInsertVersion(b *testing.B) {
	s := syntheticVersion(b, 3, 0, 4096, 4)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		lib := openTestLibrary(b, dir)
		b.StartTimer()
		addComplete(b, lib, s, dir)
		b.StopTimer()
		require.NoError(b, lib.db.Close())
		b.StartTimer()
	}
}
