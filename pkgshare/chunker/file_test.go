package chunker

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

func writeTemp(t *testing.T, data []byte) *os.File {
	t.Helper()
	path := filepath.Join(t.TempDir(), "input")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	f, err := os.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	return f
}

func TestSplitFile(t *testing.T) {
	data := randomBytes(15, 5<<20+17)
	tests := []struct {
		name string
		p    Params
		n    int
	}{
		{"empty", smallParams, 0},
		{"short, read", smallParams, 200},
		{"avg, read", smallParams, smallParams.Avg},
		{"avg+1, mapped", smallParams, smallParams.Avg + 1},
		{"many chunks, mapped", smallParams, 100_003},
		{"default params, mapped", DefaultParams(), len(data)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := writeTemp(t, data[:tc.n])
			chunks, err := Split(context.Background(), f, Options{Params: tc.p})
			require.NoError(t, err)
			requireChunks(t, data[:tc.n], tc.p, chunks)
			pos, err := f.Seek(0, io.SeekCurrent)
			require.NoError(t, err)
			require.Equal(t, int64(tc.n), pos, "the file is read to the end")
		})
	}
}

func TestSplitFileFromOffset(t *testing.T) {
	data := randomBytes(16, 50_000)
	f := writeTemp(t, data)
	_, err := f.Seek(1234, io.SeekStart)
	require.NoError(t, err)
	chunks, err := Split(context.Background(), f, Options{Params: smallParams})
	require.NoError(t, err)
	requireChunks(t, data[1234:], smallParams, chunks)
}

func TestSplitPipe(t *testing.T) {
	data := randomBytes(17, 200_000)
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	defer pr.Close()
	done := make(chan error, 1)
	go func() {
		_, err := pw.Write(data)
		pw.Close()
		done <- err
	}()
	chunks, err := Split(context.Background(), pr, Options{Params: smallParams})
	require.NoError(t, err)
	require.NoError(t, <-done)
	requireChunks(t, data, smallParams, chunks)
}

// TestSplitFileShrinks truncates a mapped file under Split: the memory
// fault must come back as ErrChanged, not kill the process.
func TestSplitFileShrinks(t *testing.T) {
	f := writeTemp(t, randomBytes(18, 1<<20))
	var truncated bool
	var truncErr error
	opts := Options{Params: smallParams, Workers: 1, Progress: func(int64) {
		if !truncated {
			truncated, truncErr = true, os.Truncate(f.Name(), 0)
		}
	}}
	chunks, err := Split(context.Background(), f, opts)
	require.True(t, truncated)
	require.NoError(t, truncErr)
	require.ErrorIs(t, err, ErrChanged)
	require.Nil(t, chunks)
}

func TestMapFile(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("files are read, not mapped, on " + runtime.GOOS)
	}
	data := randomBytes(19, 10_000)
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	defer pr.Close()
	defer pw.Close()
	tests := []struct {
		name string
		r    func(t *testing.T) io.Reader
		ok   bool
	}{
		{"file", func(t *testing.T) io.Reader { return writeTemp(t, data) }, true},
		{"short file", func(t *testing.T) io.Reader { return writeTemp(t, data[:1000]) }, false},
		{"file at offset", func(t *testing.T) io.Reader {
			f := writeTemp(t, data)
			_, err := f.Seek(1, io.SeekStart)
			require.NoError(t, err)
			return f
		}, false},
		{"pipe", func(*testing.T) io.Reader { return pr }, false},
		{"not a file", func(*testing.T) io.Reader { return bytes.NewReader(data) }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, unmap, ok := mapFile(tc.r(t), 1000)
			require.Equal(t, tc.ok, ok)
			if ok {
				defer unmap()
				require.Equal(t, data, got)
			}
		})
	}
}
