package fetch

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

func TestSelectionMatch(t *testing.T) {
	for _, tc := range []struct {
		name             string
		include, exclude []string
		take, leave      []string
	}{
		{name: "nothing given takes all", take: []string{"a", "d/e/f.txt"}},
		{name: "star stays in one segment, anchored at the root", include: []string{"*.txt"},
			take: []string{"a.txt"}, leave: []string{"d/a.txt", "a.txt.gz"}},
		{name: "double star spans segments", include: []string{"**/*.txt"},
			take: []string{"a.txt", "d/a.txt", "d/e/a.txt"}, leave: []string{"d/a.md"}},
		{name: "double star in the middle", include: []string{"src/**/main.go"},
			take: []string{"src/main.go", "src/a/b/main.go"}, leave: []string{"x/src/main.go", "src/main.gox"}},
		{name: "a directory takes what is under it", include: []string{"docs"},
			take: []string{"docs/a", "docs/b/c"}, leave: []string{"docs2/a", "a/docs/b", "docsa"}},
		{name: "trailing slash and dot slash", include: []string{"./docs/"},
			take: []string{"docs/a"}, leave: []string{"a"}},
		{name: "exclude wins", include: []string{"**"}, exclude: []string{"**/*.tmp", "cache"},
			take: []string{"a", "d/b"}, leave: []string{"x.tmp", "d/x.tmp", "cache/a"}},
		{name: "exclude only", exclude: []string{"*.iso"},
			take: []string{"a", "d/b.iso"}, leave: []string{"b.iso"}},
		{name: "alternatives and classes", include: []string{"{a,b}/*", "f[0-9]"},
			take: []string{"a/x", "b/y", "f3"}, leave: []string{"c/x", "fx"}},
		{name: "several includes", include: []string{"a", "b"}, take: []string{"a", "b/c"}, leave: []string{"c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSelection(tc.include, tc.exclude)
			require.NoError(t, err)
			for _, p := range tc.take {
				require.True(t, s.Match(p), "should take %s", p)
			}
			for _, p := range tc.leave {
				require.False(t, s.Match(p), "should leave %s", p)
			}
		})
	}
}

func TestSelectionBadPattern(t *testing.T) {
	for _, pat := range []string{"[", "a/{b", "", "/", "a\\b"} {
		_, err := NewSelection([]string{"ok"}, []string{pat})
		var pe *PatternError
		require.ErrorAs(t, err, &pe, "pattern %q", pat)
		require.Contains(t, err.Error(), "--exclude")
		require.True(t, pe.InvalidInput())
	}
	s, err := NewSelection(nil, nil)
	require.NoError(t, err)
	require.Nil(t, s)
	require.True(t, s.Match("anything"))
}

func TestSelectionFiles(t *testing.T) {
	m := &manifest.Manifest{Name: "pkg", Version: 2}
	for _, p := range []string{"a.txt", "b.txt", "c/d.bin", "c/e.bin", "f", "g", "h"} {
		m.Files = append(m.Files, manifest.File{Path: p})
	}
	s, err := NewSelection([]string{"c"}, []string{"c/e.bin"})
	require.NoError(t, err)
	want, err := s.Files(m)
	require.NoError(t, err)
	require.Equal(t, []bool{false, false, true, false, false, false, false}, want)

	s, err = NewSelection([]string{"*.iso"}, nil)
	require.NoError(t, err)
	_, err = s.Files(m)
	var nm *NoMatchError
	require.ErrorAs(t, err, &nm)
	require.Equal(t, []string{"a.txt", "b.txt", "c/d.bin", "c/e.bin", "f"}, nm.Paths)
	require.Contains(t, err.Error(), "a.txt, b.txt, c/d.bin, c/e.bin, f and 2 more")

	all, err := (*Selection)(nil).Files(m)
	require.NoError(t, err)
	require.Nil(t, all)
}

// FuzzSelection feeds patterns (which reach the daemon over its control
// socket) and paths: a pattern is accepted or refused with a
// *PatternError, and matching never fails.
func FuzzSelection(f *testing.F) {
	for _, s := range [][2]string{{"docs/**/*.md", "docs/a/b.md"}, {"[", "a"}, {"{a,b}/*", "b/c"}, {"**", ""}, {"a/../b", "b"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pat, p string) {
		s, err := NewSelection([]string{pat}, []string{pat + "/x"})
		if err != nil {
			var pe *PatternError
			require.ErrorAs(t, err, &pe)
			return
		}
		s.Match(p)
		_ = s.Include()
	})
}
