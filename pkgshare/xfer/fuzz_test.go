package xfer

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-msgio/pbio"
	"google.golang.org/protobuf/proto"

	"github.com/p2psb/p2psb/pkgshare/xfer/pb"
)

// fakeStream is a network.Stream reading fixed bytes and discarding
// writes; unused methods of the embedded interface are never called.
type fakeStream struct {
	network.Stream
	r io.Reader
}

type fakeConn struct{ network.Conn }

func (fakeConn) RemotePeer() peer.ID { return "fuzz" }

func (s *fakeStream) Read(b []byte) (int, error)  { return s.r.Read(b) }
func (s *fakeStream) Write(b []byte) (int, error) { return len(b), nil }
func (s *fakeStream) Close() error                { return nil }
func (s *fakeStream) CloseRead() error            { return nil }
func (s *fakeStream) Reset() error                { return nil }
func (s *fakeStream) Conn() network.Conn          { return fakeConn{} }

// frames encodes messages the way a peer sends them.
func frames(tb testing.TB, msgs ...proto.Message) []byte {
	var buf bytes.Buffer
	w := pbio.NewDelimitedWriter(&buf)
	for _, m := range msgs {
		if err := w.WriteMsg(m); err != nil {
			tb.Fatal(err)
		}
	}
	return buf.Bytes()
}

// FuzzServer feeds arbitrary client bytes to a server handler over a
// store holding one package: it must never panic or hang.
func FuzzServer(f *testing.F) {
	s, data := testPackage(f, TestPackage{Files: 1, FileSize: 300, ChunkSize: 100, Compressible: true, Seed: 40})
	st := NewMemStore()
	st.Add(s, data)
	ch := Chunks(&s.Manifest)[0]
	f.Add(frames(f, getManifestReq(&pb.GetManifest{VersionId: s.ID[:]})))
	f.Add(frames(f, getManifestReq(&pb.GetManifest{PackageId: s.PackageID[:], Version: 1})))
	f.Add(frames(f, &pb.Request{Kind: &pb.Request_GetHave{GetHave: &pb.GetHave{VersionId: s.ID[:]}}}))
	f.Add(frames(f, &pb.Request{Kind: &pb.Request_GetChunks{GetChunks: &pb.GetChunks{VersionId: s.ID[:]}}},
		&pb.ChunkRequest{Hash: ch.Hash[:], Size: ch.Size, Zstd: true}, &pb.ChunkRequest{Hash: ch.Hash[:5], Size: 1 << 30}))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	srv := &Server{store: st, cfg: defaultConfig(), subs: nil}
	srv.cfg.log = slog.New(slog.DiscardHandler)
	srv.ctx, srv.cancel = context.WithCancel(context.Background())
	f.Fuzz(func(t *testing.T, in []byte) {
		c := newWire(&fakeStream{r: bytes.NewReader(in)}, time.Minute)
		var req pb.Request
		if err := c.read(&req, maxControlMsg); err == nil {
			if h := req.GetGetHave(); h != nil {
				h.Subscribe = false // a fake stream cannot end a subscription
			}
			_ = srv.dispatch(srv.ctx, c, &req)
		}
		c.finish(nil)
	})
}

// FuzzClient feeds arbitrary server bytes to the client readers: manifest
// answers, HAVE answers and updates, and chunk answers. They must never panic, and
// never accept a body the manifest does not allow.
func FuzzClient(f *testing.F) {
	s, _ := testPackage(f, TestPackage{Files: 1, FileSize: 300, ChunkSize: 100, Seed: 41})
	n := len(Chunks(&s.Manifest))
	f.Add(frames(f, &pb.HaveResponse{Count: uint32(n), Bitfield: []byte{0xe0}}, &pb.HaveUpdate{Added: []uint32{1, 2}}))
	f.Add(frames(f, &pb.ChunkHeader{Length: 100}))
	f.Add(append(frames(f, &pb.ChunkHeader{Length: 100}), make([]byte, 100)...))
	f.Add(frames(f, &pb.ChunkHeader{Encoding: pb.Encoding_ENCODING_ZSTD, Length: 5}, &pb.ChunkHeader{Status: pb.Status_STATUS_NOT_FOUND}))
	f.Add(frames(f, &pb.ManifestResponse{Manifest: s.Raw}))
	fetcher := &Fetcher{cfg: defaultConfig()}
	f.Fuzz(func(t *testing.T, in []byte) {
		c := newWire(&fakeStream{r: bytes.NewReader(in)}, time.Minute)
		defer c.finish(nil)
		if m, err := readManifest(c); err == nil && m.ID.IsZero() {
			t.Fatal("a manifest without an ID was accepted")
		}
		c = newWire(&fakeStream{r: bytes.NewReader(in)}, time.Minute)
		defer c.finish(nil)
		if have, err := readHave(c, n); err == nil && have.Len() != n {
			t.Fatalf("have-set of %d chunks accepted for %d", have.Len(), n)
		}
		st := NewMemStore()
		st.Add(s, nil)
		fe, err := newFetch(context.Background(), fetcher, Job{Version: s, Sink: st.Sink(s.ID)})
		if err != nil {
			t.Fatal(err)
		}
		fuzzChunkAnswers(t, fe, c, n)
	})
}

func fuzzChunkAnswers(t *testing.T, fe *fetch, c *wire, n int) {
	p := &peerState{id: "fuzz", have: FullBitfield(n), asked: map[int]struct{}{}, wake: make(chan struct{}, 1)}
	p.ctx, p.cancel = context.WithCancel(fe.ctx)
	defer fe.cancel()
	_ = fe.followHave(p, c)
	for i := range n {
		p.asked[i] = struct{}{}
		fe.st[i].req++
		if err := fe.readChunk(p, c, i); err != nil {
			return
		}
		select {
		case a := <-fe.verifyq:
			if a.enc == pb.Encoding_ENCODING_RAW && len(a.body) != int(fe.chunks[i].Size) {
				t.Fatalf("raw body of %d bytes accepted for a chunk of %d", len(a.body), fe.chunks[i].Size)
			}
		default:
		}
	}
}

// FuzzDecompress checks that no input decodes to other than the size asked.
func FuzzDecompress(f *testing.F) {
	z, _, _ := compress(nil, bytes.Repeat([]byte("chunk "), 100))
	f.Add(z, 600)
	f.Add([]byte{0x28, 0xb5, 0x2f, 0xfd}, 10)
	f.Fuzz(func(t *testing.T, src []byte, size int) {
		if size < 0 || size > 1<<20 {
			return
		}
		out, err := decompress(nil, src, size)
		if err == nil && len(out) != size {
			t.Fatalf("decoded %d bytes, want %d", len(out), size)
		}
	})
}

// FuzzParseBitfield checks that accepted bitfields hold no bit past n.
func FuzzParseBitfield(f *testing.F) {
	f.Add(10, []byte{0xff, 0xc0})
	f.Add(3, []byte{0x1f})
	f.Fuzz(func(t *testing.T, n int, b []byte) {
		bf, err := ParseBitfield(n, b)
		if err != nil {
			return
		}
		if bf.Count() > n || !bytes.Equal(bf.Bytes(), b) {
			t.Fatalf("bitfield %x accepted for %d chunks", b, n)
		}
	})
}
