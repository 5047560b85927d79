package xfer

import (
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	mocknet "github.com/libp2p/go-libp2p/p2p/net/mock"
	"github.com/stretchr/testify/require"
)

// A provider of negative rank that arrives first is not asked while a
// better one can serve: every chunk comes from the other.
func TestFetchAsksLowRankedPeerLast(t *testing.T) {
	nodes := newNodes(t, 3, mocknet.LinkOptions{Latency: time.Millisecond})
	s, data := testPackage(t, TestPackage{Files: 2, FileSize: 256 << 10, ChunkSize: 8 << 10, Seed: 50})
	low, good := nodes[0], nodes[1]
	for _, n := range []*node{low, good} {
		n.store.Add(s, data)
	}
	watched := newFaultyStore(low.store)
	serveFrom(t, low, watched)
	provs := make(chan peer.AddrInfo, 2) // left open: discovery still running
	provs <- peer.AddrInfo{ID: low.h.ID()}
	provs <- peer.AddrInfo{ID: good.h.ID()}
	rank := map[peer.ID]float64{low.h.ID(): -60, good.h.ID(): 10}
	st, err := fetchInto(testContext(t, 20*time.Second), nodes[2], s, Job{
		Providers: provs, Rank: func(p peer.ID) float64 { return rank[p] },
	})
	require.NoError(t, err)
	requireComplete(t, nodes[2].store, s, data)
	require.Zero(t, watched.served.Load(), "the low-ranked peer was asked for chunks")
	require.Equal(t, s.Size(), st.PerPeer[good.h.ID()])
}

// A provider of negative rank is asked when nobody else can serve: when
// no other provider is left to come, and when discovery is still open
// but the others hold nothing missing.
func TestFetchUsesLowRankedPeerWhenAlone(t *testing.T) {
	for _, open := range []bool{false, true} {
		t.Run(map[bool]string{false: "discovery done", true: "discovery open"}[open], func(t *testing.T) {
			nodes := newNodes(t, 2, mocknet.LinkOptions{}, WithProgressInterval(20*time.Millisecond))
			s, data := testPackage(t, TestPackage{Files: 1, FileSize: 64 << 10, ChunkSize: 8 << 10, Seed: 51})
			nodes[0].store.Add(s, data)
			provs := make(chan peer.AddrInfo, 1)
			provs <- peer.AddrInfo{ID: nodes[0].h.ID()}
			if !open {
				close(provs)
			}
			st, err := fetchInto(testContext(t, 20*time.Second), nodes[1], s, Job{
				Providers: provs, Rank: func(peer.ID) float64 { return -1 }, StallTimeout: 10 * time.Second,
			})
			require.NoError(t, err)
			requireComplete(t, nodes[1].store, s, data)
			require.Equal(t, s.Size(), st.PerPeer[nodes[0].h.ID()])
		})
	}
}
