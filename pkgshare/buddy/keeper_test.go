package buddy

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	pstore "github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/p2p/net/connmgr"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/peerstore"
	"github.com/p2psb/p2psb/rendezvous"
)

// testBuddyOptions makes the keeper retry fast, so tests wait little.
var testBuddyOptions = Options{MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
	DialTimeout: 5 * time.Second}

// newKeeperHost returns a host on 127.0.0.1 with a connection manager and
// the SQLite peerstore, as a node has.
func newKeeperHost(t *testing.T) (host.Host, *peerstore.Store) {
	t.Helper()
	ps, err := peerstore.Open(filepath.Join(t.TempDir(), "ps.db"), peerstore.DefaultOptions())
	require.NoError(t, err)
	cm, err := connmgr.NewConnManager(10, 20)
	require.NoError(t, err)
	h, err := libp2p.New(libp2p.Peerstore(ps), libp2p.ConnectionManager(cm),
		libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"))
	require.NoError(t, err)
	t.Cleanup(func() { h.Close(); ps.Close() })
	return h, ps
}

// newBuddyHost returns a plain host on 127.0.0.1 with the given key.
func newBuddyHost(t *testing.T, key crypto.PrivKey) host.Host {
	t.Helper()
	h, err := libp2p.New(libp2p.Identity(key), libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"))
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	return h
}

// connWatch receives every connection h opens to one peer.
type connWatch struct {
	opened chan network.Conn
}

func watchPeer(t *testing.T, h host.Host, id peer.ID) *connWatch {
	t.Helper()
	w := &connWatch{opened: make(chan network.Conn, 64)}
	nf := &network.NotifyBundle{ConnectedF: func(_ network.Network, c network.Conn) {
		if c.RemotePeer() == id {
			select {
			case w.opened <- c:
			default:
			}
		}
	}}
	h.Network().Notify(nf)
	t.Cleanup(func() { h.Network().StopNotify(nf) })
	return w
}

// connected returns the next connection opened to the peer, failing after
// 10 s.
func (w *connWatch) connected(t *testing.T) network.Conn {
	t.Helper()
	select {
	case c := <-w.opened:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no connection to the peer within 10 s")
		return nil
	}
}

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		name     string
		failures int
		want     time.Duration
	}{
		{"first failure", 1, time.Second},
		{"doubles", 2, 2 * time.Second},
		{"doubles again", 4, 8 * time.Second},
		{"capped", 20, time.Minute},
		{"huge count stays capped", 1 << 20, time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, backoff(tc.failures, time.Second, time.Minute))
		})
	}
}

func TestBuddyKeeperConnectsProtectsAndRedials(t *testing.T) {
	a, ps := newKeeperHost(t)
	key, _, err := crypto.GenerateEd25519Key(nil)
	require.NoError(t, err)
	b := newBuddyHost(t, key)
	ps.AddAddrs(b.ID(), b.Addrs(), pstore.PermanentAddrTTL)
	_, err = ps.AddBuddy(b.ID(), "bee")
	require.NoError(t, err)

	w := watchPeer(t, a, b.ID())
	k := New(a, ps, nil, testBuddyOptions)
	defer k.Close()
	first := w.connected(t)
	require.True(t, a.ConnManager().IsProtected(b.ID(), peerstore.BuddyTag))

	// The buddy hangs up (once its side has the connection too): the
	// keeper dials it again.
	require.Eventually(t, func() bool { return b.Network().Connectedness(a.ID()) == network.Connected },
		10*time.Second, 5*time.Millisecond)
	require.NoError(t, b.Network().ClosePeer(a.ID()))
	again := w.connected(t)
	require.NotEqual(t, first.ID(), again.ID())
	require.Eventually(t, func() bool { return a.Network().Connectedness(b.ID()) == network.Connected },
		10*time.Second, 5*time.Millisecond)
	st := k.States()
	require.Len(t, st, 1)
	require.Equal(t, "bee", st[0].Alias)
	require.True(t, st[0].Connected)
	require.NoError(t, k.Close())
	require.NoError(t, k.Close(), "Close is idempotent")
}

