package manifest

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/golden*.manifest")

// goldenPaths are the pinned encodings by chunk hash: golden.manifest is a
// manifest from before BLAKE3 (no chunk_hash field), whose bytes, and so
// version ID, must not change.
var goldenPaths = map[HashAlgo]string{
	SHA256: filepath.Join("testdata", "golden.manifest"),
	BLAKE3: filepath.Join("testdata", "golden-blake3.manifest"),
}

// goldenPackageID pins the package ID derivation: it must never change, so
// -update does not rewrite it.
const goldenPackageID = "pkg_v2adjdfdxnbquhrebtmivjawqfticsqkuxvwp6polyvr6bwe7y5q"

// goldenManifest uses every field: version 2 with a previous ID, an empty
// file, an executable, a non-ASCII path, several chunks, both values of
// Compressible, and chunk hashes of algo.
func goldenManifest(t testing.TB, algo HashAlgo) (*Manifest, crypto.PrivKey) {
	key, _, err := crypto.GenerateEd25519Key(bytes.NewReader([]byte("p2psb golden manifest key seed!!")))
	require.NoError(t, err)
	m := &Manifest{
		Publisher: key.GetPublic(),
		Name:      "golden album",
		Version:   2,
		Previous:  sha256.Sum256([]byte("p2psb golden previous version")),
		Created:   time.Date(2025, 1, 2, 3, 4, 5, 678e6, time.UTC),
		Files: []File{
			{Path: "música/01 café.flac", Size: 4<<20 + 3, Mode: 0o644, Chunks: []Chunk{
				{Hash: algo.Sum([]byte("chunk 1")), Size: 4 << 20},
				{Hash: algo.Sum([]byte("chunk 2")), Size: 3, Compressible: true},
			}},
			{Path: "bin/play", Size: 1, Mode: 0o755, Chunks: []Chunk{{Hash: algo.Sum([]byte("x")), Size: 1, Compressible: true}}},
			{Path: "EMPTY", Mode: 0o600},
		},
		HashAlgo: algo,
	}
	return m, key
}

func TestGolden(t *testing.T) {
	for algo, path := range goldenPaths {
		t.Run(algo.String(), func(t *testing.T) { testGolden(t, algo, path) })
	}
}

func testGolden(t *testing.T, algo HashAlgo, goldenPath string) {
	m, key := goldenManifest(t, algo)
	s := seal(t, m, key)
	if *update {
		require.NoError(t, os.WriteFile(goldenPath, s.Raw, 0o644))
	}
	want, err := os.ReadFile(goldenPath)
	require.NoError(t, err)
	require.Equal(t, want, s.Raw, "the encoding changed; if on purpose, run go test -update and bump PayloadCode")

	o, err := Open(want)
	require.NoError(t, err)
	require.Equal(t, sha256.Sum256(want), [32]byte(o.ID))
	require.Equal(t, goldenPackageID, o.PackageID.String())
	require.Equal(t, s.Files, o.Files)
	require.Equal(t, []string{"EMPTY", "bin/play", "música/01 café.flac"}, []string{o.Files[0].Path, o.Files[1].Path, o.Files[2].Path})
	require.Equal(t, m.Created, o.Created)
	require.Equal(t, m.Previous, o.Previous)
	require.Equal(t, uint64(2), o.Version)
	require.Equal(t, "golden album", o.Name)
	require.Equal(t, int64(4<<20+4), o.Size())
	require.Equal(t, algo, o.HashAlgo)
}
