package library

import (
	"context"
	"database/sql"
	"fmt"
	"os"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// Replaceable reports, for each of paths (absolute) that something is at,
// whether a fetch of version id may replace it: a regular file the library
// records for a complete version, or as present in a selectively fetched
// one, and that is unchanged since (same size and modification time), or
// a file an earlier, interrupted fetch of id put there. Anything else there is the user's. Paths with nothing at
// them are not in the result.
func (l *Library) Replaceable(ctx context.Context, id manifest.VersionID, paths []string) (map[string]bool, error) {
	out := map[string]bool{}
	var stmt *sql.Stmt
	for _, p := range paths {
		fi, err := os.Lstat(p)
		if err != nil {
			continue // nothing there; anything else shows when the fetch writes it
		}
		if stmt == nil {
			stmt, err = l.db.PrepareContext(ctx, `SELECT v.id, v.complete, f.present, f.size, f.mtime_ns
				FROM pkgshare_files f JOIN pkgshare_versions v ON v.id = f.version_id WHERE f.disk_path = ?`)
			if err != nil {
				return nil, fmt.Errorf("files at the target: %w", err)
			}
			defer stmt.Close()
		}
		ok, err := recordedUnchanged(ctx, stmt, id, p, fi)
		if err != nil {
			return nil, fmt.Errorf("files at the target: %s: %w", p, err)
		}
		out[p] = ok
	}
	return out, nil
}

// recordedUnchanged reports whether fi, the file at path, is one that a
// fetch of id left there or that a version records present and unchanged.
func recordedUnchanged(ctx context.Context, stmt *sql.Stmt, id manifest.VersionID, path string, fi os.FileInfo) (bool, error) {
	if !fi.Mode().IsRegular() {
		return false, nil
	}
	rows, err := stmt.QueryContext(ctx, path)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var vid string
		var complete, present bool
		var size, mtime int64
		if err := rows.Scan(&vid, &complete, &present, &size, &mtime); err != nil {
			return false, err
		}
		if (complete || present) && size == fi.Size() && mtime == fi.ModTime().UnixNano() {
			return true, nil
		}
		if !complete && vid == id.String() {
			return true, nil
		}
	}
	return false, rows.Err()
}
