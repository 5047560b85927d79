package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/p2psb/p2psb/pkgshare/control"
)

func newPeersCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "peers",
		Usage:     "list known peers, or export or import the peerstore",
		ArgsUsage: " ",
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usageErrorf("unknown peers subcommand %q (see p2psb peers --help)", c.Args().First())
			}
			return withPeerBook(c, e, runPeersList)
		},
		Subcommands: []*cli.Command{
			{
				Name:      "export",
				Usage:     "write every known peer and the buddy list as JSON (private keys and metadata excepted)",
				ArgsUsage: "[FILE|-]",
				Action: func(c *cli.Context) error {
					if c.NArg() > 1 {
						return usageErrorf("peers export takes at most one file")
					}
					file := c.Args().First()
					return withPeerBook(c, e, func(ctx context.Context, s *session, pb peerBook) error {
						return runPeersExport(ctx, s, pb, file)
					})
				},
			},
			{
				Name:      "import",
				Usage:     "merge an export (of p2psb or of any libp2p peerstore) into the peerstore; nothing is written if a record is bad",
				ArgsUsage: "FILE",
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return usageErrorf("peers import takes one file")
					}
					file := c.Args().First()
					return withPeerBook(c, e, func(ctx context.Context, s *session, pb peerBook) error {
						return runPeersImport(ctx, s, pb, file)
					})
				},
			},
		},
	}
}

// peerResult is a known peer as printed.
type peerResult struct {
	ID        string       `json:"id"`
	LastSeen  *time.Time   `json:"last_seen,omitempty"`
	Addrs     []peerAddr   `json:"addrs"`
	Retained  []workedAddr `json:"last_working_addrs"`
	Protocols []string     `json:"protocols"`
	Buddy     bool         `json:"buddy"`
	Score     float64      `json:"score"` // 0 for a peer that never misbehaved; decays towards 0
}

type peerAddr struct {
	Addr    string     `json:"addr"`
	Expires *time.Time `json:"expires,omitempty"`
}

type workedAddr struct {
	Addr     string    `json:"addr"`
	WorkedAt time.Time `json:"worked_at"`
}

func toPeerResult(sp control.ScoredPeer) peerResult {
	pe := sp.PeerEntry
	r := peerResult{ID: pe.ID.String(), Buddy: pe.Buddy, Addrs: []peerAddr{}, Retained: []workedAddr{}, Protocols: []string{},
		Score: math.Round(sp.Score*10) / 10}
	if !pe.LastSeen.IsZero() {
		t := pe.LastSeen.UTC()
		r.LastSeen = &t
	}
	for _, a := range pe.Addrs {
		pa := peerAddr{Addr: a.Addr.String()}
		if !a.Expires.IsZero() {
			t := a.Expires.UTC()
			pa.Expires = &t
		}
		r.Addrs = append(r.Addrs, pa)
	}
	for _, a := range pe.Retained {
		r.Retained = append(r.Retained, workedAddr{Addr: a.Addr.String(), WorkedAt: a.WorkedAt.UTC()})
	}
	for _, p := range pe.Protocols {
		r.Protocols = append(r.Protocols, string(p))
	}
	return r
}

func runPeersList(ctx context.Context, s *session, pb peerBook) error {
	entries, err := pb.Peers(ctx)
	if err != nil {
		return err
	}
	self, err := s.nodeID()
	if err != nil {
		return err
	}
	// The peerstore holds the node's own addresses too; it is no peer.
	entries = slices.DeleteFunc(entries, func(pe control.ScoredPeer) bool { return pe.ID == self })
	res := make([]peerResult, len(entries))
	for i, pe := range entries {
		res[i] = toPeerResult(pe)
	}
	return s.out.result(res, func(w io.Writer) error {
		if len(res) == 0 {
			_, err := fmt.Fprintln(w, "no known peers yet")
			return err
		}
		rows := make([][]string, len(res))
		for i, r := range res {
			mark := ""
			if r.Buddy {
				mark = "*"
			}
			rows[i] = []string{mark, r.ID, strconv.FormatFloat(r.Score, 'f', -1, 64), seen(entries[i].LastSeen),
				orDash(peerAddrs(r)), orDash(strings.Join(r.Protocols, " "))}
		}
		return table(w, []string{"BUDDY", "NODE ID", "SCORE", "LAST SEEN", "ADDRESSES", "PROTOCOLS"}, rows)
	})
}

// peerAddrs lists a peer's current addresses, else its last working ones.
func peerAddrs(r peerResult) string {
	var out []string
	for _, a := range r.Addrs {
		out = append(out, a.Addr)
	}
	if len(out) == 0 {
		for _, a := range r.Retained {
			out = append(out, a.Addr)
		}
	}
	return strings.Join(out, " ")
}

func runPeersExport(ctx context.Context, s *session, pb peerBook, file string) error {
	if file == "" || file == "-" {
		return pb.ExportPeers(ctx, s.env.stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".p2psb-export-*")
	if err != nil {
		return fmt.Errorf("export to %s: %w", file, err)
	}
	defer os.Remove(tmp.Name())
	if err := pb.ExportPeers(ctx, tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("export to %s: %w", file, err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("export to %s: %w", file, err)
	}
	res := struct {
		File string `json:"file"`
	}{file}
	return s.out.result(res, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "exported the peerstore to %s\n", file)
		return err
	})
}

func runPeersImport(ctx context.Context, s *session, pb peerBook, file string) error {
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		return usageErrorf("import %s: no such file", file)
	}
	if err != nil {
		return fmt.Errorf("import %s: %w", file, err)
	}
	defer f.Close()
	st, err := pb.ImportPeers(ctx, f)
	if err != nil {
		return fmt.Errorf("import %s: %w", file, err)
	}
	res := struct {
		Peers   int `json:"peers"`
		Buddies int `json:"buddies"`
	}{st.Peers, st.Buddies}
	return s.out.result(res, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "imported %s and %s from %s\n", count(st.Peers, "peer"), countBuddies(st.Buddies), file)
		return err
	})
}

// countBuddies says n buddies ("buddy" does not take an s).
func countBuddies(n int) string {
	if n == 1 {
		return "1 buddy"
	}
	return fmt.Sprintf("%d buddies", n)
}
