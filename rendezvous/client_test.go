package rendezvous

import (
	"context"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/discovery"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/p2psb/p2psb/rendezvous/pb"
)

func infoOf(h host.Host) peer.AddrInfo { return peer.AddrInfo{ID: h.ID(), Addrs: h.Addrs()} }

func (n *testNet) client(t *testing.T, h host.Host, servers []peer.AddrInfo, opts ...Option) *Client {
	t.Helper()
	c, err := NewClient(h, servers, append([]Option{WithClock(n.clk)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func collect(t *testing.T, ch <-chan peer.AddrInfo) []peer.ID {
	t.Helper()
	var out []peer.ID
	for ai := range ch {
		out = append(out, ai.ID)
	}
	return out
}

func TestClientAdvertiseFindPeersTwoServers(t *testing.T) {
	n := newTestNet(t)
	s1, s2, a, b := n.host(t), n.host(t), n.host(t), n.host(t)
	n.server(t, s1)
	n.server(t, s2)
	servers := []peer.AddrInfo{infoOf(s1), infoOf(s2)}
	ca, cb := n.client(t, a, servers), n.client(t, b, servers)
	ctx := context.Background()

	ttl, err := ca.Advertise(ctx, "app", discovery.TTL(10*time.Minute))
	require.NoError(t, err)
	require.Equal(t, 10*time.Minute, ttl)

	found, err := cb.Discover(ctx, "app", 0)
	require.NoError(t, err)
	require.Len(t, found, 1)
	require.Equal(t, a.ID(), found[0].ID)
	require.ElementsMatch(t, []peer.ID{s1.ID(), s2.ID()}, found[0].Rendezvous)
	require.Equal(t, a.Addrs(), found[0].Addrs)

	ch, err := ca.FindPeers(ctx, "app")
	require.NoError(t, err)
	require.Empty(t, collect(t, ch), "FindPeers leaves out the host itself")
	ch, err = cb.FindPeers(ctx, "app", discovery.Limit(5))
	require.NoError(t, err)
	require.Equal(t, []peer.ID{a.ID()}, collect(t, ch))

	require.NoError(t, ca.Unregister(ctx, "app"))
	found, err = cb.Discover(ctx, "app", 0)
	require.NoError(t, err)
	require.Empty(t, found)
}

func TestClientSurvivesOneServerDown(t *testing.T) {
	n := newTestNet(t)
	s1, s2, a := n.host(t), n.host(t), n.host(t)
	n.server(t, s1)
	srv2 := n.server(t, s2)
	require.NoError(t, srv2.Close())
	ca := n.client(t, a, []peer.AddrInfo{infoOf(s1), infoOf(s2)})

	_, err := ca.Advertise(context.Background(), "app")
	require.NoError(t, err, "one rendezvous accepting is enough")
	found, err := ca.Discover(context.Background(), "app", 0)
	require.NoError(t, err)
	require.Len(t, found, 1)
	require.Equal(t, []peer.ID{s1.ID()}, found[0].Rendezvous)

	none := n.client(t, a, []peer.AddrInfo{infoOf(s2)})
	_, err = none.Advertise(context.Background(), "app")
	require.Error(t, err)
	_, err = none.Discover(context.Background(), "app", 0)
	require.ErrorIs(t, err, ErrNoRendezvous)
}

func TestClientReregistersBeforeTTL(t *testing.T) {
	n := newTestNet(t)
	s, a, b := n.host(t), n.host(t), n.host(t)
	n.server(t, s)
	ca := n.client(t, a, []peer.AddrInfo{infoOf(s)})
	cb := n.client(t, b, []peer.AddrInfo{infoOf(s)})
	ctx := context.Background()

	_, err := ca.Advertise(ctx, "app", discovery.TTL(10*time.Minute))
	require.NoError(t, err)
	first, err := cb.Discover(ctx, "app", 0)
	require.NoError(t, err)
	require.Len(t, first, 1)

	// Step the fake clock; the registration must be renewed before it
	// expires at 10 minutes, and stay discoverable past that.
	start := n.clk.Now()
	require.Eventually(t, func() bool {
		n.clk.Add(30 * time.Second)
		got, err := cb.Discover(ctx, "app", 0)
		left := 10*time.Minute - n.clk.Now().Sub(start)
		return err == nil && len(got) == 1 && got[0].TTL > left+time.Minute
	}, 10*time.Second, time.Millisecond, "the TTL is renewed")
	require.Less(t, n.clk.Now().Sub(start), 10*time.Minute)
	n.clk.Add(9 * time.Minute)
	got, err := cb.Discover(ctx, "app", 0)
	require.NoError(t, err)
	require.Len(t, got, 1, "renewed registration outlives the first TTL")
}

func TestLocateAndListRendezvous(t *testing.T) {
	n := newTestNet(t)
	s, a, b := n.host(t), n.host(t), n.host(t)
	n.server(t, s, WithSelfRegistration())
	servers := []peer.AddrInfo{infoOf(s)}
	ca, cb := n.client(t, a, servers), n.client(t, b, servers)
	ctx := context.Background()

	_, err := cb.Locate(ctx, a.ID())
	require.ErrorIs(t, err, ErrNotFound)
	_, err = ca.Advertise(ctx, NodeNamespace(a.ID()))
	require.NoError(t, err)
	loc, err := cb.Locate(ctx, a.ID())
	require.NoError(t, err)
	require.Equal(t, a.ID(), loc.ID)
	require.Equal(t, a.Addrs(), loc.Addrs)
	require.Equal(t, []peer.ID{s.ID()}, loc.Rendezvous)

	require.Eventually(t, func() bool {
		list, err := cb.ListRendezvous(ctx)
		return err == nil && len(list) == 1 && len(list[0].Rendezvous) == 1
	}, 5*time.Second, 5*time.Millisecond, "the server registers itself")
	list, err := cb.ListRendezvous(ctx)
	require.NoError(t, err)
	require.Equal(t, s.ID(), list[0].ID)
	require.Equal(t, s.Addrs(), list[0].Addrs)
}

// TestClientDistrustsServer runs a lying rendezvous: the client keeps only
// records that verify, belong to the namespace and have few addresses, caps
// TTLs and counts, and never believes a longer TTL than it asked for.
func TestClientDistrustsServer(t *testing.T) {
	n := newTestNet(t)
	liar, a, good, other := n.host(t), n.host(t), n.host(t), n.host(t)
	manyAddrs := infoOf(other)
	for i := 0; i < 40; i++ {
		manyAddrs.Addrs = append(manyAddrs.Addrs, ma.StringCast("/ip4/1.2.3.4/tcp/"+itoa(1000+i)))
	}
	tooMany, err := SignRecord(other.Peerstore().PrivKey(other.ID()), manyAddrs, 0, 100)
	require.NoError(t, err)
	forged := forgeRecord(t, other.Peerstore().PrivKey(other.ID()), good.ID())
	regs := []*pb.Message_Register{
		{Ns: proto.String("app"), SignedPeerRecord: signed(t, good), Ttl: proto.Int64(1 << 40)},
		{Ns: proto.String("app"), SignedPeerRecord: forged, Ttl: proto.Int64(60)},
		{Ns: proto.String("app"), SignedPeerRecord: tooMany, Ttl: proto.Int64(60)},
		{Ns: proto.String("elsewhere"), SignedPeerRecord: signed(t, other), Ttl: proto.Int64(60)},
		{Ns: proto.String("app"), SignedPeerRecord: []byte("garbage"), Ttl: proto.Int64(60)},
	}
	liar.SetStreamHandler(ProtocolID, func(s network.Stream) {
		defer s.Close()
		r := newMsgReader(s, maxRequestSize)
		var req pb.Message
		if r.read(&req) != nil {
			s.Reset()
			return
		}
		resp := &pb.Message{Type: pb.Message_REGISTER_RESPONSE.Enum(), RegisterResponse: &pb.Message_RegisterResponse{
			Status: pb.Message_OK.Enum(), Ttl: proto.Int64(1 << 40)}}
		if req.GetType() == pb.Message_DISCOVER {
			resp = &pb.Message{Type: pb.Message_DISCOVER_RESPONSE.Enum(), DiscoverResponse: &pb.Message_DiscoverResponse{
				Status: pb.Message_OK.Enum(), Registrations: regs}}
		}
		_ = writeMsg(s, resp)
	})
	ca := n.client(t, a, []peer.AddrInfo{infoOf(liar)})
	ttl, err := ca.Advertise(context.Background(), "app", discovery.TTL(5*time.Minute))
	require.NoError(t, err)
	require.Equal(t, 5*time.Minute, ttl, "a longer granted TTL than asked is not believed")

	found, err := ca.Discover(context.Background(), "app", 0)
	require.NoError(t, err)
	require.Len(t, found, 1)
	require.Equal(t, good.ID(), found[0].ID)
	require.Equal(t, MaxTTL, found[0].TTL)

	capped := n.client(t, a, []peer.AddrInfo{infoOf(liar)}, WithMaxPeers(1))
	regs = append(regs, &pb.Message_Register{Ns: proto.String("app"), SignedPeerRecord: signed(t, other)})
	found, err = capped.Discover(context.Background(), "app", 0)
	require.NoError(t, err)
	require.Len(t, found, 1)
}

// forgeRecord returns a peer record claiming to be id, signed by key.
func forgeRecord(t *testing.T, key crypto.PrivKey, id peer.ID) []byte {
	t.Helper()
	rec := peer.PeerRecordFromAddrInfo(peer.AddrInfo{ID: id, Addrs: []ma.Multiaddr{ma.StringCast("/ip4/1.2.3.4/tcp/1")}})
	env, err := sealAs(rec, key)
	require.NoError(t, err)
	return env
}
