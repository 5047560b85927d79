package chunker

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/zeebo/blake3"
)

var benchData = sync.OnceValue(func() []byte { return randomBytes(42, 256<<20) })

// BenchmarkSplit is the publish path: chunk, hash and probe 256 MiB of
// random data, held in memory (read through bytes.Reader, which copies it
// like a read from the page cache) or in a file (mapped), with all cores
// or with one hashing worker.
func BenchmarkSplit(b *testing.B) {
	data := benchData()
	path := filepath.Join(b.TempDir(), "input")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	inputs := []struct {
		name string
		open func() (io.Reader, func())
	}{
		{"memory", func() (io.Reader, func()) { return bytes.NewReader(data), func() {} }},
		{"file", func() (io.Reader, func()) {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			return f, func() { f.Close() }
		}},
	}
	for _, in := range inputs {
		for _, workers := range []int{0, 1} {
			b.Run(fmt.Sprintf("%s/workers=%d", in.name, workers), func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					r, done := in.open()
					_, err := Split(context.Background(), r, Options{Params: DefaultParams(), Workers: workers})
					done()
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkBoundaries is the cutting alone, on one core.
func BenchmarkBoundaries(b *testing.B) {
	data := benchData()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		Boundaries(data, DefaultParams())
	}
}

// BenchmarkScan is the gear hash inner loop with no candidates.
func BenchmarkScan(b *testing.B) {
	data := benchData()[:1<<20]
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		scan(data, 0, 0)
	}
}

// BenchmarkSHA256 and BenchmarkBLAKE3 are the hashing alone, on one core,
// for comparison: BLAKE3 is the chunk hash, SHA-256 the one before it.
func BenchmarkSHA256(b *testing.B) {
	data := benchData()[:1<<20]
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		sha256.Sum256(data)
	}
}

func BenchmarkBLAKE3(b *testing.B) {
	data := benchData()[:1<<20]
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		blake3.Sum256(data)
	}
}
