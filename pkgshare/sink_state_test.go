package pkgshare

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/xfer"
)

// chunkRows counts the pkgshare_chunks rows of a version.
func chunkRows(t *testing.T, lib *Library, id manifest.VersionID) int {
	t.Helper()
	var n int
	require.NoError(t, lib.db.QueryRow(`SELECT COUNT(*) FROM pkgshare_chunks WHERE version_id = ?`,
		id.String()).Scan(&n))
	return n
}

// requireSameFiles checks that files have the same content under both
// directories.
func requireSameFiles(t *testing.T, want, have string, files ...string) {
	t.Helper()
	for _, f := range files {
		w, err := os.ReadFile(filepath.Join(want, f))
		require.NoError(t, err)
		h, err := os.ReadFile(filepath.Join(have, f))
		require.NoError(t, err)
		require.Equal(t, w, h, f)
	}
}

// chunkBytes returns the bytes of every chunk of s, read from its files
// under root.
func chunkBytes(t *testing.T, s *manifest.Sealed, root string) map[manifest.ChunkHash][]byte {
	t.Helper()
	out := map[manifest.ChunkHash][]byte{}
	for _, f := range s.Files {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f.Path)))
		require.NoError(t, err)
		for _, c := range f.Chunks {
			out[c.Hash], data = data[:c.Size], data[c.Size:]
		}
	}
	return out
}

// TestFetchResumesAfterKill stops a fetch after some chunks are written
// and their progress recorded, as SIGKILL would (no completion, no chunk
// rows yet), and checks that a second fetch moves only what is missing,
// and that the completed version has exactly one row per chunk, also when
// the interrupted fetch was started by an older p2psb that recorded the
// chunk rows at its start.
func TestFetchResumesAfterKill(t *testing.T) {
	for _, tc := range []struct {
		name     string
		oldStart bool // the interrupted fetch recorded its chunk rows at its start
	}{
		{name: "started by this version"},
		{name: "started by an older p2psb", oldStart: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			seeder := startTestNode(t, 21)
			src := t.TempDir()
			writeRandom(t, filepath.Join(src, "a.bin"), 6<<20)
			writeRandom(t, filepath.Join(src, "b.bin"), 2<<20)
			res, err := Publish(ctx, seeder.Library, testKey(t, 21), src, PublishOptions{Name: "resume"})
			require.NoError(t, err)
			v, err := seeder.Library.VersionByID(ctx, res.VersionID)
			require.NoError(t, err)
			s := v.Sealed
			require.Greater(t, len(s.Files[0].Chunks), 2, "a.bin must span several chunks")

			fetcher := startTestNode(t, 22)
			target := t.TempDir()
			k, err := fetcher.Library.openSink(ctx, s, target)
			require.NoError(t, err)
			require.Zero(t, chunkRows(t, fetcher.Library, s.ID), "chunk rows wait for completion")
			if tc.oldStart {
				addOldStyleChunkRows(t, fetcher.Library, s)
			}
			data := chunkBytes(t, s, src)
			var written int64
			for _, c := range s.Files[0].Chunks[:2] {
				require.NoError(t, k.WriteChunk(ctx, c.Hash, data[c.Hash]))
				written += int64(c.Size)
			}
			require.NoError(t, k.flush(ctx, true))
			for _, f := range k.files { // killed: the files close, nothing else happens
				if f != nil {
					require.NoError(t, f.Close())
				}
			}

			got, err := fetcher.Fetch(ctx, FetchOptions{Ref: manifest.Ref{ID: res.ID}, Target: target,
				Peers: []peer.AddrInfo{addrInfo(seeder)}, ResolveTimeout: 10 * time.Second})
			require.NoError(t, err)
			require.Equal(t, s.Size()-written, got.FetchedBytes, "only what is missing moves")
			requireSameFiles(t, src, target, "a.bin", "b.bin")
			require.NoDirExists(t, filepath.Join(target, PartialDir))
			require.Equal(t, s.ChunkCount(), chunkRows(t, fetcher.Library, s.ID))
		})
	}
}

