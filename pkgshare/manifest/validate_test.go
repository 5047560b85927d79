package manifest

import (
	"crypto/sha256"
	"io/fs"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/stretchr/testify/require"
)

func TestValidateRefuses(t *testing.T) {
	key := testKey(t, 1)
	secp, _, err := crypto.GenerateSecp256k1Key(nil)
	require.NoError(t, err)
	cases := []struct {
		name   string
		change func(m *Manifest)
		kind   error
		field  string
		path   string
	}{
		{"no publisher", func(m *Manifest) { m.Publisher = nil }, ErrBadKey, "publisher", ""},
		{"secp256k1 publisher", func(m *Manifest) { m.Publisher = secp.GetPublic() }, ErrBadKey, "publisher", ""},
		{"bad name", func(m *Manifest) { m.Name = "../x" }, ErrBadName, "name", ""},
		{"empty name", func(m *Manifest) { m.Name = "" }, ErrBadName, "name", ""},
		{"version 0", func(m *Manifest) { m.Version = 0 }, ErrBadVersion, "version", ""},
		{"version too large", func(m *Manifest) { m.Version = MaxVersion + 1 }, ErrBadVersion, "version", ""},
		{"version 1 with previous", func(m *Manifest) { m.Previous = VersionID{1} }, ErrBadVersion, "previous", ""},
		{"version 2 without previous", func(m *Manifest) { m.Version = 2 }, ErrBadVersion, "previous", ""},
		{"zero time", func(m *Manifest) { m.Created = time.Time{} }, ErrBadTime, "created", ""},
		{"epoch", func(m *Manifest) { m.Created = time.Unix(0, 0) }, ErrBadTime, "created", ""},
		{"year 10000", func(m *Manifest) { m.Created = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, ErrBadTime, "created", ""},
		{"bad path", func(m *Manifest) { m.Files[0].Path = "a/../../etc" }, ErrBadPath, "path", "a/../../etc"},
		{"duplicate path", func(m *Manifest) { m.Files[1].Path = m.Files[0].Path }, ErrBadPath, "path", "tracks/02 second.flac"},
		{"file is a directory of another", func(m *Manifest) { m.Files[0].Path = "tracks" }, ErrBadPath, "path", "tracks"},
		{"file is a directory of a nested one", func(m *Manifest) { m.Files[1].Path = "bin/run.sh/x" }, ErrBadPath, "path", "bin/run.sh"},
		{"size above chunks", func(m *Manifest) { m.Files[0].Size++ }, ErrBadSize, "size", "tracks/02 second.flac"},
		{"size below chunks", func(m *Manifest) { m.Files[0].Size-- }, ErrBadSize, "size", "tracks/02 second.flac"},
		{"negative size", func(m *Manifest) { m.Files[3].Size = -1 }, ErrBadSize, "size", "empty"},
		{"empty file with size", func(m *Manifest) { m.Files[3].Size = 1 }, ErrBadSize, "size", "empty"},
		{"zero chunk", func(m *Manifest) {
			m.Files[3].Chunks = []Chunk{{Hash: sha256.Sum256(nil)}}
		}, ErrBadSize, "chunks[0].size", "empty"},
		{"chunk too large", func(m *Manifest) {
			m.Files[3].Chunks, m.Files[3].Size = []Chunk{{Size: MaxChunkSize + 1}}, MaxChunkSize+1
		}, ErrBadSize, "chunks[0].size", "empty"},
		{"directory mode", func(m *Manifest) { m.Files[0].Mode |= fs.ModeDir }, ErrBadMode, "mode", "tracks/02 second.flac"},
		{"setuid mode", func(m *Manifest) { m.Files[0].Mode |= fs.ModeSetuid }, ErrBadMode, "mode", "tracks/02 second.flac"},
		{"symlink mode", func(m *Manifest) { m.Files[0].Mode = fs.ModeSymlink | 0o777 }, ErrBadMode, "mode", "tracks/02 second.flac"},
		{"too many files", func(m *Manifest) { m.Files = make([]File, MaxFiles+1) }, ErrTooLarge, "files", ""},
		{"too many chunks", func(m *Manifest) {
			m.Files[0].Chunks = make([]Chunk, MaxChunks)
		}, ErrTooLarge, "chunks", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := testManifest(key)
			require.NoError(t, m.Validate())
			tc.change(m)
			ie := requireInvalid(t, m.Validate(), tc.kind)
			require.Equal(t, tc.field, ie.Field)
			require.Equal(t, tc.path, ie.Path)
			// Seal refuses the same manifests, with the same error.
			_, err := Seal(m, key)
			require.Equal(t, ie, requireInvalid(t, err, tc.kind))
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	key := testKey(t, 1)
	cases := []struct {
		name   string
		change func(m *Manifest)
	}{
		{"as is", func(*Manifest) {}},
		{"no files", func(m *Manifest) { m.Files = nil }},
		{"version 2", func(m *Manifest) { m.Version, m.Previous = 2, VersionID{1} }},
		{"max version", func(m *Manifest) { m.Version, m.Previous = MaxVersion, VersionID{1} }},
		{"max chunk", func(m *Manifest) {
			m.Files[3].Chunks, m.Files[3].Size = []Chunk{{Size: MaxChunkSize}}, MaxChunkSize
		}},
		{"mode 0", func(m *Manifest) { m.Files[0].Mode = 0 }},
		{"prefix that is not a directory", func(m *Manifest) { m.Files[0].Path = "tracks/01" }},
		{"file next to a longer name", func(m *Manifest) { m.Files[0].Path = "bin/run" }},
		{"local time zone", func(m *Manifest) { m.Created = testTime.In(time.FixedZone("X", 3600)) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := testManifest(key)
			tc.change(m)
			require.NoError(t, m.Validate())
			s := seal(t, m, key)
			require.Empty(t, s.Warnings)
		})
	}
}

func TestFoldWarnings(t *testing.T) {
	key := testKey(t, 1)
	cases := []struct {
		name  string
		paths []string
		warn  string // substring of the one expected warning, "" for none
	}{
		{"distinct", []string{"a", "b/c", "B2"}, ""},
		{"case", []string{"README", "readme"}, `"README" and "readme"`},
		{"unicode case", []string{"ÉTÉ.txt", "été.txt"}, `"ÉTÉ.txt" and "été.txt"`},
		{"NFC and NFD", []string{"caf\u00e9", "cafe\u0301"}, "same file"},
		{"german sharp s", []string{"straße", "STRASSE"}, "same file"},
		{"file and directory", []string{"Docs", "docs/a"}, `file "Docs" is also the directory of "docs/a"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := testManifest(key)
			m.Files = nil
			for _, p := range tc.paths {
				m.Files = append(m.Files, File{Path: p, Mode: 0o644})
			}
			s := seal(t, m, key)
			if tc.warn == "" {
				require.Empty(t, s.Warnings)
				return
			}
			require.Len(t, s.Warnings, 1)
			require.Contains(t, s.Warnings[0], tc.warn)
			opened, err := Open(s.Raw)
			require.NoError(t, err)
			require.Equal(t, s.Warnings, opened.Warnings)
		})
	}
}

func TestFoldWarningsBounded(t *testing.T) {
	key := testKey(t, 1)
	m := testManifest(key)
	m.Files = nil
	for i := 0; i < 3*maxWarnings; i++ {
		p := string(rune('a'+i%26)) + string(rune('a'+i/26))
		m.Files = append(m.Files, File{Path: p, Mode: 0o644}, File{Path: "X" + p, Mode: 0o644}, File{Path: "x" + p, Mode: 0o644})
	}
	s := seal(t, m, key)
	require.Len(t, s.Warnings, maxWarnings+1)
	require.Contains(t, s.Warnings[maxWarnings], "40 more")
}

func TestSizeAndChunkCount(t *testing.T) {
	m := testManifest(testKey(t, 1))
	require.Equal(t, int64(11+4+9+0+5), m.Size())
	require.Equal(t, 5, m.ChunkCount())
	id, err := m.PackageID()
	require.NoError(t, err)
	want, err := NewPackageID(m.Publisher, m.Name)
	require.NoError(t, err)
	require.Equal(t, want, id)
}
