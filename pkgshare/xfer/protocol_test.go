package xfer

import (
	"context"
	"testing"
	"time"

	mocknet "github.com/libp2p/go-libp2p/p2p/net/mock"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/xfer/pb"
)

// rawStream opens a protocol stream from a to b and sends req.
func rawStream(t *testing.T, a, b *node, req proto.Message) *wire {
	t.Helper()
	s, err := a.h.NewStream(testContext(t, 10*time.Second), b.h.ID(), ProtocolID)
	require.NoError(t, err)
	c := newWire(s, 10*time.Second)
	t.Cleanup(func() { c.finish(nil) })
	require.NoError(t, c.send(req))
	return c
}

func getManifestReq(q *pb.GetManifest) *pb.Request {
	return &pb.Request{Kind: &pb.Request_GetManifest{GetManifest: q}}
}

func TestManifestRequests(t *testing.T) {
	nodes := newNodes(t, 2, mocknet.LinkOptions{})
	v1, _ := testPackage(t, TestPackage{Files: 1, FileSize: 10, ChunkSize: 10, Seed: 30})
	v2, _ := testPackage(t, TestPackage{Files: 1, FileSize: 20, ChunkSize: 10, Seed: 30, Version: 2})
	nodes[0].store.Add(v1, nil)
	nodes[0].store.Add(v2, nil)
	var unknown manifest.VersionID
	cases := []struct {
		name   string
		q      *pb.GetManifest
		status pb.Status
		want   *manifest.Sealed
	}{
		{"by version ID", &pb.GetManifest{VersionId: v1.ID[:]}, pb.Status_STATUS_OK, v1},
		{"newest of package", &pb.GetManifest{PackageId: v1.PackageID[:]}, pb.Status_STATUS_OK, v2},
		{"version 1 of package", &pb.GetManifest{PackageId: v1.PackageID[:], Version: 1}, pb.Status_STATUS_OK, v1},
		{"unknown version ID", &pb.GetManifest{VersionId: unknown[:]}, pb.Status_STATUS_NOT_FOUND, nil},
		{"unknown version number", &pb.GetManifest{PackageId: v1.PackageID[:], Version: 3}, pb.Status_STATUS_NOT_FOUND, nil},
		{"short ID", &pb.GetManifest{VersionId: v1.ID[:31]}, pb.Status_STATUS_BAD_REQUEST, nil},
		{"both IDs", &pb.GetManifest{VersionId: v1.ID[:], PackageId: v1.PackageID[:]}, pb.Status_STATUS_BAD_REQUEST, nil},
		{"no ID", &pb.GetManifest{}, pb.Status_STATUS_BAD_REQUEST, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := rawStream(t, nodes[1], nodes[0], getManifestReq(tc.q))
			var resp pb.ManifestResponse
			require.NoError(t, c.read(&resp, maxManifestMsg))
			require.Equal(t, tc.status, resp.Status)
			if tc.want != nil {
				require.Equal(t, tc.want.Raw, resp.Manifest)
			} else {
				require.Empty(t, resp.Manifest)
			}
		})
	}
}

func TestFetcherManifest(t *testing.T) {
	nodes := newNodes(t, 2, mocknet.LinkOptions{})
	v1, _ := testPackage(t, TestPackage{Files: 1, FileSize: 10, ChunkSize: 10, Seed: 31})
	other, _ := testPackage(t, TestPackage{Files: 1, FileSize: 10, ChunkSize: 10, Seed: 32})
	nodes[0].store.Add(v1, nil)
	ctx := testContext(t, 10*time.Second)
	f := nodes[1].f
	p := nodes[0].h.ID()

	got, err := f.Manifest(ctx, p, manifest.Ref{ID: v1.PackageID})
	require.NoError(t, err)
	require.Equal(t, v1.ID, got.ID)
	got, err = f.ManifestByID(ctx, p, v1.ID)
	require.NoError(t, err)
	require.Equal(t, v1.ID, got.ID)
	_, err = f.Manifest(ctx, p, manifest.Ref{ID: other.PackageID})
	require.ErrorIs(t, err, ErrNotFound)

	// A peer answering with another package's manifest is caught.
	serveFrom(t, nodes[0], lyingStore{MemStore: nodes[0].store, answer: other})
	_, err = f.Manifest(ctx, p, manifest.Ref{ID: v1.PackageID})
	require.ErrorIs(t, err, ErrBadPeer)
	_, err = f.ManifestByID(ctx, p, v1.ID)
	require.ErrorIs(t, err, ErrBadPeer)
}

// lyingStore answers every manifest request with the same version.
type lyingStore struct {
	*MemStore
	answer *manifest.Sealed
}

