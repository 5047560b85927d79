package sink

import (
	"errors"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// noOpenat2 is set once the kernel turned openat2 down (before Linux 5.6).
var noOpenat2 atomic.Bool

// openBeneath opens rel under dirfd, refusing a symbolic link on any
// component and any path leaving dirfd: openat2 with RESOLVE_BENEATH and
// RESOLVE_NO_SYMLINKS, or, where the kernel lacks it, one O_NOFOLLOW
// open per component.
func openBeneath(dirfd int, rel string, flags int, mode uint32) (int, error) {
	if !noOpenat2.Load() {
		fd, err := unix.Openat2(dirfd, rel, &unix.OpenHow{Flags: uint64(flags), Mode: uint64(mode),
			Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS})
		switch {
		case errors.Is(err, unix.ENOSYS):
			noOpenat2.Store(true)
		case errors.Is(err, unix.EPERM): // a seccomp filter that does not know openat2
		default:
			return fd, err
		}
	}
	return openEach(dirfd, rel, flags, mode)
}
