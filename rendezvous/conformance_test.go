package rendezvous

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/rendezvous/pb"
)

// conformance is one server and a few peers speaking raw spec messages.
type conformance struct {
	n    *testNet
	srv  *Server
	sh   host.Host
	a, b host.Host
}

func newConformance(t *testing.T, opts ...Option) *conformance {
	t.Helper()
	n := newTestNet(t)
	c := &conformance{n: n, sh: n.host(t), a: n.host(t), b: n.host(t)}
	c.srv = n.server(t, c.sh, opts...)
	return c
}

func (c *conformance) register(t *testing.T, from host.Host, m *pb.Message) *pb.Message_RegisterResponse {
	t.Helper()
	resp := dialRaw(t, from, c.sh.ID()).roundTrip(t, m)
	require.Equal(t, pb.Message_REGISTER_RESPONSE, resp.GetType())
	return resp.GetRegisterResponse()
}

func (c *conformance) discover(t *testing.T, m *pb.Message) *pb.Message {
	t.Helper()
	resp := dialRaw(t, c.b, c.sh.ID()).roundTrip(t, m)
	require.Equal(t, pb.Message_DISCOVER_RESPONSE, resp.GetType())
	return resp
}

func TestConformanceRegisterStatus(t *testing.T) {
	c := newConformance(t)
	a, b := c.a, c.b
	var manyAddrs []ma.Multiaddr
	for i := 0; i < 33; i++ {
		manyAddrs = append(manyAddrs, ma.StringCast(fmt.Sprintf("/ip4/1.2.3.4/tcp/%d", 1000+i)))
	}
	tooMany, err := SignRecord(a.Peerstore().PrivKey(a.ID()), peer.AddrInfo{ID: a.ID(), Addrs: manyAddrs}, 0, 100)
	require.NoError(t, err)
	cases := []struct {
		name    string
		msg     *pb.Message
		status  pb.Message_ResponseStatus
		wantTTL int64
	}{
		{"default ttl", registerMsg("app", signed(t, a), 0), pb.Message_OK, 7200},
		{"explicit ttl", registerMsg("app", signed(t, a), 600), pb.Message_OK, 600},
		{"max ttl", registerMsg("app", signed(t, a), 72*3600), pb.Message_OK, 72 * 3600},
		{"empty namespace", registerMsg("", signed(t, a), 0), pb.Message_E_INVALID_NAMESPACE, 0},
		{"namespace of 256 bytes", registerMsg(strings.Repeat("n", 256), signed(t, a), 0), pb.Message_E_INVALID_NAMESPACE, 0},
		{"namespace of 255 bytes", registerMsg(strings.Repeat("n", 255), signed(t, a), 0), pb.Message_OK, 7200},
		{"no body", &pb.Message{Type: pb.Message_REGISTER.Enum()}, pb.Message_E_INVALID_NAMESPACE, 0},
		{"garbage record", registerMsg("app", []byte("not an envelope"), 0), pb.Message_E_INVALID_SIGNED_PEER_RECORD, 0},
		{"missing record", registerMsg("app", nil, 0), pb.Message_E_INVALID_SIGNED_PEER_RECORD, 0},
		{"record signed by another key", registerMsg("app", forgeRecord(t, b.Peerstore().PrivKey(b.ID()), a.ID()), 0), pb.Message_E_INVALID_SIGNED_PEER_RECORD, 0},
		{"too many addresses", registerMsg("app", tooMany, 0), pb.Message_E_INVALID_SIGNED_PEER_RECORD, 0},
		{"ttl too long", registerMsg("app", signed(t, a), 72*3600+1), pb.Message_E_INVALID_TTL, 0},
		{"ttl too short", registerMsg("app", signed(t, a), 60), pb.Message_E_INVALID_TTL, 0},
		{"ttl negative", registerMsg("app", signed(t, a), -5), pb.Message_E_INVALID_TTL, 0},
		{"registration for another peer", registerMsg("app", signed(t, b), 0), pb.Message_E_NOT_AUTHORIZED, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := c.register(t, a, tc.msg)
			require.Equal(t, tc.status, resp.GetStatus(), resp.GetStatusText())
			require.Equal(t, tc.wantTTL, resp.GetTtl())
			if tc.status != pb.Message_OK {
				require.NotEmpty(t, resp.GetStatusText())
			}
		})
	}
	got := c.discover(t, discoverMsg("app", 0, nil))
	require.Equal(t, []peer.ID{a.ID()}, peersOf(t, got), "refused registrations are not stored")
}

