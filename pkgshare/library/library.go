package library

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/bits"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/peerstore/sqlitedb"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// Library is the set of package versions this node holds, published here or
// fetched, with where each file and chunk is on disk. It lives in the node's
// SQLite database; several processes may use it at once.
type Library struct {
	db *sql.DB
}

// New returns the library stored in db, creating or upgrading its
// tables.
func New(db *sql.DB) (*Library, error) {
	if err := sqlitedb.Migrate(context.Background(), db, Schema); err != nil {
		return nil, err
	}
	return &Library{db: db}, nil
}

// NotFoundError reports a package or version the library does not hold.
type NotFoundError struct{ What string }

func (e *NotFoundError) Error() string      { return e.What + " is not in the library (see p2psb packages)" }
func (e *NotFoundError) InvalidInput() bool { return true }

// VersionInfo summarises one version of a package.
type VersionInfo struct {
	ID       manifest.VersionID `json:"version_id"`
	Version  uint64             `json:"version"`
	Created  time.Time          `json:"created"`
	Bytes    int64              `json:"bytes"`
	Files    int                `json:"files"`
	Chunks   int                `json:"chunks"`
	Root     string             `json:"root"`
	Complete bool               `json:"complete"` // false while (or after an interrupted) fetch
	// HaveChunks counts the distinct chunks an incomplete version has
	// written so far (what a resumed fetch will not move again).
	HaveChunks int `json:"have_chunks,omitempty"`
	// PresentFiles counts the files on disk and verified: all of a
	// complete version's; of an incomplete one, those a selective fetch
	// took (library.KeepPresent), which the node serves.
	PresentFiles int `json:"present_files"`
	// Changed: a file of the version no longer matches it (it was
	// replaced in place by a newer version's, or found corrupt), so the
	// node no longer offers the version.
	Changed bool `json:"changed,omitempty"`
}

// Offered reports whether the node offers the version to peers: it is
// complete and its files still match it.
func (v VersionInfo) Offered() bool { return v.Complete && !v.Changed }

// InPart reports whether the version is held in part: a selective fetch
// took some of its files, which the node serves.
func (v VersionInfo) InPart() bool { return !v.Complete && v.PresentFiles > 0 }

// PackageInfo summarises a package and the versions the library holds,
// oldest first.
type PackageInfo struct {
	ID        manifest.PackageID `json:"id"`
	Name      string             `json:"name"`
	Publisher peer.ID            `json:"publisher"`
	Versions  []VersionInfo      `json:"versions"`
}

// Latest returns the newest version held.
func (p *PackageInfo) Latest() VersionInfo { return p.Versions[len(p.Versions)-1] }

// Packages lists every package in the library, by name.
func (l *Library) Packages(ctx context.Context) ([]PackageInfo, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT id FROM pkgshare_packages ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("list packages: %w", err)
	}
	var ids []manifest.PackageID
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list packages: %w", err)
		}
		id, err := manifest.ParsePackageID(s)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list packages: stored ID %q: %w", s, err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list packages: %w", err)
	}
	out := make([]PackageInfo, 0, len(ids))
	for _, id := range ids {
		p, err := l.Package(ctx, id)
		var nf *NotFoundError
		if errors.As(err, &nf) {
			continue // removed by another process meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	return out, nil
}

// Package returns one package and its versions.
func (l *Library) Package(ctx context.Context, id manifest.PackageID) (*PackageInfo, error) {
	p := &PackageInfo{ID: id}
	var publisher string
	err := l.db.QueryRowContext(ctx, `SELECT name, publisher FROM pkgshare_packages WHERE id = ?`,
		id.String()).Scan(&p.Name, &publisher)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &NotFoundError{What: "package " + id.String()}
	}
	if err != nil {
		return nil, fmt.Errorf("package %s: %w", id, err)
	}
	if p.Publisher, err = peer.Decode(publisher); err != nil {
		return nil, fmt.Errorf("package %s: stored publisher %q: %w", id, publisher, err)
	}
	p.Versions, err = queryVersions(ctx, l.db, `WHERE package_id = ? ORDER BY version`, id.String())
	if err != nil {
		return nil, err
	}
	if len(p.Versions) == 0 {
		return nil, &NotFoundError{What: "package " + id.String()}
	}
	return p, nil
}

const versionColumns = `id, version, created_at, size, files, chunks, root, complete, have, ` + changedColumn +
	`, (SELECT COUNT(*) FROM pkgshare_files pf WHERE pf.version_id = pkgshare_versions.id AND pf.present = 1)` +
	` FROM pkgshare_versions `

// changedColumn is whether a version has a file that no longer matches it
// (VersionInfo.Changed), as a column of a query on pkgshare_versions.
const changedColumn = `EXISTS(SELECT 1 FROM pkgshare_files cf
	WHERE cf.version_id = pkgshare_versions.id AND cf.unservable = 1)`

