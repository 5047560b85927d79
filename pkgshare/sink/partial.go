package sink

import (
	"errors"
	"fmt"
	"os"
)

// lockName is the file in a version's partial directory that a fetch
// holds an exclusive lock on (flock) while it runs, so a second fetch of
// the version into the same target stops at once instead of writing
// beside it. The lock dies with its process: a killed fetch leaves
// nothing that stops the next.
const lockName = "lock"

// partialRel is the version's partial directory relative to the target.
func (k *Sink) partialRel() string { return PartialDir + "/" + k.sealed.ID.String() }

// openPartial opens the target and the version's partial directory
// (mode 0700, created if missing) and takes the fetch's lock in it.
func (k *Sink) openPartial() error {
	var err error
	if k.tgt, err = openTree(k.target); err != nil {
		return err
	}
	if k.ver, err = k.tgt.sub(k.partialRel(), true, 0o700); err != nil {
		return err
	}
	if k.lock, err = k.ver.open(lockName, os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		return err
	}
	err = lockFile(k.lock)
	if err == nil && !k.lockStillThere() {
		err = ErrRunning // a fetch that just completed removed it
	}
	if errors.Is(err, ErrRunning) {
		return fmt.Errorf("%w: %s version %d; wait for it to end, or stop it", err, k.sealed.Name, k.sealed.Version)
	}
	return err
}

// lockStillThere reports whether the locked file and the directory
// holding it are still at their paths under the target.
func (k *Sink) lockStillThere() bool {
	held, err1 := k.lock.Stat()
	there, err2 := k.ver.stat(lockName)
	dir, err3 := k.ver.info()
	dirThere, err4 := k.tgt.stat(k.partialRel())
	return errors.Join(err1, err2, err3, err4) == nil && os.SameFile(held, there) && os.SameFile(dir, dirThere)
}

// discardPartial removes what openPartial created, when the fetch has
// nothing to do: the lock file, and the directories if they are empty.
func (k *Sink) discardPartial() {
	_ = k.ver.remove(lockName)
	if k.tgt.removeDir(k.partialRel()) == nil {
		_ = k.tgt.removeDir(PartialDir)
	}
}

// closeTrees closes the lock file and the directories, whichever are open.
func (k *Sink) closeTrees() {
	if k.lock != nil {
		k.lock.Close()
	}
	if k.ver != nil {
		k.ver.Close()
	}
	if k.tgt != nil {
		k.tgt.Close()
	}
}