func TestConformanceReplaceAndUnregister(t *testing.T) {
	c := newConformance(t)
	conn := dialRaw(t, c.a, c.sh.ID())
	require.Equal(t, pb.Message_OK, conn.roundTrip(t, registerMsg("app", signed(t, c.a), 0)).GetRegisterResponse().GetStatus())
	newer, err := SignRecord(c.a.Peerstore().PrivKey(c.a.ID()),
		peer.AddrInfo{ID: c.a.ID(), Addrs: []ma.Multiaddr{ma.StringCast("/ip4/9.9.9.9/tcp/9")}}, 0, 32)
	require.NoError(t, err)
	require.Equal(t, pb.Message_OK, conn.roundTrip(t, registerMsg("app", newer, 0)).GetRegisterResponse().GetStatus())
	resp := c.discover(t, discoverMsg("app", 0, nil))
	require.Len(t, resp.GetDiscoverResponse().GetRegistrations(), 1, "the newest registration replaces the old")
	require.Equal(t, newer, resp.GetDiscoverResponse().GetRegistrations()[0].GetSignedPeerRecord())

	// UNREGISTER has no answer: the next request on the same stream is
	// answered after it, and sees its effect. Another peer's id is ignored.
	other := dialRaw(t, c.b, c.sh.ID())
	other.send(t, unregisterMsg("app", c.a.ID()))
	require.Len(t, peersOf(t, other.roundTrip(t, discoverMsg("app", 0, nil))), 1)
	conn.send(t, unregisterMsg("app", ""))
	require.Empty(t, peersOf(t, conn.roundTrip(t, discoverMsg("app", 0, nil))))
	conn.send(t, unregisterMsg("never-registered", c.a.ID()))
	require.Empty(t, peersOf(t, conn.roundTrip(t, discoverMsg("", 0, nil))))
}

func TestConformanceDiscoverAllAndLimit(t *testing.T) {
	c := newConformance(t)
	ctx := context.Background()
	nss := make([]string, 1000)
	for i := range nss {
		nss[i] = fmt.Sprintf("ns-%04d", i)
	}
	require.NoError(t, c.srv.RegisterLocal(ctx, signed(t, c.a), nss, time.Hour))
	require.NoError(t, c.srv.RegisterLocal(ctx, signed(t, c.b), []string{"other"}, time.Hour))

	cases := []struct {
		name  string
		ns    string
		limit int64
		want  int
	}{
		{"all namespaces, no limit", "", 0, 1000},
		{"all namespaces, limit above max", "", 5000, 1000},
		{"all namespaces, limit 7", "", 7, 7},
		{"one namespace", "ns-0042", 0, 1},
		{"unknown namespace", "nobody", 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := c.discover(t, discoverMsg(tc.ns, tc.limit, nil)).GetDiscoverResponse()
			require.Equal(t, pb.Message_OK, resp.GetStatus())
			require.Len(t, resp.GetRegistrations(), tc.want)
			require.NotEmpty(t, resp.GetCookie())
		})
	}
	first := c.discover(t, discoverMsg("", 0, nil)).GetDiscoverResponse()
	rest := c.discover(t, discoverMsg("", 0, first.GetCookie())).GetDiscoverResponse()
	require.Len(t, rest.GetRegistrations(), 1)
	require.Equal(t, "other", rest.GetRegistrations()[0].GetNs())
	resp := c.discover(t, discoverMsg(strings.Repeat("x", 256), 0, nil)).GetDiscoverResponse()
	require.Equal(t, pb.Message_E_INVALID_NAMESPACE, resp.GetStatus())
}

func TestConformanceCookies(t *testing.T) {
	c := newConformance(t)
	ctx := context.Background()
	var hosts []host.Host
	for i := 0; i < 5; i++ {
		h := c.n.host(t)
		hosts = append(hosts, h)
		require.NoError(t, c.srv.RegisterLocal(ctx, signed(t, h), []string{"app"}, time.Hour))
	}
	var got []peer.ID
	var cookie []byte
	for _, want := range []int{2, 2, 1, 0} {
		resp := c.discover(t, discoverMsg("app", 2, cookie))
		require.Len(t, resp.GetDiscoverResponse().GetRegistrations(), want)
		got = append(got, peersOf(t, resp)...)
		cookie = resp.GetDiscoverResponse().GetCookie()
	}
	require.Len(t, got, 5)
	for _, h := range hosts {
		require.Contains(t, got, h.ID())
	}

	// A cookie returns only newer registrations, including a refresh.
	require.NoError(t, c.srv.RegisterLocal(ctx, signed(t, hosts[1]), []string{"app"}, time.Hour))
	resp := c.discover(t, discoverMsg("app", 0, cookie))
	require.Equal(t, []peer.ID{hosts[1].ID()}, peersOf(t, resp))

	tampered := append([]byte(nil), cookie...)
	tampered[5] ^= 0x40
	bad := []struct {
		name   string
		ns     string
		cookie []byte
	}{
		{"tampered", "app", tampered},
		{"other namespace", "other", cookie},
		{"all namespaces", "", cookie},
		{"garbage", "app", []byte("hello")},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			resp := c.discover(t, discoverMsg(tc.ns, 0, tc.cookie)).GetDiscoverResponse()
			require.Equal(t, pb.Message_E_INVALID_COOKIE, resp.GetStatus())
			require.Empty(t, resp.GetRegistrations())
		})
	}
}

