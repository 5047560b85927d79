package seeder_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/seeder"
	"github.com/p2psb/p2psb/pkgshare/xfer"
)

// A chunk verified once from a file that has settled is served again
// without hashing it while the file keeps its stamp; a write to the file,
// even one that restores the content and the modification time, makes
// the next read hash again, and a change that keeps size and modification
// time is still caught.
func TestTrustsVerifiedChunkUntilFileChanges(t *testing.T) {
	ctx := context.Background()
	s, v, path := seedFile(t, "trusted", 3<<20)
	seeder.SetClock(s, func() time.Time { return time.Now().Add(time.Hour) })

	c := v.Sealed.Files[0].Chunks[0]
	buf := make([]byte, c.Size)
	for range 3 {
		require.NoError(t, s.ReadChunk(ctx, v.ID, c.Hash, buf))
	}
	require.EqualValues(t, 1, seeder.Hashed(s), "a settled, unchanged file's chunk is hashed once")

	// Rewrite the chunk's first byte with the same value and put the
	// modification time back: the content is as verified, but the file
	// was written, so the seeder cannot know that.
	fi, err := os.Stat(path)
	require.NoError(t, err)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	require.NoError(t, err)
	b := make([]byte, 1)
	_, err = f.ReadAt(b, 0)
	require.NoError(t, err)
	_, err = f.WriteAt(b, 0)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.NoError(t, os.Chtimes(path, fi.ModTime(), fi.ModTime()))
	require.NoError(t, s.ReadChunk(ctx, v.ID, c.Hash, buf))
	require.EqualValues(t, 2, seeder.Hashed(s), "a written file's chunk is hashed again")
	require.NoError(t, s.ReadChunk(ctx, v.ID, c.Hash, buf))
	require.EqualValues(t, 2, seeder.Hashed(s))

	require.NoError(t, library.TamperInPlace(path, 1))
	require.ErrorIs(t, s.ReadChunk(ctx, v.ID, c.Hash, buf), xfer.ErrChanged)
	require.EqualValues(t, 3, seeder.Hashed(s))
}

// A chunk read from a file changed within the settle time is hashed on
// every read: a second write in the same tick of the file system's clock
// may leave the change time where it was.
func TestHashesChunksOfRecentlyChangedFile(t *testing.T) {
	ctx := context.Background()
	s, v, path := seedFile(t, "fresh", 1<<20)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	seeder.SetClock(s, func() time.Time { return fi.ModTime() })

	c := v.Sealed.Files[0].Chunks[0]
	buf := make([]byte, c.Size)
	for range 3 {
		require.NoError(t, s.ReadChunk(ctx, v.ID, c.Hash, buf))
	}
	require.EqualValues(t, 3, seeder.Hashed(s))
}
