package sink

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestExistingFiles puts a file of the user's at a path of the version,
// before the fetch or while it runs: the fetch fails naming it and leaves
// it as it was.
func TestExistingFiles(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before bool
	}{{"before the fetch", true}, {"while fetching", false}} {
		bothWays(t, tc.name, func(t *testing.T, local bool) {
			c := newLinkCase(t)
			target := t.TempDir()
			mine := filepath.Join(target, "sub", "x.bin")
			plant := func() {
				require.NoError(t, os.MkdirAll(filepath.Dir(mine), 0o755))
				require.NoError(t, os.WriteFile(mine, []byte("mine"), 0o644))
			}
			var mid func()
			if tc.before {
				plant()
			} else {
				mid = plant
			}
			err := c.fetch(t, target, local, mid)
			require.ErrorContains(t, err, mine+": is in the way")
			got, err := os.ReadFile(mine)
			require.NoError(t, err)
			require.Equal(t, "mine", string(got))
			if tc.before {
				require.NoDirExists(t, filepath.Join(target, PartialDir), "nothing is written")
			}
		})
	}
}
