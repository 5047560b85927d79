package rendezvous

import (
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/protocol"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
	"github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/relay"
	"github.com/stretchr/testify/require"
)

func TestResourceLimits(t *testing.T) {
	base := rcmgr.DefaultLimits.AutoScale()
	raised := ResourceLimits(base).ToPartialLimitConfig()
	require.GreaterOrEqual(t, int(raised.System.ConnsInbound), 8192)
	require.GreaterOrEqual(t, int(raised.Transient.Conns), 1024)
	require.GreaterOrEqual(t, int(raised.Protocol[ProtocolID].StreamsInbound), 8192)

	rm, err := NewResourceManager(DefaultConnsPerIP)
	require.NoError(t, err)
	require.NoError(t, rm.Close())
}

func TestNodeOptionsServeRelay(t *testing.T) {
	opts, err := NodeOptions(DefaultConnsPerIP, 0)
	require.NoError(t, err)
	h, err := libp2p.New(append(opts, libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"))...)
	require.NoError(t, err)
	defer h.Close()
	hop := protocol.ID("/libp2p/circuit/relay/0.2.0/hop")
	require.Eventually(t, func() bool {
		for _, p := range h.Mux().Protocols() {
			if p == hop {
				return true
			}
		}
		return false
	}, 10*time.Second, 10*time.Millisecond, "the relay service runs")
}

func TestRelayResources(t *testing.T) {
	def := RelayResources(0)
	require.NotNil(t, def.Limit)
	require.Equal(t, relay.DefaultLimit().Data, def.Limit.Data, "no data budget by default")
	withData := RelayResources(64 << 20)
	require.Equal(t, int64(64<<20), withData.Limit.Data)
	require.Greater(t, withData.Limit.Duration, def.Limit.Duration)
	require.Greater(t, withData.BufferSize, def.BufferSize)
}
