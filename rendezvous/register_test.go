package rendezvous

import (
	"context"
	"testing"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/p2psb/p2psb/rendezvous/pb"
)

// recordWithSeq is h's signed peer record with the given seq and address.
func recordWithSeq(t *testing.T, h host.Host, seq uint64, addr string) []byte {
	t.Helper()
	env, err := SignRecord(h.Peerstore().PrivKey(h.ID()),
		peer.AddrInfo{ID: h.ID(), Addrs: []ma.Multiaddr{ma.StringCast(addr)}}, seq, 32)
	require.NoError(t, err)
	return env
}

func TestConformanceRefusesOlderRecord(t *testing.T) {
	c := newConformance(t)
	newer := recordWithSeq(t, c.a, 1001, "/ip4/9.9.9.9/tcp/9")
	older := recordWithSeq(t, c.a, 1000, "/ip4/1.1.1.1/tcp/1")
	conn := dialRaw(t, c.a, c.sh.ID())
	resp := conn.roundTrip(t, registerMsg("app", newer, 0)).GetRegisterResponse()
	require.Equal(t, pb.Message_OK, resp.GetStatus())

	resp = conn.roundTrip(t, registerMsg("app", older, 0)).GetRegisterResponse()
	require.Equal(t, pb.Message_E_INVALID_SIGNED_PEER_RECORD, resp.GetStatus(), "a replayed older record is refused")
	require.NotEmpty(t, resp.GetStatusText())
	regs := c.discover(t, discoverMsg("app", 0, nil)).GetDiscoverResponse().GetRegistrations()
	require.Len(t, regs, 1)
	require.Equal(t, newer, regs[0].GetSignedPeerRecord(), "the newer record stays")

	resp = conn.roundTrip(t, registerMsg("app", newer, 0)).GetRegisterResponse()
	require.Equal(t, pb.Message_OK, resp.GetStatus(), "the same record again is a refresh")
}

func TestImportIgnoresOlderRecord(t *testing.T) {
	c := newConformance(t, WithBackbone())
	imp := func(env []byte) opResult {
		op, err := c.srv.fed.importOp(&pb.Update{Kind: pb.Update_REGISTER.Enum(), Ns: proto.String("app"),
			SignedPeerRecord: env, Ttl: proto.Int64(600)})
		require.NoError(t, err)
		return c.srv.w.submit(context.Background(), op)
	}
	newer := recordWithSeq(t, c.a, 1001, "/ip4/9.9.9.9/tcp/9")
	require.NotNil(t, imp(newer).change)
	res := imp(recordWithSeq(t, c.a, 1000, "/ip4/1.1.1.1/tcp/1"))
	require.NoError(t, res.err, "a backbone peer is not refused for relaying an old record")
	require.Nil(t, res.change, "nothing changed")
	regs := c.discover(t, discoverMsg("app", 0, nil)).GetDiscoverResponse().GetRegistrations()
	require.Len(t, regs, 1)
	require.Equal(t, newer, regs[0].GetSignedPeerRecord())
}
