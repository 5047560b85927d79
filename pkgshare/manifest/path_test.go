package manifest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValidatePathAccepts(t *testing.T) {
	cases := []struct {
		name string
		path string
	}{
		{"simple", "a"},
		{"nested", "a/b/c.txt"},
		{"dots inside names", "a..b/.hidden/..c/c.."},
		{"spaces", " a b /c "},
		{"unicode", "música/café ☕/日本語.txt"},
		{"literal replacement character", "a\uFFFDb"},
		{"colon and star", "a:b/c*d?e"},
		{"max length", strings.Repeat(strings.Repeat("a", 254)+"/", 16) + strings.Repeat("b", 16)},
		{"max depth", strings.Repeat("d/", MaxPathDepth-1) + "f"},
		{"max component", strings.Repeat("x", MaxComponentLen)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, ValidatePath(tc.path))
		})
	}
}

func TestValidatePathRefuses(t *testing.T) {
	cases := []struct {
		name string
		path string
	}{
		{"empty", ""},
		{"absolute", "/etc/passwd"},
		{"root", "/"},
		{"trailing slash", "a/"},
		{"double slash", "a//b"},
		{"dot", "."},
		{"dot component", "a/./b"},
		{"leading dot component", "./a"},
		{"dotdot", ".."},
		{"dotdot component", "a/../b"},
		{"leading dotdot", "../a"},
		{"trailing dotdot", "a/.."},
		{"NUL", "a\x00b"},
		{"backslash", `a\b`},
		{"backslash dotdot", `..\a`},
		{"newline", "a\nb"},
		{"tab", "a\tb"},
		{"escape", "a\x1b[31mb"},
		{"DEL", "a\x7fb"},
		{"C1 control", "a\u0085b"},
		{"invalid UTF-8", "a\xffb"},
		{"truncated UTF-8", "caf\xc3"},
		{"overlong UTF-8 slash", "a\xc0\xafb"},
		{"surrogate", "a\xed\xa0\x80b"},
		{"too long", strings.Repeat(strings.Repeat("a", 254)+"/", 16) + strings.Repeat("b", 17)},
		{"too deep", strings.Repeat("d/", MaxPathDepth) + "f"},
		{"component too long", "a/" + strings.Repeat("x", MaxComponentLen+1)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ie := requireInvalid(t, ValidatePath(tc.path), ErrBadPath)
			require.Equal(t, "path", ie.Field)
			require.NotEmpty(t, ie.Reason)
			if tc.name == "too long" {
				require.Contains(t, ie.Reason, "4097 bytes long")
			}
		})
	}
}

func TestValidateName(t *testing.T) {
	good := []string{"album", "My Album (2024)", "café", "a.b", "..x", strings.Repeat("n", MaxNameLen)}
	for _, name := range good {
		require.NoError(t, ValidateName(name), "%q", name)
	}
	bad := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"slash", "a/b"},
		{"backslash", `a\b`},
		{"dot", "."},
		{"dotdot", ".."},
		{"NUL", "a\x00"},
		{"control", "a\x01"},
		{"newline", "a\n"},
		{"invalid UTF-8", "\xfe"},
		{"too long", strings.Repeat("n", MaxNameLen+1)},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			ie := requireInvalid(t, ValidateName(tc.in), ErrBadName)
			require.Equal(t, "name", ie.Field)
		})
	}
}

func TestInvalidErrorMessage(t *testing.T) {
	err := ValidatePath("a/../b")
	require.EqualError(t, err, `path "a/../b": component 2: ".." is not allowed`)
	err = ValidatePath("a\x00b")
	require.EqualError(t, err, `path "a\x00b": contains NUL`)
	e := &InvalidError{Err: ErrBadSize}
	require.Equal(t, "bad size", e.Error())
}
