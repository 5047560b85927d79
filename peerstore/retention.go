package peerstore

import (
	"slices"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// WorkingAddr is an address a connection to a peer used, and when.
type WorkingAddr struct {
	Addr     ma.Multiaddr
	WorkedAt time.Time
}

// RecentPeer is a peer with the last addresses that worked for it.
type RecentPeer struct {
	ID       peer.ID
	LastSeen time.Time     // last connection opened or closed
	Addrs    []WorkingAddr // newest first
}

// AddrInfo returns the peer's ID and retained addresses, ready to dial.
func (r RecentPeer) AddrInfo() peer.AddrInfo {
	ai := peer.AddrInfo{ID: r.ID, Addrs: make([]ma.Multiaddr, len(r.Addrs))}
	for i, a := range r.Addrs {
		ai.Addrs[i] = a.Addr
	}
	return ai
}

// MarkWorking records that a connection to p over addr works now: addr
// becomes p's newest retained address and p is seen now. Retained
// addresses are kept apart from the TTL'd address book: RemovePeer,
// ClearAddrs and expiry leave them alone; only MaxRetainedAddrs and
// MaxPeers bound them.
func (s *Store) MarkWorking(p peer.ID, addr ma.Multiaddr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entryLocked(p, true)
	if e == nil {
		return
	}
	now := s.now()
	e.lastSeen = now
	b := bookRow
	if addr = ownAddr(p, addr); addr != nil {
		s.retainLocked(e, addr, now)
		b |= bookRetained
	}
	s.changedLocked(e, b, now)
}

// retainLocked records that addr worked for e at "at", keeping the newest
// MaxRetainedAddrs addresses, newest first.
func (s *Store) retainLocked(e *entry, addr ma.Multiaddr, at time.Time) {
	i := slices.IndexFunc(e.retained, func(r retainedAddr) bool { return r.addr.Equal(addr) })
	if i >= 0 && !at.After(e.retained[i].at) {
		return
	}
	if i >= 0 {
		e.retained = slices.Delete(e.retained, i, i+1)
	}
	j, _ := slices.BinarySearchFunc(e.retained, at, func(r retainedAddr, t time.Time) int { return t.Compare(r.at) })
	e.retained = slices.Insert(e.retained, j, retainedAddr{addr: addr, at: at})
	e.retained = e.retained[:min(len(e.retained), s.opts.MaxRetainedAddrs)]
}

// markSeen records that p was seen now (a connection closed).
func (s *Store) markSeen(p peer.ID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.entryLocked(p, false); e != nil {
		now := s.now()
		e.lastSeen = now
		s.changedLocked(e, bookRow, now)
	}
}

// Notifee returns a network.Notifiee that feeds the retention book: each
// new connection's remote address is marked working (MarkWorking), and a
// closed connection updates the peer's last-seen time. Register it with
// h.Network().Notify, or use TrackHost. For inbound connections the remote
// address is the peer's source address, which is dialable when the peer
// reuses its listening port (go-libp2p's default for TCP and QUIC).
func (s *Store) Notifee() network.Notifiee {
	return &network.NotifyBundle{
		ConnectedF: func(_ network.Network, c network.Conn) {
			s.MarkWorking(c.RemotePeer(), c.RemoteMultiaddr())
		},
		DisconnectedF: func(_ network.Network, c network.Conn) {
			s.markSeen(c.RemotePeer())
		},
	}
}

// TrackHost registers Notifee with h and marks h's current connections as
// working. It returns a function that unregisters it.
func (s *Store) TrackHost(h host.Host) (stop func()) {
	n := s.Notifee()
	h.Network().Notify(n)
	for _, c := range h.Network().Conns() {
		s.MarkWorking(c.RemotePeer(), c.RemoteMultiaddr())
	}
	return func() { h.Network().StopNotify(n) }
}

// RecentPeers returns up to limit peers with retained addresses (all when
// limit <= 0), the most recently working first: what a restarting node
// redials to rejoin its peers without any rendezvous.
func (s *Store) RecentPeers(limit int) ([]RecentPeer, error) {
	s.mu.Lock()
	type cand struct {
		id peer.ID
		at time.Time
	}
	var cands []cand
	for id, sum := range s.peers {
		if !sum.retainedAt.IsZero() {
			cands = append(cands, cand{id, sum.retainedAt})
		}
	}
	s.mu.Unlock()
	slices.SortFunc(cands, func(a, b cand) int { return b.at.Compare(a.at) })
	if limit > 0 && len(cands) > limit {
		cands = cands[:limit]
	}
	out := make([]RecentPeer, 0, len(cands))
	for _, c := range cands {
		r, err := s.recentPeer(c.id)
		if err != nil {
			return nil, err
		}
		if len(r.Addrs) > 0 {
			out = append(out, r)
		}
	}
	return out, nil
}

// recentPeer reads p's retained addresses.
func (s *Store) recentPeer(p peer.ID) (RecentPeer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.peekLocked(p)
	if err != nil || e == nil {
		return RecentPeer{ID: p}, err
	}
	return RecentPeer{ID: p, LastSeen: e.lastSeen, Addrs: e.workingAddrs()}, nil
}

// workingAddrs returns a copy of e's retained addresses.
func (e *entry) workingAddrs() []WorkingAddr {
	out := make([]WorkingAddr, len(e.retained))
	for i, r := range e.retained {
		out[i] = WorkingAddr{Addr: r.addr, WorkedAt: r.at}
	}
	return out
}
