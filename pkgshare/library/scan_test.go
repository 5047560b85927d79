package library

import (
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestScanRefusals(t *testing.T) {
	cases := []struct {
		name   string
		setup  func(t *testing.T, root string)
		follow bool
		want   string
	}{
		{"missing", func(t *testing.T, root string) { require.NoError(t, os.Remove(root)) }, false, "no such file or directory"},
		{"empty tree", func(t *testing.T, root string) { require.NoError(t, os.MkdirAll(filepath.Join(root, "d"), 0o755)) }, false, "no files to publish"},
		{"fifo", func(t *testing.T, root string) { require.NoError(t, syscall.Mkfifo(filepath.Join(root, "p"), 0o644)) }, false, "named pipe"},
		{"socket", func(t *testing.T, root string) {
			ln, err := net.Listen("unix", filepath.Join(root, "s"))
			require.NoError(t, err)
			t.Cleanup(func() { ln.Close() })
		}, false, "is a socket"},
		{"device", func(t *testing.T, root string) {
			if err := syscall.Mknod(filepath.Join(root, "null"), syscall.S_IFCHR|0o644, 1<<8|3); err != nil {
				t.Skipf("mknod needs root: %v", err)
			}
		}, false, "is a device"},
		{"symlink", func(t *testing.T, root string) { require.NoError(t, os.Symlink("f", filepath.Join(root, "l"))) }, false, "is a symbolic link"},
		{"symlink outside", func(t *testing.T, root string) {
			require.NoError(t, os.Symlink("/etc/hostname", filepath.Join(root, "l")))
		}, true, "points outside the package"},
		{"symlink to dir", func(t *testing.T, root string) {
			require.NoError(t, os.Mkdir(filepath.Join(root, "d"), 0o755))
			require.NoError(t, os.Symlink("d", filepath.Join(root, "l")))
		}, true, "symbolic link to a directory"},
		{"broken symlink", func(t *testing.T, root string) { require.NoError(t, os.Symlink("nothing", filepath.Join(root, "l"))) }, true, "broken symbolic link"},
		{"bad path", func(t *testing.T, root string) {
			require.NoError(t, os.WriteFile(filepath.Join(root, "a\\b"), nil, 0o644))
		}, false, "cannot be a package path"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := filepath.Join(t.TempDir(), "tree")
			require.NoError(t, os.Mkdir(root, 0o755))
			if tc.name != "empty tree" && tc.name != "missing" {
				require.NoError(t, os.WriteFile(filepath.Join(root, "f"), []byte("x"), 0o644))
			}
			tc.setup(t, root)
			_, _, err := scan(root, scanOptions{FollowSymlinks: tc.follow})
			var ie *InputError
			require.ErrorAs(t, err, &ie)
			require.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestScanFollowsLinksInside(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "sub", "f"), []byte("x"), 0o755))
	require.NoError(t, os.Symlink("sub/f", filepath.Join(root, "l")))
	_, files, err := scan(root, scanOptions{FollowSymlinks: true})
	require.NoError(t, err)
	require.Len(t, files, 2)
	require.Equal(t, "l", files[0].Rel)
	require.Equal(t, filepath.Join(root, "sub", "f"), files[0].Abs)
	require.Equal(t, os.FileMode(0o755), files[1].Mode)
}
