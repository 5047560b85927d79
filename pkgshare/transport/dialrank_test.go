package transport

import (
	"testing"

	ma "github.com/multiformats/go-multiaddr"
	"github.com/stretchr/testify/require"
)

func TestTCPFirst(t *testing.T) {
	addrs := []ma.Multiaddr{
		ma.StringCast("/ip4/127.0.0.1/udp/4747/quic-v1"),
		ma.StringCast("/ip4/127.0.0.1/tcp/4747"),
		ma.StringCast("/ip4/192.0.2.1/udp/4747/quic-v1"),
	}
	ranked := TCPFirst(addrs)
	require.Len(t, ranked, 3)
	require.Equal(t, "/ip4/127.0.0.1/tcp/4747", ranked[0].Addr.String())
	require.Zero(t, ranked[0].Delay)
	for _, d := range ranked[1:] {
		require.GreaterOrEqual(t, d.Delay, quicAfterTCP, d.Addr.String())
	}
	// Without TCP, go-libp2p's own order stands.
	only := TCPFirst(addrs[:1])
	require.Len(t, only, 1)
	require.Zero(t, only[0].Delay)
}
