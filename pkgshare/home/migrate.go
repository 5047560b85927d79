package home

import (
	"database/sql"
	"fmt"
)

// Schema is one component's migrations. Steps[i] moves the component's
// tables from version i to version i+1; a released step is never edited or
// removed, only new steps are appended, and no step drops user data.
type Schema struct {
	Component string
	Steps     []string
}

// createMigrations is the bookkeeping table shared by every component that
// stores tables in a p2psb database.
const createMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations(
	component TEXT PRIMARY KEY,
	version   INTEGER NOT NULL
)`

// Migrate brings s's tables up to date in one transaction. A database whose
// recorded version for s.Component is newer than len(s.Steps) is refused
// with ErrSchemaTooNew and not modified.
func Migrate(db *sql.DB, s Schema) error {
	tx, err := db.Begin()
	if err != nil {
		return fmt.Errorf("migrate %s: %w", s.Component, err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(createMigrations); err != nil {
		return fmt.Errorf("migrate %s: %w", s.Component, err)
	}
	var have int
	err = tx.QueryRow(`SELECT version FROM schema_migrations WHERE component = ?`, s.Component).Scan(&have)
	if err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("migrate %s: %w", s.Component, err)
	}
	if have > len(s.Steps) {
		return fmt.Errorf("%s tables are at version %d, this p2psb knows %d: %w",
			s.Component, have, len(s.Steps), ErrSchemaTooNew)
	}
	if have == len(s.Steps) {
		return nil
	}
	for i := have; i < len(s.Steps); i++ {
		if _, err := tx.Exec(s.Steps[i]); err != nil {
			return fmt.Errorf("migrate %s to version %d: %w", s.Component, i+1, err)
		}
	}
	_, err = tx.Exec(`INSERT INTO schema_migrations(component, version) VALUES(?, ?)
		ON CONFLICT(component) DO UPDATE SET version = excluded.version`, s.Component, len(s.Steps))
	if err != nil {
		return fmt.Errorf("migrate %s: %w", s.Component, err)
	}
	return tx.Commit()
}
