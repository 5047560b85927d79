package node_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/fetch"
	"github.com/p2psb/p2psb/pkgshare/internal/nodetest"
	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/node"
)

// dhtNet starts servers DHT server nodes on 127.0.0.1, with no rendezvous,
// each connected to the one before it, and fills their routing tables.
func dhtNet(t testing.TB, servers int) []*node.Node {
	t.Helper()
	nodes := make([]*node.Node, servers)
	for i := range nodes {
		nodes[i] = nodetest.StartWith(t, nodetest.Key(t, byte(10+i)), node.Options{DHT: node.DHTServer, Log: slog.New(slog.DiscardHandler)})
		if i > 0 {
			// A bound for each dial, not for starting them all: on a
			// loaded machine 28 starts alone can take a minute.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := nodes[i].Host.Connect(ctx, nodetest.AddrInfo(nodes[i-1]))
			cancel()
			require.NoError(t, err)
		}
	}
	for _, n := range nodes {
		refresh(t, n)
	}
	return nodes
}

// dhtClient starts a DHT client node joined to the network through entry
// alone.
func dhtClient(t testing.TB, seed byte, entry *node.Node) *node.Node {
	t.Helper()
	n := nodetest.StartWith(t, nodetest.Key(t, seed), node.Options{DHT: node.DHTClient, Log: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, n.Host.Connect(ctx, nodetest.AddrInfo(entry)))
	refresh(t, n)
	return n
}

// refresh fills n's routing table from the peers it is connected to, once
// the DHT has taken one of them in (after identify).
func refresh(t testing.TB, n *node.Node) {
	t.Helper()
	require.Eventually(t, func() bool { return n.DHT.RoutingTable().Size() > 0 }, 10*time.Second, 5*time.Millisecond,
		"no DHT server among the connected peers")
	require.NoError(t, <-n.DHT.ForceRefresh())
}

// TestFetchThroughDHT: in a network of 30 nodes with no rendezvous, a
// package published at a node that only asks (a DHT client, as behind a
// NAT) is fetched by another client that has never heard of the
// publisher: only the DHT's provider records lead one to the other.
func TestFetchThroughDHT(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 30 nodes")
	}
	servers := dhtNet(t, 28)
	pub := dhtClient(t, 100, servers[3])
	got := dhtClient(t, 101, servers[24])

	src := filepath.Join(t.TempDir(), "album")
	nodetest.WriteRandom(t, filepath.Join(src, "a.bin"), 3<<20)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := library.Publish(ctx, pub.Library, pub.Host.Peerstore().PrivKey(pub.Host.ID()), src, library.PublishOptions{Name: "album"})
	require.NoError(t, err)
	require.NoError(t, pub.AnnouncePackage(ctx, res.ID))
	require.NotContains(t, got.Peers.PeersWithAddrs(), pub.Host.ID(), "the fetcher knows the publisher before the fetch")

	out := filepath.Join(t.TempDir(), "got")
	fr, err := got.Fetch(ctx, fetch.Options{Ref: manifest.Ref{ID: res.ID}, Target: out, ResolveTimeout: 30 * time.Second})
	require.NoError(t, err)
	require.Contains(t, fr.PerPeer, pub.Host.ID().String(), "the chunks came from the publisher")
	want, err := os.ReadFile(filepath.Join(src, "a.bin"))
	require.NoError(t, err)
	have, err := os.ReadFile(filepath.Join(out, "a.bin"))
	require.NoError(t, err)
	require.Equal(t, want, have)
}

// TestDHTOff: with the DHT off a node runs none and finds no provider
// through it.
func TestDHTOff(t *testing.T) {
	n := nodetest.StartWith(t, nodetest.Key(t, 1), node.Options{DHT: node.DHTOff})
	require.Nil(t, n.DHT)
	_, err := node.ParseDHTMode("sometimes")
	require.ErrorContains(t, err, "want auto, server, client or off")
	m, err := node.ParseDHTMode("client")
	require.NoError(t, err)
	require.Equal(t, node.DHTClient, m)
}

// TestPackageKey: a package's DHT key is stable and differs between
// packages.
func TestPackageKey(t *testing.T) {
	var a, b manifest.PackageID
	b[0] = 1
	require.Equal(t, node.PackageKey(a), node.PackageKey(a))
	require.NotEqual(t, node.PackageKey(a), node.PackageKey(b))
	require.Equal(t, "bafkrei", node.PackageKey(a).String()[:7], "a CIDv1, raw codec, SHA-256")
}

// TestLocateThroughDHT: with no rendezvous, a node finds where a DHT
// server is through the DHT.
func TestLocateThroughDHT(t *testing.T) {
	servers := dhtNet(t, 8)
	c := dhtClient(t, 102, servers[7])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	loc, err := c.Locate(ctx, servers[0].Host.ID())
	require.NoError(t, err)
	require.Equal(t, "dht", loc.Source)
	require.NotEmpty(t, loc.Addrs)
}
