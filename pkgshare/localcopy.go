package pkgshare

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// copyLocal writes into k every chunk it lacks that a complete version in
// the library holds in a file that has not changed (an older version of
// the package, another package), verifying each, and returns the bytes
// copied. Finished files are held back until every copy is done, so an
// upgrade in place reads the old files before any is replaced.
func (l *Library) copyLocal(ctx context.Context, k *fileSink) (int64, error) {
	k.mu.Lock()
	k.hold = true
	var missing []int
	for i := range k.chunks {
		if !k.have.Has(i) {
			missing = append(missing, i)
		}
	}
	k.mu.Unlock()
	held, err := l.heldHashes(ctx, k.sealed.ID)
	if err != nil {
		return 0, err
	}
	missing = slices.DeleteFunc(missing, func(i int) bool { return !held[k.chunks[i].Hash] })
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
	for _, i := range missing {
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

// heldHashes returns the chunk hashes of every complete version other than
// except: one query, so a fetch into a library that shares nothing with
// the version asks nothing per chunk.
func (l *Library) heldHashes(ctx context.Context, except manifest.VersionID) (map[manifest.ChunkHash]bool, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT DISTINCT c.hash FROM pkgshare_chunks c
		JOIN pkgshare_versions v ON v.id = c.version_id WHERE v.complete = 1 AND v.id != ?`, except.String())
	if err != nil {
		return nil, fmt.Errorf("local copy: %w", err)
	}
	defer rows.Close()
	held := map[manifest.ChunkHash]bool{}
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, fmt.Errorf("local copy: %w", err)
		}
		if len(b) == len(manifest.ChunkHash{}) {
			held[manifest.ChunkHash(b)] = true
		}
	}
	return held, rows.Err()
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
		if readUnchanged(s.path, s.size, time.Unix(0, s.mtime), s.off, buf) != nil || sha256.Sum256(buf) != c.Hash {
			continue
		}
		return true, k.WriteChunk(ctx, c.Hash, buf)
	}
	return false, nil
}
