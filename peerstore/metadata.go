package peerstore

import (
	"bytes"
	"encoding/gob"
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"
	pstore "github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/core/protocol"
)

func init() {
	// Values go-libp2p itself stores, besides gob's basic types.
	gob.Register(make(map[protocol.ID]struct{}))
}

// Get returns the metadata value stored for p under key, or
// peerstore.ErrNotFound.
func (s *Store) Get(p peer.ID, key string) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.entryLocked(p, false); e != nil {
		if v, ok := e.meta[key]; ok {
			return v.val, nil
		}
	}
	return nil, pstore.ErrNotFound
}

// Put stores val for p under key. Values are kept with encoding/gob: basic
// types work as they are, other types must be gob.Register-ed.
func (s *Store) Put(p peer.ID, key string, val any) error {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&val); err != nil {
		return fmt.Errorf("metadata %q of %s: %w", key, p, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.writableLocked(p)
	if err != nil {
		return err
	}
	e.meta[key] = metaValue{val: val, enc: buf.Bytes()}
	s.changedLocked(e, bookMeta|bookRow, s.now())
	return nil
}
