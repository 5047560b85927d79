package seeder_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/xfer"
)

// A file that changed size behind the seeder: the seeder tells OnBroken's
// function, once for the version however many reads fail, and the file no
// longer passes its stat check.
func TestOnBrokenOncePerVersion(t *testing.T) {
	ctx := context.Background()
	s, v, path := seedFile(t, "grows", 1<<20)
	require.True(t, v.Files[0].Unchanged())

	var broken []*library.Version
	s.OnBroken(func(b *library.Version) { broken = append(broken, b) })

	c := v.Sealed.Files[0].Chunks[0]
	buf := make([]byte, c.Size)
	require.NoError(t, s.ReadChunk(ctx, v.ID, c.Hash, buf))
	require.Empty(t, broken)

	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString("more")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.NoError(t, os.Chtimes(path, time.Now(), time.Now().Add(time.Hour)))
	require.False(t, v.Files[0].Unchanged())

	for range 2 {
		require.ErrorIs(t, s.ReadChunk(ctx, v.ID, c.Hash, buf), xfer.ErrChanged)
	}
	require.Len(t, broken, 1)
	require.Equal(t, v.ID, broken[0].ID)
}
