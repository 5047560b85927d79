package xfer

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/xfer/pb"
)

func TestBitfield(t *testing.T) {
	f := NewBitfield(10)
	require.Equal(t, 10, f.Len())
	require.Len(t, f.Bytes(), 2)
	f.Set(0)
	f.Set(9)
	f.Set(10) // out of range: ignored
	f.Set(-1)
	require.True(t, f.Has(0) && f.Has(9))
	require.False(t, f.Has(1) || f.Has(10) || f.Has(-1))
	require.Equal(t, []byte{0x80, 0x40}, f.Bytes())
	require.Equal(t, 2, f.Count())
	g := f.Clone()
	g.Clear(0)
	require.True(t, f.Has(0), "a clone is independent")
	require.False(t, g.Has(0))
	require.True(t, FullBitfield(10).Full())
	require.False(t, f.Full())
}

func TestParseBitfield(t *testing.T) {
	cases := []struct {
		name string
		n    int
		b    []byte
		ok   bool
	}{
		{"empty", 0, nil, true},
		{"exact byte", 8, []byte{0xff}, true},
		{"partial byte", 10, []byte{0xff, 0xc0}, true},
		{"trailing bit set", 10, []byte{0xff, 0xe0}, false},
		{"too short", 10, []byte{0xff}, false},
		{"too long", 8, []byte{0xff, 0}, false},
		{"negative count", -1, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseBitfield(tc.n, tc.b)
			if !tc.ok {
				require.ErrorIs(t, err, ErrProtocol)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.n, f.Len())
		})
	}
}

func TestChunksDistinct(t *testing.T) {
	a := manifest.Chunk{Hash: manifest.ChunkHash{1}, Size: 1}
	b := manifest.Chunk{Hash: manifest.ChunkHash{2}, Size: 1}
	m := &manifest.Manifest{Files: []manifest.File{
		{Path: "x", Size: 3, Chunks: []manifest.Chunk{a, b, a}},
		{Path: "y", Size: 1, Chunks: []manifest.Chunk{b}},
	}}
	require.Equal(t, []manifest.Chunk{a, b}, Chunks(m))
}

func TestCheckLength(t *testing.T) {
	c := manifest.Chunk{Size: 100}
	cases := []struct {
		name string
		hdr  *pb.ChunkHeader
		ok   bool
	}{
		{"raw exact", &pb.ChunkHeader{Length: 100}, true},
		{"raw short", &pb.ChunkHeader{Length: 99}, false},
		{"raw long", &pb.ChunkHeader{Length: 101}, false},
		{"zstd smaller", &pb.ChunkHeader{Encoding: pb.Encoding_ENCODING_ZSTD, Length: 50}, true},
		{"zstd empty", &pb.ChunkHeader{Encoding: pb.Encoding_ENCODING_ZSTD}, false},
		{"zstd not smaller", &pb.ChunkHeader{Encoding: pb.Encoding_ENCODING_ZSTD, Length: 100}, false},
		{"unknown encoding", &pb.ChunkHeader{Encoding: 7, Length: 100}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := checkLength(tc.hdr, c)
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, ErrProtocol)
			}
		})
	}
}

func TestStatusMapping(t *testing.T) {
	cases := []struct {
		name   string
		err    error
		status pb.Status
		back   error
	}{
		{"ok", nil, pb.Status_STATUS_OK, nil},
		{"not found", ErrNotFound, pb.Status_STATUS_NOT_FOUND, ErrNotFound},
		{"changed file", ErrChanged, pb.Status_STATUS_NOT_FOUND, ErrNotFound},
		{"bad request", ErrBadRequest, pb.Status_STATUS_BAD_REQUEST, ErrBadRequest},
		{"other", errors.New("disk on fire"), pb.Status_STATUS_INTERNAL, ErrRemote},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.status, statusOf(tc.err))
			got := errorOf(tc.status, "detail")
			if tc.back == nil {
				require.NoError(t, got)
			} else {
				require.ErrorIs(t, got, tc.back)
			}
		})
	}
	require.ErrorIs(t, errorOf(99, ""), ErrProtocol)
	require.Equal(t, "internal error", publicMessage(errors.New("secret path /home/x")))
}

func TestCodec(t *testing.T) {
	text := []byte(string(make([]byte, 1000)))
	z, ok, err := compress(make([]byte, len(text)), text)
	require.NoError(t, err)
	require.True(t, ok)
	out, err := decompress(nil, z, len(text))
	require.NoError(t, err)
	require.Equal(t, text, out)
	_, err = decompress(nil, z, len(text)-1)
	require.ErrorIs(t, err, ErrBadPeer, "a body must decode to the chunk's size")
	_, err = decompress(nil, []byte("not zstd"), 10)
	require.ErrorIs(t, err, ErrBadPeer)
}

func TestOptions(t *testing.T) {
	cases := []struct {
		name string
		opt  Option
		ok   bool
	}{
		{"upload limit", WithUploadLimit(1 << 20), true},
		{"no upload limit", WithUploadLimit(0), true},
		{"negative download limit", WithDownloadLimit(-1), false},
		{"request timeout", WithRequestTimeout(time.Second), true},
		{"zero request timeout", WithRequestTimeout(0), false},
		{"negative idle timeout", WithIdleTimeout(-time.Second), false},
		{"max peers", WithMaxPeers(4), true},
		{"zero max peers", WithMaxPeers(0), false},
		{"window", WithWindow(1, 8), true},
		{"inverted window", WithWindow(8, 1), false},
		{"nil logger", WithLogger(nil), false},
		{"zero progress interval", WithProgressInterval(0), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := applyOptions([]Option{tc.opt})
			require.Equal(t, tc.ok, err == nil, "err: %v", err)
		})
	}
}

// The largest chunk the manifest allows survives a zstd round trip.
func TestCodecMaxChunk(t *testing.T) {
	src := bytes.Repeat([]byte("p2psb "), manifest.MaxChunkSize/6+1)[:manifest.MaxChunkSize]
	z, ok, err := compress(make([]byte, len(src)), src)
	require.NoError(t, err)
	require.True(t, ok)
	out, err := decompress(make([]byte, len(src)), z, len(src))
	require.NoError(t, err)
	require.Equal(t, src, out)
}
