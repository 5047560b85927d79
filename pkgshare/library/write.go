package library

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// addPublished records files, whose chunks were hashed with algo, as the
// next version of the package key publishes under name, unless they equal
// the newest version. It runs in one immediate transaction, so two
// publishers sharing a home get consecutive version numbers.
func (l *Library) addPublished(ctx context.Context, key crypto.PrivKey, name, root string,
	files []hashedFile, algo manifest.HashAlgo, now time.Time) (*PublishResult, error) {
	pkgID, err := manifest.NewPackageID(key.GetPublic(), name)
	if err != nil {
		return nil, err
	}
	disk := make(map[string]localFile, len(files))
	for _, f := range files {
		disk[f.Rel] = f.localFile
	}
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("publish %s: %w", name, err)
	}
	defer tx.Rollback()
	latest, err := latestSealed(ctx, tx, pkgID)
	if err != nil {
		return nil, err
	}
	mfiles := toManifestFiles(files)
	if latest != nil && latest.HashAlgo == algo && sameContent(latest.Files, mfiles) {
		if err := relocate(ctx, tx, latest, root, disk); err != nil {
			return nil, err
		}
		if err := retireChanged(ctx, tx, latest, root, disk); err != nil {
			return nil, err
		}
		return publishResult(latest, true), tx.Commit()
	}
	m := &manifest.Manifest{Publisher: key.GetPublic(), Name: name, Version: 1, Created: now.UTC(), Files: mfiles,
		HashAlgo: algo}
	if latest != nil {
		m.Version, m.Previous = latest.Version+1, latest.ID
	}
	sealed, err := manifest.Seal(m, key)
	if err != nil {
		return nil, err
	}
	if err := insertVersion(ctx, tx, sealed, root, disk); err != nil {
		return nil, err
	}
	if err := retireChanged(ctx, tx, sealed, root, disk); err != nil {
		return nil, err
	}
	return publishResult(sealed, false), tx.Commit()
}

func publishResult(s *manifest.Sealed, unchanged bool) *PublishResult {
	return &PublishResult{ID: s.PackageID, Name: s.Name, Version: s.Version, VersionID: s.ID,
		Files: len(s.Files), Bytes: s.Size(), Chunks: s.ChunkCount(), Unchanged: unchanged}
}

// latestSealed returns the newest version of a package, or nil.
func latestSealed(ctx context.Context, q querier, id manifest.PackageID) (*manifest.Sealed, error) {
	var raw []byte
	err := q.QueryRowContext(ctx, `SELECT envelope FROM pkgshare_versions WHERE package_id = ?
		ORDER BY version DESC LIMIT 1`, id.String()).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("newest version of %s: %w", id, err)
	}
	s, err := manifest.Open(raw)
	if err != nil {
		return nil, fmt.Errorf("newest version of %s: stored manifest: %w", id, err)
	}
	return s, nil
}

// insertVersion stores a sealed version whose files are on disk as described
// by disk (keyed by package path), with where each of its chunks is.
func insertVersion(ctx context.Context, tx *sql.Tx, s *manifest.Sealed, root string, disk map[string]localFile) error {
	if err := insertVersionFiles(ctx, tx, s, root, disk, true); err != nil {
		return err
	}
	return insertChunks(ctx, tx, s)
}

