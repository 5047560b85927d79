package sink

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sync"

	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/xfer"
)

// PartialDir is the hidden directory under a fetch's target that holds
// the partial files of versions being fetched.
const PartialDir = ".p2psb-partial"

// Sink receives the verified chunks of one fetched version (it is the
// fetch's xfer.Sink). Chunks go into partial files under
// <target>/.p2psb-partial/<version-id>/, named by file index so no
// manifest path is used before it has to be; a file is renamed to its
// final path inside the target once all its chunks are written. Which
// distinct chunks are written is flushed to the library, so a killed fetch
// resumes.
type Sink struct {
	lib     *library.Library
	sealed  *manifest.Sealed
	target  string
	partial string // <target>/.p2psb-partial/<version-id>, for messages
	tgt     *tree  // the target
	ver     *tree  // the version's partial directory
	lock    *os.File
	chunks  []manifest.Chunk // distinct chunks, the bitfield's index space
	index   map[manifest.ChunkHash]int
	places  map[manifest.ChunkHash][]place
	// wmu holds one lock per file, taken around each write into it. Two
	// verify workers writing the same file otherwise meet on its inode
	// lock, where the kernel spins while the holder copies a chunk into
	// the page cache: 6 % of a 4 GiB fetch's samples (RESULTS.md).
	wmu []sync.Mutex
	// want, if not nil, marks the files a selective fetch takes; skip
	// the chunks none of them uses (want.go).
	want []bool
	skip *xfer.Bitfield

	mu    sync.Mutex
	have  *xfer.Bitfield
	left  []int      // per file: chunk occurrences not yet written
	files []*os.File // open partial files
	done  []bool     // per file: at its final path
	hold  bool       // do not move finished files yet (local copy running)
	// replace marks, per file, one found at its final path when the fetch
	// started that the fetch may replace; overwrite allows any.
	replace   []bool
	overwrite bool
	dirty     bool // have changed since the last flush
	shut      bool // closed: the trees are gone
	state     sinkState
}

var _ xfer.Sink = (*Sink)(nil)

func newSink(lib *library.Library, s *manifest.Sealed, target string) *Sink {
	k := &Sink{lib: lib, sealed: s, target: target,
		partial: filepath.Join(target, PartialDir, s.ID.String()),
		chunks:  xfer.Chunks(&s.Manifest), index: map[manifest.ChunkHash]int{},
		places: map[manifest.ChunkHash][]place{},
		wmu:    make([]sync.Mutex, len(s.Files)),
		left:   make([]int, len(s.Files)), files: make([]*os.File, len(s.Files)), done: make([]bool, len(s.Files)),
		replace: make([]bool, len(s.Files)),
	}
	for i, c := range k.chunks {
		k.index[c.Hash] = i
	}
	for i, f := range s.Files {
		var off int64
		for _, c := range f.Chunks {
			k.places[c.Hash] = append(k.places[c.Hash], place{file: i, off: off})
			off += int64(c.Size)
		}
	}
	k.have = xfer.NewBitfield(len(k.chunks))
	return k
}

// Sealed is the version being fetched.
func (k *Sink) Sealed() *manifest.Sealed { return k.sealed }

// Target is the directory the version's files go to.
func (k *Sink) Target() string { return k.target }

// HaveSet returns a copy of the bitfield of the distinct chunks written.
func (k *Sink) HaveSet() *xfer.Bitfield {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.have.Clone()
}

// WriteChunk implements xfer.Sink: it writes a verified chunk at every
// place the version uses it.
func (k *Sink) WriteChunk(ctx context.Context, hash manifest.ChunkHash, data []byte) error {
	idx, ok := k.index[hash]
	if !ok {
		return fmt.Errorf("chunk %s is not part of %s", hash, k.sealed.ID)
	}
	k.mu.Lock()
	dup := k.have.Has(idx)
	k.mu.Unlock()
	if dup {
		return nil // an endgame duplicate
	}
	for _, p := range k.places[hash] {
		f, err := k.partialFile(p.file)
		if err != nil {
			return err
		}
		k.wmu[p.file].Lock()
		_, err = f.WriteAt(data, p.off)
		k.wmu[p.file].Unlock()
		if err != nil {
			return fmt.Errorf("write %s: %w", f.Name(), err)
		}
	}
	k.mu.Lock()
	if k.have.Has(idx) {
		k.mu.Unlock()
		return nil
	}
	k.have.Set(idx)
	k.dirty = true
	for _, p := range k.places[hash] {
		k.left[p.file]--
	}
	err := k.finishReadyLocked()
	k.mu.Unlock()
	if err != nil {
		return err
	}
	return k.flush(ctx, false)
}

// partialFile opens (creating at full size) the partial file of file i.
func (k *Sink) partialFile(i int) (*os.File, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.partialFileLocked(i)
}

