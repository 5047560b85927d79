package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/urfave/cli/v2"

	"github.com/p2psb/p2psb/pkgshare/control"
	"github.com/p2psb/p2psb/pkgshare/node"
)

// lookupTimeout bounds a one-shot network command.
const lookupTimeout = 30 * time.Second

func newLocateCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "locate",
		Usage:     "find where a node is now, through the rendezvous nodes, the DHT (or the peerstore)",
		ArgsUsage: "<node-id|alias>",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageErrorf("locate takes one node ID or buddy alias")
			}
			who := c.Args().First()
			return withSession(c, e, func(ctx context.Context, s *session) error { return runLocate(ctx, s, who) })
		},
	}
}

// startOneShot starts a dial-only node for a command that runs once.
func (s *session) startOneShot() (*node.Node, error) {
	o, err := s.nodeOptions(false)
	if err != nil {
		return nil, err
	}
	s.log.Debug("no daemon runs for this home; starting a node of the command's own")
	return node.Start(o)
}

func runLocate(ctx context.Context, s *session, who string) error {
	res, err := onNetwork(ctx, s,
		func(ctx context.Context, d *control.Client) (*node.Location, error) { return d.Locate(ctx, who) },
		func(ctx context.Context, n *node.Node) (*node.Location, error) {
			id, err := control.ResolvePeer(n.Peers, who)
			if err != nil {
				return nil, err
			}
			return n.Locate(ctx, id)
		})
	if err != nil {
		return err
	}
	return s.out.result(res, func(w io.Writer) error {
		via := res.Source
		if len(res.Rendezvous) > 0 {
			via += " " + joinIDs(res.Rendezvous)
		}
		fmt.Fprintf(w, "%s (from %s)\n", res.ID, via)
		for _, a := range res.Addrs {
			fmt.Fprintln(w, "  "+a)
		}
		return nil
	})
}

func joinIDs(ids []peer.ID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id.String()
	}
	return strings.Join(s, ", ")
}
