//go:build !unix

package sink

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// tree is a directory; see tree.go. Without the *at system calls of
// unix, each path is checked for links before it is used, which a link
// planted between the check and the use defeats.
type tree struct{ path string }

func openTree(path string) (*tree, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, notDirError(path)
	}
	return &tree{path: path}, nil
}

func (t *tree) Close() error               { return nil }
func (t *tree) info() (fs.FileInfo, error) { return os.Stat(t.path) }
func (t *tree) abs(rel string) string      { return filepath.Join(t.path, filepath.FromSlash(rel)) }

// check refuses a link or non-directory on the way to rel, and a link at
// rel.
func (t *tree) check(rel string) error {
	parts := strings.Split(rel, "/")
	for i := range parts {
		p := t.abs(strings.Join(parts[:i+1], "/"))
		fi, err := os.Lstat(p)
		switch {
		case err != nil:
			return nil // what is missing is created, or fails, at its use
		case fi.Mode()&fs.ModeSymlink != 0:
			return linkError(p)
		case i < len(parts)-1 && !fi.IsDir():
			return notDirError(p)
		}
	}
	return nil
}

func (t *tree) sub(rel string, create bool, perm fs.FileMode) (*tree, error) {
	sub := &tree{path: t.path}
	for _, c := range strings.Split(rel, "/") {
		if c == "" || c == "." {
			continue
		}
		if err := sub.check(c); err != nil {
			return nil, err
		}
		sub = &tree{path: sub.abs(c)}
		if create {
			if err := os.Mkdir(sub.path, perm); err != nil && !errors.Is(err, fs.ErrExist) {
				return nil, err
			}
		}
	}
	if _, err := os.Stat(sub.path); err != nil {
		return nil, err
	}
	return sub, nil
}

func (t *tree) open(rel string, flags int, perm fs.FileMode) (*os.File, error) {
	if err := t.check(rel); err != nil {
		return nil, err
	}
	return os.OpenFile(t.abs(rel), flags, perm)
}

func (t *tree) stat(rel string) (fs.FileInfo, error) {
	if err := t.check(rel); err != nil {
		return nil, err
	}
	return os.Lstat(t.abs(rel))
}

func (t *tree) rename(old string, to *tree, new string) error {
	if fi, err := to.stat(new); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("refusing to replace %s: it is not a regular file", to.abs(new))
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return os.Rename(t.abs(old), to.abs(new))
}

func (t *tree) remove(rel string) error {
	if err := t.check(rel); err != nil {
		return err
	}
	return os.Remove(t.abs(rel))
}

func (t *tree) removeDir(rel string) error { return t.remove(rel) }

func (t *tree) removeAll(rel string) error {
	if err := t.check(rel); err != nil {
		return err
	}
	return os.RemoveAll(t.abs(rel))
}

// lockFile does nothing here: two fetches of a version into one target
// are not kept apart off unix.
func lockFile(*os.File) error { return nil }
