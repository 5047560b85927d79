package rendezvous

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/discovery"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	"github.com/stretchr/testify/require"
)

// A client remembers the rendezvous nodes ListRendezvous finds, and asks
// them when its configured one is down.
func TestClientFallsBackOnLearned(t *testing.T) {
	ctx := context.Background()
	n := newTestNet(t)
	h1, h2, pub, a := n.host(t), n.host(t), n.host(t), n.host(t)
	s1 := n.server(t, h1)
	n.server(t, h2)
	// h2 is known at h1 as a rendezvous node; pub registers at h2 only.
	_, err := n.client(t, h2, []peer.AddrInfo{infoOf(h1)}).Advertise(ctx, RendezvousNamespace)
	require.NoError(t, err)
	_, err = n.client(t, pub, []peer.AddrInfo{infoOf(h2)}).Advertise(ctx, "app", discovery.TTL(time.Hour))
	require.NoError(t, err)

	db, _ := tempDB(t)
	ca := n.client(t, a, []peer.AddrInfo{infoOf(h1)}, WithLearned(db))
	plain := n.client(t, a, []peer.AddrInfo{infoOf(h1)})
	_, err = ca.ListRendezvous(ctx)
	require.NoError(t, err)
	learned, err := ca.Learned(ctx)
	require.NoError(t, err)
	require.ElementsMatch(t, []peer.ID{h1.ID(), h2.ID()}, idsOf(learned))

	require.NoError(t, s1.Close())
	_, err = plain.Discover(ctx, "app", 0)
	require.ErrorIs(t, err, ErrNoRendezvous, "without learned nodes the configured one is all there is")
	found, err := ca.Discover(ctx, "app", 0)
	require.NoError(t, err)
	require.Len(t, found, 1)
	require.Equal(t, pub.ID(), found[0].ID)
	require.Equal(t, []peer.ID{h2.ID()}, found[0].Rendezvous)

	// Until the configured one answers again, the learned ones are asked
	// beside it: registering works too.
	_, err = ca.Advertise(ctx, "app")
	require.NoError(t, err)
	found, err = ca.Discover(ctx, "app", 0)
	require.NoError(t, err)
	require.ElementsMatch(t, []peer.ID{pub.ID(), a.ID()}, foundIDs(found))
}

// The store keeps the MaxLearned nodes heard of most recently, newest
// first, each with the addresses it was last learned with.
func TestLearnedStoreBounds(t *testing.T) {
	ctx := context.Background()
	n := newTestNet(t)
	db, _ := tempDB(t)
	l, err := openLearned(ctx, db, 2, n.clk.Now)
	require.NoError(t, err)
	var ids []peer.ID
	for i := range MaxLearned + 5 {
		key, _, err := crypto.GenerateEd25519Key(rand.Reader)
		require.NoError(t, err)
		id, err := peer.IDFromPrivateKey(key)
		require.NoError(t, err)
		ai := peer.AddrInfo{ID: id, Addrs: []ma.Multiaddr{
			ma.StringCast(fmt.Sprintf("/ip4/10.9.0.%d/tcp/1", i%250)),
			ma.StringCast(fmt.Sprintf("/ip4/10.9.1.%d/tcp/1", i%250)),
			ma.StringCast("/ip4/10.9.2.1/tcp/1"),
		}}
		require.NoError(t, l.add(ctx, []peer.AddrInfo{ai}))
		ids = append(ids, ai.ID)
		n.clk.Add(time.Second)
	}
	got, err := l.list(ctx, MaxLearned+5, nil)
	require.NoError(t, err)
	require.Len(t, got, MaxLearned)
	require.Equal(t, ids[len(ids)-1], got[0].ID, "newest first")
	require.Equal(t, ids[5], got[MaxLearned-1].ID, "the five oldest were forgotten")
	require.Len(t, got[0].Addrs, 2, "addresses are bounded")

	// Learning a node again replaces its addresses and makes it newest.
	again := peer.AddrInfo{ID: ids[5], Addrs: []ma.Multiaddr{ma.StringCast("/ip4/10.9.3.1/tcp/1")}}
	require.NoError(t, l.add(ctx, []peer.AddrInfo{again}))
	got, err = l.list(ctx, 1, map[peer.ID]bool{})
	require.NoError(t, err)
	require.Equal(t, []peer.AddrInfo{again}, got)
	got, err = l.list(ctx, 1, map[peer.ID]bool{ids[5]: true})
	require.NoError(t, err)
	require.Equal(t, ids[len(ids)-1], got[0].ID, "skipped")
}

func idsOf(ais []peer.AddrInfo) []peer.ID {
	out := make([]peer.ID, len(ais))
	for i, ai := range ais {
		out[i] = ai.ID
	}
	return out
}

func foundIDs(fs []Found) []peer.ID {
	out := make([]peer.ID, len(fs))
	for i, f := range fs {
		out[i] = f.ID
	}
	return out
}
