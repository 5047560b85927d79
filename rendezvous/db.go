package rendezvous

import (
	"database/sql"
	"errors"
	"fmt"

	_ "github.com/mattn/go-sqlite3" // the database/sql driver "sqlite3"
)

// DSN is the connection string for a p2psb database file: WAL journal, a
// 10 s busy timeout, foreign keys, synchronous=NORMAL (a commit survives the
// process being killed) and immediate write transactions.
func DSN(path string) string {
	return "file:" + path +
		"?_journal_mode=WAL&_busy_timeout=10000&_foreign_keys=on&_synchronous=NORMAL&_txlock=immediate"
}

// OpenDB opens (creating if needed) the SQLite database at path with DSN's
// settings, for running a server on its own and for tests. A p2psb node
// passes the database it already has to NewServer instead; it should keep
// as many idle connections as it expects concurrent DISCOVERs (database/sql
// keeps 2 by default, and a new SQLite connection starts with a cold cache
// and unprepared statements), as OpenDB does.
func OpenDB(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite3", DSN(path))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db.SetMaxIdleConns(maxIdleConns)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return db, nil
}

// maxIdleConns is how many connections OpenDB keeps open between queries.
const maxIdleConns = 16

// ErrSchemaTooNew is returned by NewServer for a database whose rendezvous
// tables were written by a newer program. The database is left untouched.
var ErrSchemaTooNew = errors.New("rendezvous tables are newer than this program")

// schemaComponent is this package's row in the shared schema_migrations table.
const schemaComponent = "rendezvous"

// migrations[i] moves the rendezvous tables from version i to i+1. A released
// step is never edited; new steps are appended.
var migrations = []string{
	`CREATE TABLE rendezvous_registrations(
		ns         TEXT NOT NULL,
		seq        INTEGER NOT NULL,    -- registration counter at the last write
		peer       BLOB NOT NULL,       -- peer.ID bytes
		record     BLOB NOT NULL,       -- signed peer record (record.Envelope)
		record_seq INTEGER NOT NULL,    -- the PeerRecord's Seq
		expires    INTEGER NOT NULL,    -- unix milliseconds
		PRIMARY KEY(ns, seq)            -- a namespace's rows are stored together
	) WITHOUT ROWID;
	CREATE UNIQUE INDEX rendezvous_registrations_seq ON rendezvous_registrations(seq);
	CREATE UNIQUE INDEX rendezvous_registrations_peer_ns ON rendezvous_registrations(peer, ns);
	CREATE INDEX rendezvous_registrations_expires ON rendezvous_registrations(expires);
	CREATE TABLE rendezvous_tombstones(
		seq     INTEGER PRIMARY KEY,
		ns      TEXT NOT NULL,
		peer    BLOB NOT NULL,
		record  BLOB NOT NULL,
		expires INTEGER NOT NULL
	);
	CREATE INDEX rendezvous_tombstones_expires ON rendezvous_tombstones(expires);
	CREATE TABLE rendezvous_meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);
	CREATE TABLE rendezvous_sync_cursors(peer BLOB PRIMARY KEY, cursor INTEGER NOT NULL);`,
	`CREATE TABLE rendezvous_backbone_members(
		peer       BLOB PRIMARY KEY,    -- peer.ID bytes
		record     BLOB NOT NULL,       -- its signed peer record (record.Envelope)
		record_seq INTEGER NOT NULL,    -- the PeerRecord's Seq
		seen       INTEGER NOT NULL     -- unix milliseconds: when it signed record, at most when stored
	);`,
}

const createMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations(
	component TEXT PRIMARY KEY,
	version   INTEGER NOT NULL
)`

// migrate brings the rendezvous tables up to date in one transaction and
// refuses a database whose version is newer than len(steps).
func migrate(db *sql.DB, steps []string) error {
	tx, err := db.Begin()
	if err != nil {
		return fmt.Errorf("migrate rendezvous tables: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(createMigrations); err != nil {
		return fmt.Errorf("migrate rendezvous tables: %w", err)
	}
	var have int
	err = tx.QueryRow(`SELECT version FROM schema_migrations WHERE component = ?`, schemaComponent).Scan(&have)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("migrate rendezvous tables: %w", err)
	}
	if have > len(steps) {
		return fmt.Errorf("version %d, this program knows %d: %w", have, len(steps), ErrSchemaTooNew)
	}
	for i := have; i < len(steps); i++ {
		if _, err := tx.Exec(steps[i]); err != nil {
			return fmt.Errorf("migrate rendezvous tables to version %d: %w", i+1, err)
		}
	}
	_, err = tx.Exec(`INSERT INTO schema_migrations(component, version) VALUES(?, ?)
		ON CONFLICT(component) DO UPDATE SET version = excluded.version`, schemaComponent, len(steps))
	if err != nil {
		return fmt.Errorf("migrate rendezvous tables: %w", err)
	}
	return tx.Commit()
}
