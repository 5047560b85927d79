package node_test

import (
	"context"
	"testing"
	"time"

	pstore "github.com/libp2p/go-libp2p/core/peerstore"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/buddy"
	"github.com/p2psb/p2psb/pkgshare/internal/nodetest"
	"github.com/p2psb/p2psb/pkgshare/node"
	"github.com/p2psb/p2psb/rendezvous"
)

// TestNodeLocatesBuddyThroughRendezvous runs real nodes: a buddy that
// restarted on another port is found through its node namespace at the
// rendezvous, and the node connects to it again.
func TestNodeLocatesBuddyThroughRendezvous(t *testing.T) {
	ctx := context.Background()
	rz := nodetest.StartWith(t, nodetest.Key(t, 1), node.Options{Rendezvous: true})
	rzAddr := []string{rz.Addrs()[0].String()}
	buddyKey := nodetest.Key(t, 2)
	b := nodetest.StartWith(t, buddyKey, node.Options{RendezvousPeers: rzAddr})
	id, stale := b.Host.ID(), b.Host.Addrs()
	require.NoError(t, b.Close())

	moved := nodetest.StartWith(t, buddyKey, node.Options{RendezvousPeers: rzAddr})
	require.NoError(t, moved.Announce(ctx, rendezvous.NodeNamespace(id)))
	require.NotContains(t, stale, moved.Host.Addrs()[0], "the buddy moved to another port")

	keep := buddy.Options{MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, DialTimeout: 5 * time.Second}
	a := nodetest.StartWith(t, nodetest.Key(t, 3), node.Options{RendezvousPeers: rzAddr, KeepBuddies: &keep})
	a.Peers.AddAddrs(id, stale, pstore.PermanentAddrTTL)
	_, err := a.Peers.AddBuddy(id, "moved")
	require.NoError(t, err)
	a.Buddies.Refresh()
	require.Eventually(t, func() bool { return a.Host.Network().Connectedness(id) == network.Connected },
		10*time.Second, 10*time.Millisecond, "no connection to the moved buddy")
	c := a.Host.Network().ConnsToPeer(id)[0]
	require.Contains(t, moved.Host.Addrs(), c.RemoteMultiaddr(), "connected through the located address")
}
