package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/p2psb/p2psb/pkgshare/control"
)

func newStatusCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "show the running daemon's node: ID, addresses, peers, rendezvous nodes",
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usageErrorf("status takes no arguments")
			}
			return withSession(c, e, runStatus)
		},
	}
}

func runStatus(ctx context.Context, s *session) error {
	d, err := s.daemon()
	if errors.Is(err, control.ErrNoDaemon) {
		return fmt.Errorf("%w (start one with p2psb serve)", err)
	}
	if err != nil {
		return err
	}
	st, err := d.Status(ctx)
	if err != nil {
		return err
	}
	return s.out.result(st, func(w io.Writer) error {
		return table(w, nil, [][]string{
			{"node", st.ID.String()},
			{"rendezvous node", fmt.Sprint(st.IsRendez)},
			{"listening", strings.Join(st.Addrs, "\n\t")},
			{"observed", strings.Join(st.Observed, "\n\t")},
			{"rendezvous", strings.Join(st.Rendezvous, "\n\t")},
			{"connected peers", fmt.Sprint(len(st.Peers))},
		})
	})
}
