package follow

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Following a package again changes its options and keeps where it stands.
func TestStorePutKeepsState(t *testing.T) {
	id := versions(t, testKey(t, 1), "album", 1, time.Unix(1e9, 0))[0].PackageID
	st := newTestStore(t)
	ctx := context.Background()
	f, err := st.Put(ctx, Config{Package: id, Dir: "/d"})
	require.NoError(t, err)
	require.Equal(t, "idle", f.Status)
	require.NoError(t, st.SaveState(ctx, id, "/d/album", State{Held: 4, Status: "idle"}))
	f, err = st.Put(ctx, Config{Package: id, Target: "/d/album", Keep: 3, Include: []string{"*.flac"}})
	require.NoError(t, err)
	require.Equal(t, uint64(4), f.Held)
	require.Equal(t, 3, f.Keep)
	require.Equal(t, []string{"*.flac"}, f.Include)
	fs, err := st.List(ctx)
	require.NoError(t, err)
	require.Len(t, fs, 1)
}
