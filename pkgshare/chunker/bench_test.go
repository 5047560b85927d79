package chunker

import (
	"bytes"
	"context"
	"crypto/sha256"
	"sync"
	"testing"
)

var benchData = sync.OnceValue(func() []byte { return randomBytes(42, 256<<20) })

// BenchmarkSplit is the publish path: chunk, hash and probe 256 MiB of
// random data held in memory, with all cores.
func BenchmarkSplit(b *testing.B) {
	data := benchData()
	for _, workers := range []int{0, 1} {
		name := map[int]string{0: "all cores", 1: "one worker"}[workers]
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				_, err := Split(context.Background(), bytes.NewReader(data), Options{Params: DefaultParams(), Workers: workers})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
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

// BenchmarkSHA256 is the hashing alone, on one core, for comparison.
func BenchmarkSHA256(b *testing.B) {
	data := benchData()[:1<<20]
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		sha256.Sum256(data)
	}
}
