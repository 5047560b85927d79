package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/p2psb/p2psb/pkgshare/control"
	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/watch"
)

// watchEvent is a line publish --watch prints that is not a version: it
// started watching, or a publish failed.
type watchEvent struct {
	Event string `json:"event"` // "watching", "error"
	Dir   string `json:"dir"`
	Error string `json:"error,omitempty"`
}

// runPublishWatch publishes opts.Path, then again after each settled
// change, until ctx ends (Ctrl-C), printing a line per new version.
// Each publish goes through the daemon when one runs, which announces it.
func runPublishWatch(ctx context.Context, s *session, opts publishOptions) error {
	var d *control.Client
	publish := func(ctx context.Context) (*library.PublishResult, error) {
		if d == nil {
			var err error
			if d, err = s.runningDaemon(); err != nil {
				return nil, err
			}
		}
		if d == nil {
			return publishHere(ctx, s, opts, nil)
		}
		res, err := publishThrough(ctx, d, opts, nil)
		if err != nil && !isInvalidInput(err) {
			d = nil // the daemon may have stopped: look again next time
		}
		return res, err
	}
	if err := library.RefusePrivate("watch", opts.Path, []string{s.home.Dir}); err != nil {
		return err
	}
	w, err := watch.New(ctx, opts.Path, watch.Options{Publish: publish, Settle: opts.Settle,
		Published: watchPrinter(s, opts.Path)})
	if err != nil {
		return err
	}
	defer w.Close()
	if err := s.out.say(watchEvent{Event: "watching", Dir: opts.Path},
		"watching %s: a change publishes a new version once it settles for %s (Ctrl-C stops)\n", opts.Path, opts.Settle); err != nil {
		return err
	}
	<-ctx.Done()
	return w.Close()
}

// watchPrinter prints the publishes of the watched dir: each new version,
// the unchanged one watching starts from, and failures.
func watchPrinter(s *session, dir string) func(*library.PublishResult, error) {
	first := true
	return func(res *library.PublishResult, err error) {
		if err != nil || !res.Unchanged || first {
			printWatched(s, dir, res, err)
		}
		first = false
	}
}

func printWatched(s *session, dir string, res *library.PublishResult, err error) {
	if err != nil {
		_ = s.out.say(watchEvent{Event: "error", Dir: dir, Error: err.Error()},
			"publish %s failed: %v; trying again after the next change\n", dir, err)
		return
	}
	_ = s.out.result(res, func(w io.Writer) error {
		if res.Unchanged {
			_, err := fmt.Fprintf(w, "%s is version %d (%s), unchanged\n", res.Name, res.Version, res.ID)
			return err
		}
		_, err := fmt.Fprintf(w, "published %s version %d (%s): %d files, %s, id %s\n", res.Name, res.Version, res.VersionID,
			res.Files, humanBytes(res.Bytes), res.ID)
		return err
	})
}

// isInvalidInput reports whether err is the user's to fix (bad input),
// as opposed to a failure of the daemon or the machine.
func isInvalidInput(err error) bool {
	var bad invalidInput
	return errors.As(err, &bad) && bad.InvalidInput()
}

// watchFolders publishes each of dirs through the daemon's control server
// ctl, and again after each settled change, until the returned stop (which
// may be called more than once) or the end of ctx.
func watchFolders(ctx context.Context, s *session, ctl *control.Server, dirs []string) (stop func(), err error) {
	var ws []*watch.Watcher
	stop = func() {
		for _, w := range ws {
			if err := w.Close(); err != nil {
				s.log.Info("stop watching", "err", err)
			}
		}
	}
	for _, dir := range dirs {
		abs, err := filepath.Abs(dir)
		if err != nil {
			stop()
			return nil, fmt.Errorf("--publish-watch %s: %w", dir, err)
		}
		if err := library.RefusePrivate("watch", abs, []string{s.home.Dir}); err != nil {
			stop()
			return nil, fmt.Errorf("--publish-watch: %w", err)
		}
		w, err := watch.New(ctx, abs, watch.Options{
			Publish: func(ctx context.Context) (*library.PublishResult, error) {
				return ctl.Publish(ctx, control.PublishRequest{Path: abs}, nil)
			},
			Published: watchPrinter(s, dir),
		})
		if err != nil {
			stop()
			return nil, fmt.Errorf("--publish-watch %s: %w", dir, err)
		}
		ws = append(ws, w)
	}
	return stop, nil
}
