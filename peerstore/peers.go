package peerstore

import (
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// Peers returns the peers with keys or unexpired addresses.
func (s *Store) Peers() peer.IDSlice {
	return s.peersWhere(func(sum *summary, now time.Time) bool {
		return sum.hasKeys || now.Before(sum.addrsUntil)
	})
}

// peersWhere returns the peers whose summary satisfies keep.
func (s *Store) peersWhere(keep func(sum *summary, now time.Time) bool) peer.IDSlice {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	out := make(peer.IDSlice, 0, len(s.peers))
	for id, sum := range s.peers {
		if keep(sum, now) {
			out = append(out, id)
		}
	}
	return out
}

// PeerInfo returns p's ID and unexpired addresses.
func (s *Store) PeerInfo(p peer.ID) peer.AddrInfo {
	return peer.AddrInfo{ID: p, Addrs: s.Addrs(p)}
}

// RemovePeer removes p's keys, protocols, metadata and latency. As in
// go-libp2p, its addresses stay (see ClearAddrs), and so do its retained
// addresses and buddy entry.
func (s *Store) RemovePeer(p peer.ID) {
	s.Metrics.RemovePeer(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entryLocked(p, false)
	if e == nil {
		return
	}
	if e.pub == nil && e.priv == nil && len(e.protos) == 0 && len(e.meta) == 0 {
		return
	}
	e.pub, e.priv = nil, nil
	clear(e.protos)
	clear(e.meta)
	s.changedLocked(e, bookRow|bookProtos|bookMeta, s.now())
}
