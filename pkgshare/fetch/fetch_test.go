package fetch_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/record"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/p2psb/p2psb/pkgshare/fetch"
	"github.com/p2psb/p2psb/pkgshare/internal/nodetest"
	"github.com/p2psb/p2psb/pkgshare/library"
	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/manifest/pb"
	"github.com/p2psb/p2psb/pkgshare/node"
	"github.com/p2psb/p2psb/pkgshare/sink"
	"github.com/p2psb/p2psb/pkgshare/xfer"
)

// hostileRecord signs whatever manifest payload it is given, valid or not,
// as a peer that wants to attack fetchers would.
type hostileRecord struct{ m *pb.Manifest }

func (hostileRecord) Domain() string { return manifest.EnvelopeDomain }
func (hostileRecord) Codec() []byte  { return binary.AppendUvarint(nil, manifest.PayloadCode) }
func (r hostileRecord) MarshalRecord() ([]byte, error) {
	return proto.MarshalOptions{Deterministic: true}.Marshal(r.m)
}
func (hostileRecord) UnmarshalRecord([]byte) error { return errors.New("not for reading") }

// hostileStore serves one sealed-but-invalid manifest and its chunk.
type hostileStore struct {
	sealed *manifest.Sealed
	data   []byte
}

func (s *hostileStore) Manifest(context.Context, manifest.VersionID) (*manifest.Sealed, error) {
	return s.sealed, nil
}
func (s *hostileStore) Lookup(context.Context, manifest.Ref) (*manifest.Sealed, error) {
	return s.sealed, nil
}
func (s *hostileStore) Have(context.Context, manifest.VersionID) (*xfer.Bitfield, error) {
	return xfer.FullBitfield(1), nil
}
func (s *hostileStore) ReadChunk(_ context.Context, _ manifest.VersionID, _ manifest.ChunkHash, buf []byte) error {
	copy(buf, s.data)
	return nil
}

