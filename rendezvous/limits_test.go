package rendezvous

import (
	"testing"

	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
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
