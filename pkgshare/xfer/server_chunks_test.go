package xfer

import (
	"bufio"
	"bytes"
	"io"
	"testing"

	"github.com/libp2p/go-msgio/pbio"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/p2psb/p2psb/pkgshare/xfer/pb"
)

// TestWithHeader checks that a reply framed in place reads back as the
// header message followed by the body, and that a body outside the
// reply's buffers is not framed.
func TestWithHeader(t *testing.T) {
	body := bytes.Repeat([]byte("chunk "), 1000)
	for _, tc := range []struct {
		name   string
		hdr    *pb.ChunkHeader
		inBuf  bool
		framed bool
	}{
		{name: "raw", hdr: &pb.ChunkHeader{Length: uint32(len(body))}, inBuf: true, framed: true},
		{name: "zstd", hdr: &pb.ChunkHeader{Encoding: pb.Encoding_ENCODING_ZSTD, Length: uint32(len(body))}, inBuf: true, framed: true},
		{name: "largest header", hdr: &pb.ChunkHeader{Status: pb.Status(1 << 30), Encoding: pb.Encoding(1 << 30), Length: 1 << 31}, inBuf: true, framed: true},
		{name: "body elsewhere", hdr: &pb.ChunkHeader{Length: uint32(len(body))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &reply{}
			r.hdr.Status, r.hdr.Encoding, r.hdr.Length = tc.hdr.Status, tc.hdr.Encoding, tc.hdr.Length
			r.bufs[1] = make([]byte, headRoom+len(body))
			r.body = bytes.Clone(body)
			if tc.inBuf {
				r.body = r.bufs[1][headRoom:]
				copy(r.body, body)
			}
			frame, ok := withHeader(r)
			require.Equal(t, tc.framed, ok)
			if !ok {
				return
			}
			// pbio reads through br itself, so the body stays in br.
			br := bufio.NewReader(bytes.NewReader(frame))
			var got pb.ChunkHeader
			require.NoError(t, pbio.NewDelimitedReader(br, maxControlMsg).ReadMsg(&got))
			require.Equal(t, tc.hdr.Status, got.Status)
			require.Equal(t, tc.hdr.Encoding, got.Encoding)
			require.Equal(t, tc.hdr.Length, got.Length)
			rest, err := io.ReadAll(br)
			require.NoError(t, err)
			require.Equal(t, body, rest)
		})
	}
}

// TestCompact checks that a queued request keeps what prepare needs and
// nothing a client could inflate it with.
func TestCompact(t *testing.T) {
	hash := bytes.Repeat([]byte{7}, 32)
	bloated := &pb.ChunkRequest{Hash: hash, Size: 100, Zstd: true}
	bloated.ProtoReflect().SetUnknown(protowire.AppendBytes(protowire.AppendTag(nil, 99, protowire.BytesType), make([]byte, 1<<20)))
	for _, tc := range []struct {
		name     string
		req      *pb.ChunkRequest
		wantHash []byte
	}{
		{name: "valid", req: &pb.ChunkRequest{Hash: hash, Size: 100, Zstd: true}, wantHash: hash},
		{name: "short hash", req: &pb.ChunkRequest{Hash: hash[:5], Size: 100, Zstd: true}},
		{name: "huge hash", req: &pb.ChunkRequest{Hash: make([]byte, 1<<20), Size: 100, Zstd: true}},
		{name: "unknown fields", req: bloated, wantHash: hash},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := compact(tc.req)
			require.Equal(t, tc.wantHash, q.Hash)
			require.Equal(t, uint32(100), q.Size)
			require.True(t, q.Zstd)
			require.Less(t, proto.Size(q), 64)
		})
	}
}
