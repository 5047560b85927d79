package pkgshare

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/xfer"
)

// planLocal returns the distinct chunks k lacks that a complete version in
// the library holds (an older version of the package, another package),
// and holds back k's finished files until release, so an upgrade in place
// reads the old files before any is replaced.
func (l *Library) planLocal(ctx context.Context, k *fileSink) ([]int, error) {
	k.mu.Lock()
	k.hold = true
	var missing []int
	for i := range k.chunks {
		if !k.have.Has(i) {
			missing = append(missing, i)
		}
	}
	k.mu.Unlock()
	held, err := l.heldHashes(ctx, k, missing)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(missing, func(i int) bool { return !held[k.chunks[i].Hash] }), nil
}

// copyLocal writes into k the chunks plan (from planLocal) from files
// that have not changed since they were recorded, verifying each, and
// returns the bytes copied. A chunk whose every source changed is left
// for the network.
func (l *Library) copyLocal(ctx context.Context, k *fileSink, plan []int) (int64, error) {
	if len(plan) == 0 {
		return 0, nil
	}
	stmt, err := l.db.PrepareContext(ctx, `SELECT f.disk_path, f.size, f.mtime_ns, c.offset
		FROM pkgshare_chunks c
		JOIN pkgshare_files f ON f.version_id = c.version_id AND f.idx = c.file_idx
		JOIN pkgshare_versions v ON v.id = c.version_id
		WHERE c.hash = ? AND c.length = ? AND v.complete = 1 AND v.id != ? LIMIT 4`)
	if err != nil {
		return 0, fmt.Errorf("local copy: %w", err)
	}
	defer stmt.Close()
	var copied int64
	var buf []byte
	for _, i := range plan {
		if err := ctx.Err(); err != nil {
			return copied, err
		}
		c := k.chunks[i]
		if cap(buf) < int(c.Size) {
			buf = make([]byte, c.Size)
		}
		ok, err := copyChunk(ctx, stmt, k, c, buf[:c.Size])
		if err != nil {
			return copied, err
		}
		if ok {
			copied += int64(c.Size)
		}
	}
	return copied, nil
}

// hashesPerLookup is how many chunk hashes one heldHashes query asks for.
const hashesPerLookup = 512

// heldHashes returns which of the chunks idx of k a complete version other
// than k's holds: none when the library holds no other complete version,
// else a few indexed queries whose cost grows with the chunks asked for,
// not with the size of the library.
func (l *Library) heldHashes(ctx context.Context, k *fileSink, idx []int) (map[manifest.ChunkHash]bool, error) {
	held := map[manifest.ChunkHash]bool{}
	var others bool
	err := l.db.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM pkgshare_versions WHERE complete = 1 AND id != ?)`,
		k.sealed.ID.String()).Scan(&others)
	if err != nil {
		return nil, fmt.Errorf("local copy: %w", err)
	}
	if !others {
		return held, nil
	}
	for len(idx) > 0 {
		batch := idx[:min(len(idx), hashesPerLookup)]
		idx = idx[len(batch):]
		args := make([]any, 0, len(batch)+1)
		args = append(args, k.sealed.ID.String())
		for _, i := range batch {
			args = append(args, k.chunks[i].Hash[:])
		}
		q := `SELECT DISTINCT c.hash FROM pkgshare_chunks c JOIN pkgshare_versions v ON v.id = c.version_id
			WHERE v.complete = 1 AND v.id != ? AND c.hash IN (?` + strings.Repeat(", ?", len(batch)-1) + `)`
		if err := scanHashes(ctx, l.db, q, args, held); err != nil {
			return nil, fmt.Errorf("local copy: %w", err)
		}
	}
	return held, nil
}

// scanHashes adds the hashes query q returns to set.
func scanHashes(ctx context.Context, q querier, query string, args []any, set map[manifest.ChunkHash]bool) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return err
		}
		if len(b) == len(manifest.ChunkHash{}) {
			set[manifest.ChunkHash(b)] = true
		}
	}
	return rows.Err()
}

// copyChunk copies one chunk from the first intact local copy.
func copyChunk(ctx context.Context, stmt *sql.Stmt, k *fileSink, c manifest.Chunk, buf []byte) (bool, error) {
	rows, err := stmt.QueryContext(ctx, c.Hash[:], c.Size, k.sealed.ID.String())
	if err != nil {
		return false, fmt.Errorf("local copy: %w", err)
	}
	type source struct {
		path  string
		size  int64
		mtime int64
		off   int64
	}
	var sources []source
	for rows.Next() {
		var s source
		if err := rows.Scan(&s.path, &s.size, &s.mtime, &s.off); err != nil {
			rows.Close()
			return false, fmt.Errorf("local copy: %w", err)
		}
		sources = append(sources, s)
	}
	rows.Close()
	for _, s := range sources {
		if readUnchanged(s.path, s.size, time.Unix(0, s.mtime), s.off, buf) != nil || k.sealed.HashAlgo.Sum(buf) != c.Hash {
			continue
		}
		return true, k.WriteChunk(ctx, c.Hash, buf)
	}
	return false, nil
}

// plannedSink is a fileSink that reports the chunks a local copy is about
// to write as present, so a fetch running beside the copy does not
// request them.
type plannedSink struct {
	*fileSink
	plan []int
}

// Have implements xfer.Sink.
func (s *plannedSink) Have(context.Context) (*xfer.Bitfield, error) { return s.have(), nil }

func (s *plannedSink) have() *xfer.Bitfield {
	bf := s.haveSet()
	for _, i := range s.plan {
		bf.Set(i)
	}
	return bf
}

// covered reports whether the sink's chunks and the planned ones are all.
func (s *plannedSink) covered() bool { return s.have().Full() }
