package xfer

import (
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	mocknet "github.com/libp2p/go-libp2p/p2p/net/mock"
	"github.com/stretchr/testify/require"
)

func TestFetchOneSeeder(t *testing.T) {
	cases := []struct {
		name string
		pkg  TestPackage
	}{
		{"random", TestPackage{Files: 3, FileSize: 100_000, ChunkSize: 16 << 10, Seed: 1}},
		{"compressible", TestPackage{Files: 2, FileSize: 50_000, ChunkSize: 8 << 10, Compressible: true, Seed: 2}},
		{"one small chunk", TestPackage{Files: 1, FileSize: 1, ChunkSize: 1, Seed: 3}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			nodes := newNodes(t, 2, mocknet.LinkOptions{})
			s, data := testPackage(t, tc.pkg)
			nodes[0].store.Add(s, data)
			var last Progress
			st, err := fetchInto(testContext(t, 20*time.Second), nodes[1], s, Job{
				Providers: providers(nodes[0]),
				Progress:  func(p Progress) { last = p },
			})
			require.NoError(t, err)
			requireComplete(t, nodes[1].store, s, data)
			require.Equal(t, s.Size(), st.Bytes)
			require.Equal(t, map[peer.ID]int64{nodes[0].h.ID(): s.Size()}, st.PerPeer)
			require.Empty(t, st.BadPeers)
			require.Equal(t, s.Size(), last.Done)
			if tc.pkg.Compressible {
				require.Less(t, st.Wire, s.Size()/2, "compressible chunks go as zstd")
			} else {
				require.Equal(t, s.Size(), st.Wire)
			}
		})
	}
}

// Rate limits hold a fetch to their rate: 512 KiB at 256 KiB/s with a
// 256 KiB burst take at least 1s.
func TestRateLimits(t *testing.T) {
	const rate = 256 << 10
	cases := []struct {
		name     string
		server   []Option
		download []Option
	}{
		{"upload", []Option{WithUploadLimit(rate)}, nil},
		{"download", nil, []Option{WithDownloadLimit(rate)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			nodes := newNodes(t, 2, mocknet.LinkOptions{}, tc.download...)
			s, data := testPackage(t, TestPackage{Files: 1, FileSize: 2 * rate, ChunkSize: 32 << 10, Seed: 17})
			nodes[0].store.Add(s, data)
			serveFrom(t, nodes[0], nodes[0].store, tc.server...)
			start := time.Now()
			_, err := fetchInto(testContext(t, 30*time.Second), nodes[1], s, Job{Providers: providers(nodes[0])})
			require.NoError(t, err)
			require.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond)
			requireComplete(t, nodes[1].store, s, data)
		})
	}
}

// A node serves a version while it is still fetching it: B fetches only
// from A, which is fetching from a rate-limited seeder at the same time,
// and B learns of A's new chunks through its HAVE subscription.
func TestPartialSeeding(t *testing.T) {
	nodes := newNodes(t, 3, mocknet.LinkOptions{Latency: time.Millisecond})
	seeder, a, b := nodes[0], nodes[1], nodes[2]
	s, data := testPackage(t, TestPackage{Files: 1, FileSize: 512 << 10, ChunkSize: 16 << 10, Seed: 18})
	seeder.store.Add(s, data)
	serveFrom(t, seeder, seeder.store, WithUploadLimit(512<<10))
	a.store.Add(s, nil)
	b.store.Add(s, nil)

	ctx := testContext(t, 30*time.Second)
	type result struct {
		st  *Stats
		err error
	}
	done := make(chan result, 1)
	go func() {
		st, err := b.f.Fetch(ctx, Job{Version: s, Sink: b.store.Sink(s.ID), Providers: providers(a), Notify: b.srv})
		done <- result{st, err}
	}()
	stA, err := a.f.Fetch(ctx, Job{Version: s, Sink: a.store.Sink(s.ID), Providers: providers(seeder), Notify: a.srv})
	require.NoError(t, err)
	require.Equal(t, s.Size(), stA.Bytes)
	r := <-done
	require.NoError(t, r.err)
	requireComplete(t, b.store, s, data)
	require.Equal(t, map[peer.ID]int64{a.h.ID(): s.Size()}, r.st.PerPeer)
}
