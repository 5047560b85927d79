package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/urfave/cli/v2"

	"github.com/p2psb/p2psb/pkgshare/node"
	"github.com/p2psb/p2psb/rendezvous"
)

// lookupTimeout bounds a one-shot network command.
const lookupTimeout = 30 * time.Second

func newLocateCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "locate",
		Usage:     "find where a node is now, through the rendezvous nodes (or the peerstore)",
		ArgsUsage: "<node-id>",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageErrorf("locate takes one node ID")
			}
			id, err := peer.Decode(c.Args().First())
			if err != nil {
				return usageErrorf("%q is not a node ID: %v", c.Args().First(), err)
			}
			return withSession(c, e, func(ctx context.Context, s *session) error { return runLocate(ctx, s, id) })
		},
	}
}

type locateResult struct {
	ID         peer.ID   `json:"id"`
	Addrs      []string  `json:"addrs"`
	Source     string    `json:"source"` // "rendezvous" or "peerstore"
	Rendezvous []peer.ID `json:"rendezvous,omitempty"`
}

// startOneShot starts a dial-only node for a command that runs once.
func (s *session) startOneShot() (*node.Node, error) {
	o, err := s.nodeOptions(false)
	if err != nil {
		return nil, err
	}
	return node.Start(o)
}

func runLocate(ctx context.Context, s *session, id peer.ID) error {
	node, err := s.startOneShot()
	if err != nil {
		return err
	}
	defer node.Close()
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	var res *locateResult
	var rzErr error
	if node.Discovery != nil {
		var f rendezvous.Found
		if f, rzErr = node.Discovery.Locate(ctx, id); rzErr == nil {
			res = &locateResult{ID: id, Addrs: addrStrings(f.AddrInfo), Source: "rendezvous", Rendezvous: f.Rendezvous}
		}
	} else {
		rzErr = errors.New("no rendezvous configured (--rendezvous-peer)")
	}
	if res == nil {
		if ai := node.Peers.PeerInfo(id); len(ai.Addrs) > 0 {
			res = &locateResult{ID: id, Addrs: addrStrings(ai), Source: "peerstore"}
		}
	}
	if res == nil {
		why := rzErr.Error()
		if errors.Is(rzErr, rendezvous.ErrNotFound) {
			why = "no rendezvous knows it"
		}
		return fmt.Errorf("locate %s: %s, and the peerstore has no address for it", id, why)
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

func addrStrings(ai peer.AddrInfo) []string {
	out := make([]string, len(ai.Addrs))
	for i, a := range ai.Addrs {
		out[i] = a.String()
	}
	return out
}

func joinIDs(ids []peer.ID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id.String()
	}
	return strings.Join(s, ", ")
}
