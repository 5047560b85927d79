package library

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/xfer"
)

// hashesPerLookup is how many chunk hashes one HeldChunks query asks for.
const hashesPerLookup = 512

// HeldChunks returns which of hashes a version other than except holds in
// a file on disk (a complete version's, or a file a selective fetch
// finished): none when the library holds no such version, else a few
// indexed queries whose cost grows with the chunks asked for, not with the
// size of the library.
func (l *Library) HeldChunks(ctx context.Context, except manifest.VersionID, hashes []manifest.ChunkHash) (map[manifest.ChunkHash]bool, error) {
	held := map[manifest.ChunkHash]bool{}
	var others bool
	err := l.db.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM pkgshare_versions v WHERE v.id != ?
		AND (v.complete = 1 OR EXISTS(SELECT 1 FROM pkgshare_files f WHERE f.version_id = v.id AND f.present = 1)))`,
		except.String()).Scan(&others)
	if err != nil {
		return nil, fmt.Errorf("local copy: %w", err)
	}
	if !others {
		return held, nil
	}
	for len(hashes) > 0 {
		batch := hashes[:min(len(hashes), hashesPerLookup)]
		hashes = hashes[len(batch):]
		args := make([]any, 0, len(batch)+1)
		args = append(args, except.String())
		for _, h := range batch {
			args = append(args, h[:])
		}
		q := `SELECT DISTINCT c.hash FROM pkgshare_chunks c JOIN pkgshare_versions v ON v.id = c.version_id
			JOIN pkgshare_files f ON f.version_id = c.version_id AND f.idx = c.file_idx
			WHERE (v.complete = 1 OR f.present = 1) AND v.id != ? AND c.hash IN (?` + strings.Repeat(", ?", len(batch)-1) + `)`
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

// Copies reads chunks from the files of the library's complete versions
// and the files selective fetches finished,
// for a fetch that can copy them instead of fetching them. The caller
// closes it.
type Copies struct {
	stmt   *sql.Stmt
	except manifest.VersionID
}

// OpenCopies prepares reading chunks from the versions other than except
// (their files on disk; see HeldChunks).
func (l *Library) OpenCopies(ctx context.Context, except manifest.VersionID) (*Copies, error) {
	stmt, err := l.db.PrepareContext(ctx, `SELECT f.disk_path, f.size, f.mtime_ns, c.offset
		FROM pkgshare_chunks c
		JOIN pkgshare_files f ON f.version_id = c.version_id AND f.idx = c.file_idx
		JOIN pkgshare_versions v ON v.id = c.version_id
		WHERE c.hash = ? AND c.length = ? AND (v.complete = 1 OR f.present = 1) AND v.id != ? LIMIT 4`)
	if err != nil {
		return nil, fmt.Errorf("local copy: %w", err)
	}
	return &Copies{stmt: stmt, except: except}, nil
}

// Close releases the prepared query.
func (c *Copies) Close() error { return c.stmt.Close() }

// Read fills buf (of c's size) with chunk ch from the first local file
// that has not changed since it was recorded and whose bytes hash to
// ch.Hash under algo; it reports false when no such file is left.
func (c *Copies) Read(ctx context.Context, ch manifest.Chunk, algo manifest.HashAlgo, buf []byte) (bool, error) {
	rows, err := c.stmt.QueryContext(ctx, ch.Hash[:], ch.Size, c.except.String())
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
		if _, err := ReadUnchanged(s.path, s.size, time.Unix(0, s.mtime), s.off, buf); err == nil && algo.Sum(buf) == ch.Hash {
			return true, nil
		}
	}
	return false, nil
}

// Unchanged reports whether f is servable as far as a stat tells: not
// recorded unservable, and with the size and modification time recorded
// for it.
func (f StoredFile) Unchanged() bool {
	if f.Unservable {
		return false
	}
	fi, err := os.Stat(f.DiskPath)
	return err == nil && fi.Mode().IsRegular() && fi.Size() == f.Size && fi.ModTime().Equal(f.ModTime)
}

// ReadUnchanged fills buf from path at off if the file still has the size
// and modification time recorded for it (checked on the open file), and
// fails with xfer.ErrChanged otherwise. It returns the file's stamp as it
// was both before and after the read, or the zero Stamp when the two
// differ or the platform gives none: a caller that has verified this
// content under the same stamp before may trust it again (Stamp).
func ReadUnchanged(path string, size int64, mtime time.Time, off int64, buf []byte) (Stamp, error) {
	f, err := os.Open(path)
	if err != nil {
		return Stamp{}, fmt.Errorf("%s: %w", path, xfer.ErrChanged)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() != size || !fi.ModTime().Equal(mtime) {
		return Stamp{}, fmt.Errorf("%s: %w", path, xfer.ErrChanged)
	}
	if _, err := f.ReadAt(buf, off); err != nil {
		return Stamp{}, fmt.Errorf("read chunk from %s at %d: %w", path, off, err)
	}
	before := stampOf(fi)
	if !before.Valid() {
		return Stamp{}, nil
	}
	if after, err := f.Stat(); err != nil || stampOf(after) != before {
		return Stamp{}, nil
	}
	return before, nil
}
