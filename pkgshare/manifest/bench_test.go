package manifest

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"testing"
)

// benchManifest has 1,000 files of 100 chunks of 1 MiB: a 100 GiB package.
func benchManifest(b *testing.B) (*Manifest, *Sealed) {
	key := testKey(b, 1)
	m := testManifest(key)
	m.Files = make([]File, 1000)
	for i := range m.Files {
		f := File{Path: fmt.Sprintf("disc %d/track %04d.flac", i%10, i), Mode: 0o644, Chunks: make([]Chunk, 100)}
		for j := range f.Chunks {
			var seed [16]byte
			binary.LittleEndian.PutUint64(seed[:], uint64(i))
			binary.LittleEndian.PutUint64(seed[8:], uint64(j))
			f.Chunks[j] = Chunk{Hash: sha256.Sum256(seed[:]), Size: 1 << 20}
			f.Size += 1 << 20
		}
		m.Files[i] = f
	}
	return m, seal(b, m, key)
}

func BenchmarkSeal(b *testing.B) {
	m, s := benchManifest(b)
	key := testKey(b, 1)
	b.SetBytes(int64(len(s.Raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Seal(m, key); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	_, s := benchManifest(b)
	b.SetBytes(int64(len(s.Raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Open(s.Raw); err != nil {
			b.Fatal(err)
		}
	}
}
