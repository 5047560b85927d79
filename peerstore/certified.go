package peerstore

import (
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/record"
	ma "github.com/multiformats/go-multiaddr"
)

// ConsumePeerRecord stores a signed peer record and adds its addresses for
// ttl. A record whose sequence number is lower than the stored one's is
// ignored (false, nil); an equal one refreshes the TTLs. Addresses of the
// previous record that the new one no longer lists are removed, unless a
// live connection uses them.
func (s *Store) ConsumePeerRecord(env *record.Envelope, ttl time.Duration) (bool, error) {
	rec, err := peerRecord(env)
	if err != nil {
		return false, err
	}
	if !rec.PeerID.MatchesPublicKey(env.PublicKey) {
		return false, errors.New("signing key does not match PeerID in PeerRecord")
	}
	if _, err := env.Marshal(); err != nil {
		return false, fmt.Errorf("peer record: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.writableLocked(rec.PeerID)
	if err != nil {
		return false, err
	}
	if e.rec != nil && e.recSeq > rec.Seq {
		s.forgetIfUnusedLocked(e)
		return false, nil
	}
	if e.rec != nil {
		dropUnlisted(e, rec.Addrs)
	}
	e.rec, e.recSeq = env, rec.Seq
	now := s.now()
	if ttl > 0 {
		s.addAddrsLocked(e, rec.Addrs, ttl, now)
	}
	s.addrsChangedLocked(e, true, now)
	return true, nil
}

// peerRecord returns the peer record inside env.
func peerRecord(env *record.Envelope) (*peer.PeerRecord, error) {
	if env == nil {
		return nil, errors.New("nil peer record envelope")
	}
	r, err := env.Record()
	if err != nil {
		return nil, err
	}
	rec, ok := r.(*peer.PeerRecord)
	if !ok {
		return nil, errors.New("unable to process envelope: not a PeerRecord")
	}
	return rec, nil
}

// dropUnlisted removes the addresses of e's current record that keep is
// missing, except those of live connections.
func dropUnlisted(e *entry, keep []ma.Multiaddr) {
	old, err := peerRecord(e.rec)
	if err != nil {
		return
	}
	listed := make(map[string]bool, len(keep))
	for _, a := range keep {
		listed[string(a.Bytes())] = true
	}
	for _, a := range old.Addrs {
		k := string(a.Bytes())
		if ea, ok := e.addrs[k]; ok && !listed[k] && !isConnectedTTL(ea.ttl) {
			delete(e.addrs, k)
		}
	}
}

// GetPeerRecord returns p's signed peer record, or nil if there is none or
// none of p's addresses is still valid.
func (s *Store) GetPeerRecord(p peer.ID) *record.Envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entryLocked(p, false)
	if e == nil || e.rec == nil || len(e.validAddrs(s.now())) == 0 {
		return nil
	}
	return e.rec
}
