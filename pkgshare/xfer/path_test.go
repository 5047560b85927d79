package xfer

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A peer reachable only through a relay that carries no data ends the
// fetch once no other peer is left, with an error saying what would help;
// while another peer is in the fetch, the fetch goes on.
func TestNoDirectPathEndsFetch(t *testing.T) {
	fe := schedFixture(t)
	other := schedPeer(fe, "other", 0)
	np := &NoDirectPathError{Peer: peerID("natted"), Relay: "/ip4/11.77.0.10/tcp/4001/p2p-circuit",
		Waited: 15 * time.Second, RelayData: 128 << 10}
	fe.unreachable(np)
	require.NoError(t, fe.verdict(false), "another peer is still fetching")

	require.True(t, fe.banned[np.Peer], "not taken into the fetch again")

	delete(fe.peers, other.id)
	err := fe.verdict(false)
	var got *NoDirectPathError
	require.True(t, errors.As(err, &got), "%v", err)
	require.Contains(t, err.Error(), "symmetric NAT")
	require.Contains(t, err.Error(), "--relay-data-limit")
	require.Contains(t, err.Error(), "port forward")
}
