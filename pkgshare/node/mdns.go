package node

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/discovery/mdns"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
)

// MDNSService is the mDNS service name p2psb nodes announce and browse:
// only p2psb nodes speak p2psb's protocols, so other libp2p programs on
// the network are not asked for packages.
const MDNSService = "_p2psb._udp"

// lanAddrTTL is how long the addresses of a peer found on the LAN are
// kept; mDNS answers renew them.
const lanAddrTTL = 10 * time.Minute

// maxLANPeers bounds the LAN peers a node remembers; a LAN with more
// p2psb nodes still works, through the rendezvous and the DHT.
const maxLANPeers = 256

// lanPeers are the peers mDNS found, in the order found. Waiters learn of
// a new one when changed is closed (and replaced).
type lanPeers struct {
	mu      sync.Mutex
	order   []peer.ID
	addrs   map[peer.ID][]ma.Multiaddr
	changed chan struct{}
}

// add records ai and reports whether it is new.
func (l *lanPeers) add(ai peer.AddrInfo) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.addrs == nil {
		l.addrs, l.changed = map[peer.ID][]ma.Multiaddr{}, make(chan struct{})
	}
	_, known := l.addrs[ai.ID]
	if !known && len(l.order) >= maxLANPeers {
		return false
	}
	l.addrs[ai.ID] = ai.Addrs
	if known {
		return false
	}
	l.order = append(l.order, ai.ID)
	close(l.changed)
	l.changed = make(chan struct{})
	return true
}

// since returns the peers found after the first skip ones, and a channel
// closed when another is found.
func (l *lanPeers) since(skip int) ([]peer.AddrInfo, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.addrs == nil {
		l.addrs, l.changed = map[peer.ID][]ma.Multiaddr{}, make(chan struct{})
	}
	var out []peer.AddrInfo
	for _, id := range l.order[min(skip, len(l.order)):] {
		out = append(out, peer.AddrInfo{ID: id, Addrs: l.addrs[id]})
	}
	return out, l.changed
}

// has reports whether mDNS found p.
func (l *lanPeers) has(p peer.ID) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.addrs[p]
	return ok
}

// startMDNS announces the node on the LAN with mDNS and listens for other
// p2psb nodes there (Options.MDNS).
func (n *Node) startMDNS(opts Options) error {
	if !opts.MDNS {
		return nil
	}
	n.mdns = mdns.NewMdnsService(n.Host, MDNSService, lanNotifee{n})
	if err := n.mdns.Start(); err != nil {
		n.mdns = nil
		return fmt.Errorf("start mDNS: %w", err)
	}
	return nil
}

// lanNotifee receives the peers mDNS finds.
type lanNotifee struct{ n *Node }

// HandlePeerFound implements mdns.Notifee. mDNS answers are not signed,
// so a found peer is only a candidate: dialling it checks its node ID.
func (f lanNotifee) HandlePeerFound(ai peer.AddrInfo) {
	n := f.n
	if ai.ID == n.Host.ID() || n.ctx.Err() != nil {
		return
	}
	ai.Addrs = lanAddrs(ai.Addrs)
	if len(ai.Addrs) == 0 {
		return
	}
	n.Host.Peerstore().AddAddrs(ai.ID, ai.Addrs, lanAddrTTL)
	if n.lan.add(ai) {
		n.log.Info("found a peer on the LAN", "peer", ai.ID, "addrs", ai.Addrs)
	}
}

// lanAddrs drops the loopback addresses of a LAN peer's list (which lead
// to this machine, not that one) unless nothing else is left, as on one
// machine.
func lanAddrs(addrs []ma.Multiaddr) []ma.Multiaddr {
	out := slices.DeleteFunc(slices.Clone(addrs), manet.IsIPLoopback)
	if len(out) == 0 {
		return addrs
	}
	return out
}

// lanProviders sends the peers mDNS finds, the ones known first, until ctx
// ends.
func (n *Node) lanProviders(ctx context.Context, send func(peer.AddrInfo) bool) {
	seen := 0
	for {
		found, changed := n.lan.since(seen)
		seen += len(found)
		if !n.sendAll(found, send) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
	}
}

// LANPeer reports whether mDNS found p on the local network.
func (n *Node) LANPeer(p peer.ID) bool { return n.lan.has(p) }
