package chunker

import (
	"context"
	"encoding/binary"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/zeebo/blake3"
)

// splitmix is the splitmix64 generator: gen_gear.go draws the gear table
// from it, and tests draw their pseudo-random inputs from it.
type splitmix uint64

func (s *splitmix) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// randomBytes returns n pseudo-random bytes, the same for the same seed forever.
func randomBytes(seed uint64, n int) []byte {
	s := splitmix(seed)
	b := make([]byte, (n+7)&^7)
	for i := 0; i < len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], s.next())
	}
	return b[:n]
}

// smallParams are tiny bounds that give many chunks from little data.
var smallParams = Params{Min: 64, Avg: 256, Max: 1024}

// windowHash is the gear hash of the window ending at data[i], computed
// from its definition.
func windowHash(data []byte, i int) uint64 {
	var h uint64
	for k := 0; k < WindowSize && k <= i; k++ {
		h += gear[data[i-k]] << k
	}
	return h
}

// rollingHashes returns the gear hash after every byte of data, rolled
// over the whole of data from its start: bytes older than the window have
// been shifted out, so it equals windowHash (TestRollingIsWindowed).
func rollingHashes(data []byte) []uint64 {
	hs := make([]uint64, len(data))
	var h uint64
	for i, b := range data {
		h = h<<1 + gear[b]
		hs[i] = h
	}
	return hs
}

// refBoundaries is Boundaries written as plainly as the rule in cut.go.
func refBoundaries(data []byte, p Params) []int {
	strict, loose := p.thresholds()
	hs := rollingHashes(data)
	var cuts []int
	for s := 0; s < len(data); {
		end := min(s+p.Max, len(data))
		for z := p.Min; s+z < end; z++ {
			thr := loose
			if z < p.Avg {
				thr = strict
			}
			if hs[s+z-1] < thr {
				end = s + z
				break
			}
		}
		cuts = append(cuts, end)
		s = end
	}
	return cuts
}

// requireChunks checks chunks against the cut points of data.
func requireChunks(t *testing.T, data []byte, p Params, chunks []Chunk) {
	t.Helper()
	cuts := Boundaries(data, p)
	require.Len(t, chunks, len(cuts))
	var off int64
	for i, c := range chunks {
		require.Equal(t, off, c.Offset, "chunk %d offset", i)
		require.Equal(t, int64(cuts[i]), off+int64(c.Size), "chunk %d end", i)
		require.Equal(t, blake3.Sum256(data[off:cuts[i]]), c.Hash, "chunk %d hash", i)
		off += int64(c.Size)
	}
	require.Equal(t, int64(len(data)), off)
}

// splitBlocks is Split on the read path with blocks of size fresh bytes.
func splitBlocks(r io.Reader, p Params, workers, size int) ([]Chunk, error) {
	s := &splitter{opts: Options{Params: p}, workers: workers}
	return s.split(context.Background(), r, size)
}
