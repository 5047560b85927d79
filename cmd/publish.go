package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/p2psb/p2psb/pkgshare/control"
	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/watch"
)

type publishOptions struct {
	Path           string
	Name           string
	FollowSymlinks bool
	Watch          bool          // publish again after each change, until Ctrl-C
	Settle         time.Duration // with Watch: the quiet period before publishing
}

func newPublishCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "publish",
		Usage:     "package a file or directory, in place, as the next version of a package",
		ArgsUsage: "<dir|file>",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "name", Usage: "package `NAME` (default: the base name of the path)"},
			&cli.BoolFlag{Name: "follow-symlinks", Usage: "follow symbolic links that stay inside the tree"},
			&cli.BoolFlag{Name: "watch", Usage: "keep watching the directory and publish a new version after each change, " +
				"once its files stop changing, until Ctrl-C (through the daemon when one runs, which announces each)"},
			&cli.DurationFlag{Name: "settle", Value: watch.DefaultSettle,
				Usage: "with --watch: publish once no file changed for `DURATION`"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageErrorf("publish takes one path, the file or directory to publish")
			}
			opts := publishOptions{Path: c.Args().First(), Name: c.String("name"), FollowSymlinks: c.Bool("follow-symlinks"),
				Watch: c.Bool("watch"), Settle: c.Duration("settle")}
			if c.IsSet("name") && opts.Name == "" {
				return usageErrorf("--name: a package name cannot be empty")
			}
			if c.IsSet("settle") && !opts.Watch {
				return usageErrorf("--settle is the quiet period of --watch; add --watch")
			}
			if opts.Settle <= 0 {
				return usageErrorf("--settle %s: want a positive duration, such as 1s or 500ms", opts.Settle)
			}
			s, err := openSession(c, e)
			if err != nil {
				return err
			}
			defer s.Close()
			if opts.Watch {
				return runPublishWatch(c.Context, s, opts)
			}
			return runPublish(c.Context, s, opts)
		},
	}
}

// runPublish publishes through the running daemon, which announces the
// package at once, or else locally (serve announces it when it starts).
func runPublish(ctx context.Context, s *session, opts publishOptions) error {
	d, err := s.runningDaemon()
	if err != nil {
		return err
	}
	bar := newProgress(s, "hashing")
	var res *library.PublishResult
	if d != nil {
		res, err = publishThrough(ctx, d, opts, bar)
	} else {
		res, err = publishHere(ctx, s, opts, bar)
	}
	bar.Done()
	if err != nil {
		return err
	}
	return printPublish(s, res)
}

func publishHere(ctx context.Context, s *session, opts publishOptions, bar library.Progress) (*library.PublishResult, error) {
	key, err := s.home.Identity()
	if err != nil {
		return nil, err
	}
	lib, err := s.library()
	if err != nil {
		return nil, err
	}
	return library.Publish(ctx, lib, key, opts.Path, library.PublishOptions{
		Name: opts.Name, FollowSymlinks: opts.FollowSymlinks, Progress: bar, Private: []string{s.home.Dir},
	})
}

func publishThrough(ctx context.Context, d *control.Client, opts publishOptions, bar library.Progress) (*library.PublishResult, error) {
	abs, err := filepath.Abs(opts.Path)
	if err != nil {
		return nil, fmt.Errorf("publish %s: %w", opts.Path, err)
	}
	res, err := d.Publish(ctx, control.PublishRequest{Path: abs, Name: opts.Name, FollowSymlinks: opts.FollowSymlinks}, bar)
	// The daemon names files by absolute path; name them as the user did.
	var ce *control.Error
	if errors.As(err, &ce) && !filepath.IsAbs(opts.Path) {
		ce.Msg = strings.ReplaceAll(ce.Msg, abs, opts.Path)
	}
	return res, err
}

func printPublish(s *session, res *library.PublishResult) error {
	return s.out.result(res, func(w io.Writer) error {
		if res.Unchanged {
			fmt.Fprintf(w, "unchanged: %s is already version %d\n", res.Name, res.Version)
		}
		if err := table(w, nil, [][]string{
			{"package", res.ID.String()},
			{"name", res.Name},
			{"version", fmt.Sprint(res.Version)},
			{"version id", res.VersionID.String()},
			{"files", fmt.Sprint(res.Files)},
			{"bytes", fmt.Sprintf("%d (%s)", res.Bytes, humanBytes(res.Bytes))},
			{"chunks", fmt.Sprint(res.Chunks)},
			{"share", "p2psb share " + res.ID.String() + "  (prints a ticket: p2psb fetch <ticket> gets it anywhere)"},
		}); err != nil {
			return err
		}
		_, err := fmt.Fprintf(w, "\nanother node fetches it with:\n  p2psb fetch %s\n", res.ID)
		return err
	})
}
