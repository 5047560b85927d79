package sink

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSizePartialReserves(t *testing.T) {
	for _, tc := range []struct {
		name string
		have []byte // already in the file (a resumed fetch)
		size int64
	}{
		{name: "new", size: 1 << 20},
		{name: "resumed", have: []byte("verified chunk bytes"), size: 1 << 20},
		{name: "empty", size: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f0000000")
			require.NoError(t, os.WriteFile(path, tc.have, 0o600))
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			require.NoError(t, err)
			defer f.Close()
			require.NoError(t, sizePartial(f, tc.size))
			fi, err := f.Stat()
			require.NoError(t, err)
			require.Equal(t, tc.size, fi.Size())
			got := make([]byte, len(tc.have))
			_, err = f.ReadAt(got, 0)
			require.NoError(t, err)
			require.Equal(t, string(tc.have), string(got), "reserving keeps what the file holds")
			if st, ok := fi.Sys().(*syscall.Stat_t); ok && tc.size > 0 {
				require.GreaterOrEqual(t, st.Blocks*512, tc.size, "blocks reserved (file system without fallocate?)")
			}
		})
	}
}
