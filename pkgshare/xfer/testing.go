package xfer

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// This file holds in-memory fixtures for tests of this package and of its
// users: a Store that is also a fetch Sink, and generated packages.

// MemStore is an in-memory Store. Versions added empty or partial can be
// fetched into through Sink, and are served as they fill (partial
// seeding). Safe for concurrent use.
type MemStore struct {
	mu       sync.Mutex
	versions map[manifest.VersionID]*memVersion
}

type memVersion struct {
	sealed *manifest.Sealed
	index  map[manifest.ChunkHash]int
	have   *Bitfield
	data   map[manifest.ChunkHash][]byte
}

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{versions: make(map[manifest.VersionID]*memVersion)}
}

// Add records version s with the chunks of data that belong to it (nil
// for none). Data slices are kept, not copied.
func (m *MemStore) Add(s *manifest.Sealed, data map[manifest.ChunkHash][]byte) {
	chunks := Chunks(&s.Manifest)
	v := &memVersion{
		sealed: s, index: make(map[manifest.ChunkHash]int, len(chunks)),
		have: NewBitfield(len(chunks)), data: make(map[manifest.ChunkHash][]byte),
	}
	for i, c := range chunks {
		v.index[c.Hash] = i
		if b, ok := data[c.Hash]; ok {
			v.data[c.Hash] = b
			v.have.Set(i)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.versions[s.ID] = v
}

func (m *MemStore) version(id manifest.VersionID) (*memVersion, error) {
	v, ok := m.versions[id]
	if !ok {
		return nil, fmt.Errorf("version %s: %w", id, ErrNotFound)
	}
	return v, nil
}

// Manifest implements Store.
func (m *MemStore) Manifest(_ context.Context, id manifest.VersionID) (*manifest.Sealed, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, err := m.version(id)
	if err != nil {
		return nil, err
	}
	return v.sealed, nil
}

// Lookup implements Store.
func (m *MemStore) Lookup(_ context.Context, ref manifest.Ref) (*manifest.Sealed, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var best *manifest.Sealed
	for _, v := range m.versions {
		s := v.sealed
		if s.PackageID != ref.ID || (ref.Version != 0 && s.Version != ref.Version) {
			continue
		}
		if best == nil || s.Version > best.Version {
			best = s
		}
	}
	if best == nil {
		return nil, fmt.Errorf("package %s@%d: %w", ref.ID, ref.Version, ErrNotFound)
	}
	return best, nil
}

// Have implements Store.
func (m *MemStore) Have(_ context.Context, id manifest.VersionID) (*Bitfield, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, err := m.version(id)
	if err != nil {
		return nil, err
	}
	return v.have.Clone(), nil
}

// ReadChunk implements Store.
func (m *MemStore) ReadChunk(_ context.Context, id manifest.VersionID, hash manifest.ChunkHash, buf []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, err := m.version(id)
	if err != nil {
		return err
	}
	b, ok := v.data[hash]
	if !ok {
		return fmt.Errorf("chunk %s: %w", hash, ErrNotFound)
	}
	if len(b) != len(buf) {
		return fmt.Errorf("chunk %s is %d bytes, asked for %d: %w", hash, len(b), len(buf), ErrBadRequest)
	}
	copy(buf, b)
	return nil
}

// Chunk returns the stored bytes of a chunk of version id, if held.
func (m *MemStore) Chunk(id manifest.VersionID, hash manifest.ChunkHash) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.versions[id]
	if !ok {
		return nil, false
	}
	b, ok := v.data[hash]
	return b, ok
}

// Sink returns a Sink that fills version id (added before with Add).
func (m *MemStore) Sink(id manifest.VersionID) Sink { return memSink{m: m, id: id} }

type memSink struct {
	m  *MemStore
	id manifest.VersionID
}

func (s memSink) Have(ctx context.Context) (*Bitfield, error) { return s.m.Have(ctx, s.id) }

func (s memSink) WriteChunk(_ context.Context, hash manifest.ChunkHash, data []byte) error {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	v, err := s.m.version(s.id)
	if err != nil {
		return err
	}
	i, ok := v.index[hash]
	if !ok {
		return fmt.Errorf("chunk %s is not in version %s", hash, s.id)
	}
	v.data[hash] = append([]byte(nil), data...)
	v.have.Set(i)
	return nil
}

// TestPackage describes a generated package (see NewTestPackage).
type TestPackage struct {
	Files        int    // number of files
	FileSize     int    // bytes per file
	ChunkSize    int    // fixed chunk size, 1..manifest.MaxChunkSize
	Compressible bool   // text-like data flagged compressible; else random
	SameFiles    bool   // every file holds the same bytes: repeated chunks
	Seed         uint64 // data and key seed
	Version      uint64 // 0 means 1
	SHA256       bool   // hash chunks with SHA-256, as manifests before BLAKE3 did
}

// NewTestPackage generates and seals a package with fixed-size chunks and
// returns it with its chunk data by hash.
func NewTestPackage(p TestPackage) (*manifest.Sealed, map[manifest.ChunkHash][]byte, error) {
	key, _, err := crypto.GenerateEd25519Key(rand.NewChaCha8(seed32(p.Seed)))
	if err != nil {
		return nil, nil, err
	}
	rng := rand.NewChaCha8(seed32(p.Seed + 1))
	data := make(map[manifest.ChunkHash][]byte)
	m := &manifest.Manifest{
		Publisher: key.GetPublic(), Name: fmt.Sprintf("test-%d", p.Seed),
		Version: max(p.Version, 1), Created: time.Unix(1700000000, 0).UTC(),
		HashAlgo: manifest.BLAKE3,
	}
	if p.SHA256 {
		m.HashAlgo = manifest.SHA256
	}
	if m.Version > 1 {
		m.Previous = manifest.VersionID(sha256.Sum256([]byte(m.Name)))
	}
	for f := range p.Files {
		if p.SameFiles {
			rng = rand.NewChaCha8(seed32(p.Seed + 1))
		}
		file := manifest.File{Path: fmt.Sprintf("dir/file-%03d.bin", f), Size: int64(p.FileSize), Mode: 0o644}
		for off := 0; off < p.FileSize; off += p.ChunkSize {
			b := make([]byte, min(p.ChunkSize, p.FileSize-off))
			fill(rng, b, p.Compressible)
			h := m.HashAlgo.Sum(b)
			data[h] = b
			file.Chunks = append(file.Chunks, manifest.Chunk{Hash: h, Size: uint32(len(b)), Compressible: p.Compressible})
		}
		m.Files = append(m.Files, file)
	}
	s, err := manifest.Seal(m, key)
	return s, data, err
}

func seed32(s uint64) [32]byte {
	var b [32]byte
	for i := range 8 {
		b[i] = byte(s >> (8 * i))
	}
	return b
}

var words = []string{"alpha ", "beta ", "gamma ", "delta ", "chunk ", "peer ", "swarm ", "seed\n"}

// fill fills b with random bytes, or with random words when text is set.
func fill(rng *rand.ChaCha8, b []byte, text bool) {
	if !text {
		_, _ = rng.Read(b)
		return
	}
	for off := 0; off < len(b); {
		off += copy(b[off:], words[rng.Uint64()%uint64(len(words))])
	}
}
