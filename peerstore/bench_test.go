package peerstore

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	leveldb "github.com/ipfs/go-ds-leveldb"
	ic "github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	pstore "github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/p2p/host/peerstore/pstoreds"
	"github.com/libp2p/go-libp2p/p2p/host/peerstore/pstoremem"
	pt "github.com/libp2p/go-libp2p/p2p/host/peerstore/test"
	ma "github.com/multiformats/go-multiaddr"
	"github.com/stretchr/testify/require"
)

// The three peerstores compared: this Store on a file, go-libp2p's
// in-memory one, and go-libp2p's pstoreds on LevelDB on disk.
func storeFactory(b *testing.B) pt.PeerstoreFactory {
	return func() (pstore.Peerstore, func()) {
		s, err := Open(filepath.Join(b.TempDir(), "p.db"), Options{})
		require.NoError(b, err)
		return s, func() { s.Close() }
	}
}

func memFactory(b *testing.B) pt.PeerstoreFactory {
	return func() (pstore.Peerstore, func()) {
		ps, err := pstoremem.NewPeerstore()
		require.NoError(b, err)
		return ps, func() { ps.Close() }
	}
}

func leveldbFactory(b *testing.B) pt.PeerstoreFactory {
	return func() (pstore.Peerstore, func()) {
		ds, err := leveldb.NewDatastore(filepath.Join(b.TempDir(), "ldb"), nil)
		require.NoError(b, err)
		ps, err := pstoreds.NewPeerstore(context.Background(), ds, pstoreds.DefaultOpts())
		require.NoError(b, err)
		return ps, func() { ps.Close(); ds.Close() }
	}
}

var benchStores = []struct {
	name    string
	factory func(*testing.B) pt.PeerstoreFactory
}{
	{"Store", storeFactory},
	{"pstoremem", memFactory},
	{"pstoreds-leveldb", leveldbFactory},
}

func BenchmarkPeerstore(b *testing.B) {
	for _, bs := range benchStores {
		b.Run(bs.name, func(b *testing.B) { pt.BenchmarkPeerstore(b, bs.factory(b), bs.name) })
	}
}

func BenchmarkKeyBook(b *testing.B) {
	for _, bs := range benchStores {
		b.Run(bs.name, func(b *testing.B) {
			f := bs.factory(b)
			pt.BenchmarkKeyBook(b, func() (pstore.KeyBook, func()) { return f() })
		})
	}
}

// benchPeer is one peer of the 10,000-peer load.
type benchPeer struct {
	id    peer.ID
	pub   ic.PubKey
	addrs []ma.Multiaddr
}

func benchPeers(b *testing.B, n int) []benchPeer {
	out := make([]benchPeer, n)
	for i := range out {
		_, pub, err := ic.GenerateEd25519Key(nil)
		require.NoError(b, err)
		id, err := peer.IDFromPublicKey(pub)
		require.NoError(b, err)
		out[i] = benchPeer{id: id, pub: pub}
		for j := range 4 {
			out[i].addrs = append(out[i].addrs, ma.StringCast(fmt.Sprintf("/ip4/10.%d.%d.%d/tcp/%d", i>>8&255, i&255, j, 4000+j)))
		}
	}
	return out
}

func loadPeers(b *testing.B, s *Store, peers []benchPeer) {
	for _, p := range peers {
		s.AddAddrs(p.id, p.addrs, time.Hour)
		require.NoError(b, s.AddPubKey(p.id, p.pub))
	}
}

// BenchmarkTenThousand: Load writes 10,000 peers x 4 addresses + public
// key and closes (so the time includes committing); Reload opens that
// file and reads every peer's addresses and key back.
func BenchmarkTenThousand(b *testing.B) {
	peers := benchPeers(b, 10000)
	b.Run("Load", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			s, err := Open(filepath.Join(b.TempDir(), fmt.Sprintf("p%d.db", i)), Options{})
			require.NoError(b, err)
			loadPeers(b, s, peers)
			require.NoError(b, s.Close())
		}
	})
	path := filepath.Join(b.TempDir(), "p.db")
	s, err := Open(path, Options{})
	require.NoError(b, err)
	loadPeers(b, s, peers)
	require.NoError(b, s.Close())
	b.Run("Reload", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			s, err := Open(path, Options{})
			require.NoError(b, err)
			for _, p := range peers {
				if len(s.Addrs(p.id)) != 4 || s.PubKey(p.id) == nil {
					b.Fatalf("peer %s not read back", p.id)
				}
			}
			require.NoError(b, s.Close())
		}
	})
}

// readStores returns the two stores the read benchmarks compare, each
// holding peers with 4 addresses, all committed before timing starts.
func readStores(b *testing.B, peers []benchPeer) []struct {
	name string
	ps   pstore.Peerstore
} {
	s, err := Open(filepath.Join(b.TempDir(), "p.db"), Options{})
	require.NoError(b, err)
	b.Cleanup(func() { s.Close() })
	mem, err := pstoremem.NewPeerstore()
	require.NoError(b, err)
	b.Cleanup(func() { mem.Close() })
	for _, p := range peers {
		s.AddAddrs(p.id, p.addrs, time.Hour)
		mem.AddAddrs(p.id, p.addrs, time.Hour)
	}
	require.NoError(b, s.Flush())
	return []struct {
		name string
		ps   pstore.Peerstore
	}{{"Store", s}, {"pstoremem", mem}}
}

// BenchmarkReads10k: Addrs of one of 10,000 peers, and PeersWithAddrs over
// all of them, with the writes committed and Close outside the timing
// (go-libp2p's BenchmarkPeerstore times its cleanup, hence the Store's
// final commit, inside each sub-benchmark).
func BenchmarkReads10k(b *testing.B) {
	peers := benchPeers(b, 10000)
	for _, rs := range readStores(b, peers) {
		b.Run("Addrs/"+rs.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if len(rs.ps.Addrs(peers[i%len(peers)].id)) != 4 {
					b.Fatal("addresses missing")
				}
			}
		})
		b.Run("PeersWithAddrs/"+rs.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if len(rs.ps.PeersWithAddrs()) != len(peers) {
					b.Fatal("peers missing")
				}
			}
		})
	}
}
