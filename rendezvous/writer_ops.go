package rendezvous

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/p2psb/p2psb/rendezvous/pb"
)

const (
	// countAllQuery is the cheap bound (a covering index range); only a peer
	// at the limit pays for countLiveQuery.
	countAllQuery  = `SELECT COUNT(*) FROM rendezvous_registrations WHERE peer = ?`
	countLiveQuery = `SELECT COUNT(*) FROM rendezvous_registrations
		WHERE peer = ? AND expires > ? AND ns <> ?`
	heldQuery   = `SELECT record_seq, expires FROM rendezvous_registrations WHERE peer = ? AND ns = ?`
	upsertQuery = `INSERT INTO rendezvous_registrations(seq, ns, peer, record, record_seq, expires)
		VALUES(?, ?, ?, ?, ?, ?)
		ON CONFLICT(peer, ns) DO UPDATE SET seq = excluded.seq, record = excluded.record,
			record_seq = excluded.record_seq, expires = excluded.expires`
	deleteQuery   = `DELETE FROM rendezvous_registrations WHERE ns = ? AND peer = ? AND record_seq <= ? RETURNING record, expires`
	tombstoneStmt = `INSERT INTO rendezvous_tombstones(seq, ns, peer, record, expires) VALUES(?, ?, ?, ?, ?)`
	collectRegs   = `DELETE FROM rendezvous_registrations WHERE seq IN
		(SELECT seq FROM rendezvous_registrations WHERE expires <= ? LIMIT ?)`
	collectTombs = `DELETE FROM rendezvous_tombstones WHERE seq IN
		(SELECT seq FROM rendezvous_tombstones WHERE expires <= ? LIMIT ?)`
	collectChunk = 20000
	// roomChunk is how many expired registrations a full server collects
	// before it refuses a new one.
	roomChunk       = 512
	dropOldestTombs = `DELETE FROM rendezvous_tombstones WHERE seq IN
		(SELECT seq FROM rendezvous_tombstones ORDER BY seq LIMIT ?)`
)

// register stores op's registration unless the live registration it would
// replace holds a newer record (a replay: refused from a client, ignored
// from the backbone), the peer already holds maxPerPeer live registrations
// in other namespaces, or the server is full and it would add one.
func (w *writer) register(ctx context.Context, tx *sql.Tx, op *writeOp, now time.Time) (opResult, error) {
	peerKey := []byte(op.rec.peer)
	held, err := w.held(ctx, tx, peerKey, op.ns, now)
	if err != nil {
		return opResult{}, err
	}
	if held.live && held.recordSeq > sqlSeq(op.rec.seq) {
		if op.imported {
			return opResult{}, nil // an older imported record: nothing to do
		}
		return opResult{err: fmt.Errorf("%w: seq %d is older than the registered seq %d",
			ErrInvalidRecord, op.rec.seq, held.recordSeq)}, nil
	}
	if err := w.admit(ctx, tx, peerKey, op, held.exists, now); errors.Is(err, ErrNotAuthorized) || errors.Is(err, ErrUnavailable) {
		return opResult{err: err}, nil
	} else if err != nil {
		return opResult{}, err
	}
	seq := w.counter + 1
	_, err = tx.StmtContext(ctx, w.st.upsert).ExecContext(ctx, int64(seq), op.ns, peerKey, op.rec.raw, sqlSeq(op.rec.seq), unixMilli(op.expires))
	if err != nil {
		return opResult{}, fmt.Errorf("store registration: %w", err)
	}
	if !held.exists {
		w.rows.regs++
	}
	w.counter = seq
	return opResult{change: &change{kind: pb.Update_REGISTER, ns: op.ns, record: op.rec.raw,
		expires: op.expires, seq: seq, imported: op.imported}}, nil
}

// heldRow is what the table holds for one (peer, namespace).
type heldRow struct {
	exists    bool
	live      bool  // not expired at now
	recordSeq int64 // its record's Seq, as sqlSeq stores it
}

// held looks up the registration of peerKey in ns, live or expired.
func (w *writer) held(ctx context.Context, tx *sql.Tx, peerKey []byte, ns string, now time.Time) (heldRow, error) {
	var h heldRow
	var exp int64
	err := tx.StmtContext(ctx, w.st.held).QueryRowContext(ctx, peerKey, ns).Scan(&h.recordSeq, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return heldRow{}, nil
	}
	if err != nil {
		return heldRow{}, fmt.Errorf("look up registration: %w", err)
	}
	h.exists, h.live = true, exp > unixMilli(now)
	return h, nil
}

