package rendezvous

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/record"
	mocknet "github.com/libp2p/go-libp2p/p2p/net/mock"
	ma "github.com/multiformats/go-multiaddr"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/p2psb/p2psb/rendezvous/pb"
)

// testNet is an in-process network with a fake clock for TTLs.
type testNet struct {
	mn  mocknet.Mocknet
	clk *clock.Mock
	n   int
}

func newTestNet(t *testing.T) *testNet {
	t.Helper()
	mn := mocknet.New()
	t.Cleanup(func() { mn.Close() })
	clk := clock.NewMock()
	clk.Set(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	return &testNet{mn: mn, clk: clk}
}

// host adds a host with an Ed25519 key, linked and connected to every
// host already in the network.
func (n *testNet) host(t *testing.T) host.Host {
	t.Helper()
	key, _, err := crypto.GenerateEd25519Key(rand.Reader)
	require.NoError(t, err)
	return n.hostWithKey(t, key)
}

func (n *testNet) hostWithKey(t *testing.T, key crypto.PrivKey) host.Host {
	t.Helper()
	n.n++
	addr := ma.StringCast(fmt.Sprintf("/ip4/10.0.%d.%d/tcp/4001", n.n/250, n.n%250+1))
	h, err := n.mn.AddPeer(key, addr)
	require.NoError(t, err)
	require.NoError(t, n.mn.LinkAll())
	for _, other := range n.mn.Peers() {
		if other != h.ID() && n.mn.Host(other) != nil {
			h.Peerstore().AddAddrs(other, n.mn.Host(other).Addrs(), time.Hour)
			n.mn.Host(other).Peerstore().AddAddrs(h.ID(), h.Addrs(), time.Hour)
		}
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func tempDB(t *testing.T) (*sql.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rz.db")
	db, err := OpenDB(path)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db, path
}

// newTestServer runs a server on h with a fresh database and the fake clock.
func (n *testNet) server(t *testing.T, h host.Host, opts ...Option) *Server {
	t.Helper()
	db, _ := tempDB(t)
	return n.serverOnDB(t, h, db, opts...)
}

func (n *testNet) serverOnDB(t *testing.T, h host.Host, db *sql.DB, opts ...Option) *Server {
	t.Helper()
	s, err := NewServer(h, db, append([]Option{WithClock(n.clk)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// signed returns h's own signed peer record.
func signed(t *testing.T, h host.Host) []byte {
	t.Helper()
	env, err := SignRecord(h.Peerstore().PrivKey(h.ID()), peer.AddrInfo{ID: h.ID(), Addrs: h.Addrs()}, 0, 32)
	require.NoError(t, err)
	return env
}

// rawConn speaks the spec's wire format by hand, as another implementation
// would: varint-framed pb.Message values on a /rendezvous/1.0.0 stream.
type rawConn struct {
	s network.Stream
	r *msgReader
}

func dialRaw(t *testing.T, from host.Host, to peer.ID) *rawConn {
	t.Helper()
	s, err := from.NewStream(context.Background(), to, ProtocolID)
	require.NoError(t, err)
	t.Cleanup(func() { s.Reset() })
	return &rawConn{s: s, r: newMsgReader(s, maxResponseSize)}
}

func (c *rawConn) send(t *testing.T, m *pb.Message) {
	t.Helper()
	require.NoError(t, writeMsg(c.s, m))
}

func (c *rawConn) recv(t *testing.T) *pb.Message {
	t.Helper()
	var m pb.Message
	require.NoError(t, c.r.read(&m))
	return &m
}

func (c *rawConn) roundTrip(t *testing.T, m *pb.Message) *pb.Message {
	t.Helper()
	c.send(t, m)
	return c.recv(t)
}

func registerMsg(ns string, env []byte, ttl int64) *pb.Message {
	r := &pb.Message_Register{Ns: proto.String(ns), SignedPeerRecord: env}
	if ttl != 0 {
		r.Ttl = proto.Int64(ttl)
	}
	return &pb.Message{Type: pb.Message_REGISTER.Enum(), Register: r}
}

func discoverMsg(ns string, limit int64, cookie []byte) *pb.Message {
	return &pb.Message{Type: pb.Message_DISCOVER.Enum(), Discover: &pb.Message_Discover{
		Ns: proto.String(ns), Limit: proto.Int64(limit), Cookie: cookie}}
}

func unregisterMsg(ns string, id peer.ID) *pb.Message {
	u := &pb.Message_Unregister{Ns: proto.String(ns)}
	if id != "" {
		u.Id = []byte(id)
	}
	return &pb.Message{Type: pb.Message_UNREGISTER.Enum(), Unregister: u}
}

// peersOf returns the peers of a DISCOVER_RESPONSE's records, in order.
func peersOf(t *testing.T, m *pb.Message) []peer.ID {
	t.Helper()
	var out []peer.ID
	for _, r := range m.GetDiscoverResponse().GetRegistrations() {
		rec, err := verifyRecord(r.GetSignedPeerRecord(), 1000)
		require.NoError(t, err)
		out = append(out, rec.peer)
	}
	return out
}

func itoa(i int) string { return fmt.Sprint(i) }

func sealAs(rec *peer.PeerRecord, key crypto.PrivKey) ([]byte, error) {
	env, err := record.Seal(rec, key)
	if err != nil {
		return nil, err
	}
	return env.Marshal()
}
