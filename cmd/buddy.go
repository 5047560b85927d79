package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/urfave/cli/v2"

	"github.com/p2psb/p2psb/peerstore"
)

func newBuddyCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "buddy",
		Usage: "manage the buddy list: nodes kept connected and preferred as sources",
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usageErrorf("unknown buddy subcommand %q (see p2psb buddy --help)", c.Args().First())
			}
			return withPeerstore(c, e, runBuddyList)
		},
		Subcommands: []*cli.Command{
			{
				Name:      "add",
				Usage:     "add a node to the buddy list (again: change its alias)",
				ArgsUsage: "<node-id>",
				Flags:     []cli.Flag{&cli.StringFlag{Name: "alias", Usage: "a short `NAME` for the node"}},
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return usageErrorf("buddy add takes one node ID")
					}
					id, err := peer.Decode(c.Args().First())
					if err != nil {
						return usageErrorf("node ID %q: %v", c.Args().First(), err)
					}
					opts := buddyAddOptions{id: id, alias: c.String("alias")}
					return withPeerstore(c, e, func(ctx context.Context, s *session, ps *peerstore.Store) error {
						return runBuddyAdd(ctx, s, ps, opts)
					})
				},
			},
			{
				Name:      "ls",
				Usage:     "list buddies, online or not, with where they were last seen",
				ArgsUsage: " ",
				Action: func(c *cli.Context) error {
					if c.Args().Present() {
						return usageErrorf("buddy ls takes no arguments")
					}
					return withPeerstore(c, e, runBuddyList)
				},
			},
			{
				Name:      "rm",
				Usage:     "remove a node from the buddy list",
				ArgsUsage: "<node-id|alias>",
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return usageErrorf("buddy rm takes one node ID or alias")
					}
					who := c.Args().First()
					return withPeerstore(c, e, func(ctx context.Context, s *session, ps *peerstore.Store) error {
						return runBuddyRm(ctx, s, ps, who)
					})
				},
			},
		},
	}
}

// withPeerstore opens a session and the home's peerstore, runs fn and closes
// both.
func withPeerstore(c *cli.Context, e *env, fn func(context.Context, *session, *peerstore.Store) error) (err error) {
	s, err := openSession(c, e)
	if err != nil {
		return err
	}
	defer s.Close()
	db, err := s.home.DB()
	if err != nil {
		return err
	}
	ps, err := peerstore.New(db, peerstore.Options{})
	if err != nil {
		return fmt.Errorf("open peerstore: %w", err)
	}
	defer func() {
		if cerr := ps.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close peerstore: %w", cerr)
		}
	}()
	return fn(c.Context, s, ps)
}

type buddyAddOptions struct {
	id    peer.ID
	alias string
}

// buddyResult is a buddy as printed.
type buddyResult struct {
	ID       string     `json:"id"`
	Alias    string     `json:"alias,omitempty"`
	AddedAt  time.Time  `json:"added_at"`
	LastSeen *time.Time `json:"last_seen,omitempty"`
	Addrs    []string   `json:"addrs"`
}

func toBuddyResult(b peerstore.Buddy) buddyResult {
	r := buddyResult{ID: b.ID.String(), Alias: b.Alias, AddedAt: b.AddedAt.UTC(), Addrs: []string{}}
	if !b.LastSeen.IsZero() {
		t := b.LastSeen.UTC()
		r.LastSeen = &t
	}
	for _, a := range b.Addrs {
		r.Addrs = append(r.Addrs, a.Addr.String())
	}
	return r
}

func runBuddyAdd(_ context.Context, s *session, ps *peerstore.Store, opts buddyAddOptions) error {
	b, err := ps.AddBuddy(opts.id, opts.alias)
	if err != nil {
		return err
	}
	res := toBuddyResult(b)
	return s.out.result(res, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "buddy %s%s\n", res.ID, aliasSuffix(res.Alias))
		return err
	})
}

func runBuddyRm(_ context.Context, s *session, ps *peerstore.Store, who string) error {
	b, err := ps.RemoveBuddy(who)
	if err != nil {
		return err
	}
	res := toBuddyResult(b)
	return s.out.result(res, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "removed buddy %s%s\n", res.ID, aliasSuffix(res.Alias))
		return err
	})
}

func runBuddyList(_ context.Context, s *session, ps *peerstore.Store) error {
	bs, err := ps.Buddies()
	if err != nil {
		return err
	}
	res := make([]buddyResult, len(bs))
	for i, b := range bs {
		res[i] = toBuddyResult(b)
	}
	return s.out.result(res, func(w io.Writer) error {
		if len(res) == 0 {
			_, err := fmt.Fprintln(w, "no buddies yet (add one with p2psb buddy add NODE-ID --alias NAME)")
			return err
		}
		rows := make([][]string, len(res))
		for i, r := range res {
			rows[i] = []string{orDash(r.Alias), r.ID, seen(bs[i].LastSeen), orDash(strings.Join(r.Addrs, " "))}
		}
		return table(w, []string{"ALIAS", "NODE ID", "LAST SEEN", "LAST ADDRESSES"}, rows)
	})
}

func aliasSuffix(alias string) string {
	if alias == "" {
		return ""
	}
	return " (" + alias + ")"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// seen formats a last-seen time for people.
func seen(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Local().Format("2006-01-02 15:04")
}