func (l lyingStore) Manifest(context.Context, manifest.VersionID) (*manifest.Sealed, error) {
	return l.answer, nil
}

func (l lyingStore) Lookup(context.Context, manifest.Ref) (*manifest.Sealed, error) {
	return l.answer, nil
}

func TestHaveRequests(t *testing.T) {
	nodes := newNodes(t, 2, mocknet.LinkOptions{})
	s, data := testPackage(t, TestPackage{Files: 2, FileSize: 40, ChunkSize: 10, Seed: 33})
	chunks := Chunks(&s.Manifest)
	half := map[manifest.ChunkHash][]byte{}
	for _, c := range chunks[:3] {
		half[c.Hash] = data[c.Hash]
	}
	nodes[0].store.Add(s, half)
	ctx := testContext(t, 10*time.Second)

	bf, err := nodes[1].f.Have(ctx, nodes[0].h.ID(), s.ID, len(chunks))
	require.NoError(t, err)
	require.Equal(t, 3, bf.Count())
	require.True(t, bf.Has(0) && bf.Has(2) && !bf.Has(3))

	_, err = nodes[1].f.Have(ctx, nodes[0].h.ID(), s.ID, len(chunks)+1)
	require.ErrorIs(t, err, ErrBadPeer, "count must match the manifest")
	_, err = nodes[1].f.Have(ctx, nodes[0].h.ID(), manifest.VersionID{}, len(chunks))
	require.ErrorIs(t, err, ErrNotFound)
}

func TestHaveSubscription(t *testing.T) {
	nodes := newNodes(t, 2, mocknet.LinkOptions{})
	s, data := testPackage(t, TestPackage{Files: 1, FileSize: 50, ChunkSize: 10, Seed: 34})
	chunks := Chunks(&s.Manifest)
	nodes[0].store.Add(s, nil)
	c := rawStream(t, nodes[1], nodes[0], &pb.Request{Kind: &pb.Request_GetHave{GetHave: &pb.GetHave{VersionId: s.ID[:], Subscribe: true}}})
	bf, err := readHave(c, len(chunks))
	require.NoError(t, err)
	require.Zero(t, bf.Count())

	sink := nodes[0].store.Sink(s.ID)
	ctx := context.Background()
	for _, step := range [][]int{{1, 3}, {0, 2, 4}} {
		for _, i := range step {
			require.NoError(t, sink.WriteChunk(ctx, chunks[i].Hash, data[chunks[i].Hash]))
		}
		nodes[0].srv.Notify(s.ID)
		// The gains may come split over several updates.
		var got []uint32
		var u pb.HaveUpdate
		for len(got) < len(step) {
			require.NoError(t, c.read(&u, maxControlMsg))
			got = append(got, u.Added...)
		}
		require.Equal(t, toU32(step), got)
		require.Equal(t, len(step) == 3, u.Complete)
	}
	var u pb.HaveUpdate
	require.Error(t, c.read(&u, maxControlMsg), "the server closes a complete subscription")
}

func toU32(xs []int) []uint32 {
	out := make([]uint32, len(xs))
	for i, x := range xs {
		out[i] = uint32(x)
	}
	return out
}

func TestChunkRequests(t *testing.T) {
	nodes := newNodes(t, 2, mocknet.LinkOptions{})
	s, data := testPackage(t, TestPackage{Files: 1, FileSize: 8 << 10, ChunkSize: 4 << 10, Compressible: true, Seed: 35})
	nodes[0].store.Add(s, data)
	ch := Chunks(&s.Manifest)[0]
	c := rawStream(t, nodes[1], nodes[0], &pb.Request{Kind: &pb.Request_GetChunks{GetChunks: &pb.GetChunks{VersionId: s.ID[:]}}})
	var unknown manifest.ChunkHash
	cases := []struct {
		name   string
		req    *pb.ChunkRequest
		status pb.Status
		enc    pb.Encoding
	}{
		{"raw", &pb.ChunkRequest{Hash: ch.Hash[:], Size: ch.Size}, pb.Status_STATUS_OK, pb.Encoding_ENCODING_RAW},
		{"zstd", &pb.ChunkRequest{Hash: ch.Hash[:], Size: ch.Size, Zstd: true}, pb.Status_STATUS_OK, pb.Encoding_ENCODING_ZSTD},
		{"unknown chunk", &pb.ChunkRequest{Hash: unknown[:], Size: 10}, pb.Status_STATUS_NOT_FOUND, 0},
		{"wrong size", &pb.ChunkRequest{Hash: ch.Hash[:], Size: ch.Size - 1}, pb.Status_STATUS_BAD_REQUEST, 0},
		{"too large", &pb.ChunkRequest{Hash: ch.Hash[:], Size: manifest.MaxChunkSize + 1}, pb.Status_STATUS_BAD_REQUEST, 0},
		{"zero size", &pb.ChunkRequest{Hash: ch.Hash[:]}, pb.Status_STATUS_BAD_REQUEST, 0},
		{"short hash", &pb.ChunkRequest{Hash: ch.Hash[:8], Size: ch.Size}, pb.Status_STATUS_BAD_REQUEST, 0},
	}
	// Pipelined: every request goes out before any answer is read.
	for _, tc := range cases {
		require.NoError(t, c.write(tc.req))
	}
	require.NoError(t, c.flush())
	ctx := context.Background()
	for _, tc := range cases {
		var hdr pb.ChunkHeader
		require.NoError(t, c.read(&hdr, maxControlMsg), tc.name)
		require.Equal(t, tc.status, hdr.Status, tc.name)
		if tc.status != pb.Status_STATUS_OK {
			require.Zero(t, hdr.Length, tc.name)
			continue
		}
		require.Equal(t, tc.enc, hdr.Encoding, tc.name)
		require.NoError(t, checkLength(&hdr, ch), tc.name)
		body := make([]byte, hdr.Length)
		require.NoError(t, c.readBody(ctx, body, nil), tc.name)
		if hdr.Encoding == pb.Encoding_ENCODING_ZSTD {
			body, _ = decompress(nil, body, int(ch.Size))
		}
		require.Equal(t, data[ch.Hash], body, tc.name)
	}
}

