package xfer

import (
	"testing"
	"time"

	mocknet "github.com/libp2p/go-libp2p/p2p/net/mock"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
)

// One seeder with a narrow uplink and 16 fetchers that learn of each
// other: the fetchers serve each other what they already have, so the
// seeder sends far less than 16 copies.
func TestSwarm(t *testing.T) {
	const fetchers = 16
	nodes := newNodes(t, fetchers+1, mocknet.LinkOptions{Latency: 2 * time.Millisecond, Bandwidth: 4 << 20})
	s, data := testPackage(t, TestPackage{Files: 2, FileSize: 1 << 20, ChunkSize: 16 << 10, Seed: 20})
	seeder := nodes[0]
	seeder.store.Add(s, data)
	serveFrom(t, seeder, seeder.store, WithUploadLimit(1<<20))

	ctx := testContext(t, 60*time.Second)
	var g errgroup.Group
	stats := make([]*Stats, fetchers)
	for i, n := range nodes[1:] {
		n.store.Add(s, nil)
		g.Go(func() error {
			st, err := fetchInto(ctx, n, s, Job{Providers: providers(nodes...)})
			stats[i] = st
			return err
		})
	}
	require.NoError(t, g.Wait())

	var fromSeeder, fromPeers int64
	for i, n := range nodes[1:] {
		requireComplete(t, n.store, s, data)
		for p, b := range stats[i].PerPeer {
			if p == seeder.h.ID() {
				fromSeeder += b
			} else {
				fromPeers += b
			}
		}
	}
	size := s.Size()
	t.Logf("package %d bytes; seeder sent %d (%.1f copies); fetchers got %d from the seeder, %d from each other",
		size, seeder.srv.Sent(), float64(seeder.srv.Sent())/float64(size), fromSeeder, fromPeers)
	require.Less(t, seeder.srv.Sent(), 5*size, "seeder sent well under 16 copies")
	require.Greater(t, fromPeers, 2*fromSeeder, "fetchers got most chunks from each other")
	require.Equal(t, fetchers*size, fromSeeder+fromPeers)
}
