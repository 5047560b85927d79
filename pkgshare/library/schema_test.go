package library

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/peerstore/sqlitedb"
	"github.com/p2psb/p2psb/pkgshare/home"
)

// TestSchemaPresentStep upgrades a library from before files were marked
// present: the files of complete versions are present, those of versions
// still being fetched are not.
func TestSchemaPresentStep(t *testing.T) {
	ctx := context.Background()
	db, err := home.OpenDB(filepath.Join(t.TempDir(), "p2psb.db"))
	require.NoError(t, err)
	defer db.Close()
	old := sqlitedb.Schema{Component: Schema.Component, Steps: Schema.Steps[:3]}
	require.NoError(t, sqlitedb.Migrate(ctx, db, old))
	_, err = db.Exec(`INSERT INTO pkgshare_packages(id, name, publisher, added_at) VALUES('p', 'n', 'x', 0);
		INSERT INTO pkgshare_versions(id, package_id, version, envelope, root, size, files, chunks, created_at, added_at, complete)
			VALUES('done', 'p', 1, x'', '/r', 1, 1, 1, 0, 0, 1), ('going', 'p', 2, x'', '/r', 1, 1, 1, 0, 0, 0);
		INSERT INTO pkgshare_files(version_id, idx, path, disk_path, size, mtime_ns)
			VALUES('done', 0, 'a', '/r/a', 1, 0), ('going', 0, 'a', '/r/a', 1, 0)`)
	require.NoError(t, err)

	require.NoError(t, sqlitedb.Migrate(ctx, db, Schema))
	for id, want := range map[string]bool{"done": true, "going": false} {
		var present bool
		require.NoError(t, db.QueryRow(`SELECT present FROM pkgshare_files WHERE version_id = ?`, id).Scan(&present))
		require.Equal(t, want, present, id)
	}
}
