package node

import (
	"context"
	"errors"
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/rendezvous"
)

// Location is where a node is, and who said so.
type Location struct {
	ID         peer.ID   `json:"id"`
	Addrs      []string  `json:"addrs"`
	Source     string    `json:"source"` // "rendezvous", "dht" or "peerstore"
	Rendezvous []peer.ID `json:"rendezvous,omitempty"`
}

// RendezvousNode is a rendezvous node the configured ones know (or a
// configured one).
type RendezvousNode struct {
	ID      peer.ID   `json:"id"`
	Addrs   []string  `json:"addrs"`
	KnownBy []peer.ID `json:"known_by"` // the rendezvous that returned it; empty: configured only
}

// NoRendezvousError: the node has no rendezvous configured, which the
// request needs.
type NoRendezvousError struct{}

func (*NoRendezvousError) Error() string {
	return "no rendezvous configured: give --rendezvous-peer MULTIADDR (or P2PSB_RENDEZVOUS_PEER, or rendezvous-peer in the config)"
}
func (*NoRendezvousError) InvalidInput() bool { return true }

// Locate finds where node id is now: through the rendezvous nodes, else
// the DHT, else the addresses the peerstore has for it.
func (n *Node) Locate(ctx context.Context, id peer.ID) (*Location, error) {
	rzErr := errors.New("no rendezvous configured (--rendezvous-peer)")
	if n.Discovery != nil {
		f, err := n.Discovery.Locate(ctx, id)
		if err == nil {
			return &Location{ID: id, Addrs: addrStrings(f.AddrInfo), Source: "rendezvous", Rendezvous: f.Rendezvous}, nil
		}
		rzErr = err
	}
	why := rzErr.Error()
	if errors.Is(rzErr, rendezvous.ErrNotFound) {
		why = "no rendezvous knows it"
	}
	known := n.Peers.PeerInfo(id) // before the DHT's answers add to it
	if n.DHT != nil {
		// DHT servers answer with whatever addresses they hold for the
		// node, stale ones too: only those that answer a dial count.
		ai, err := n.findPeer(ctx, id)
		if err == nil {
			if err = n.connect(ctx, ai); err == nil {
				return &Location{ID: id, Addrs: addrStrings(ai), Source: "dht"}, nil
			}
			err = fmt.Errorf("the addresses the DHT has do not answer: %w", err)
		}
		why += ", " + err.Error()
	}
	if len(known.Addrs) > 0 {
		return &Location{ID: id, Addrs: addrStrings(known), Source: "peerstore"}, nil
	}
	return nil, fmt.Errorf("locate %s: %s, and the peerstore has no address for it", id, why)
}

// ListRendezvous lists the rendezvous nodes the configured ones know, and
// the configured ones.
func (n *Node) ListRendezvous(ctx context.Context) ([]RendezvousNode, error) {
	if n.Discovery == nil {
		return nil, &NoRendezvousError{}
	}
	found, err := n.Discovery.ListRendezvous(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]RendezvousNode, len(found))
	for i, f := range found {
		out[i] = RendezvousNode{ID: f.ID, Addrs: addrStrings(f.AddrInfo), KnownBy: f.Rendezvous}
		if out[i].KnownBy == nil {
			out[i].KnownBy = []peer.ID{}
		}
	}
	return out, nil
}

func addrStrings(ai peer.AddrInfo) []string {
	out := make([]string, len(ai.Addrs))
	for i, a := range ai.Addrs {
		out[i] = a.String()
	}
	return out
}
