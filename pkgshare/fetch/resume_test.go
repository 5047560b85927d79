package fetch_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/fetch"
	"github.com/p2psb/p2psb/pkgshare/internal/nodetest"
	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/node"
	"github.com/p2psb/p2psb/pkgshare/sink"
)

// chunkRows counts the chunk rows of a version.
func chunkRows(t *testing.T, lib *library.Library, id manifest.VersionID) int {
	t.Helper()
	n, err := lib.ChunkRows(context.Background(), id)
	require.NoError(t, err)
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

// published is a version of two files, a.bin (6 MiB) and b.bin (2 MiB),
// published from src by seeder.
type published struct {
	seeder *node.Node
	src    string
	res    *library.PublishResult
	sealed *manifest.Sealed
}

// publishAB starts a seeder of key seed and publishes a.bin and b.bin as
// name.
func publishAB(t *testing.T, seed byte, name string) published {
	t.Helper()
	ctx := context.Background()
	p := published{seeder: nodetest.Start(t, seed), src: t.TempDir()}
	nodetest.WriteRandom(t, filepath.Join(p.src, "a.bin"), 6<<20)
	nodetest.WriteRandom(t, filepath.Join(p.src, "b.bin"), 2<<20)
	var err error
	p.res, err = library.Publish(ctx, p.seeder.Library, nodetest.Key(t, seed), p.src, library.PublishOptions{Name: name})
	require.NoError(t, err)
	v, err := p.seeder.Library.VersionByID(ctx, p.res.VersionID)
	require.NoError(t, err)
	p.sealed = v.Sealed
	return p
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
			p := publishAB(t, 21, "resume")
			seeder, src, res, s := p.seeder, p.src, p.res, p.sealed
			require.Greater(t, len(s.Files[0].Chunks), 2, "a.bin must span several chunks")

			fetcher := nodetest.Start(t, 22)
			target := t.TempDir()
			k, err := sink.Open(ctx, fetcher.Library, s, target, sink.Options{}, slog.Default())
			require.NoError(t, err)
			require.Zero(t, chunkRows(t, fetcher.Library, s.ID), "chunk rows wait for completion")
			if tc.oldStart {
				require.NoError(t, fetcher.Library.RecordChunkRows(ctx, s))
			}
			data := chunkBytes(t, s, src)
			var written int64
			for _, c := range s.Files[0].Chunks[:2] {
				require.NoError(t, k.WriteChunk(ctx, c.Hash, data[c.Hash]))
				written += int64(c.Size)
			}
			require.NoError(t, k.Flush(ctx))
			require.NoError(t, k.Close()) // killed: the files close, nothing else happens

			got, err := fetcher.Fetch(ctx, fetch.Options{Ref: manifest.Ref{ID: res.ID}, Target: target,
				Peers: []peer.AddrInfo{nodetest.AddrInfo(seeder)}, ResolveTimeout: 10 * time.Second})
			require.NoError(t, err)
			require.Equal(t, s.Size()-written, got.FetchedBytes, "only what is missing moves")
			requireSameFiles(t, src, target, "a.bin", "b.bin")
			require.NoDirExists(t, filepath.Join(target, sink.PartialDir))
			require.Equal(t, s.ChunkCount(), chunkRows(t, fetcher.Library, s.ID))
		})
	}
}

// TestFetchedVersionIsALocalSource checks that a completed fetch records
// where its chunks are, so a later fetch of a package sharing them copies
// them instead of fetching them.
func TestFetchedVersionIsALocalSource(t *testing.T) {
	ctx := context.Background()
	seeder := nodetest.Start(t, 23)
	first, second := t.TempDir(), t.TempDir()
	nodetest.WriteRandom(t, filepath.Join(first, "shared.bin"), 3<<20)
	data, err := os.ReadFile(filepath.Join(first, "shared.bin"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(second, "same.bin"), data, 0o644))
	nodetest.WriteRandom(t, filepath.Join(second, "new.bin"), 1<<20)
	p1, err := library.Publish(ctx, seeder.Library, nodetest.Key(t, 23), first, library.PublishOptions{Name: "first"})
	require.NoError(t, err)
	p2, err := library.Publish(ctx, seeder.Library, nodetest.Key(t, 23), second, library.PublishOptions{Name: "second"})
	require.NoError(t, err)

	fetcher := nodetest.Start(t, 24)
	peers := []peer.AddrInfo{nodetest.AddrInfo(seeder)}
	got1, err := fetcher.Fetch(ctx, fetch.Options{Ref: manifest.Ref{ID: p1.ID}, Target: t.TempDir(), Peers: peers,
		ResolveTimeout: 10 * time.Second})
	require.NoError(t, err)
	require.EqualValues(t, 3<<20, got1.FetchedBytes)
	got2, err := fetcher.Fetch(ctx, fetch.Options{Ref: manifest.Ref{ID: p2.ID}, Target: t.TempDir(), Peers: peers,
		ResolveTimeout: 10 * time.Second})
	require.NoError(t, err)
	require.EqualValues(t, 3<<20, got2.LocalBytes, "the fetched copy of shared.bin is copied")
	require.EqualValues(t, 1<<20, got2.FetchedBytes)
}

