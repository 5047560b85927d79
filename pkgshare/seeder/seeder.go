package seeder

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/sink"
	"github.com/p2psb/p2psb/pkgshare/xfer"
)

// Seeder serves the library's versions to peers (it is the xfer.Store of
// the node's transfer server): complete versions from their files where
// they are, versions this node is fetching from their partial files. A
// chunk whose file changed size or modification time since it was recorded
// is not served, and the change is logged once per file. A chunk read
// from a complete version's file is hashed before it is served, unless it
// was verified before under the file's current stamp (library.Stamp); one
// that fails its hash is not served, and its file is verified in the
// background (Recheck) and, if it no longer matches, no longer served.
type Seeder struct {
	lib *library.Library
	log *slog.Logger
	now func() time.Time
	// hashed counts the chunks hashed before they were served.
	hashed atomic.Int64

	ctx    context.Context // ends at Close; owns the rechecks
	cancel context.CancelFunc
	wg     sync.WaitGroup
	slot   chan struct{} // one recheck hashes at a time

	mu       sync.Mutex
	loaded   map[manifest.VersionID]*seededVersion
	fetching map[manifest.VersionID]*sink.Sink
	changed  map[string]bool  // files reported changed
	checking map[fileRef]bool // files being rechecked
	broken   map[manifest.VersionID]bool
	onBroken func(*library.Version)
}

var _ xfer.Store = (*Seeder)(nil)

// seededVersion is a version held, whole or its present files only (a
// selective fetch's), with where each distinct chunk it holds is.
type seededVersion struct {
	v      *library.Version
	places map[manifest.ChunkHash]place
	have   *xfer.Bitfield // the distinct chunks (xfer.Chunks) in places
	// unservable[i]: file i is not served (guarded by Seeder.mu).
	unservable []bool

	trustMu sync.Mutex
	// trusted[h]: the stamp of h's file under which chunk h was read and
	// matched its hash.
	trusted map[manifest.ChunkHash]library.Stamp
}

// settle is how long a file must have gone unchanged before the seeder
// trusts a chunk it verified from it: well over the file system clock's
// granularity, within which a second write may leave the change time as
// it was.
const settle = 2 * time.Second

// place is where one occurrence of a chunk is: file index and offset.
type place struct {
	file int
	off  int64
}

// New returns a seeder of lib; Close stops it.
func New(lib *library.Library, log *slog.Logger) *Seeder {
	ctx, cancel := context.WithCancel(context.Background())
	return &Seeder{lib: lib, log: log, now: time.Now, ctx: ctx, cancel: cancel, slot: make(chan struct{}, 1),
		loaded: map[manifest.VersionID]*seededVersion{}, fetching: map[manifest.VersionID]*sink.Sink{},
		changed: map[string]bool{}, checking: map[fileRef]bool{}, broken: map[manifest.VersionID]bool{}}
}

// OnBroken sets fn to be told, once per version, when a file of a
// complete version stops being served because it changed on disk (the
// node then stops announcing a package it can no longer serve). fn runs
// on the goroutine that found the change: keep it short.
func (s *Seeder) OnBroken(fn func(*library.Version)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onBroken = fn
}

// markBroken tells OnBroken's function that sv no longer serves whole.
func (s *Seeder) markBroken(sv *seededVersion) {
	s.mu.Lock()
	fn, first := s.onBroken, !s.broken[sv.v.ID]
	s.broken[sv.v.ID] = true
	s.mu.Unlock()
	if first && fn != nil {
		fn(sv.v)
	}
}

// Close stops the rechecks under way and waits for them. It is
// idempotent; close the transfer server first.
func (s *Seeder) Close() error {
	s.mu.Lock()
	s.cancel()
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// Forget drops cached state for a version (after it was removed or
// replaced in the library).
func (s *Seeder) Forget(id manifest.VersionID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.loaded, id)
	delete(s.broken, id)
}

// ForgetAll drops the cached state of every version (after a publish or
// fetch that may have replaced some versions' files).
func (s *Seeder) ForgetAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.loaded)
	clear(s.broken)
}

