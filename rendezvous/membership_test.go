package rendezvous

import (
	"bytes"
	"context"
	"crypto/rand"
	"slices"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/p2psb/p2psb/peerstore/sqlitedb"
	"github.com/p2psb/p2psb/rendezvous/pb"
)

// meshed waits until each server exchanges backbone updates with the
// other's host.
func meshed(t *testing.T, a *Server, ha host.Host, b *Server, hb host.Host) {
	t.Helper()
	require.Eventually(t, func() bool {
		return slices.Contains(a.BackbonePeers(), hb.ID()) && slices.Contains(b.BackbonePeers(), ha.ID())
	}, 10*time.Second, 5*time.Millisecond, "%s and %s did not mesh", ha.ID(), hb.ID())
}

// TestFederationOutlivesItsFirstNode: B and C know only A at start. They
// learn of each other from A, so that with A down they still share, and a
// restarted A catches up from them although nobody told it of them.
func TestFederationOutlivesItsFirstNode(t *testing.T) {
	n := newTestNet(t)
	keyA, _, err := crypto.GenerateEd25519Key(rand.Reader)
	require.NoError(t, err)
	ha, hb, hc := n.hostWithKey(t, keyA), n.host(t), n.host(t)
	dbA, _ := tempDB(t)
	sa := n.serverOnDB(t, ha, dbA, WithBackbone())
	sb := n.server(t, hb, WithBackbone(infoOf(ha)))
	sc := n.server(t, hc, WithBackbone(infoOf(ha)))
	meshed(t, sa, ha, sb, hb)
	meshed(t, sa, ha, sc, hc)
	meshed(t, sb, hb, sc, hc)

	require.NoError(t, sa.Close())
	require.NoError(t, ha.Close())
	clientOf := func(h host.Host) *Client { return n.client(t, n.host(t), []peer.AddrInfo{infoOf(h)}) }
	atB, atC := clientOf(hb), clientOf(hc)
	_, err = atB.Advertise(context.Background(), "app")
	require.NoError(t, err)
	seenWithin(t, atC, "app", 5*time.Second, has(atB.h.ID()))

	// A comes back at another address, with no backbone peers given.
	ha2 := n.hostWithKey(t, keyA)
	n.serverOnDB(t, ha2, dbA, WithBackbone())
	seenWithin(t, clientOf(ha2), "app", 10*time.Second, has(atB.h.ID()))
}

// testMember is a backbone member's identity for membership tests.
type testMember struct {
	key crypto.PrivKey
	id  peer.ID
}

func newTestMember(t testing.TB) testMember {
	t.Helper()
	key, _, err := crypto.GenerateEd25519Key(rand.Reader)
	require.NoError(t, err)
	id, err := peer.IDFromPrivateKey(key)
	require.NoError(t, err)
	return testMember{key: key, id: id}
}

// record returns m's record signed at the given time, at one address.
func (m testMember) record(t testing.TB, at time.Time) signedRecord {
	t.Helper()
	info := peer.AddrInfo{ID: m.id, Addrs: []ma.Multiaddr{ma.StringCast("/ip4/192.0.2.1/tcp/4001")}}
	raw, err := SignRecord(m.key, info, uint64(at.UnixNano()), 32)
	require.NoError(t, err)
	rec, err := verifyRecord(raw, 32)
	require.NoError(t, err)
	return rec
}

func TestMemberList(t *testing.T) {
	n := newTestNet(t)
	db, _ := tempDB(t)
	require.NoError(t, sqlitedb.Migrate(context.Background(), db, schema))
	ctx := context.Background()
	self, a, b, c := newTestMember(t), newTestMember(t), newTestMember(t), newTestMember(t)
	open := func() *memberList {
		l, err := loadMembers(ctx, db, newVerifier(32), self.id, 2, n.clk.Now)
		require.NoError(t, err)
		return l
	}
	l := open()
	now := n.clk.Now()
	learn := func(m testMember, at time.Time) bool {
		t.Helper()
		isNew, err := l.learn(ctx, m.record(t, at))
		require.NoError(t, err)
		return isNew
	}

	require.False(t, learn(self, now), "a server is not its own member")
	require.False(t, learn(a, now.Add(-memberExpiry-time.Minute)), "a record older than the expiry")
	require.True(t, learn(a, now.Add(-time.Hour)))
	require.False(t, learn(a, now.Add(-2*time.Hour)), "an older record of a known member")
	require.False(t, learn(a, now.Add(-time.Minute)), "a newer record of a known member")
	require.WithinDuration(t, now.Add(-time.Minute), l.byPeer[a.id].seen, 0)
	require.True(t, learn(b, now.Add(-2*time.Hour)))

	// Full: c, heard of more recently than b, takes b's place; a record
	// older than every member's does not get in.
	require.False(t, learn(c, now.Add(-3*time.Hour)))
	require.True(t, learn(c, now))
	require.ElementsMatch(t, []peer.ID{a.id, c.id}, l.peers())
	require.Equal(t, [][]byte{l.byPeer[c.id].rec.raw, l.byPeer[a.id].rec.raw}, l.records(maxMembersBytes), "freshest first")
	require.Len(t, l.records(len(l.byPeer[c.id].rec.raw)+8), 1, "records stop at the byte bound")

	// The list survives a restart; a member not heard of for the expiry is
	// forgotten, at load or when asked for.
	require.ElementsMatch(t, []peer.ID{a.id, c.id}, open().peers())
	n.clk.Add(memberExpiry)
	live, err := l.live(ctx, a.id)
	require.NoError(t, err)
	require.False(t, live)
	live, err = l.live(ctx, c.id)
	require.NoError(t, err)
	require.True(t, live)
	n.clk.Add(time.Minute)
	require.Empty(t, open().peers())
}

