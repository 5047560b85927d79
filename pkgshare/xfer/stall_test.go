package xfer

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	mocknet "github.com/libp2p/go-libp2p/p2p/net/mock"
	"github.com/stretchr/testify/require"
)

// The only seeder goes away mid-fetch while discovery is still open: the
// fetch reports that it is looking for peers, then ends within its stall
// timeout with a StallError naming the seeder and why it failed.
func TestFetchStallsWithoutSources(t *testing.T) {
	nodes := newNodes(t, 2, mocknet.LinkOptions{Latency: time.Millisecond, Bandwidth: 1 << 20},
		WithProgressInterval(20*time.Millisecond), WithRequestTimeout(time.Second))
	s, data := testPackage(t, TestPackage{Files: 1, FileSize: 1 << 20, ChunkSize: 16 << 10, Seed: 40})
	nodes[0].store.Add(s, data)
	watched := newFaultyStore(nodes[0].store)
	serveFrom(t, nodes[0], watched)
	go func() {
		<-watched.first
		_ = nodes[0].srv.Close()
		_ = nodes[0].h.Close()
	}()
	provs := make(chan peer.AddrInfo, 1) // never closed: discovery still running
	provs <- peer.AddrInfo{ID: nodes[0].h.ID()}
	var looked atomic.Bool
	const stall = 300 * time.Millisecond
	start := time.Now()
	st, err := fetchInto(testContext(t, 20*time.Second), nodes[1], s, Job{
		Providers: provs, StallTimeout: stall,
		Progress: func(p Progress) {
			if p.Looking {
				looked.Store(true)
			}
		},
	})
	require.ErrorIs(t, err, ErrStalled)
	var se *StallError
	require.True(t, errors.As(err, &se))
	require.Len(t, se.Tried, 1)
	require.Equal(t, nodes[0].h.ID(), se.Tried[0].Peer)
	require.NotEmpty(t, se.Tried[0].Reason)
	require.Positive(t, se.Missing)
	require.Contains(t, err.Error(), nodes[0].h.ID().String())
	require.Less(t, st.Bytes, s.Size())
	require.True(t, looked.Load(), "progress says the fetch is looking for peers")
	require.Less(t, time.Since(start), 10*time.Second)
}

// A stall timeout does not end a fetch whose source is slow but there.
func TestFetchSlowSourceDoesNotStall(t *testing.T) {
	nodes := newNodes(t, 2, mocknet.LinkOptions{Latency: 5 * time.Millisecond, Bandwidth: 1 << 20},
		WithProgressInterval(10*time.Millisecond))
	s, data := testPackage(t, TestPackage{Files: 1, FileSize: 512 << 10, ChunkSize: 16 << 10, Seed: 41})
	nodes[0].store.Add(s, data)
	provs := make(chan peer.AddrInfo, 1)
	provs <- peer.AddrInfo{ID: nodes[0].h.ID()}
	_, err := fetchInto(testContext(t, 20*time.Second), nodes[1], s, Job{Providers: provs, StallTimeout: time.Nanosecond})
	require.NoError(t, err)
	requireComplete(t, nodes[1].store, s, data)
}
