package natlab

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
)

// netnsDir is where `ip netns` keeps its named namespaces.
const netnsDir = "/run/netns"

// namePrefix starts the name of every namespace a lab creates.
const namePrefix = "natlab-"

var labSeq atomic.Uint32

// newPrefix returns a fresh lab prefix, natlab-<pid>-<id>: unique among
// live processes by the pid, and within this one by a counter (the random
// part keeps two pid namespaces sharing /run/netns apart).
func newPrefix() string {
	return fmt.Sprintf("%s%d-%x%03x", namePrefix, os.Getpid(), labSeq.Add(1), rand.IntN(0x1000))
}

// ownerPid returns the pid in a lab namespace's name, or false when name is
// not one.
func ownerPid(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, namePrefix)
	if !ok {
		return 0, false
	}
	pidStr, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(pidStr)
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, true
}

// sweep removes the namespaces of labs whose process is gone and returns
// their names. A live owner's namespaces are never touched.
func sweep() ([]string, error) {
	entries, err := os.ReadDir(netnsDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var stale []string
	for _, e := range entries {
		if pid, ok := ownerPid(e.Name()); ok && pid != os.Getpid() && !alive(pid) {
			stale = append(stale, e.Name())
		}
	}
	return stale, removeNetns(stale)
}

// removeNetns kills the processes in each named namespace and deletes
// it; a name that does not exist is skipped. It tries them all and
// returns the errors joined.
func removeNetns(names []string) error {
	var errs []error
	for _, name := range names {
		path := filepath.Join(netnsDir, name)
		id, err := netnsID(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		killIn(id)
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			if _, serr := os.Stat(path); !errors.Is(serr, os.ErrNotExist) {
				errs = append(errs, fmt.Errorf("ip netns del %s: %w: %s", name, err, firstLine(out)))
			} // else a concurrent sweep got there first
		}
		// A process that opened the namespace before the delete (an
		// `ip netns exec` just started) can enter it after the first kill.
		for range 10 {
			if killIn(id) == 0 {
				break
			}
		}
	}
	return errors.Join(errs...)
}

// killIn SIGKILLs every process inside the namespace id (only the lab
// starts processes there) and returns how many it found.
func killIn(id netnsIdentity) int {
	pids := pidsIn(id)
	for _, pid := range pids {
		kill(pid)
	}
	return len(pids)
}
