package peerstore

import (
	"slices"
	"strings"
	"time"

	ic "github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/core/record"
	ma "github.com/multiformats/go-multiaddr"
)

// ExpiringAddr is an address of the address book with its expiry (the zero
// time for addresses that never expire).
type ExpiringAddr struct {
	Addr    ma.Multiaddr
	Expires time.Time
}

// PeerEntry is a copy of what the store knows about one peer.
type PeerEntry struct {
	ID        peer.ID
	LastSeen  time.Time      // zero: never connected
	Addrs     []ExpiringAddr // unexpired, sorted
	Retained  []WorkingAddr  // newest first
	Protocols []protocol.ID  // sorted
	PublicKey ic.PubKey      // nil if not stored
	Record    *record.Envelope
	Buddy     bool
}

// List returns every stored peer, the most recently seen first (then by
// ID). It reads uncached peers from the database without caching them.
func (s *Store) List() ([]PeerEntry, error) {
	s.mu.Lock()
	ids := make([]peer.ID, 0, len(s.peers))
	for id := range s.peers {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	out := make([]PeerEntry, 0, len(ids))
	for _, id := range ids {
		pe, ok, err := s.listOne(id)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, pe)
		}
	}
	slices.SortFunc(out, func(a, b PeerEntry) int {
		if c := b.LastSeen.Compare(a.LastSeen); c != 0 {
			return c
		}
		return strings.Compare(string(a.ID), string(b.ID))
	})
	return out, nil
}

// listOne copies one peer's record; ok is false if it has gone or is empty.
func (s *Store) listOne(id peer.ID) (PeerEntry, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.peekLocked(id)
	if err != nil || e == nil || e.empty() {
		return PeerEntry{}, false, err
	}
	_, buddy := s.buddies[id]
	pe := PeerEntry{ID: id, LastSeen: e.lastSeen, Retained: e.workingAddrs(), PublicKey: e.pub, Buddy: buddy}
	now := s.now()
	for _, a := range e.addrs {
		if now.Before(a.expiry) {
			exp := a.expiry
			if exp.Equal(never) {
				exp = time.Time{}
			}
			pe.Addrs = append(pe.Addrs, ExpiringAddr{Addr: a.addr, Expires: exp})
		}
	}
	slices.SortFunc(pe.Addrs, func(a, b ExpiringAddr) int { return strings.Compare(a.Addr.String(), b.Addr.String()) })
	for p := range e.protos {
		pe.Protocols = append(pe.Protocols, p)
	}
	slices.Sort(pe.Protocols)
	if len(pe.Addrs) > 0 {
		pe.Record = e.rec
	}
	return pe, true, nil
}