// Attach serves the chunks a running fetch has written, until Detach.
func (s *Seeder) Attach(k *sink.Sink) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fetching[k.Sealed().ID] = k
	delete(s.loaded, k.Sealed().ID)
}

// Detach stops serving from k.
func (s *Seeder) Detach(k *sink.Sink) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fetching[k.Sealed().ID] == k {
		delete(s.fetching, k.Sealed().ID)
	}
}

// Manifest implements xfer.Store.
func (s *Seeder) Manifest(ctx context.Context, id manifest.VersionID) (*manifest.Sealed, error) {
	if k := s.running(id); k != nil {
		return k.Sealed(), nil
	}
	sv, err := s.version(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := notOffered(&sv.v.VersionInfo, sv.v.Sealed); err != nil {
		return nil, err
	}
	return sv.v.Sealed, nil
}

// notOffered refuses a version whose files no longer match it, telling
// the peer that asked why.
func notOffered(v *library.VersionInfo, s *manifest.Sealed) error {
	if !v.Changed {
		return nil
	}
	return fmt.Errorf("%s version %d: %w", s.Name, s.Version, xfer.ErrRetired)
}

// Lookup implements xfer.Store: the newest complete version held (or
// version ref.Version), or one being fetched here.
func (s *Seeder) Lookup(ctx context.Context, ref manifest.Ref) (*manifest.Sealed, error) {
	v, err := s.lib.Version(ctx, ref)
	var nf *library.NotFoundError
	if errors.As(err, &nf) {
		return nil, fmt.Errorf("%s: %w", ref, xfer.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if !v.Complete && v.PresentFiles == 0 && s.running(v.ID) == nil {
		return nil, fmt.Errorf("%s: incomplete: %w", ref, xfer.ErrNotFound)
	}
	if err := notOffered(&v.VersionInfo, v.Sealed); err != nil {
		return nil, err
	}
	return v.Sealed, nil
}

// Have implements xfer.Store.
func (s *Seeder) Have(ctx context.Context, id manifest.VersionID) (*xfer.Bitfield, error) {
	if k := s.running(id); k != nil {
		return k.HaveSet(), nil
	}
	sv, err := s.version(ctx, id)
	if err != nil {
		return nil, err
	}
	return sv.have.Clone(), nil
}

// ReadChunk implements xfer.Store.
func (s *Seeder) ReadChunk(ctx context.Context, id manifest.VersionID, hash manifest.ChunkHash, buf []byte) error {
	if k := s.running(id); k != nil {
		return k.ReadChunk(hash, buf)
	}
	sv, err := s.version(ctx, id)
	if err != nil {
		return err
	}
	pl, ok := sv.places[hash]
	if !ok {
		return fmt.Errorf("chunk %s: %w", hash, xfer.ErrNotFound)
	}
	f := sv.v.Files[pl.file]
	if s.unservable(sv, pl.file) {
		return fmt.Errorf("%s no longer matches its manifest: %w", f.DiskPath, xfer.ErrChanged)
	}
	stamp, err := library.ReadUnchanged(f.DiskPath, f.Size, f.ModTime, pl.off, buf)
	if errors.Is(err, xfer.ErrChanged) {
		s.reportChanged(f.DiskPath)
		s.markBroken(sv)
	}
	if err != nil {
		return err
	}
	if sv.trusts(hash, stamp) {
		return nil
	}
	s.hashed.Add(1)
	if sv.v.Sealed.HashAlgo.Sum(buf) != hash {
		s.recheck(sv, pl.file)
		return fmt.Errorf("chunk %s read from %s fails its hash: %w", hash, f.DiskPath, xfer.ErrChanged)
	}
	if stamp.Settled(s.now(), settle) {
		sv.trust(hash, stamp)
	}
	return nil
}

// trusts reports whether chunk h was verified under stamp before: the
// file it is read from has not changed since.
func (sv *seededVersion) trusts(h manifest.ChunkHash, stamp library.Stamp) bool {
	if !stamp.Valid() {
		return false
	}
	sv.trustMu.Lock()
	defer sv.trustMu.Unlock()
	t, ok := sv.trusted[h]
	return ok && t == stamp
}

// trust records that chunk h matched its hash when read under stamp.
func (sv *seededVersion) trust(h manifest.ChunkHash, stamp library.Stamp) {
	sv.trustMu.Lock()
	defer sv.trustMu.Unlock()
	if sv.trusted == nil {
		sv.trusted = map[manifest.ChunkHash]library.Stamp{}
	}
	sv.trusted[h] = stamp
}

func (s *Seeder) unservable(sv *seededVersion, file int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sv.unservable[file]
}

// reportChanged logs, once per file, that a file stopped being served.
func (s *Seeder) reportChanged(path string) {
	s.mu.Lock()
	first := !s.changed[path]
	s.changed[path] = true
	s.mu.Unlock()
	if first {
		s.log.Warn("file changed since it was published or fetched; no longer serving it (p2psb packages verify, then publish again)",
			"file", path)
	}
}

func (s *Seeder) running(id manifest.VersionID) *sink.Sink {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetching[id]
}

// version loads (and caches) a complete version.
func (s *Seeder) version(ctx context.Context, id manifest.VersionID) (*seededVersion, error) {
	s.mu.Lock()
	sv := s.loaded[id]
	s.mu.Unlock()
	if sv != nil {
		return sv, nil
	}
	v, err := s.lib.VersionByID(ctx, id)
	var nf *library.NotFoundError
	if errors.As(err, &nf) {
		return nil, fmt.Errorf("version %s: %w", id, xfer.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if !v.Complete && v.PresentFiles == 0 {
		return nil, fmt.Errorf("version %s is incomplete: %w", id, xfer.ErrNotFound)
	}
	sv = &seededVersion{v: v, unservable: make([]bool, len(v.Files))}
	sv.places, sv.have = chunkPlaces(v)
	for i, f := range v.Files {
		sv.unservable[i] = f.Unservable
	}
	s.mu.Lock()
	s.loaded[id] = sv
	s.mu.Unlock()
	return sv, nil
}

// chunkPlaces maps each chunk hash of v's present files (all of a
// complete version's) to its first occurrence there, and returns the
// bitfield of the distinct chunks it holds: a node that took some files
// of a version offers only their chunks.
func chunkPlaces(v *library.Version) (map[manifest.ChunkHash]place, *xfer.Bitfield) {
	m := &v.Sealed.Manifest
	out := make(map[manifest.ChunkHash]place, m.ChunkCount())
	for i, f := range m.Files {
		if !v.Complete && !v.Files[i].Present {
			continue
		}
		var off int64
		for _, c := range f.Chunks {
			if _, ok := out[c.Hash]; !ok {
				out[c.Hash] = place{file: i, off: off}
			}
			off += int64(c.Size)
		}
	}
	chunks := xfer.Chunks(m)
	have := xfer.NewBitfield(len(chunks))
	for i, c := range chunks {
		if _, ok := out[c.Hash]; ok {
			have.Set(i)
		}
	}
	return out, have
}

// Transfer is a fetch in progress on this node.
type Transfer struct {
	Package   manifest.PackageID `json:"package"`
	Name      string             `json:"name"`
	Version   uint64             `json:"version"`
	Target    string             `json:"target"`
	HaveBytes int64              `json:"have_bytes"`
	Bytes     int64              `json:"bytes"`
}

// Transfers lists the fetches running on this node.
func (s *Seeder) Transfers() []Transfer {
	s.mu.Lock()
	sinks := make([]*sink.Sink, 0, len(s.fetching))
	for _, k := range s.fetching {
		sinks = append(sinks, k)
	}
	s.mu.Unlock()
	out := make([]Transfer, 0, len(sinks))
	for _, k := range sinks {
		out = append(out, Transfer{Package: k.Sealed().PackageID, Name: k.Sealed().Name, Version: k.Sealed().Version,
			Target: k.Target(), HaveBytes: k.HaveBytes(), Bytes: k.Sealed().Size()})
	}
	return out
}
