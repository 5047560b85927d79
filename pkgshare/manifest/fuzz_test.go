package manifest

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// fuzzSeeds returns sealed manifests to start fuzzing from.
func fuzzSeeds(f *testing.F) [][]byte {
	key := testKey(f, 1)
	v1 := seal(f, testManifest(key), key)
	m2 := testManifest(key)
	m2.Version, m2.Previous = 2, v1.ID
	m2.Files = append(m2.Files, File{Path: "Readme.TXT", Mode: 0o644}) // a fold warning
	v2 := seal(f, m2, key)
	seeds := [][]byte{v1.Raw, v2.Raw}
	for _, path := range goldenPaths {
		golden, err := os.ReadFile(path)
		require.NoError(f, err)
		seeds = append(seeds, golden)
	}
	return seeds
}

func FuzzOpen(f *testing.F) {
	for _, raw := range fuzzSeeds(f) {
		f.Add(raw)
		f.Add(raw[:len(raw)/2])
		f.Add(append(bytes.Clone(raw), 0))
		for _, i := range []int{0, 1, 5, len(raw) / 3, len(raw) - 1} {
			flipped := bytes.Clone(raw)
			flipped[i] ^= 0x80
			f.Add(flipped)
		}
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		s, err := Open(raw)
		if err != nil {
			var ie *InvalidError
			require.ErrorAs(t, err, &ie)
			return
		}
		require.Equal(t, raw, s.Raw)
		require.Equal(t, sha256.Sum256(raw), [32]byte(s.ID))
		require.NoError(t, s.Validate())
		pkg, err := s.Manifest.PackageID()
		require.NoError(t, err)
		require.Equal(t, pkg, s.PackageID)
		again, err := Open(s.Raw)
		require.NoError(t, err)
		require.Equal(t, s.Files, again.Files)
	})
}

// FuzzDecodePayload fuzzes the payload decoder behind the signature check,
// which FuzzOpen can rarely reach with a valid signature.
func FuzzDecodePayload(f *testing.F) {
	for _, raw := range fuzzSeeds(f) {
		f.Add(mustPayload(f, raw))
	}
	f.Add(manyFiles(3))
	f.Fuzz(func(t *testing.T, b []byte) {
		var p payload
		if err := p.UnmarshalRecord(b); err != nil {
			var ie *InvalidError
			require.ErrorAs(t, err, &ie)
			return
		}
		require.NoError(t, p.m.Validate())
		again, err := p.m.MarshalRecord()
		require.NoError(t, err)
		require.Equal(t, b, again, "accepted payloads are canonical")
	})
}

func FuzzValidatePath(f *testing.F) {
	for _, p := range []string{
		"a", "a/b/c.txt", "música/café.flac", ".hidden/..x", "a\uFFFDb",
		"", "/", "/etc/passwd", "a/", "a//b", ".", "./a", "..", "a/../b", "a/..",
		"a\x00b", `a\b`, `..\..\x`, "a\nb", "a\x7f", "a\u0085", "\xff", "\xc0\xaf",
		strings.Repeat("a/", MaxPathDepth) + "a", strings.Repeat("x", MaxComponentLen+1),
	} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		err := ValidatePath(p)
		if err != nil {
			require.ErrorIs(t, err, ErrBadPath)
			require.Error(t, ValidateName(p), "a bad path is never a good name")
			return
		}
		require.True(t, utf8.ValidString(p))
		require.LessOrEqual(t, len(p), MaxPathLen)
		require.Equal(t, p, path.Clean(p), "clean")
		require.False(t, path.IsAbs(p))
		require.True(t, filepath.IsLocal(p), "stays inside the directory it is joined to")
		require.NotContains(t, p, `\`)
		require.False(t, strings.ContainsFunc(p, unicode.IsControl))
		comps := strings.Split(p, "/")
		require.LessOrEqual(t, len(comps), MaxPathDepth)
		for _, c := range comps {
			require.NotEmpty(t, c)
			require.LessOrEqual(t, len(c), MaxComponentLen)
			require.NotEqual(t, "..", c)
		}
		if nameErr := ValidateName(p); nameErr == nil {
			require.NotContains(t, p, "/")
		} else if !strings.Contains(p, "/") && len(p) <= MaxNameLen {
			require.Failf(t, "a one-component path is a good name", "%q: %v", p, nameErr)
		}
	})
}
