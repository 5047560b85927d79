//go:build linux || darwin

package chunker

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// mapFile maps the content of r read-only when r is a regular file longer
// than minSize positioned at its start, and moves r to its end as a read
// would. ok is false, and nothing done, for anything else. Mapping saves
// copying every byte out of the page cache; the price is that a file
// shrinking under the mapping faults instead of reading short, which the
// goroutines touching data turn into ErrChanged (see faultGuard).
func mapFile(r io.Reader, minSize int64) (data []byte, unmap func(), ok bool) {
	f, isFile := r.(*os.File)
	if !isFile {
		return nil, nil, false
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() <= minSize || int64(int(fi.Size())) != fi.Size() {
		return nil, nil, false
	}
	if pos, err := f.Seek(0, io.SeekCurrent); err != nil || pos != 0 {
		return nil, nil, false
	}
	conn, err := f.SyscallConn()
	if err != nil {
		return nil, nil, false
	}
	cerr := conn.Control(func(fd uintptr) {
		data, err = unix.Mmap(int(fd), 0, int(fi.Size()), unix.PROT_READ, unix.MAP_SHARED)
	})
	if cerr != nil || err != nil {
		return nil, nil, false
	}
	if _, err := f.Seek(fi.Size(), io.SeekStart); err != nil {
		_ = unix.Munmap(data)
		return nil, nil, false
	}
	return data, func() { _ = unix.Munmap(data) }, true
}
