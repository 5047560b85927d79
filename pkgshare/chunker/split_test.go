package chunker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

func TestSplitMatchesBoundaries(t *testing.T) {
	p := smallParams
	data := randomBytes(5, 300<<10)
	sizes := []int{0, 1, p.Min - 1, p.Min, p.Min + 1, p.Avg, p.Max - 1, p.Max, p.Max + 1,
		2*p.Max + 7, 10_000, 100_003, len(data)}
	readers := []struct {
		name string
		wrap func(io.Reader) io.Reader
	}{
		{"whole", func(r io.Reader) io.Reader { return r }},
		{"one byte", iotest.OneByteReader},
		{"half", iotest.HalfReader},
		{"eof with data", iotest.DataErrReader},
		{"odd reads", func(r io.Reader) io.Reader { return &oddReader{r: r} }},
	}
	bufSizes := []int{1, 61, p.Max, 3*p.Max + 5, 1 << 16}
	for _, rd := range readers {
		t.Run(rd.name, func(t *testing.T) {
			for _, n := range sizes {
				for _, bs := range bufSizes {
					if bs < p.Max && n > 20_000 {
						continue // a block per few bytes: slow, and nothing new
					}
					chunks, err := splitBlocks(rd.wrap(bytes.NewReader(data[:n])), p, 1+n%3, bs)
					require.NoError(t, err, "size %d buffer %d", n, bs)
					requireChunks(t, data[:n], p, chunks)
				}
			}
		})
	}
}

// oddReader returns reads of 1, 2, 3, ... 97 bytes, then again.
type oddReader struct {
	r io.Reader
	n int
}

func (o *oddReader) Read(b []byte) (int, error) {
	o.n = o.n%97 + 1
	return o.r.Read(b[:min(len(b), o.n)])
}

func TestSplitDefaultParams(t *testing.T) {
	n := 24<<20 + 12345
	if raceEnabled {
		n = 6<<20 + 12345
	}
	data := randomBytes(6, n)
	for _, workers := range []int{0, 1, 3} {
		var progress atomic.Int64
		opts := Options{Params: DefaultParams(), Workers: workers, Progress: func(n int64) { progress.Add(n) }}
		chunks, err := Split(context.Background(), bytes.NewReader(data), opts)
		require.NoError(t, err)
		requireChunks(t, data, opts.Params, chunks)
		require.Equal(t, int64(n), progress.Load(), "progress reports every byte once")
	}
}

func TestSplitEmpty(t *testing.T) {
	chunks, err := Split(context.Background(), bytes.NewReader(nil), Options{Params: DefaultParams()})
	require.NoError(t, err)
	require.Empty(t, chunks)
}

func TestSplitRejectsBadParams(t *testing.T) {
	_, err := Split(context.Background(), bytes.NewReader([]byte("x")), Options{})
	require.ErrorIs(t, err, ErrParams)
}

func TestSplitReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	for _, want := range []error{boom, io.ErrUnexpectedEOF} {
		t.Run(want.Error(), func(t *testing.T) {
			r := io.MultiReader(bytes.NewReader(randomBytes(7, 100_000)), iotest.ErrReader(want))
			chunks, err := Split(context.Background(), r, Options{Params: smallParams})
			require.ErrorIs(t, err, want)
			require.ErrorContains(t, err, "offset 100000")
			require.Nil(t, chunks)
		})
	}
}

func TestSplitCancel(t *testing.T) {
	for _, n := range []int{100, 1 << 20} {
		t.Run(fmt.Sprintf("before start, %d bytes", n), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_, err := Split(ctx, bytes.NewReader(randomBytes(8, n)), Options{Params: smallParams})
			require.Equal(t, context.Canceled, err)
		})
	}
	t.Run("while reading an endless stream", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r := &endless{cancelAfter: 8 << 20, cancel: cancel}
		chunks, err := Split(ctx, r, Options{Params: DefaultParams(), Workers: 2})
		require.Equal(t, context.Canceled, err)
		require.Nil(t, chunks)
	})
	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), -1)
		defer cancel()
		_, err := Split(ctx, &endless{}, Options{Params: DefaultParams()})
		require.Equal(t, context.DeadlineExceeded, err)
	})
}

// endless is a reader that never ends; it calls cancel once it has
// returned cancelAfter bytes.
type endless struct {
	n, cancelAfter int
	cancel         func()
}

func (e *endless) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte(e.n + i*7)
	}
	e.n += len(b)
	if e.cancel != nil && e.n >= e.cancelAfter {
		e.cancel()
	}
	return len(b), nil
}