// querier is what *sql.DB and *sql.Tx have in common for reading.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queryVersions returns the versions selected by the clause where.
func queryVersions(ctx context.Context, q querier, where string, args ...any) ([]VersionInfo, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+versionColumns+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list versions: %w", err)
	}
	defer rows.Close()
	var out []VersionInfo
	for rows.Next() {
		var v VersionInfo
		var id string
		var created int64
		var have []byte
		if err := rows.Scan(&id, &v.Version, &created, &v.Bytes, &v.Files, &v.Chunks, &v.Root, &v.Complete, &have, &v.Changed,
			&v.PresentFiles); err != nil {
			return nil, fmt.Errorf("list versions: %w", err)
		}
		for _, b := range have {
			v.HaveChunks += bits.OnesCount8(b)
		}
		if v.ID, err = manifest.ParseVersionID(id); err != nil {
			return nil, fmt.Errorf("list versions: stored ID %q: %w", id, err)
		}
		v.Created = time.Unix(created, 0).UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

// Version is one version as the library holds it: the verified manifest and
// where its files are on disk.
type Version struct {
	VersionInfo
	Sealed *manifest.Sealed
	Files  []StoredFile // in manifest order
}

// StoredFile is where one file of a version is on disk, and its state when
// it was hashed.
type StoredFile struct {
	Path     string
	DiskPath string
	Size     int64
	ModTime  time.Time
	// Unservable: the file was found not to match the manifest (Recheck);
	// it is not served until Verify or Publish finds it matching again.
	Unservable bool
	// Present: the file is at DiskPath, verified (all files of a
	// complete version are).
	Present bool
}

// Version returns the version ref names; Version 0 means the newest held.
func (l *Library) Version(ctx context.Context, ref manifest.Ref) (*Version, error) {
	var vs []VersionInfo
	var err error
	if ref.Version == 0 {
		vs, err = queryVersions(ctx, l.db, `WHERE package_id = ? ORDER BY version DESC LIMIT 1`, ref.ID.String())
	} else {
		vs, err = queryVersions(ctx, l.db, `WHERE package_id = ? AND version = ?`, ref.ID.String(), ref.Version)
	}
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, &NotFoundError{What: ref.String()}
	}
	return l.load(ctx, vs[0])
}

// VersionByID returns the version with the given version ID.
func (l *Library) VersionByID(ctx context.Context, id manifest.VersionID) (*Version, error) {
	vs, err := queryVersions(ctx, l.db, `WHERE id = ?`, id.String())
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, &NotFoundError{What: "version " + id.String()}
	}
	return l.load(ctx, vs[0])
}

func (l *Library) load(ctx context.Context, info VersionInfo) (*Version, error) {
	var raw []byte
	err := l.db.QueryRowContext(ctx, `SELECT envelope FROM pkgshare_versions WHERE id = ?`, info.ID.String()).Scan(&raw)
	if err != nil {
		return nil, fmt.Errorf("load version %s: %w", info.ID, err)
	}
	sealed, err := manifest.Open(raw)
	if err != nil {
		return nil, fmt.Errorf("load version %s: stored manifest: %w", info.ID, err)
	}
	v := &Version{VersionInfo: info, Sealed: sealed}
	rows, err := l.db.QueryContext(ctx, `SELECT path, disk_path, size, mtime_ns, unservable, present FROM pkgshare_files
		WHERE version_id = ? ORDER BY idx`, info.ID.String())
	if err != nil {
		return nil, fmt.Errorf("load version %s: %w", info.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var f StoredFile
		var mtime int64
		if err := rows.Scan(&f.Path, &f.DiskPath, &f.Size, &mtime, &f.Unservable, &f.Present); err != nil {
			return nil, fmt.Errorf("load version %s: %w", info.ID, err)
		}
		f.ModTime = time.Unix(0, mtime)
		v.Files = append(v.Files, f)
	}
	return v, rows.Err()
}

// Remove forgets the version ref names, or every version of the package
// when ref.Version is 0. Files on disk are never touched. It returns the
// versions removed.
func (l *Library) Remove(ctx context.Context, ref manifest.Ref) ([]VersionInfo, error) {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("remove %s: %w", ref, err)
	}
	defer tx.Rollback()
	where, args := `WHERE package_id = ?`, []any{ref.ID.String()}
	if ref.Version != 0 {
		where, args = where+` AND version = ?`, append(args, ref.Version)
	}
	gone, err := queryVersions(ctx, tx, where+` ORDER BY version`, args...)
	if err != nil {
		return nil, err
	}
	if len(gone) == 0 {
		return nil, &NotFoundError{What: ref.String()}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM pkgshare_versions `+where, args...); err != nil {
		return nil, fmt.Errorf("remove %s: %w", ref, err)
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM pkgshare_packages WHERE id = ?
		AND NOT EXISTS (SELECT 1 FROM pkgshare_versions WHERE package_id = ?)`, ref.ID.String(), ref.ID.String())
	if err != nil {
		return nil, fmt.Errorf("remove %s: %w", ref, err)
	}
	return gone, tx.Commit()
}
