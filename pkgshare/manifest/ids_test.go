package manifest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPackageIDDerivation(t *testing.T) {
	a, b := testKey(t, 1), testKey(t, 2)
	id1, err := NewPackageID(a.GetPublic(), "album")
	require.NoError(t, err)
	again, err := NewPackageID(a.GetPublic(), "album")
	require.NoError(t, err)
	require.Equal(t, id1, again, "deterministic")
	other, err := NewPackageID(b.GetPublic(), "album")
	require.NoError(t, err)
	require.NotEqual(t, id1, other, "another publisher")
	renamed, err := NewPackageID(a.GetPublic(), "album2")
	require.NoError(t, err)
	require.NotEqual(t, id1, renamed, "another name")
	require.False(t, id1.IsZero())

	_, err = NewPackageID(nil, "album")
	requireInvalid(t, err, ErrBadKey)
	_, err = NewPackageID(a.GetPublic(), "a/b")
	requireInvalid(t, err, ErrBadName)
}

func TestIDStringRoundTrip(t *testing.T) {
	var pkg PackageID
	var ver VersionID
	var ch ChunkHash
	for i := range pkg {
		pkg[i], ver[i], ch[i] = byte(i), byte(255-i), byte(i*7)
	}
	ps, vs, cs := pkg.String(), ver.String(), ch.String()
	require.True(t, strings.HasPrefix(ps, PackageIDPrefix))
	require.True(t, strings.HasPrefix(vs, VersionIDPrefix))
	require.LessOrEqual(t, len(ps), 64)
	require.LessOrEqual(t, len(vs), 64)
	require.Len(t, cs, 64)
	require.Equal(t, strings.ToLower(cs), cs)

	gotPkg, err := ParsePackageID(ps)
	require.NoError(t, err)
	require.Equal(t, pkg, gotPkg)
	gotVer, err := ParseVersionID(vs)
	require.NoError(t, err)
	require.Equal(t, ver, gotVer)
	gotCh, err := ParseChunkHash(cs)
	require.NoError(t, err)
	require.Equal(t, ch, gotCh)

	upper, err := ParsePackageID(strings.ToUpper(ps))
	require.NoError(t, err, "upper case is accepted")
	require.Equal(t, pkg, upper)

	_, err = ParseVersionID(ps)
	requireInvalid(t, err, ErrBadID)
	_, err = ParsePackageID(vs)
	requireInvalid(t, err, ErrBadID)
}

func TestIDJSON(t *testing.T) {
	type doc struct {
		P PackageID
		V VersionID
		C ChunkHash
		R Ref
	}
	in := doc{P: PackageID{1, 2}, V: VersionID{3}, C: ChunkHash{4}, R: Ref{ID: PackageID{5}, Version: 7}}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	require.Contains(t, string(b), `"P":"pkg_`)
	require.Contains(t, string(b), `"V":"ver_`)
	require.Contains(t, string(b), `@7"`)
	var out doc
	require.NoError(t, json.Unmarshal(b, &out))
	require.Equal(t, in, out)
	require.Error(t, json.Unmarshal([]byte(`{"P":"pkg_nope"}`), &out))
}

func TestParseBadIDs(t *testing.T) {
	good := PackageID{9, 8, 7}.String()
	body := good[len(PackageIDPrefix):]
	// The last base32 character carries 1 bit of data and 4 unused bits:
	// 'a' + 1 sets an unused bit and must not be accepted as another spelling.
	nonCanonical := good[:len(good)-1] + string(rune(good[len(good)-1]+1))
	cases := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"prefix only", PackageIDPrefix},
		{"no prefix", body},
		{"wrong prefix", "xyz_" + body},
		{"short", good[:len(good)-1]},
		{"long", good + "a"},
		{"bad alphabet 0", good[:len(good)-1] + "0"},
		{"bad alphabet 1", PackageIDPrefix + "1" + body[1:]},
		{"padding", good[:len(good)-1] + "="},
		{"space", " " + good[1:]},
		{"non-canonical trailing bits", nonCanonical},
		{"unicode", PackageIDPrefix + "é" + body[2:]},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePackageID(tc.in)
			requireInvalid(t, err, ErrBadID)
			_, err = ParseVersionID(tc.in)
			requireInvalid(t, err, ErrBadID)
		})
	}
}

func TestParseBadChunkHashes(t *testing.T) {
	good := ChunkHash{1}.String()
	for name, in := range map[string]string{
		"empty":   "",
		"short":   good[:63],
		"long":    good + "0",
		"not hex": "g" + good[1:],
		"prefix":  "0x" + good[2:],
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseChunkHash(in)
			requireInvalid(t, err, ErrBadID)
		})
	}
}
