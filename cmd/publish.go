package cmd

import (
	"context"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/p2psb/p2psb/pkgshare"
)

type publishOptions struct {
	Path           string
	Name           string
	FollowSymlinks bool
}

func newPublishCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "publish",
		Usage:     "package a file or directory, in place, as the next version of a package",
		ArgsUsage: "<dir|file>",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "name", Usage: "package `NAME` (default: the base name of the path)"},
			&cli.BoolFlag{Name: "follow-symlinks", Usage: "follow symbolic links that stay inside the tree"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageErrorf("publish takes one path, the file or directory to publish")
			}
			opts := publishOptions{Path: c.Args().First(), Name: c.String("name"), FollowSymlinks: c.Bool("follow-symlinks")}
			if c.IsSet("name") && opts.Name == "" {
				return usageErrorf("--name: a package name cannot be empty")
			}
			s, err := openSession(c, e)
			if err != nil {
				return err
			}
			defer s.Close()
			return runPublish(c.Context, s, opts)
		},
	}
}

func runPublish(ctx context.Context, s *session, opts publishOptions) error {
	key, err := s.home.Identity()
	if err != nil {
		return err
	}
	lib, err := s.library()
	if err != nil {
		return err
	}
	bar := newProgress(s, "hashing")
	res, err := pkgshare.Publish(ctx, lib, key, opts.Path, pkgshare.PublishOptions{
		Name: opts.Name, FollowSymlinks: opts.FollowSymlinks, Progress: bar,
	})
	bar.Done()
	if err != nil {
		return err
	}
	return s.out.result(res, func(w io.Writer) error {
		if res.Unchanged {
			fmt.Fprintf(w, "unchanged: %s is already version %d\n", res.Name, res.Version)
		}
		return table(w, nil, [][]string{
			{"package", res.ID.String()},
			{"name", res.Name},
			{"version", fmt.Sprint(res.Version)},
			{"version id", res.VersionID.String()},
			{"files", fmt.Sprint(res.Files)},
			{"bytes", fmt.Sprintf("%d (%s)", res.Bytes, humanBytes(res.Bytes))},
			{"chunks", fmt.Sprint(res.Chunks)},
		})
	})
}
