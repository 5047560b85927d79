package cmd

import (
	"context"
	"fmt"
	"io"

	"github.com/p2psb/p2psb/pkgshare/control"
	"github.com/p2psb/p2psb/pkgshare/node"
)

func runPackagesPeer(ctx context.Context, s *session, who string) error {
	res, err := onNetwork(ctx, s,
		func(ctx context.Context, d *control.Client) (*control.PeerCatalog, error) {
			return d.PeerPackages(ctx, who)
		},
		func(ctx context.Context, n *node.Node) (*control.PeerCatalog, error) {
			id, err := control.ResolvePeer(n.Peers, who)
			if err != nil {
				return nil, err
			}
			l, err := n.Browse(ctx, id)
			if err != nil {
				return nil, fmt.Errorf("packages of %s: %w", who, err)
			}
			return control.NewPeerCatalog(l), nil
		})
	if err != nil {
		return err
	}
	return s.out.result(res, func(w io.Writer) error { return printPeerCatalog(w, res) })
}

func printPeerCatalog(w io.Writer, res *control.PeerCatalog) error {
	if len(res.Packages) == 0 {
		fmt.Fprintf(w, "%s shares no packages\n", res.Peer)
	} else {
		rows := make([][]string, len(res.Packages))
		for i, p := range res.Packages {
			rows[i] = []string{p.Name, p.ID.String(), fmt.Sprint(p.Version), fmt.Sprint(p.Files), humanBytes(p.Bytes)}
		}
		if err := table(w, []string{"NAME", "ID", "VERSION", "FILES", "SIZE"}, rows); err != nil {
			return err
		}
	}
	if res.Truncated {
		fmt.Fprintf(w, "(the peer shares more; showing the first %d)\n", len(res.Packages)+len(res.Rejected))
	}
	for _, r := range res.Rejected {
		fmt.Fprintf(w, "dropped manifest #%d: %s\n", r.Index, r.Reason)
	}
	return nil
}
