package library

import (
	"path/filepath"
)

// RefusePrivate fails publishing (or watching, as verb says) dir when
// one of the private directories (see PublishOptions.Private) is dir or
// lies inside it, naming it. Both are compared with symbolic links
// resolved, so a home named through a link is found too; links inside a
// tree that lead out of it are refused by the scan.
func RefusePrivate(verb, dir string, private []string) error {
	for _, p := range private {
		if within(resolved(p), resolved(dir)) {
			return privateError(verb, dir, p)
		}
	}
	return nil
}

func privateError(verb, dir, home string) error {
	return &InputError{Path: dir, Reason: "holds this node's home " + home +
		" (its private key and database are never published); " + verb +
		" a directory without the home in it, or keep the home elsewhere with --home"}
}

// resolved is p made absolute with its symbolic links resolved, or as
// far as it exists; "" when p cannot be made absolute.
func resolved(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return ""
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real
	}
	return abs
}
