package seeder_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/internal/nodetest"
	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/seeder"
	"github.com/p2psb/p2psb/pkgshare/xfer"
)

// A file rewritten behind the seeder with its size and modification time
// kept: the seeder never sends the chunk that changed, notices, logs the
// file, records it unservable in the library (a seeder started later on
// the same library does not serve it either) and keeps serving the
// version's other files.
func TestStopsServingFileChangedInPlace(t *testing.T) {
	ctx := context.Background()
	lib := openLibrary(t)
	dir := t.TempDir()
	bad, good := filepath.Join(dir, "bad.bin"), filepath.Join(dir, "good.bin")
	nodetest.WriteRandom(t, bad, 6<<20)
	nodetest.WriteRandom(t, good, 2<<20)
	v := publish(t, lib, dir, "tampered")
	require.Equal(t, "bad.bin", v.Files[0].Path)
	badChunks, goodChunks := v.Sealed.Files[0].Chunks, v.Sealed.Files[1].Chunks
	require.Greater(t, len(badChunks), 2)
	require.NoError(t, library.TamperInPlace(bad, int64(badChunks[0].Size)+int64(badChunks[1].Size)/2))
	tampered := badChunks[1].Hash

	logs := newLogBuffer()
	s := seeder.New(lib, slog.New(slog.NewJSONHandler(logs, nil)))
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	sh, fh := hostPair(t)
	srv, err := xfer.NewServer(sh, s, xfer.WithLogger(quiet))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, srv.Close()) })
	f, err := xfer.NewFetcher(fh, xfer.WithLogger(quiet))
	require.NoError(t, err)

	// fetch fetches the version from the seeder into a new store; the
	// seeder cannot supply all of it.
	fetch := func() *xfer.MemStore {
		t.Helper()
		store := xfer.NewMemStore()
		store.Add(v.Sealed, nil)
		providers := make(chan peer.AddrInfo, 1)
		providers <- peer.AddrInfo{ID: sh.ID()}
		close(providers)
		st, err := f.Fetch(ctx, xfer.Job{Version: v.Sealed, Sink: store.Sink(v.ID), Providers: providers})
		require.ErrorIs(t, err, xfer.ErrNoProviders)
		require.Empty(t, st.BadPeers, "the seeder sent a chunk that fails its hash")
		_, held := store.Chunk(v.ID, tampered)
		require.False(t, held)
		for _, c := range goodChunks {
			_, held := store.Chunk(v.ID, c.Hash)
			require.True(t, held, "a chunk of the other file is served")
		}
		return store
	}
	fetch()

	rec := logs.waitFor(t, map[string]any{"level": "WARN", "file": bad})
	require.Contains(t, rec["msg"], "no longer serving")
	require.Equal(t, v.ID.String(), rec["version_id"])
	stored, err := lib.VersionByID(ctx, v.ID)
	require.NoError(t, err)
	require.True(t, stored.Files[0].Unservable, "the library records the file unservable")
	require.False(t, stored.Files[1].Unservable)

	store := fetch()
	for _, c := range badChunks {
		_, held := store.Chunk(v.ID, c.Hash)
		require.False(t, held, "no chunk of the changed file is served once it was found changed")
	}

	again := seeder.New(lib, quiet)
	t.Cleanup(func() { require.NoError(t, again.Close()) })
	readChunk := func(c manifest.Chunk) error {
		return again.ReadChunk(ctx, v.ID, c.Hash, make([]byte, c.Size))
	}
	require.ErrorIs(t, readChunk(badChunks[0]), xfer.ErrChanged, "an intact chunk of the unservable file")
	require.NoError(t, readChunk(goodChunks[0]))
}
