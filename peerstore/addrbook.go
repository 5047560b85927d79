package peerstore

import (
	"context"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// AddAddr calls AddAddrs(p, []ma.Multiaddr{addr}, ttl).
func (s *Store) AddAddr(p peer.ID, addr ma.Multiaddr, ttl time.Duration) {
	s.AddAddrs(p, []ma.Multiaddr{addr}, ttl)
}

// AddAddrs adds addrs for p, valid for ttl. It never shortens the TTL or
// the expiry of an address already known.
func (s *Store) AddAddrs(p peer.ID, addrs []ma.Multiaddr, ttl time.Duration) {
	if ttl <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entryLocked(p, true)
	if e == nil {
		return
	}
	now := s.now()
	if s.addAddrsLocked(e, addrs, ttl, now) {
		s.changedLocked(e, bookAddrs|bookRow, now)
		return
	}
	s.forgetIfUnusedLocked(e)
}

// ownAddr strips a /p2p/<p> suffix; it returns nil for a nil address or
// one naming another peer.
func ownAddr(p peer.ID, addr ma.Multiaddr) ma.Multiaddr {
	if addr == nil {
		return nil
	}
	a, id := peer.SplitAddr(addr)
	if a == nil || (id != "" && id != p) {
		return nil
	}
	return a
}

// addAddrsLocked is AddAddrs on e; it reports whether e changed.
func (s *Store) addAddrsLocked(e *entry, addrs []ma.Multiaddr, ttl time.Duration, now time.Time) bool {
	exp := expiryOf(now, ttl)
	changed := false
	unconnected := -1 // counted on first need
	for _, addr := range addrs {
		if addr = ownAddr(e.id, addr); addr == nil {
			continue
		}
		key := string(addr.Bytes())
		if a, ok := e.addrs[key]; ok {
			if ttl > a.ttl || exp.After(a.expiry) {
				a.ttl, a.expiry = max(a.ttl, ttl), later(a.expiry, exp)
				changed = true
			}
			continue
		}
		if !s.makeRoomLocked(e, ttl, &unconnected) {
			continue
		}
		e.addrs[key] = &addrEntry{addr: addr, ttl: ttl, expiry: exp}
		s.subs.BroadcastAddr(e.id, addr)
		changed = true
	}
	return changed
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// makeRoomLocked enforces MaxAddrsPerPeer before an address with ttl is
// added to e, evicting the unconnected address closest to expiry. It
// reports whether the new address may be added. *unconnected caches the
// count of e's unconnected addresses (-1: not counted yet).
func (s *Store) makeRoomLocked(e *entry, ttl time.Duration, unconnected *int) bool {
	limit := s.opts.MaxAddrsPerPeer
	if limit <= 0 || isConnectedTTL(ttl) {
		return true
	}
	if *unconnected < 0 {
		*unconnected = 0
		for _, a := range e.addrs {
			if !isConnectedTTL(a.ttl) {
				*unconnected++
			}
		}
	}
	if *unconnected < limit {
		*unconnected++
		return true
	}
	victim := ""
	for k, a := range e.addrs {
		if !isConnectedTTL(a.ttl) && (victim == "" || a.expiry.Before(e.addrs[victim].expiry)) {
			victim = k
		}
	}
	if victim == "" {
		return false
	}
	delete(e.addrs, victim)
	return true
}

// SetAddr calls SetAddrs(p, []ma.Multiaddr{addr}, ttl).
func (s *Store) SetAddr(p peer.ID, addr ma.Multiaddr, ttl time.Duration) {
	s.SetAddrs(p, []ma.Multiaddr{addr}, ttl)
}

// SetAddrs sets the TTL of addrs to ttl, replacing any earlier TTL; a TTL
// of zero or less removes them.
func (s *Store) SetAddrs(p peer.ID, addrs []ma.Multiaddr, ttl time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entryLocked(p, ttl > 0)
	if e == nil {
		return
	}
	now := s.now()
	exp := expiryOf(now, ttl)
	changed := false
	unconnected := -1
	for _, addr := range addrs {
		if addr = ownAddr(p, addr); addr == nil {
			continue
		}
		key := string(addr.Bytes())
		a, ok := e.addrs[key]
		switch {
		case ttl <= 0 && ok:
			delete(e.addrs, key)
			unconnected = -1
		case ttl <= 0:
			continue
		case ok:
			a.ttl, a.expiry = ttl, exp
			unconnected = -1
			s.subs.BroadcastAddr(p, addr)
		case s.makeRoomLocked(e, ttl, &unconnected):
			e.addrs[key] = &addrEntry{addr: addr, ttl: ttl, expiry: exp}
			s.subs.BroadcastAddr(p, addr)
		default:
			continue
		}
		changed = true
	}
	s.addrsChangedLocked(e, changed, now)
}

// addrsChangedLocked finishes a change to e's addresses: without any left,
// its signed peer record goes too.
func (s *Store) addrsChangedLocked(e *entry, changed bool, now time.Time) {
	if len(e.addrs) == 0 && e.rec != nil {
		e.rec, e.recSeq = nil, 0
		changed = true
	}
	if changed {
		s.changedLocked(e, bookAddrs|bookRow, now)
		return
	}
	s.forgetIfUnusedLocked(e)
}

// UpdateAddrs gives p's addresses whose TTL is oldTTL the TTL newTTL,
// counted from now; a newTTL of zero or less removes them.
func (s *Store) UpdateAddrs(p peer.ID, oldTTL, newTTL time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entryLocked(p, false)
	if e == nil {
		return
	}
	now := s.now()
	exp := expiryOf(now, newTTL)
	changed := false
	for k, a := range e.addrs {
		if a.ttl != oldTTL {
			continue
		}
		if newTTL <= 0 {
			delete(e.addrs, k)
		} else {
			a.ttl, a.expiry = newTTL, exp
		}
		changed = true
	}
	s.addrsChangedLocked(e, changed, now)
}

// Addrs returns p's addresses that have not expired.
func (s *Store) Addrs(p peer.ID) []ma.Multiaddr {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entryLocked(p, false)
	if e == nil {
		return nil
	}
	return e.validAddrs(s.now())
}

// ClearAddrs removes all of p's addresses and its signed peer record.
func (s *Store) ClearAddrs(p peer.ID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entryLocked(p, false)
	if e == nil {
		return
	}
	changed := len(e.addrs) > 0
	clear(e.addrs)
	s.addrsChangedLocked(e, changed, s.now())
}

// PeersWithAddrs returns the peers with at least one unexpired address.
func (s *Store) PeersWithAddrs() peer.IDSlice {
	return s.peersWhere(func(sum *summary, now time.Time) bool { return now.Before(sum.addrsUntil) })
}

// AddrStream returns a channel that receives p's current addresses and
// then every address added for p, until ctx is done.
func (s *Store) AddrStream(ctx context.Context, p peer.ID) <-chan ma.Multiaddr {
	s.mu.Lock()
	defer s.mu.Unlock()
	var initial []ma.Multiaddr
	if e := s.entryLocked(p, false); e != nil {
		initial = e.validAddrs(s.now())
	}
	return s.subs.AddrStream(ctx, p, initial)
}
