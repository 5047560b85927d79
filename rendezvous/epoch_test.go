package rendezvous

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/stretchr/testify/require"
)

// TestCatchUpFromARenewedDatabase: B keeps a cursor far beyond A's
// counter, as after A's database was wiped and its counter restarted. The
// cursor's epoch is not A's, so A sends everything and B stores A's epoch;
// with A's epoch, the same cursor gets nothing.
func TestCatchUpFromARenewedDatabase(t *testing.T) {
	n := newTestNet(t)
	ha, hb := n.host(t), n.host(t)
	sa := n.server(t, ha, WithBackbone())
	sb := n.server(t, hb, WithBackbone())
	ctx := context.Background()
	for _, ns := range []string{"x", "y", "z"} {
		require.NoError(t, sa.RegisterLocal(ctx, signed(t, n.host(t)), []string{ns}, time.Hour))
	}
	require.NotZero(t, sa.epoch)
	require.NoError(t, saveCursor(ctx, sb.db, ha.ID(), 1000, sa.epoch+1))

	got, err := sb.fed.catchUp(ctx, ha.ID())
	require.NoError(t, err)
	require.Equal(t, 3, got, "a cursor of another epoch counts from the start")
	cursor, epoch, err := loadCursor(ctx, sb.db, ha.ID())
	require.NoError(t, err)
	require.Equal(t, sa.epoch, epoch)
	require.Less(t, cursor, uint64(1000))
	count, err := countRegistrations(ctx, sb.db)
	require.NoError(t, err)
	require.Equal(t, 3, count)

	require.NoError(t, saveCursor(ctx, sb.db, ha.ID(), 1000, sa.epoch))
	got, err = sb.fed.catchUp(ctx, ha.ID())
	require.NoError(t, err)
	require.Zero(t, got, "a cursor of the sender's epoch is trusted")
}

// TestEpochKept: a database keeps its epoch across servers; a new database
// draws another.
func TestEpochKept(t *testing.T) {
	n := newTestNet(t)
	db, _ := tempDB(t)
	h := n.host(t)
	first := n.serverOnDB(t, h, db)
	require.NoError(t, first.Close())
	require.Equal(t, first.epoch, n.serverOnDB(t, h, db).epoch)
	require.NotEqual(t, first.epoch, n.server(t, n.host(t)).epoch)
}

// TestFederationCatchesUpAfterWipe: A's database is lost while it is down.
// A comes back with the same key and no backbone peers given; B and C,
// which know it, dial it again, and it catches up from both of them.
func TestFederationCatchesUpAfterWipe(t *testing.T) {
	n := newTestNet(t)
	keyA, _, err := crypto.GenerateEd25519Key(rand.Reader)
	require.NoError(t, err)
	ha, hb, hc := n.hostWithKey(t, keyA), n.host(t), n.host(t)
	sa := n.server(t, ha, WithBackbone())
	sb := n.server(t, hb, WithBackbone(infoOf(ha)))
	sc := n.server(t, hc, WithBackbone(infoOf(ha)))
	meshed(t, sa, ha, sb, hb)
	meshed(t, sa, ha, sc, hc)

	clientOf := func(h host.Host) *Client { return n.client(t, n.host(t), []peer.AddrInfo{infoOf(h)}) }
	atB := clientOf(hb)
	_, err = atB.Advertise(context.Background(), "app")
	require.NoError(t, err)
	seenWithin(t, clientOf(ha), "app", 5*time.Second, has(atB.h.ID()))
	require.NoError(t, sa.Close())
	require.NoError(t, ha.Close())
	atC := clientOf(hc)
	_, err = atC.Advertise(context.Background(), "app")
	require.NoError(t, err)

	for _, p := range n.mn.Peers() { // so that dials of A's ID reach the new host
		_ = n.mn.DisconnectPeers(ha.ID(), p)
		_ = n.mn.UnlinkPeers(ha.ID(), p)
	}
	ha2 := n.hostWithKey(t, keyA)
	n.server(t, ha2, WithBackbone())
	atA := clientOf(ha2)
	deadline := time.Now().Add(10 * time.Second)
	for {
		n.clk.Add(maxBackoff) // B's and C's redials wait out their backoff
		found, err := atA.Discover(context.Background(), "app", 0)
		if err == nil && has(atB.h.ID())(found) && has(atC.h.ID())(found) {
			return
		}
		require.False(t, time.Now().After(deadline), "A did not catch up from B and C: %v (err %v)", found, err)
	}
}
