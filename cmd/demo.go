package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/p2psb/p2psb/pkgshare/demo"
)

type demoOptions struct {
	Size      int64
	Peers     int
	Files     int
	MaxUpload int
}

func newDemoCommand(e *env) *cli.Command {
	return &cli.Command{
		Name: "demo",
		Usage: "run a p2psb network on 127.0.0.1 in temporary homes: a rendezvous, a publisher " +
			"of a generated package and peers that fetch it together; then clean up",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "size", Value: "64MiB", Usage: "generate a package of `SIZE` (e.g. 8M, 256MiB)"},
			&cli.IntFlag{Name: "peers", Value: 4, Usage: "fetch on `N` peers at once"},
			&cli.IntFlag{Name: "files", Value: 8, Usage: "spread the package over `N` files"},
			&cli.StringFlag{Name: "max-upload", Usage: "cap the publisher's upload at `RATE` per second (e.g. 50MiB)"},
		},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			opts, err := parseDemoOptions(c)
			if err != nil {
				return err
			}
			s, err := homelessSession(c, e)
			if err != nil {
				return err
			}
			return runDemo(c.Context, s, opts)
		},
	}
}

func parseDemoOptions(c *cli.Context) (demoOptions, error) {
	opts := demoOptions{Peers: c.Int("peers"), Files: c.Int("files")}
	size, err := parseRate("size", c.String("size"))
	if err != nil || size < 1 {
		return opts, usageErrorf("--size %q: want a size such as 8M or 256MiB", c.String("size"))
	}
	opts.Size = int64(size)
	if opts.Peers < 1 || opts.Peers > 64 {
		return opts, usageErrorf("--peers %d: want 1 to 64 peers", opts.Peers)
	}
	if opts.Files < 1 || int64(opts.Files) > opts.Size {
		return opts, usageErrorf("--files %d: want 1 file or more, and no more files than bytes", opts.Files)
	}
	opts.MaxUpload, err = parseRate("max-upload", c.String("max-upload"))
	return opts, err
}

func runDemo(ctx context.Context, s *session, opts demoOptions) error {
	board := newDemoBoard(s, opts.Peers)
	defer board.stop()
	if !s.g.JSON {
		fmt.Fprintf(s.env.stdout, "demo: a rendezvous, a publisher and %d peers on 127.0.0.1; fetching a %s package of %d files\n",
			opts.Peers, humanBytes(opts.Size), opts.Files)
	}
	res, err := demo.Run(ctx, demo.Options{
		Size: opts.Size, Files: opts.Files, Peers: opts.Peers, MaxUpload: opts.MaxUpload,
		Progress: board.update, Log: s.log,
	})
	if err == nil {
		board.settle(res)
	}
	board.stop()
	if err != nil {
		return err
	}
	return s.out.result(res, func(w io.Writer) error { return printDemo(w, res) })
}

func printDemo(w io.Writer, res *demo.Result) error {
	rows := make([][]string, len(res.Peers))
	var fetched, shared int64
	for i, p := range res.Peers {
		rows[i] = []string{fmt.Sprintf("peer%d", i+1), shortID(p.ID.String()), fmt.Sprintf("%.2f", p.Seconds),
			fmt.Sprintf("%.1f", p.MBps*1e6/(1<<20)), humanBytes(p.FromPublisher), humanBytes(p.FromPeers), yesNo(p.Verified)}
		fetched += p.FromPublisher + p.FromPeers
		shared += p.FromPeers
	}
	if err := table(w, []string{"PEER", "NODE", "SECONDS", "MiB/s", "FROM PUBLISHER", "FROM PEERS", "VERIFIED"}, rows); err != nil {
		return err
	}
	pct := 0.0
	if fetched > 0 {
		pct = 100 * float64(shared) / float64(fetched)
	}
	_, err := fmt.Fprintf(w, "%s fetched %s (%s, %d files) in %.2fs; %.0f%% of the bytes came from other peers, "+
		"not the publisher; every file matches the original\n",
		count(len(res.Peers), "peer"), res.Name, humanBytes(res.Bytes), res.Files, res.Seconds, pct)
	return err
}

// shortID abbreviates a node ID for a table.
func shortID(id string) string {
	if len(id) <= 16 {
		return id
	}
	return id[:8] + "…" + id[len(id)-6:]
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// bar draws a progress bar of width cells for done of total.
func bar(done, total int64, width int) string {
	n := 0
	if total > 0 {
		n = int(int64(width) * min(max(done, 0), total) / total)
	}
	return strings.Repeat("#", n) + strings.Repeat(".", width-n)
}
