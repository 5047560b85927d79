package peerstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/connmgr"
	"github.com/libp2p/go-libp2p/core/peer"
)

// BuddyTag is the connection-manager protection tag ProtectBuddies uses.
const BuddyTag = "p2psb-buddy"

// Buddy is a node on the buddy list, with what the store knows about it.
type Buddy struct {
	ID       peer.ID
	Alias    string // may be empty
	AddedAt  time.Time
	LastSeen time.Time     // zero: never connected
	Addrs    []WorkingAddr // last addresses that worked, newest first
}

// ValidateAlias checks alias against the rules of ErrBadAlias.
func ValidateAlias(alias string) error {
	if alias == "" || len(alias) > 64 {
		return fmt.Errorf("alias %q: want 1 to 64 characters: %w", alias, ErrBadAlias)
	}
	for _, r := range alias {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-_", r)
		if !ok {
			return fmt.Errorf("alias %q: only letters, digits, '.', '-' and '_': %w", alias, ErrBadAlias)
		}
	}
	if _, err := peer.Decode(alias); err == nil {
		return fmt.Errorf("alias %q is a node ID: %w", alias, ErrBadAlias)
	}
	return nil
}

// AddBuddy puts p on the buddy list. An empty alias keeps p's current alias
// (if any); a new alias replaces it, unless another buddy has it
// (ErrAliasTaken).
func (s *Store) AddBuddy(p peer.ID, alias string) (Buddy, error) {
	if err := p.Validate(); err != nil {
		return Buddy{}, fmt.Errorf("add buddy: %w", ErrBadPeerID)
	}
	if alias != "" {
		if err := ValidateAlias(alias); err != nil {
			return Buddy{}, fmt.Errorf("add buddy: %w", err)
		}
	}
	if err := s.putBuddies([]Buddy{{ID: p, Alias: alias, AddedAt: s.now()}}); err != nil {
		return Buddy{}, fmt.Errorf("add buddy %s: %w", p, err)
	}
	return s.Buddy(p.String())
}

// aliasFree fails with ErrAliasTaken when another buddy has b's alias. An
// empty alias (stored as NULL) is never taken.
func aliasFree(tx *sql.Tx, b Buddy) error {
	if b.Alias == "" {
		return nil
	}
	var other []byte
	err := tx.QueryRow(`SELECT peer FROM peerstore_buddies WHERE alias = ? AND peer != ?`, b.Alias, []byte(b.ID)).Scan(&other)
	switch {
	case err == nil:
		return fmt.Errorf("alias %q belongs to %s: %w", b.Alias, peer.ID(other), ErrAliasTaken)
	case errors.Is(err, sql.ErrNoRows):
		return nil
	}
	return err
}

// putBuddies adds or updates buddies in one transaction.
func (s *Store) putBuddies(bs []Buddy) error {
	tx, err := s.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, b := range bs {
		if err := aliasFree(tx, b); err != nil {
			return err
		}
		_, err = tx.Exec(`INSERT INTO peerstore_buddies(peer, alias, added_at) VALUES(?, NULLIF(?, ''), ?)
			ON CONFLICT(peer) DO UPDATE SET alias = coalesce(excluded.alias, alias)`,
			[]byte(b.ID), b.Alias, nanos(b.AddedAt))
		if err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.mu.Lock()
	for _, b := range bs {
		s.buddies[b.ID] = struct{}{}
	}
	s.mu.Unlock()
	return nil
}

// RemoveBuddy takes the buddy with this node ID or alias off the list and
// returns it; the peer's other records stay.
func (s *Store) RemoveBuddy(idOrAlias string) (Buddy, error) {
	b, err := s.Buddy(idOrAlias)
	if err != nil {
		return Buddy{}, fmt.Errorf("remove buddy: %w", err)
	}
	if _, err := s.db.Exec(`DELETE FROM peerstore_buddies WHERE peer = ?`, []byte(b.ID)); err != nil {
		return Buddy{}, fmt.Errorf("remove buddy %s: %w", b.ID, err)
	}
	s.mu.Lock()
	delete(s.buddies, b.ID)
	s.mu.Unlock()
	return b, nil
}

// Buddy returns the buddy with this node ID or alias, or ErrNotBuddy.
func (s *Store) Buddy(idOrAlias string) (Buddy, error) {
	bs, err := s.queryBuddies(`WHERE alias = ? OR peer = ?`, idOrAlias, peerBytes(idOrAlias))
	if err != nil {
		return Buddy{}, err
	}
	if len(bs) == 0 {
		return Buddy{}, fmt.Errorf("%q: %w", idOrAlias, ErrNotBuddy)
	}
	return bs[0], nil
}

// peerBytes returns the bytes of the peer ID s, or nil if s is not one.
func peerBytes(s string) []byte {
	id, err := peer.Decode(s)
	if err != nil {
		return nil
	}
	return []byte(id)
}

// Buddies returns the buddy list, sorted by alias (buddies without one
// last) then node ID.
func (s *Store) Buddies() ([]Buddy, error) {
	return s.queryBuddies("")
}

// IsBuddy reports whether p is on the buddy list.
func (s *Store) IsBuddy(p peer.ID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.buddies[p]
	return ok
}

// ProtectBuddies protects every buddy's connections from pruning by cm,
// under BuddyTag. Call it again after changing the buddy list.
func (s *Store) ProtectBuddies(cm connmgr.ConnManager) error {
	bs, err := s.Buddies()
	if err != nil {
		return err
	}
	for _, b := range bs {
		cm.Protect(b.ID, BuddyTag)
	}
	return nil
}

func (s *Store) queryBuddies(where string, args ...any) ([]Buddy, error) {
	var bs []Buddy
	err := queryEach(context.Background(), s.db, `SELECT peer, coalesce(alias, ''), added_at FROM peerstore_buddies `+where, args,
		func(rows *sql.Rows) error {
			var id []byte
			var b Buddy
			var at int64
			if err := rows.Scan(&id, &b.Alias, &at); err != nil {
				return err
			}
			b.ID, b.AddedAt = peer.ID(id), fromNanos(at)
			bs = append(bs, b)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("read buddies: %w", err)
	}
	for i := range bs {
		r, err := s.recentPeer(bs[i].ID)
		if err != nil {
			return nil, err
		}
		bs[i].LastSeen, bs[i].Addrs = r.LastSeen, r.Addrs
	}
	slices.SortFunc(bs, func(a, b Buddy) int {
		if (a.Alias == "") != (b.Alias == "") {
			return boolCmp(a.Alias == "", b.Alias == "")
		}
		return strings.Compare(a.Alias+"\x00"+string(a.ID), b.Alias+"\x00"+string(b.ID))
	})
	return bs, nil
}

func boolCmp(a, b bool) int {
	if a == b {
		return 0
	}
	if a {
		return 1
	}
	return -1
}

// loadBuddies reads the buddy set at New (and before MaxPeers evictions,
// since other processes may have changed the list).
func (s *Store) loadBuddies(ctx context.Context) error {
	set := make(map[peer.ID]struct{})
	err := queryEach(ctx, s.db, `SELECT peer FROM peerstore_buddies`, nil, func(rows *sql.Rows) error {
		var id []byte
		if err := rows.Scan(&id); err != nil {
			return err
		}
		set[peer.ID(id)] = struct{}{}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read buddies: %w", err)
	}
	s.buddies = set
	return nil
}
