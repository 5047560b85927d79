package fetch_test

import (
	"context"
	"path/filepath"
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
	"github.com/p2psb/p2psb/pkgshare/xfer"
)

// selectFiles are the files of the selective fetch tests, and their sizes.
var selectFiles = map[string]int{"docs/a.md": 1 << 20, "docs/sub/b.md": 512 << 10, "data/c.bin": 2 << 20, "top.txt": 100 << 10}

func selectiveFetch(t *testing.T, n *node.Node, id manifest.PackageID, target string, from *node.Node,
	include, exclude []string) (*fetch.Result, error) {
	t.Helper()
	sel, err := fetch.NewSelection(include, exclude)
	require.NoError(t, err)
	return n.Fetch(context.Background(), fetch.Options{Ref: manifest.Ref{ID: id}, Target: target, Select: sel,
		Peers: []peer.AddrInfo{nodetest.AddrInfo(from)}, ResolveTimeout: 10 * time.Second})
}

func TestSelectiveFetchThenTheRest(t *testing.T) {
	ctx := context.Background()
	seeder, fetcher := nodetest.Start(t, 40), nodetest.Start(t, 41)
	src := t.TempDir()
	for p, size := range selectFiles {
		nodetest.WriteRandom(t, filepath.Join(src, filepath.FromSlash(p)), size)
	}
	pub, err := library.Publish(ctx, seeder.Library, nodetest.Key(t, 40), src, library.PublishOptions{Name: "sel"})
	require.NoError(t, err)

	target := t.TempDir()
	got, err := selectiveFetch(t, fetcher, pub.ID, target, seeder, []string{"docs/**/*.md"}, []string{"top.txt"})
	require.NoError(t, err)
	require.EqualValues(t, 1<<20+512<<10, got.FetchedBytes, "only the taken files' chunks move")
	require.Equal(t, 2, got.Selected)
	require.False(t, got.Complete)
	requireSameFiles(t, src, target, "docs/a.md", "docs/sub/b.md")
	require.NoFileExists(t, filepath.Join(target, "data", "c.bin"))
	require.NoFileExists(t, filepath.Join(target, "top.txt"))

	d, err := fetcher.Library.Detail(ctx, library.Target{Ref: manifest.Ref{ID: pub.ID}})
	require.NoError(t, err)
	require.False(t, d.Shown.Complete)
	require.Equal(t, 2, d.Shown.PresentFiles)
	for _, f := range d.Files {
		require.Equal(t, f.Path == "docs/a.md" || f.Path == "docs/sub/b.md", f.Present, f.Path)
	}

	// The partial holder offers the chunks of its files, and no other.
	v, err := fetcher.Library.VersionByID(ctx, pub.VersionID)
	require.NoError(t, err)
	requirePartialHolder(t, fetcher, v)
	third := nodetest.Start(t, 42)
	again, err := selectiveFetch(t, third, pub.ID, t.TempDir(), fetcher, []string{"docs"}, nil)
	require.NoError(t, err)
	require.EqualValues(t, 1<<20+512<<10, again.FetchedBytes)

	// A whole fetch into the same place moves only the rest.
	all, err := selectiveFetch(t, fetcher, pub.ID, target, seeder, nil, nil)
	require.NoError(t, err)
	require.EqualValues(t, 2<<20+100<<10, all.FetchedBytes)
	require.True(t, all.Complete)
	requireSameFiles(t, src, target, "docs/a.md", "docs/sub/b.md", "data/c.bin", "top.txt")
	require.NoDirExists(t, filepath.Join(target, sink.PartialDir))
	d, err = fetcher.Library.Detail(ctx, library.Target{Ref: manifest.Ref{ID: pub.ID}})
	require.NoError(t, err)
	require.True(t, d.Shown.Complete)
	require.Equal(t, 4, d.Shown.PresentFiles)
}

// requirePartialHolder checks that n's seeder offers the chunks of v's
// present files only, and answers "not found" for the others.
func requirePartialHolder(t *testing.T, n *node.Node, v *library.Version) {
	t.Helper()
	ctx := context.Background()
	have, err := n.Seeder.Have(ctx, v.ID)
	require.NoError(t, err)
	chunks := xfer.Chunks(&v.Sealed.Manifest)
	present := map[manifest.ChunkHash]bool{}
	for i, f := range v.Sealed.Files {
		for _, c := range f.Chunks {
			present[c.Hash] = present[c.Hash] || v.Files[i].Present
		}
	}
	var missing int
	for i, c := range chunks {
		require.Equal(t, present[c.Hash], have.Has(i), "chunk %d", i)
		buf := make([]byte, c.Size)
		err := n.Seeder.ReadChunk(ctx, v.ID, c.Hash, buf)
		if present[c.Hash] {
			require.NoError(t, err)
			require.Equal(t, c.Hash, v.Sealed.HashAlgo.Sum(buf))
			continue
		}
		missing++
		require.ErrorIs(t, err, xfer.ErrNotFound)
	}
	require.NotZero(t, missing)
}

func TestSelectiveFetchMatchingNothing(t *testing.T) {
	ctx := context.Background()
	seeder, fetcher := nodetest.Start(t, 43), nodetest.Start(t, 44)
	src := t.TempDir()
	for p, size := range selectFiles {
		nodetest.WriteRandom(t, filepath.Join(src, filepath.FromSlash(p)), size/64)
	}
	pub, err := library.Publish(ctx, seeder.Library, nodetest.Key(t, 43), src, library.PublishOptions{Name: "none"})
	require.NoError(t, err)
	target := filepath.Join(t.TempDir(), "none")
	_, err = selectiveFetch(t, fetcher, pub.ID, target, seeder, []string{"*.iso"}, nil)
	var nm *fetch.NoMatchError
	require.ErrorAs(t, err, &nm)
	require.Len(t, nm.Paths, 4)
	require.Contains(t, err.Error(), "data/c.bin")
	require.NoDirExists(t, target, "nothing is written")
	_, err = fetcher.Library.Package(ctx, pub.ID)
	var nf *library.NotFoundError
	require.ErrorAs(t, err, &nf, "nothing is recorded")
}
