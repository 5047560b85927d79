// Package nodetest starts p2psb nodes and makes files for the tests of the
// packages that use a node: real libp2p hosts on 127.0.0.1, each with its
// own database in a temporary directory, closed when the test ends.
package nodetest

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/home"
	"github.com/p2psb/p2psb/pkgshare/node"
)

// Key returns the ed25519 key derived from seed: the same seed, the same
// node ID.
func Key(tb testing.TB, seed byte) crypto.PrivKey {
	tb.Helper()
	k, _, err := crypto.GenerateEd25519Key(bytes.NewReader(bytes.Repeat([]byte{seed}, 64)))
	require.NoError(tb, err)
	return k
}

// Start starts a node on 127.0.0.1 with the key of seed and its own
// database.
func Start(t *testing.T, seed byte) *node.Node {
	t.Helper()
	return StartWith(t, Key(t, seed), node.Options{})
}

// StartWith starts a node on 127.0.0.1 with key, opts and its own
// database (opts.Key, DB and Listen are set here).
func StartWith(t testing.TB, key crypto.PrivKey, opts node.Options) *node.Node {
	t.Helper()
	db, err := home.OpenDB(filepath.Join(t.TempDir(), "p2psb.db"))
	require.NoError(t, err)
	opts.Key, opts.DB, opts.Listen = key, db, []string{"/ip4/127.0.0.1/tcp/0"}
	n, err := node.Start(opts)
	require.NoError(t, err)
	t.Cleanup(func() {
		require.NoError(t, n.Close())
		db.Close()
	})
	return n
}

// AddrInfo is where n listens.
func AddrInfo(n *node.Node) peer.AddrInfo {
	return peer.AddrInfo{ID: n.Host.ID(), Addrs: n.Host.Addrs()}
}

// WriteRandom writes n random bytes to path, creating its directory.
func WriteRandom(tb testing.TB, path string, n int) {
	tb.Helper()
	data := make([]byte, n)
	_, _ = rand.Read(data)
	require.NoError(tb, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(tb, os.WriteFile(path, data, 0o644))
}
