//go:build linux

package natlab_test

import (
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/internal/natlab"
)

// threadNetns returns the inode of the calling thread's network namespace.
func threadNetns(t *testing.T) uint64 {
	t.Helper()
	return inode(t, "/proc/thread-self/ns/net")
}

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	return fi.Sys().(*syscall.Stat_t).Ino
}

// TestDo is not parallel: it checks every thread of the process, so no
// other test may be inside Do meanwhile.
func TestDo(t *testing.T) {
	lab := natlab.New(t, natlab.Spec{Public: []string{"a"}})
	a := lab.Host("a")
	want := inode(t, filepath.Join("/run/netns", a.Netns))
	own := threadNetns(t)
	require.NotEqual(t, own, want)

	t.Run("inside", func(t *testing.T) {
		var in, spawned uint64
		require.NoError(t, a.Do(func() error {
			in = threadNetns(t)
			done := make(chan uint64)
			go func() { done <- threadNetns(t) }()
			spawned = <-done
			return nil
		}))
		require.Equal(t, want, in, "fn runs in the host")
		require.Equal(t, own, spawned, "goroutines fn starts do not")
		require.Equal(t, own, threadNetns(t), "the caller never moved")
	})
	t.Run("error", func(t *testing.T) {
		require.ErrorIs(t, a.Do(func() error { return os.ErrClosed }), os.ErrClosed)
	})
	t.Run("panic", func(t *testing.T) {
		require.PanicsWithValue(t, "boom", func() { _ = a.Do(func() error { panic("boom") }) })
	})
	t.Run("goexit", func(t *testing.T) {
		require.ErrorContains(t, a.Do(func() error { runtime.Goexit(); return nil }), "Goexit")
	})
	t.Run("sysctl", func(t *testing.T) {
		require.NoError(t, a.Sysctl("net.ipv4.ip_default_ttl", "33"))
		var got []byte
		require.NoError(t, a.Do(func() (err error) {
			got, err = os.ReadFile("/proc/sys/net/ipv4/ip_default_ttl")
			return err
		}))
		require.Equal(t, "33\n", string(got))
		own, err := os.ReadFile("/proc/sys/net/ipv4/ip_default_ttl")
		require.NoError(t, err)
		require.NotEqual(t, "33\n", string(own), "the test's namespace is untouched")
	})
	t.Run("every thread back", func(t *testing.T) {
		tasks, err := filepath.Glob("/proc/self/task/*/ns/net")
		require.NoError(t, err)
		require.NotEmpty(t, tasks)
		for _, task := range tasks {
			require.Equal(t, own, inode(t, task), task)
		}
	})
}
