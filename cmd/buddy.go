package cmd

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	libp2ppeerstore "github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/multiformats/go-multiaddr"
	"github.com/urfave/cli/v2"

	"github.com/p2psb/p2psb/peerstore"
	"github.com/p2psb/p2psb/pkgshare/control"
)

func newBuddyCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "buddy",
		Usage: "manage the buddy list: nodes kept connected and preferred as sources",
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usageErrorf("unknown buddy subcommand %q (see p2psb buddy --help)", c.Args().First())
			}
			return withPeerBook(c, e, runBuddyList)
		},
		Subcommands: []*cli.Command{
			{
				Name:      "add",
				Usage:     "add a node to the buddy list (again: change its alias)",
				ArgsUsage: "<node-id|/.../p2p/node-id>",
				Flags:     []cli.Flag{&cli.StringFlag{Name: "alias", Usage: "a short `NAME` for the node"}},
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return usageErrorf("buddy add takes one node ID")
					}
					id, addrs, err := parseNode(c.Args().First())
					if err != nil {
						return err
					}
					opts := buddyAddOptions{id: id, addrs: addrs, alias: c.String("alias")}
					return withPeerBook(c, e, func(ctx context.Context, s *session, pb peerBook) error {
						return runBuddyAdd(ctx, s, pb, opts)
					})
				},
			},
			{
				Name:      "ls",
				Usage:     "list buddies, online or not, with where they were last seen",
				ArgsUsage: " ",
				Action: func(c *cli.Context) error {
					if err := noArgs(c); err != nil {
						return err
					}
					return withPeerBook(c, e, runBuddyList)
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
					return withPeerBook(c, e, func(ctx context.Context, s *session, pb peerBook) error {
						return runBuddyRm(ctx, s, pb, who)
					})
				},
			},
		},
	}
}

// withStore opens the home's peerstore, runs fn and closes it.
func (s *session) withStore(fn func(*peerstore.Store) error) (err error) {
	db, err := s.home.DB()
	if err != nil {
		return err
	}
	opts, err := s.g.peerstoreOptions()
	if err != nil {
		return err
	}
	ps, err := peerstore.New(db, *opts)
	if err != nil {
		return fmt.Errorf("open peerstore: %w", err)
	}
	defer func() {
		if cerr := ps.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close peerstore: %w", cerr)
		}
	}()
	return fn(ps)
}

// peerBook is the buddy list and known peers of the running daemon
// (*control.Client), or else of the home's peerstore (localBook). Changes
// must go through the daemon when one runs: it caches the buddy list.
type peerBook interface {
	AddBuddy(ctx context.Context, id peer.ID, alias string, addrs ...multiaddr.Multiaddr) (peerstore.Buddy, error)
	RemoveBuddy(ctx context.Context, idOrAlias string) (peerstore.Buddy, error)
	Buddies(ctx context.Context) ([]peerstore.Buddy, error)
	Peers(ctx context.Context) ([]control.ScoredPeer, error)
	ExportPeers(ctx context.Context, w io.Writer) error
	ImportPeers(ctx context.Context, r io.Reader) (peerstore.ImportStats, error)
}

var _ peerBook = (*control.Client)(nil)

// localBook is a peerBook on a peerstore the command opened.
type localBook struct{ ps *peerstore.Store }

func (l localBook) AddBuddy(_ context.Context, id peer.ID, alias string, addrs ...multiaddr.Multiaddr) (peerstore.Buddy, error) {
	b, err := l.ps.AddBuddy(id, alias)
	if err == nil {
		l.ps.AddAddrs(id, addrs, libp2ppeerstore.AddressTTL)
	}
	return b, err
}

func (l localBook) RemoveBuddy(_ context.Context, who string) (peerstore.Buddy, error) {
	return l.ps.RemoveBuddy(who)
}

func (l localBook) Buddies(context.Context) ([]peerstore.Buddy, error) { return l.ps.Buddies() }
func (l localBook) Peers(context.Context) ([]control.ScoredPeer, error) {
	entries, err := l.ps.List()
	return control.ScorePeers(l.ps, entries, time.Now()), err
}
func (l localBook) ExportPeers(_ context.Context, w io.Writer) error { return l.ps.Export(w) }

