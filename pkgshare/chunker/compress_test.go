package chunker

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// text returns n bytes of English-like prose.
func text(n int) []byte {
	words := strings.Fields("the quick brown fox jumps over a lazy dog while seven " +
		"packages of chunks travel between peers on the network and every byte is verified")
	s := splitmix(9)
	var b bytes.Buffer
	for b.Len() < n {
		b.WriteString(words[s.next()%uint64(len(words))])
		b.WriteByte(' ')
	}
	return b.Bytes()[:n]
}

func TestCompressible(t *testing.T) {
	random := randomBytes(10, 2<<20)
	halfZero := append(make([]byte, 1<<20), random[:1<<20]...)
	tests := []struct {
		name string
		data []byte
		want bool
	}{
		{"zeros", make([]byte, 2<<20), true},
		{"text", text(2 << 20), true},
		{"random", random, false},
		{"short text", text(300), true},
		{"short random", random[:300], false},
		{"tiny", []byte("ab"), false},
		{"half zeros", halfZero, true},
		{"random with a zero run between samples", append(bytes.Clone(random[:100_000]), make([]byte, 100)...), false},
	}
	pr, err := newProbe()
	require.NoError(t, err)
	defer pr.release()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, pr.compressible(tc.data))
		})
	}
}

func TestSplitMarksCompressible(t *testing.T) {
	p := Params{Min: 64 << 10, Avg: 128 << 10, Max: 256 << 10}
	data := append(append(make([]byte, 1<<20), randomBytes(11, 1<<20)...), text(1<<20)...)
	chunks, err := Split(context.Background(), bytes.NewReader(data), Options{Params: p})
	require.NoError(t, err)
	requireChunks(t, data, p, chunks)
	for _, c := range chunks {
		end := c.Offset + int64(c.Size)
		switch {
		case end <= 1<<20:
			require.True(t, c.Compressible, "zeros at %d", c.Offset)
		case c.Offset >= 1<<20 && end <= 2<<20:
			require.False(t, c.Compressible, "random at %d", c.Offset)
		case c.Offset >= 2<<20:
			require.True(t, c.Compressible, "text at %d", c.Offset)
		}
	}
}
