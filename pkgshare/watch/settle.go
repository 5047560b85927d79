package watch

import (
	"os"
	"time"
)

// Clock is the watcher's time: Now, and a channel that receives once d
// from now. The real one is the time package's.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// fileState is what a changed path looked like: missing, a directory
// (whose time moves with its entries, which raise events of their own),
// or a file's size and modification time.
type fileState struct {
	exists, dir bool
	size        int64
	mtime       int64
}

func statOf(path string) fileState {
	fi, err := os.Lstat(path)
	switch {
	case err != nil:
		return fileState{}
	case fi.IsDir():
		return fileState{exists: true, dir: true}
	}
	return fileState{exists: true, size: fi.Size(), mtime: fi.ModTime().UnixNano()}
}

// settler decides when the changes seen are ready to publish: the tree
// was quiet for settle and every changed file is as its last event left
// it (see the package doc's Stable).
type settler struct {
	settle  time.Duration
	changed map[string]fileState // path -> state at its last event
	last    time.Time            // the last event
}

func newSettler(settle time.Duration) *settler {
	return &settler{settle: settle, changed: map[string]fileState{}}
}

// dirty reports whether changes wait to be published.
func (s *settler) dirty() bool { return len(s.changed) > 0 }

// seen records an event for path at now.
func (s *settler) seen(path string, now time.Time) {
	s.changed[path] = statOf(path)
	s.last = now
}

// check runs when a timer fires at now: it returns 0 when the changes are
// ready to publish, or how long to wait before checking again. A file
// that moved since its last event counts as a new event.
func (s *settler) check(now time.Time) time.Duration {
	if wait := s.last.Add(s.settle).Sub(now); wait > 0 {
		return wait
	}
	moved := false
	for p, st := range s.changed {
		if cur := statOf(p); cur != st {
			s.changed[p] = cur
			moved = true
		}
	}
	if moved {
		s.last = now
		return s.settle
	}
	return 0
}

// take hands over the changes for a publish, leaving none.
func (s *settler) take() map[string]fileState {
	c := s.changed
	s.changed = map[string]fileState{}
	return c
}

// restore puts back changes whose publish must be tried again, as new
// events at now.
func (s *settler) restore(c map[string]fileState, now time.Time) {
	for p := range c {
		if _, ok := s.changed[p]; !ok {
			s.changed[p] = statOf(p)
		}
	}
	s.last = now
}
