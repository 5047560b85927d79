package rendezvous

import (
	"database/sql"
	"fmt"

	_ "github.com/mattn/go-sqlite3" // the database/sql driver "sqlite3"

	"github.com/p2psb/p2psb/peerstore/sqlitedb"
)

// OpenDB opens (creating if needed) the SQLite database at path with sqlitedb.DSN's
// settings, for running a server on its own and for tests. A p2psb node
// passes the database it already has to NewServer instead; it should keep
// as many idle connections as it expects concurrent DISCOVERs (database/sql
// keeps 2 by default, and a new SQLite connection starts with a cold cache
// and unprepared statements), as OpenDB does.
func OpenDB(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite3", sqlitedb.DSN(path))
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
var ErrSchemaTooNew = sqlitedb.ErrSchemaTooNew

// schema is the rendezvous tables: Steps[i] moves them from version i to
// i+1. A released step is never edited; new steps are appended.
var schema = sqlitedb.Schema{Component: "rendezvous", Steps: migrations}

// migrations are schema's steps.
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
	// The epoch of the backbone peer that a cursor counts in (0: unknown).
	`ALTER TABLE rendezvous_sync_cursors ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;`,
}
