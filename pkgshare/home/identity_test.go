//go:build unix

package home

import (
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestIdentityRefusesNonRegularFiles checks that Identity answers at once,
// with a KeyError naming the path, for an identity.key that is not a
// regular file, and leaves that file where it is. A FIFO used to block
// open(2) until a writer came, which a signal does not interrupt.
func TestIdentityRefusesNonRegularFiles(t *testing.T) {
	cases := []struct {
		name string
		make func(t *testing.T, h *Home, path string)
		kind string
	}{
		{"fifo", func(t *testing.T, _ *Home, path string) {
			require.NoError(t, syscall.Mkfifo(path, 0o600))
		}, "a named pipe"},
		{"directory", func(t *testing.T, _ *Home, path string) {
			require.NoError(t, os.Mkdir(path, 0o700))
		}, "a directory"},
		{"socket", func(t *testing.T, _ *Home, path string) {
			l, err := net.Listen("unix", path)
			require.NoError(t, err)
			t.Cleanup(func() { l.Close() })
		}, "a socket"},
		{"device", func(t *testing.T, _ *Home, path string) {
			if os.Getuid() != 0 {
				t.Skip("making a device node needs root")
			}
			require.NoError(t, syscall.Mknod(path, syscall.S_IFCHR|0o600, 1<<8|3)) // like /dev/null
		}, "a device"},
		{"symlink to a device", func(t *testing.T, _ *Home, path string) {
			require.NoError(t, os.Symlink(os.DevNull, path))
		}, "a symbolic link"},
		{"symlink to a good key", func(t *testing.T, h *Home, path string) {
			other := newHome(t)
			_, err := other.Identity()
			require.NoError(t, err)
			require.NoError(t, os.Symlink(other.Path(IdentityFile), path))
		}, "a symbolic link"},
		{"dangling symlink", func(t *testing.T, _ *Home, path string) {
			require.NoError(t, os.Symlink("nowhere", path))
		}, "a symbolic link"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHome(t)
			path := h.Path(IdentityFile)
			tc.make(t, h, path)
			before, err := os.Lstat(path)
			require.NoError(t, err)

			err = identityWithin(t, h, 10*time.Second)
			var ke *KeyError
			require.ErrorAs(t, err, &ke)
			require.Contains(t, err.Error(), path)
			require.Contains(t, err.Error(), tc.kind+", not a regular file")

			after, err := os.Lstat(path)
			require.NoError(t, err)
			require.True(t, os.SameFile(before, after), "the file must be left where it is")
			require.Equal(t, before.Mode(), after.Mode())
		})
	}
}

// identityWithin calls h.Identity and fails the test if it has not
// returned within d. A call stuck opening a FIFO is released by opening
// the FIFO's other end.
func identityWithin(t *testing.T, h *Home, d time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := h.Identity()
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		if w, err := os.OpenFile(h.Path(IdentityFile), os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
		<-done
		t.Fatalf("Identity did not return within %v", d)
		return nil
	}
}
