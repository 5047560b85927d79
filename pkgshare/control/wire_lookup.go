package control

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/peerstore"
	"github.com/p2psb/p2psb/pkgshare/catalog"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// PeerCatalog is what a peer shares (GET /v1/peers/{who}/packages, and
// packages --peer).
type PeerCatalog struct {
	Peer      peer.ID            `json:"peer"`
	Packages  []PeerPackage      `json:"packages"`
	Rejected  []RejectedManifest `json:"rejected"`
	Truncated bool               `json:"truncated"`
}

// PeerPackage is one verified package a peer shares: its newest version
// there.
type PeerPackage struct {
	Name      string             `json:"name"`
	ID        manifest.PackageID `json:"id"`
	Version   uint64             `json:"version"`
	VersionID manifest.VersionID `json:"version_id"`
	Publisher peer.ID            `json:"publisher"`
	Created   time.Time          `json:"created"`
	Files     int                `json:"files"`
	Bytes     int64              `json:"bytes"`
}

// RejectedManifest is a manifest the peer sent that did not verify.
type RejectedManifest struct {
	Index  int    `json:"index"`
	Reason string `json:"reason"`
}

// NewPeerCatalog summarises a catalog listing.
func NewPeerCatalog(l *catalog.Listing) *PeerCatalog {
	res := &PeerCatalog{Peer: l.Peer, Packages: []PeerPackage{}, Rejected: []RejectedManifest{}, Truncated: l.Truncated}
	for _, p := range l.Packages {
		pub, _ := peer.IDFromPublicKey(p.Publisher)
		res.Packages = append(res.Packages, PeerPackage{Name: p.Name, ID: p.PackageID, Version: p.Version,
			VersionID: p.ID, Publisher: pub, Created: p.Created, Files: len(p.Files), Bytes: p.Size()})
	}
	for _, r := range l.Rejected {
		res.Rejected = append(res.Rejected, RejectedManifest{Index: r.Index, Reason: r.Err.Error()})
	}
	return res
}

// NodeIDHelp says what names a node, for messages.
const NodeIDHelp = "expected a node ID such as 12D3KooW... (p2psb id prints a node's) or an address ending in /p2p/<node-id>"

// ResolvePeer turns a node ID, an address ending in /p2p/<node-id> or a
// buddy's alias into a node ID; what it cannot read is bad input whose
// message says what was expected.
func ResolvePeer(ps *peerstore.Store, who string) (peer.ID, error) {
	if strings.HasPrefix(who, "/") {
		ai, err := peer.AddrInfoFromString(who)
		if err != nil {
			return "", &Error{Msg: fmt.Sprintf("%q is not an address ending in /p2p/<node-id> (%s)", who, NodeIDHelp), BadInput: true}
		}
		return ai.ID, nil
	}
	if id, err := peer.Decode(who); err == nil {
		return id, nil
	}
	if err := peerstore.ValidateAlias(who); err != nil {
		return "", &Error{Msg: fmt.Sprintf("%q is neither a node ID nor a buddy alias (%s, or a buddy's alias)", who, NodeIDHelp),
			BadInput: true}
	}
	b, err := ps.Buddy(who)
	if errors.Is(err, peerstore.ErrNotBuddy) {
		return "", &Error{Msg: fmt.Sprintf("%q is not a node ID, and no buddy is called that (%s, or a buddy's alias: see p2psb buddy ls)",
			who, NodeIDHelp), BadInput: true}
	}
	if err != nil {
		return "", err
	}
	return b.ID, nil
}
