package library

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// pendingFile is a row of pkgshare_prune_files: a file of a forgotten
// version, as the version recorded it.
type pendingFile struct {
	path, root  string
	size, mtime int64
}

// versionFiles returns the files of version id present on disk (all of a
// complete version's), with its root.
func versionFiles(ctx context.Context, q querier, id manifest.VersionID) ([]pendingFile, error) {
	rows, err := q.QueryContext(ctx, `SELECT f.disk_path, v.root, f.size, f.mtime_ns
		FROM pkgshare_files f JOIN pkgshare_versions v ON v.id = f.version_id WHERE v.id = ? AND f.present = 1`, id.String())
	if err != nil {
		return nil, fmt.Errorf("prune: files of %s: %w", id, err)
	}
	return scanPending(rows)
}

// pendingFiles returns the files recorded to be deleted.
func pendingFiles(ctx context.Context, q querier) ([]pendingFile, error) {
	rows, err := q.QueryContext(ctx, `SELECT disk_path, root, size, mtime_ns FROM pkgshare_prune_files ORDER BY disk_path`)
	if err != nil {
		return nil, fmt.Errorf("prune: files to delete: %w", err)
	}
	return scanPending(rows)
}

func scanPending(rows *sql.Rows) ([]pendingFile, error) {
	defer rows.Close()
	var out []pendingFile
	for rows.Next() {
		var f pendingFile
		if err := rows.Scan(&f.path, &f.root, &f.size, &f.mtime); err != nil {
			return nil, fmt.Errorf("prune: files: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// judgePending fills res with what deletePending would do, changing
// nothing.
func judgePending(ctx context.Context, q querier, res *PruneResult) error {
	files, err := pendingFiles(ctx, q)
	if err != nil {
		return err
	}
	for _, f := range files {
		held, err := recordedPath(ctx, q, f.path)
		if err != nil {
			return err
		}
		if held {
			continue
		}
		res.add(f, deletable(f))
	}
	return nil
}

// deletePending deletes the files recorded to be deleted, dropping each
// record once its file is gone (or is not to be deleted after all).
func (l *Library) deletePending(ctx context.Context, res *PruneResult) error {
	files, err := pendingFiles(ctx, l.db)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("prune: %w (run it again to finish)", err)
		}
		held, err := recordedPath(ctx, l.db, f.path)
		if err != nil {
			return err
		}
		if !held {
			reason := deletable(f)
			if reason == "" {
				if err := os.Remove(f.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
					reason = "cannot delete: " + Cause(err)
				}
				removeEmptyParents(f.root, f.path)
			}
			res.add(f, reason)
		}
		if _, err := l.db.ExecContext(ctx, `DELETE FROM pkgshare_prune_files WHERE disk_path = ?`, f.path); err != nil {
			return fmt.Errorf("prune: %s: %w", f.path, err)
		}
	}
	return nil
}

// add reports f as deleted (reason empty) or left.
func (r *PruneResult) add(f pendingFile, reason string) {
	pf := PrunedFile{Path: f.path, Size: f.size, Reason: reason}
	if reason != "" {
		r.Left = append(r.Left, pf)
		return
	}
	r.Files = append(r.Files, pf)
	r.Bytes += f.size
}

// recordedPath reports whether a version in the library has a file at
// path.
func recordedPath(ctx context.Context, q querier, path string) (bool, error) {
	var held bool
	err := q.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM pkgshare_files WHERE disk_path = ?)`, path).Scan(&held)
	if err != nil {
		return false, fmt.Errorf("prune: %s: %w", path, err)
	}
	return held, nil
}

// deletable says why f must stay on disk, or "" when it may go (or is
// gone already): it lies inside its root, through directories only, and
// is still the regular file of the size and time recorded.
func deletable(f pendingFile) string {
	rel, err := filepath.Rel(f.root, f.path)
	if err != nil || rel == "." || !within(f.path, f.root) {
		return "outside its version's directory"
	}
	dir := f.root
	parts := strings.Split(rel, string(filepath.Separator))
	for _, p := range parts[:len(parts)-1] {
		dir = filepath.Join(dir, p)
		fi, err := os.Lstat(dir)
		if errors.Is(err, fs.ErrNotExist) {
			return ""
		}
		if err != nil || !fi.IsDir() {
			return dir + " is not a directory"
		}
	}
	fi, err := os.Lstat(f.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return ""
	case err != nil:
		return "cannot read: " + Cause(err)
	case !fi.Mode().IsRegular():
		return "not a regular file"
	case fi.Size() != f.size || fi.ModTime().UnixNano() != f.mtime:
		return "changed since p2psb wrote it"
	}
	return ""
}

// removeEmptyParents removes the directories from path's up to root,
// root excluded, while they are empty.
func removeEmptyParents(root, path string) {
	for dir := filepath.Dir(path); dir != root && strings.HasPrefix(dir, root+string(filepath.Separator)); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			return
		}
	}
}
