package home

import (
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/stretchr/testify/require"
)

func TestIdentityCreatedOnceAndKept(t *testing.T) {
	h, err := Open(filepath.Join(t.TempDir(), "home"))
	require.NoError(t, err)
	fi, err := os.Stat(h.Dir)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), fi.Mode().Perm())

	// Many goroutines racing on a fresh home agree on one key.
	keys := make([]crypto.PrivKey, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := h.Identity()
			require.NoError(t, err)
			keys[i] = k
		}()
	}
	wg.Wait()
	for _, k := range keys[1:] {
		require.True(t, keys[0].Equals(k))
	}
	fi, err = os.Stat(h.Path(IdentityFile))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	require.Equal(t, crypto.Ed25519, int(keys[0].Type()))
}

func TestIdentityRefusals(t *testing.T) {
	cases := []struct {
		name    string
		content []byte
		mode    os.FileMode
		want    string
	}{
		{"group readable", nil, 0o640, "mode 0640 lets others read"},
		{"garbage", []byte("garbage"), 0o600, "not a libp2p private key"},
		{"empty", []byte{}, 0o600, "not a libp2p private key"},
		{"zero secp256k1 key", zeroSecp256k1Key(t), 0o600, "corrupt: the secp256k1 private key is zero"},
		{"ed25519 halves from two keys", mismatchedEd25519Key(t), 0o600,
			"corrupt: its Ed25519 public half does not match its private half"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, err := Open(t.TempDir())
			require.NoError(t, err)
			content := tc.content
			if content == nil {
				_, err := h.Identity()
				require.NoError(t, err)
				content, err = os.ReadFile(h.Path(IdentityFile))
				require.NoError(t, err)
			}
			require.NoError(t, os.WriteFile(h.Path(IdentityFile), content, tc.mode))
			require.NoError(t, os.Chmod(h.Path(IdentityFile), tc.mode))
			_, err = h.Identity()
			var ke *KeyError
			require.ErrorAs(t, err, &ke)
			require.Contains(t, err.Error(), tc.want)
			after, err := os.ReadFile(h.Path(IdentityFile))
			require.NoError(t, err)
			require.Equal(t, content, after, "the key file must never be overwritten")
		})
	}
}

// zeroSecp256k1Key is a well-formed key file holding the secp256k1 scalar
// 0, which libp2p parses without complaint.
func zeroSecp256k1Key(t *testing.T) []byte {
	t.Helper()
	key, err := crypto.UnmarshalSecp256k1PrivateKey(make([]byte, 32))
	require.NoError(t, err)
	data, err := crypto.MarshalPrivateKey(key)
	require.NoError(t, err)
	return data
}

// mismatchedEd25519Key is a key file whose Ed25519 private key (seed, then
// public half) has one key's seed and another's public half.
func mismatchedEd25519Key(t *testing.T) []byte {
	t.Helper()
	a, _, err := crypto.GenerateEd25519Key(rand.Reader)
	require.NoError(t, err)
	b, _, err := crypto.GenerateEd25519Key(rand.Reader)
	require.NoError(t, err)
	rawA, err := a.Raw()
	require.NoError(t, err)
	rawB, err := b.Raw()
	require.NoError(t, err)
	mixed := append(rawA[:ed25519.SeedSize:ed25519.SeedSize], rawB[ed25519.SeedSize:]...)
	key, err := crypto.UnmarshalEd25519PrivateKey(mixed)
	require.NoError(t, err, "libp2p accepts the mismatch")
	data, err := crypto.MarshalPrivateKey(key)
	require.NoError(t, err)
	return data
}

func TestOpenDBSettings(t *testing.T) {
	db, err := OpenDB(filepath.Join(t.TempDir(), "x.db"))
	require.NoError(t, err)
	defer db.Close()
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "10000"} {
		var got string
		require.NoError(t, db.QueryRow("PRAGMA "+pragma).Scan(&got))
		require.Equal(t, want, got, pragma)
	}
}
