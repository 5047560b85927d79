package rendezvous

import (
	"context"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/rendezvous/pb"
)

func countTombstones(t *testing.T, c *conformance) int {
	t.Helper()
	var n int
	require.NoError(t, c.srv.db.QueryRow(`SELECT COUNT(*) FROM rendezvous_tombstones`).Scan(&n))
	return n
}

func TestConformanceGlobalLimit(t *testing.T) {
	c := newConformance(t, WithMaxRegistrations(3))
	ctx := context.Background()
	require.NoError(t, c.srv.RegisterLocal(ctx, signed(t, c.a), []string{"x", "y"}, 10*time.Minute))
	require.NoError(t, c.srv.RegisterLocal(ctx, signed(t, c.b), []string{"x"}, time.Hour))

	var fresh []host.Host
	for i := 0; i < 5; i++ {
		h := c.n.host(t)
		fresh = append(fresh, h)
		resp := c.register(t, h, registerMsg("x", signed(t, h), 0))
		require.Equal(t, pb.Message_E_UNAVAILABLE, resp.GetStatus(), "a full server refuses new registrations")
		require.NotEmpty(t, resp.GetStatusText())
	}
	count, err := countRegistrations(ctx, c.srv.db)
	require.NoError(t, err)
	require.Equal(t, 3, count)
	require.Equal(t, pb.Message_E_UNAVAILABLE, c.register(t, c.b, registerMsg("z", signed(t, c.b), 0)).GetStatus(),
		"a known peer in a new namespace is a new registration")
	require.Equal(t, pb.Message_OK, c.register(t, c.b, registerMsg("x", signed(t, c.b), 0)).GetStatus(),
		"refreshing a held registration is allowed when full")

	c.n.clk.Add(11 * time.Minute) // a's two expire; not collected yet
	require.Equal(t, pb.Message_OK, c.register(t, fresh[0], registerMsg("x", signed(t, fresh[0]), 0)).GetStatus(),
		"expired registrations make room")
	require.Equal(t, pb.Message_OK, c.register(t, fresh[1], registerMsg("x", signed(t, fresh[1]), 0)).GetStatus())
	require.Equal(t, pb.Message_E_UNAVAILABLE, c.register(t, fresh[2], registerMsg("x", signed(t, fresh[2]), 0)).GetStatus())

	conn := dialRaw(t, c.b, c.sh.ID())
	conn.send(t, unregisterMsg("x", ""))
	require.NotContains(t, peersOf(t, conn.roundTrip(t, discoverMsg("x", 0, nil))), c.b.ID())
	require.Equal(t, pb.Message_OK, c.register(t, fresh[2], registerMsg("x", signed(t, fresh[2]), 0)).GetStatus(),
		"an unregistration makes room")
}

func TestConformanceTombstonesBounded(t *testing.T) {
	c := newConformance(t, WithMaxRegistrations(2))
	for i := 0; i < 6; i++ {
		h := c.n.host(t)
		conn := dialRaw(t, h, c.sh.ID())
		require.Equal(t, pb.Message_OK, conn.roundTrip(t, registerMsg("x", signed(t, h), 0)).GetRegisterResponse().GetStatus())
		conn.send(t, unregisterMsg("x", ""))
		require.Empty(t, peersOf(t, conn.roundTrip(t, discoverMsg("x", 0, nil))))
	}
	require.Equal(t, 2, countTombstones(t, c), "the oldest tombstones make way")
}

func TestMaxRegistrationsOption(t *testing.T) {
	_, err := applyOptions([]Option{WithMaxRegistrations(0)})
	require.Error(t, err)
	cfg, err := applyOptions(nil)
	require.NoError(t, err)
	require.Equal(t, DefaultMaxRegistrations, cfg.maxRegistrations)
}
