package rendezvous

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/p2psb/p2psb/rendezvous/pb"
)

// registration is one stored registration as DISCOVER returns it.
type registration struct {
	seq     uint64
	ns      string
	record  []byte
	expires time.Time
}

// ttlAt is the whole seconds left of r at now, at least 1.
func (r registration) ttlAt(now time.Time) int64 {
	s := int64(r.expires.Sub(now) / time.Second)
	return max(s, 1)
}

func unixMilli(t time.Time) int64 { return t.UnixMilli() }

func fromMilli(ms int64) time.Time { return time.UnixMilli(ms) }

// loadSecret returns the cookie secret kept in the database, creating it on
// first use.
func loadSecret(ctx context.Context, db *sql.DB) ([]byte, error) {
	return loadRandom(ctx, db, "cookie_secret", secretLen)
}

// loadEpoch returns the database's epoch: a random, non-zero number drawn
// when the database was created, so that backbone peers can tell a
// database made anew (its counters restarted) from the one they knew.
func loadEpoch(ctx context.Context, db *sql.DB) (uint64, error) {
	for {
		b, err := loadRandom(ctx, db, "epoch", 8)
		if err != nil {
			return 0, err
		}
		if e := binary.BigEndian.Uint64(b); e != 0 {
			return e, nil
		}
		if _, err := db.ExecContext(ctx, `DELETE FROM rendezvous_meta WHERE key = 'epoch'`); err != nil {
			return 0, fmt.Errorf("epoch: %w", err)
		}
	}
}

// loadRandom returns the meta value of key, storing n random bytes as it
// first.
func loadRandom(ctx context.Context, db *sql.DB, key string, n int) ([]byte, error) {
	fresh := make([]byte, n)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	_, err := db.ExecContext(ctx, `INSERT INTO rendezvous_meta(key, value) VALUES(?, ?)
		ON CONFLICT(key) DO NOTHING`, key, fresh)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	var v []byte
	if err = db.QueryRowContext(ctx, `SELECT value FROM rendezvous_meta WHERE key = ?`, key).Scan(&v); err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	if len(v) != n {
		return nil, fmt.Errorf("%s: %d bytes stored, want %d", key, len(v), n)
	}
	return v, nil
}

// loadCounter returns the highest registration counter ever handed out.
func loadCounter(ctx context.Context, db *sql.DB) (uint64, error) {
	var hw, regs, tombs sql.NullInt64
	err := db.QueryRowContext(ctx, `SELECT
		(SELECT value FROM rendezvous_meta WHERE key = 'seq'),
		(SELECT MAX(seq) FROM rendezvous_registrations),
		(SELECT MAX(seq) FROM rendezvous_tombstones)`).Scan(&hw, &regs, &tombs)
	if err != nil {
		return 0, fmt.Errorf("registration counter: %w", err)
	}
	return uint64(max(hw.Int64, regs.Int64, tombs.Int64)), nil
}

// loadRowCount counts the registrations and tombstones stored.
func loadRowCount(ctx context.Context, db *sql.DB) (rowCount, error) {
	var c rowCount
	err := db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM rendezvous_registrations),
		(SELECT COUNT(*) FROM rendezvous_tombstones)`).Scan(&c.regs, &c.tombs)
	if err != nil {
		return rowCount{}, fmt.Errorf("count registrations: %w", err)
	}
	return c, nil
}

const (
	discoverNSQuery = `SELECT seq, record, expires FROM rendezvous_registrations
		WHERE ns = ? AND seq > ? AND expires > ? ORDER BY seq LIMIT ?`
	discoverAllQuery = `SELECT seq, ns, record, expires FROM rendezvous_registrations
		WHERE seq > ? AND expires > ? ORDER BY seq LIMIT ?`
	changesQuery = `SELECT seq, 0, ns, record, expires FROM rendezvous_registrations WHERE seq > ?1 AND expires > ?2
		UNION ALL
		SELECT seq, 1, ns, record, expires FROM rendezvous_tombstones WHERE seq > ?1 AND expires > ?2
		ORDER BY seq LIMIT ?3`
)

// discover returns up to limit live registrations of ns (all namespaces
// when ns is empty) made after position after, oldest first, stopping
// before their records pass maxBytes.
func (st *statements) discover(ctx context.Context, ns string, after uint64, limit int, now time.Time, maxBytes int) ([]registration, error) {
	var rows *sql.Rows
	var err error
	if ns == "" {
		rows, err = st.discoverAll.QueryContext(ctx, int64(after), unixMilli(now), limit)
	} else {
		rows, err = st.discoverNS.QueryContext(ctx, ns, int64(after), unixMilli(now), limit)
	}
	if err != nil {
		return nil, fmt.Errorf("discover %q: %w", ns, err)
	}
	defer rows.Close()
	out := make([]registration, 0, min(limit, 128))
	size := 0
	for rows.Next() {
		r := registration{ns: ns}
		var seq, exp int64
		if ns == "" {
			err = rows.Scan(&seq, &r.ns, &r.record, &exp)
		} else {
			err = rows.Scan(&seq, &r.record, &exp) // the namespace is known
		}
		if err != nil {
			return nil, fmt.Errorf("discover %q: %w", ns, err)
		}
		size += len(r.record) + len(r.ns) + 16
		if size > maxBytes {
			break
		}
		r.seq, r.expires = uint64(seq), fromMilli(exp)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("discover %q: %w", ns, err)
	}
	return out, nil
}

// changesSince returns up to limit live registrations and tombstones with a
// counter above cursor, in counter order: what a backbone peer missed.
func (st *statements) changesSince(ctx context.Context, cursor uint64, limit int, now time.Time) ([]*pb.Update, error) {
	rows, err := st.changes.QueryContext(ctx, int64(cursor), unixMilli(now), limit)
	if err != nil {
		return nil, fmt.Errorf("changes since %d: %w", cursor, err)
	}
	defer rows.Close()
	var out []*pb.Update
	for rows.Next() {
		var seq, exp int64
		var kind int32
		u := &pb.Update{}
		if err := rows.Scan(&seq, &kind, &u.Ns, &u.SignedPeerRecord, &exp); err != nil {
			return nil, fmt.Errorf("changes since %d: %w", cursor, err)
		}
		u.Kind = pb.Update_Kind(kind).Enum()
		u.Seq = ptr(uint64(seq))
		if u.GetKind() == pb.Update_REGISTER {
			u.Ttl = ptr(registration{expires: fromMilli(exp)}.ttlAt(now))
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func ptr[T any](v T) *T { return &v }

// Registrations returns how many registrations the server holds, live or
// expired but not yet collected (what WithMaxRegistrations bounds).
func (s *Server) Registrations(ctx context.Context) (int, error) {
	return countRegistrations(ctx, s.db)
}

// countRegistrations returns how many rows the registrations table holds,
// live or not.
func countRegistrations(ctx context.Context, db *sql.DB) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM rendezvous_registrations`).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}
