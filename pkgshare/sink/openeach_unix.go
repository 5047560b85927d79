//go:build unix

package sink

import (
	"strings"

	"golang.org/x/sys/unix"
)

// openEach opens rel under dirfd one component at a time, each with
// O_NOFOLLOW, so no link on the way is followed; rel holds no "..".
func openEach(dirfd int, rel string, flags int, mode uint32) (int, error) {
	parts := strings.Split(rel, "/")
	cur := dirfd
	for _, c := range parts[:len(parts)-1] {
		next, err := unix.Openat(cur, c, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if cur != dirfd {
			unix.Close(cur)
		}
		if err != nil {
			return -1, err
		}
		cur = next
	}
	fd, err := unix.Openat(cur, parts[len(parts)-1], flags|unix.O_NOFOLLOW, mode)
	if cur != dirfd {
		unix.Close(cur)
	}
	return fd, err
}
