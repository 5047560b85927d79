package peerstore

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// collect removes expired addresses, at most GCBatch peers per step, and
// releases the lock between steps so callers are never held up long.
func (s *Store) collect() {
	for {
		s.mu.Lock()
		n := s.collectStepLocked(s.now())
		s.mu.Unlock()
		if n < s.opts.GCBatch {
			return
		}
	}
}

// collectStepLocked prunes the expired addresses of up to GCBatch peers and
// returns how many peers it pruned.
func (s *Store) collectStepLocked(now time.Time) int {
	var due []peer.ID
	for id, sum := range s.peers {
		if !sum.nextExpiry.IsZero() && !now.Before(sum.nextExpiry) {
			due = append(due, id)
			if len(due) == s.opts.GCBatch {
				break
			}
		}
	}
	for _, id := range due {
		e := s.entryLocked(id, false)
		if e == nil {
			continue
		}
		for k, a := range e.addrs {
			if !now.Before(a.expiry) {
				delete(e.addrs, k)
			}
		}
		if len(e.addrs) == 0 && e.rec != nil {
			e.rec, e.recSeq = nil, 0
		}
		s.changedLocked(e, bookAddrs|bookRow, time.Time{}) // not news about the peer
	}
	return len(due)
}

// enforceMaxPeersLocked deletes the least recently updated peers that are
// not buddies while there are more than MaxPeers. It removes a few more
// than needed (1/64 of MaxPeers) so that it does not run on every flush.
func (s *Store) enforceMaxPeersLocked() {
	over := len(s.peers) - s.opts.MaxPeers
	if over <= 0 {
		return
	}
	over += s.opts.MaxPeers / 64
	if err := s.loadBuddies(context.Background()); err != nil {
		s.log.Info("peers over MaxPeers kept: cannot read buddies", "err", err)
		return
	}
	type cand struct {
		id      peer.ID
		updated time.Time
	}
	cands := make([]cand, 0, len(s.peers))
	for id, sum := range s.peers {
		if _, buddy := s.buddies[id]; !buddy {
			cands = append(cands, cand{id, sum.updated})
		}
	}
	slices.SortFunc(cands, func(a, b cand) int { return cmp.Compare(a.updated.UnixNano(), b.updated.UnixNano()) })
	for _, c := range cands[:min(over, len(cands))] {
		s.evictPeerLocked(c.id)
	}
}

// evictPeerLocked replaces p's record with an empty one, so that the
// writer deletes its rows.
func (s *Store) evictPeerLocked(p peer.ID) {
	if old := s.peers[p].e; old != nil {
		s.uncacheLocked(old)
	}
	sum := &summary{}
	s.peers[p] = sum
	e := newEntry(p)
	e.dirty, e.ver = bookAll, 1 // savedVer 0: the database still has rows
	s.dirty[p] = e
	s.cacheLocked(sum, e)
}
