package control

import (
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	pstore "github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/core/protocol"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/p2psb/p2psb/peerstore"
	"github.com/p2psb/p2psb/pkgshare/buddy"
	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/node"
)

// Status is the daemon's answer to GET /v1/status.
type Status struct {
	node.Status
	Buddies []buddy.State `json:"buddies"`
}

// PublishRequest asks the daemon to publish files in place.
type PublishRequest struct {
	Path           string `json:"path"` // absolute
	Name           string `json:"name,omitempty"`
	FollowSymlinks bool   `json:"follow_symlinks,omitempty"`
}

// PublishProgress is a progress frame of a publish: bytes hashed so far.
type PublishProgress struct {
	Total int64 `json:"total"`
	Done  int64 `json:"done"`
}

// FetchRequest asks the daemon to fetch a package.
type FetchRequest struct {
	Ref manifest.Ref `json:"ref"`
	// VersionID, if set, names the version instead of Ref.
	VersionID *manifest.VersionID `json:"version_id,omitempty"`
	Target    string              `json:"target,omitempty"` // absolute; empty: <Dir>/<package name>
	Dir       string              `json:"dir"`              // the client's working directory (absolute)
	Peers     []string            `json:"peers,omitempty"`  // multiaddrs ending in /p2p/<id>
	Timeout   time.Duration       `json:"timeout,omitempty"`
	// MaxDownload caps this fetch in bytes per second, on top of the
	// daemon's own limit; 0: none of its own.
	MaxDownload int `json:"max_download,omitempty"`
	// StallTimeout: fetch.Options.StallTimeout.
	StallTimeout time.Duration `json:"stall_timeout,omitempty"`
	// Rendezvous are rendezvous nodes (multiaddrs ending in /p2p/<id>, a
	// ticket's) for the daemon to remember and ask when its own fail.
	Rendezvous []string `json:"rendezvous,omitempty"`
	// Overwrite lets the fetch replace files in the target that p2psb did
	// not write.
	Overwrite bool `json:"overwrite,omitempty"`
	// Include and Exclude are the path globs of a selective fetch
	// (fetch.Selection).
	Include []string `json:"include,omitempty"`
	Exclude []string `json:"exclude,omitempty"`
}

// BuddyRequest adds a buddy, or changes its alias.
type BuddyRequest struct {
	ID    peer.ID  `json:"id"`
	Alias string   `json:"alias,omitempty"`
	Addrs []string `json:"addrs,omitempty"` // addresses of the buddy the user gave
}

// WorkedAddr is an address that worked for a peer, and when.
type WorkedAddr struct {
	Addr     string    `json:"addr"`
	WorkedAt time.Time `json:"worked_at"`
}

// Buddy is a peerstore.Buddy on the wire.
type Buddy struct {
	ID       peer.ID      `json:"id"`
	Alias    string       `json:"alias,omitempty"`
	AddedAt  time.Time    `json:"added_at"`
	LastSeen time.Time    `json:"last_seen"`
	Addrs    []WorkedAddr `json:"addrs"`
}

// ExpiringAddr is a peerstore.ExpiringAddr on the wire.
type ExpiringAddr struct {
	Addr    string    `json:"addr"`
	Expires time.Time `json:"expires"`
}

// Peer is a peerstore.PeerEntry on the wire, without keys and record.
type Peer struct {
	ID        peer.ID        `json:"id"`
	LastSeen  time.Time      `json:"last_seen"`
	Addrs     []ExpiringAddr `json:"addrs"`
	Retained  []WorkedAddr   `json:"retained"`
	Protocols []string       `json:"protocols"`
	Buddy     bool           `json:"buddy"`
	Score     float64        `json:"score"` // node.PeerScore now
}

// ScoredPeer is a known peer and its score (node.PeerScore).
type ScoredPeer struct {
	peerstore.PeerEntry
	Score float64
}

// ScorePeers pairs every entry with its score in ps at time now.
func ScorePeers(ps pstore.PeerMetadata, entries []peerstore.PeerEntry, now time.Time) []ScoredPeer {
	out := make([]ScoredPeer, len(entries))
	for i, pe := range entries {
		out[i] = ScoredPeer{PeerEntry: pe, Score: node.PeerScore(ps, pe.ID, now)}
	}
	return out
}

func toWorked(as []peerstore.WorkingAddr) []WorkedAddr {
	out := make([]WorkedAddr, len(as))
	for i, a := range as {
		out[i] = WorkedAddr{Addr: a.Addr.String(), WorkedAt: a.WorkedAt}
	}
	return out
}

func fromWorked(as []WorkedAddr) ([]peerstore.WorkingAddr, error) {
	out := make([]peerstore.WorkingAddr, len(as))
	for i, a := range as {
		m, err := ma.NewMultiaddr(a.Addr)
		if err != nil {
			return nil, fmt.Errorf("daemon sent address %q: %w", a.Addr, err)
		}
		out[i] = peerstore.WorkingAddr{Addr: m, WorkedAt: a.WorkedAt}
	}
	return out, nil
}

func toBuddy(b peerstore.Buddy) Buddy {
	return Buddy{ID: b.ID, Alias: b.Alias, AddedAt: b.AddedAt, LastSeen: b.LastSeen, Addrs: toWorked(b.Addrs)}
}

func fromBuddy(b Buddy) (peerstore.Buddy, error) {
	addrs, err := fromWorked(b.Addrs)
	return peerstore.Buddy{ID: b.ID, Alias: b.Alias, AddedAt: b.AddedAt, LastSeen: b.LastSeen, Addrs: addrs}, err
}

func toPeer(pe peerstore.PeerEntry) Peer {
	p := Peer{ID: pe.ID, LastSeen: pe.LastSeen, Retained: toWorked(pe.Retained), Buddy: pe.Buddy,
		Addrs: make([]ExpiringAddr, len(pe.Addrs)), Protocols: make([]string, len(pe.Protocols))}
	for i, a := range pe.Addrs {
		p.Addrs[i] = ExpiringAddr{Addr: a.Addr.String(), Expires: a.Expires}
	}
	for i, pr := range pe.Protocols {
		p.Protocols[i] = string(pr)
	}
	return p
}

func fromPeer(p Peer) (peerstore.PeerEntry, error) {
	pe := peerstore.PeerEntry{ID: p.ID, LastSeen: p.LastSeen, Buddy: p.Buddy}
	var err error
	if pe.Retained, err = fromWorked(p.Retained); err != nil {
		return pe, err
	}
	for _, a := range p.Addrs {
		m, err := ma.NewMultiaddr(a.Addr)
		if err != nil {
			return pe, fmt.Errorf("daemon sent address %q: %w", a.Addr, err)
		}
		pe.Addrs = append(pe.Addrs, peerstore.ExpiringAddr{Addr: m, Expires: a.Expires})
	}
	for _, pr := range p.Protocols {
		pe.Protocols = append(pe.Protocols, protocol.ID(pr))
	}
	return pe, nil
}