func TestConformanceCookieSurvivesRestart(t *testing.T) {
	n := newTestNet(t)
	sh, a, b := n.host(t), n.host(t), n.host(t)
	db, _ := tempDB(t)
	srv := n.serverOnDB(t, sh, db)
	require.NoError(t, srv.RegisterLocal(context.Background(), signed(t, a), []string{"app"}, time.Hour))
	cookie := dialRaw(t, b, sh.ID()).roundTrip(t, discoverMsg("app", 0, nil)).GetDiscoverResponse().GetCookie()
	require.NoError(t, srv.Close())

	srv = n.serverOnDB(t, sh, db)
	resp := dialRaw(t, b, sh.ID()).roundTrip(t, discoverMsg("app", 0, cookie)).GetDiscoverResponse()
	require.Equal(t, pb.Message_OK, resp.GetStatus())
	require.Empty(t, resp.GetRegistrations())
	require.NoError(t, srv.RegisterLocal(context.Background(), signed(t, b), []string{"app"}, time.Hour))
	resp2 := dialRaw(t, b, sh.ID()).roundTrip(t, discoverMsg("app", 0, cookie))
	require.Equal(t, []peer.ID{b.ID()}, peersOf(t, resp2), "positions keep growing across restarts")
}

func TestConformanceTTLExpiry(t *testing.T) {
	c := newConformance(t)
	require.Equal(t, pb.Message_OK, c.register(t, c.a, registerMsg("app", signed(t, c.a), 120)).GetStatus())
	require.Equal(t, pb.Message_OK, c.register(t, c.b, registerMsg("app", signed(t, c.b), 600)).GetStatus())
	c.n.clk.Add(119 * time.Second)
	resp := c.discover(t, discoverMsg("app", 0, nil))
	require.Len(t, peersOf(t, resp), 2)
	for _, r := range resp.GetDiscoverResponse().GetRegistrations() {
		require.LessOrEqual(t, r.GetTtl(), int64(600-119), "TTLs count down")
	}
	c.n.clk.Add(2 * time.Second)
	require.Equal(t, []peer.ID{c.b.ID()}, peersOf(t, c.discover(t, discoverMsg("app", 0, nil))))

	require.NoError(t, c.srv.collect(context.Background()))
	count, err := countRegistrations(context.Background(), c.srv.db)
	require.NoError(t, err)
	require.Equal(t, 1, count, "the expired registration is collected")
}

func TestConformancePerPeerLimit(t *testing.T) {
	c := newConformance(t)
	ctx := context.Background()
	nss := make([]string, 1000)
	for i := range nss {
		nss[i] = fmt.Sprintf("ns-%04d", i)
	}
	require.NoError(t, c.srv.RegisterLocal(ctx, signed(t, c.a), nss, 10*time.Minute))
	resp := c.register(t, c.a, registerMsg("one-more", signed(t, c.a), 0))
	require.Equal(t, pb.Message_E_NOT_AUTHORIZED, resp.GetStatus())
	resp = c.register(t, c.a, registerMsg("ns-0007", signed(t, c.a), 0))
	require.Equal(t, pb.Message_OK, resp.GetStatus(), "refreshing a held registration is allowed")
	require.Equal(t, pb.Message_OK, c.register(t, c.b, registerMsg("one-more", signed(t, c.b), 0)).GetStatus(),
		"the limit is per peer")

	c.n.clk.Add(11 * time.Minute) // 999 of them expire; only live ones count
	resp = c.register(t, c.a, registerMsg("one-more", signed(t, c.a), 0))
	require.Equal(t, pb.Message_OK, resp.GetStatus())
}

func TestConformanceInternalAndUnavailable(t *testing.T) {
	t.Run("database gone", func(t *testing.T) {
		c := newConformance(t)
		require.NoError(t, c.srv.db.Close())
		require.Equal(t, pb.Message_E_INTERNAL_ERROR, c.register(t, c.a, registerMsg("app", signed(t, c.a), 0)).GetStatus())
		resp := c.discover(t, discoverMsg("app", 0, nil)).GetDiscoverResponse()
		require.Equal(t, pb.Message_E_INTERNAL_ERROR, resp.GetStatus())
		require.Equal(t, "internal error", resp.GetStatusText(), "details stay in the log")
	})
	t.Run("server stopping", func(t *testing.T) {
		c := newConformance(t)
		c.srv.cancel() // what Close does first; the handler is still registered
		require.Equal(t, pb.Message_E_UNAVAILABLE, c.register(t, c.a, registerMsg("app", signed(t, c.a), 0)).GetStatus())
		resp := c.discover(t, discoverMsg("app", 0, nil)).GetDiscoverResponse()
		require.Equal(t, pb.Message_E_UNAVAILABLE, resp.GetStatus())
	})
}
