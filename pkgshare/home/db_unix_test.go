//go:build unix

package home

import (
	"bytes"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/peerstore/sqlitedb"
)

// TestDatabaseFilesPrivate checks that p2psb.db and its -wal and -shm
// files end up readable by their owner only, whatever the umask and the
// home directory's mode, and that a home open to others draws a warning.
func TestDatabaseFilesPrivate(t *testing.T) {
	withUmask(t, 0o022)
	logs := captureLog(t)
	dir := filepath.Join(t.TempDir(), "home")
	require.NoError(t, os.Mkdir(dir, 0o755))

	h, err := Open(dir)
	require.NoError(t, err)
	defer h.Close()
	require.Contains(t, logs.String(), "level=WARN")
	require.Contains(t, logs.String(), "chmod 700 "+dir)
	db, err := h.DB()
	require.NoError(t, err)
	_, err = db.Exec(`CREATE TABLE t(x)`)
	require.NoError(t, err)
	requireOwnerOnly(t, h.Path(DatabaseFile), "", "-wal", "-shm")
}

// TestDatabaseFilesTightened checks that a database an older p2psb left
// readable by others, with its -wal and -shm in use by another
// connection, is made private when it is opened.
func TestDatabaseFilesTightened(t *testing.T) {
	withUmask(t, 0o022)
	path := filepath.Join(t.TempDir(), DatabaseFile)
	old, err := sql.Open("sqlite3", sqlitedb.DSN(path))
	require.NoError(t, err)
	defer old.Close()
	_, err = old.Exec(`CREATE TABLE t(x)`)
	require.NoError(t, err)
	fi, err := os.Stat(path + "-wal")
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o644), fi.Mode().Perm(), "the old way makes files others can read")

	db, err := OpenDB(path)
	require.NoError(t, err)
	defer db.Close()
	requireOwnerOnly(t, path, "", "-wal", "-shm")
}

func TestPrivateHomeNoWarning(t *testing.T) {
	logs := captureLog(t)
	h, err := Open(filepath.Join(t.TempDir(), "home"))
	require.NoError(t, err)
	defer h.Close()
	require.Empty(t, logs.String())
}

func requireOwnerOnly(t *testing.T, path string, suffixes ...string) {
	t.Helper()
	for _, s := range suffixes {
		fi, err := os.Stat(path + s)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "mode of %s", path+s)
	}
}

// withUmask sets the process's umask for the test. The umask is process
// wide: tests using this must not run in parallel.
func withUmask(t *testing.T, mask int) {
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}

// captureLog sends the default slog logger's output to the returned
// buffer for the test.
func captureLog(t *testing.T) fmt.Stringer {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	return &buf
}
