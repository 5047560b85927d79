package peerstore

import (
	"errors"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// errTooManyProtocols is go-libp2p's message for exceeding MaxProtocols.
var errTooManyProtocols = errors.New("too many protocols")

// GetProtocols returns the protocols p supports.
func (s *Store) GetProtocols(p peer.ID) ([]protocol.ID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entryLocked(p, false)
	if e == nil {
		return []protocol.ID{}, nil
	}
	out := make([]protocol.ID, 0, len(e.protos))
	for k := range e.protos {
		out = append(out, k)
	}
	return out, nil
}

// AddProtocols adds protos to those p supports.
func (s *Store) AddProtocols(p peer.ID, protos ...protocol.ID) error {
	return s.editProtocols(p, func(e *entry) (bool, error) {
		added := 0
		for _, pr := range protos {
			if _, ok := e.protos[pr]; !ok {
				added++
			}
		}
		if len(e.protos)+added > s.opts.MaxProtocols {
			return false, errTooManyProtocols
		}
		for _, pr := range protos {
			e.protos[pr] = struct{}{}
		}
		return added > 0, nil
	})
}

// SetProtocols replaces the protocols p supports with protos.
func (s *Store) SetProtocols(p peer.ID, protos ...protocol.ID) error {
	if len(protos) > s.opts.MaxProtocols {
		return errTooManyProtocols
	}
	return s.editProtocols(p, func(e *entry) (bool, error) {
		clear(e.protos)
		for _, pr := range protos {
			e.protos[pr] = struct{}{}
		}
		return true, nil
	})
}

// RemoveProtocols removes protos from those p supports.
func (s *Store) RemoveProtocols(p peer.ID, protos ...protocol.ID) error {
	return s.editProtocols(p, func(e *entry) (bool, error) {
		n := len(e.protos)
		for _, pr := range protos {
			delete(e.protos, pr)
		}
		return len(e.protos) != n, nil
	})
}

// editProtocols applies edit to p's protocols and records a change.
func (s *Store) editProtocols(p peer.ID, edit func(*entry) (bool, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.writableLocked(p)
	if err != nil {
		return err
	}
	changed, err := edit(e)
	if changed && err == nil {
		s.changedLocked(e, bookProtos|bookRow, s.now())
	} else {
		s.forgetIfUnusedLocked(e)
	}
	return err
}

// SupportsProtocols returns those of protos that p supports, in order.
func (s *Store) SupportsProtocols(p peer.ID, protos ...protocol.ID) ([]protocol.ID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]protocol.ID, 0, len(protos))
	e := s.entryLocked(p, false)
	if e == nil {
		return out, nil
	}
	for _, pr := range protos {
		if _, ok := e.protos[pr]; ok {
			out = append(out, pr)
		}
	}
	return out, nil
}

// FirstSupportedProtocol returns the first of protos that p supports, or "".
func (s *Store) FirstSupportedProtocol(p peer.ID, protos ...protocol.ID) (protocol.ID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entryLocked(p, false)
	if e == nil {
		return "", nil
	}
	for _, pr := range protos {
		if _, ok := e.protos[pr]; ok {
			return pr, nil
		}
	}
	return "", nil
}
