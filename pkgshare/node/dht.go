package node

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/peer"
	mh "github.com/multiformats/go-multihash"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// DHTProtocolPrefix puts p2psb's Kademlia DHT under protocols of its own
// (/p2psb/kad/1.0.0), so it never mixes with the IPFS DHT: only p2psb
// nodes are asked, and only for p2psb packages.
const DHTProtocolPrefix = "/p2psb"

// DHTMode says what part a node takes in the DHT.
type DHTMode int

const (
	// DHTAuto answers queries once AutoNAT finds the node publicly
	// reachable, and only asks while it is not (behind a NAT, say).
	DHTAuto DHTMode = iota
	// DHTServer answers queries whatever AutoNAT says (rendezvous nodes
	// always do).
	DHTServer
	// DHTClient only asks.
	DHTClient
	// DHTOff runs no DHT.
	DHTOff
)

var dhtModeNames = map[string]DHTMode{"auto": DHTAuto, "server": DHTServer, "client": DHTClient, "off": DHTOff}

// ParseDHTMode parses auto, server, client or off.
func ParseDHTMode(s string) (DHTMode, error) {
	m, ok := dhtModeNames[s]
	if !ok {
		return 0, &ConfigError{Msg: fmt.Sprintf("DHT mode %q: want auto, server, client or off", s)}
	}
	return m, nil
}

// PackageKey is the DHT key under which the providers of package id are
// found: a CIDv1 (raw codec) of the SHA-256 of "p2psb/pkg/" and the ID's
// bytes, so the key names nothing but the package.
func PackageKey(id manifest.PackageID) cid.Cid {
	sum := sha256.Sum256(append([]byte("p2psb/pkg/"), id[:]...))
	m, err := mh.Encode(sum[:], mh.SHA2_256)
	if err != nil {
		panic(err) // a SHA-256 digest always encodes
	}
	return cid.NewCidV1(cid.Raw, m)
}

// provideTimeout bounds one attempt to store a provider record;
// reprovideEvery is how often the records are stored again (the DHT keeps
// them 48 hours); provideRetryMax caps the wait between failed attempts
// (an empty routing table, say).
const (
	provideTimeout  = time.Minute
	reprovideEvery  = 12 * time.Hour
	provideRetryMax = 5 * time.Minute
)

// dhtWarmup is how long a search waits for the routing table to get its
// first peer, when it has peers to bootstrap from.
const dhtWarmup = 3 * time.Second

// provided are the packages a node provides on the DHT.
type provided struct {
	mu  sync.Mutex
	ids map[manifest.PackageID]context.CancelFunc // ends the package's provide loop
}

// startDHT starts the node's DHT member (none with DHTOff), bootstrapped
// from the rendezvous nodes, buddies and recently seen peers.
func (n *Node) startDHT(opts Options) error {
	mode := map[DHTMode]dht.ModeOpt{DHTAuto: dht.ModeAuto, DHTServer: dht.ModeServer, DHTClient: dht.ModeClient}
	m, ok := mode[opts.DHT]
	if !ok {
		return nil
	}
	if opts.Rendezvous {
		m = dht.ModeServer
	}
	d, err := dht.New(n.Host, dht.ProtocolPrefix(DHTProtocolPrefix), dht.Mode(m),
		dht.DisableValues(), dht.BootstrapPeersFunc(n.dhtBootstrapPeers))
	if err != nil {
		return fmt.Errorf("start DHT: %w", err)
	}
	n.DHT = d
	return nil
}

// dhtBootstrapPeers are the peers the DHT starts from when its routing
// table is empty.
func (n *Node) dhtBootstrapPeers() []peer.AddrInfo {
	var out []peer.AddrInfo
	if n.Discovery != nil {
		out = append(out, n.Discovery.Servers()...)
	}
	if lan, _ := n.lan.since(0); len(lan) > 0 {
		out = append(out, lan...)
	}
	return append(out, n.knownPeers()...)
}

