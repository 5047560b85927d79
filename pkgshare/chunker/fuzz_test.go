package chunker

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzBoundaries checks the cut invariants, the plain definition, Split's
// agreement and resynchronisation on arbitrary data and small params.
func FuzzBoundaries(f *testing.F) {
	f.Add([]byte{}, uint16(0), uint16(192), uint16(768))
	f.Add([]byte("hello"), uint16(0), uint16(0), uint16(0))
	f.Add(randomBytes(12, 5000), uint16(0), uint16(192), uint16(768))
	f.Add(randomBytes(13, 12000), uint16(100), uint16(1000), uint16(3000))
	f.Add(make([]byte, 3000), uint16(10), uint16(20), uint16(30))
	f.Add(bytes.Repeat([]byte("p2psb"), 1000), uint16(1), uint16(2), uint16(3))
	f.Fuzz(func(t *testing.T, data []byte, minExtra, avgExtra, maxExtra uint16) {
		data = data[:min(len(data), 1<<15)] // longer inputs only slow the fuzzer
		p := Params{Min: WindowSize + int(minExtra%1024)}
		p.Avg = p.Min + int(avgExtra%4096)
		p.Max = p.Avg + int(maxExtra%8192)
		require.NoError(t, p.Validate())

		cuts := Boundaries(data, p)
		requireCutInvariants(t, cuts, len(data), p)
		require.Equal(t, refBoundaries(data, p), cuts)
		if len(cuts) > 1 {
			// Cutting from any cut point gives the same later cuts.
			rest := Boundaries(data[cuts[0]:], p)
			for i := range rest {
				rest[i] += cuts[0]
			}
			require.Equal(t, cuts[1:], rest)
		}
		chunks, err := splitBlocks(&oddReader{r: bytes.NewReader(data)}, p, 2, p.Max+int(minExtra)%(2*p.Max))
		require.NoError(t, err)
		requireChunks(t, data, p, chunks)
	})
}
