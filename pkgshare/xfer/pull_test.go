package xfer

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRefill checks that requests to a peer go out in batches of at least
// an eighth of its window, except when nothing is in flight.
func TestRefill(t *testing.T) {
	s, _ := testPackage(t, TestPackage{Files: 1, FileSize: 100 * 1000, ChunkSize: 1000, Seed: 61})
	n := len(Chunks(&s.Manifest))
	require.GreaterOrEqual(t, n, 80)
	for _, tc := range []struct {
		name          string
		window, asked int
		busy          bool
		picks         int
	}{
		{name: "nothing in flight", window: 64, asked: 0, picks: 64},
		{name: "an eighth free", window: 64, asked: 56, picks: 8},
		{name: "less than an eighth free", window: 64, asked: 57, busy: true},
		{name: "window full", window: 8, asked: 8, busy: true},
		{name: "small window, one free", window: 2, asked: 1, picks: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := NewMemStore()
			st.Add(s, nil)
			fe, err := newFetch(context.Background(), &Fetcher{cfg: defaultConfig()}, Job{Version: s, Sink: st.Sink(s.ID)})
			require.NoError(t, err)
			defer fe.cancel()
			p := &peerState{id: "src", have: FullBitfield(n), asked: map[int]struct{}{}, window: tc.window, wake: make(chan struct{}, 1)}
			for i := range tc.asked {
				p.asked[i] = struct{}{}
				fe.st[i].req++
			}
			batch, busy := fe.refill(p)
			require.Equal(t, tc.busy, busy)
			require.Len(t, batch, tc.picks)
		})
	}
}
