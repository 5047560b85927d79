package fetch

import (
	"fmt"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// Selection is which files of a version a fetch takes: a file is taken
// when it matches some include pattern (or there is none) and no exclude
// pattern. Patterns are path globs relative to the package root, anchored
// there ("*.txt" is a top-level file; "**/*.txt" one at any depth): "*"
// and "?" match within one path segment, "**" any number of segments,
// "[abc]" and "{a,b}" as in a shell. A pattern that names a directory
// also matches every file under it. The nil *Selection takes every file.
type Selection struct {
	include, exclude []string
}

// PatternError is a glob that cannot be used.
type PatternError struct {
	Flag    string // "include" or "exclude"
	Pattern string
	Reason  string
}

func (e *PatternError) Error() string {
	return fmt.Sprintf("--%s %q: %s", e.Flag, e.Pattern, e.Reason)
}

func (e *PatternError) InvalidInput() bool { return true }

// NewSelection checks the patterns and returns the selection they make;
// with no pattern at all it returns nil (every file).
func NewSelection(include, exclude []string) (*Selection, error) {
	if len(include) == 0 && len(exclude) == 0 {
		return nil, nil
	}
	s := &Selection{}
	var err error
	if s.include, err = cleanPatterns("include", include); err != nil {
		return nil, err
	}
	if s.exclude, err = cleanPatterns("exclude", exclude); err != nil {
		return nil, err
	}
	return s, nil
}

// cleanPatterns validates patterns and drops a leading "./" or "/" and
// trailing "/" from each.
func cleanPatterns(flag string, pats []string) ([]string, error) {
	out := make([]string, 0, len(pats))
	for _, p := range pats {
		c := strings.TrimRight(strings.TrimPrefix(strings.TrimLeft(p, "/"), "./"), "/")
		switch {
		case c == "":
			return nil, &PatternError{Flag: flag, Pattern: p, Reason: "the pattern is empty"}
		case strings.Contains(c, "\\"):
			return nil, &PatternError{Flag: flag, Pattern: p, Reason: `a backslash is not allowed (package paths use "/")`}
		case !doublestar.ValidatePattern(c):
			return nil, &PatternError{Flag: flag, Pattern: p, Reason: "not a valid glob (an unclosed [ or {, say)"}
		}
		out = append(out, c)
	}
	return out, nil
}

// Include and Exclude return the patterns as cleaned (to pass on, over
// the control socket say).
func (s *Selection) Include() []string {
	if s == nil {
		return nil
	}
	return s.include
}

func (s *Selection) Exclude() []string {
	if s == nil {
		return nil
	}
	return s.exclude
}

// Match reports whether the selection takes the file at package path p.
func (s *Selection) Match(p string) bool {
	if s == nil {
		return true
	}
	return (len(s.include) == 0 || matchAny(s.include, p)) && !matchAny(s.exclude, p)
}

// matchAny reports whether p, or a directory p is under, matches one of
// pats.
func matchAny(pats []string, p string) bool {
	for _, pat := range pats {
		if doublestar.MatchUnvalidated(pat, p) || doublestar.MatchUnvalidated(pat+"/**", p) {
			return true
		}
	}
	return false
}

// Files returns, per file of m in order, whether the selection takes it
// (nil: all of them). A selection that takes no file is a
// *NoMatchError.
func (s *Selection) Files(m *manifest.Manifest) ([]bool, error) {
	if s == nil {
		return nil, nil
	}
	want := make([]bool, len(m.Files))
	n := 0
	for i, f := range m.Files {
		if want[i] = s.Match(f.Path); want[i] {
			n++
		}
	}
	if n == 0 {
		e := &NoMatchError{Name: m.Name, Version: m.Version, Files: len(m.Files)}
		for i := 0; i < len(m.Files) && i < noMatchShown; i++ {
			e.Paths = append(e.Paths, m.Files[i].Path)
		}
		return nil, e
	}
	return want, nil
}

// noMatchShown is how many of a package's paths a NoMatchError names.
const noMatchShown = 5

// NoMatchError is a selection that takes no file of a version.
type NoMatchError struct {
	Name    string
	Version uint64
	Files   int
	Paths   []string // the first few paths of the version
}

func (e *NoMatchError) Error() string {
	msg := fmt.Sprintf("--include/--exclude match none of the %d files of %s version %d; its paths are: %s",
		e.Files, e.Name, e.Version, strings.Join(e.Paths, ", "))
	if more := e.Files - len(e.Paths); more > 0 {
		msg += fmt.Sprintf(" and %d more", more)
	}
	return msg
}

func (e *NoMatchError) InvalidInput() bool { return true }