func TestMembersFrameLimits(t *testing.T) {
	v := newVerifier(32)
	now := time.Now()
	a, b := newTestMember(t), newTestMember(t)
	other := newTestMember(t)
	recA, recB := a.record(t, now), b.record(t, now)

	got := parseMembers(v, [][]byte{recA.raw, {1, 2, 3}, make([]byte, maxMemberRecord+1), recB.raw}, 3)
	require.Equal(t, []peer.ID{a.id, b.id}, []peer.ID{got[0].peer, got[1].peer}, "bad and oversized records are dropped")
	require.Len(t, parseMembers(v, [][]byte{recA.raw, recB.raw, recA.raw}, 1), 2, "the sender and at most max members")

	_, err := requesterRecord(v, a.id, recA.raw)
	require.NoError(t, err)
	_, err = requesterRecord(v, other.id, recA.raw)
	require.ErrorIs(t, err, ErrInvalidRecord, "a record of another peer")
}

// TestCatchUpFromPeerWithoutMembership: a backbone peer that speaks only
// the catch-up protocol 1.0.0 still serves a catch-up.
func TestCatchUpFromPeerWithoutMembership(t *testing.T) {
	n := newTestNet(t)
	old, h, client := n.host(t), n.host(t), n.host(t)
	old.SetStreamHandler(syncProtocolV1, func(str network.Stream) {
		defer str.Close()
		var req pb.SyncRequest
		if newMsgReader(str, maxSyncRequest).read(&req) != nil {
			str.Reset()
			return
		}
		u := &pb.Update{Kind: pb.Update_REGISTER.Enum(), Ns: proto.String("app"),
			SignedPeerRecord: signed(t, client), Ttl: proto.Int64(600), Seq: proto.Uint64(1)}
		if writeMsg(str, &pb.SyncBatch{Updates: []*pb.Update{u}, Done: proto.Bool(true)}) != nil {
			str.Reset()
		}
	})
	n.server(t, h, WithBackbone(infoOf(old)))
	seenWithin(t, n.client(t, n.host(t), []peer.AddrInfo{infoOf(h)}), "app", 5*time.Second, has(client.ID()))
}

// FuzzMembers feeds arbitrary frames to the decoder of a catch-up reply's
// Members frame and to the checks a server runs on them; neither may panic.
func FuzzMembers(f *testing.F) {
	now := time.Now()
	a, b := newTestMember(f), newTestMember(f)
	f.Add(frame(f, &pb.Members{SignedPeerRecords: [][]byte{a.record(f, now).raw, b.record(f, now).raw}}))
	f.Add(frame(f, &pb.Members{SignedPeerRecords: [][]byte{a.record(f, now).raw, {0x0a, 0x00}}}))
	f.Add(frame(f, &pb.SyncBatch{Done: proto.Bool(true)}))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	v := &verifier{maxAddrs: 32}
	f.Fuzz(func(t *testing.T, data []byte) {
		var m pb.Members
		if newMsgReader(bytes.NewReader(data), maxMembersBytes).read(&m) != nil {
			return
		}
		got := parseMembers(v, m.GetSignedPeerRecords(), 4)
		require.LessOrEqual(t, len(got), 5)
		for _, rec := range got {
			require.LessOrEqual(t, len(rec.raw), maxMemberRecord)
		}
	})
}

// FuzzSyncRequest feeds arbitrary frames to the decoder of a catch-up
// request and to the check of the requester's record; neither may panic.
func FuzzSyncRequest(f *testing.F) {
	a := newTestMember(f)
	f.Add(frame(f, &pb.SyncRequest{Cursor: proto.Uint64(7), SignedPeerRecord: a.record(f, time.Now()).raw}))
	f.Add(frame(f, &pb.SyncRequest{Cursor: proto.Uint64(7), Limit: proto.Uint32(10)}))
	f.Add(frame(f, &pb.SyncRequest{SignedPeerRecord: []byte{1}}))
	v := &verifier{maxAddrs: 32}
	f.Fuzz(func(t *testing.T, data []byte) {
		var req pb.SyncRequest
		if newMsgReader(bytes.NewReader(data), maxSyncRequest).read(&req) != nil {
			return
		}
		if rec, err := requesterRecord(v, a.id, req.GetSignedPeerRecord()); err == nil {
			require.Equal(t, a.id, rec.peer)
		}
	})
}
