package control

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/follow"
	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/node"
)

// withFollow runs the follower service, checking hourly: what arrives
// sooner came by announcement.
func withFollow(o *node.Options) { o.Follow = &follow.Options{CheckEvery: time.Hour} }

// waitHeld waits until the daemon's follow of id holds version v.
func waitHeld(t *testing.T, d *daemon, id manifest.PackageID, v uint64) follow.Follow {
	t.Helper()
	var got follow.Follow
	require.Eventually(t, func() bool {
		fs, err := d.c.Follows(context.Background())
		if err != nil || len(fs) != 1 || fs[0].Package != id {
			return false
		}
		got = fs[0]
		return got.Held >= v
	}, 30*time.Second, 10*time.Millisecond)
	return got
}

// A publish through the publisher's daemon reaches the follower's at once:
// it fetches the new version into the same target, moving only what
// changed.
func TestFollowThroughDaemons(t *testing.T) {
	pubd, fold := startDaemon(t, withFollow), startDaemon(t, withFollow)
	ctx := context.Background()
	res, src, addr := publishMiB(t, pubd)
	target := filepath.Join(t.TempDir(), "got")
	f, err := fold.c.Follow(ctx, follow.Config{Package: res.ID, Target: target, Peers: []string{addr}})
	require.NoError(t, err)
	require.Equal(t, target, f.Target)
	waitHeld(t, fold, res.ID, 1)

	writeRandom(t, filepath.Join(src, "small.bin"), 4096)
	_, err = pubd.c.Publish(ctx, PublishRequest{Path: src}, nil)
	require.NoError(t, err)
	f = waitHeld(t, fold, res.ID, 2)
	require.Equal(t, int64(4096), f.FetchedBytes, "only the new file moved")
	require.Equal(t, int64(1<<20), f.LocalBytes)
	got, err := os.ReadFile(filepath.Join(target, "small.bin"))
	require.NoError(t, err)
	require.Len(t, got, 4096)
	st, err := fold.c.Status(ctx)
	require.NoError(t, err)
	require.Len(t, st.Follows, 1)
	require.Equal(t, int64(1), st.FollowGossip.Accepted)

	gone, err := fold.c.Unfollow(ctx, res.ID)
	require.NoError(t, err)
	require.Equal(t, uint64(2), gone.Held)
	fs, err := fold.c.Follows(ctx)
	require.NoError(t, err)
	require.Empty(t, fs)
}

func TestFollowRefusesBadInput(t *testing.T) {
	d := startDaemon(t, withFollow)
	ctx := context.Background()
	res, _, _ := publishMiB(t, d)
	_, err := d.c.Follow(ctx, follow.Config{Package: res.ID, Target: "relative"})
	requireBadInput(t, err, "must be absolute")
	_, err = d.c.Follow(ctx, follow.Config{Target: "/abs"})
	requireBadInput(t, err, "no package named")
	_, err = d.c.Follow(ctx, follow.Config{Package: res.ID, Target: "/abs", Keep: -2})
	requireBadInput(t, err, "--keep -2")
	_, err = d.c.Unfollow(ctx, res.ID)
	requireBadInput(t, err, "is not followed")

	plain := startDaemon(t) // runs no follower
	_, err = plain.c.Follows(ctx)
	requireBadInput(t, err, "does not follow packages")
}
