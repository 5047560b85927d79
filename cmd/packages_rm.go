package cmd

import (
	"context"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/p2psb/p2psb/pkgshare/control"
	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

func newPackagesRmCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "rm",
		Usage:     "forget a package (or one version) from the library; files on disk are kept",
		ArgsUsage: "<id>[@N] | <version-id>",
		Action: func(c *cli.Context) error {
			t, err := oneTarget(c)
			if err != nil {
				return err
			}
			return withSession(c, e, func(ctx context.Context, s *session) error { return runPackagesRm(ctx, s, t) })
		},
	}
}

type rmResult struct {
	Removed []library.VersionInfo `json:"removed"`
}

// runPackagesRm forgets through the running daemon, which then stops
// serving what was removed (and unregisters a package with no version
// left), or else in the library directly.
func runPackagesRm(ctx context.Context, s *session, t library.Target) error {
	ref, err := s.refOf(ctx, t)
	if err != nil {
		return err
	}
	gone, err := removeVersions(ctx, s, ref)
	if err != nil {
		return err
	}
	res := rmResult{Removed: gone}
	return s.out.result(res, func(w io.Writer) error {
		for _, v := range gone {
			fmt.Fprintf(w, "forgot %s version %d (%s); its files stay in %s\n", ref.ID, v.Version, v.ID, v.Root)
		}
		return nil
	})
}

func removeVersions(ctx context.Context, s *session, ref manifest.Ref) ([]library.VersionInfo, error) {
	return viaDaemon(s,
		func(d *control.Client) ([]library.VersionInfo, error) { return d.RemovePackage(ctx, ref) },
		func(lib *library.Library) ([]library.VersionInfo, error) { return lib.Remove(ctx, ref) })
}
