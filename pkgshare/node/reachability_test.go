package node

import (
	"testing"

	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	"github.com/stretchr/testify/require"
)

func TestBehindNAT(t *testing.T) {
	local := func() ([]ma.Multiaddr, error) {
		return []ma.Multiaddr{ma.StringCast("/ip4/192.168.1.10/tcp/4747"), ma.StringCast("/ip4/11.77.0.20/tcp/4747")}, nil
	}
	for addr, want := range map[string]bool{
		"/ip4/11.77.0.101/tcp/4747": true,  // a router's address: a NAT in between
		"/ip4/11.77.0.20/tcp/5000":  false, // our own address, another port: no NAT
		"/ip4/192.168.1.1/tcp/4747": false, // a private address says nothing
	} {
		require.Equal(t, want, behindNAT(ma.StringCast(addr), local), addr)
	}
}

func TestRelayPeers(t *testing.T) {
	relay := "12D3KooWNFJR6kioZLHwKtRThejNNMfXDX4xMFPvTKfd1yys1YQ7"
	got := relayPeers([]ma.Multiaddr{
		ma.StringCast("/ip4/11.77.0.10/tcp/4001/p2p/" + relay + "/p2p-circuit"),
		ma.StringCast("/ip4/11.77.0.10/udp/4001/quic-v1/p2p/" + relay + "/p2p-circuit"),
		ma.StringCast("/ip4/11.77.0.10/tcp/4001"),
	})
	require.Equal(t, []peer.ID{mustDecode(t, relay)}, got)
}

func mustDecode(t *testing.T, s string) peer.ID {
	t.Helper()
	id, err := peer.Decode(s)
	require.NoError(t, err)
	return id
}

func TestReachabilityStatus(t *testing.T) {
	r := &reachability{changed: make(chan struct{})}
	require.Equal(t, ReachUnknown, r.status().Reachability)
	r.handle(nil, event.EvtLocalReachabilityChanged{Reachability: network.ReachabilityPrivate})
	require.Equal(t, ReachPrivate, r.status().Reachability)
	r.handle(nil, event.EvtHostReachableAddrsChanged{Reachable: []ma.Multiaddr{ma.StringCast("/ip4/11.77.0.20/tcp/4747")}})
	require.Equal(t, ReachPublic, r.status().Reachability, "an address AutoNAT v2 confirmed")
	require.Equal(t, []string{"/ip4/11.77.0.20/tcp/4747"}, r.status().Reachable)
}

// Only an ordinary node that listens reserves relay slots: one that only
// dials is never dialled, and a rendezvous node is a relay itself.
func TestUsesRelays(t *testing.T) {
	rz := []peer.AddrInfo{{ID: "rz"}}
	listen := []string{"/ip4/0.0.0.0/tcp/4747"}
	for name, tc := range map[string]struct {
		opts Options
		rz   []peer.AddrInfo
		want bool
	}{
		"listens, has rendezvous": {Options{Listen: listen}, rz, true},
		"dials only":              {Options{}, rz, false},
		"no rendezvous":           {Options{Listen: listen}, nil, false},
		"is a rendezvous":         {Options{Listen: listen, Rendezvous: true}, rz, false},
	} {
		require.Equal(t, tc.want, usesRelays(tc.opts, tc.rz), name)
	}
}
