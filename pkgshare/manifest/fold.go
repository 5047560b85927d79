package manifest

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// maxWarnings bounds the warnings one manifest produces.
const maxWarnings = 20

// foldWarnings reports paths of sorted that name the same file, or a file
// and a directory, once Unicode NFC normalization and case folding are
// applied, as happens on macOS and Windows file systems. Such a package can
// be published but not fetched intact everywhere.
func foldWarnings(sorted []string) []string {
	type entry struct{ key, path string }
	caser := cases.Fold()
	entries := make([]entry, 0, len(sorted))
	changed := false
	for _, p := range sorted {
		k := foldKey(caser, p)
		changed = changed || k != p
		entries = append(entries, entry{k, p})
	}
	if !changed {
		return nil // folding is the identity: no new collisions
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	keys := make([]string, len(entries))
	for i, e := range entries {
		keys[i] = e.key
	}
	var warns []string
	more := 0
	add := func(format string, args ...any) {
		if len(warns) < maxWarnings {
			warns = append(warns, fmt.Sprintf(format, args...))
		} else {
			more++
		}
	}
	for i, e := range entries {
		if i > 0 && keys[i-1] == e.key {
			add("paths %q and %q are the same file on case-insensitive or Unicode-normalizing file systems",
				entries[i-1].path, e.path)
		}
		if j, ok := dirConflict(keys, e.key); ok {
			add("file %q is also the directory of %q on case-insensitive or Unicode-normalizing file systems",
				e.path, entries[j].path)
		}
	}
	if more > 0 {
		warns = append(warns, fmt.Sprintf("%d more path collisions not listed", more))
	}
	return warns
}

// foldKey maps p to its NFC-normalized, case-folded form.
func foldKey(caser cases.Caser, p string) string {
	if isASCII(p) {
		return strings.ToLower(p)
	}
	return norm.NFC.String(caser.String(norm.NFC.String(p)))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
