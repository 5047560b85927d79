package sqlitedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// DSN returns the connection string, for the go-sqlite3 driver, of the
// database file at path: WAL journal (readers never block the writer),
// a 10 s busy timeout, foreign keys on, synchronous=NORMAL (a commit
// survives the process being killed) and immediate write transactions
// (two writers queue instead of failing on upgrade).
func DSN(path string) string {
	return "file:" + path +
		"?_journal_mode=WAL&_busy_timeout=10000&_foreign_keys=on&_synchronous=NORMAL&_txlock=immediate"
}

// ErrSchemaTooNew is returned by Migrate for a database whose tables of
// the component were written by a newer program. The database is left as
// it was.
var ErrSchemaTooNew = errors.New("database schema is newer than this program")

// Schema is one component's migrations. Steps[i] moves the component's
// tables from version i to version i+1; a released step is never edited
// or removed, only new steps are appended, and no step drops user data.
type Schema struct {
	Component string
	Steps     []string
}

// createMigrations is the bookkeeping table every component shares.
const createMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations(
	component TEXT PRIMARY KEY,
	version   INTEGER NOT NULL
)`

// Migrate brings s's tables up to date in one transaction. A database
// whose recorded version of s.Component is newer than len(s.Steps) is
// refused with ErrSchemaTooNew and not modified.
func Migrate(ctx context.Context, db *sql.DB, s Schema) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate %s tables: %w", s.Component, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, createMigrations); err != nil {
		return fmt.Errorf("migrate %s tables: %w", s.Component, err)
	}
	var have int
	err = tx.QueryRowContext(ctx, `SELECT version FROM schema_migrations WHERE component = ?`, s.Component).Scan(&have)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("migrate %s tables: %w", s.Component, err)
	}
	if have > len(s.Steps) {
		return fmt.Errorf("%s tables are at version %d, this program knows %d: %w",
			s.Component, have, len(s.Steps), ErrSchemaTooNew)
	}
	if have == len(s.Steps) {
		return nil
	}
	for i := have; i < len(s.Steps); i++ {
		if _, err := tx.ExecContext(ctx, s.Steps[i]); err != nil {
			return fmt.Errorf("migrate %s tables to version %d: %w", s.Component, i+1, err)
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations(component, version) VALUES(?, ?)
		ON CONFLICT(component) DO UPDATE SET version = excluded.version`, s.Component, len(s.Steps))
	if err != nil {
		return fmt.Errorf("migrate %s tables: %w", s.Component, err)
	}
	return tx.Commit()
}
