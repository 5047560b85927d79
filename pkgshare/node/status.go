package node

import (
	"os"
	"slices"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/pkgshare/follow"
	"github.com/p2psb/p2psb/pkgshare/seeder"
	"github.com/p2psb/p2psb/pkgshare/xfer"
	"github.com/p2psb/p2psb/rendezvous"
)

// Status is a snapshot of a running node.
type Status struct {
	ID       peer.ID  `json:"id"`
	PID      int      `json:"pid"`      // the daemon's process ID
	Addrs    []string `json:"addrs"`    // listen addresses, with /p2p/<id>
	Observed []string `json:"observed"` // our addresses as peers see them (identify)
	Peers    []string `json:"peers"`    // connected peers
	// Connections are the open connections, each direct or relayed.
	Connections []Connection       `json:"connections"`
	Reach       ReachabilityStatus `json:"reach"`
	Rendezvous  []string           `json:"rendezvous"`        // configured rendezvous nodes
	Announced   []string           `json:"announced"`         // rendezvous namespaces the node registers in, sorted
	Metrics     string             `json:"metrics,omitempty"` // where Prometheus metrics are served (serve --metrics)
	IsRendez    bool               `json:"is_rendezvous"`
	Transfers   []seeder.Transfer  `json:"transfers"`      // fetches in progress
	Uploaded    int64              `json:"uploaded_bytes"` // chunk bytes served since start
	DHT         *DHTStatus         `json:"dht,omitempty"`  // nil with the DHT off
	Started     time.Time          `json:"started"`
	// Backbone is how a federating rendezvous node stands with each
	// backbone peer (none otherwise).
	Backbone []rendezvous.BackbonePeer `json:"backbone"`
	// Follows are the packages the node follows, with their state (none
	// without the follower service); FollowGossip counts the announcements
	// received (nil without follow gossip).
	Follows      []follow.Follow     `json:"follows"`
	FollowGossip *follow.GossipStats `json:"follow_gossip,omitempty"`
	// Warnings are what is wrong with the node (a backbone peer that does
	// not federate, say).
	Warnings []string `json:"warnings"`
}

// Status returns a snapshot of the node.
func (n *Node) Status() Status {
	s := Status{ID: n.Host.ID(), PID: os.Getpid(), IsRendez: n.Server != nil, Started: n.started,
		Addrs: []string{}, Peers: []string{}, Rendezvous: []string{}, Observed: n.observed.list()}
	for _, a := range n.Addrs() {
		s.Addrs = append(s.Addrs, a.String())
	}
	s.Transfers = n.Seeder.Transfers()
	s.Uploaded = n.Xfer.Sent()
	for _, p := range n.Host.Network().Peers() {
		s.Peers = append(s.Peers, p.String())
	}
	s.DHT = n.dhtStatus()
	s.Backbone, s.Warnings = []rendezvous.BackbonePeer{}, []string{}
	if n.Server != nil {
		s.Backbone = append(s.Backbone, n.Server.Backbone()...)
	}
	for _, b := range s.Backbone {
		if w := b.Warning(); w != "" {
			s.Warnings = append(s.Warnings, w)
		}
	}
	s.Connections = n.connections()
	s.Reach = n.reach.status()
	if n.Discovery != nil {
		for _, ai := range n.Discovery.Servers() {
			s.Rendezvous = append(s.Rendezvous, ai.ID.String())
		}
	}
	s.Follows, s.FollowGossip = n.followStatus()
	s.Announced = n.announcedNamespaces()
	s.Metrics = n.metrics.servedAt()
	slices.Sort(s.Announced)
	return s
}

// Connection is one open connection to a peer.
type Connection struct {
	Peer    string `json:"peer"`
	Addr    string `json:"addr"`    // the peer's end
	Relayed bool   `json:"relayed"` // through a circuit relay; false: direct
	Limited bool   `json:"limited"` // the relay bounds its time and data
}

// connections lists the open connections, by peer, direct ones first.
func (n *Node) connections() []Connection {
	out := []Connection{}
	for _, c := range n.Host.Network().Conns() {
		out = append(out, Connection{Peer: c.RemotePeer().String(), Addr: c.RemoteMultiaddr().String(),
			Relayed: xfer.Relayed(c), Limited: c.Stat().Limited})
	}
	slices.SortFunc(out, func(a, b Connection) int {
		if a.Peer != b.Peer {
			return strings.Compare(a.Peer, b.Peer)
		}
		if a.Relayed != b.Relayed {
			if a.Relayed {
				return 1
			}
			return -1
		}
		return strings.Compare(a.Addr, b.Addr)
	})
	return out
}