// Streams that break the framing rules are reset.
func TestBadStreamsReset(t *testing.T) {
	nodes := newNodes(t, 2, mocknet.LinkOptions{})
	huge := make([]byte, maxControlMsg+1)
	cases := []struct {
		name string
		req  proto.Message
	}{
		{"empty request", &pb.Request{}},
		{"oversized request", getManifestReq(&pb.GetManifest{VersionId: huge})},
		{"chunks for a short version ID", &pb.Request{Kind: &pb.Request_GetChunks{GetChunks: &pb.GetChunks{VersionId: []byte{1}}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := nodes[1].h.NewStream(testContext(t, 10*time.Second), nodes[0].h.ID(), ProtocolID)
			require.NoError(t, err)
			c := newWire(s, 10*time.Second)
			defer c.finish(nil)
			err = c.send(tc.req) // may fail already: the server resets early
			var resp pb.ManifestResponse
			if err == nil {
				err = c.read(&resp, maxManifestMsg)
			}
			require.Error(t, err)
		})
	}
}

func TestServerIdleTimeout(t *testing.T) {
	nodes := newNodes(t, 2, mocknet.LinkOptions{})
	serveFrom(t, nodes[0], nodes[0].store, WithIdleTimeout(50*time.Millisecond))
	c := rawStream(t, nodes[1], nodes[0], &pb.Request{Kind: &pb.Request_GetChunks{GetChunks: &pb.GetChunks{VersionId: make([]byte, 32)}}})
	var hdr pb.ChunkHeader
	start := time.Now()
	require.Error(t, c.read(&hdr, maxControlMsg), "an idle stream is reset")
	require.Less(t, time.Since(start), 5*time.Second)
}

func TestServerClose(t *testing.T) {
	nodes := newNodes(t, 2, mocknet.LinkOptions{})
	require.NoError(t, nodes[0].srv.Close())
	require.NoError(t, nodes[0].srv.Close(), "Close is idempotent")
	// Protocol negotiation may be lazy: the refusal can come at the first
	// read rather than at NewStream.
	s, err := nodes[1].h.NewStream(testContext(t, 5*time.Second), nodes[0].h.ID(), ProtocolID)
	if err == nil {
		c := newWire(s, 5*time.Second)
		defer c.finish(nil)
		var resp pb.ManifestResponse
		if err = c.send(getManifestReq(&pb.GetManifest{})); err == nil {
			err = c.read(&resp, maxControlMsg)
		}
	}
	require.Error(t, err, "the handler is removed")
}

// A file changed behind a seeder is answered as not held.
func TestChangedFileNotServed(t *testing.T) {
	nodes := newNodes(t, 2, mocknet.LinkOptions{})
	s, data := testPackage(t, TestPackage{Files: 1, FileSize: 100, ChunkSize: 10, Seed: 36})
	nodes[0].store.Add(s, data)
	serveFrom(t, nodes[0], changedStore{nodes[0].store})
	_, err := fetchInto(testContext(t, 10*time.Second), nodes[1], s, Job{Providers: providers(nodes[0])})
	require.ErrorIs(t, err, ErrNoProviders)
}

type changedStore struct{ *MemStore }

func (changedStore) ReadChunk(context.Context, manifest.VersionID, manifest.ChunkHash, []byte) error {
	return ErrChanged
}
