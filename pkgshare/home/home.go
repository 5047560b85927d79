package home

import (
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
)

// File names inside a home directory.
const (
	IdentityFile = "identity.key"
	DatabaseFile = "p2psb.db"
	ConfigFile   = "config.toml"
)

// Home is an opened home directory. Its database is opened on first use.
type Home struct {
	Dir string

	mu     sync.Mutex
	db     *sql.DB
	closed bool
}

// DefaultDir returns $XDG_DATA_HOME/p2psb, or ~/.p2psb when XDG_DATA_HOME is
// not set.
func DefaultDir() (string, error) {
	if xdg := os.Getenv("XDG_DATA_HOME"); xdg != "" {
		return filepath.Join(xdg, "p2psb"), nil
	}
	user, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the home directory (set --home or P2PSB_HOME): %w", err)
	}
	return filepath.Join(user, ".p2psb"), nil
}

// Open opens the home directory dir, creating it with mode 0700 if it does
// not exist. A home that group or others may enter is used, with a
// warning logged.
func Open(dir string) (*Home, error) {
	if dir == "" {
		return nil, errors.New("home directory: empty path")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("home directory %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("create home directory %s: %w", abs, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("home directory %s: %w", abs, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("home directory %s is not a directory", abs)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		slog.Warn("home directory is accessible to other users; its database names every package and peer",
			"dir", abs, "mode", fmt.Sprintf("%04o", perm), "fix", "chmod 700 "+abs)
	}
	return &Home{Dir: abs}, nil
}

// Path returns the path of name inside the home directory.
func (h *Home) Path(name string) string { return filepath.Join(h.Dir, name) }

// DB returns the node's database, opening it on first use. Later calls
// return the same handle.
func (h *Home) DB() (*sql.DB, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, errors.New("home is closed")
	}
	if h.db != nil {
		return h.db, nil
	}
	db, err := OpenDB(h.Path(DatabaseFile))
	if err != nil {
		return nil, err
	}
	h.db = db
	return db, nil
}

// Close closes the database if it was opened. It is idempotent.
func (h *Home) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	h.closed = true
	if h.db == nil {
		return nil
	}
	return h.db.Close()
}
