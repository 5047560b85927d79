package chunker

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestKnownVector pins the chunk format. If it fails, chunk addresses have
// changed: that is a format break, not a test to update.
func TestKnownVector(t *testing.T) {
	t.Run("gear table", func(t *testing.T) {
		s := splitmix(gearSeed)
		table := make([]byte, 0, 8*len(gear))
		for i, g := range gear {
			require.Equal(t, s.next(), g, "gear[%d] is not splitmix64 output %d", i, i)
			table = binary.LittleEndian.AppendUint64(table, g)
		}
		require.Equal(t, "810fe897910373dec8db3ee539062b3f538796ae0faa385e49ebdedd6a2bc8b0",
			hex.EncodeToString(sha256Of(table)))
	})
	data := randomBytes(1, 16<<20)
	t.Run("default params", func(t *testing.T) {
		want := []int{1094587, 1750016, 2825558, 4139614, 5515179, 7056535, 7463893, 8973363,
			10695157, 11833735, 13351512, 14548454, 15826182, 16563228, 16777216}
		require.Equal(t, want, Boundaries(data, DefaultParams()))
	})
	t.Run("small params", func(t *testing.T) {
		cuts := Boundaries(data[:1<<20], smallParams)
		require.Len(t, cuts, 3603)
		require.Equal(t, []int{311, 681, 813, 1151, 1447, 1732, 2117, 2433}, cuts[:8])
		enc := make([]byte, 0, 8*len(cuts))
		for _, c := range cuts {
			enc = binary.LittleEndian.AppendUint64(enc, uint64(c))
		}
		require.Equal(t, "6328b7a85eb0216bc9815e8d73fa2a20aa420fc87e3cb33936360da2da4c2c3e",
			hex.EncodeToString(sha256Of(enc)))
	})
	// The BLAKE3 of chunk 0 agrees with b3sum, the reference
	// implementation's command; the SHA-256 one is the format before it.
	for _, tc := range []struct {
		name        string
		sum         func([]byte) [32]byte
		first, list string
	}{
		{"split hashes", nil,
			"2802b70750f628c2367fb222b594d961300d835727961fa79bfe2d96d98dd312",
			"d2570d08f5acc6ebacc1a9c90847c53f2562022466d783a915868ed1aa623674"},
		{"split hashes sha256", sha256.Sum256,
			"7c915d2b383cdfe1ec09d4a342452fb8e04bff8255c970b18c8241a02b6c96f1",
			"0aa6b2b3c56b222b3f6b6fc1ca798b52a30ed0ac392c2d9615f29a3499923d87"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chunks, err := Split(context.Background(), bytes.NewReader(data), Options{Params: DefaultParams(), Sum: tc.sum})
			require.NoError(t, err)
			require.Equal(t, tc.first, hex.EncodeToString(chunks[0].Hash[:]))
			all := sha256.New()
			for _, c := range chunks {
				all.Write(c.Hash[:])
			}
			require.Equal(t, tc.list, hex.EncodeToString(all.Sum(nil)))
		})
	}
}

func sha256Of(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}

func TestRollingIsWindowed(t *testing.T) {
	data := randomBytes(20, 2000)
	hs := rollingHashes(data)
	for i := range data {
		require.Equal(t, windowHash(data, i), hs[i], "byte %d", i)
	}
}

func TestBoundariesMatchesDefinition(t *testing.T) {
	data := randomBytes(2, 256<<10)
	tests := []struct {
		name string
		p    Params
		data []byte
	}{
		{"small", smallParams, data},
		{"min equals avg", Params{Min: 64, Avg: 64, Max: 512}, data},
		{"avg equals max", Params{Min: 100, Avg: 700, Max: 700}, data},
		{"fixed size", Params{Min: 500, Avg: 500, Max: 500}, data[:10007]},
		{"odd sizes", Params{Min: 77, Avg: 333, Max: 2001}, data},
		{"zeros", smallParams, make([]byte, 10000)},
		{"low entropy", smallParams, bytes.Repeat([]byte("abcab"), 5000)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Boundaries(tc.data, tc.p)
			require.Equal(t, refBoundaries(tc.data, tc.p), got)
			requireCutInvariants(t, got, len(tc.data), tc.p)
		})
	}
}

