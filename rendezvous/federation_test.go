package rendezvous

import (
	"bytes"
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/p2psb/p2psb/rendezvous/pb"
)

// waitBackbone waits until every server exchanges updates with want peers.
func waitBackbone(t *testing.T, want int, servers ...*Server) {
	t.Helper()
	require.Eventually(t, func() bool {
		for _, s := range servers {
			if len(s.BackbonePeers()) < want {
				return false
			}
		}
		return true
	}, 10*time.Second, 5*time.Millisecond, "backbone did not form")
}

// seenWithin polls a client of one rendezvous until pred holds for what it
// finds in ns, and fails after d.
func seenWithin(t *testing.T, c *Client, ns string, d time.Duration, pred func([]Found) bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		found, err := c.Discover(context.Background(), ns, 0)
		if err == nil && pred(found) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not seen within %v: %v (err %v)", d, found, err)
		}
	}
}

func has(id peer.ID) func([]Found) bool {
	return func(found []Found) bool {
		for _, f := range found {
			if f.ID == id {
				return true
			}
		}
		return false
	}
}

func not(pred func([]Found) bool) func([]Found) bool {
	return func(found []Found) bool { return !pred(found) }
}

func TestFederationThreeNodes(t *testing.T) {
	n := newTestNet(t)
	keyC, _, err := crypto.GenerateEd25519Key(rand.Reader)
	require.NoError(t, err)
	ha, hb, hc := n.host(t), n.host(t), n.hostWithKey(t, keyC)
	dbC, _ := tempDB(t)
	sa := n.server(t, ha, WithBackbone())
	sb := n.server(t, hb, WithBackbone(infoOf(ha)))
	sc := n.serverOnDB(t, hc, dbC, WithBackbone(infoOf(ha), infoOf(hb)))
	waitBackbone(t, 2, sa, sb, sc)

	clientOf := func(h host.Host) *Client { return n.client(t, n.host(t), []peer.AddrInfo{infoOf(h)}) }
	atA, atB, atC := clientOf(ha), clientOf(hb), clientOf(hc)
	ctx := context.Background()

	// A registration at one is discoverable at the other two within 1 s.
	_, err = atA.Advertise(ctx, "app")
	require.NoError(t, err)
	seenWithin(t, atB, "app", time.Second, has(atA.h.ID()))
	seenWithin(t, atC, "app", time.Second, has(atA.h.ID()))

	// With C down, the others keep sharing.
	require.NoError(t, sc.Close())
	require.NoError(t, hc.Close())
	_, err = atB.Advertise(ctx, "app")
	require.NoError(t, err)
	seenWithin(t, atA, "app", time.Second, has(atB.h.ID()))
	require.NoError(t, atA.Unregister(ctx, "app"))
	seenWithin(t, atB, "app", time.Second, not(has(atA.h.ID())))

	// C restarts on the same database and catches up with what it missed:
	// B's registration and A's unregistration.
	hc2 := n.hostWithKey(t, keyC)
	n.serverOnDB(t, hc2, dbC, WithBackbone(infoOf(ha), infoOf(hb)))
	atC2 := clientOf(hc2)
	seenWithin(t, atC2, "app", 5*time.Second, func(f []Found) bool { return has(atB.h.ID())(f) && !has(atA.h.ID())(f) })
}

func TestFederationRejectsUnverifiedUpdates(t *testing.T) {
	n := newTestNet(t)
	srv := n.server(t, n.host(t), WithBackbone())
	a, b := n.host(t), n.host(t)
	cases := []struct {
		name string
		u    *pb.Update
	}{
		{"forged record", &pb.Update{Kind: pb.Update_REGISTER.Enum(), Ns: proto.String("app"),
			SignedPeerRecord: forgeRecord(t, b.Peerstore().PrivKey(b.ID()), a.ID()), Ttl: proto.Int64(60)}},
		{"no ttl", &pb.Update{Kind: pb.Update_REGISTER.Enum(), Ns: proto.String("app"), SignedPeerRecord: signed(t, a)}},
		{"empty namespace", &pb.Update{Kind: pb.Update_REGISTER.Enum(), SignedPeerRecord: signed(t, a), Ttl: proto.Int64(60)}},
		{"garbage record", &pb.Update{Kind: pb.Update_UNREGISTER.Enum(), Ns: proto.String("app"), SignedPeerRecord: []byte{1}}},
		{"unknown kind", &pb.Update{Kind: pb.Update_Kind(7).Enum(), Ns: proto.String("app"), SignedPeerRecord: signed(t, a)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := srv.fed.importOp(tc.u)
			require.Error(t, err)
		})
	}
	op, err := srv.fed.importOp(&pb.Update{Kind: pb.Update_REGISTER.Enum(), Ns: proto.String("app"),
		SignedPeerRecord: signed(t, a), Ttl: proto.Int64(1 << 40)})
	require.NoError(t, err)
	require.Equal(t, MaxTTL, op.expires.Sub(n.clk.Now()), "a backbone TTL is capped")
}

// FuzzSyncBatch feeds arbitrary catch-up frames to the decoder and to the
// update checks a receiving server runs; neither may panic.
func FuzzSyncBatch(f *testing.F) {
	key, _, err := crypto.GenerateEd25519Key(rand.Reader)
	require.NoError(f, err)
	id, err := peer.IDFromPrivateKey(key)
	require.NoError(f, err)
	env, err := SignRecord(key, peer.AddrInfo{ID: id}, 1, 32)
	require.NoError(f, err)
	f.Add(frame(f, &pb.SyncBatch{Done: proto.Bool(true), Updates: []*pb.Update{
		{Kind: pb.Update_REGISTER.Enum(), Ns: proto.String("app"), SignedPeerRecord: env, Ttl: proto.Int64(60), Seq: proto.Uint64(3)},
		{Kind: pb.Update_UNREGISTER.Enum(), Ns: proto.String("app"), SignedPeerRecord: env, Seq: proto.Uint64(4)},
	}}))
	f.Add(frame(f, &pb.SyncRequest{Cursor: proto.Uint64(9)}))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	fed := &federation{s: &Server{cfg: defaultConfig(), verifier: &verifier{maxAddrs: 32}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newMsgReader(bytes.NewReader(data), maxSyncFrame)
		var b pb.SyncBatch
		if r.read(&b) != nil {
			return
		}
		for _, u := range b.GetUpdates() {
			if op, err := fed.importOp(u); err == nil {
				require.Equal(t, u.GetNs(), op.ns)
			}
		}
	})
}
