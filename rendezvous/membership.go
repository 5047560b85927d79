package rendezvous

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// Backbone membership. Each backbone member keeps the list of the others it
// has heard of, each by its newest signed peer record, in the database; the
// list travels with every catch-up, so members learn the whole backbone from
// whichever member they were started with, and a restarted member finds the
// others without being told. The list is bounded in count and in bytes on
// the wire, and a member not heard of for memberExpiry is dropped.
const (
	// DefaultMaxBackboneMembers is how many other backbone members a server
	// remembers unless WithMaxBackboneMembers says otherwise.
	DefaultMaxBackboneMembers = 128
	memberExpiry              = 7 * 24 * time.Hour
	maxMemberRecord           = 4 << 10   // bytes of one member's record; larger ones are dropped
	maxMembersBytes           = 512 << 10 // bytes of one Members frame
)

// member is another backbone member as this server knows it.
type member struct {
	rec  signedRecord
	seen time.Time // when it signed rec, at most when rec was stored
}

// memberList is the backbone membership, kept in memory and written through
// to rendezvous_backbone_members.
type memberList struct {
	db   *sql.DB
	self peer.ID
	max  int
	now  func() time.Time

	mu     sync.Mutex
	byPeer map[peer.ID]member
}

// loadMembers reads the members stored in db, dropping the expired ones and
// those whose record no longer verifies under v.
func loadMembers(ctx context.Context, db *sql.DB, v *verifier, self peer.ID, maxMembers int, now func() time.Time) (*memberList, error) {
	l := &memberList{db: db, self: self, max: maxMembers, now: now, byPeer: map[peer.ID]member{}}
	cutoff := unixMilli(now().Add(-memberExpiry))
	if _, err := db.ExecContext(ctx, `DELETE FROM rendezvous_backbone_members WHERE seen < ?`, cutoff); err != nil {
		return nil, fmt.Errorf("load backbone members: %w", err)
	}
	rows, err := db.QueryContext(ctx, `SELECT record, seen FROM rendezvous_backbone_members ORDER BY seen DESC`)
	if err != nil {
		return nil, fmt.Errorf("load backbone members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var raw []byte
		var seen int64
		if err := rows.Scan(&raw, &seen); err != nil {
			return nil, fmt.Errorf("load backbone members: %w", err)
		}
		rec, err := v.verify(raw)
		if err != nil || rec.peer == self || len(l.byPeer) >= maxMembers {
			continue
		}
		l.byPeer[rec.peer] = member{rec: rec, seen: fromMilli(seen)}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load backbone members: %w", err)
	}
	return l, nil
}

// signedAt is when a record was signed, from its Seq (unix nanoseconds, as
// peer.TimestampSeq makes it), at most now.
func signedAt(seq uint64, now time.Time) time.Time {
	t := time.Unix(0, int64(min(seq, math.MaxInt64)))
	if t.After(now) {
		return now
	}
	return t
}

// learn stores rec as a member's record unless it is this server's own, too
// old, or not newer than the one held. When the list is full the member
// heard of longest ago makes way for a fresher one. It reports whether the
// member was not known before.
func (l *memberList) learn(ctx context.Context, rec signedRecord) (bool, error) {
	now := l.now()
	seen := signedAt(rec.seq, now)
	if rec.peer == l.self || now.Sub(seen) > memberExpiry {
		return false, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	old, known := l.byPeer[rec.peer]
	if known && rec.seq <= old.rec.seq {
		return false, nil
	}
	if !known && len(l.byPeer) >= l.max {
		stalest := l.stalest()
		if !stalest.seen.Before(seen) {
			return false, nil
		}
		if err := l.remove(ctx, stalest.rec.peer); err != nil {
			return false, err
		}
	}
	_, err := l.db.ExecContext(ctx, `INSERT INTO rendezvous_backbone_members(peer, record, record_seq, seen)
		VALUES(?, ?, ?, ?) ON CONFLICT(peer) DO UPDATE SET
		record = excluded.record, record_seq = excluded.record_seq, seen = excluded.seen`,
		[]byte(rec.peer), rec.raw, sqlSeq(rec.seq), unixMilli(seen))
	if err != nil {
		return false, fmt.Errorf("store backbone member %s: %w", rec.peer, err)
	}
	l.byPeer[rec.peer] = member{rec: rec, seen: seen}
	return !known, nil
}

// stalest returns the member heard of longest ago; l.mu is held and the
// list is not empty.
func (l *memberList) stalest() member {
	var out member
	for _, m := range l.byPeer {
		if out.rec.peer == "" || m.seen.Before(out.seen) {
			out = m
		}
	}
	return out
}

// remove forgets a member; l.mu is held.
func (l *memberList) remove(ctx context.Context, id peer.ID) error {
	if _, err := l.db.ExecContext(ctx, `DELETE FROM rendezvous_backbone_members WHERE peer = ?`, []byte(id)); err != nil {
		return fmt.Errorf("forget backbone member %s: %w", id, err)
	}
	delete(l.byPeer, id)
	return nil
}

// live reports whether id is a member heard of within memberExpiry, and
// forgets it if it expired.
func (l *memberList) live(ctx context.Context, id peer.ID) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	m, ok := l.byPeer[id]
	if !ok {
		return false, nil
	}
	if l.now().Sub(m.seen) <= memberExpiry {
		return true, nil
	}
	return false, l.remove(ctx, id)
}

// get returns the member id, if known.
func (l *memberList) get(id peer.ID) (member, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	m, ok := l.byPeer[id]
	return m, ok
}

// peers returns the members' IDs.
func (l *memberList) peers() []peer.ID {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]peer.ID, 0, len(l.byPeer))
	for id := range l.byPeer {
		out = append(out, id)
	}
	return out
}

// records returns the members' records, the most recently heard of first,
// stopping before their total passes maxBytes.
func (l *memberList) records(maxBytes int) [][]byte {
	l.mu.Lock()
	ms := make([]member, 0, len(l.byPeer))
	for _, m := range l.byPeer {
		ms = append(ms, m)
	}
	l.mu.Unlock()
	slices.SortFunc(ms, func(a, b member) int { return b.seen.Compare(a.seen) })
	out := make([][]byte, 0, len(ms))
	for _, m := range ms {
		if maxBytes -= len(m.rec.raw) + 8; maxBytes < 0 {
			break
		}
		out = append(out, m.rec.raw)
	}
	return out
}
