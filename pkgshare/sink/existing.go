package sink

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/p2psb/p2psb/pkgshare/library"
)

// Options control how a Sink writes.
type Options struct {
	// Overwrite lets the fetch replace files at the version's paths that
	// p2psb did not write there (see checkExisting).
	Overwrite bool
	// Want, if not nil, says per file of the version whether the fetch
	// takes it (a selective fetch, see want.go); nil: every file.
	Want []bool
}

// checkExisting finds the files already at the version's final paths and
// records which the fetch may replace (k.replace): those the library
// knows it wrote or recorded and that are unchanged since. Unless
// overwrite is set, any other file there fails the fetch before anything
// is written, naming it.
func (k *Sink) checkExisting(ctx context.Context, overwrite bool) error {
	k.overwrite = overwrite
	if overwrite {
		return nil
	}
	paths := make([]string, len(k.sealed.Files))
	for i, f := range k.sealed.Files {
		if k.wanted(i) {
			paths[i] = filepath.Join(k.target, filepath.FromSlash(f.Path))
		}
	}
	ok, err := k.lib.Replaceable(ctx, k.sealed.ID, paths)
	if err != nil {
		return err
	}
	var theirs []string
	for i, p := range paths {
		if p == "" {
			continue // not taken: never written
		}
		mine, there := ok[p]
		k.replace[i] = mine
		if there && !mine {
			theirs = append(theirs, p)
		}
	}
	if len(theirs) == 0 {
		return nil
	}
	if fi, err := os.Lstat(theirs[0]); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return linkError(theirs[0])
	}
	return notOursError(theirs[0], len(theirs)-1)
}

// checkFinal refuses to move file i onto a file that appeared at its final
// path (name in dir) since the fetch started, unless overwrite is set.
func (k *Sink) checkFinal(i int, dir *tree, name string) error {
	if k.overwrite || k.replace[i] {
		return nil
	}
	_, err := dir.stat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err // a link there, say
	}
	return notOursError(filepath.Join(dir.path, name), 0)
}

// notOursError refuses to replace the file at path (and more others).
func notOursError(path string, more int) error {
	reason := "is in the way: p2psb did not write it (or it changed since) and does not replace it; move it away, or fetch with --overwrite"
	if more > 0 {
		reason = fmt.Sprintf("%s (and %d more files in the way)", reason, more)
	}
	return &library.InputError{Path: path, Reason: reason}
}
