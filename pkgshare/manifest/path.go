package manifest

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ValidatePath checks a file path as a manifest carries it: relative,
// slash-separated, valid UTF-8, no NUL, backslash or control character, no
// leading or trailing '/', no empty, "." or ".." component, at most
// MaxPathLen bytes, MaxPathDepth components and MaxComponentLen bytes per
// component. Such a path, joined under a directory, always stays inside it.
func ValidatePath(p string) error {
	bad := func(format string, args ...any) error {
		return invalid(ErrBadPath, "path", clip(p), format, args...)
	}
	switch {
	case p == "":
		return bad("empty path")
	case len(p) > MaxPathLen:
		return bad("%d bytes long; the limit is %d", len(p), MaxPathLen)
	case p[0] == '/':
		return bad("absolute; paths must be relative to the package root")
	case p[len(p)-1] == '/':
		return bad("ends with '/'")
	}
	if reason := charProblem(p); reason != "" {
		return bad("%s", reason)
	}
	depth := 0
	for rest := p; rest != ""; depth++ {
		var comp string
		comp, rest, _ = strings.Cut(rest, "/")
		if reason := componentProblem(comp); reason != "" {
			return bad("component %d: %s", depth+1, reason)
		}
	}
	if depth > MaxPathDepth {
		return bad("%d components deep; the limit is %d", depth, MaxPathDepth)
	}
	return nil
}

// ValidateName checks a package name: it must be usable as a single path
// component (a fetch may create a directory of that name), so it is
// non-empty, at most MaxNameLen bytes, valid UTF-8, without '/', '\', NUL or
// control characters, and neither "." nor "..".
func ValidateName(name string) error {
	bad := func(reason string) error {
		return invalid(ErrBadName, "name", "", "%q: %s", clip(name), reason)
	}
	if len(name) > MaxNameLen {
		return bad("longer than " + strconv.Itoa(MaxNameLen) + " bytes")
	}
	if reason := charProblem(name); reason != "" {
		return bad(reason)
	}
	if strings.IndexByte(name, '/') >= 0 {
		return bad("contains '/'")
	}
	if reason := componentProblem(name); reason != "" {
		return bad(reason)
	}
	return nil
}

// componentProblem says what is wrong with one path component, or "".
func componentProblem(c string) string {
	switch {
	case c == "":
		return "empty (a '//' in the path)"
	case c == ".":
		return `"." is not allowed`
	case c == "..":
		return `".." is not allowed`
	case len(c) > MaxComponentLen:
		return "longer than " + strconv.Itoa(MaxComponentLen) + " bytes"
	}
	return ""
}

// charProblem finds invalid UTF-8, NUL, backslash and control characters
// (Unicode category Cc: C0, DEL and C1) and says what it found, or "".
func charProblem(s string) string {
	for i, r := range s {
		switch {
		case r == utf8.RuneError && isInvalidAt(s, i):
			return "invalid UTF-8 at byte " + strconv.Itoa(i)
		case r == 0:
			return "contains NUL"
		case r == '\\':
			return `contains '\' (use '/' to separate directories)`
		case unicode.IsControl(r):
			return "contains control character " + strconv.QuoteRune(r)
		}
	}
	return ""
}

// isInvalidAt reports whether the RuneError decoded at s[i] stems from an
// invalid encoding rather than a literal U+FFFD.
func isInvalidAt(s string, i int) bool {
	_, size := utf8.DecodeRuneInString(s[i:])
	return size == 1
}
