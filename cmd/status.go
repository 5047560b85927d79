package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/p2psb/p2psb/pkgshare/buddy"
	"github.com/p2psb/p2psb/pkgshare/control"
	"github.com/p2psb/p2psb/pkgshare/follow"
	"github.com/p2psb/p2psb/pkgshare/node"
	"github.com/p2psb/p2psb/pkgshare/seeder"
	"github.com/p2psb/p2psb/rendezvous"
)

func newStatusCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "show the running daemon's node: ID, addresses, peers, rendezvous nodes",
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
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
		rows := [][]string{
			{"node", st.ID.String()},
			{"rendezvous node", fmt.Sprint(st.IsRendez)},
			{"listening", strings.Join(st.Addrs, "\n\t")},
			{"observed", strings.Join(st.Observed, "\n\t")},
			{"rendezvous", strings.Join(st.Rendezvous, "\n\t")},
		}
		if len(st.Backbone) > 0 {
			rows = append(rows, []string{"backbone", backboneStates(st.Backbone)})
		}
		rows = append(rows, [][]string{
			{"reachability", reachLine(st.Reach)},
			{"relay reservations", orDash(strings.Join(st.Reach.Relays, "\n\t"))},
			{"connected peers", fmt.Sprint(len(st.Peers))},
			{"connections", connectionLines(st.Connections)},
			{"DHT", dhtLine(st.DHT)},
			{"uploaded", humanBytes(st.Uploaded)},
			{"transfers", transferLines(st.Transfers)},
			{"buddies", buddyStates(st.Buddies)},
			{"following", followLines(st.Follows)},
		}...)
		if g := st.FollowGossip; g != nil {
			rows = append(rows, []string{"announcements", fmt.Sprintf("%s; received %d accepted, %d ignored (not newer), %d rejected (forged)",
				count(g.Topics, "topic"), g.Accepted, g.Ignored, g.Rejected)})
		}
		for _, warn := range st.Warnings {
			rows = append(rows, []string{"warning", warn})
		}
		return table(w, nil, rows)
	})
}

// dhtLine says what part the node takes in the DHT.
func dhtLine(d *node.DHTStatus) string {
	if d == nil {
		return "off"
	}
	role := "client (asks only)"
	if d.Server {
		role = "server"
	}
	return fmt.Sprintf("%s, %s in the routing table, %s provided", role, count(d.Peers, "peer"), count(d.Provided, "package"))
}

// buddyStates formats the keeper's view of the buddies, one a line.
func buddyStates(bs []buddy.State) string {
	slices.SortFunc(bs, func(a, b buddy.State) int {
		return strings.Compare(a.Alias+"\x00"+a.ID.String(), b.Alias+"\x00"+b.ID.String())
	})
	lines := make([]string, len(bs))
	for i, b := range bs {
		state := "connected"
		if !b.Connected {
			state = fmt.Sprintf("not connected (%d failed dials", b.Failures)
			if first, _, _ := strings.Cut(b.LastError, "\n"); first != "" {
				state += ": " + first
			}
			state += ")"
		}
		lines[i] = fmt.Sprintf("%s %s %s", orDash(b.Alias), b.ID, state)
	}
	return strings.Join(lines, "\n\t")
}

// backboneStates formats how a rendezvous node stands with each backbone
// peer, one a line.
func backboneStates(bs []rendezvous.BackbonePeer) string {
	lines := make([]string, len(bs))
	for i, b := range bs {
		how := "member"
		if b.Configured {
			how = "configured"
		}
		lines[i] = fmt.Sprintf("%s %s %s", b.ID, how, b.State)
		if b.Failures > 0 {
			lines[i] += fmt.Sprintf(" (%d failed, retrying)", b.Failures)
		}
	}
	return strings.Join(lines, "\n\t")
}

// transferLines formats the fetches in progress, one a line.
func transferLines(ts []seeder.Transfer) string {
	if len(ts) == 0 {
		return "none"
	}
	lines := make([]string, len(ts))
	for i, t := range ts {
		lines[i] = fmt.Sprintf("%s v%d: %s of %s into %s", t.Name, t.Version, humanBytes(t.HaveBytes), humanBytes(t.Bytes), t.Target)
	}
	return strings.Join(lines, "\n\t")
}

// reachLine says whether peers can dial the node, and why it thinks so.
func reachLine(r node.ReachabilityStatus) string {
	line := r.Reachability
	if r.BehindNAT != "" {
		line += " (behind a NAT: a rendezvous sees it at " + r.BehindNAT + ")"
	}
	return line
}

// connectionLines formats the open connections, one a line, each direct
// or relayed.
func connectionLines(cs []node.Connection) string {
	if len(cs) == 0 {
		return "none"
	}
	lines := make([]string, len(cs))
	for i, c := range cs {
		path := "direct"
		if c.Relayed {
			path = "relayed"
		}
		lines[i] = fmt.Sprintf("%s %s %s", c.Peer, path, c.Addr)
	}
	return strings.Join(lines, "\n\t")
}

// followLines formats the followed packages, one a line.
func followLines(fs []follow.Follow) string {
	if len(fs) == 0 {
		return "none"
	}
	lines := make([]string, len(fs))
	for i, f := range fs {
		lines[i] = fmt.Sprintf("%s %s v%s: %s", orDash(f.Name), f.Package, heldCell(f.Held), followState(f))
	}
	return strings.Join(lines, "\n\t")
}
