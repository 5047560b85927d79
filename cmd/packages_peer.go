package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/peerstore"
	"github.com/p2psb/p2psb/pkgshare/catalog"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// peerCatalog is what packages --peer prints.
type peerCatalog struct {
	Peer      peer.ID            `json:"peer"`
	Packages  []peerPackage      `json:"packages"`
	Rejected  []rejectedManifest `json:"rejected"`
	Truncated bool               `json:"truncated"`
}

// peerPackage is one verified package a peer shares: its newest version
// there.
type peerPackage struct {
	Name      string             `json:"name"`
	ID        manifest.PackageID `json:"id"`
	Version   uint64             `json:"version"`
	VersionID manifest.VersionID `json:"version_id"`
	Publisher peer.ID            `json:"publisher"`
	Created   time.Time          `json:"created"`
	Files     int                `json:"files"`
	Bytes     int64              `json:"bytes"`
}

// rejectedManifest is a manifest the peer sent that did not verify.
type rejectedManifest struct {
	Index  int    `json:"index"`
	Reason string `json:"reason"`
}

func runPackagesPeer(ctx context.Context, s *session, who string) error {
	node, err := s.startOneShot()
	if err != nil {
		return err
	}
	defer node.Close()
	id, err := resolveNode(node.Peers, who)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	l, err := node.Browse(ctx, id)
	if err != nil {
		return fmt.Errorf("packages of %s: %w", who, err)
	}
	res := newPeerCatalog(l)
	return s.out.result(res, func(w io.Writer) error { return printPeerCatalog(w, res) })
}

// resolveNode turns a node ID or a buddy's alias into a node ID.
func resolveNode(ps *peerstore.Store, who string) (peer.ID, error) {
	if id, err := peer.Decode(who); err == nil {
		return id, nil
	}
	if err := peerstore.ValidateAlias(who); err != nil {
		return "", usageErrorf("%q is neither a node ID nor a buddy alias", who)
	}
	b, err := ps.Buddy(who)
	if errors.Is(err, peerstore.ErrNotBuddy) {
		return "", usageErrorf("no buddy is called %q (see p2psb buddy ls)", who)
	}
	if err != nil {
		return "", err
	}
	return b.ID, nil
}

func newPeerCatalog(l *catalog.Listing) *peerCatalog {
	res := &peerCatalog{Peer: l.Peer, Packages: []peerPackage{}, Rejected: []rejectedManifest{}, Truncated: l.Truncated}
	for _, p := range l.Packages {
		pub, _ := peer.IDFromPublicKey(p.Publisher)
		res.Packages = append(res.Packages, peerPackage{Name: p.Name, ID: p.PackageID, Version: p.Version,
			VersionID: p.ID, Publisher: pub, Created: p.Created, Files: len(p.Files), Bytes: p.Size()})
	}
	for _, r := range l.Rejected {
		res.Rejected = append(res.Rejected, rejectedManifest{Index: r.Index, Reason: r.Err.Error()})
	}
	return res
}

func printPeerCatalog(w io.Writer, res *peerCatalog) error {
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