// requireCutInvariants checks what every cut list must satisfy.
func requireCutInvariants(t *testing.T, cuts []int, n int, p Params) {
	t.Helper()
	if n == 0 {
		require.Empty(t, cuts)
		return
	}
	require.Equal(t, n, cuts[len(cuts)-1], "last cut is the end")
	prev := 0
	for i, c := range cuts {
		size := c - prev
		require.Positive(t, size, "chunk %d", i)
		require.LessOrEqual(t, size, p.Max, "chunk %d", i)
		if i < len(cuts)-1 {
			require.GreaterOrEqual(t, size, p.Min, "chunk %d", i)
		}
		prev = c
	}
}

func TestChunkSizeDistribution(t *testing.T) {
	n := 64 << 20
	if raceEnabled {
		n = 16 << 20
	}
	p := DefaultParams()
	cuts := Boundaries(randomBytes(3, n), p)
	requireCutInvariants(t, cuts, n, p)
	mean := n / len(cuts)
	require.InDelta(t, 1.1*float64(p.Avg), float64(mean), 0.25*float64(p.Avg),
		"mean chunk size on random data")
}

// TestEditsAreLocal checks the point of content-defined chunking: an edit
// changes the chunks around it and no others.
func TestEditsAreLocal(t *testing.T) {
	n, p := 32<<20, DefaultParams()
	if raceEnabled {
		n, p = 4<<20, Params{Min: 32 << 10, Avg: 128 << 10, Max: 512 << 10}
	}
	orig := randomBytes(4, n)
	edits := []struct {
		name string
		edit func([]byte) []byte
	}{
		{"insert near start", func(b []byte) []byte { return splice(b, 1000, 0, []byte("xyz")) }},
		{"insert at start", func(b []byte) []byte { return splice(b, 0, 0, []byte{1}) }},
		{"insert in middle", func(b []byte) []byte { return splice(b, n/2, 0, []byte("hello, world")) }},
		{"delete in middle", func(b []byte) []byte { return splice(b, n/3, 17, nil) }},
		{"overwrite near end", func(b []byte) []byte { return splice(b, n-5000, 8, []byte("12345678")) }},
	}
	before := chunkSet(orig, p)
	for _, tc := range edits {
		t.Run(tc.name, func(t *testing.T) {
			edited := tc.edit(bytes.Clone(orig))
			after := chunkSet(edited, p)
			shared := 0
			for h := range after {
				if before[h] {
					shared++
				}
			}
			require.Greater(t, len(before), 20)
			require.GreaterOrEqual(t, shared, len(before)-2, "chunks kept of %d", len(before))
			require.LessOrEqual(t, len(after)-shared, 2, "new chunks")
		})
	}
}

func splice(b []byte, at, del int, ins []byte) []byte {
	out := append(bytes.Clone(b[:at]), ins...)
	return append(out, b[at+del:]...)
}

func chunkSet(data []byte, p Params) map[[32]byte]bool {
	set := map[[32]byte]bool{}
	prev := 0
	for _, c := range Boundaries(data, p) {
		set[sha256.Sum256(data[prev:c])] = true
		prev = c
	}
	return set
}

func TestBoundariesPanicsOnBadParams(t *testing.T) {
	require.Panics(t, func() { Boundaries([]byte("x"), Params{}) })
}

func TestScanMatchesBytewise(t *testing.T) {
	data := randomBytes(14, 4096)
	for _, thr := range []uint64{0, 1 << 52, 1 << 56, 1 << 60, 1 << 63} {
		for start := 0; start < 40; start++ {
			for _, h0 := range []uint64{0, 0xdeadbeef12345678} {
				j, h := scan(data[start:], h0, thr)
				wantJ, wantH := scanBytes(data[start:], h0, thr)
				require.Equal(t, wantJ, j, "thr %#x start %d", thr, start)
				require.Equal(t, wantH, h, "thr %#x start %d", thr, start)
			}
		}
	}
}
