package cmd

import (
	"context"
	"fmt"
	"io"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"
	"github.com/urfave/cli/v2"
)

func newIDCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "id",
		Usage:     "print this node's ID (and, with --json, its addresses)",
		ArgsUsage: " ",
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			s, err := openSession(c, e)
			if err != nil {
				return err
			}
			defer s.Close()
			return runID(c.Context, s)
		},
	}
}

type idResult struct {
	ID    string   `json:"id"`
	Addrs []string `json:"addrs"`
}

// nodeID is the ID of the home's node.
func (s *session) nodeID() (peer.ID, error) {
	key, err := s.home.Identity()
	if err != nil {
		return "", err
	}
	id, err := peer.IDFromPrivateKey(key)
	if err != nil {
		return "", fmt.Errorf("node ID: %w", err)
	}
	return id, nil
}

func runID(ctx context.Context, s *session) error {
	id, err := s.nodeID()
	if err != nil {
		return err
	}
	res := idResult{ID: id.String(), Addrs: []string{}}
	if d, err := s.daemon(); err == nil {
		// A running node knows its real addresses.
		if st, err := d.Status(ctx); err == nil {
			res.Addrs = st.Addrs
			return s.printID(res)
		}
	}
	for _, a := range s.g.Listen {
		if _, err := multiaddr.NewMultiaddr(a); err != nil {
			return usageErrorf("listen address %q: %v (expected a multiaddr such as /ip4/0.0.0.0/tcp/4747)", a, err)
		}
		res.Addrs = append(res.Addrs, a)
	}
	return s.printID(res)
}

func (s *session) printID(res idResult) error {
	return s.out.result(res, func(w io.Writer) error {
		_, err := fmt.Fprintln(w, res.ID)
		return err
	})
}
