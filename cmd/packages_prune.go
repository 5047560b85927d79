package cmd

import (
	"context"
	"fmt"
	"io"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/urfave/cli/v2"

	"github.com/p2psb/p2psb/pkgshare/control"
	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

type pruneOptions struct {
	Package manifest.PackageID // zero: every package with a fetched version
	Keep    int
	DryRun  bool
}

func newPackagesPruneCommand(e *env) *cli.Command {
	return &cli.Command{
		Name: "prune",
		Usage: "forget all but the newest N versions of fetched packages and delete their files " +
			"that no kept version uses; files published here are never deleted",
		ArgsUsage: "[<pkg-id>]",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "keep", Required: true, Usage: "keep the newest `N` complete versions (at least 1)"},
			&cli.BoolFlag{Name: "dry-run", Usage: "say what would be forgotten and deleted, and change nothing"},
		},
		Action: func(c *cli.Context) error {
			opts := pruneOptions{Keep: c.Int("keep"), DryRun: c.Bool("dry-run")}
			if c.NArg() > 1 {
				return usageErrorf("packages prune takes at most one package ID (none: every fetched package)")
			}
			if c.NArg() == 1 {
				id, err := manifest.ParsePackageID(c.Args().First())
				if err != nil {
					return usageErrorf("%v", err)
				}
				opts.Package = id
			}
			if opts.Keep < 1 {
				return usageErrorf("--keep: keep at least 1 version, not %d (p2psb packages rm forgets a whole package)", opts.Keep)
			}
			return withSession(c, e, func(ctx context.Context, s *session) error { return runPackagesPrune(ctx, s, opts) })
		},
	}
}

// runPackagesPrune prunes through the running daemon, which then stops
// serving what was forgotten, or else in the library directly.
func runPackagesPrune(ctx context.Context, s *session, opts pruneOptions) error {
	res, err := viaDaemon(s,
		func(d *control.Client) (*library.PruneResult, error) {
			req := control.PruneRequest{Keep: opts.Keep, DryRun: opts.DryRun}
			if !opts.Package.IsZero() {
				req.Package = &opts.Package
			}
			return d.Prune(ctx, req)
		},
		func(lib *library.Library) (*library.PruneResult, error) {
			if err := markFetched(ctx, s, lib); err != nil {
				return nil, err
			}
			return lib.Prune(ctx, opts.Package, opts.Keep, opts.DryRun)
		})
	if err != nil {
		return err
	}
	return s.out.result(res, func(w io.Writer) error { return printPrune(w, res) })
}

func printPrune(w io.Writer, res *library.PruneResult) error {
	forget, del := "forgot", "deleted"
	if res.DryRun {
		forget, del = "would forget", "would delete"
	}
	if len(res.Packages) == 0 {
		fmt.Fprintln(w, "no fetched packages to prune")
	}
	for _, p := range res.Packages {
		fmt.Fprintf(w, "%s: keeping versions %v\n", p.Name, p.Kept)
		if len(p.Published) > 0 {
			fmt.Fprintf(w, "%s: keeping versions %v too: published here, never pruned\n", p.Name, p.Published)
		}
		for _, v := range p.Forgotten {
			fmt.Fprintf(w, "%s %s version %d (%s)\n", forget, p.Name, v.Version, v.ID)
		}
	}
	for _, f := range res.Files {
		fmt.Fprintf(w, "%s %s (%s)\n", del, f.Path, humanBytes(f.Size))
	}
	for _, f := range res.Left {
		fmt.Fprintf(w, "left %s: %s\n", f.Path, f.Reason)
	}
	_, err := fmt.Fprintf(w, "%s %d files, %s\n", del, len(res.Files), humanBytes(res.Bytes))
	return err
}

// markFetched has the library tell fetched versions recorded before it
// kept the difference: those of packages this node does not publish.
func markFetched(ctx context.Context, s *session, lib *library.Library) error {
	key, err := s.home.Identity()
	if err != nil {
		return err
	}
	self, err := peer.IDFromPrivateKey(key)
	if err != nil {
		return fmt.Errorf("node ID: %w", err)
	}
	_, err = lib.MarkFetched(ctx, self)
	return err
}
