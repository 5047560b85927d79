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

func newPackagesCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "packages",
		Usage: "list the packages in the library, or inspect, verify, forget or prune them",
		Flags: []cli.Flag{&cli.StringFlag{Name: "peer",
			Usage: "list what the node `ID|ALIAS` (a node ID or a buddy's alias) shares, verified"}},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usageErrorf("unknown packages subcommand %q (see p2psb packages --help)", c.Args().First())
			}
			if c.IsSet("peer") {
				return withSession(c, e, func(ctx context.Context, s *session) error {
					return runPackagesPeer(ctx, s, c.String("peer"))
				})
			}
			return withSession(c, e, runPackagesList)
		},
		Subcommands: []*cli.Command{
			newPackagesInfoCommand(e),
			newPackagesRmCommand(e),
			newPackagesPruneCommand(e),
			newPackagesVerifyCommand(e),
		},
	}
}

// withSession opens a session for c, runs fn and closes the session.
func withSession(c *cli.Context, e *env, fn func(context.Context, *session) error) error {
	s, err := openSession(c, e)
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(c.Context, s)
}

// runPackagesList asks the running daemon when there is one, else reads
// the library.
func runPackagesList(ctx context.Context, s *session) error {
	pkgs, err := listPackages(ctx, s)
	if err != nil {
		return err
	}
	return s.out.result(pkgs, func(w io.Writer) error {
		if len(pkgs) == 0 {
			_, err := fmt.Fprintln(w, "no packages yet (publish one with p2psb publish DIR)")
			return err
		}
		rows := make([][]string, len(pkgs))
		for i, p := range pkgs {
			v := p.Latest()
			state := "complete"
			if v.Changed {
				state = "changed (its files were replaced; not offered)"
			}
			switch {
			case !v.Complete && v.PresentFiles > 0:
				state = fmt.Sprintf("partial (%d of %d files present; fetch again to take more)", v.PresentFiles, v.Files)
			case !v.Complete:
				state = fmt.Sprintf("partial (%d of %d chunks; fetch again to resume)", v.HaveChunks, v.Chunks)
			}
			rows[i] = []string{p.Name, p.ID.String(), fmt.Sprint(v.Version), fmt.Sprint(len(p.Versions)),
				fmt.Sprint(v.Files), humanBytes(v.Bytes), state}
		}
		return table(w, []string{"NAME", "ID", "VERSION", "HELD", "FILES", "SIZE", "STATE"}, rows)
	})
}

func listPackages(ctx context.Context, s *session) ([]library.PackageInfo, error) {
	return viaDaemon(s,
		func(d *control.Client) ([]library.PackageInfo, error) { return d.Packages(ctx) },
		func(lib *library.Library) ([]library.PackageInfo, error) { return lib.Packages(ctx) })
}

// parseTarget reads an argument that names a package or a version: a
// package ID, ID@N or a version ID.
func parseTarget(arg string) (library.Target, error) {
	t, err := library.ParseTarget(arg)
	if err != nil {
		return t, usageErrorf("%v", err)
	}
	return t, nil
}

// refOf is the package and version t names: a version ID is looked up in
// the library (which a running daemon shares).
func (s *session) refOf(ctx context.Context, t library.Target) (manifest.Ref, error) {
	if !t.ByVersionID {
		return t.Ref, nil
	}
	lib, err := s.library()
	if err != nil {
		return manifest.Ref{}, err
	}
	v, err := lib.VersionByID(ctx, t.VersionID)
	if err != nil {
		return manifest.Ref{}, err
	}
	return manifest.Ref{ID: v.Sealed.PackageID, Version: v.Sealed.Version}, nil
}

func oneTarget(c *cli.Context) (library.Target, error) {
	if c.NArg() != 1 {
		return library.Target{}, usageErrorf("%s takes one package ID (ID or ID@VERSION) or version ID", c.Command.FullName())
	}
	return parseTarget(c.Args().First())
}
