package home

import (
	"fmt"
	"io/fs"
	"os"
)

// openKeyFile opens the identity file at path for reading and returns it
// with its metadata. An error satisfying errors.Is(err, fs.ErrNotExist)
// means there is no file, and nothing else, at path.
//
// Only a regular file is opened. Opening a FIFO blocks until a writer
// comes, beyond the reach of SIGTERM, and a device or socket is no key, so
// the path is checked with Lstat before it is opened. A symbolic link is
// refused too, not followed: the key's 0600 mode and its home's 0700 only
// protect the key if the key is really there, and a link is also the way
// to make p2psb read a file it was never meant to. The open itself is
// non-blocking and does not follow links, and the opened file is checked
// again, in case the path was replaced in between.
func openKeyFile(path string) (*os.File, fs.FileInfo, error) {
	before, err := os.Lstat(path)
	if err != nil {
		return nil, nil, err
	}
	if !before.Mode().IsRegular() {
		return nil, nil, notRegular(path, before.Mode())
	}
	f, err := os.OpenFile(path, os.O_RDONLY|openKeyFlags, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("identity key: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("identity key %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, notRegular(path, fi.Mode())
	}
	if !os.SameFile(before, fi) {
		f.Close()
		return nil, nil, &KeyError{Path: path, Reason: "was replaced while it was being opened; try again"}
	}
	return f, fi, nil
}

func notRegular(path string, mode fs.FileMode) error {
	return &KeyError{Path: path, Reason: fmt.Sprintf(
		"is %s, not a regular file; put the key file itself there, or move this away to create a new identity",
		fileKind(mode))}
}

// fileKind names the type of a file that is not a regular one.
func fileKind(mode fs.FileMode) string {
	switch {
	case mode&fs.ModeSymlink != 0:
		return "a symbolic link"
	case mode.IsDir():
		return "a directory"
	case mode&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case mode&fs.ModeSocket != 0:
		return "a socket"
	case mode&fs.ModeDevice != 0:
		return "a device"
	default:
		return "a special file"
	}
}
