package rendezvous

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/rendezvous/pb"
)

type opKind int

const (
	opRegister opKind = iota
	opUnregister
	opCollect
)

// writeOp is one write waiting for the writer. done receives its outcome
// after the transaction holding it has committed.
type writeOp struct {
	kind     opKind
	ns       string
	rec      signedRecord  // opRegister; opUnregister from the backbone
	peer     peer.ID       // opUnregister
	expires  time.Time     // opRegister
	imported bool          // from the backbone: older records never win
	done     chan opResult // buffered, capacity 1
}

type opResult struct {
	change *change // nil when nothing changed
	err    error
}

// change is a committed registration or unregistration, as the backbone
// shares it.
type change struct {
	kind     pb.Update_Kind
	ns       string
	record   []byte
	expires  time.Time
	seq      uint64
	imported bool
}

// writer is the single goroutine that writes registrations. It takes every
// op waiting when it becomes free (up to writeBatch), applies them in one
// transaction, and answers each only after the commit: group commit, so
// concurrent REGISTERs share one transaction.
type writer struct {
	db         *sql.DB
	st         *statements
	in         chan *writeOp
	counter    uint64
	rows       rowCount // what the tables hold, kept in step with every write
	maxPerPeer int
	maxRows    int // registrations, and tombstones, held at most
	now        func() time.Time
	onCommit   func([]change)
}

// rowCount is how many registrations (live or expired) and tombstones the
// tables hold.
type rowCount struct {
	regs, tombs int
}

// writeBatch is the most operations the writer applies in one transaction.
const writeBatch = 512

// submit queues op and waits for its outcome.
func (w *writer) submit(ctx context.Context, op *writeOp) opResult {
	res, err := w.submitAll(ctx, []*writeOp{op})
	if err != nil {
		return opResult{err: err}
	}
	return res[0]
}

// submitAll queues all ops, so that they share transactions, and waits for
// their outcomes. It fails only when ctx ends first.
func (w *writer) submitAll(ctx context.Context, ops []*writeOp) ([]opResult, error) {
	for _, op := range ops {
		op.done = make(chan opResult, 1)
		select {
		case w.in <- op:
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
		}
	}
	results := make([]opResult, len(ops))
	for i, op := range ops {
		select {
		case results[i] = <-op.done:
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
		}
	}
	return results, nil
}

// run writes until ctx ends, then answers what is queued with ErrUnavailable.
func (w *writer) run(ctx context.Context) {
	batch := make([]*writeOp, 0, writeBatch)
	for {
		select {
		case <-ctx.Done():
			w.drain()
			return
		case op := <-w.in:
			batch = append(batch[:0], op)
		}
	fill:
		for len(batch) < writeBatch {
			select {
			case op := <-w.in:
				batch = append(batch, op)
			default:
				break fill
			}
		}
		w.commit(ctx, batch)
	}
}

func (w *writer) drain() {
	for {
		select {
		case op := <-w.in:
			op.done <- opResult{err: fmt.Errorf("%w: server closing", ErrUnavailable)}
		default:
			return
		}
	}
}

// commit applies batch in one transaction and answers every op.
func (w *writer) commit(ctx context.Context, batch []*writeOp) {
	start, rows := w.counter, w.rows
	results, err := w.apply(ctx, batch)
	if err != nil {
		w.counter, w.rows = start, rows
		for _, op := range batch {
			op.done <- opResult{err: fmt.Errorf("%w: %w", unavailableOr(ctx, ErrInternal), err)}
		}
		return
	}
	var changes []change
	for i, op := range batch {
		if c := results[i].change; c != nil {
			changes = append(changes, *c)
		}
		op.done <- results[i]
	}
	if len(changes) > 0 && w.onCommit != nil {
		w.onCommit(changes)
	}
}

func (w *writer) apply(ctx context.Context, batch []*writeOp) ([]opResult, error) {
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	now := w.now()
	results := make([]opResult, len(batch))
	for i, op := range batch {
		var res opResult
		switch op.kind {
		case opRegister:
			res, err = w.register(ctx, tx, op, now)
		case opUnregister:
			res, err = w.unregister(ctx, tx, op, now)
		case opCollect:
			res, err = w.collect(ctx, tx, now)
		}
		if err != nil {
			return nil, err
		}
		results[i] = res
	}
	_, err = tx.StmtContext(ctx, w.st.saveCounter).ExecContext(ctx, int64(w.counter))
	if err != nil {
		return nil, fmt.Errorf("save counter: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return results, nil
}
