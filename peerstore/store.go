package peerstore

import (
	"container/list"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"

	"github.com/libp2p/go-libp2p/core/peer"
	pstore "github.com/libp2p/go-libp2p/core/peerstore"
	hostpstore "github.com/libp2p/go-libp2p/p2p/host/peerstore"
	"github.com/libp2p/go-libp2p/p2p/host/peerstore/pstoremem"
	_ "github.com/mattn/go-sqlite3" // the database/sql driver "sqlite3"

	"github.com/p2psb/p2psb/peerstore/sqlitedb"
)

var (
	_ pstore.Peerstore         = (*Store)(nil)
	_ pstore.CertifiedAddrBook = (*Store)(nil)
)

// Store is a libp2p peerstore.Peerstore kept in SQLite. It is safe for
// concurrent use. See the package documentation.
type Store struct {
	pstore.Metrics // latencies live in memory only

	db     *sql.DB
	ownDB  bool
	opts   Options
	log    *slog.Logger
	subs   *pstoremem.AddrSubManager
	kick   chan struct{}   // asks the writer to flush now
	flushc chan chan error // Flush requests
	cancel context.CancelFunc
	done   <-chan struct{} // closed by Close
	wg     sync.WaitGroup
	close  sync.Once

	mu       sync.Mutex
	peers    map[peer.ID]*summary // every stored peer
	lru      *list.List           // cached entries, most recently used first
	dirty    map[peer.ID]*entry   // entries changed since the writer's last snapshot
	buddies  map[peer.ID]struct{}
	writeErr error // last write failure, returned by Close
}

// Open opens (creating if needed) the SQLite database at path and returns a
// Store on it. Close closes the database too.
func Open(path string, opts Options) (*Store, error) {
	db, err := sql.Open("sqlite3", sqlitedb.DSN(path))
	if err != nil {
		return nil, fmt.Errorf("open peerstore %s: %w", path, err)
	}
	s, err := New(db, opts)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open peerstore %s: %w", path, err)
	}
	s.ownDB = true
	return s, nil
}

// New returns a Store on db, which the caller opened with sqlitedb.DSN's settings
// (other components may keep their own tables in it) and closes after the
// Store. New creates or migrates the peerstore_ tables and loads them.
func New(db *sql.DB, opts Options) (*Store, error) {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Store{
		Metrics: hostpstore.NewMetrics(),
		db:      db,
		opts:    opts.withDefaults(),
		log:     slog.Default().With("component", component),
		subs:    pstoremem.NewAddrSubManager(),
		kick:    make(chan struct{}, 1),
		flushc:  make(chan chan error),
		cancel:  cancel,
		done:    ctx.Done(),
		peers:   make(map[peer.ID]*summary),
		lru:     list.New(),
		dirty:   make(map[peer.ID]*entry),
		buddies: make(map[peer.ID]struct{}),
	}
	if err := sqlitedb.Migrate(ctx, db, sqlitedb.Schema{Component: component, Steps: migrations}); err != nil {
		cancel()
		return nil, err
	}
	if err := s.load(ctx); err != nil {
		cancel()
		return nil, err
	}
	s.wg.Add(1)
	go s.run(ctx)
	return s, nil
}

// Close commits pending writes, stops the background goroutine and, for a
// Store made by Open, closes the database. It is idempotent.
func (s *Store) Close() error {
	var err error
	s.close.Do(func() {
		s.cancel()
		s.wg.Wait() // the writer flushes once more on its way out
		s.mu.Lock()
		err = s.writeErr
		s.mu.Unlock()
		if s.ownDB {
			if cerr := s.db.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("close peerstore: %w", cerr)
			}
		}
	})
	return err
}
