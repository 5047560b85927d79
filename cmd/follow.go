package cmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/urfave/cli/v2"

	"github.com/p2psb/p2psb/pkgshare/control"
	"github.com/p2psb/p2psb/pkgshare/fetch"
	"github.com/p2psb/p2psb/pkgshare/follow"
	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/ticket"
)

func newFollowCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "follow",
		Usage:     "keep a package up to date: the daemon fetches every new version as it is published",
		ArgsUsage: "<pkg-id> | <ticket>",
		Description: "The daemon (p2psb serve) hears of each new version the moment its publisher announces it,\n" +
			"fetches it into the target (only the chunks that changed move) and seeds it; it also asks the\n" +
			"package's providers every minute, so a daemon that was down catches up when it starts.\n" +
			"Without a running daemon the follow is recorded and starts with the next p2psb serve.\n" +
			"--keep N prunes after each new version, as packages prune --keep N does.\n" +
			"--include/--exclude (path globs relative to the package root, ** allowed, repeatable) take only\n" +
			"the files they select, as with fetch.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "put the files in `DIR` (default ./<package name>)"},
			&cli.StringSliceFlag{Name: "include", Usage: "take only files matching `GLOB` (relative to the package root; repeatable)"},
			&cli.StringSliceFlag{Name: "exclude", Usage: "leave out files matching `GLOB` (repeatable)"},
			&cli.IntFlag{Name: "keep", Usage: "after each new version, keep only the newest `N` versions (0: all)"},
		},
		Action: func(c *cli.Context) error {
			cfg, err := parseFollow(c)
			if err != nil {
				return err
			}
			return withSession(c, e, func(ctx context.Context, s *session) error { return runFollow(ctx, s, cfg) })
		},
		Subcommands: []*cli.Command{{
			Name:      "ls",
			Usage:     "list the followed packages: newest version held, target, state",
			ArgsUsage: " ",
			Action: func(c *cli.Context) error {
				if err := noArgs(c); err != nil {
					return err
				}
				return withSession(c, e, runFollowList)
			},
		}},
	}
}

func newUnfollowCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "unfollow",
		Usage:     "stop following a package (what was fetched stays, and is still seeded)",
		ArgsUsage: "<pkg-id>",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageErrorf("unfollow takes one package ID")
			}
			id, err := manifest.ParsePackageID(c.Args().First())
			if err != nil {
				return usageErrorf("%v", err)
			}
			return withSession(c, e, func(ctx context.Context, s *session) error { return runUnfollow(ctx, s, id) })
		},
	}
}

// parseFollow reads follow's argument and flags into a follow.Config.
func parseFollow(c *cli.Context) (follow.Config, error) {
	if c.NArg() != 1 {
		return follow.Config{}, usageErrorf("follow takes one package ID or ticket (or: follow ls)")
	}
	cfg := follow.Config{Include: c.StringSlice("include"), Exclude: c.StringSlice("exclude"), Keep: c.Int("keep")}
	if cfg.Keep < 0 {
		return follow.Config{}, usageErrorf("--keep %d: want 0 (keep every version) or more", cfg.Keep)
	}
	if _, err := fetch.NewSelection(cfg.Include, cfg.Exclude); err != nil {
		return follow.Config{}, err
	}
	arg := c.Args().First()
	if !ticket.Looks(arg) {
		id, err := manifest.ParsePackageID(arg)
		if err != nil {
			return follow.Config{}, usageErrorf("%v (follow takes a package ID, not a version)", err)
		}
		cfg.Package = id
	} else {
		t, err := ticket.Parse(arg)
		if err != nil {
			return follow.Config{}, err
		}
		cfg.Package, cfg.Rendezvous = t.Package, p2pAddrStrings(t.Rendezvous)
		if t.Provider.ID != "" {
			cfg.Peers = p2pAddrStrings([]peer.AddrInfo{t.Provider})
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return follow.Config{}, fmt.Errorf("follow: working directory: %w", err)
	}
	cfg.Dir, cfg.Target = wd, absOutput(wd, c.String("output"))
	return cfg, nil
}

// runFollow has the running daemon follow the package, or records the
// follow for the next serve to take up.
func runFollow(ctx context.Context, s *session, cfg follow.Config) error {
	d, err := s.runningDaemon()
	if err != nil {
		return err
	}
	var f follow.Follow
	if d != nil {
		f, err = d.Follow(ctx, cfg)
	} else {
		f, err = withFollowStore(s, func(st *follow.Store) (follow.Follow, error) { return st.Put(ctx, cfg) })
	}
	if err != nil {
		return err
	}
	return s.out.result(f, func(w io.Writer) error {
		fmt.Fprintf(w, "following %s into %s\n", f.Package, followTarget(f))
		if d == nil {
			_, err := fmt.Fprintln(w, "no daemon runs for this home: the follow starts with p2psb serve")
			return err
		}
		_, err := fmt.Fprintln(w, "the daemon fetches each new version as it is published (see p2psb follow ls)")
		return err
	})
}

func runFollowList(ctx context.Context, s *session) error {
	fs, err := daemonOr(s, func(d *control.Client) ([]follow.Follow, error) { return d.Follows(ctx) },
		func() ([]follow.Follow, error) {
			return withFollowStore(s, func(st *follow.Store) ([]follow.Follow, error) { return st.List(ctx) })
		})
	if err != nil {
		return err
	}
	return s.out.result(fs, func(w io.Writer) error {
		if len(fs) == 0 {
			_, err := fmt.Fprintln(w, "no packages followed (follow one with p2psb follow <pkg-id>)")
			return err
		}
		rows := make([][]string, len(fs))
		for i, f := range fs {
			rows[i] = []string{f.Package.String(), orDash(f.Name), heldCell(f.Held), followTarget(f), followState(f)}
		}
		return table(w, []string{"PACKAGE", "NAME", "HELD", "TARGET", "STATE"}, rows)
	})
}

func runUnfollow(ctx context.Context, s *session, id manifest.PackageID) error {
	f, err := daemonOr(s, func(d *control.Client) (follow.Follow, error) { return d.Unfollow(ctx, id) },
		func() (follow.Follow, error) {
			return withFollowStore(s, func(st *follow.Store) (follow.Follow, error) { return st.Remove(ctx, id) })
		})
	if err != nil {
		return err
	}
	return s.out.result(f, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "no longer following %s; its files stay in %s\n", f.Package, followTarget(f))
		return err
	})
}

// withFollowStore runs fn on the home's follow table (no daemon runs).
func withFollowStore[T any](s *session, fn func(*follow.Store) (T, error)) (T, error) {
	var zero T
	db, err := s.home.DB()
	if err != nil {
		return zero, err
	}
	st, err := follow.NewStore(db)
	if err != nil {
		return zero, err
	}
	return fn(st)
}

func heldCell(v uint64) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprint(v)
}

// followTarget is where the follow's files go.
func followTarget(f follow.Follow) string {
	if f.Target != "" {
		return f.Target
	}
	return filepath.Join(f.Dir, "<package name>")
}

// followState is the follow's status and its last event, with its error
// while it fails.
func followState(f follow.Follow) string {
	parts := []string{f.Status}
	if f.LastEvent != "" {
		parts = append(parts, f.LastEvent+" ("+f.EventAt.Local().Format(time.TimeOnly)+")")
	}
	if f.LastError != "" && f.Status == "failed" {
		parts = append(parts, "error: "+f.LastError)
	}
	return strings.Join(parts, "; ")
}
