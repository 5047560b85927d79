//go:build unix

package node

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// lockPortFile takes an exclusive flock on f, which goes with the
// process, or fails with errPortLocked when another holds it.
func lockPortFile(f *os.File) error {
	err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return errPortLocked
	}
	return err
}
