package node_test

import (
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/host/peerstore/pstoremem"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/internal/nodetest"
	"github.com/p2psb/p2psb/pkgshare/node"
)

func keyID(t *testing.T, seed byte) peer.ID {
	t.Helper()
	id, err := peer.IDFromPrivateKey(nodetest.Key(t, seed))
	require.NoError(t, err)
	return id
}

func TestPeerScoreDecays(t *testing.T) {
	ps := pstoremem.NewPeerMetadata()
	id := keyID(t, 40)
	now := time.Unix(1_800_000_000, 0)
	require.Zero(t, node.PeerScore(ps, id, now), "a peer never scored")
	require.NoError(t, ps.Put(id, node.ScoreKey, -100))
	require.Equal(t, -100.0, node.PeerScore(ps, id, now), "a score without a time does not decay")
	require.NoError(t, ps.Put(id, node.ScoreAtKey, now.Unix()))
	for _, tc := range []struct {
		name  string
		after time.Duration
		want  float64
	}{
		{"at once", 0, -100},
		{"one half-life", node.ScoreHalfLife, -50},
		{"two half-lives", 2 * node.ScoreHalfLife, -25},
		{"a clock that went back", -time.Hour, -100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.InDelta(t, tc.want, node.PeerScore(ps, id, now.Add(tc.after)), 1e-9)
		})
	}
}

// A buddy ranks above every other peer, however it scored; a peer that
// sent a bad chunk ranks below one that did not.
func TestRankPrefersBuddiesThenScore(t *testing.T) {
	n := nodetest.Start(t, 41)
	buddy, bad, plain := keyID(t, 42), keyID(t, 43), keyID(t, 44)
	_, err := n.Peers.AddBuddy(buddy, "b")
	require.NoError(t, err)
	now := time.Now().Unix()
	require.NoError(t, n.Peers.Put(bad, node.ScoreKey, -100))
	require.NoError(t, n.Peers.Put(bad, node.ScoreAtKey, now))
	require.NoError(t, n.Peers.Put(buddy, node.ScoreKey, -100))
	require.NoError(t, n.Peers.Put(buddy, node.ScoreAtKey, now))
	require.Greater(t, n.Rank(buddy), n.Rank(plain))
	require.Greater(t, n.Rank(plain), n.Rank(bad))
	require.Less(t, n.Rank(bad), float64(node.SkipScore))
}
