package library

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/p2psb/p2psb/pkgshare/chunker"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// FileChange is a file of a version whose copy on disk no longer matches
// the manifest.
type FileChange struct {
	Path     string `json:"path"`
	DiskPath string `json:"disk_path"`
	Problem  string `json:"problem"`
}

// VerifyResult is what Verify found for one version.
type VerifyResult struct {
	ID        manifest.PackageID `json:"id"`
	Version   uint64             `json:"version"`
	VersionID manifest.VersionID `json:"version_id"`
	Files     int                `json:"files"`
	Bytes     int64              `json:"bytes"`
	Changed   []FileChange       `json:"changed"`
}

// Verify re-hashes the files of the version ref names (the newest when
// ref.Version is 0) where they are on disk (those present, for a version
// fetched in part) and names every file that no
// longer matches. A file whose content matches but whose modification time
// moved, or that was recorded unservable, has its record updated, so
// seeding resumes.
func (l *Library) Verify(ctx context.Context, ref manifest.Ref, p Progress) (*VerifyResult, error) {
	v, err := l.Version(ctx, ref)
	if err != nil {
		return nil, err
	}
	res := &VerifyResult{ID: v.Sealed.PackageID, Version: v.Version, VersionID: v.ID, Changed: []FileChange{}}
	for _, f := range v.Files {
		if f.Present {
			res.Files, res.Bytes = res.Files+1, res.Bytes+f.Size
		}
	}
	if p != nil {
		p.SetTotal(res.Bytes)
	}
	for i, f := range v.Files {
		if !f.Present {
			continue // a file a selective fetch did not take
		}
		problem, err := l.verifyFile(ctx, v, i, p)
		if err != nil {
			return nil, err
		}
		if problem != "" {
			res.Changed = append(res.Changed, FileChange{Path: f.Path, DiskPath: f.DiskPath, Problem: problem})
		}
	}
	return res, nil
}

// verifyFile checks file i of v and returns what is wrong with it, or "".
func (l *Library) verifyFile(ctx context.Context, v *Version, i int, p Progress) (string, error) {
	stored, want := v.Files[i], v.Sealed.Files[i]
	fd, err := os.Open(stored.DiskPath)
	if errors.Is(err, fs.ErrNotExist) {
		return "missing", nil
	}
	if err != nil {
		return "cannot read: " + Cause(err), nil
	}
	defer fd.Close()
	fi, err := fd.Stat()
	if err != nil {
		return "", fmt.Errorf("verify %s: %w", stored.DiskPath, err)
	}
	if !fi.Mode().IsRegular() {
		return "no longer a regular file", nil
	}
	if fi.Size() != want.Size {
		return fmt.Sprintf("size changed from %d to %d bytes", want.Size, fi.Size()), nil
	}
	chunks, err := chunker.Split(ctx, fd, splitOptions(v.Sealed.HashAlgo, p))
	if errors.Is(err, chunker.ErrChanged) {
		return "changed while it was being verified", nil
	}
	if err != nil {
		return "", fmt.Errorf("verify %s: %w", stored.DiskPath, err)
	}
	if !sameChunks(chunks, want.Chunks) {
		return "content changed", nil
	}
	if !fi.ModTime().Equal(stored.ModTime) || stored.Unservable {
		_, err := l.db.ExecContext(ctx, `UPDATE pkgshare_files SET mtime_ns = ?, unservable = 0
			WHERE version_id = ? AND idx = ?`, fi.ModTime().UnixNano(), v.ID.String(), i)
		if err != nil {
			return "", fmt.Errorf("verify %s: record modification time: %w", stored.DiskPath, err)
		}
	}
	return "", nil
}

// Recheck re-hashes file i of v, a file a reader found not to match the
// manifest although its size and modification time had not moved, and
// returns what is wrong with it, or "" when it matches after all. A file
// that does not match is recorded unservable (StoredFile.Unservable) until
// Verify or Publish finds it matching again.
func (l *Library) Recheck(ctx context.Context, v *Version, i int) (string, error) {
	problem, err := l.verifyFile(ctx, v, i, nil)
	if err != nil || problem == "" {
		return "", err
	}
	_, err = l.db.ExecContext(ctx, `UPDATE pkgshare_files SET unservable = 1 WHERE version_id = ? AND idx = ?`,
		v.ID.String(), i)
	if err != nil {
		return "", fmt.Errorf("recheck %s: record it unservable: %w", v.Files[i].DiskPath, err)
	}
	return problem, nil
}

func sameChunks(got []chunker.Chunk, want []manifest.Chunk) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i].Hash != want[i].Hash || got[i].Size != want[i].Size {
			return false
		}
	}
	return true
}
