package cmd

import (
	"context"
	"io"
	"strings"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/urfave/cli/v2"
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

type rendezvousEntry struct {
	ID      peer.ID   `json:"id"`
	Addrs   []string  `json:"addrs"`
	KnownBy []peer.ID `json:"known_by"` // the rendezvous that returned it; empty: configured only
}

func runRendezvousLs(ctx context.Context, s *session) error {
	node, err := s.startOneShot()
	if err != nil {
		return err
	}
	defer node.Close()
	if node.Discovery == nil {
		return usageErrorf("no rendezvous configured: give --rendezvous-peer MULTIADDR (or P2PSB_RENDEZVOUS_PEER, or rendezvous-peer in the config)")
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	found, err := node.Discovery.ListRendezvous(ctx)
	if err != nil {
		return err
	}
	out := make([]rendezvousEntry, len(found))
	for i, f := range found {
		out[i] = rendezvousEntry{ID: f.ID, Addrs: addrStrings(f.AddrInfo), KnownBy: f.Rendezvous}
		if out[i].KnownBy == nil {
			out[i].KnownBy = []peer.ID{}
		}
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
