package rendezvous

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/p2psb/p2psb/peerstore/sqlitedb"
)

// Learned rendezvous nodes: a client started WithLearned remembers the
// rendezvous nodes it hears of (ListRendezvous, Learn) in its database and
// falls back on them when none of the configured ones answers. The table is
// the client's own, apart from the server's: a node that only uses
// rendezvous nodes has no server tables.
const (
	// MaxLearned bounds the rendezvous nodes a client remembers; the one
	// heard of longest ago makes way.
	MaxLearned = 64
	// maxFallback bounds the learned nodes one request falls back on.
	maxFallback = 8
)

var learnedSchema = sqlitedb.Schema{Component: "rendezvous-client", Steps: []string{
	`CREATE TABLE rendezvous_learned(
		peer BLOB NOT NULL,      -- peer.ID bytes
		addr BLOB NOT NULL,      -- one multiaddr, bytes
		seen INTEGER NOT NULL,   -- unix milliseconds: when last heard of
		PRIMARY KEY(peer, addr)
	) WITHOUT ROWID;
	CREATE INDEX rendezvous_learned_seen ON rendezvous_learned(seen);`,
}}

// learnedStore is the table of learned rendezvous nodes.
type learnedStore struct {
	db       *sql.DB
	maxAddrs int
	now      func() time.Time
}

func openLearned(ctx context.Context, db *sql.DB, maxAddrs int, now func() time.Time) (*learnedStore, error) {
	if err := sqlitedb.Migrate(ctx, db, learnedSchema); err != nil {
		return nil, err
	}
	return &learnedStore{db: db, maxAddrs: maxAddrs, now: now}, nil
}

// add remembers each node with its addresses (replacing those held),
// keeping the MaxLearned heard of most recently.
func (l *learnedStore) add(ctx context.Context, nodes []peer.AddrInfo) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("remember rendezvous nodes: %w", err)
	}
	defer tx.Rollback()
	seen := l.now().UnixMilli()
	for _, ai := range nodes {
		if ai.ID == "" || len(ai.Addrs) == 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM rendezvous_learned WHERE peer = ?`, []byte(ai.ID)); err != nil {
			return fmt.Errorf("remember rendezvous node %s: %w", ai.ID, err)
		}
		for _, a := range ai.Addrs[:min(len(ai.Addrs), l.maxAddrs)] {
			_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO rendezvous_learned(peer, addr, seen) VALUES(?, ?, ?)`,
				[]byte(ai.ID), a.Bytes(), seen)
			if err != nil {
				return fmt.Errorf("remember rendezvous node %s: %w", ai.ID, err)
			}
		}
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM rendezvous_learned WHERE peer NOT IN (
		SELECT peer FROM rendezvous_learned GROUP BY peer ORDER BY max(seen) DESC LIMIT ?)`, MaxLearned)
	if err != nil {
		return fmt.Errorf("forget rendezvous nodes: %w", err)
	}
	return tx.Commit()
}

// list returns up to limit learned nodes, those heard of most recently
// first, leaving out the ones skip holds.
func (l *learnedStore) list(ctx context.Context, limit int, skip map[peer.ID]bool) ([]peer.AddrInfo, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT peer, addr FROM rendezvous_learned
		ORDER BY (SELECT max(seen) FROM rendezvous_learned AS o WHERE o.peer = rendezvous_learned.peer) DESC, peer`)
	if err != nil {
		return nil, fmt.Errorf("list learned rendezvous nodes: %w", err)
	}
	defer rows.Close()
	var out []peer.AddrInfo
	for rows.Next() {
		var id, addr []byte
		if err := rows.Scan(&id, &addr); err != nil {
			return nil, fmt.Errorf("list learned rendezvous nodes: %w", err)
		}
		p, err := peer.IDFromBytes(id)
		a, aerr := ma.NewMultiaddrBytes(addr)
		if err != nil || aerr != nil || skip[p] {
			continue // not written by this code, or not wanted
		}
		if n := len(out); n > 0 && out[n-1].ID == p {
			out[n-1].Addrs = append(out[n-1].Addrs, a)
			continue
		}
		if len(out) == limit {
			break
		}
		out = append(out, peer.AddrInfo{ID: p, Addrs: []ma.Multiaddr{a}})
	}
	return out, rows.Err()
}

// downFor is how long, after no configured rendezvous answered, a client
// asks learned ones alongside the configured ones.
const downFor = time.Minute

func (c *Client) configuredDown() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.downAt.IsZero() && c.cfg.clock.Since(c.downAt) < downFor
}

func (c *Client) markConfiguredDown() {
	c.mu.Lock()
	c.downAt = c.cfg.clock.Now()
	c.mu.Unlock()
}

// fallbacks returns the learned rendezvous nodes to ask besides the
// configured ones, with their addresses added to the peerstore for
// dialling. Failing to read them is logged: the request goes on without.
func (c *Client) fallbacks(ctx context.Context) []peer.AddrInfo {
	skip := map[peer.ID]bool{c.h.ID(): true}
	for _, ai := range c.servers {
		skip[ai.ID] = true
	}
	fb, err := c.learned.list(ctx, maxFallback, skip)
	if err != nil {
		c.cfg.log.Info("rendezvous: learned rendezvous nodes", "err", err)
		return nil
	}
	for _, ai := range fb {
		c.h.Peerstore().AddAddrs(ai.ID, ai.Addrs, peerstore.TempAddrTTL)
	}
	return fb
}

// Learn remembers rendezvous nodes (from a ticket, say) so that the client
// asks them when none of the configured ones answers. It does nothing
// without WithLearned.
func (c *Client) Learn(ctx context.Context, nodes []peer.AddrInfo) error {
	if c.learned == nil {
		return nil
	}
	keep := make([]peer.AddrInfo, 0, len(nodes))
	for _, ai := range nodes {
		if ai.ID != c.h.ID() {
			keep = append(keep, ai)
		}
	}
	return c.learned.add(ctx, keep)
}

// Learned returns the rendezvous nodes the client remembers, those heard
// of most recently first (none without WithLearned).
func (c *Client) Learned(ctx context.Context) ([]peer.AddrInfo, error) {
	if c.learned == nil {
		return nil, nil
	}
	return c.learned.list(ctx, MaxLearned, map[peer.ID]bool{c.h.ID(): true})
}