// fakeLocator answers Locate with where a host is now.
type fakeLocator struct {
	at    atomic.Pointer[peer.AddrInfo]
	calls atomic.Int32
}

func (l *fakeLocator) Locate(_ context.Context, id peer.ID) (rendezvous.Found, error) {
	l.calls.Add(1)
	ai := l.at.Load()
	if ai == nil || ai.ID != id {
		return rendezvous.Found{}, rendezvous.ErrNotFound
	}
	return rendezvous.Found{AddrInfo: *ai, TTL: time.Hour}, nil
}

func TestBuddyKeeperLocatesMovedBuddy(t *testing.T) {
	a, ps := newKeeperHost(t)
	key, _, err := crypto.GenerateEd25519Key(nil)
	require.NoError(t, err)
	old := newBuddyHost(t, key)
	stale := old.Addrs()
	id := old.ID()
	require.NoError(t, old.Close())
	ps.AddAddrs(id, stale, pstore.PermanentAddrTTL)
	_, err = ps.AddBuddy(id, "")
	require.NoError(t, err)

	// The buddy came back on another port; only the locator knows.
	moved := newBuddyHost(t, key)
	loc := &fakeLocator{}
	loc.at.Store(&peer.AddrInfo{ID: id, Addrs: moved.Addrs()})
	w := watchPeer(t, a, id)
	k := New(a, ps, loc, testBuddyOptions)
	defer k.Close()
	w.connected(t)
	require.GreaterOrEqual(t, loc.calls.Load(), int32(1))
}

func TestBuddyKeeperBacksOffAndReportsFailure(t *testing.T) {
	a, ps := newKeeperHost(t)
	key, _, err := crypto.GenerateEd25519Key(nil)
	require.NoError(t, err)
	gone := newBuddyHost(t, key)
	id, addrs := gone.ID(), gone.Addrs()
	require.NoError(t, gone.Close())
	ps.AddAddrs(id, addrs, pstore.PermanentAddrTTL)
	_, err = ps.AddBuddy(id, "gone")
	require.NoError(t, err)
	loc := &fakeLocator{} // knows nothing

	k := New(a, ps, loc, testBuddyOptions)
	defer k.Close()
	// Several failed rounds, each one asking the locator after the dial
	// failed; the state says why.
	require.Eventually(t, func() bool { return loc.calls.Load() >= 3 }, 10*time.Second, 5*time.Millisecond)
	st := k.States()
	require.Len(t, st, 1)
	require.False(t, st[0].Connected)
	require.Contains(t, st[0].LastError, "node not found")
}

func TestBuddyKeeperRefresh(t *testing.T) {
	a, ps := newKeeperHost(t)
	k := New(a, ps, nil, testBuddyOptions)
	defer k.Close()
	key, _, err := crypto.GenerateEd25519Key(nil)
	require.NoError(t, err)
	b := newBuddyHost(t, key)
	ps.AddAddrs(b.ID(), b.Addrs(), pstore.PermanentAddrTTL)

	// Added after the keeper started: Refresh makes it connect and protect.
	w := watchPeer(t, a, b.ID())
	_, err = ps.AddBuddy(b.ID(), "late")
	require.NoError(t, err)
	k.Refresh()
	require.True(t, a.ConnManager().IsProtected(b.ID(), peerstore.BuddyTag), "protected when Refresh returns")
	w.connected(t)

	// Removed: no longer protected.
	_, err = ps.RemoveBuddy("late")
	require.NoError(t, err)
	k.Refresh()
	require.Empty(t, k.States())
	require.False(t, a.ConnManager().IsProtected(b.ID(), peerstore.BuddyTag))
}

var _ Locator = (*rendezvous.Client)(nil)
