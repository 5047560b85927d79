package peerstore

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	pstore "github.com/libp2p/go-libp2p/core/peerstore"
	pt "github.com/libp2p/go-libp2p/p2p/host/peerstore/test"
	"github.com/stretchr/testify/require"
)

// openTemp opens a Store on a new database file in a test directory.
func openTemp(tb testing.TB, opts Options) *Store {
	tb.Helper()
	s, err := Open(filepath.Join(tb.TempDir(), "p2psb.db"), opts)
	require.NoError(tb, err)
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestSuitePeerstore(t *testing.T) {
	pt.TestPeerstore(t, func() (pstore.Peerstore, func()) {
		s := openTemp(t, Options{})
		return s, func() { require.NoError(t, s.Close()) }
	})
}

func TestSuiteAddrBook(t *testing.T) {
	clk := clock.NewMock()
	pt.TestAddrBook(t, func() (pstore.AddrBook, func()) {
		// The suite adds more addresses per peer than the default cap.
		s := openTemp(t, Options{Clock: clk, MaxAddrsPerPeer: 0})
		return s, func() { require.NoError(t, s.Close()) }
	}, clk)
}

func TestSuiteKeyBook(t *testing.T) {
	pt.TestKeyBook(t, func() (pstore.KeyBook, func()) {
		s := openTemp(t, Options{})
		return s, func() { require.NoError(t, s.Close()) }
	})
}

func TestSuiteProtoStoreLimits(t *testing.T) {
	const limit = 10
	s := openTemp(t, Options{MaxProtocols: limit})
	pt.TestPeerstoreProtoStoreLimits(t, s, limit)
}

// The same suites with a one-peer cache and a 1 ms flush interval, so that
// most reads go back to the database, racing the writer.
func TestSuiteTinyCache(t *testing.T) {
	tiny := Options{CacheSize: 1, FlushInterval: time.Millisecond}
	t.Run("Peerstore", func(t *testing.T) {
		pt.TestPeerstore(t, func() (pstore.Peerstore, func()) {
			s := openTemp(t, tiny)
			return s, func() { require.NoError(t, s.Close()) }
		})
	})
	t.Run("AddrBook", func(t *testing.T) {
		clk := clock.NewMock()
		pt.TestAddrBook(t, func() (pstore.AddrBook, func()) {
			o := tiny
			o.Clock = clk
			s := openTemp(t, o)
			return s, func() { require.NoError(t, s.Close()) }
		}, clk)
	})
	t.Run("KeyBook", func(t *testing.T) {
		pt.TestKeyBook(t, func() (pstore.KeyBook, func()) {
			s := openTemp(t, tiny)
			return s, func() { require.NoError(t, s.Close()) }
		})
	})
}
