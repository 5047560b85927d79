package pkgshare

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/xfer"
)

// flushEvery is how often a fetch records its progress in the library; a
// killed fetch refetches at most what it wrote in that time.
const flushEvery = 250 * time.Millisecond

// ErrHaveVersion is returned when the library already holds the complete
// version a fetch asked for.
var ErrHaveVersion = errors.New("already in the library")

// sinkState is the persistence half of fileSink.
type sinkState struct {
	flushMu   sync.Mutex
	lastFlush time.Time
}

// openSink records s in the library as an incomplete version whose files go
// to target, or picks up an earlier, interrupted fetch of it there.
func (l *Library) openSink(ctx context.Context, s *manifest.Sealed, target string) (*fileSink, error) {
	k := newFileSink(l, s, target)
	if err := os.MkdirAll(k.partial, 0o700); err != nil {
		return nil, fmt.Errorf("fetch into %s: %w", target, err)
	}
	have, err := l.startFetch(ctx, s, target)
	if err != nil {
		return nil, err
	}
	if have != nil {
		bf, err := xfer.ParseBitfield(len(k.chunks), have)
		if err != nil {
			return nil, fmt.Errorf("resume %s: stored progress: %w", s.ID, err)
		}
		k.have = bf
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.reconcileLocked()
	return k, nil
}

// startFetch records an incomplete version, or returns the progress of an
// earlier fetch of it into the same target. It records the version and its
// files only, so its cost does not grow with the number of chunks; the
// chunk rows, which only local copies from complete versions read, are
// written by complete.
func (l *Library) startFetch(ctx context.Context, s *manifest.Sealed, target string) ([]byte, error) {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("record fetch of %s: %w", s.ID, err)
	}
	defer tx.Rollback()
	var root string
	var complete bool
	var have []byte
	err = tx.QueryRowContext(ctx, `SELECT root, complete, have FROM pkgshare_versions WHERE id = ?`,
		s.ID.String()).Scan(&root, &complete, &have)
	switch {
	case err == nil && complete:
		return nil, fmt.Errorf("%s version %d (%s) is %w, in %s", s.Name, s.Version, s.ID, ErrHaveVersion, root)
	case err == nil && root != target:
		return nil, &InputError{Path: target, Reason: fmt.Sprintf(
			"an interrupted fetch of this version is in %s: resume it there (-o %s) or forget it (p2psb packages rm %s@%d)",
			root, root, s.PackageID, s.Version)}
	case err == nil:
		return have, nil
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("record fetch of %s: %w", s.ID, err)
	}
	disk := make(map[string]localFile, len(s.Files))
	for _, f := range s.Files {
		disk[f.Path] = localFile{Abs: filepath.Join(target, filepath.FromSlash(f.Path))}
	}
	if err := insertVersionFiles(ctx, tx, s, target, disk, []byte{}); err != nil {
		return nil, err
	}
	return nil, tx.Commit()
}

// reconcileLocked makes the recorded progress agree with the disk after a
// resume: chunks of a file whose partial file is gone are fetched again;
// a file whose chunks are all present is done if it is at its final path.
func (k *fileSink) reconcileLocked() {
	for i, f := range k.sealed.Files {
		if _, err := os.Stat(k.partialPath(i)); err == nil {
			continue
		}
		if k.fileCompleteLocked(i) {
			if fi, err := os.Lstat(filepath.Join(k.target, filepath.FromSlash(f.Path))); err == nil &&
				fi.Mode().IsRegular() && fi.Size() == f.Size {
				k.done[i] = true
				continue
			}
		}
		for _, c := range f.Chunks {
			k.have.Clear(k.index[c.Hash])
		}
	}
	for i := range k.left {
		k.left[i] = 0
	}
	for h, ps := range k.places {
		if !k.have.Has(k.index[h]) {
			for _, p := range ps {
				k.left[p.file]++
			}
		}
	}
}

