package node

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/protocol/holepunch"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
)

// Reachability values, as Status reports them.
const (
	ReachPublic  = "public"  // peers can dial this node directly
	ReachPrivate = "private" // they cannot: it is reached through relays and hole punching
	ReachUnknown = "unknown" // not known yet
)

// reachability follows what the host learns about being dialable: AutoNAT
// v1's verdict, the addresses AutoNAT v2 confirmed or refuted, the relay
// reservations AutoRelay holds, and whether a rendezvous saw this node at
// an address none of its interfaces has (a NAT in between).
//
// That last one is the fast signal. AutoNAT v1 first probes 15 s after
// start, so AutoRelay, which waits for its verdict, would leave a node
// behind a NAT unreachable for that long. A node that sees the NAT tells
// AutoRelay, once, that its reachability is unknown (which it is), and
// AutoRelay reserves at the rendezvous nodes at once; a later verdict of
// public makes AutoRelay drop the reservations again.
type reachability struct {
	rendezvous map[peer.ID]bool
	kick       event.Emitter // nil: AutoRelay is off, nobody to tell

	mu          sync.Mutex
	v1          network.Reachability
	v1Known     bool
	reachable   []string
	unreachable []string
	relays      []peer.ID // relays holding a reservation for us
	natSeen     string    // the address a rendezvous saw behind a NAT; "" if none
	kicked      bool
	rzSeen      bool          // a rendezvous told us where it sees us
	punchReady  bool          // the hole-punching service answers (see waitPunchReady)
	changed     chan struct{} // closed and replaced on every change
}

// track follows the host's events until done is closed. With autoRelay,
// the host runs AutoRelay and is told of a NAT as described above.
func (r *reachability) track(h host.Host, rzPeers []peer.AddrInfo, autoRelay bool, done <-chan struct{}) (func(), error) {
	r.rendezvous = map[peer.ID]bool{}
	for _, ai := range rzPeers {
		r.rendezvous[ai.ID] = true
	}
	r.changed = make(chan struct{})
	if autoRelay {
		var err error
		if r.kick, err = h.EventBus().Emitter(new(event.EvtLocalReachabilityChanged)); err != nil {
			return nil, err
		}
	}
	stop, err := watchEvents(h, []any{
		new(event.EvtLocalProtocolsUpdated),
		new(event.EvtLocalReachabilityChanged),
		new(event.EvtHostReachableAddrsChanged),
		new(event.EvtAutoRelayAddrsUpdated),
		new(event.EvtPeerIdentificationCompleted),
	}, done, func(e any) { r.handle(h, e) })
	if err != nil {
		if r.kick != nil {
			r.kick.Close()
		}
		return nil, err
	}
	// Looked at once subscribed, so that no registration goes unseen.
	r.mu.Lock()
	r.punchReady = r.punchReady || slices.Contains(h.Mux().Protocols(), holepunch.Protocol)
	r.mu.Unlock()
	return func() {
		stop()
		if r.kick != nil {
			r.kick.Close()
		}
	}, nil
}

func (r *reachability) handle(h host.Host, e any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	close(r.changed)
	r.changed = make(chan struct{})
	switch e := e.(type) {
	case event.EvtLocalProtocolsUpdated:
		if slices.Contains(e.Added, holepunch.Protocol) {
			r.punchReady = true
		}
	case event.EvtLocalReachabilityChanged:
		if e.Reachability != network.ReachabilityUnknown {
			r.v1, r.v1Known = e.Reachability, true
		}
	case event.EvtHostReachableAddrsChanged:
		r.reachable, r.unreachable = multiaddrStrings(e.Reachable), multiaddrStrings(e.Unreachable)
	case event.EvtAutoRelayAddrsUpdated:
		r.relays = relayPeers(e.RelayAddrs)
	case event.EvtPeerIdentificationCompleted:
		if !r.rendezvous[e.Peer] || e.ObservedAddr == nil || r.natSeen != "" {
			return
		}
		r.rzSeen = true
		if behindNAT(e.ObservedAddr, h.Network().InterfaceListenAddresses) {
			r.natSeen = e.ObservedAddr.String()
			if r.kick != nil && !r.v1Known && !r.kicked {
				r.kicked = true
				_ = r.kick.Emit(event.EvtLocalReachabilityChanged{Reachability: network.ReachabilityUnknown})
			}
		}
	}
}

