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
