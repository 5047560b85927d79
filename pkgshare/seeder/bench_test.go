package seeder_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/internal/nodetest"
	"github.com/p2psb/p2psb/pkgshare/seeder"
	"github.com/p2psb/p2psb/pkgshare/xfer"
)

const benchSize = 64 << 20

// BenchmarkReadChunk reads every chunk of a published 64 MiB file (in the
// page cache after the first pass) through the seeder, as the transfer
// server does for each chunk it sends. Compare its MB/s with what one
// fetch moves (BenchmarkTransfer in pkgshare/xfer).
//
//	go test -run XXX -bench ReadChunk ./pkgshare/seeder/
func BenchmarkReadChunk(b *testing.B) {
	lib := openLibrary(b)
	dir := b.TempDir()
	nodetest.WriteRandom(b, filepath.Join(dir, "data.bin"), benchSize)
	v := publish(b, lib, dir, "bench")
	s := seeder.New(lib, quiet)
	defer s.Close()
	chunks := xfer.Chunks(&v.Sealed.Manifest)
	buf := make([]byte, 4<<20)
	ctx := context.Background()
	b.SetBytes(benchSize)
	for b.Loop() {
		for _, c := range chunks {
			require.NoError(b, s.ReadChunk(ctx, v.ID, c.Hash, buf[:c.Size]))
		}
	}
}
