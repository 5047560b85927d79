package cmd

import (
	"context"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/p2psb/p2psb/pkgshare/control"
	"github.com/p2psb/p2psb/pkgshare/node"
)

func newRendezvousCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "rendezvous",
		Usage: "inspect the rendezvous nodes",
		Subcommands: []*cli.Command{{
			Name:  "ls",
			Usage: "list the rendezvous nodes the configured ones know",
			Action: func(c *cli.Context) error {
				if err := noArgs(c); err != nil {
					return err
				}
				return withSession(c, e, runRendezvousLs)
			},
		}},
	}
}

func runRendezvousLs(ctx context.Context, s *session) error {
	out, err := onNetwork(ctx, s,
		func(ctx context.Context, d *control.Client) ([]node.RendezvousNode, error) {
			return d.RendezvousNodes(ctx)
		},
		func(ctx context.Context, n *node.Node) ([]node.RendezvousNode, error) { return n.ListRendezvous(ctx) })
	if err != nil {
		return err
	}
	return s.out.result(out, func(w io.Writer) error {
		rows := make([][]string, len(out))
		for i, r := range out {
			by := "configured only"
			if len(r.KnownBy) > 0 {
				by = joinIDs(r.KnownBy)
			}
			rows[i] = []string{r.ID.String(), strings.Join(r.Addrs, " "), by}
		}
		return table(w, []string{"NODE", "ADDRESSES", "KNOWN BY"}, rows)
	})
}
