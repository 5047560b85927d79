package library

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"golang.org/x/sync/errgroup"

	"github.com/p2psb/p2psb/pkgshare/chunker"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// Progress follows a long job: SetTotal once with the job's size in bytes,
// then Add as bytes are done. Add may be called from several goroutines.
type Progress interface {
	SetTotal(n int64)
	Add(n int64)
}

// PublishOptions control Publish.
type PublishOptions struct {
	Name           string    // package name; default: the base name of the path
	FollowSymlinks bool      // follow symbolic links that stay inside the tree
	Progress       Progress  // optional
	Now            time.Time // manifest creation time; zero means now
	// Private names directories whose files must never be published: the
	// node's home (its private key, its database). A tree holding one is
	// refused before anything is hashed.
	Private []string
}

// PublishResult describes the version Publish recorded, or the unchanged
// version it found.
type PublishResult struct {
	ID        manifest.PackageID `json:"id"`
	Name      string             `json:"name"`
	Version   uint64             `json:"version"`
	VersionID manifest.VersionID `json:"version_id"`
	Files     int                `json:"files"`
	Bytes     int64              `json:"bytes"`
	Chunks    int                `json:"chunks"`
	Unchanged bool               `json:"unchanged"`
}

// hashedFile is a scanned file with its chunks.
type hashedFile struct {
	localFile
	chunks []chunker.Chunk
}

// Publish packages the file or directory at path, in place, as the next
// version of the package key publishes under opts.Name. Identical content
// to the newest version records nothing new and reports Unchanged. Bad input
// is refused with an *InputError (or a manifest error) and records nothing.
func Publish(ctx context.Context, lib *Library, key crypto.PrivKey, path string, opts PublishOptions) (*PublishResult, error) {
	if err := RefusePrivate("publish", path, opts.Private); err != nil {
		return nil, err
	}
	root, files, err := scan(path, scanOptions{FollowSymlinks: opts.FollowSymlinks})
	if err != nil {
		return nil, err
	}
	name := opts.Name
	if name == "" {
		name = defaultName(path)
	}
	if err := manifest.ValidateName(name); err != nil {
		return nil, err
	}
	algo, err := lib.publishHash(ctx, key, name)
	if err != nil {
		return nil, err
	}
	hashed, err := hashFiles(ctx, files, algo, opts.Progress)
	if err != nil {
		return nil, err
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	return lib.addPublished(ctx, key, name, root, hashed, algo, now)
}

// newHash is the chunk hash of a package's first version.
const newHash = manifest.BLAKE3

// publishHash is the chunk hash the next version of key's package name
// uses: its newest version's, so that an upgrade from a version published
// before BLAKE3 still moves only the chunks that changed (and identical
// content is still found identical); newHash for a new package.
func (l *Library) publishHash(ctx context.Context, key crypto.PrivKey, name string) (manifest.HashAlgo, error) {
	id, err := manifest.NewPackageID(key.GetPublic(), name)
	if err != nil {
		return 0, err
	}
	latest, err := latestSealed(ctx, l.db, id)
	if err != nil || latest == nil {
		return newHash, err
	}
	return latest.HashAlgo, nil
}

// defaultName is the base name of the published path.
func defaultName(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Base(path)
	}
	return filepath.Base(abs)
}

// hashFiles chunks and hashes every file, two files at a time, each on all
// cores.
func hashFiles(ctx context.Context, files []localFile, algo manifest.HashAlgo, p Progress) ([]hashedFile, error) {
	var total int64
	for _, f := range files {
		total += f.Size
	}
	if p != nil {
		p.SetTotal(total)
	}
	out := make([]hashedFile, len(files))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(2)
	for i := range files {
		g.Go(func() error {
			chunks, err := hashFile(ctx, files[i], algo, p)
			out[i] = hashedFile{localFile: files[i], chunks: chunks}
			return err
		})
	}
	return out, g.Wait()
}

// hashFile chunks one file, refusing it if it changes while being read.
func hashFile(ctx context.Context, f localFile, algo manifest.HashAlgo, p Progress) ([]chunker.Chunk, error) {
	fd, err := os.Open(f.Abs)
	if err != nil {
		return nil, &InputError{Path: f.Abs, Reason: "cannot read: " + Cause(err)}
	}
	defer fd.Close()
	if err := checkUnchanged(fd, f); err != nil {
		return nil, err
	}
	chunks, err := chunker.Split(ctx, fd, splitOptions(algo, p))
	if errors.Is(err, chunker.ErrChanged) {
		return nil, changedError(f.Abs)
	}
	if err != nil {
		return nil, fmt.Errorf("hash %s: %w", f.Abs, err)
	}
	var n int64
	for _, c := range chunks {
		n += int64(c.Size)
	}
	if n != f.Size {
		return nil, changedError(f.Abs)
	}
	if err := checkUnchanged(fd, f); err != nil {
		return nil, err
	}
	return chunks, nil
}

// splitOptions cuts files as publish does, hashing chunks with algo on
// every core and reporting to p (if not nil).
func splitOptions(algo manifest.HashAlgo, p Progress) chunker.Options {
	opts := chunker.Options{Params: chunker.DefaultParams(), Workers: runtime.GOMAXPROCS(0),
		Sum: func(b []byte) [32]byte { return algo.Sum(b) }}
	if p != nil {
		opts.Progress = p.Add
	}
	return opts
}

// checkUnchanged compares an open file with what the scan saw.
func checkUnchanged(fd *os.File, f localFile) error {
	fi, err := fd.Stat()
	if err != nil {
		return fmt.Errorf("stat %s: %w", f.Abs, err)
	}
	if fi.Size() != f.Size || !fi.ModTime().Equal(f.ModTime) {
		return changedError(f.Abs)
	}
	return nil
}

func changedError(path string) error {
	return &InputError{Path: path, Reason: "changed while it was being hashed; publish again when it is stable"}
}

// toManifestFiles converts hashed files to the manifest's form.
func toManifestFiles(files []hashedFile) []manifest.File {
	out := make([]manifest.File, len(files))
	for i, f := range files {
		mf := manifest.File{Path: f.Rel, Size: f.Size, Mode: f.Mode, Chunks: make([]manifest.Chunk, len(f.chunks))}
		for j, c := range f.chunks {
			mf.Chunks[j] = manifest.Chunk{Hash: c.Hash, Size: c.Size, Compressible: c.Compressible}
		}
		out[i] = mf
	}
	return out
}

// sameContent reports whether two file lists describe the same package
// content: paths, sizes, modes and chunks.
func sameContent(a, b []manifest.File) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Path != b[i].Path || a[i].Size != b[i].Size || a[i].Mode != b[i].Mode ||
			len(a[i].Chunks) != len(b[i].Chunks) {
			return false
		}
		for j := range a[i].Chunks {
			if a[i].Chunks[j].Hash != b[i].Chunks[j].Hash {
				return false
			}
		}
	}
	return true
}
