package library

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// retireChanged runs when version s has just been written or hashed at
// root (disk: its files as they are now, keyed by package path). Another
// complete version recorded at the same root whose file there now holds
// other content (a republish in place, an upgrade a fetch wrote over it)
// no longer has its files: that file is marked unservable, which takes
// the version out of what the node offers (VersionInfo.Changed). A file
// that holds the same content as before is only brought up to date.
func retireChanged(ctx context.Context, tx *sql.Tx, s *manifest.Sealed, root string, disk map[string]localFile) error {
	now := map[string]*manifest.File{} // absolute path -> s's file there
	for i := range s.Files {
		now[disk[s.Files[i].Path].Abs] = &s.Files[i]
	}
	rows, err := tx.QueryContext(ctx, `SELECT f.version_id, f.idx, f.disk_path, f.size, f.mtime_ns, v.envelope
		FROM pkgshare_files f JOIN pkgshare_versions v ON v.id = f.version_id
		WHERE v.root = ? AND v.id != ? AND v.complete = 1 AND f.unservable = 0`, root, s.ID.String())
	if err != nil {
		return fmt.Errorf("retire changed versions: %w", err)
	}
	type update struct {
		version string
		idx     int
		gone    bool
		mtime   int64
	}
	var updates []update
	opened := map[string]*manifest.Sealed{}
	for rows.Next() {
		var u update
		var path string
		var size int64
		var raw []byte
		if err := rows.Scan(&u.version, &u.idx, &path, &size, &u.mtime, &raw); err != nil {
			rows.Close()
			return fmt.Errorf("retire changed versions: %w", err)
		}
		if opened[u.version] == nil {
			if opened[u.version], err = manifest.Open(raw); err != nil {
				rows.Close()
				return fmt.Errorf("retire changed versions: stored manifest of %s: %w", u.version, err)
			}
		}
		old := opened[u.version].Files
		if u.idx >= len(old) {
			continue
		}
		if f := now[path]; f != nil {
			same := f.Size == old[u.idx].Size && slices.Equal(f.Chunks, old[u.idx].Chunks)
			if !same {
				u.gone = true
			} else if d := disk[f.Path]; d.ModTime.UnixNano() != u.mtime {
				u.mtime = d.ModTime.UnixNano()
			} else {
				continue
			}
		} else if fi, err := os.Stat(path); err != nil || fi.Size() != size || fi.ModTime().UnixNano() != u.mtime {
			u.gone = true
		} else {
			continue
		}
		updates = append(updates, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("retire changed versions: %w", err)
	}
	for _, u := range updates {
		_, err := tx.ExecContext(ctx, `UPDATE pkgshare_files SET unservable = ?, mtime_ns = ? WHERE version_id = ? AND idx = ?`,
			u.gone, u.mtime, u.version, u.idx)
		if err != nil {
			return fmt.Errorf("retire changed versions: %w", err)
		}
	}
	return nil
}
