package home

import (
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/mattn/go-sqlite3" // also the database/sql driver "sqlite3"

	"github.com/p2psb/p2psb/peerstore/sqlitedb"
)

// OpenDB opens the SQLite database at path with sqlitedb.DSN's settings and checks
// that it is usable, creating a new database only if there is no file at
// path. A file that holds no database, an empty one included, is refused
// with a DamagedError and left as it is. The database and its -wal and
// -shm files are made readable by their owner only.
func OpenDB(path string) (*sql.DB, error) {
	if err := ensureDBFile(path); err != nil {
		return nil, err
	}
	db, err := openSQLite(path)
	var se sqlite3.Error
	if errors.As(err, &se) && (se.Code == sqlite3.ErrNotADB || se.Code == sqlite3.ErrCorrupt) {
		return nil, &DamagedError{Path: path, Reason: se.Error(), Err: err}
	}
	if err != nil {
		return nil, err
	}
	tightenDB(path)
	return db, nil
}

// DamagedError reports a database file that exists but holds no usable
// database. The file is left as it is.
type DamagedError struct {
	Path   string
	Reason string
	Err    error
}

func (e *DamagedError) Error() string {
	aside := filepath.Join(filepath.Dir(e.Path), "damaged")
	return fmt.Sprintf("database %s is damaged: %s. To start afresh, with no packages or buddies, "+
		"move it and its -wal and -shm files aside, for example: mkdir %s && mv %s* %s/",
		e.Path, e.Reason, aside, e.Path, aside)
}

func (e *DamagedError) Unwrap() error { return e.Err }

// openSQLite opens the database at path with sqlitedb.DSN's settings and checks
// that it is in WAL mode.
func openSQLite(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite3", sqlitedb.DSN(path))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// The peerstore, the library and a rendezvous server share the handle;
	// database/sql's default of 2 idle connections would keep reopening
	// connections (and their page caches) under load.
	db.SetMaxIdleConns(16)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if mode != "wal" {
		db.Close()
		return nil, fmt.Errorf("open database %s: journal mode is %q, want wal", path, mode)
	}
	return db, nil
}
