package sink

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// reserve allocates the blocks of f's first size bytes, keeping what it
// holds (fallocate without flags). Only a full disk is an error: a file
// system without fallocate just stays sparse.
func reserve(f *os.File, size int64) error {
	if size == 0 {
		return nil
	}
	sc, err := f.SyscallConn()
	if err != nil {
		return nil
	}
	var ferr error
	if err := sc.Control(func(fd uintptr) { ferr = unix.Fallocate(int(fd), 0, 0, size) }); err != nil {
		return nil
	}
	if errors.Is(ferr, unix.ENOSPC) {
		return ferr
	}
	return nil
}
