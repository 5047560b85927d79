package cmd

import (
	"context"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/p2psb/p2psb/pkgshare/library"
)

func newPackagesVerifyCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "re-hash a version's files on disk and name every file that changed",
		ArgsUsage: "<id>[@N] | <version-id>",
		Action: func(c *cli.Context) error {
			t, err := oneTarget(c)
			if err != nil {
				return err
			}
			return withSession(c, e, func(ctx context.Context, s *session) error { return runPackagesVerify(ctx, s, t) })
		},
	}
}

// runPackagesVerify prints what it found and fails when any file changed.
func runPackagesVerify(ctx context.Context, s *session, t library.Target) error {
	ref, err := s.refOf(ctx, t)
	if err != nil {
		return err
	}
	lib, err := s.library()
	if err != nil {
		return err
	}
	bar := newProgress(s, "verifying")
	res, err := lib.Verify(ctx, ref, bar)
	bar.Done()
	if err != nil {
		return err
	}
	err = s.out.result(res, func(w io.Writer) error {
		if len(res.Changed) == 0 {
			_, err := fmt.Fprintf(w, "ok: all %d files of version %d match\n", res.Files, res.Version)
			return err
		}
		rows := make([][]string, len(res.Changed))
		for i, c := range res.Changed {
			rows[i] = []string{c.Path, c.Problem, c.DiskPath}
		}
		return table(w, []string{"PATH", "PROBLEM", "ON DISK"}, rows)
	})
	if err != nil {
		return err
	}
	if len(res.Changed) > 0 {
		return fmt.Errorf("%d of %d files of %s version %d changed on disk", len(res.Changed), res.Files, res.ID, res.Version)
	}
	return nil
}
