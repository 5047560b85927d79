package home

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOpenDBRefusesDamaged checks that a database file that exists but
// holds no database is refused with a DamagedError that names it and says
// how to start afresh, and is left byte for byte as it was. An empty file
// used to be taken for a new database, so a truncated p2psb.db silently
// became an empty library.
func TestOpenDBRefusesDamaged(t *testing.T) {
	cases := []struct {
		name    string
		content []byte
		reason  string
	}{
		{"empty", []byte{}, "it is empty (0 bytes)"},
		{"garbage", []byte("this is not a database, whatever its name says, and it is long enough"), "file is not a database"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHome(t)
			path := h.Path(DatabaseFile)
			require.NoError(t, os.WriteFile(path, tc.content, 0o600))

			_, err := h.DB()
			var de *DamagedError
			require.ErrorAs(t, err, &de)
			require.Equal(t, path, de.Path)
			require.Contains(t, err.Error(), "database "+path+" is damaged: "+tc.reason+". ")
			require.Contains(t, err.Error(), "mv "+path+"* ")

			after, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, tc.content, after, "opening must not change the damaged file")
			_, err = OpenDB(path)
			require.ErrorAs(t, err, &de, "a second try is refused the same way")
		})
	}
}

// TestOpenDBRefusesOrphanWAL checks that no new database is made beside
// the write-ahead log of one that was moved away: SQLite would replay the
// old log into the new file.
func TestOpenDBRefusesOrphanWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), DatabaseFile)
	require.NoError(t, os.WriteFile(path+"-wal", []byte("frames of another database"), 0o600))
	_, err := OpenDB(path)
	var de *DamagedError
	require.ErrorAs(t, err, &de)
	require.Contains(t, err.Error(), "it is missing but "+path+"-wal is there")
	require.NoFileExists(t, path)
}

// TestOpenDBNewConcurrently checks that processes opening a new database
// at once all get the same, usable one: none sees a half-made file.
func TestOpenDBNewConcurrently(t *testing.T) {
	path := filepath.Join(t.TempDir(), DatabaseFile)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := OpenDB(path)
			if err == nil {
				_, err = db.Exec(`CREATE TABLE IF NOT EXISTS t(x); INSERT INTO t VALUES(1)`)
				db.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	db, err := OpenDB(path)
	require.NoError(t, err)
	defer db.Close()
	var count int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM t`).Scan(&count))
	require.Equal(t, n, count)
	leftovers, err := filepath.Glob(filepath.Join(filepath.Dir(path), ".*"))
	require.NoError(t, err)
	require.Empty(t, leftovers, "temporary databases are removed")
}

// newHome opens a new home in a directory of its own, mode 0700 (a
// t.TempDir is 0755, which Open warns about).
func newHome(t *testing.T) *Home {
	t.Helper()
	h, err := Open(filepath.Join(t.TempDir(), "home"))
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	return h
}