// DHTStatus is the node's part in the DHT.
type DHTStatus struct {
	Server   bool `json:"server"`   // answering queries (else only asking)
	Peers    int  `json:"peers"`    // in the routing table
	Provided int  `json:"provided"` // packages this node provides
}

func (n *Node) dhtStatus() *DHTStatus {
	if n.DHT == nil {
		return nil
	}
	n.provided.mu.Lock()
	defer n.provided.mu.Unlock()
	return &DHTStatus{Server: n.DHT.Mode() == dht.ModeServer, Peers: n.DHT.RoutingTable().Size(), Provided: len(n.provided.ids)}
}

// findPeerTimeout bounds a search of the DHT for a node's addresses.
const findPeerTimeout = 10 * time.Second

// findPeer asks the DHT where node id is. Only DHT servers can be found
// this way; a node behind a NAT is found through a rendezvous.
func (n *Node) findPeer(ctx context.Context, id peer.ID) (peer.AddrInfo, error) {
	if n.DHT.RoutingTable().Size() == 0 {
		return peer.AddrInfo{}, errors.New("the DHT knows no peers yet")
	}
	ctx, cancel := context.WithTimeout(ctx, findPeerTimeout)
	defer cancel()
	ai, err := n.DHT.FindPeer(ctx, id)
	if err != nil {
		return peer.AddrInfo{}, fmt.Errorf("DHT: %w", err)
	}
	if len(ai.Addrs) == 0 {
		return peer.AddrInfo{}, errors.New("DHT: no addresses")
	}
	return ai, nil
}

// provide stores, in the background, a record on the DHT saying that this
// node provides package id, and stores it again every reprovideEvery;
// failed attempts are retried, backing off.
func (n *Node) provide(id manifest.PackageID) {
	if n.DHT == nil {
		return
	}
	n.provided.mu.Lock()
	defer n.provided.mu.Unlock()
	if _, known := n.provided.ids[id]; known {
		return
	}
	if n.provided.ids == nil {
		n.provided.ids = map[manifest.PackageID]context.CancelFunc{}
	}
	loop, stop := context.WithCancel(n.ctx)
	n.provided.ids[id] = stop
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		wait := time.Second
		for {
			ctx, cancel := context.WithTimeout(loop, provideTimeout)
			err := n.DHT.Provide(ctx, PackageKey(id), true)
			cancel()
			next := reprovideEvery
			if err != nil {
				n.log.Info("provide on the DHT; retrying", "package", id, "in", wait, "err", err)
				next, wait = wait, min(2*wait, provideRetryMax)
			} else {
				n.log.Debug("provided on the DHT", "package", id)
				wait = time.Second
			}
			select {
			case <-loop.Done():
				return
			case <-time.After(next):
			}
		}
	}()
}

// stopProviding stops storing the DHT record for package id again (the
// record the DHT holds expires on its own).
func (n *Node) stopProviding(id manifest.PackageID) {
	n.provided.mu.Lock()
	defer n.provided.mu.Unlock()
	if stop, ok := n.provided.ids[id]; ok {
		stop()
		delete(n.provided.ids, id)
	}
}

// dhtProviders sends the providers the DHT knows of id, asking again every
// few seconds until ctx ends. It gives up when the routing table stays
// empty (no DHT server is known).
func (n *Node) dhtProviders(ctx context.Context, id manifest.PackageID, send func(peer.AddrInfo) bool) {
	key := PackageKey(id)
	askAgain(ctx, func() bool {
		if !n.waitRoutingTable(ctx) {
			return false
		}
		for ai := range n.DHT.FindProvidersAsync(ctx, key, 0) {
			if !send(ai) {
				return false
			}
		}
		return true
	})
}

// waitRoutingTable reports whether the DHT's routing table holds a peer,
// waiting up to dhtWarmup for one when there are peers to bootstrap from.
func (n *Node) waitRoutingTable(ctx context.Context) bool {
	if n.DHT.RoutingTable().Size() > 0 {
		return true
	}
	if len(n.dhtBootstrapPeers()) == 0 {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, dhtWarmup)
	defer cancel()
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for n.DHT.RoutingTable().Size() == 0 {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
	return true
}