// syncBuffer is a log sink that goroutines may write to at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestFetchResumesWhateverProgressSays stops fetches whose recorded
// progress is not a bitfield of the version's length, and checks that
// fetching again succeeds: a fetch stopped before its first chunk (as
// SIGKILL or Ctrl-C then would), one an older p2psb recorded as an empty
// blob, and one whose record is corrupt, which starts the version over
// and says so in the log.
func TestFetchResumesWhateverProgressSays(t *testing.T) {
	for _, tc := range []struct {
		name   string
		write  int    // chunks written before the stop
		have   []byte // nil: the progress as the sink recorded it
		logged string // in the log of the fetch that resumes
	}{
		{name: "stopped before the first chunk"},
		{name: "empty progress of an older p2psb", have: []byte{}},
		{name: "progress of the wrong length", write: 2, have: make([]byte, 100),
			logged: "stored progress unreadable; fetching the version from the start"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			p := publishAB(t, 25, "stopped")
			seeder, src, res, s := p.seeder, p.src, p.res, p.sealed

			var log syncBuffer
			fetcher := nodetest.StartWith(t, nodetest.Key(t, 26),
				node.Options{Log: slog.New(slog.NewTextHandler(&log, nil))})
			target := t.TempDir()
			k, err := sink.Open(ctx, fetcher.Library, s, target, sink.Options{}, slog.Default())
			require.NoError(t, err)
			data := chunkBytes(t, s, src)
			for _, c := range s.Files[0].Chunks[:tc.write] {
				require.NoError(t, k.WriteChunk(ctx, c.Hash, data[c.Hash]))
			}
			require.NoError(t, k.Close()) // stopped
			if tc.have != nil {
				require.NoError(t, fetcher.Library.SaveProgress(ctx, s.ID, tc.have))
			}

			got, err := fetcher.Fetch(ctx, fetch.Options{Ref: manifest.Ref{ID: res.ID}, Target: target,
				Peers: []peer.AddrInfo{nodetest.AddrInfo(seeder)}, ResolveTimeout: 10 * time.Second})
			require.NoError(t, err)
			require.Equal(t, s.Size(), got.FetchedBytes, "nothing usable was recorded, so all of it moves")
			requireSameFiles(t, src, target, "a.bin", "b.bin")
			require.NoDirExists(t, filepath.Join(target, sink.PartialDir))
			if tc.logged != "" {
				require.Contains(t, log.String(), tc.logged)
			}
			again, err := fetcher.Fetch(ctx, fetch.Options{Ref: manifest.Ref{ID: res.ID}, Target: target,
				Peers: []peer.AddrInfo{nodetest.AddrInfo(seeder)}, ResolveTimeout: 10 * time.Second})
			require.NoError(t, err)
			require.True(t, again.Already)
		})
	}
}

// TestConcurrentFetchesOfOneVersion starts a second fetch of a version
// into the target a first one is writing, from the first one's progress
// callback so they overlap, and checks that the second stops at once
// saying another fetch is running there, that the first completes with
// the right files, and that the second, run again, finds the version
// there.
func TestConcurrentFetchesOfOneVersion(t *testing.T) {
	ctx := context.Background()
	p := publishAB(t, 27, "twice")
	fetcher := nodetest.Start(t, 28)
	target := t.TempDir()
	opts := fetch.Options{Ref: manifest.Ref{ID: p.res.ID}, Target: target,
		Peers: []peer.AddrInfo{nodetest.AddrInfo(p.seeder)}, ResolveTimeout: 10 * time.Second}

	var once sync.Once
	var second error
	secondDone := make(chan struct{})
	first := opts
	first.Progress = func(fetch.Progress) {
		once.Do(func() {
			go func() {
				defer close(secondDone)
				_, second = fetcher.Fetch(ctx, opts)
			}()
			select { // the first fetch waits, holding its sink, until the second ends
			case <-secondDone:
			case <-time.After(30 * time.Second):
			}
		})
	}
	got, err := fetcher.Fetch(ctx, first)
	require.NoError(t, err)
	require.False(t, got.Already)
	requireSameFiles(t, p.src, target, "a.bin", "b.bin")
	require.NoDirExists(t, filepath.Join(target, sink.PartialDir))
	select {
	case <-secondDone:
	case <-time.After(30 * time.Second):
		t.Fatal("the second fetch did not end")
	}
	require.ErrorIs(t, second, sink.ErrRunning)
	require.ErrorContains(t, second, "fetch into "+target+": another p2psb fetch is running there")

	again, err := fetcher.Fetch(ctx, opts)
	require.NoError(t, err, "the loser runs again")
	require.True(t, again.Already)
	requireSameFiles(t, p.src, target, "a.bin", "b.bin")
}
