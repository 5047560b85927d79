package peerstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/gob"
	"fmt"

	ic "github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/core/record"
	ma "github.com/multiformats/go-multiaddr"
)

// load reads the buddy list and every peer's summary at New; when all peers
// fit in the cache their full records are read too, in one pass per table.
func (s *Store) load(ctx context.Context) error {
	if err := s.loadBuddies(ctx); err != nil {
		return err
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM peerstore_peers`).Scan(&n); err != nil {
		return fmt.Errorf("count peers: %w", err)
	}
	if n > s.opts.CacheSize {
		return s.loadSummaries(ctx)
	}
	m := make(map[peer.ID]*entry, n)
	if err := s.loadInto(ctx, m, ""); err != nil {
		return fmt.Errorf("load peers: %w", err)
	}
	for id, e := range m {
		sum := &summary{}
		s.peers[id] = sum
		s.cacheLocked(sum, e)
	}
	return nil
}

// loadSummaries reads what the Store keeps in memory for peers that are
// not cached.
func (s *Store) loadSummaries(ctx context.Context) error {
	return queryEach(ctx, s.db, `SELECT id, updated, ifnull(length(pubkey), 0) + ifnull(length(privkey), 0) > 0,
		addrs_until, next_expiry,
		(SELECT max(worked_at) FROM peerstore_retained r WHERE r.peer = p.id)
		FROM peerstore_peers p`, nil, func(rows *sql.Rows) error {
		var id []byte
		var updated, until, next int64
		var kept sql.NullInt64
		sum := &summary{}
		if err := rows.Scan(&id, &updated, &sum.hasKeys, &until, &next, &kept); err != nil {
			return err
		}
		sum.updated = fromNanos(updated)
		sum.addrsUntil, sum.nextExpiry = fromNanos(until), fromNanos(next)
		sum.retainedAt = fromNanos(kept.Int64)
		s.peers[peer.ID(id)] = sum
		return nil
	})
}

// loadEntry reads one peer's full record.
func (s *Store) loadEntry(p peer.ID) (*entry, error) {
	m := make(map[peer.ID]*entry, 1)
	if err := s.loadInto(context.Background(), m, p); err != nil {
		return nil, fmt.Errorf("load peer %s: %w", p, err)
	}
	if e := m[p]; e != nil {
		return e, nil
	}
	return newEntry(p), nil // deleted by another process meanwhile
}

// loadInto reads the record of peer p, or of every peer when p is "", into
// m.
func (s *Store) loadInto(ctx context.Context, m map[peer.ID]*entry, p peer.ID) error {
	where, bookWhere, args := "", "", []any(nil)
	if p != "" {
		where, bookWhere, args = " WHERE id = ?", " WHERE peer = ?", []any{[]byte(p)}
	}
	err := queryEach(ctx, s.db, `SELECT id, updated, last_seen, pubkey, privkey, record, record_seq, addrs
		FROM peerstore_peers`+where, args, func(rows *sql.Rows) error { return s.scanPeer(m, rows) })
	if err != nil {
		return err
	}
	books := []struct {
		q, order string
		scan     func(map[peer.ID]*entry, *sql.Rows) error
	}{
		{`SELECT peer, protocol, NULL FROM peerstore_protocols`, "", s.scanProto},
		{`SELECT peer, key, value FROM peerstore_metadata`, "", s.scanMeta},
		{`SELECT peer, addr, worked_at FROM peerstore_retained`, " ORDER BY worked_at DESC", s.scanKept},
	}
	for _, b := range books {
		scan := b.scan
		err := queryEach(ctx, s.db, b.q+bookWhere+b.order, args, func(rows *sql.Rows) error { return scan(m, rows) })
		if err != nil {
			return err
		}
	}
	return nil
}

func queryEach(ctx context.Context, db *sql.DB, q string, args []any, fn func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (s *Store) scanPeer(m map[peer.ID]*entry, rows *sql.Rows) error {
	var r peerRow
	var id []byte
	var updated, seen, seq int64
	if err := rows.Scan(&id, &updated, &seen, &r.pub, &r.priv, &r.rec, &seq, &r.addrs); err != nil {
		return err
	}
	e := newEntry(peer.ID(id))
	if addrs, err := decodeAddrs(r.addrs); err == nil {
		e.addrs = addrs
	} else {
		s.log.Info("drop unreadable addresses", "peer", e.id, "err", err)
	}
	e.updated, e.lastSeen = fromNanos(updated), fromNanos(seen)
	if len(r.pub) > 0 {
		if k, err := ic.UnmarshalPublicKey(r.pub); err == nil {
			e.pub = k
		} else {
			s.log.Info("drop unreadable public key", "peer", e.id, "err", err)
		}
	}
	if len(r.priv) > 0 {
		if k, err := ic.UnmarshalPrivateKey(r.priv); err == nil {
			e.priv = k
		} else {
			s.log.Info("drop unreadable private key", "peer", e.id, "err", err)
		}
	}
	if len(r.rec) > 0 {
		if env, _, err := record.ConsumeEnvelope(r.rec, peer.PeerRecordEnvelopeDomain); err == nil {
			e.rec, e.recSeq = env, uint64(seq)
		} else {
			s.log.Info("drop unreadable peer record", "peer", e.id, "err", err)
		}
	}
	m[e.id] = e
	return nil
}

func (s *Store) scanProto(m map[peer.ID]*entry, rows *sql.Rows) error {
	var id []byte
	var p string
	var unused sql.RawBytes
	if err := rows.Scan(&id, &p, &unused); err != nil {
		return err
	}
	if e := m[peer.ID(id)]; e != nil {
		e.protos[protocol.ID(p)] = struct{}{}
	}
	return nil
}

func (s *Store) scanMeta(m map[peer.ID]*entry, rows *sql.Rows) error {
	var id, enc []byte
	var key string
	if err := rows.Scan(&id, &key, &enc); err != nil {
		return err
	}
	e := m[peer.ID(id)]
	if e == nil {
		return nil
	}
	var v any
	if err := gob.NewDecoder(bytes.NewReader(enc)).Decode(&v); err != nil {
		s.log.Info("drop unreadable metadata", "peer", e.id, "key", key, "err", err)
		return nil
	}
	e.meta[key] = metaValue{val: v, enc: enc}
	return nil
}

func (s *Store) scanKept(m map[peer.ID]*entry, rows *sql.Rows) error {
	var id, raw []byte
	var at int64
	if err := rows.Scan(&id, &raw, &at); err != nil {
		return err
	}
	e := m[peer.ID(id)]
	a, err := ma.NewMultiaddrBytes(raw)
	if e == nil || err != nil {
		return nil
	}
	e.retained = append(e.retained, retainedAddr{addr: a, at: fromNanos(at)})
	return nil
}
