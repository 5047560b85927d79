package follow

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// testKey returns a deterministic Ed25519 key derived from seed.
func testKey(t testing.TB, seed byte) crypto.PrivKey {
	t.Helper()
	key, _, err := crypto.GenerateEd25519Key(bytes.NewReader(bytes.Repeat([]byte{seed}, 32)))
	require.NoError(t, err)
	return key
}

// versions seals versions 1 to n of package name by key, each naming the
// one before, created a second apart from created.
func versions(t testing.TB, key crypto.PrivKey, name string, n int, created time.Time) []*manifest.Sealed {
	t.Helper()
	var out []*manifest.Sealed
	var prev manifest.VersionID
	for v := 1; v <= n; v++ {
		data := fmt.Sprintf("%s version %d", name, v)
		m := &manifest.Manifest{Publisher: key.GetPublic(), Name: name, Version: uint64(v), Previous: prev,
			Created: created.Add(time.Duration(v) * time.Second),
			Files: []manifest.File{{Path: "data.txt", Size: int64(len(data)), Mode: 0o644,
				Chunks: []manifest.Chunk{{Hash: sha256.Sum256([]byte(data)), Size: uint32(len(data))}}}}}
		s, err := manifest.Seal(m, key)
		require.NoError(t, err)
		out = append(out, s)
		prev = s.ID
	}
	return out
}

// forge returns s's envelope with the last byte of its signature changed.
func forge(s *manifest.Sealed) []byte {
	raw := bytes.Clone(s.Raw)
	raw[len(raw)-1] ^= 0x01
	return raw
}
