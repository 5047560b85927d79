package node

import (
	"testing"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	"github.com/stretchr/testify/require"
)

// A provider is sent again only with an address it was not sent with: a
// ticket's stale address first, then the one a rendezvous knows now.
func TestSentPeers(t *testing.T) {
	self, other := peer.ID("self"), peer.ID("other")
	stale, now := ma.StringCast("/ip4/127.0.0.1/tcp/1000"), ma.StringCast("/ip4/127.0.0.1/tcp/2000")
	s := newSentPeers(self)
	for _, tc := range []struct {
		name string
		ai   peer.AddrInfo
		want bool
	}{
		{"the node itself", peer.AddrInfo{ID: self, Addrs: []ma.Multiaddr{now}}, false},
		{"first time", peer.AddrInfo{ID: other, Addrs: []ma.Multiaddr{stale}}, true},
		{"same address", peer.AddrInfo{ID: other, Addrs: []ma.Multiaddr{stale}}, false},
		{"no address", peer.AddrInfo{ID: other}, false},
		{"a new address", peer.AddrInfo{ID: other, Addrs: []ma.Multiaddr{stale, now}}, true},
		{"both known", peer.AddrInfo{ID: other, Addrs: []ma.Multiaddr{now, stale}}, false},
	} {
		require.Equal(t, tc.want, s.fresh(tc.ai), tc.name)
	}
}
