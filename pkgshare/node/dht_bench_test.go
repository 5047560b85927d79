package node_test

import (
	"context"
	"crypto/rand"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/node"
)

// BenchmarkDHTFindProvider: in a network of 50 nodes on 127.0.0.1 with no
// rendezvous (48 DHT servers, a providing client and a searching client,
// each joined through one server), the time from asking the DHT for the
// providers of a package to the first answer. Each iteration provides a
// new package (untimed) and then searches it; median-ms is the median
// of the iterations.
func BenchmarkDHTFindProvider(b *testing.B) {
	servers := dhtNet(b, 48)
	pub := dhtClient(b, 100, servers[3])
	got := dhtClient(b, 101, servers[40])
	var took []time.Duration
	for b.Loop() {
		b.StopTimer()
		var id manifest.PackageID
		_, _ = rand.Read(id[:])
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		require.NoError(b, pub.DHT.Provide(ctx, node.PackageKey(id), true))
		b.StartTimer()
		start := time.Now()
		ai, ok := <-got.DHT.FindProvidersAsync(ctx, node.PackageKey(id), 1)
		took = append(took, time.Since(start))
		cancel()
		require.True(b, ok, "no provider found")
		require.Equal(b, pub.Host.ID(), ai.ID)
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "median-ms")
}
