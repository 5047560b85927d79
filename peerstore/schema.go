package peerstore

import "github.com/p2psb/p2psb/peerstore/sqlitedb"

// component is this package's name in schema_migrations.
const component = "peerstore"

// ErrSchemaTooNew is returned by Open and New for a database whose
// peerstore tables were written by a newer version of this package. The
// database is left untouched.
var ErrSchemaTooNew = sqlitedb.ErrSchemaTooNew

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
