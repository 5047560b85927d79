package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/p2psb/p2psb/pkgshare/library"
)

// DefaultSettle is the settle period when Options.Settle is zero.
const DefaultSettle = time.Second

// Options control a Watcher.
type Options struct {
	// Publish publishes the watched directory (the library's Publish, or
	// a daemon's); it runs on the watcher's goroutine, one at a time.
	Publish func(ctx context.Context) (*library.PublishResult, error)
	// Published is told each publish's result (Unchanged ones included)
	// or error, on the watcher's goroutine. A failed publish is tried
	// again after the next change.
	Published func(*library.PublishResult, error)
	Settle    time.Duration // quiet period; 0: DefaultSettle
	Clock     Clock         // nil: the real clock

	// For tests: told of each event once it is recorded, and of each
	// settle check's outcome ("wait" or "publish").
	onEvent func(fsnotify.Event)
	onCheck func(outcome string)
}

// Watcher publishes a directory again after its files change; see the
// package doc.
type Watcher struct {
	dir    string
	opts   Options
	fsw    *fsnotify.Watcher
	st     *settler
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
	err    error
}

// New watches dir and every directory under it, publishes it once at
// once (its error, such as bad input, is New's), then publishes it again
// after each settled change until Close or the end of ctx.
func New(ctx context.Context, dir string, opts Options) (*Watcher, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", dir, err)
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return nil, &library.InputError{Path: dir, Reason: "is not a directory to watch"}
	}
	if opts.Settle <= 0 {
		opts.Settle = DefaultSettle
	}
	if opts.Clock == nil {
		opts.Clock = realClock{}
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", dir, err)
	}
	w := &Watcher{dir: abs, opts: opts, fsw: fsw, st: newSettler(opts.Settle), done: make(chan struct{}),
		log: slog.Default().With("component", "watch", "dir", abs)}
	if err := w.addTree(abs, false); err != nil {
		fsw.Close()
		return nil, err
	}
	res, err := opts.Publish(ctx)
	if err != nil {
		fsw.Close()
		return nil, err
	}
	opts.Published(res, nil)
	w.ctx, w.cancel = context.WithCancel(ctx)
	go w.run()
	return w, nil
}

// Close stops watching, cancelling a publish in flight, and waits for
// the watcher's goroutine. It is idempotent.
func (w *Watcher) Close() error {
	w.once.Do(func() {
		w.cancel()
		<-w.done
		w.err = w.fsw.Close()
	})
	return w.err
}

// run is the owner goroutine: it records events and publishes once they
// settle.
func (w *Watcher) run() {
	defer close(w.done)
	var fire <-chan time.Time
	arm := func(d time.Duration) {
		if fire == nil {
			fire = w.opts.Clock.After(d)
		}
	}
	for {
		select {
		case <-w.ctx.Done():
			return
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			w.event(ev)
			arm(w.opts.Settle)
			if w.opts.onEvent != nil {
				w.opts.onEvent(ev)
			}
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			// Lost events (a queue overflow): take the whole tree as
			// changed.
			w.log.Info("watch error; publishing the tree after it settles", "err", err)
			w.st.seen(w.dir, w.opts.Clock.Now())
			arm(w.opts.Settle)
		case <-fire:
			fire = nil
			wait, outcome := w.settled()
			if wait > 0 {
				arm(wait)
			}
			if w.opts.onCheck != nil && outcome != "" {
				w.opts.onCheck(outcome)
			}
		}
	}
}

// settled checks the changes when the timer fires and publishes them
// once stable. It returns how long to wait for the next check (0: none)
// and what it did, "wait" or "publish" ("" for nothing).
func (w *Watcher) settled() (time.Duration, string) {
	if !w.st.dirty() {
		return 0, ""
	}
	if wait := w.st.check(w.opts.Clock.Now()); wait > 0 {
		return wait, "wait"
	}
	w.st.take()
	res, err := w.opts.Publish(w.ctx)
	if w.ctx.Err() != nil {
		return 0, ""
	}
	w.opts.Published(res, err)
	if w.st.dirty() {
		return w.opts.Settle, "publish"
	}
	return 0, "publish"
}

// event records one fsnotify event; a new directory is watched, and its
// files (made before the watch) count as changed.
func (w *Watcher) event(ev fsnotify.Event) {
	w.st.seen(ev.Name, w.opts.Clock.Now())
	if !ev.Has(fsnotify.Create) {
		return
	}
	if fi, err := os.Lstat(ev.Name); err == nil && fi.IsDir() {
		if err := w.addTree(ev.Name, true); err != nil {
			w.log.Info("watch new directory", "path", ev.Name, "err", err)
		}
	}
}

// addTree watches root and every directory under it (links are not
// followed); with changed, the files found count as changed.
func (w *Watcher) addTree(root string, changed bool) error {
	now := w.opts.Clock.Now()
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return fmt.Errorf("watch %s: %w", p, err)
			}
			return nil // gone meanwhile, or unreadable: publish says so
		}
		if !d.IsDir() {
			if changed {
				w.st.seen(p, now)
			}
			return nil
		}
		if err := w.fsw.Add(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("watch %s: %w", p, err)
		}
		return nil
	})
}
