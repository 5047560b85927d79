package rendezvous

import (
	"context"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/peerstore/sqlitedb"
	"github.com/p2psb/p2psb/rendezvous/pb"
)

func TestServerRegisterDiscover(t *testing.T) {
	n := newTestNet(t)
	sh, a, b := n.host(t), n.host(t), n.host(t)
	n.server(t, sh)

	ca := dialRaw(t, a, sh.ID())
	resp := ca.roundTrip(t, registerMsg("app", signed(t, a), 0))
	require.Equal(t, pb.Message_REGISTER_RESPONSE, resp.GetType())
	require.Equal(t, pb.Message_OK, resp.GetRegisterResponse().GetStatus())
	require.EqualValues(t, DefaultTTL/time.Second, resp.GetRegisterResponse().GetTtl())

	cb := dialRaw(t, b, sh.ID())
	resp = cb.roundTrip(t, discoverMsg("app", 0, nil))
	require.Equal(t, pb.Message_OK, resp.GetDiscoverResponse().GetStatus())
	require.Equal(t, []peer.ID{a.ID()}, peersOf(t, resp))
	require.EqualValues(t, DefaultTTL/time.Second, resp.GetDiscoverResponse().GetRegistrations()[0].GetTtl())
}

func TestMigrationsRefuseNewerSchema(t *testing.T) {
	db, _ := tempDB(t)
	require.NoError(t, sqlitedb.Migrate(context.Background(), db, schema))
	require.NoError(t, sqlitedb.Migrate(context.Background(), db, schema), "migrating twice is a no-op")
	_, err := db.Exec(`UPDATE schema_migrations SET version = version + 1 WHERE component = 'rendezvous'`)
	require.NoError(t, err)
	n := newTestNet(t)
	_, err = NewServer(n.host(t), db)
	require.ErrorIs(t, err, ErrSchemaTooNew)
}

func TestCookies(t *testing.T) {
	jar := cookieJar{secret: []byte("0123456789abcdef0123456789abcdef")}
	c := jar.issue("ns", 42)
	pos, err := jar.open("ns", c)
	require.NoError(t, err)
	require.EqualValues(t, 42, pos)

	flipped := append([]byte(nil), c...)
	flipped[3] ^= 1
	cases := []struct {
		name   string
		ns     string
		cookie []byte
	}{
		{"other namespace", "other", c},
		{"all namespaces", "", c},
		{"position changed", "ns", flipped},
		{"truncated", "ns", c[:cookieLen-1]},
		{"other secret", "ns", cookieJar{secret: []byte("x")}.issue("ns", 42)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := jar.open(tc.ns, tc.cookie)
			require.ErrorIs(t, err, ErrInvalidCookie)
		})
	}
}