// punchWait bounds how long a fetch waits for the hole-punching service.
const punchWait = 1500 * time.Millisecond

// waitPunchReady waits, within punchWait, until a node behind a NAT can
// take part in hole punching. The first relayed connection to a peer is
// what starts hole punching, at once, and only once: the peer behind the
// other NAT asks this node to punch, and libp2p's service answers only
// once it knows a public address of the node (from a rendezvous), which
// it checks for a quarter of a second after start, then less and less
// often. A fetch that dialled a peer through a relay before that would
// have its one hole punch refused. It returns at once when the node is
// not behind a NAT, as soon as a rendezvous says so.
func (r *reachability) waitPunchReady(ctx context.Context) {
	t := time.NewTimer(punchWait)
	defer t.Stop()
	for {
		r.mu.Lock()
		ready := r.kick == nil || r.punchReady || (r.rzSeen && r.natSeen == "")
		ch := r.changed
		r.mu.Unlock()
		if ready {
			return
		}
		select {
		case <-ch:
		case <-t.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// behindNAT reports whether observed, where a peer saw us, is a public
// address that none of our interfaces has.
func behindNAT(observed ma.Multiaddr, local func() ([]ma.Multiaddr, error)) bool {
	if !manet.IsPublicAddr(observed) {
		return false
	}
	ip, err := manet.ToIP(observed)
	if err != nil {
		return false
	}
	addrs, err := local()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if lip, err := manet.ToIP(a); err == nil && lip.Equal(ip) {
			return false
		}
	}
	return true
}

// ReachabilityStatus is what a node knows of how peers reach it.
type ReachabilityStatus struct {
	// Reachability is ReachPublic, ReachPrivate or ReachUnknown.
	Reachability string `json:"reachability"`
	// BehindNAT is the address a rendezvous saw this node at, when none of
	// its interfaces has it; empty otherwise.
	BehindNAT string `json:"behind_nat,omitempty"`
	// Reachable and Unreachable are the addresses AutoNAT v2 confirmed and
	// refuted.
	Reachable   []string `json:"reachable_addrs"`
	Unreachable []string `json:"unreachable_addrs"`
	// Relays are the relays (rendezvous nodes) holding a reservation for
	// this node: peers reach it through them.
	Relays []string `json:"relay_reservations"`
}

func (r *reachability) status() ReachabilityStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := ReachabilityStatus{Reachability: ReachUnknown, BehindNAT: r.natSeen,
		Reachable: slices.Clone(r.reachable), Unreachable: slices.Clone(r.unreachable), Relays: []string{}}
	switch {
	case len(r.reachable) > 0:
		s.Reachability = ReachPublic
	case r.v1Known && r.v1 == network.ReachabilityPublic:
		s.Reachability = ReachPublic
	case r.v1Known && r.v1 == network.ReachabilityPrivate, len(r.unreachable) > 0:
		s.Reachability = ReachPrivate
	}
	for _, p := range r.relays {
		s.Relays = append(s.Relays, p.String())
	}
	if s.Reachable == nil {
		s.Reachable = []string{}
	}
	if s.Unreachable == nil {
		s.Unreachable = []string{}
	}
	return s
}

// relayPeers returns the relays named in relayed addresses
// (.../p2p/<relay>/p2p-circuit), each once, sorted.
func relayPeers(addrs []ma.Multiaddr) []peer.ID {
	var out []peer.ID
	for _, a := range addrs {
		relayPart, _ := ma.SplitFunc(a, func(c ma.Component) bool { return c.Code() == ma.P_CIRCUIT })
		if id, err := peer.IDFromP2PAddr(relayPart); err == nil && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

func multiaddrStrings(addrs []ma.Multiaddr) []string {
	out := make([]string, 0, len(addrs))
	for _, a := range addrs {
		out = append(out, a.String())
	}
	slices.Sort(out)
	return out
}
