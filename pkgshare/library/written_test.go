package library

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A file a selective fetch finished is p2psb's, so that the next version
// fetched into the same place may replace it; a file of the same version
// that was not fetched (something else is at its path) is not.
func TestReplaceablePresentFiles(t *testing.T) {
	ctx := context.Background()
	lib := newTestLibrary(t)
	s, err := SyntheticVersion(5, 0, 6, 2)
	require.NoError(t, err)
	next, err := SyntheticVersion(6, 0, 6, 2)
	require.NoError(t, err)
	target := t.TempDir()
	_, err = lib.StartFetch(ctx, s, target)
	require.NoError(t, err)
	at := time.Unix(1_700_000_000, 0)
	var paths []string
	for _, f := range s.Files {
		p := filepath.Join(target, f.Path)
		require.NoError(t, os.WriteFile(p, nil, 0o644))
		require.NoError(t, os.Truncate(p, f.Size))
		require.NoError(t, os.Chtimes(p, at, at))
		paths = append(paths, p)
	}
	require.NoError(t, lib.KeepPresent(ctx, s, map[int]time.Time{0: at}))

	ok, err := lib.Replaceable(ctx, next.ID, paths)
	require.NoError(t, err)
	require.Equal(t, map[string]bool{paths[0]: true, paths[1]: false}, ok)

	require.NoError(t, os.Chtimes(paths[0], at.Add(time.Second), at.Add(time.Second)))
	ok, err = lib.Replaceable(ctx, next.ID, paths[:1])
	require.NoError(t, err)
	require.False(t, ok[paths[0]], "changed since it was fetched")
}