func (l localBook) ImportPeers(_ context.Context, r io.Reader) (peerstore.ImportStats, error) {
	return l.ps.Import(r)
}

// withPeerBook opens a session and runs fn on the daemon's peer book, or
// on the home's peerstore when no daemon runs.
func withPeerBook(c *cli.Context, e *env, fn func(context.Context, *session, peerBook) error) error {
	return withSession(c, e, func(ctx context.Context, s *session) error {
		d, err := s.runningDaemon()
		if err != nil {
			return err
		}
		if d != nil {
			return fn(ctx, s, d)
		}
		return s.withStore(func(ps *peerstore.Store) error { return fn(ctx, s, localBook{ps}) })
	})
}

type buddyAddOptions struct {
	id    peer.ID
	addrs []multiaddr.Multiaddr // where it is, when given
	alias string
}

// buddyResult is a buddy as printed.
type buddyResult struct {
	ID       string     `json:"id"`
	Alias    string     `json:"alias,omitempty"`
	AddedAt  time.Time  `json:"added_at"`
	LastSeen *time.Time `json:"last_seen,omitempty"`
	Addrs    []string   `json:"addrs"`
	// State is, when a daemon runs, whether it is connected to the buddy
	// and how: "direct", "relayed" or "offline".
	State string `json:"state,omitempty"`
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

func runBuddyAdd(ctx context.Context, s *session, pb peerBook, opts buddyAddOptions) error {
	if self, err := s.nodeID(); err != nil {
		return err
	} else if self == opts.id {
		return usageErrorf("%s is this node's own ID: a node cannot be its own buddy (add the ID another home's p2psb id prints)", self)
	}
	b, err := pb.AddBuddy(ctx, opts.id, opts.alias, opts.addrs...)
	if err != nil {
		return err
	}
	res := toBuddyResult(b)
	return s.out.result(res, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "buddy %s%s\n", res.ID, aliasSuffix(res.Alias))
		return err
	})
}

func runBuddyRm(ctx context.Context, s *session, pb peerBook, who string) error {
	b, err := pb.RemoveBuddy(ctx, who)
	if err != nil {
		return err
	}
	res := toBuddyResult(b)
	return s.out.result(res, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "removed buddy %s%s\n", res.ID, aliasSuffix(res.Alias))
		return err
	})
}

func runBuddyList(ctx context.Context, s *session, pb peerBook) error {
	bs, err := pb.Buddies(ctx)
	if err != nil {
		return err
	}
	states, err := buddyStatesOf(ctx, pb)
	if err != nil {
		return err
	}
	res := make([]buddyResult, len(bs))
	for i, b := range bs {
		res[i] = toBuddyResult(b)
		if states != nil {
			res[i].State = cmp.Or(states[b.ID.String()], "offline")
		}
	}
	return s.out.result(res, func(w io.Writer) error {
		if len(res) == 0 {
			_, err := fmt.Fprintln(w, "no buddies yet (add one with p2psb buddy add NODE-ID --alias NAME)")
			return err
		}
		head := []string{"ALIAS", "NODE ID", "LAST SEEN", "LAST ADDRESSES"}
		if states != nil {
			head = append(head, "NOW")
		}
		rows := make([][]string, len(res))
		for i, r := range res {
			rows[i] = []string{orDash(r.Alias), r.ID, seen(bs[i].LastSeen), orDash(strings.Join(r.Addrs, " "))}
			if states != nil {
				rows[i] = append(rows[i], r.State)
			}
		}
		return table(w, head, rows)
	})
}

// buddyStatesOf returns, when pb is a running daemon, how it is connected
// to each peer: "direct" when any connection is, else "relayed". Without a
// daemon it returns nil: nobody is connected.
func buddyStatesOf(ctx context.Context, pb peerBook) (map[string]string, error) {
	d, ok := pb.(*control.Client)
	if !ok {
		return nil, nil
	}
	st, err := d.Status(ctx)
	if err != nil {
		return nil, err
	}
	states := map[string]string{}
	for _, c := range st.Connections {
		if !c.Relayed {
			states[c.Peer] = "direct"
		} else if states[c.Peer] == "" {
			states[c.Peer] = "relayed"
		}
	}
	return states, nil
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
