package peerstore

import (
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// kickDirty is how many changed peers make the writer flush before its
// FlushInterval is up, bounding the memory pinned by pending writes.
const kickDirty = 4096

func (s *Store) now() time.Time { return s.opts.Clock.Now() }

// entryLocked returns p's full record, cached, reading it from the database
// if needed. With create, an unknown peer gets a new empty entry; without,
// it returns nil. It returns nil too when the database cannot be read (the
// failure is logged: callers are libp2p methods without an error result).
func (s *Store) entryLocked(p peer.ID, create bool) *entry {
	sum, ok := s.peers[p]
	switch {
	case ok && sum.e != nil:
		s.touchLocked(sum.e)
		return sum.e
	case ok:
		e, err := s.loadEntry(p)
		if err != nil {
			s.log.Info("read peer", "peer", p, "err", err)
			return nil
		}
		s.cacheLocked(sum, e)
		return e
	case create:
		sum = &summary{}
		s.peers[p] = sum
		e := newEntry(p)
		s.cacheLocked(sum, e)
		return e
	default:
		return nil
	}
}

// peekLocked is entryLocked without creating and without caching what it
// reads, for whole-store walks that should not flush the cache.
func (s *Store) peekLocked(p peer.ID) (*entry, error) {
	sum, ok := s.peers[p]
	if !ok {
		return nil, nil
	}
	if sum.e != nil {
		return sum.e, nil
	}
	return s.loadEntry(p)
}

// cacheLocked puts e in the cache as sum's record and trims the cache.
func (s *Store) cacheLocked(sum *summary, e *entry) {
	sum.e = e
	sum.summarize(e)
	e.elem = s.lru.PushFront(e)
	s.trimLocked()
}

// touchLocked makes e the most recently used cached entry.
func (s *Store) touchLocked(e *entry) {
	if e.elem == nil {
		e.elem = s.lru.PushFront(e)
		return
	}
	s.lru.MoveToFront(e.elem)
}

// trimLocked drops least recently used entries until the cache fits in
// CacheSize. Entries with uncommitted changes leave the LRU list but stay
// in memory (Store.dirty holds them); the writer puts them back in the
// list once committed. The front entry, in use by the caller, stays.
func (s *Store) trimLocked() {
	for s.lru.Len() > s.opts.CacheSize && s.lru.Len() > 1 {
		el := s.lru.Back()
		e := el.Value.(*entry)
		if !e.clean() {
			s.lru.Remove(el)
			e.elem = nil
			continue
		}
		s.uncacheLocked(e)
	}
}

// uncacheLocked removes e from the cache; an empty one is forgotten.
func (s *Store) uncacheLocked(e *entry) {
	if e.elem != nil {
		s.lru.Remove(e.elem)
		e.elem = nil
	}
	if sum := s.peers[e.id]; sum != nil && sum.e == e {
		sum.e = nil
		if e.empty() {
			delete(s.peers, e.id)
		}
	}
}

// changedLocked records that the books in b of e changed at now (the zero
// time for housekeeping that is no news about the peer): it marks e for
// the writer and refreshes its summary.
func (s *Store) changedLocked(e *entry, b book, now time.Time) {
	if !now.IsZero() {
		e.updated = now
	}
	e.dirty |= b
	e.ver++
	s.dirty[e.id] = e
	if sum := s.peers[e.id]; sum != nil && sum.e == e {
		sum.summarize(e)
	}
	if len(s.dirty) >= kickDirty {
		select {
		case s.kick <- struct{}{}:
		default:
		}
	}
}

// forgetIfUnusedLocked drops an entry that a read-modify call created but
// left empty without changing anything.
func (s *Store) forgetIfUnusedLocked(e *entry) {
	if e.empty() && e.ver == 0 {
		s.uncacheLocked(e)
	}
}

// errUnreadable reports a peer whose stored record could not be read.
var errUnreadable = errors.New("the stored record cannot be read")

// writableLocked is entryLocked(p, true) for methods with an error result.
func (s *Store) writableLocked(p peer.ID) (*entry, error) {
	if e := s.entryLocked(p, true); e != nil {
		return e, nil
	}
	return nil, fmt.Errorf("peer %s: %w", p, errUnreadable)
}
