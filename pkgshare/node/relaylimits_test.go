package node

import (
	"testing"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	"github.com/stretchr/testify/require"
)

// Connections through a relay count against the relay's address: the
// relays are exempt from libp2p's new-connection rate per address, other
// addresses are not.
func TestRelayResourceManager(t *testing.T) {
	rz := peer.AddrInfo{ID: "rz", Addrs: []ma.Multiaddr{ma.StringCast("/ip4/11.77.0.10/tcp/4001")}}
	rm, err := relayResourceManager([]peer.AddrInfo{rz})
	require.NoError(t, err)
	defer rm.Close()
	open := func(addr string, n int) (opened int) {
		for range n {
			s, err := rm.OpenConnection(network.DirInbound, false, ma.StringCast(addr))
			if err != nil {
				return opened
			}
			opened++
			s.Done()
		}
		return opened
	}
	require.Equal(t, 64, open("/ip4/11.77.0.10/tcp/4001/p2p/12D3KooWNFJR6kioZLHwKtRThejNNMfXDX4xMFPvTKfd1yys1YQ7/p2p-circuit", 64))
	require.Less(t, open("/ip4/11.77.0.102/tcp/4747", 64), 64, "another address is rate limited")
}
