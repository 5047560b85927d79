package peerstore

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	ic "github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	pstore "github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/core/record"
	ma "github.com/multiformats/go-multiaddr"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/peerstore/sqlitedb"
)

// newPeer returns a fresh Ed25519 identity.
func newPeer(tb testing.TB) (peer.ID, ic.PrivKey) {
	tb.Helper()
	priv, _, err := ic.GenerateEd25519Key(nil)
	require.NoError(tb, err)
	id, err := peer.IDFromPrivateKey(priv)
	require.NoError(tb, err)
	return id, priv
}

func maddr(s string) ma.Multiaddr { return ma.StringCast(s) }

// TestReopenKeepsEveryBook writes every book, closes, reopens (with a
// cache large enough for bulk loading and with a one-peer cache) and finds
// everything again.
func TestReopenKeepsEveryBook(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cache int
	}{{"bulk load", 0}, {"lazy load", 1}} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "p.db")
			s, err := Open(path, Options{CacheSize: tc.cache})
			require.NoError(t, err)
			id, priv := newPeer(t)
			other, _ := newPeer(t)
			a1, a2 := maddr("/ip4/10.0.0.1/tcp/1"), maddr("/ip4/10.0.0.2/udp/2/quic-v1")
			s.AddAddrs(id, []ma.Multiaddr{a1}, time.Hour)
			s.AddAddr(id, a2, pstore.PermanentAddrTTL)
			require.NoError(t, s.AddPrivKey(id, priv))
			require.NoError(t, s.AddPubKey(id, priv.GetPublic()))
			require.NoError(t, s.SetProtocols(id, "/a/1", "/b/1"))
			require.NoError(t, s.Put(id, "AgentVersion", "test/1"))
			env := sealRecord(t, priv, 7, a1, a2)
			ok, err := s.ConsumePeerRecord(env, time.Hour)
			require.NoError(t, err)
			require.True(t, ok)
			s.MarkWorking(id, a1)
			s.AddAddr(other, a1, time.Hour)
			require.NoError(t, s.Close())

			s, err = Open(path, Options{CacheSize: tc.cache})
			require.NoError(t, err)
			defer s.Close()
			require.ElementsMatch(t, []ma.Multiaddr{a1, a2}, s.Addrs(id))
			require.True(t, priv.Equals(s.PrivKey(id)))
			require.True(t, priv.GetPublic().Equals(s.PubKey(id)))
			protos, err := s.GetProtocols(id)
			require.NoError(t, err)
			require.ElementsMatch(t, []protocol.ID{"/a/1", "/b/1"}, protos)
			v, err := s.Get(id, "AgentVersion")
			require.NoError(t, err)
			require.Equal(t, "test/1", v)
			require.True(t, env.Equal(s.GetPeerRecord(id)))
			require.ElementsMatch(t, peer.IDSlice{id, other}, s.PeersWithAddrs())
			recent, err := s.RecentPeers(0)
			require.NoError(t, err)
			require.Len(t, recent, 1)
			require.Equal(t, id, recent[0].ID)
			require.True(t, a1.Equal(recent[0].Addrs[0].Addr))
		})
	}
}

func sealRecord(tb testing.TB, priv ic.PrivKey, seq uint64, addrs ...ma.Multiaddr) *record.Envelope {
	tb.Helper()
	id, err := peer.IDFromPrivateKey(priv)
	require.NoError(tb, err)
	rec := &peer.PeerRecord{PeerID: id, Addrs: addrs, Seq: seq}
	env, err := record.Seal(rec, priv)
	require.NoError(tb, err)
	return env
}

