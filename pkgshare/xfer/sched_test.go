package xfer

import (
	"context"
	"testing"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/stretchr/testify/require"
)

// schedFixture is a fetch of 8 chunks with no network behind it.
func schedFixture(t *testing.T) *fetch {
	t.Helper()
	s, _ := testPackage(t, TestPackage{Files: 1, FileSize: 80, ChunkSize: 10, Seed: 60})
	st := NewMemStore()
	st.Add(s, nil)
	fe, err := newFetch(context.Background(), &Fetcher{cfg: defaultConfig()}, Job{Version: s, Sink: st.Sink(s.ID)})
	require.NoError(t, err)
	t.Cleanup(fe.cancel)
	return fe
}

func schedPeer(fe *fetch, id string, has ...int) *peerState {
	p := &peerState{id: peerID(id), have: NewBitfield(len(fe.chunks)), asked: map[int]struct{}{}, wake: make(chan struct{}, 1), window: 8}
	for _, i := range has {
		p.have.Set(i)
		fe.avail[i]++
	}
	fe.peers[p.id] = p
	return p
}

func TestPickRarestFirst(t *testing.T) {
	fe := schedFixture(t)
	all := []int{0, 1, 2, 3, 4, 5, 6, 7}
	p := schedPeer(fe, "p", all...)
	schedPeer(fe, "q", 0, 2, 4, 6) // chunks 1, 3, 5, 7 are rarer
	got := fe.pick(p)
	require.ElementsMatch(t, []int{1, 3, 5, 7}, got)
	require.ElementsMatch(t, []int{0, 2, 4, 6}, fe.pick(p), "then the rest")
	require.Empty(t, fe.pick(p), "nothing left to request")
}

func TestPickEndgameNewestFirst(t *testing.T) {
	fe := schedFixture(t)
	all := []int{0, 1, 2, 3, 4, 5, 6, 7}
	slow := schedPeer(fe, "slow", all...)
	fast := schedPeer(fe, "fast", all...)
	first := fe.pick(slow) // every chunk now requested from slow
	require.Len(t, first, 8)
	require.Equal(t, fe.remaining, fe.busy, "endgame: all missing chunks are requested")
	got := fe.pick(fast)
	require.Equal(t, []int{first[7], first[6]}, got, "duplicates of the last requests, at most endgameMax")
	require.Empty(t, fe.pick(fast), "no more duplicates while two are outstanding")
}

func TestReceivedDuplicateDiscarded(t *testing.T) {
	fe := schedFixture(t)
	a := schedPeer(fe, "a", 0)
	b := schedPeer(fe, "b", 0)
	fe.remaining = 1 // only chunk 0 is missing
	for i := 1; i < 8; i++ {
		fe.st[i].done = true
	}
	require.Equal(t, []int{0}, fe.pick(a))
	require.Equal(t, []int{0}, fe.pick(b), "endgame duplicate")
	require.True(t, fe.received(a, 0, 10), "the first copy is verified")
	require.False(t, fe.received(b, 0, 10), "the second is not")
	fe.verified(a, 0, false)
	require.Equal(t, 0, fe.remaining)
	require.Equal(t, 0, fe.busy)
}

func peerID(s string) peer.ID { return peer.ID(s) }
