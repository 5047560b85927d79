package peerstore

import (
	"database/sql"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// peerRow is a peerstore_peers row.
type peerRow struct {
	id        peer.ID
	updated   time.Time
	lastSeen  time.Time
	pub, priv []byte
	rec       []byte
	recSeq    uint64
	addrs     []byte // encoded, see addrcodec.go
	until     time.Time
	next      time.Time
}

// addrRow is an address of the address book (at = expiry) or a
// peerstore_retained row (at = worked_at).
type addrRow struct {
	addr []byte
	ttl  time.Duration
	at   time.Time
}

// nanos and fromNanos convert times to and from their stored form; the zero
// time is stored as 0.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

var writerSQL = [...]string{
	`DELETE FROM peerstore_peers WHERE id = ?`,
	`INSERT INTO peerstore_peers(id, updated, last_seen, pubkey, privkey, record, record_seq,
		addrs, addrs_until, next_expiry)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET updated = excluded.updated, last_seen = excluded.last_seen,
		pubkey = excluded.pubkey, privkey = excluded.privkey, record = excluded.record,
		record_seq = excluded.record_seq, addrs = excluded.addrs,
		addrs_until = excluded.addrs_until, next_expiry = excluded.next_expiry`,
	`DELETE FROM peerstore_protocols WHERE peer = ?`,
	`INSERT INTO peerstore_protocols(peer, protocol) VALUES(?, ?)`,
	`DELETE FROM peerstore_metadata WHERE peer = ?`,
	`INSERT INTO peerstore_metadata(peer, key, value) VALUES(?, ?, ?)`,
	`DELETE FROM peerstore_retained WHERE peer = ?`,
	`INSERT INTO peerstore_retained(peer, addr, worked_at) VALUES(?, ?, ?)`,
}

const (
	sqlDelPeer = iota
	sqlPutPeer
	sqlDelProtos
	sqlPutProto
	sqlDelMeta
	sqlPutMeta
	sqlDelKept
	sqlPutKept
)

// txWriter holds one transaction's prepared statements.
type txWriter struct{ st [len(writerSQL)]*sql.Stmt }

func prepareWriter(tx *sql.Tx) (*txWriter, error) {
	w := &txWriter{}
	for i, q := range writerSQL {
		st, err := tx.Prepare(q)
		if err != nil {
			w.close()
			return nil, fmt.Errorf("prepare: %w", err)
		}
		w.st[i] = st
	}
	return w, nil
}

func (w *txWriter) close() {
	for _, st := range w.st {
		if st != nil {
			st.Close()
		}
	}
}

// write stores one snapshot: the peer's row, then every book it changed.
func (w *txWriter) write(sn *snapshot) error {
	id := []byte(sn.e.id)
	if sn.gone {
		_, err := w.st[sqlDelPeer].Exec(id)
		return err
	}
	r := &sn.row
	_, err := w.st[sqlPutPeer].Exec(id, nanos(r.updated), nanos(r.lastSeen), r.pub, r.priv, r.rec, int64(r.recSeq),
		encodeAddrs(sn.addrs), nanos(r.until), nanos(r.next))
	if err != nil {
		return err
	}
	if sn.books&bookProtos != 0 {
		if err := w.replace(sqlDelProtos, id, len(sn.protos), func(i int) error {
			_, err := w.st[sqlPutProto].Exec(id, sn.protos[i])
			return err
		}); err != nil {
			return err
		}
	}
	if sn.books&bookMeta != 0 {
		if _, err := w.st[sqlDelMeta].Exec(id); err != nil {
			return err
		}
		for k, v := range sn.meta {
			if _, err := w.st[sqlPutMeta].Exec(id, k, v); err != nil {
				return err
			}
		}
	}
	if sn.books&bookRetained != 0 {
		return w.replace(sqlDelKept, id, len(sn.kept), func(i int) error {
			_, err := w.st[sqlPutKept].Exec(id, sn.kept[i].addr, nanos(sn.kept[i].at))
			return err
		})
	}
	return nil
}

// replace deletes a peer's rows with statement del and inserts n new ones.
func (w *txWriter) replace(del int, id []byte, n int, put func(i int) error) error {
	if _, err := w.st[del].Exec(id); err != nil {
		return err
	}
	for i := range n {
		if err := put(i); err != nil {
			return err
		}
	}
	return nil
}
