package library

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// PruneResult is what Prune forgot and deleted, or would have (DryRun).
type PruneResult struct {
	DryRun   bool            `json:"dry_run"`
	Keep     int             `json:"keep"`
	Packages []PrunedPackage `json:"packages"`
	// Files are the files deleted (or that would be), with Bytes their
	// size in all; they include those an interrupted prune left.
	Files []PrunedFile `json:"files"`
	Bytes int64        `json:"bytes"`
	// Left are files of forgotten versions left on disk, each with why.
	Left []PrunedFile `json:"left,omitempty"`
}

// PrunedPackage is one package a prune looked at.
type PrunedPackage struct {
	ID        manifest.PackageID `json:"id"`
	Name      string             `json:"name"`
	Kept      []uint64           `json:"kept"`                // the newest held versions, kept
	Forgotten []VersionInfo      `json:"forgotten"`           // older fetched versions, forgotten
	Published []uint64           `json:"published,omitempty"` // older versions published here, never pruned
}

// PrunedFile is a file of a forgotten version.
type PrunedFile struct {
	Path   string `json:"path"` // absolute
	Size   int64  `json:"size"`
	Reason string `json:"reason,omitempty"` // why it was left
}

// Prune forgets all but the newest keep held versions of the package
// id, or of every package with a fetched version when id is zero, and
// deletes the files of the forgotten versions that no version left in the
// library records at the same path (a file of a kept version, of another
// package, of a version published here). Only fetched versions are
// forgotten: a version published here, in place, and its files stay, and
// so does a version still being fetched with no file present yet. A
// version a selective fetch took in part counts as held, so a follow that
// takes some files keeps N versions too. A file is deleted only while it
// is as p2psb wrote it (a regular file of the recorded size and
// modification time, reached through no link); directories below the
// version's target that this leaves empty are removed. With dryRun the
// result says what would go and nothing changes.
//
// Crash safety: the versions are forgotten and their files recorded as
// to be deleted in one transaction; the files are deleted after it
// commits, each one's record dropped once it is gone. Every Prune first
// finishes what an interrupted one recorded, checking each file again
// against the versions held then, so a file a version records since (a
// new fetch into the same place) stays.
func (l *Library) Prune(ctx context.Context, id manifest.PackageID, keep int, dryRun bool) (*PruneResult, error) {
	if keep < 1 {
		return nil, &InputError{Path: "--keep", Reason: fmt.Sprintf("keeps at least 1 version, not %d", keep)}
	}
	res := &PruneResult{DryRun: dryRun, Keep: keep, Packages: []PrunedPackage{}, Files: []PrunedFile{}}
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("prune: %w", err)
	}
	defer tx.Rollback()
	if err := forgetOld(ctx, tx, id, keep, res); err != nil {
		return nil, err
	}
	if dryRun {
		return res, judgePending(ctx, tx, res)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("prune: %w", err)
	}
	return res, l.deletePending(ctx, res)
}

// MarkFetched records as fetched every version of a package that self,
// the node's ID, does not publish: it cannot have been published here. It
// finds the fetched versions among those recorded before the library
// told the two apart, which Prune would otherwise leave alone; it returns
// how many it marked.
func (l *Library) MarkFetched(ctx context.Context, self peer.ID) (int64, error) {
	res, err := l.db.ExecContext(ctx, `UPDATE pkgshare_versions SET fetched = 1 WHERE fetched = 0
		AND package_id IN (SELECT id FROM pkgshare_packages WHERE publisher != ?)`, self.String())
	if err != nil {
		return 0, fmt.Errorf("mark fetched versions: %w", err)
	}
	return res.RowsAffected()
}

