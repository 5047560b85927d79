//go:build unix

package sink

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// tree is a directory held open; see tree.go.
type tree struct {
	path string // for messages
	dir  *os.File
	rc   syscall.RawConn
}

// openTree opens the directory path (following links in path itself: the
// user named it).
func openTree(path string) (*tree, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return newTree(path, fd)
}

func newTree(path string, fd int) (*tree, error) {
	f := os.NewFile(uintptr(fd), path)
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &tree{path: path, dir: f, rc: rc}, nil
}

// Close closes the directory.
func (t *tree) Close() error { return t.dir.Close() }

// info describes the directory itself.
func (t *tree) info() (fs.FileInfo, error) { return t.dir.Stat() }

// do runs fn with t's descriptor, which stays open meanwhile.
func (t *tree) do(fn func(fd int) error) error {
	var ferr error
	if err := t.rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return fmt.Errorf("%s: %w", t.path, os.ErrClosed) // the only way Control fails
	}
	return ferr
}

// sub opens the directory rel (slash-separated) under t, creating the
// missing ones with perm when create is set.
func (t *tree) sub(rel string, create bool, perm fs.FileMode) (*tree, error) {
	var fd int
	err := t.do(func(dirfd int) (err error) {
		fd, err = t.openDirs(dirfd, rel, create, perm)
		return err
	})
	if err != nil {
		return nil, err
	}
	return newTree(filepath.Join(t.path, filepath.FromSlash(rel)), fd)
}

// openDirs opens rel under dirfd one directory at a time, none of them
// a link, and returns a new descriptor of the last.
func (t *tree) openDirs(dirfd int, rel string, create bool, perm fs.FileMode) (int, error) {
	const flags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
	cur, err := unix.Openat(dirfd, ".", flags, 0)
	if err != nil {
		return -1, &fs.PathError{Op: "open", Path: t.path, Err: err}
	}
	done := ""
	for _, c := range strings.Split(rel, "/") {
		if c == "" || c == "." {
			continue
		}
		done = filepath.Join(done, c)
		next, err := unix.Openat(cur, c, flags, 0)
		if errors.Is(err, unix.ENOENT) && create {
			if err = unix.Mkdirat(cur, c, uint32(perm.Perm())); err == nil || errors.Is(err, unix.EEXIST) {
				next, err = unix.Openat(cur, c, flags, 0)
			}
		}
		unix.Close(cur)
		if err != nil {
			return -1, t.explain(dirfd, done, err)
		}
		cur = next
	}
	return cur, nil
}

// open opens the file rel under t with flags, refusing a link anywhere on
// the way (see openBeneath).
func (t *tree) open(rel string, flags int, perm fs.FileMode) (*os.File, error) {
	var f *os.File
	err := t.do(func(dirfd int) error {
		fd, err := openBeneath(dirfd, rel, flags|unix.O_NOFOLLOW|unix.O_CLOEXEC, uint32(perm.Perm()))
		if err != nil {
			return t.explain(dirfd, rel, err)
		}
		f = os.NewFile(uintptr(fd), filepath.Join(t.path, filepath.FromSlash(rel)))
		return nil
	})
	return f, err
}

// stat returns what is at rel under t, refusing a link; opening it
// non-blocking keeps a FIFO planted there from stopping the fetch.
func (t *tree) stat(rel string) (fs.FileInfo, error) {
	f, err := t.open(rel, unix.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Stat()
}

// rename moves old (a name in t) to new (a name in to); a link at new is
// refused.
func (t *tree) rename(old string, to *tree, new string) error {
	if fi, err := to.stat(new); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("refusing to replace %s: it is not a regular file", filepath.Join(to.path, new))
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return t.do(func(from int) error {
		return to.do(func(dst int) error {
			if err := unix.Renameat(from, old, dst, new); err != nil {
				return &os.LinkError{Op: "rename", Old: filepath.Join(t.path, old), New: filepath.Join(to.path, new), Err: err}
			}
			return nil
		})
	})
}

// removeAll removes the directory rel under t and what it holds, without
// following links (a link in it is removed, not its target).
func (t *tree) removeAll(rel string) error {
	sub, err := t.sub(rel, false, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	names, err := sub.dir.Readdirnames(-1)
	for _, name := range names {
		if err != nil {
			break
		}
		err = sub.remove(name)
		if errors.Is(err, unix.EISDIR) || errors.Is(err, unix.EPERM) {
			err = sub.removeAll(name)
		}
	}
	sub.Close()
	if err != nil {
		return fmt.Errorf("remove %s: %w", sub.path, err)
	}
	return t.removeDir(rel)
}

// remove removes the file rel under t (a link itself, not its target).
func (t *tree) remove(rel string) error {
	return t.do(func(fd int) error {
		if err := unix.Unlinkat(fd, rel, 0); err != nil {
			return &fs.PathError{Op: "remove", Path: filepath.Join(t.path, rel), Err: err}
		}
		return nil
	})
}

// removeDir removes the empty directory rel under t.
func (t *tree) removeDir(rel string) error {
	return t.do(func(fd int) error {
		if err := unix.Unlinkat(fd, rel, unix.AT_REMOVEDIR); err != nil {
			return &fs.PathError{Op: "remove", Path: filepath.Join(t.path, rel), Err: err}
		}
		return nil
	})
}

// explain turns the failure to open rel under dirfd into an error naming
// the first link or non-directory on the way, if there is one.
func (t *tree) explain(dirfd int, rel string, err error) error {
	parts := strings.Split(rel, "/")
	for i := range parts {
		p := strings.Join(parts[:i+1], "/")
		var st unix.Stat_t
		if unix.Fstatat(dirfd, p, &st, unix.AT_SYMLINK_NOFOLLOW) != nil {
			break
		}
		abs := filepath.Join(t.path, filepath.FromSlash(p))
		switch {
		case st.Mode&unix.S_IFMT == unix.S_IFLNK:
			return linkError(abs)
		case i < len(parts)-1 && st.Mode&unix.S_IFMT != unix.S_IFDIR:
			return notDirError(abs)
		}
	}
	return &fs.PathError{Op: "open", Path: filepath.Join(t.path, filepath.FromSlash(rel)), Err: err}
}

// lockFile takes an exclusive lock on f, failing with ErrRunning at once
// when another open file holds it. The lock goes with the process.
func lockFile(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = unix.Flock(int(fd), unix.LOCK_EX|unix.LOCK_NB) }); err != nil {
		return err
	}
	if errors.Is(ferr, unix.EWOULDBLOCK) {
		return ErrRunning
	}
	return ferr
}
