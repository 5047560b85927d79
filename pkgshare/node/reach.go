package node

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/pkgshare/catalog"
)

// dialTimeout bounds one attempt to connect to a peer.
const dialTimeout = 10 * time.Second

// UnreachableError reports a peer that could not be found or dialled.
type UnreachableError struct {
	Peer    peer.ID
	Reasons []string
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach %s: %s", e.Peer, strings.Join(e.Reasons, "; "))
}

// Browse lists what peer id shares: it connects to the peer (see Reach)
// and asks for its catalog, verifying every manifest.
func (n *Node) Browse(ctx context.Context, id peer.ID) (*catalog.Listing, error) {
	if err := n.Reach(ctx, id); err != nil {
		return nil, err
	}
	return n.Catalog.List(ctx, id)
}

// Reach connects to peer id: through the addresses the peerstore and the
// buddy list know, else through those a rendezvous has for it (Locate).
// It returns an *UnreachableError saying what was tried.
func (n *Node) Reach(ctx context.Context, id peer.ID) error {
	if id == n.Host.ID() {
		return &UnreachableError{Peer: id, Reasons: []string{"that is this node"}}
	}
	ue := &UnreachableError{Peer: id}
	ai := n.Peers.PeerInfo(id)
	if b, err := n.Peers.Buddy(id.String()); err == nil {
		for _, a := range b.Addrs {
			ai.Addrs = append(ai.Addrs, a.Addr)
		}
	}
	if len(ai.Addrs) == 0 {
		ue.Reasons = append(ue.Reasons, "the peerstore has no address for it")
	} else if err := n.connect(ctx, ai); err == nil {
		return nil
	} else {
		ue.Reasons = append(ue.Reasons, "known addresses: "+err.Error())
	}
	if n.Discovery == nil {
		ue.Reasons = append(ue.Reasons, "no rendezvous configured (--rendezvous-peer)")
	} else if f, err := n.Discovery.Locate(ctx, id); err != nil {
		ue.Reasons = append(ue.Reasons, "rendezvous: "+err.Error())
	} else if err := n.connect(ctx, f.AddrInfo); err != nil {
		ue.Reasons = append(ue.Reasons, "addresses from the rendezvous: "+err.Error())
	} else {
		return nil
	}
	if n.DHT == nil {
		return ue
	}
	if ai, err := n.findPeer(ctx, id); err != nil {
		ue.Reasons = append(ue.Reasons, err.Error())
	} else if err := n.connect(ctx, ai); err != nil {
		ue.Reasons = append(ue.Reasons, "addresses from the DHT: "+err.Error())
	} else {
		return nil
	}
	return ue
}

func (n *Node) connect(ctx context.Context, ai peer.AddrInfo) error {
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	err := n.Host.Connect(ctx, ai)
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("no answer within %v", dialTimeout)
	}
	if err != nil {
		// libp2p lists failed dials on several lines; keep one.
		return errors.New(strings.Join(strings.Fields(err.Error()), " "))
	}
	return nil
}
