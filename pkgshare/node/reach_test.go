package node_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/internal/nodetest"
	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/node"
)

func TestBrowse(t *testing.T) {
	ctx := context.Background()
	a, b := nodetest.Start(t, 1), nodetest.Start(t, 2)
	dir := filepath.Join(t.TempDir(), "album")
	nodetest.WriteRandom(t, filepath.Join(dir, "f"), 5000)
	pub, err := library.Publish(ctx, a.Library, nodetest.Key(t, 1), dir, library.PublishOptions{})
	require.NoError(t, err)

	var ue *node.UnreachableError
	_, err = b.Browse(ctx, a.Host.ID())
	require.ErrorAs(t, err, &ue)
	require.Equal(t, []string{"the peerstore has no address for it", "no rendezvous configured (--rendezvous-peer)", "the DHT knows no peers yet"}, ue.Reasons)
	_, err = b.Browse(ctx, b.Host.ID())
	require.ErrorAs(t, err, &ue)
	require.Contains(t, err.Error(), "that is this node")

	b.Peers.AddAddrs(a.Host.ID(), a.Host.Addrs(), time.Hour)
	l, err := b.Browse(ctx, a.Host.ID())
	require.NoError(t, err)
	require.Len(t, l.Packages, 1)
	require.Equal(t, pub.VersionID, l.Packages[0].ID)
	require.Empty(t, l.Rejected)
}
