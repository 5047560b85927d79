package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	"github.com/urfave/cli/v2"

	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/ticket"
)

func newShareCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "share",
		Usage:     "print a ticket: one string that is enough to fetch a package of this library elsewhere",
		ArgsUsage: "<pkg-id>[@N] | <version-id>",
		Action: func(c *cli.Context) error {
			t, err := oneTarget(c)
			if err != nil {
				return err
			}
			return withSession(c, e, func(ctx context.Context, s *session) error {
				ref, err := s.refOf(ctx, t)
				if err != nil {
					return err
				}
				return runShare(ctx, s, ref)
			})
		},
	}
}

// shareResult is share's --json output: the ticket and what it holds.
type shareResult struct {
	Ticket     string              `json:"ticket"`
	Package    manifest.PackageID  `json:"package"`
	Name       string              `json:"name"`
	Version    uint64              `json:"version,omitempty"`
	VersionID  *manifest.VersionID `json:"version_id,omitempty"`
	Provider   shareProvider       `json:"provider"`
	Rendezvous []string            `json:"rendezvous"`
}

type shareProvider struct {
	ID    peer.ID  `json:"id"`
	Addrs []string `json:"addrs"`
}

// runShare makes a ticket for a package the library holds, naming this
// node as its provider at its current addresses: the running daemon's,
// else the configured listen addresses.
func runShare(ctx context.Context, s *session, ref manifest.Ref) error {
	lib, err := s.library()
	if err != nil {
		return err
	}
	v, err := lib.Version(ctx, ref)
	var nf *library.NotFoundError
	if errors.As(err, &nf) {
		return usageErrorf("%s is not in this library (share a package published or fetched here)", ref)
	}
	if err != nil {
		return err
	}
	t := ticket.Ticket{Package: ref.ID}
	if ref.Version != 0 {
		t.Version, t.VersionID = v.Sealed.Version, v.Sealed.ID
	}
	if t.Provider, err = s.providerInfo(ctx); err != nil {
		return err
	}
	if t.Rendezvous, err = s.ticketRendezvous(); err != nil {
		return err
	}
	res := shareResult{Ticket: t.String(), Package: t.Package, Name: v.Sealed.Name, Version: t.Version,
		Provider: shareProvider{ID: t.Provider.ID, Addrs: []string{}}, Rendezvous: []string{}}
	if !t.VersionID.IsZero() {
		res.VersionID = &t.VersionID
	}
	res.Rendezvous = append(res.Rendezvous, p2pAddrStrings(t.Rendezvous)...)
	for _, a := range t.Provider.Addrs {
		res.Provider.Addrs = append(res.Provider.Addrs, a.String())
	}
	return s.out.result(res, func(w io.Writer) error {
		_, err := fmt.Fprintln(w, res.Ticket)
		return err
	})
}

// providerInfo is this node's ID and the addresses a ticket gives for it.
func (s *session) providerInfo(ctx context.Context) (peer.AddrInfo, error) {
	key, err := s.home.Identity()
	if err != nil {
		return peer.AddrInfo{}, err
	}
	ai := peer.AddrInfo{}
	if ai.ID, err = peer.IDFromPrivateKey(key); err != nil {
		return peer.AddrInfo{}, fmt.Errorf("node ID: %w", err)
	}
	var addrs []ma.Multiaddr
	if d, err := s.runningDaemon(); err != nil {
		return peer.AddrInfo{}, err
	} else if d != nil {
		st, err := d.Status(ctx)
		if err != nil {
			return peer.AddrInfo{}, err
		}
		for _, a := range st.Addrs {
			if m, err := ma.NewMultiaddr(a); err == nil {
				addrs = append(addrs, m)
			}
		}
	} else {
		s.log.Warn("no daemon runs for this home: the ticket names the configured listen addresses; start p2psb serve so that it can be fetched")
		for _, a := range s.g.Listen {
			m, err := ma.NewMultiaddr(a)
			if err != nil {
				return peer.AddrInfo{}, usageErrorf("listen address %q: %v", a, err)
			}
			addrs = append(addrs, m)
		}
	}
	for _, a := range ticket.DialableAddrs(addrs) {
		if tpt, id := peer.SplitAddr(a); tpt != nil && (id == "" || id == ai.ID) {
			ai.Addrs = append(ai.Addrs, tpt)
		}
	}
	return ai, nil
}

// ticketRendezvous are the rendezvous nodes this node uses, for a ticket.
func (s *session) ticketRendezvous() ([]peer.AddrInfo, error) {
	var out []peer.AddrInfo
	for _, a := range s.g.RendezvousPeer {
		ai, err := peer.AddrInfoFromString(a)
		if err != nil {
			return nil, usageErrorf("rendezvous peer %q: %v (a rendezvous address ends in /p2p/<node-id>)", a, err)
		}
		out = append(out, *ai)
	}
	return out, nil
}

// p2pAddrStrings lists the addresses of peers, each ending in /p2p/<id>.
func p2pAddrStrings(peers []peer.AddrInfo) []string {
	var out []string
	for _, ai := range peers {
		full, _ := peer.AddrInfoToP2pAddrs(&ai)
		for _, a := range full {
			out = append(out, a.String())
		}
	}
	return out
}
