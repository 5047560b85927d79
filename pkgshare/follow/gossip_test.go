package follow

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	mocknet "github.com/libp2p/go-libp2p/p2p/net/mock"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// deliveries records what a Gossip delivered.
type deliveries struct {
	mu  sync.Mutex
	got []uint64
}

func (d *deliveries) add(s *manifest.Sealed, _ peer.ID) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.got = append(d.got, s.Version)
}

func (d *deliveries) versions() []uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.got)
}

// line links hosts in a line, each to the next only; connect connects
// them (once their gossipsub runs, so that each sees the other's).
func line(t *testing.T, n int) (hs []host.Host, connect func()) {
	t.Helper()
	mn := mocknet.New()
	t.Cleanup(func() { _ = mn.Close() })
	hs = make([]host.Host, n)
	for i := range hs {
		h, err := mn.GenPeer()
		require.NoError(t, err)
		hs[i] = h
	}
	for i := 1; i < n; i++ {
		_, err := mn.LinkPeers(hs[i-1].ID(), hs[i].ID())
		require.NoError(t, err)
	}
	return hs, func() {
		for i := 1; i < n; i++ {
			_, err := mn.ConnectPeers(hs[i-1].ID(), hs[i].ID())
			require.NoError(t, err)
		}
	}
}

// meshed waits until a and b each know that the other joined the topic of
// id: each has heard the other's subscription, so each one's stream to the
// other is open.
func meshed(t *testing.T, a, b *Gossip, id manifest.PackageID) {
	t.Helper()
	require.Eventually(t, func() bool {
		return slices.Contains(a.Peers(id), b.h.ID()) && slices.Contains(b.Peers(id), a.h.ID())
	}, 10*time.Second, 10*time.Millisecond)
}

func newTestGossip(t *testing.T, h host.Host, d *deliveries) *Gossip {
	t.Helper()
	g, err := NewGossip(h, GossipOptions{Deliver: d.add, Log: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, g.Close()) })
	return g
}

// A sender with no validator of its own pushes forged, foreign, old and
// replayed announcements to a relay, which rejects or ignores each before
// relaying it: the follower behind the relay gets the valid new versions
// only, and never even sees the others.
func TestGossipRelaysOnlyValidNewVersions(t *testing.T) {
	hs, connect := line(t, 3) // attacker - relay - follower
	key := testKey(t, 1)
	vs := versions(t, key, "album", 3, time.Unix(1e9, 0))
	resealed := versions(t, key, "album", 2, time.Unix(2e9, 0))[1] // another envelope for version 2
	foreign := versions(t, key, "other", 4, time.Unix(1e9, 0))[3]
	id := vs[0].PackageID

	var atRelay, atFollower deliveries
	relay, follower := newTestGossip(t, hs[1], &atRelay), newTestGossip(t, hs[2], &atFollower)
	require.NoError(t, relay.Join(id))
	require.NoError(t, follower.Join(id))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ps, err := pubsub.NewGossipSub(ctx, hs[0], pubsub.WithMessageIdFn(messageID), pubsub.WithFloodPublish(true))
	require.NoError(t, err)
	topic, err := ps.Join(Topic(id))
	require.NoError(t, err)
	sub, err := topic.Subscribe() // so that the relay meshes with the attacker
	require.NoError(t, err)
	defer sub.Cancel()
	connect()
	require.Eventually(t, func() bool {
		return slices.Contains(topic.ListPeers(), hs[1].ID()) && slices.Contains(relay.Peers(id), hs[0].ID())
	}, 10*time.Second, 10*time.Millisecond)
	meshed(t, relay, follower, id)
	require.Eventually(t, func() bool { return slices.Contains(relay.Mesh(id), hs[2].ID()) }, 10*time.Second, 10*time.Millisecond,
		"the relay forwards to the follower at once")

	send := func(raw []byte) { require.NoError(t, topic.Publish(ctx, raw)) }
	relayStats := func() GossipStats { return relay.Stats() }
	send(forge(vs[1]))
	require.Eventually(t, func() bool { return relayStats().Rejected == 1 }, 10*time.Second, 5*time.Millisecond)
	send(foreign.Raw)
	require.Eventually(t, func() bool { return relayStats().Rejected == 2 }, 10*time.Second, 5*time.Millisecond)
	send(vs[1].Raw)
	require.Eventually(t, func() bool { return slices.Equal(atFollower.versions(), []uint64{2}) }, 10*time.Second, 5*time.Millisecond)
	send(vs[0].Raw)      // older
	send(resealed.Raw)   // the same version again, in another envelope
	send(vs[1].Raw[:40]) // truncated
	require.Eventually(t, func() bool { st := relayStats(); return st.Ignored == 2 && st.Rejected == 3 },
		10*time.Second, 5*time.Millisecond)
	send(vs[2].Raw)
	require.Eventually(t, func() bool { return slices.Equal(atFollower.versions(), []uint64{2, 3}) }, 10*time.Second, 5*time.Millisecond)

	require.Equal(t, []uint64{2, 3}, atRelay.versions(), "the relay acted on the valid new versions only")
	require.Equal(t, GossipStats{Topics: 1, Accepted: 2}, follower.Stats(), "nothing else was relayed to the follower")
	require.Equal(t, uint64(3), follower.Seen(id))
}

// A version the node already holds is not newer, whoever announces it.
func TestGossipIgnoresHeldVersions(t *testing.T) {
	hs, connect := line(t, 2)
	key := testKey(t, 2)
	vs := versions(t, key, "album", 2, time.Unix(1e9, 0))
	id := vs[0].PackageID
	var got deliveries
	g, err := NewGossip(hs[1], GossipOptions{Held: func(manifest.PackageID) uint64 { return 2 }, Deliver: got.add,
		Log: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer g.Close()
	require.NoError(t, g.Join(id))
	pub := newTestGossip(t, hs[0], &deliveries{})
	require.NoError(t, pub.Join(id))
	connect()
	meshed(t, pub, g, id)
	require.NoError(t, pub.Publish(context.Background(), vs[1]))
	require.Eventually(t, func() bool { return g.Stats().Ignored == 1 }, 10*time.Second, 5*time.Millisecond)
	require.Empty(t, got.versions())
}

// The publisher's own announcement is never ignored as old, though it
// holds the version; one too large is refused before it is sent.
func TestGossipPublish(t *testing.T) {
	hs, connect := line(t, 2)
	vs := versions(t, testKey(t, 3), "album", 1, time.Unix(1e9, 0))
	var got deliveries
	pub, err := NewGossip(hs[0], GossipOptions{Held: func(manifest.PackageID) uint64 { return 1 }, Log: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer pub.Close()
	fol := newTestGossip(t, hs[1], &got)
	require.NoError(t, fol.Join(vs[0].PackageID))
	require.NoError(t, pub.Join(vs[0].PackageID))
	connect()
	meshed(t, pub, fol, vs[0].PackageID)
	require.NoError(t, pub.Publish(context.Background(), vs[0]))
	require.Eventually(t, func() bool { return slices.Equal(got.versions(), []uint64{1}) }, 10*time.Second, 5*time.Millisecond)

	big := *vs[0]
	big.Raw = make([]byte, MaxAnnouncement+1)
	require.ErrorIs(t, pub.Publish(context.Background(), &big), ErrTooLarge)
	require.NoError(t, pub.Close())
	require.NoError(t, pub.Close(), "Close is idempotent")
}