func (k *fileSink) fileCompleteLocked(i int) bool {
	for _, c := range k.sealed.Files[i].Chunks {
		if !k.have.Has(k.index[c.Hash]) {
			return false
		}
	}
	return true
}

// flush records which chunks are written, at most every flushEvery unless
// force is set.
func (k *fileSink) flush(ctx context.Context, force bool) error {
	if force {
		k.state.flushMu.Lock()
	} else if !k.state.flushMu.TryLock() {
		return nil // another writer is recording progress; dirty stays set for the next
	}
	defer k.state.flushMu.Unlock()
	if !force && time.Since(k.state.lastFlush) < flushEvery {
		return nil
	}
	k.mu.Lock()
	if !k.dirty {
		k.mu.Unlock()
		return nil
	}
	have := k.have.Bytes()
	k.dirty = false
	k.mu.Unlock()
	k.state.lastFlush = time.Now()
	_, err := k.lib.db.ExecContext(ctx, `UPDATE pkgshare_versions SET have = ? WHERE id = ? AND complete = 0`,
		have, k.sealed.ID.String())
	if err != nil {
		return fmt.Errorf("record progress of %s: %w", k.sealed.ID, err)
	}
	return nil
}

// release lets finished files move to their final paths (after a local
// copy held them back).
func (k *fileSink) release() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.hold = false
	return k.finishReadyLocked()
}

// complete marks the version complete in the library, with the final files'
// modification times (so seeding can tell later changes) and its chunk
// rows (so later fetches copy from it), and removes the partial directory.
func (k *fileSink) complete(ctx context.Context) error {
	if err := k.release(); err != nil {
		return err
	}
	k.mu.Lock()
	full := k.have.Full()
	k.mu.Unlock()
	if !full {
		return fmt.Errorf("complete %s: chunks missing", k.sealed.ID)
	}
	tx, err := k.lib.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("complete %s: %w", k.sealed.ID, err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `UPDATE pkgshare_files SET mtime_ns = ? WHERE version_id = ? AND idx = ?`)
	if err != nil {
		return fmt.Errorf("complete %s: %w", k.sealed.ID, err)
	}
	defer stmt.Close()
	for i, f := range k.sealed.Files {
		fi, err := os.Stat(filepath.Join(k.target, filepath.FromSlash(f.Path)))
		if err != nil {
			return fmt.Errorf("complete %s: %w", f.Path, err)
		}
		if _, err := stmt.ExecContext(ctx, fi.ModTime().UnixNano(), k.sealed.ID.String(), i); err != nil {
			return fmt.Errorf("complete %s: %w", k.sealed.ID, err)
		}
	}
	// A fetch started by an older p2psb recorded its chunk rows at its
	// start; they are replaced.
	if _, err := tx.ExecContext(ctx, `DELETE FROM pkgshare_chunks WHERE version_id = ?`, k.sealed.ID.String()); err != nil {
		return fmt.Errorf("complete %s: %w", k.sealed.ID, err)
	}
	if err := insertChunks(ctx, tx, k.sealed); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE pkgshare_versions SET complete = 1, have = NULL WHERE id = ?`,
		k.sealed.ID.String()); err != nil {
		return fmt.Errorf("complete %s: %w", k.sealed.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("complete %s: %w", k.sealed.ID, err)
	}
	if err := os.RemoveAll(k.partial); err != nil {
		return fmt.Errorf("remove partial files: %w", err)
	}
	_ = os.Remove(filepath.Dir(k.partial)) // only when empty: other fetches may use it
	return nil
}

// close closes the partial files and records the progress made.
func (k *fileSink) close() error {
	k.mu.Lock()
	var errs []error
	for i, f := range k.files {
		if f != nil {
			errs = append(errs, f.Close())
			k.files[i] = nil
		}
	}
	k.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	errs = append(errs, k.flush(ctx, true))
	return errors.Join(errs...)
}
