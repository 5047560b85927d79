package node_test

import (
	"context"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/record"
	"github.com/libp2p/go-msgio/pbio"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/p2psb/p2psb/pkgshare/internal/nodetest"
	"github.com/p2psb/p2psb/pkgshare/node"
	"github.com/p2psb/p2psb/rendezvous"
	"github.com/p2psb/p2psb/rendezvous/pb"
)

// TestAnnounceTTL: a node with AnnounceTTL registers for that long, so a
// killed short-lived node is not offered for the rendezvous default of 2 h.
func TestAnnounceTTL(t *testing.T) {
	ctx := context.Background()
	rz := nodetest.StartWith(t, nodetest.Key(t, 1), node.Options{Rendezvous: true})
	rzAddr := []string{rz.Addrs()[0].String()}
	for _, tc := range []struct {
		name     string
		ttl      time.Duration
		min, max time.Duration
	}{
		{"default", 0, rendezvous.DefaultTTL - time.Minute, rendezvous.DefaultTTL},
		{"short", 3 * time.Minute, 2 * time.Minute, 3 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := nodetest.StartWith(t, nodetest.Key(t, 2), node.Options{RendezvousPeers: rzAddr, AnnounceTTL: tc.ttl})
			ns := "ttl-" + tc.name
			require.NoError(t, n.Announce(ctx, ns))
			got := discoverTTL(t, rz, ns, n.Host.ID())
			require.GreaterOrEqual(t, got, tc.min)
			require.LessOrEqual(t, got, tc.max)
		})
	}
}

// discoverTTL asks the rendezvous node rz, over the spec wire, for the TTL
// left of id's registration in ns.
func discoverTTL(t *testing.T, rz *node.Node, ns string, id peer.ID) time.Duration {
	t.Helper()
	h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"))
	require.NoError(t, err)
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, h.Connect(ctx, peer.AddrInfo{ID: rz.Host.ID(), Addrs: rz.Addrs()}))
	s, err := h.NewStream(ctx, rz.Host.ID(), rendezvous.ProtocolID)
	require.NoError(t, err)
	defer s.Close()
	req := &pb.Message{Type: pb.Message_DISCOVER.Enum(), Discover: &pb.Message_Discover{Ns: proto.String(ns)}}
	require.NoError(t, pbio.NewDelimitedWriter(s).WriteMsg(req))
	var resp pb.Message
	require.NoError(t, pbio.NewDelimitedReader(s, 1<<20).ReadMsg(&resp))
	for _, r := range resp.GetDiscoverResponse().GetRegistrations() {
		_, rec, err := record.ConsumeEnvelope(r.GetSignedPeerRecord(), peer.PeerRecordEnvelopeDomain)
		require.NoError(t, err)
		if rec.(*peer.PeerRecord).PeerID == id {
			return time.Duration(r.GetTtl()) * time.Second
		}
	}
	t.Fatalf("%s is not registered in %s", id, ns)
	return 0
}