func (k *Sink) partialFileLocked(i int) (*os.File, error) {
	if k.files[i] != nil {
		return k.files[i], nil
	}
	f, err := k.ver.open(partialName(i), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("partial file for %s: %w", k.sealed.Files[i].Path, err)
	}
	if err := sizePartial(f, k.sealed.Files[i].Size); err != nil {
		f.Close()
		return nil, fmt.Errorf("partial file for %s: %w", k.sealed.Files[i].Path, err)
	}
	k.files[i] = f
	return f, nil
}

// sizePartial gives a partial file its full size and, where the file
// system can, reserves its blocks at once: writing into reserved blocks
// costs the kernel less per page than filling a sparse file, and a disk
// too small fails the fetch now rather than midway.
func sizePartial(f *os.File, size int64) error {
	if err := f.Truncate(size); err != nil {
		return err
	}
	return reserve(f, size)
}

// partialName is the name of file i's partial file in the version's
// partial directory.
func partialName(i int) string { return fmt.Sprintf("f%07d", i) }

// finishReadyLocked moves every file whose chunks are all written to its
// final path.
func (k *Sink) finishReadyLocked() error {
	if k.hold {
		return nil
	}
	for i := range k.left {
		if k.left[i] == 0 && !k.done[i] && k.wanted(i) {
			if err := k.finishFileLocked(i); err != nil {
				return err
			}
		}
	}
	return nil
}

// finishFileLocked renames file i's partial file to its final path (an
// empty file is created there directly).
func (k *Sink) finishFileLocked(i int) error {
	mf := k.sealed.Files[i]
	dir, base, err := k.finalDir(mf.Path)
	if err != nil {
		return err
	}
	defer dir.Close()
	f, err := k.partialFileLocked(i) // opened already, or empty, or resumed
	if err != nil {
		return err
	}
	if err := k.checkFinal(i, dir, base); err != nil {
		return err
	}
	k.files[i] = nil
	if err := f.Chmod(mf.Mode.Perm()); err != nil {
		f.Close()
		return fmt.Errorf("finish %s: %w", mf.Path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close partial %s: %w", mf.Path, err)
	}
	if err := k.ver.rename(partialName(i), dir, base); err != nil {
		return fmt.Errorf("finish %s: %w", mf.Path, err)
	}
	k.done[i] = true
	return nil
}

// finalDir opens the directory a package path goes in under the target,
// creating it, and returns it with the file's name there: it refuses to
// write through anything that is not a real directory inside the target
// (a symbolic link, say), whatever the manifest says.
func (k *Sink) finalDir(rel string) (*tree, string, error) {
	if err := manifest.ValidatePath(rel); err != nil {
		return nil, "", err
	}
	dir, base := path.Split(rel)
	t, err := k.tgt.sub(dir, true, 0o755)
	if err != nil {
		return nil, "", fmt.Errorf("refusing to write %s: %w", rel, err)
	}
	return t, base, nil
}

// ReadChunk serves a chunk this fetch has written (partial seeding).
func (k *Sink) ReadChunk(hash manifest.ChunkHash, buf []byte) error {
	idx, ok := k.index[hash]
	k.mu.Lock()
	has := ok && k.have.Has(idx) && !k.shut
	var t *tree
	var rel string
	var off int64
	if has {
		p := k.places[hash][0]
		off = p.off
		t, rel = k.ver, partialName(p.file)
		if k.done[p.file] {
			t, rel = k.tgt, k.sealed.Files[p.file].Path
		}
	}
	k.mu.Unlock()
	if !has {
		return fmt.Errorf("chunk %s: %w", hash, xfer.ErrNotFound)
	}
	err := readAt(t, rel, off, buf)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, os.ErrClosed) {
		return fmt.Errorf("chunk %s: %w", hash, xfer.ErrNotFound)
	}
	return err
}

// HaveBytes sums the sizes of the distinct chunks written so far.
func (k *Sink) HaveBytes() int64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	var n int64
	for i, c := range k.chunks {
		if k.have.Has(i) {
			n += int64(c.Size)
		}
	}
	return n
}

// place is where one occurrence of a chunk is: file index and offset.
type place struct {
	file int
	off  int64
}

// readAt fills buf from rel under t at off.
func readAt(t *tree, rel string, off int64, buf []byte) error {
	f, err := t.open(rel, os.O_RDONLY, 0)
	if err != nil {
		return fmt.Errorf("read chunk: %w", err)
	}
	defer f.Close()
	if _, err := f.ReadAt(buf, off); err != nil {
		return fmt.Errorf("read chunk from %s at %d: %w", f.Name(), off, err)
	}
	return nil
}

// PrepareTarget returns the absolute target directory of a fetch, dir or
// <base>/<name> (base defaults to the working directory), created if
// missing.
func PrepareTarget(dir, base, name string) (string, error) {
	if dir == "" {
		dir = filepath.Join(base, name)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("target %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return "", &library.InputError{Path: dir, Reason: "cannot create the target directory: " + library.Cause(err)}
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return "", &library.InputError{Path: dir, Reason: "the target is not a directory"}
	}
	return abs, nil
}
