package ticket_test

import (
	"testing"

	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/ticket"
)

func TestDialableAddrs(t *testing.T) {
	relayed := "/ip4/203.0.113.7/tcp/4001/p2p/" + rzNode + "/p2p-circuit"
	got := ticket.DialableAddrs([]ma.Multiaddr{
		ma.StringCast("/ip4/127.0.0.1/tcp/4747"),
		ma.StringCast("/ip4/192.168.1.5/tcp/4747"),
		ma.StringCast(relayed),
		ma.StringCast("/ip4/1.2.3.4/udp/4747/quic-v1"),
		ma.StringCast("/ip4/127.0.0.1/tcp/0"),
		ma.StringCast("/ip4/127.0.0.1/tcp/4747"),
	})
	require.Equal(t, []string{
		"/ip4/1.2.3.4/udp/4747/quic-v1", relayed, "/ip4/192.168.1.5/tcp/4747", "/ip4/127.0.0.1/tcp/4747",
	}, strs(got), "public, relayed, private, loopback; port 0 and duplicates dropped")
}

func TestDialableAddrsExpandsUnspecified(t *testing.T) {
	got := ticket.DialableAddrs([]ma.Multiaddr{ma.StringCast("/ip4/0.0.0.0/tcp/4747")})
	require.NotEmpty(t, got, "every machine has a loopback interface")
	for _, a := range got {
		require.False(t, manet.IsIPUnspecified(a), a)
		port, err := a.ValueForProtocol(ma.P_TCP)
		require.NoError(t, err)
		require.Equal(t, "4747", port)
	}
	require.Contains(t, strs(got), "/ip4/127.0.0.1/tcp/4747")
}

func strs(addrs []ma.Multiaddr) []string {
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a.String()
	}
	return out
}
