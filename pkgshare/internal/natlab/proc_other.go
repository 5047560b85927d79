//go:build !linux

package natlab

import (
	"os"
	"syscall"
)

// No lab is built off Linux (New skips); these only keep the package
// compiling there.

func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{} }

func ownGroup(*syscall.SysProcAttr) {}

func killGroup(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return nil
	}
	return p.Kill()
}

func kill(pid int) { _ = killGroup(pid) }

func alive(int) bool { return true }

type netnsIdentity struct{}

func netnsID(path string) (netnsIdentity, error) {
	_, err := os.Stat(path)
	return netnsIdentity{}, err
}

func pidsIn(netnsIdentity) []int { return nil }
