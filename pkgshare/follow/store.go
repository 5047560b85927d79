package follow

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/p2psb/p2psb/peerstore/sqlitedb"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// Schema is the follow tables. Step i moves them from version i to i+1;
// released steps are never edited.
var Schema = sqlitedb.Schema{
	Component: "follow",
	Steps: []string{
		// 1: the followed packages: what the user asked for (config, a
		// JSON Config) and where the tracker stands (state, a JSON
		// State), so either grows without a migration.
		`CREATE TABLE follow_packages(
			package_id TEXT PRIMARY KEY,  -- manifest.PackageID string
			config     TEXT NOT NULL,     -- JSON Config
			state      TEXT NOT NULL,     -- JSON State
			added_at   INTEGER NOT NULL   -- unix seconds
		);`,
	},
}

// Config is what a follow asks for.
type Config struct {
	Package manifest.PackageID `json:"package"`
	// Target is the directory the versions go to; empty until the first
	// fetch names it <Dir>/<package name>.
	Target string `json:"target,omitempty"`
	Dir    string `json:"dir,omitempty"` // where the default target goes
	// Include and Exclude select the files to take (path globs relative
	// to the package root); none: every file.
	Include []string `json:"include,omitempty"`
	Exclude []string `json:"exclude,omitempty"`
	// Keep: after each new version, keep only the newest Keep versions of
	// the package (0: keep all).
	Keep int `json:"keep,omitempty"`
	// Peers and Rendezvous are hints (a ticket's): providers to ask and
	// rendezvous nodes to learn, as multiaddrs ending in /p2p/<id>.
	Peers      []string `json:"peers,omitempty"`
	Rendezvous []string `json:"rendezvous,omitempty"`
}

// State is where a follow's tracker stands.
type State struct {
	Name      string    `json:"name,omitempty"`
	Held      uint64    `json:"held"`                 // newest version complete in the target
	Seen      uint64    `json:"seen"`                 // newest version announced or found
	LastCheck time.Time `json:"last_check,omitzero"`  // when providers were last asked
	Status    string    `json:"status"`               // idle, checking, fetching vN, failed
	LastEvent string    `json:"last_event,omitempty"` // what happened last, in words
	EventAt   time.Time `json:"event_at,omitzero"`
	LastError string    `json:"last_error,omitempty"` // empty once a fetch succeeds again
	Failures  int       `json:"failures"`             // failed attempts in a row
	// Last fetch: the version's size, what moved from peers and what was
	// copied locally, and when its first fetched chunk was verified.
	Bytes        int64      `json:"bytes"`
	FetchedBytes int64      `json:"fetched_bytes"`
	LocalBytes   int64      `json:"local_bytes"`
	FirstChunkAt *time.Time `json:"first_chunk_at,omitempty"`
	// TotalFetched sums FetchedBytes over every fetch of the follow.
	TotalFetched int64 `json:"total_fetched_bytes"`
	Fetches      int   `json:"fetches"`
}

// Follow is one followed package.
type Follow struct {
	Config
	State
	AddedAt time.Time `json:"added_at"`
}

// Store keeps the follows in the node's database.
type Store struct{ db *sql.DB }

// NewStore returns the follows stored in db, creating or upgrading the
// table.
func NewStore(db *sql.DB) (*Store, error) {
	if err := sqlitedb.Migrate(context.Background(), db, Schema); err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}

// NotFollowedError: the package is not followed.
type NotFollowedError struct{ ID manifest.PackageID }

func (e *NotFollowedError) Error() string {
	return e.ID.String() + " is not followed (see p2psb follow ls)"
}
func (e *NotFollowedError) InvalidInput() bool { return true }

// Put records a follow, replacing the config of one that exists and
// keeping its state; it returns the follow as stored.
func (s *Store) Put(ctx context.Context, c Config) (Follow, error) {
	cj, err := json.Marshal(c)
	if err != nil {
		return Follow{}, err
	}
	sj, _ := json.Marshal(State{Status: "idle"})
	_, err = s.db.ExecContext(ctx, `INSERT INTO follow_packages(package_id, config, state, added_at) VALUES(?, ?, ?, ?)
		ON CONFLICT(package_id) DO UPDATE SET config = excluded.config`, c.Package.String(), cj, sj, time.Now().Unix())
	if err != nil {
		return Follow{}, fmt.Errorf("follow %s: %w", c.Package, err)
	}
	return s.Get(ctx, c.Package)
}

// Get returns the follow of package id, or a *NotFollowedError.
func (s *Store) Get(ctx context.Context, id manifest.PackageID) (Follow, error) {
	row := s.db.QueryRowContext(ctx, `SELECT config, state, added_at FROM follow_packages WHERE package_id = ?`, id.String())
	f, err := scanFollow(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Follow{}, &NotFollowedError{ID: id}
	}
	return f, err
}

// List returns every follow, oldest first.
func (s *Store) List(ctx context.Context) ([]Follow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT config, state, added_at FROM follow_packages ORDER BY added_at, package_id`)
	if err != nil {
		return nil, fmt.Errorf("list follows: %w", err)
	}
	defer rows.Close()
	out := []Follow{}
	for rows.Next() {
		f, err := scanFollow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Remove forgets the follow of package id and returns it.
func (s *Store) Remove(ctx context.Context, id manifest.PackageID) (Follow, error) {
	f, err := s.Get(ctx, id)
	if err != nil {
		return Follow{}, err
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM follow_packages WHERE package_id = ?`, id.String()); err != nil {
		return Follow{}, fmt.Errorf("unfollow %s: %w", id, err)
	}
	return f, nil
}

// SaveState records the state of the follow of package id, and its target
// once known; a follow removed meanwhile stays removed.
func (s *Store) SaveState(ctx context.Context, id manifest.PackageID, target string, st State) error {
	sj, err := json.Marshal(st)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `UPDATE follow_packages SET state = ?,
		config = CASE WHEN ? = '' THEN config ELSE json_set(config, '$.target', ?) END
		WHERE package_id = ?`, sj, target, target, id.String())
	if err != nil {
		return fmt.Errorf("save follow state of %s: %w", id, err)
	}
	return nil
}

type scanner interface{ Scan(...any) error }

func scanFollow(r scanner) (Follow, error) {
	var cj, sj string
	var added int64
	if err := r.Scan(&cj, &sj, &added); err != nil {
		return Follow{}, err
	}
	f := Follow{AddedAt: time.Unix(added, 0)}
	if err := json.Unmarshal([]byte(cj), &f.Config); err != nil {
		return Follow{}, fmt.Errorf("follow record: %w", err)
	}
	if err := json.Unmarshal([]byte(sj), &f.State); err != nil {
		return Follow{}, fmt.Errorf("follow record: %w", err)
	}
	return f, nil
}