// TestFlushIsDurable checks that Flush commits: another connection sees
// the rows before Close.
func TestFlushIsDurable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	s, err := Open(path, Options{FlushInterval: time.Hour})
	require.NoError(t, err)
	defer s.Close()
	id, _ := newPeer(t)
	s.AddAddr(id, maddr("/ip4/10.0.0.1/tcp/1"), time.Hour)
	db, err := sql.Open("sqlite3", sqlitedb.DSN(path))
	require.NoError(t, err)
	defer db.Close()
	count := func() (n int) {
		require.NoError(t, db.QueryRow(`SELECT count(*) FROM peerstore_peers WHERE length(addrs) > 0`).Scan(&n))
		return n
	}
	require.Equal(t, 0, count(), "an hour-long FlushInterval should not have committed yet")
	require.NoError(t, s.Flush())
	require.Equal(t, 1, count())
}

// TestSharedDatabase runs New on a database other components use too.
func TestSharedDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	db, err := sql.Open("sqlite3", sqlitedb.DSN(path))
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec(`CREATE TABLE pkgshare_things(x INTEGER);
		CREATE TABLE schema_migrations(component TEXT PRIMARY KEY, version INTEGER NOT NULL);
		INSERT INTO schema_migrations VALUES('pkgshare', 3)`)
	require.NoError(t, err)
	s, err := New(db, Options{})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, db.Ping(), "Close must not close a database New was given")
	var v int
	require.NoError(t, db.QueryRow(`SELECT version FROM schema_migrations WHERE component = 'pkgshare'`).Scan(&v))
	require.Equal(t, 3, v)
	require.NoError(t, db.QueryRow(`SELECT version FROM schema_migrations WHERE component = 'peerstore'`).Scan(&v))
	require.Equal(t, len(migrations), v)
}