// insertVersionFiles stores a sealed version and its files, but not its
// chunks: the work is independent of the number of chunks, so a fetch
// records its version before the first request (insertChunks follows when
// the version is complete). A fetch stores it incomplete, with no
// progress (have NULL) until SaveProgress records some; a version stored
// incomplete is a fetched one, one stored complete is published here.
func insertVersionFiles(ctx context.Context, tx *sql.Tx, s *manifest.Sealed, root string, disk map[string]localFile, complete bool) error {
	publisher, err := peer.IDFromPublicKey(s.Publisher)
	if err != nil {
		return fmt.Errorf("store %s: %w", s.ID, err)
	}
	now := time.Now().Unix()
	_, err = tx.ExecContext(ctx, `INSERT INTO pkgshare_packages(id, name, publisher, added_at) VALUES(?, ?, ?, ?)
		ON CONFLICT(id) DO NOTHING`, s.PackageID.String(), s.Name, publisher.String(), now)
	if err != nil {
		return fmt.Errorf("store %s: %w", s.ID, err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO pkgshare_versions(id, package_id, version, envelope, root, size,
		files, chunks, created_at, added_at, complete, have, fetched) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
		s.ID.String(), s.PackageID.String(), s.Version, s.Raw, root, s.Size(), len(s.Files),
		s.ChunkCount(), s.Created.Unix(), now, complete, !complete)
	if err != nil {
		return fmt.Errorf("store %s version %d: %w", s.Name, s.Version, err)
	}
	fileStmt, err := tx.PrepareContext(ctx, `INSERT INTO pkgshare_files(version_id, idx, path, disk_path, size, mtime_ns,
		present) VALUES(?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("store %s: %w", s.ID, err)
	}
	defer fileStmt.Close()
	for i, f := range s.Files {
		d := disk[f.Path]
		if _, err := fileStmt.ExecContext(ctx, s.ID.String(), i, f.Path, d.Abs, f.Size, d.ModTime.UnixNano(), complete); err != nil {
			return fmt.Errorf("store %s file %s: %w", s.ID, f.Path, err)
		}
	}
	return nil
}

// chunkRowsPerInsert is how many pkgshare_chunks rows one INSERT carries
// (6 parameters each, well under SQLite's limit of 32,766).
const chunkRowsPerInsert = 256

// insertChunks records where each chunk of s is (the rows local copies
// are found by).
func insertChunks(ctx context.Context, tx *sql.Tx, s *manifest.Sealed) error {
	id := s.ID.String()
	args := make([]any, 0, 6*chunkRowsPerInsert)
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		q := `INSERT INTO pkgshare_chunks(hash, version_id, file_idx, offset, length, compressible) VALUES` +
			strings.Repeat("(?, ?, ?, ?, ?, ?),", len(args)/6-1) + "(?, ?, ?, ?, ?, ?)"
		_, err := tx.ExecContext(ctx, q, args...)
		args = args[:0]
		if err != nil {
			return fmt.Errorf("store chunks of %s: %w", s.ID, err)
		}
		return nil
	}
	for i, f := range s.Files {
		var off int64
		for j := range f.Chunks {
			c := &f.Chunks[j]
			args = append(args, c.Hash[:], id, i, off, c.Size, c.Compressible)
			off += int64(c.Size)
			if len(args) == cap(args) {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

// relocate records new disk locations for an unchanged version's files (the
// tree was moved, or touched without changing content); they were just
// hashed, so none is unservable any more.
func relocate(ctx context.Context, tx *sql.Tx, s *manifest.Sealed, root string, disk map[string]localFile) error {
	if _, err := tx.ExecContext(ctx, `UPDATE pkgshare_versions SET root = ? WHERE id = ?`, root, s.ID.String()); err != nil {
		return fmt.Errorf("update %s: %w", s.ID, err)
	}
	stmt, err := tx.PrepareContext(ctx, `UPDATE pkgshare_files SET disk_path = ?, mtime_ns = ?, unservable = 0
		WHERE version_id = ? AND idx = ?`)
	if err != nil {
		return fmt.Errorf("update %s: %w", s.ID, err)
	}
	defer stmt.Close()
	for i, f := range s.Files {
		d := disk[f.Path]
		if _, err := stmt.ExecContext(ctx, d.Abs, d.ModTime.UnixNano(), s.ID.String(), i); err != nil {
			return fmt.Errorf("update %s file %s: %w", s.ID, f.Path, err)
		}
	}
	return nil
}