// admit applies the limits to a registration: the peer's (checkLimit) and,
// for one that adds a row, the server's (makeRoom).
func (w *writer) admit(ctx context.Context, tx *sql.Tx, peerKey []byte, op *writeOp, exists bool, now time.Time) error {
	if err := w.checkLimit(ctx, tx, peerKey, op, now); err != nil {
		return err
	}
	if exists {
		return nil
	}
	return w.makeRoom(ctx, tx, now)
}

// makeRoom refuses a new registration with ErrUnavailable when the server
// holds maxRows of them, after collecting up to roomChunk expired ones.
func (w *writer) makeRoom(ctx context.Context, tx *sql.Tx, now time.Time) error {
	if w.rows.regs < w.maxRows {
		return nil
	}
	res, err := tx.ExecContext(ctx, collectRegs, unixMilli(now), roomChunk)
	if err != nil {
		return fmt.Errorf("collect expired: %w", err)
	}
	n, _ := res.RowsAffected()
	w.rows.regs -= int(n)
	if w.rows.regs < w.maxRows {
		return nil
	}
	return fmt.Errorf("%w: full, %d registrations held", ErrUnavailable, w.rows.regs)
}

// checkLimit refuses op with ErrNotAuthorized when its peer holds maxPerPeer
// live registrations in other namespaces.
func (w *writer) checkLimit(ctx context.Context, tx *sql.Tx, peerKey []byte, op *writeOp, now time.Time) error {
	var n int
	if err := tx.StmtContext(ctx, w.st.countAll).QueryRowContext(ctx, peerKey).Scan(&n); err != nil {
		return fmt.Errorf("count registrations: %w", err)
	}
	if n < w.maxPerPeer {
		return nil
	}
	if err := tx.StmtContext(ctx, w.st.countLive).QueryRowContext(ctx, peerKey, unixMilli(now), op.ns).Scan(&n); err != nil {
		return fmt.Errorf("count registrations: %w", err)
	}
	if n >= w.maxPerPeer {
		return fmt.Errorf("%w: %s holds %d registrations", ErrNotAuthorized, op.rec.peer, n)
	}
	return nil
}

// unregister removes op's registration and leaves a tombstone that backbone
// peers catching up will see. From the backbone, only a registration whose
// record is not newer than the one carried is removed.
func (w *writer) unregister(ctx context.Context, tx *sql.Tx, op *writeOp, now time.Time) (opResult, error) {
	upTo := int64(1<<63 - 1)
	if op.imported {
		upTo = sqlSeq(op.rec.seq)
	}
	var record []byte
	var exp int64
	err := tx.StmtContext(ctx, w.st.remove).QueryRowContext(ctx, op.ns, []byte(op.peer), upTo).Scan(&record, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return opResult{}, nil
	}
	if err != nil {
		return opResult{}, fmt.Errorf("delete registration: %w", err)
	}
	seq := w.counter + 1
	if _, err := tx.StmtContext(ctx, w.st.tombstone).ExecContext(ctx, int64(seq), op.ns, []byte(op.peer), record, exp); err != nil {
		return opResult{}, fmt.Errorf("store tombstone: %w", err)
	}
	w.rows.regs--
	w.rows.tombs++
	if err := w.trimTombstones(ctx, tx); err != nil {
		return opResult{}, err
	}
	w.counter = seq
	return opResult{change: &change{kind: pb.Update_UNREGISTER, ns: op.ns, record: record,
		expires: fromMilli(exp), seq: seq, imported: op.imported}}, nil
}

// trimTombstones deletes the oldest tombstones past maxRows: a backbone
// peer catching up from that far behind keeps those registrations until
// they expire.
func (w *writer) trimTombstones(ctx context.Context, tx *sql.Tx) error {
	over := min(w.rows.tombs-w.maxRows, roomChunk)
	if over <= 0 {
		return nil
	}
	res, err := tx.ExecContext(ctx, dropOldestTombs, over)
	if err != nil {
		return fmt.Errorf("drop oldest tombstones: %w", err)
	}
	n, _ := res.RowsAffected()
	w.rows.tombs -= int(n)
	return nil
}

// collect deletes a bounded chunk of expired registrations and tombstones;
// the garbage collector submits it again while chunks come back full.
func (w *writer) collect(ctx context.Context, tx *sql.Tx, now time.Time) (opResult, error) {
	var total int
	for _, q := range []struct {
		query string
		rows  *int
	}{{collectRegs, &w.rows.regs}, {collectTombs, &w.rows.tombs}} {
		res, err := tx.ExecContext(ctx, q.query, unixMilli(now), collectChunk)
		if err != nil {
			return opResult{}, fmt.Errorf("collect expired: %w", err)
		}
		n, _ := res.RowsAffected()
		*q.rows -= int(n)
		total += int(n)
	}
	if total >= collectChunk {
		return opResult{err: errMoreGarbage}, nil
	}
	return opResult{}, nil
}

var errMoreGarbage = errors.New("more expired registrations to collect")