// TestSchemaTooNew: a database from a newer version is refused untouched.
func TestSchemaTooNew(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	db, err := sql.Open("sqlite3", sqlitedb.DSN(path))
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec(`CREATE TABLE schema_migrations(component TEXT PRIMARY KEY, version INTEGER NOT NULL);
		INSERT INTO schema_migrations VALUES('peerstore', 99)`)
	require.NoError(t, err)
	_, err = Open(path, Options{})
	require.ErrorIs(t, err, ErrSchemaTooNew)
	var n int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name LIKE 'peerstore_%'`).Scan(&n))
	require.Zero(t, n, "no table may be created in a refused database")
}

// TestGCDeletesExpiredRows: the collector removes expired addresses from
// the database, in batches smaller than the number of peers.
func TestGCDeletesExpiredRows(t *testing.T) {
	clk := clock.NewMock()
	s := openTemp(t, Options{Clock: clk, GCBatch: 3})
	for range 10 {
		id, _ := newPeer(t)
		s.AddAddr(id, maddr("/ip4/10.0.0.1/tcp/1"), time.Minute)
		s.AddAddr(id, maddr("/ip4/10.0.0.1/tcp/2"), time.Hour)
	}
	require.NoError(t, s.Flush())
	clk.Add(2 * time.Minute)
	s.collect()
	require.NoError(t, s.Flush())
	var n int
	require.NoError(t, s.db.QueryRow(`SELECT count(*) FROM peerstore_peers WHERE next_expiry > ?`, clk.Now().UnixNano()).Scan(&n))
	require.Equal(t, 10, n, "every peer has only its unexpired address left")
	var blob []byte
	require.NoError(t, s.db.QueryRow(`SELECT addrs FROM peerstore_peers LIMIT 1`).Scan(&blob))
	addrs, err := decodeAddrs(blob)
	require.NoError(t, err)
	require.Len(t, addrs, 1)
	clk.Add(2 * time.Hour)
	s.collect()
	require.NoError(t, s.Flush())
	require.NoError(t, s.db.QueryRow(`SELECT count(*) FROM peerstore_peers`).Scan(&n))
	require.Zero(t, n, "peers with nothing left are deleted")
	require.Empty(t, s.PeersWithAddrs())
}

// TestMaxPeersKeepsBuddies: eviction takes the least recently updated
// peers that are not buddies.
func TestMaxPeersKeepsBuddies(t *testing.T) {
	clk := clock.NewMock()
	s := openTemp(t, Options{Clock: clk, MaxPeers: 64, FlushInterval: time.Hour})
	ids := make([]peer.ID, 100)
	for i := range ids {
		ids[i], _ = newPeer(t)
		s.AddAddr(ids[i], maddr("/ip4/10.0.0.1/tcp/1"), time.Hour)
		clk.Add(time.Second)
	}
	_, err := s.AddBuddy(ids[0], "oldest")
	require.NoError(t, err)
	require.NoError(t, s.Flush())
	kept := s.PeersWithAddrs()
	require.LessOrEqual(t, len(kept), 64)
	require.Contains(t, kept, ids[0], "a buddy is never evicted")
	require.Contains(t, kept, ids[99], "the newest peer stays")
	require.NotContains(t, kept, ids[1], "the oldest non-buddy goes")
	var n int
	require.NoError(t, s.db.QueryRow(`SELECT count(*) FROM peerstore_peers`).Scan(&n))
	require.Equal(t, len(kept), n)
}

// TestRetentionOutlivesRemovePeer mimics libp2p's disconnect habits.
func TestRetentionOutlivesRemovePeer(t *testing.T) {
	clk := clock.NewMock()
	path := filepath.Join(t.TempDir(), "p.db")
	s, err := Open(path, Options{Clock: clk, MaxRetainedAddrs: 2})
	require.NoError(t, err)
	id, _ := newPeer(t)
	addrs := []ma.Multiaddr{maddr("/ip4/10.0.0.1/tcp/1"), maddr("/ip4/10.0.0.1/tcp/2"), maddr("/ip4/10.0.0.1/tcp/3")}
	for _, a := range addrs {
		s.AddAddr(id, a, pstore.ConnectedAddrTTL)
		s.MarkWorking(id, a)
		clk.Add(time.Second)
	}
	s.UpdateAddrs(id, pstore.ConnectedAddrTTL, pstore.RecentlyConnectedAddrTTL)
	clk.Add(pstore.RecentlyConnectedAddrTTL + time.Minute)
	s.RemovePeer(id)
	s.ClearAddrs(id)
	require.Empty(t, s.Addrs(id))
	require.NoError(t, s.Close())

	s, err = Open(path, Options{Clock: clk})
	require.NoError(t, err)
	defer s.Close()
	recent, err := s.RecentPeers(10)
	require.NoError(t, err)
	require.Len(t, recent, 1)
	got := recent[0].AddrInfo().Addrs
	require.Equal(t, []ma.Multiaddr{addrs[2], addrs[1]}, got, "newest first, bounded per peer")
}

// TestPeerRecordSequence: older records are ignored, newer ones replace
// the addresses they no longer list, a record with the wrong key fails.
func TestPeerRecordSequence(t *testing.T) {
	s := openTemp(t, Options{CacheSize: 1})
	id, priv := newPeer(t)
	a1, a2 := maddr("/ip4/10.0.0.1/tcp/1"), maddr("/ip4/10.0.0.1/tcp/2")
	ok, err := s.ConsumePeerRecord(sealRecord(t, priv, 5, a1, a2), time.Hour)
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = s.ConsumePeerRecord(sealRecord(t, priv, 4, a1), time.Hour)
	require.NoError(t, err)
	require.False(t, ok)
	other, _ := newPeer(t) // evicts id from the one-peer cache
	s.AddAddr(other, a1, time.Hour)
	require.NoError(t, s.Flush())
	ok, err = s.ConsumePeerRecord(sealRecord(t, priv, 6, a2), time.Hour)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, []ma.Multiaddr{a2}, s.Addrs(id))
	_, wrong := newPeer(t)
	rec := &peer.PeerRecord{PeerID: id, Addrs: []ma.Multiaddr{a1}, Seq: 9}
	env, err := record.Seal(rec, wrong)
	require.NoError(t, err)
	_, err = s.ConsumePeerRecord(env, time.Hour)
	require.Error(t, err)
}
