package sink

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/xfer"
)

// flushEvery is how often a fetch records its progress in the library; a
// killed fetch refetches at most what it wrote in that time.
const flushEvery = 250 * time.Millisecond

// sinkState is the persistence half of Sink.
type sinkState struct {
	flushMu   sync.Mutex
	lastFlush time.Time
}

// Open records s in lib as an incomplete version whose files go to
// target, or picks up an earlier, interrupted fetch of it there. It fails
// with library.ErrHaveVersion when lib holds the version complete, and
// before writing anything when a file p2psb did not write is at one of
// the version's paths (unless opts.Overwrite). A
// recorded progress that is not a bitfield of the version's chunks (a
// corrupt record) starts the version over, which it logs to log.
func Open(ctx context.Context, lib *library.Library, s *manifest.Sealed, target string, opts Options, log *slog.Logger) (*Sink, error) {
	k := newSink(lib, s, target)
	k.setWant(opts.Want)
	if err := k.checkExisting(ctx, opts.Overwrite); err != nil {
		return nil, err
	}
	if err := k.openPartial(); err != nil {
		k.closeTrees()
		return nil, fmt.Errorf("fetch into %s: %w", target, err)
	}
	k2, err := k.start(ctx, log)
	if err != nil {
		k.closeTrees()
	}
	return k2, err
}

// start records the fetch in the library, or picks up its progress, and
// makes that agree with the disk.
func (k *Sink) start(ctx context.Context, log *slog.Logger) (*Sink, error) {
	s := k.sealed
	have, err := k.lib.StartFetch(ctx, s, k.target)
	if errors.Is(err, library.ErrHaveVersion) {
		k.discardPartial()
	}
	if err != nil {
		return nil, err
	}
	if have != nil {
		bf, err := xfer.ParseBitfield(len(k.chunks), have)
		if err != nil {
			log.Info("stored progress unreadable; fetching the version from the start",
				"version", s.ID, "target", k.target, "err", err)
			bf = xfer.NewBitfield(len(k.chunks))
			k.dirty = true // the next flush replaces the record
		}
		k.have = bf
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.reconcileLocked(); err != nil {
		return nil, fmt.Errorf("resume %s in %s: %w", s.ID, k.target, err)
	}
	return k, nil
}

// reconcileLocked makes the recorded progress agree with the disk after a
// resume: chunks of a file whose partial file is gone are fetched again;
// a file whose chunks are all present is done if it is at its final path.
func (k *Sink) reconcileLocked() error {
	for i, f := range k.sealed.Files {
		_, err := k.ver.stat(partialName(i))
		if err == nil {
			continue
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if k.fileCompleteLocked(i) {
			fi, err := k.tgt.stat(f.Path)
			if err == nil && fi.Mode().IsRegular() && fi.Size() == f.Size {
				k.done[i] = true
				continue
			}
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
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
	return nil
}

func (k *Sink) fileCompleteLocked(i int) bool {
	for _, c := range k.sealed.Files[i].Chunks {
		if !k.have.Has(k.index[c.Hash]) {
			return false
		}
	}
	return true
}

// flush records which chunks are written, at most every flushEvery unless
// force is set.
func (k *Sink) flush(ctx context.Context, force bool) error {
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
	return k.lib.SaveProgress(ctx, k.sealed.ID, have)
}

// Flush records which chunks are written now.
func (k *Sink) Flush(ctx context.Context) error { return k.flush(ctx, true) }

// Release lets finished files move to their final paths (after a local
// copy held them back).
func (k *Sink) Release() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.hold = false
	return k.finishReadyLocked()
}

// Complete marks the version complete in the library, with the final files'
// modification times (so seeding can tell later changes) and its chunk
// rows (so later fetches copy from it), and removes the partial directory.
func (k *Sink) Complete(ctx context.Context) error {
	k.mu.Lock()
	k.want = nil // every file moves now, whatever the fetch took
	k.mu.Unlock()
	if err := k.Release(); err != nil {
		return err
	}
	k.mu.Lock()
	full := k.have.Full()
	k.mu.Unlock()
	if !full {
		return fmt.Errorf("complete %s: chunks missing", k.sealed.ID)
	}
	mtimes := make([]time.Time, len(k.sealed.Files))
	for i, f := range k.sealed.Files {
		fi, err := k.tgt.stat(f.Path)
		if err != nil {
			return fmt.Errorf("complete %s: %w", f.Path, err)
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("complete %s: %s is not a regular file", f.Path, filepath.Join(k.target, f.Path))
		}
		mtimes[i] = fi.ModTime()
	}
	if err := k.lib.CompleteFetch(ctx, k.sealed, mtimes); err != nil {
		return err
	}
	if err := k.tgt.removeAll(k.partialRel()); err != nil {
		return fmt.Errorf("remove partial files: %w", err)
	}
	_ = k.tgt.removeDir(PartialDir) // only when empty: other fetches may use it
	return nil
}

// Close closes the partial files and records the progress made; the
// fetch can resume from there.
func (k *Sink) Close() error {
	k.mu.Lock()
	if k.shut {
		k.mu.Unlock()
		return nil
	}
	k.shut = true
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
	k.closeTrees() // and the lock: another fetch may go on
	return errors.Join(errs...)
}
