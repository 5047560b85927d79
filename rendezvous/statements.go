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
	discoverNS   *sql.Stmt
	discoverAll  *sql.Stmt
	changes      *sql.Stmt
	countAll     *sql.Stmt
	countLive    *sql.Stmt
	upsert       *sql.Stmt
	upsertImport *sql.Stmt
	remove       *sql.Stmt
	tombstone    *sql.Stmt
	saveCounter  *sql.Stmt
	all          []*sql.Stmt // every statement above that was prepared, for close
}

const saveCounterQuery = `INSERT INTO rendezvous_meta(key, value) VALUES('seq', ?)
	ON CONFLICT(key) DO UPDATE SET value = excluded.value`

func prepareStatements(ctx context.Context, db *sql.DB) (*statements, error) {
	st := &statements{}
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&st.discoverNS, discoverNSQuery},
		{&st.discoverAll, discoverAllQuery},
		{&st.changes, changesQuery},
		{&st.countAll, countAllQuery},
		{&st.countLive, countLiveQuery},
		{&st.upsert, upsertQuery},
		{&st.upsertImport, upsertQuery + importWhere},
		{&st.remove, deleteQuery},
		{&st.tombstone, tombstoneStmt},
		{&st.saveCounter, saveCounterQuery},
	} {
		s, err := db.PrepareContext(ctx, p.query)
		if err != nil {
			st.close()
			return nil, fmt.Errorf("prepare rendezvous queries: %w", err)
		}
		*p.dst = s
		st.all = append(st.all, s)
	}
	return st, nil
}

func (st *statements) close() error {
	var errs []error
	for _, s := range st.all {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}
