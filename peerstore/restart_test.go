package peerstore

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/libp2p/go-libp2p"
	ic "github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	pstore "github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/stretchr/testify/require"
)

// newHost starts a libp2p host listening on 127.0.0.1; ps nil means
// libp2p's in-memory peerstore.
func newHost(t *testing.T, priv ic.PrivKey, ps pstore.Peerstore) host.Host {
	t.Helper()
	opts := []libp2p.Option{
		libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"),
		libp2p.DisableRelay(),
		libp2p.Identity(priv),
	}
	if ps != nil {
		opts = append(opts, libp2p.Peerstore(ps))
	}
	h, err := libp2p.New(opts...)
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	return h
}

// TestRestartRedialsRetainedPeers: a host on a Store connects to two
// peers, disconnects, lets libp2p's cleanup run, closes; a new host on the
// same file redials them from the retained addresses alone.
//
// libp2p's cleanup after a disconnect is: identify lowers the peer's
// addresses to RecentlyConnectedAddrTTL (15 min), and the host's peerstore
// manager calls RemovePeer after a one-minute grace period. The test does
// not wait for either in real time: the store runs on a mock clock that
// is moved past the 15 minutes, and RemovePeer is called as the manager
// would (the manager also calls it for every disconnected peer when the
// host closes). It then checks that the TTL'd book has forgotten the
// peers before restarting.
func TestRestartRedialsRetainedPeers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	path := filepath.Join(t.TempDir(), "p2psb.db")
	clk := clock.NewMock()
	clk.Set(time.Now())
	myKey, _, err := ic.GenerateEd25519Key(nil)
	require.NoError(t, err)

	s, err := Open(path, Options{Clock: clk})
	require.NoError(t, err)
	h := newHost(t, myKey, s)
	stop := s.TrackHost(h)
	var others []host.Host
	for range 2 {
		priv, _, err := ic.GenerateEd25519Key(nil)
		require.NoError(t, err)
		o := newHost(t, priv, nil)
		others = append(others, o)
		require.NoError(t, h.Connect(ctx, peer.AddrInfo{ID: o.ID(), Addrs: o.Addrs()}))
	}
	for _, o := range others {
		// Identify done (it stores the peer's protocols), then disconnect.
		waitFor(t, ctx, func() bool { ps, _ := s.GetProtocols(o.ID()); return len(ps) > 0 })
		require.NoError(t, h.Network().ClosePeer(o.ID()))
		// Identify's disconnect handler lowers the TTLs asynchronously:
		// move the clock past them until the addresses are gone.
		waitFor(t, ctx, func() bool {
			clk.Add(pstore.RecentlyConnectedAddrTTL + time.Minute)
			return len(s.Addrs(o.ID())) == 0
		})
		s.RemovePeer(o.ID())
		protos, err := s.GetProtocols(o.ID())
		require.NoError(t, err)
		require.Empty(t, protos, "RemovePeer has run")
	}
	stop()
	require.NoError(t, h.Close()) // closes the store too

	s2, err := Open(path, Options{Clock: clk})
	require.NoError(t, err)
	h2 := newHost(t, myKey, s2)
	recent, err := s2.RecentPeers(10)
	require.NoError(t, err)
	require.Len(t, recent, len(others))
	for _, r := range recent {
		require.NoError(t, h2.Connect(ctx, r.AddrInfo()), "redial %s", r.ID)
	}
	for _, o := range others {
		require.Equal(t, network.Connected, h2.Network().Connectedness(o.ID()))
	}
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(t *testing.T, ctx context.Context, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatal("condition not met before the deadline")
		case <-tick.C:
		}
	}
}
