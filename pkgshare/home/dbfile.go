package home

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// sidecars are the files SQLite keeps beside a database in WAL mode.
var sidecars = []string{"-wal", "-shm"}

// ensureDBFile makes sure a database exists at path before SQLite opens
// it, creating a new one readable by its owner only. SQLite itself would
// create the file with mode 0644 less the umask; it creates -wal and -shm
// with the mode of the database file, so those are private too.
//
// A new database is made only where there is no file. An empty file is a
// damaged database, not a new one: SQLite writes the header of every
// database it creates, and of each made here before it is linked into
// place, so only truncation leaves 0 bytes, and SQLite would take them for
// an empty library. A write-ahead log left without its database is refused
// too, since SQLite would replay it into a new one.
func ensureDBFile(path string) error {
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.Size() == 0:
		return &DamagedError{Path: path, Reason: "it is empty (0 bytes)"}
	case err == nil:
		return nil
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("open database: %w", err)
	}
	if wal, err := os.Stat(path + "-wal"); err == nil && wal.Size() > 0 {
		return &DamagedError{Path: path, Reason: "it is missing but " + path + "-wal is there"}
	}
	return createDB(path)
}

// createDB makes an empty database in WAL mode in a private temporary
// file and links it into place, so a process opening path at the same
// time sees either no file or a whole database. If another process linked
// its database first, that one is kept.
func createDB(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*.new")
	if err != nil {
		return fmt.Errorf("create database %s: %w", path, err)
	}
	name := tmp.Name()
	defer removeDB(name)
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("create database %s: %w", path, err)
	}
	db, err := openSQLite(name)
	if err != nil {
		return fmt.Errorf("create database %s: %w", path, err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("create database %s: %w", path, err)
	}
	if err := os.Link(name, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create database %s: %w", path, err)
	}
	return nil
}

// removeDB removes a temporary database and its sidecars.
func removeDB(name string) {
	for _, s := range append([]string{""}, sidecars...) {
		_ = os.Remove(name + s)
	}
}

// tightenDB removes group and other permissions from the database at path
// and its sidecars, which an older p2psb created readable by others. A
// file it cannot change is logged, not fatal: the database still works.
func tightenDB(path string) {
	for _, s := range append([]string{""}, sidecars...) {
		fi, err := os.Stat(path + s)
		if err != nil {
			continue // -wal and -shm come and go with connections
		}
		perm := fi.Mode().Perm()
		if perm&0o077 == 0 {
			continue
		}
		if err := os.Chmod(path+s, perm&^0o077); err != nil {
			slog.Warn("database file is accessible to other users", "path", path+s,
				"mode", fmt.Sprintf("%04o", perm), "err", err)
		}
	}
}
