package peerstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// component is this package's name in schema_migrations.
const component = "peerstore"

// ErrSchemaTooNew is returned by Open and New for a database whose
// peerstore tables were written by a newer version of this package. The
// database is left untouched.
var ErrSchemaTooNew = errors.New("peerstore: database schema is newer than this program")

// migrations[i] moves the peerstore tables from version i to i+1. A
// released step is never edited or removed and no step drops data.
var migrations = []string{
	// 1: peers, their books, retention and buddies. Times are Unix
	// nanoseconds; an address that never expires has expiry = max int64.
	// addrs is the address book (see addrcodec.go); addrs_until and
	// next_expiry are its latest and earliest expiry (0: no address).
	`CREATE TABLE peerstore_peers(
		id          BLOB PRIMARY KEY NOT NULL,
		updated     INTEGER NOT NULL,
		last_seen   INTEGER NOT NULL DEFAULT 0,
		pubkey      BLOB,
		privkey     BLOB,
		record      BLOB,
		record_seq  INTEGER NOT NULL DEFAULT 0,
		addrs       BLOB,
		addrs_until INTEGER NOT NULL DEFAULT 0,
		next_expiry INTEGER NOT NULL DEFAULT 0
	) WITHOUT ROWID;
	CREATE TABLE peerstore_protocols(
		peer     BLOB NOT NULL REFERENCES peerstore_peers(id) ON DELETE CASCADE,
		protocol TEXT NOT NULL,
		PRIMARY KEY(peer, protocol)
	) WITHOUT ROWID;
	CREATE TABLE peerstore_metadata(
		peer  BLOB NOT NULL REFERENCES peerstore_peers(id) ON DELETE CASCADE,
		key   TEXT NOT NULL,
		value BLOB NOT NULL,
		PRIMARY KEY(peer, key)
	) WITHOUT ROWID;
	CREATE TABLE peerstore_retained(
		peer      BLOB NOT NULL REFERENCES peerstore_peers(id) ON DELETE CASCADE,
		addr      BLOB NOT NULL,
		worked_at INTEGER NOT NULL,
		PRIMARY KEY(peer, addr)
	) WITHOUT ROWID;
	CREATE TABLE peerstore_buddies(
		peer     BLOB PRIMARY KEY NOT NULL,
		alias    TEXT UNIQUE,
		added_at INTEGER NOT NULL
	) WITHOUT ROWID;`,
}

// migrate brings the peerstore tables up to date in one transaction.
func migrate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations(
		component TEXT PRIMARY KEY,
		version   INTEGER NOT NULL
	)`)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	var have int
	err = tx.QueryRowContext(ctx, `SELECT version FROM schema_migrations WHERE component = ?`, component).Scan(&have)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	if have > len(migrations) {
		return fmt.Errorf("peerstore tables are at version %d, this program knows %d: %w",
			have, len(migrations), ErrSchemaTooNew)
	}
	if have == len(migrations) {
		return nil
	}
	for i := have; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("migrate %s to version %d: %w", component, i+1, err)
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations(component, version) VALUES(?, ?)
		ON CONFLICT(component) DO UPDATE SET version = excluded.version`, component, len(migrations))
	if err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate %s: %w", component, err)
	}
	return nil
}
