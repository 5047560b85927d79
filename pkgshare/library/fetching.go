package library

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// ErrHaveVersion is returned when the library already holds the complete
// version a fetch asked for.
var ErrHaveVersion = errors.New("already in the library")

// StartFetch records an incomplete version whose files go to target, or
// returns the progress (a bitfield of distinct chunks, see pkgshare/sink)
// of an earlier fetch of it into the same target: nil when none is
// recorded (a new fetch, or one stopped before its first chunk, whose
// have is NULL or, from an older p2psb, an empty blob). The bitfield is
// returned as stored; the caller checks it against the version. It
// records the version and its files only, so its cost does not grow with
// the number of chunks; the chunk rows, which only local copies from
// complete versions read, are written by CompleteFetch.
func (l *Library) StartFetch(ctx context.Context, s *manifest.Sealed, target string) ([]byte, error) {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("record fetch of %s: %w", s.ID, err)
	}
	defer tx.Rollback()
	var root string
	var complete, changed bool
	var have []byte
	err = tx.QueryRowContext(ctx, `SELECT root, complete, have, `+changedColumn+` FROM pkgshare_versions WHERE id = ?`,
		s.ID.String()).Scan(&root, &complete, &have, &changed)
	if err == nil && complete && changed {
		// Its files were replaced (by a newer version, say): the library
		// no longer holds it, and fetches it anew.
		if _, err := tx.ExecContext(ctx, `DELETE FROM pkgshare_versions WHERE id = ?`, s.ID.String()); err != nil {
			return nil, fmt.Errorf("record fetch of %s: %w", s.ID, err)
		}
		err = sql.ErrNoRows
	}
	switch {
	case err == nil && complete:
		return nil, fmt.Errorf("%s version %d (%s) is %w, in %s", s.Name, s.Version, s.ID, ErrHaveVersion, root)
	case err == nil && root != target:
		return nil, &InputError{Path: target, Reason: fmt.Sprintf(
			"an interrupted fetch of this version is in %s: resume it there (-o %s) or forget it (p2psb packages rm %s@%d)",
			root, root, s.PackageID, s.Version)}
	case err == nil && len(have) == 0:
		return nil, nil
	case err == nil:
		return have, nil
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("record fetch of %s: %w", s.ID, err)
	}
	disk := make(map[string]localFile, len(s.Files))
	for _, f := range s.Files {
		disk[f.Path] = localFile{Abs: filepath.Join(target, filepath.FromSlash(f.Path))}
	}
	if err := insertVersionFiles(ctx, tx, s, target, disk, false); err != nil {
		return nil, err
	}
	return nil, tx.Commit()
}

// SaveProgress records which distinct chunks of the incomplete version id
// are written.
func (l *Library) SaveProgress(ctx context.Context, id manifest.VersionID, have []byte) error {
	_, err := l.db.ExecContext(ctx, `UPDATE pkgshare_versions SET have = ? WHERE id = ? AND complete = 0`,
		have, id.String())
	if err != nil {
		return fmt.Errorf("record progress of %s: %w", id, err)
	}
	return nil
}

// CompleteFetch marks a fetched version complete, with its files'
// modification times (one per file of s, in order, so seeding can tell
// later changes) and its chunk rows (so later fetches copy from it).
func (l *Library) CompleteFetch(ctx context.Context, s *manifest.Sealed, mtimes []time.Time) error {
	if len(mtimes) != len(s.Files) {
		return fmt.Errorf("complete %s: %d modification times for %d files", s.ID, len(mtimes), len(s.Files))
	}
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("complete %s: %w", s.ID, err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `UPDATE pkgshare_files SET mtime_ns = ?, present = 1 WHERE version_id = ? AND idx = ?`)
	if err != nil {
		return fmt.Errorf("complete %s: %w", s.ID, err)
	}
	defer stmt.Close()
	for i, mt := range mtimes {
		if _, err := stmt.ExecContext(ctx, mt.UnixNano(), s.ID.String(), i); err != nil {
			return fmt.Errorf("complete %s: %w", s.ID, err)
		}
	}
	// A fetch started by an older p2psb recorded its chunk rows at its
	// start; they are replaced.
	if _, err := tx.ExecContext(ctx, `DELETE FROM pkgshare_chunks WHERE version_id = ?`, s.ID.String()); err != nil {
		return fmt.Errorf("complete %s: %w", s.ID, err)
	}
	if err := insertChunks(ctx, tx, s); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE pkgshare_versions SET complete = 1, have = NULL WHERE id = ?`,
		s.ID.String()); err != nil {
		return fmt.Errorf("complete %s: %w", s.ID, err)
	}
	var root string
	if err := tx.QueryRowContext(ctx, `SELECT root FROM pkgshare_versions WHERE id = ?`, s.ID.String()).Scan(&root); err != nil {
		return fmt.Errorf("complete %s: %w", s.ID, err)
	}
	disk := make(map[string]localFile, len(s.Files))
	for i, f := range s.Files {
		disk[f.Path] = localFile{Abs: filepath.Join(root, filepath.FromSlash(f.Path)), ModTime: mtimes[i]}
	}
	if err := retireChanged(ctx, tx, s, root, disk); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("complete %s: %w", s.ID, err)
	}
	return nil
}

// KeepPresent records which files of the incomplete version s a
// selective fetch finished (present, keyed by file index, with each
// file's modification time), so the node serves them and a later fetch
// of the version into the same place moves only the rest; the other
// files are recorded absent. The version stays incomplete; the chunks of
// its present files are copied locally by later fetches, as a complete
// version's are.
func (l *Library) KeepPresent(ctx context.Context, s *manifest.Sealed, present map[int]time.Time) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record files of %s: %w", s.ID, err)
	}
	defer tx.Rollback()
	var root string
	err = tx.QueryRowContext(ctx, `SELECT root FROM pkgshare_versions WHERE id = ? AND complete = 0`, s.ID.String()).Scan(&root)
	if err != nil {
		return fmt.Errorf("record files of %s: %w", s.ID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE pkgshare_files SET present = 0 WHERE version_id = ?`, s.ID.String()); err != nil {
		return fmt.Errorf("record files of %s: %w", s.ID, err)
	}
	disk := make(map[string]localFile, len(present))
	for i, mt := range present {
		if _, err := tx.ExecContext(ctx, `UPDATE pkgshare_files SET present = 1, mtime_ns = ? WHERE version_id = ? AND idx = ?`,
			mt.UnixNano(), s.ID.String(), i); err != nil {
			return fmt.Errorf("record files of %s: %w", s.ID, err)
		}
		p := s.Files[i].Path
		disk[p] = localFile{Abs: filepath.Join(root, filepath.FromSlash(p)), ModTime: mt}
	}
	if err := retireChanged(ctx, tx, s, root, disk); err != nil {
		return err
	}
	// Local copies read the present files' chunks (copies.go), so that
	// the next version fetched moves only what changed in them.
	if _, err := tx.ExecContext(ctx, `DELETE FROM pkgshare_chunks WHERE version_id = ?`, s.ID.String()); err != nil {
		return fmt.Errorf("record files of %s: %w", s.ID, err)
	}
	if err := insertChunks(ctx, tx, s); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record files of %s: %w", s.ID, err)
	}
	return nil
}
