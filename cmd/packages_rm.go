package cmd

import (
	"context"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/p2psb/p2psb/pkgshare"
)

func newPackagesRmCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "rm",
		Usage:     "forget a package (or one version) from the library; files on disk are kept",
		ArgsUsage: "<id>[@N]",
		Action: func(c *cli.Context) error {
			t, err := oneTarget(c, false)
			if err != nil {
				return err
			}
			return withSession(c, e, func(ctx context.Context, s *session) error { return runPackagesRm(ctx, s, t) })
		},
	}
}

type rmResult struct {
	Removed []pkgshare.VersionInfo `json:"removed"`
}

func runPackagesRm(ctx context.Context, s *session, t target) error {
	lib, err := s.library()
	if err != nil {
		return err
	}
	gone, err := lib.Remove(ctx, t.ref)
	if err != nil {
		return err
	}
	res := rmResult{Removed: gone}
	return s.out.result(res, func(w io.Writer) error {
		for _, v := range gone {
			fmt.Fprintf(w, "forgot %s version %d (%s); its files stay in %s\n", t.ref.ID, v.Version, v.ID, v.Root)
		}
		return nil
	})
}