// addOldStyleChunkRows records the chunk rows of an incomplete version the
// way p2psb did before they moved to completion.
func addOldStyleChunkRows(t *testing.T, lib *Library, s *manifest.Sealed) {
	t.Helper()
	tx, err := lib.db.Begin()
	require.NoError(t, err)
	defer tx.Rollback()
	require.NoError(t, insertChunks(context.Background(), tx, s))
	require.NoError(t, tx.Commit())
	require.Equal(t, s.ChunkCount(), chunkRows(t, lib, s.ID))
}

// TestFetchedVersionIsALocalSource checks that a completed fetch records
// where its chunks are, so a later fetch of a package sharing them copies
// them instead of fetching them.
func TestFetchedVersionIsALocalSource(t *testing.T) {
	ctx := context.Background()
	seeder := startTestNode(t, 23)
	first, second := t.TempDir(), t.TempDir()
	writeRandom(t, filepath.Join(first, "shared.bin"), 3<<20)
	data, err := os.ReadFile(filepath.Join(first, "shared.bin"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(second, "same.bin"), data, 0o644))
	writeRandom(t, filepath.Join(second, "new.bin"), 1<<20)
	p1, err := Publish(ctx, seeder.Library, testKey(t, 23), first, PublishOptions{Name: "first"})
	require.NoError(t, err)
	p2, err := Publish(ctx, seeder.Library, testKey(t, 23), second, PublishOptions{Name: "second"})
	require.NoError(t, err)

	fetcher := startTestNode(t, 24)
	peers := []peer.AddrInfo{addrInfo(seeder)}
	got1, err := fetcher.Fetch(ctx, FetchOptions{Ref: manifest.Ref{ID: p1.ID}, Target: t.TempDir(), Peers: peers,
		ResolveTimeout: 10 * time.Second})
	require.NoError(t, err)
	require.EqualValues(t, 3<<20, got1.FetchedBytes)
	got2, err := fetcher.Fetch(ctx, FetchOptions{Ref: manifest.Ref{ID: p2.ID}, Target: t.TempDir(), Peers: peers,
		ResolveTimeout: 10 * time.Second})
	require.NoError(t, err)
	require.EqualValues(t, 3<<20, got2.LocalBytes, "the fetched copy of shared.bin is copied")
	require.EqualValues(t, 1<<20, got2.FetchedBytes)
}

func TestHeldHashes(t *testing.T) {
	s := syntheticVersion(t, 31, 0, 1200, 3) // three lookups of hashesPerLookup
	other := syntheticVersion(t, 32, 600, 1200, 2)
	inOther := map[manifest.ChunkHash]bool{}
	for _, c := range xfer.Chunks(&other.Manifest) {
		inOther[c.Hash] = true
	}
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, lib *Library)
		want  int // chunks of s found, all of them in other
	}{
		{name: "empty library", setup: func(*testing.T, *Library) {}},
		{name: "other version shares half", want: 600,
			setup: func(t *testing.T, lib *Library) { addComplete(t, lib, other, t.TempDir()) }},
		{name: "other version incomplete", setup: func(t *testing.T, lib *Library) {
			addComplete(t, lib, other, t.TempDir())
			_, err := lib.db.Exec(`UPDATE pkgshare_versions SET complete = 0 WHERE id = ?`, other.ID.String())
			require.NoError(t, err)
		}},
		{name: "only the version itself", setup: func(t *testing.T, lib *Library) { addComplete(t, lib, s, t.TempDir()) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lib := newTestLibrary(t)
			tc.setup(t, lib)
			k := newFileSink(lib, s, t.TempDir())
			idx := make([]int, len(k.chunks))
			for i := range idx {
				idx[i] = i
			}
			held, err := lib.heldHashes(context.Background(), k, idx)
			require.NoError(t, err)
			require.Len(t, held, tc.want)
			for h := range held {
				require.True(t, inOther[h], "%s is not in the other version", h)
			}
		})
	}
}
