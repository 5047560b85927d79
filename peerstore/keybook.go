package peerstore

import (
	"errors"
	"fmt"
	"time"

	ic "github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

// PubKey returns p's public key: the stored one, else the one inlined in
// p itself (Ed25519 IDs), else nil.
func (s *Store) PubKey(p peer.ID) ic.PubKey {
	s.mu.Lock()
	e := s.entryLocked(p, false)
	var k ic.PubKey
	if e != nil {
		k = e.pub
	}
	s.mu.Unlock()
	if k != nil {
		return k
	}
	k, err := p.ExtractPublicKey()
	if err != nil {
		return nil
	}
	return k
}

// AddPubKey stores p's public key after checking that it matches p.
func (s *Store) AddPubKey(p peer.ID, k ic.PubKey) error {
	if k == nil || !p.MatchesPublicKey(k) {
		return errors.New("ID does not match PublicKey")
	}
	if _, err := ic.MarshalPublicKey(k); err != nil {
		return fmt.Errorf("public key of %s: %w", p, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.writableLocked(p)
	if err != nil {
		return err
	}
	if e.pub != nil && e.pub.Equals(k) {
		return nil
	}
	e.pub = k
	s.changedLocked(e, bookRow, s.now())
	return nil
}

// PrivKey returns p's private key, if stored.
func (s *Store) PrivKey(p peer.ID) ic.PrivKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.entryLocked(p, false); e != nil {
		return e.priv
	}
	return nil
}

// AddPrivKey stores p's private key after checking that it matches p.
func (s *Store) AddPrivKey(p peer.ID, k ic.PrivKey) error {
	if k == nil {
		return errors.New("sk is nil (PrivKey)")
	}
	if !p.MatchesPrivateKey(k) {
		return errors.New("ID does not match PrivateKey")
	}
	if _, err := ic.MarshalPrivateKey(k); err != nil {
		return fmt.Errorf("private key of %s: %w", p, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.writableLocked(p)
	if err != nil {
		return err
	}
	if e.priv != nil && e.priv.Equals(k) {
		return nil
	}
	e.priv = k
	s.changedLocked(e, bookRow, s.now())
	return nil
}

// PeersWithKeys returns the peers with a stored public or private key.
func (s *Store) PeersWithKeys() peer.IDSlice {
	return s.peersWhere(func(sum *summary, _ time.Time) bool { return sum.hasKeys })
}