// forgetOld deletes the versions to prune and records their files that no
// other version holds in pkgshare_prune_files.
func forgetOld(ctx context.Context, tx *sql.Tx, id manifest.PackageID, keep int, res *PruneResult) error {
	ids, err := prunablePackages(ctx, tx, id)
	if err != nil {
		return err
	}
	var gone []manifest.VersionID
	for _, pid := range ids {
		p, err := planPackage(ctx, tx, pid, keep)
		if err != nil {
			return err
		}
		for _, v := range p.Forgotten {
			gone = append(gone, v.ID)
		}
		res.Packages = append(res.Packages, *p)
	}
	var files []pendingFile
	at := map[string]int{} // disk path -> index in files
	for _, vid := range gone {
		fs, err := versionFiles(ctx, tx, vid)
		if err != nil {
			return err
		}
		for _, f := range fs {
			// Several forgotten versions may have had a file at one path:
			// the record of the one the file on disk still matches counts.
			if i, ok := at[f.path]; !ok {
				at[f.path] = len(files)
				files = append(files, f)
			} else if deletable(files[i]) != "" && deletable(f) == "" {
				files[i] = f
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM pkgshare_versions WHERE id = ?`, vid.String()); err != nil {
			return fmt.Errorf("prune: forget %s: %w", vid, err)
		}
	}
	for _, f := range files {
		_, err := tx.ExecContext(ctx, `INSERT INTO pkgshare_prune_files(disk_path, root, size, mtime_ns)
			SELECT ?, ?, ?, ? WHERE NOT EXISTS(SELECT 1 FROM pkgshare_files WHERE disk_path = ?)
			ON CONFLICT(disk_path) DO NOTHING`, f.path, f.root, f.size, f.mtime, f.path)
		if err != nil {
			return fmt.Errorf("prune: record %s: %w", f.path, err)
		}
	}
	return nil
}

// prunablePackages is id, checked to be in the library, or every package
// with a fetched version when id is zero.
func prunablePackages(ctx context.Context, tx *sql.Tx, id manifest.PackageID) ([]manifest.PackageID, error) {
	if !id.IsZero() {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM pkgshare_versions WHERE package_id = ?`, id.String()).Scan(&n)
		if err != nil {
			return nil, fmt.Errorf("prune %s: %w", id, err)
		}
		if n == 0 {
			return nil, &NotFoundError{What: "package " + id.String()}
		}
		return []manifest.PackageID{id}, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT v.package_id FROM pkgshare_versions v
		JOIN pkgshare_packages p ON p.id = v.package_id WHERE v.fetched = 1 ORDER BY p.name, p.id`)
	if err != nil {
		return nil, fmt.Errorf("prune: list packages: %w", err)
	}
	defer rows.Close()
	var out []manifest.PackageID
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("prune: list packages: %w", err)
		}
		pid, err := manifest.ParsePackageID(s)
		if err != nil {
			return nil, fmt.Errorf("prune: stored ID %q: %w", s, err)
		}
		out = append(out, pid)
	}
	return out, rows.Err()
}

// planPackage sorts a package's versions, newest first: the first keep
// held ones (complete, or a selective fetch's files present) are kept;
// older held fetched ones are to be forgotten; older ones published here,
// and incomplete ones with no file present, stay.
func planPackage(ctx context.Context, tx *sql.Tx, id manifest.PackageID, keep int) (*PrunedPackage, error) {
	p := &PrunedPackage{ID: id, Kept: []uint64{}, Forgotten: []VersionInfo{}}
	if err := tx.QueryRowContext(ctx, `SELECT name FROM pkgshare_packages WHERE id = ?`, id.String()).Scan(&p.Name); err != nil {
		return nil, fmt.Errorf("prune %s: %w", id, err)
	}
	vs, err := queryVersions(ctx, tx, `WHERE package_id = ? ORDER BY version DESC`, id.String())
	if err != nil {
		return nil, err
	}
	fetched := map[uint64]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT version FROM pkgshare_versions WHERE package_id = ? AND fetched = 1`, id.String())
	if err != nil {
		return nil, fmt.Errorf("prune %s: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var n uint64
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("prune %s: %w", id, err)
		}
		fetched[n] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("prune %s: %w", id, err)
	}
	for _, v := range vs {
		switch {
		case !v.Complete && v.PresentFiles == 0: // being fetched, or nothing of it arrived
		case len(p.Kept) < keep:
			p.Kept = append(p.Kept, v.Version)
		case fetched[v.Version]:
			p.Forgotten = append(p.Forgotten, v)
		default:
			p.Published = append(p.Published, v.Version)
		}
	}
	return p, nil
}
