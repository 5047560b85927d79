package demo

import (
	"context"
	"log/slog"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/fetch"
)

func TestRunDemo(t *testing.T) {
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	cases := []struct {
		name   string
		cancel bool
	}{
		{"completes", false},
		{"cancelled", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancel {
				cancel()
			}
			seen := make([]bool, 2)
			res, err := Run(ctx, Options{Size: 3 << 20, Files: 3, Peers: 2, Dir: dir, Log: log,
				Progress: func(i int, p fetch.Progress) { seen[i] = true }})
			left, rerr := os.ReadDir(dir)
			require.NoError(t, rerr)
			require.Empty(t, left, "the demo leaves nothing behind")
			if tc.cancel {
				require.ErrorIs(t, err, context.Canceled)
				return
			}
			require.NoError(t, err)
			require.EqualValues(t, 3<<20, res.Bytes)
			require.Len(t, res.Peers, 2)
			for _, p := range res.Peers {
				require.True(t, p.Verified)
				require.GreaterOrEqual(t, p.FromPublisher+p.FromPeers, res.Bytes)
			}
			require.Equal(t, []bool{true, true}, seen)
		})
	}
}
