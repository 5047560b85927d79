package sqlitedb_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	_ "github.com/mattn/go-sqlite3"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/peerstore/sqlitedb"
)

func openTemp(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", sqlitedb.DSN(filepath.Join(t.TempDir(), "x.db")))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

func TestDSNSettings(t *testing.T) {
	db := openTemp(t)
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1",
		"busy_timeout": "10000", "synchronous": "1"} {
		var got string
		require.NoError(t, db.QueryRow("PRAGMA "+pragma).Scan(&got))
		require.Equal(t, want, got, pragma)
	}
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	v1 := sqlitedb.Schema{Component: "widgets", Steps: []string{`CREATE TABLE widgets(id INTEGER PRIMARY KEY)`}}
	require.NoError(t, sqlitedb.Migrate(ctx, db, v1))
	_, err := db.Exec(`INSERT INTO widgets(id) VALUES(1)`)
	require.NoError(t, err)

	// Applying again is a no-op; a new step is applied on top, keeping data.
	require.NoError(t, sqlitedb.Migrate(ctx, db, v1))
	v2 := sqlitedb.Schema{Component: "widgets", Steps: append(v1.Steps, `ALTER TABLE widgets ADD COLUMN name TEXT`)}
	require.NoError(t, sqlitedb.Migrate(ctx, db, v2))
	var n int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM widgets WHERE name IS NULL`).Scan(&n))
	require.Equal(t, 1, n)

	// Another component's tables are versioned on their own.
	other := sqlitedb.Schema{Component: "gizmos", Steps: []string{`CREATE TABLE gizmos(id INTEGER)`}}
	require.NoError(t, sqlitedb.Migrate(ctx, db, other))

	// An older program refuses the newer database and changes nothing.
	err = sqlitedb.Migrate(ctx, db, v1)
	require.ErrorIs(t, err, sqlitedb.ErrSchemaTooNew)
	require.Contains(t, err.Error(), "widgets tables are at version 2, this program knows 1")
	var version int
	require.NoError(t, db.QueryRow(`SELECT version FROM schema_migrations WHERE component = 'widgets'`).Scan(&version))
	require.Equal(t, 2, version)

	// A failing step rolls the whole migration back.
	bad := sqlitedb.Schema{Component: "gadgets", Steps: []string{`CREATE TABLE gadgets(id INTEGER)`, `NOT SQL`}}
	require.Error(t, sqlitedb.Migrate(ctx, db, bad))
	require.Error(t, db.QueryRow(`SELECT count(*) FROM gadgets`).Scan(&n), "the first step must have been rolled back")
	require.ErrorIs(t, db.QueryRow(`SELECT version FROM schema_migrations WHERE component = 'gadgets'`).Scan(&version), sql.ErrNoRows)
}
