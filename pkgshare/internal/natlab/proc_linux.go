//go:build linux

package natlab

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// childAttr makes a child process die with the thread that started it.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// ownGroup makes a child the leader of a process group of its own.
func ownGroup(a *syscall.SysProcAttr) { a.Setpgid = true }

// killGroup SIGKILLs the process group that pid leads, if it is still there.
func killGroup(pid int) error {
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	return nil
}

// kill SIGKILLs one process.
func kill(pid int) { _ = syscall.Kill(pid, syscall.SIGKILL) }

// alive reports whether a process with this pid exists.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// netnsIdentity names a network namespace: its nsfs device and inode.
type netnsIdentity struct{ dev, ino uint64 }

// netnsID returns the identity of the namespace at path (a /run/netns
// entry or a /proc/<pid>/ns/net link).
func netnsID(path string) (netnsIdentity, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return netnsIdentity{}, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	return netnsIdentity{dev: uint64(st.Dev), ino: st.Ino}, nil
}

// pidsIn returns the processes, other than this one, whose network
// namespace is id (what `ip netns pids` does).
func pidsIn(id netnsIdentity) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		if got, err := netnsID(filepath.Join("/proc", e.Name(), "ns", "net")); err == nil && got == id {
			pids = append(pids, pid)
		}
	}
	return pids
}
