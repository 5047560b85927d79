package rendezvous

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// statements are the server's queries, prepared once: preparing a query
// costs as much as running it.
type statements struct {
	discoverNS  *sql.Stmt
	discoverAll *sql.Stmt
	changes     *sql.Stmt
	countAll    *sql.Stmt
	countLive   *sql.Stmt
	held        *sql.Stmt
	upsert      *sql.Stmt
	remove      *sql.Stmt
	tombstone   *sql.Stmt
	saveCounter *sql.Stmt
}

const saveCounterQuery = `INSERT INTO rendezvous_meta(key, value) VALUES('seq', ?)
	ON CONFLICT(key) DO UPDATE SET value = excluded.value`

// stmtQuery is a statement field and the query it is prepared from.
type stmtQuery struct {
	dst   **sql.Stmt
	query string
}

// queries lists every statement with its query, for preparing and
// closing them all.
func (st *statements) queries() []stmtQuery {
	return []stmtQuery{
		{&st.discoverNS, discoverNSQuery},
		{&st.discoverAll, discoverAllQuery},
		{&st.changes, changesQuery},
		{&st.countAll, countAllQuery},
		{&st.countLive, countLiveQuery},
		{&st.held, heldQuery},
		{&st.upsert, upsertQuery},
		{&st.remove, deleteQuery},
		{&st.tombstone, tombstoneStmt},
		{&st.saveCounter, saveCounterQuery},
	}
}

func prepareStatements(ctx context.Context, db *sql.DB) (*statements, error) {
	st := &statements{}
	for _, p := range st.queries() {
		s, err := db.PrepareContext(ctx, p.query)
		if err != nil {
			st.close()
			return nil, fmt.Errorf("prepare rendezvous queries: %w", err)
		}
		*p.dst = s
	}
	return st, nil
}

// close closes the statements that were prepared.
func (st *statements) close() error {
	var errs []error
	for _, p := range st.queries() {
		if *p.dst != nil {
			errs = append(errs, (*p.dst).Close())
		}
	}
	return errors.Join(errs...)
}
