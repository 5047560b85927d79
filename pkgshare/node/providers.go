package node

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// PackageNamespace is the rendezvous namespace where the providers of a
// package register.
func PackageNamespace(id manifest.PackageID) string { return "p2psb/pkg/" + id.String() }

// errNoRendezvous: the node has no rendezvous to ask.
var errNoRendezvous = errors.New("no rendezvous configured")

// rediscoverEvery is how often a fetch asks the rendezvous nodes for
// providers again while it runs; a young fetch asks sooner (firstRediscover,
// doubling), since the peers fetching at the same time register as
// providers within their first second.
const (
	rediscoverEvery = 5 * time.Second
	firstRediscover = 500 * time.Millisecond
)

// fallbackPeers bounds how many recently seen peers a fetch tries when no
// rendezvous answers.
const fallbackPeers = 64

// providers sends peers that may hold package id until ctx ends: the
// explicit ones first, then the peers found on the LAN (preferred as
// sources), then, all at once, what the rendezvous nodes return (asked
// again every few seconds), what the DHT returns (likewise), and LAN peers
// as mDNS finds them; when no rendezvous answers, buddies and recently seen
// peers too. Without a rendezvous, mDNS and a DHT server to ask, it sends
// the explicit peers, buddies and recent peers, and closes. Each peer is
// sent once, and again only with addresses it was not sent with (a
// ticket's stale address, then the one a rendezvous knows now). Peers
// other than the explicit ones are sent best first within each answer
// (buddies, then by score), and not at all while their score is below
// SkipScore (score.go).
func (n *Node) providers(ctx context.Context, id manifest.PackageID, explicit []peer.AddrInfo) <-chan peer.AddrInfo {
	out := make(chan peer.AddrInfo, 64)
	sent := newSentPeers(n.Host.ID())
	deliver := func(ai peer.AddrInfo) bool {
		if !sent.fresh(ai) {
			return true
		}
		select {
		case out <- ai:
			return true
		case <-ctx.Done():
			return false
		}
	}
	send := func(ai peer.AddrInfo) bool { return n.skipped(ai.ID) || deliver(ai) }
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		defer close(out)
		n.reach.waitPunchReady(ctx)
		for _, ai := range explicit {
			if !deliver(ai) {
				return
			}
		}
		if lan, _ := n.lan.since(0); !n.sendAll(lan, send) {
			return
		}
		var sources sync.WaitGroup
		for _, src := range n.providerSources() {
			sources.Add(1)
			go func() {
				defer sources.Done()
				src(ctx, id, send)
			}()
		}
		sources.Wait()
	}()
	return out
}

// providerSource sends the providers of id it finds until it has no more
// or ctx ends.
type providerSource func(ctx context.Context, id manifest.PackageID, send func(peer.AddrInfo) bool)

// providerSources are the places a fetch asks for providers at once.
func (n *Node) providerSources() []providerSource {
	var srcs []providerSource
	if n.Discovery != nil {
		srcs = append(srcs, n.rendezvousProviders)
	} else {
		// Without a rendezvous these are all the node knows of.
		srcs = append(srcs, func(_ context.Context, _ manifest.PackageID, send func(peer.AddrInfo) bool) {
			n.sendAll(n.knownPeers(), send)
		})
	}
	if n.DHT != nil {
		srcs = append(srcs, n.dhtProviders)
	}
	if n.mdns != nil {
		srcs = append(srcs, func(ctx context.Context, _ manifest.PackageID, send func(peer.AddrInfo) bool) {
			n.lanProviders(ctx, send)
		})
	}
	return srcs
}

// rendezvousProviders sends what the rendezvous nodes return for id, asked
// again every few seconds until ctx ends; buddies and recent peers the
// first time none answers.
func (n *Node) rendezvousProviders(ctx context.Context, id manifest.PackageID, send func(peer.AddrInfo) bool) {
	fellBack := false
	askAgain(ctx, func() bool {
		found, err := n.discover(ctx, id)
		if err != nil && !fellBack {
			fellBack = true
			n.log.Info("no rendezvous answered; asking buddies and recent peers", "err", err)
			found = append(found, n.knownPeers()...)
		}
		return n.sendAll(found, send)
	})
}

// askAgain calls ask, and again after firstRediscover, then doubling up to
// rediscoverEvery, until ctx ends or ask reports false.
func askAgain(ctx context.Context, ask func() bool) {
	wait := firstRediscover
	for ask() {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, rediscoverEvery)
	}
}

// discover asks the rendezvous nodes for the providers of id.
func (n *Node) discover(ctx context.Context, id manifest.PackageID) ([]peer.AddrInfo, error) {
	if n.Discovery == nil {
		return nil, errNoRendezvous
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	found, err := n.Discovery.Discover(ctx, PackageNamespace(id), 0)
	if err != nil {
		return nil, err
	}
	out := make([]peer.AddrInfo, 0, len(found))
	for _, f := range found {
		out = append(out, f.AddrInfo)
	}
	return out, nil
}

// knownPeers returns the buddies, then recently working peers, with the
// addresses the peerstore has for them.
func (n *Node) knownPeers() []peer.AddrInfo {
	var out []peer.AddrInfo
	if buddies, err := n.Peers.Buddies(); err == nil {
		for _, b := range buddies {
			ai := n.Peers.PeerInfo(b.ID)
			for _, a := range b.Addrs {
				ai.Addrs = append(ai.Addrs, a.Addr)
			}
			out = append(out, ai)
		}
	}
	if recent, err := n.Peers.RecentPeers(fallbackPeers); err == nil {
		for _, r := range recent {
			out = append(out, r.AddrInfo())
		}
	}
	return out
}

// sendAll sends every peer of found, best ranked first, and reports false
// when send did (the fetch ended).
func (n *Node) sendAll(found []peer.AddrInfo, send func(peer.AddrInfo) bool) bool {
	for _, ai := range n.byRank(found) {
		if !send(ai) {
			return false
		}
	}
	return true
}

// maxSentAddrs bounds the addresses remembered of one peer.
const maxSentAddrs = 64

// sentPeers remembers the peers a providers channel sent and with which
// addresses.
type sentPeers struct {
	mu    sync.Mutex
	addrs map[peer.ID]map[string]bool
}

func newSentPeers(self peer.ID) *sentPeers {
	return &sentPeers{addrs: map[peer.ID]map[string]bool{self: nil}}
}

// fresh records ai and reports whether it is worth sending: a peer not
// sent before, or one with an address it was not sent with. The node
// itself never is.
func (s *sentPeers) fresh(ai peer.AddrInfo) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	known, ok := s.addrs[ai.ID]
	switch {
	case ok && known == nil:
		return false // the node itself
	case !ok:
		known = map[string]bool{}
		s.addrs[ai.ID] = known
	}
	added := !ok
	for _, a := range ai.Addrs {
		if k := string(a.Bytes()); !known[k] && len(known) < maxSentAddrs {
			known[k], added = true, true
		}
	}
	return added
}
