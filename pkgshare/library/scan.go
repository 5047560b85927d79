package library

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// InputError is a problem with what the user asked to publish: nothing is
// recorded when one is returned.
type InputError struct {
	Path   string
	Reason string
}

func (e *InputError) Error() string      { return e.Path + ": " + e.Reason }
func (e *InputError) InvalidInput() bool { return true }

// localFile is a file found on disk for publishing.
type localFile struct {
	Rel     string // slash-separated path inside the package
	Abs     string // where it is on disk
	Size    int64
	Mode    fs.FileMode // permission bits only
	ModTime time.Time
}

// scanOptions control what scan accepts.
type scanOptions struct {
	FollowSymlinks bool // follow links whose target stays inside the tree
}

// scan lists the regular files under root (or root itself, when it is a
// file), sorted by path. It refuses anything that cannot be published as it
// is: links (unless followed inside the tree), devices, sockets, pipes,
// unreadable files, paths the manifest would refuse, and an empty tree.
func scan(root string, opts scanOptions) (base string, files []localFile, err error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", root, err)
	}
	fi, err := os.Lstat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil, &InputError{Path: root, Reason: "no such file or directory"}
	}
	if err != nil {
		return "", nil, &InputError{Path: root, Reason: err.Error()}
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		if abs, err = filepath.EvalSymlinks(abs); err != nil {
			return "", nil, &InputError{Path: root, Reason: "broken symbolic link"}
		}
		if fi, err = os.Stat(abs); err != nil {
			return "", nil, &InputError{Path: root, Reason: err.Error()}
		}
	}
	if !fi.IsDir() {
		f, err := fileEntry(filepath.Dir(abs), abs, filepath.Base(abs), fi)
		if err != nil {
			return "", nil, err
		}
		return filepath.Dir(abs), []localFile{f}, nil
	}
	w := &walker{root: abs, opts: opts}
	if w.realRoot, err = filepath.EvalSymlinks(abs); err != nil {
		return "", nil, &InputError{Path: root, Reason: err.Error()}
	}
	if err := filepath.WalkDir(abs, w.visit); err != nil {
		return "", nil, err
	}
	if len(w.files) == 0 {
		return "", nil, &InputError{Path: root, Reason: "directory has no files to publish"}
	}
	sort.Slice(w.files, func(i, j int) bool { return w.files[i].Rel < w.files[j].Rel })
	return abs, w.files, nil
}

type walker struct {
	root, realRoot string
	opts           scanOptions
	files          []localFile
}

func (w *walker) visit(path string, d fs.DirEntry, err error) error {
	if err != nil {
		return &InputError{Path: path, Reason: "cannot read: " + Cause(err)}
	}
	if d.IsDir() {
		return nil
	}
	rel, err := filepath.Rel(w.root, path)
	if err != nil {
		return err
	}
	rel = filepath.ToSlash(rel)
	fi, err := d.Info()
	if err != nil {
		return &InputError{Path: path, Reason: err.Error()}
	}
	if d.Type()&fs.ModeSymlink != 0 {
		if fi, path, err = w.follow(path); err != nil {
			return err
		}
	}
	f, err := fileEntry(w.root, path, rel, fi)
	if err != nil {
		return err
	}
	w.files = append(w.files, f)
	return nil
}

// follow resolves a symbolic link, refusing it unless following is on and
// its target is a regular file inside the tree.
func (w *walker) follow(link string) (fs.FileInfo, string, error) {
	if !w.opts.FollowSymlinks {
		return nil, "", &InputError{Path: link,
			Reason: "is a symbolic link; links are not published (use --follow-symlinks for links inside the tree)"}
	}
	target, err := filepath.EvalSymlinks(link)
	if err != nil {
		return nil, "", &InputError{Path: link, Reason: "broken symbolic link"}
	}
	if !within(target, w.realRoot) {
		return nil, "", &InputError{Path: link, Reason: "symbolic link points outside the package (" + target + ")"}
	}
	fi, err := os.Stat(target)
	if err != nil {
		return nil, "", &InputError{Path: link, Reason: err.Error()}
	}
	if fi.IsDir() {
		return nil, "", &InputError{Path: link, Reason: "symbolic link to a directory; only links to files are followed"}
	}
	return fi, target, nil
}

// fileEntry checks that one file can be published and describes it.
func fileEntry(root, abs, rel string, fi fs.FileInfo) (localFile, error) {
	if !fi.Mode().IsRegular() {
		return localFile{}, &InputError{Path: abs, Reason: "is a " + fileKind(fi.Mode()) + "; only regular files are published"}
	}
	if err := manifest.ValidatePath(rel); err != nil {
		return localFile{}, &InputError{Path: abs, Reason: "cannot be a package path: " + err.Error()}
	}
	f, err := os.Open(abs)
	if err != nil {
		return localFile{}, &InputError{Path: abs, Reason: "cannot read: " + Cause(err)}
	}
	f.Close()
	mode := fs.FileMode(0o644)
	if fi.Mode().Perm()&0o111 != 0 {
		mode = 0o755
	}
	return localFile{Rel: rel, Abs: abs, Size: fi.Size(), Mode: mode, ModTime: fi.ModTime()}, nil
}

// Cause is the reason an fs operation failed, without the path it names.
func Cause(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	default:
		return "special file"
	}
}

// within reports whether p is dir or lies below it.
func within(p, dir string) bool {
	if p == "" || dir == "" {
		return false
	}
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
