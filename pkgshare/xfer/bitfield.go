package xfer

import (
	"fmt"
	"math/bits"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// Bitfield is a set over the distinct chunks of one version, indexed in
// manifest order (see Chunks). Bit i lives in byte i/8 under mask
// 0x80>>(i%8); trailing bits of the last byte are zero. Not safe for
// concurrent mutation.
type Bitfield struct {
	n int
	b []byte
}

// NewBitfield returns an empty set over n chunks.
func NewBitfield(n int) *Bitfield {
	return &Bitfield{n: n, b: make([]byte, (n+7)/8)}
}

// FullBitfield returns a set holding all n chunks.
func FullBitfield(n int) *Bitfield {
	f := NewBitfield(n)
	for i := range n {
		f.Set(i)
	}
	return f
}

// ParseBitfield checks wire bytes for a set over n chunks.
func ParseBitfield(n int, b []byte) (*Bitfield, error) {
	if n < 0 || len(b) != (n+7)/8 {
		return nil, fmt.Errorf("%w: bitfield of %d bytes for %d chunks", ErrProtocol, len(b), n)
	}
	if n%8 != 0 && b[len(b)-1]&(0xff>>(n%8)) != 0 {
		return nil, fmt.Errorf("%w: bitfield has bits past chunk %d", ErrProtocol, n)
	}
	return &Bitfield{n: n, b: append([]byte(nil), b...)}, nil
}

// Len is the number of chunks the set ranges over.
func (f *Bitfield) Len() int { return f.n }

// Has reports whether chunk i is in the set; out-of-range i is not.
func (f *Bitfield) Has(i int) bool {
	return i >= 0 && i < f.n && f.b[i/8]&(0x80>>(i%8)) != 0
}

// Set adds chunk i; out-of-range i is ignored.
func (f *Bitfield) Set(i int) {
	if i >= 0 && i < f.n {
		f.b[i/8] |= 0x80 >> (i % 8)
	}
}

// Clear removes chunk i; out-of-range i is ignored.
func (f *Bitfield) Clear(i int) {
	if i >= 0 && i < f.n {
		f.b[i/8] &^= 0x80 >> (i % 8)
	}
}

// Count is the number of chunks in the set.
func (f *Bitfield) Count() int {
	c := 0
	for _, x := range f.b {
		c += bits.OnesCount8(x)
	}
	return c
}

// Full reports whether every chunk is in the set.
func (f *Bitfield) Full() bool { return f.Count() == f.n }

// Bytes returns a copy of the wire form.
func (f *Bitfield) Bytes() []byte { return append([]byte(nil), f.b...) }

// Clone returns an independent copy.
func (f *Bitfield) Clone() *Bitfield { return &Bitfield{n: f.n, b: f.Bytes()} }

// Chunks returns the distinct chunks of m in manifest order (first
// occurrence of each hash, files in order): the index space of Bitfields
// and HAVE messages.
func Chunks(m *manifest.Manifest) []manifest.Chunk {
	seen := make(map[manifest.ChunkHash]struct{}, m.ChunkCount())
	out := make([]manifest.Chunk, 0, m.ChunkCount())
	for _, f := range m.Files {
		for _, c := range f.Chunks {
			if _, ok := seen[c.Hash]; ok {
				continue
			}
			seen[c.Hash] = struct{}{}
			out = append(out, c)
		}
	}
	return out
}