func TestFetchRefusesHostileManifestPaths(t *testing.T) {
	for _, path := range []string{"../escape.txt", "/etc/escape.txt", "a/../../escape.txt", "sub\\..\\escape.txt"} {
		t.Run(path, func(t *testing.T) {
			key := nodetest.Key(t, 9)
			pub, err := crypto.MarshalPublicKey(key.GetPublic())
			require.NoError(t, err)
			data := []byte("owned")
			hash := sha256.Sum256(data)
			m := &pb.Manifest{Publisher: pub, Name: "evil", Version: 1, CreatedMs: 1,
				Files: []*pb.File{{Path: path, Size: uint64(len(data)), Mode: 0o644,
					Chunks: []*pb.Chunk{{Hash: hash[:], Size: uint32(len(data))}}}}}
			env, err := record.Seal(hostileRecord{m}, key)
			require.NoError(t, err)
			raw, err := env.Marshal()
			require.NoError(t, err)
			_, err = manifest.Open(raw)
			require.Error(t, err, "the manifest must be hostile for this test")

			h, err := libp2p.New(libp2p.Identity(key), libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"))
			require.NoError(t, err)
			defer h.Close()
			srv, err := xfer.NewServer(h, &hostileStore{sealed: &manifest.Sealed{Raw: raw}, data: data})
			require.NoError(t, err)
			defer srv.Close()

			fetcher := nodetest.Start(t, 10)
			id, err := manifest.NewPackageID(key.GetPublic(), "evil")
			require.NoError(t, err)
			dir := t.TempDir()
			target := filepath.Join(dir, "deep", "target")
			_, err = fetcher.Fetch(context.Background(), fetch.Options{Ref: manifest.Ref{ID: id}, Target: target,
				Peers: []peer.AddrInfo{{ID: h.ID(), Addrs: h.Addrs()}}, ResolveTimeout: 10 * time.Second})
			var np *fetch.NoProviderError
			require.ErrorAs(t, err, &np)
			require.NoFileExists(t, filepath.Join(dir, "escape.txt"))
			require.NoFileExists(t, filepath.Join(dir, "deep", "escape.txt"))
			require.NoDirExists(t, target, "nothing is written for a refused manifest")
			pkgs, err := fetcher.Library.Packages(context.Background())
			require.NoError(t, err)
			require.Empty(t, pkgs)
		})
	}
}

func TestFetchNeverWritesThroughLinks(t *testing.T) {
	ctx := context.Background()
	seeder := nodetest.Start(t, 11)
	src := t.TempDir()
	nodetest.WriteRandom(t, filepath.Join(src, "sub", "c.bin"), 1000)
	res, err := library.Publish(ctx, seeder.Library, nodetest.Key(t, 11), src, library.PublishOptions{Name: "linked"})
	require.NoError(t, err)

	fetcher := nodetest.Start(t, 12)
	target, outside := t.TempDir(), t.TempDir()
	require.NoError(t, os.Symlink(outside, filepath.Join(target, "sub")))
	_, err = fetcher.Fetch(ctx, fetch.Options{Ref: manifest.Ref{ID: res.ID}, Target: target,
		Peers: []peer.AddrInfo{nodetest.AddrInfo(seeder)}, ResolveTimeout: 10 * time.Second})
	require.ErrorContains(t, err, filepath.Join(target, "sub")+": is a symbolic link")
	entries, err := os.ReadDir(outside)
	require.NoError(t, err)
	require.Empty(t, entries, "nothing may be written outside the target")
}

// localCopyCase is a seeder publishing src (a.bin and b.bin) and a
// fetcher whose library holds a.bin's content as other/copy.bin, in
// another package.
type localCopyCase struct {
	seeder, fetcher *node.Node
	src, other      string
	id              manifest.PackageID
}

func newLocalCopyCase(t *testing.T, seed byte, aSize, bSize int) *localCopyCase {
	return newLocalCopyCaseHashed(t, seed, aSize, bSize, manifest.BLAKE3)
}

// newLocalCopyCaseHashed is newLocalCopyCase with both packages' chunks
// hashed by algo.
func newLocalCopyCaseHashed(t *testing.T, seed byte, aSize, bSize int, algo manifest.HashAlgo) *localCopyCase {
	t.Helper()
	c := &localCopyCase{seeder: nodetest.Start(t, seed), fetcher: nodetest.Start(t, seed+1), src: t.TempDir(), other: t.TempDir()}
	nodetest.WriteRandom(t, filepath.Join(c.src, "a.bin"), aSize)
	nodetest.WriteRandom(t, filepath.Join(c.src, "b.bin"), bSize)
	c.id = publishHashed(t, c.seeder.Library, nodetest.Key(t, seed), c.src, "p", algo).ID
	data, err := os.ReadFile(filepath.Join(c.src, "a.bin"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(c.other, "copy.bin"), data, 0o644))
	publishHashed(t, c.fetcher.Library, nodetest.Key(t, seed+1), c.other, "other", algo)
	return c
}

// TestFetchCopiesLocalChunksSHA256 is the local copy of a package from
// before BLAKE3: the copied chunks are checked with SHA-256, as its
// manifest says, and so are used.
func TestFetchCopiesLocalChunksSHA256(t *testing.T) {
	c := newLocalCopyCaseHashed(t, 18, 3<<20, 1<<20, manifest.SHA256)
	target := t.TempDir()
	got, err := c.fetcher.Fetch(context.Background(), fetch.Options{Ref: manifest.Ref{ID: c.id}, Target: target,
		Peers: []peer.AddrInfo{nodetest.AddrInfo(c.seeder)}, ResolveTimeout: 10 * time.Second})
	require.NoError(t, err)
	require.EqualValues(t, 3<<20, got.LocalBytes)
	require.EqualValues(t, 1<<20, got.FetchedBytes)
	requireSameFiles(t, c.src, target, "a.bin", "b.bin")
}

func TestFetchCopiesLocalChunksAndResumes(t *testing.T) {
	ctx := context.Background()
	c := newLocalCopyCase(t, 13, 3<<20, 3<<20)
	seeder, fetcher, src := c.seeder, c.fetcher, c.src
	target := t.TempDir()
	got, err := fetcher.Fetch(ctx, fetch.Options{Ref: manifest.Ref{ID: c.id}, Target: target,
		Peers: []peer.AddrInfo{nodetest.AddrInfo(seeder)}, ResolveTimeout: 10 * time.Second})
	require.NoError(t, err)
	require.EqualValues(t, 3<<20, got.LocalBytes)
	require.EqualValues(t, 3<<20, got.FetchedBytes)
	requireSameFiles(t, src, target, "a.bin", "b.bin")
	require.NoDirExists(t, filepath.Join(target, sink.PartialDir))

	// The fetched version is seeded from its new place.
	third := nodetest.Start(t, 15)
	again, err := third.Fetch(ctx, fetch.Options{Ref: manifest.Ref{ID: c.id}, Target: t.TempDir(),
		Peers: []peer.AddrInfo{nodetest.AddrInfo(fetcher)}, ResolveTimeout: 10 * time.Second})
	require.NoError(t, err)
	require.EqualValues(t, 6<<20, again.FetchedBytes)
}

// TestFetchAfterLocalSourceChanged plans a local copy from a file that
// changed since it was recorded: the copy finds nothing usable, and the
// chunks it was to provide are fetched after it.
func TestFetchAfterLocalSourceChanged(t *testing.T) {
	ctx := context.Background()
	c := newLocalCopyCase(t, 16, 3<<20, 1<<20)
	seeder, fetcher, src, other := c.seeder, c.fetcher, c.src, c.other
	nodetest.WriteRandom(t, filepath.Join(other, "copy.bin"), 3<<20) // changed behind the library's back
	later := time.Now().Add(time.Hour)
	require.NoError(t, os.Chtimes(filepath.Join(other, "copy.bin"), later, later))

	target := t.TempDir()
	got, err := fetcher.Fetch(ctx, fetch.Options{Ref: manifest.Ref{ID: c.id}, Target: target,
		Peers: []peer.AddrInfo{nodetest.AddrInfo(seeder)}, ResolveTimeout: 10 * time.Second})
	require.NoError(t, err)
	require.Zero(t, got.LocalBytes)
	require.EqualValues(t, 4<<20, got.FetchedBytes)
	requireSameFiles(t, src, target, "a.bin", "b.bin")
	require.NoDirExists(t, filepath.Join(target, sink.PartialDir))
}

// publishHashed publishes dir with its chunks hashed by algo.
func publishHashed(t *testing.T, lib *library.Library, key crypto.PrivKey, dir, name string, algo manifest.HashAlgo) *library.PublishResult {
	t.Helper()
	res, err := library.PublishHashed(context.Background(), lib, key, dir, name, algo)
	require.NoError(t, err)
	return res
}
