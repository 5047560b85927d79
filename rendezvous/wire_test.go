package rendezvous

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/p2psb/p2psb/rendezvous/pb"
)

func frame(t testing.TB, msg proto.Message) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, writeMsg(&buf, msg))
	return buf.Bytes()
}

func TestWireRoundTrip(t *testing.T) {
	msgs := []*pb.Message{
		{Type: pb.Message_REGISTER.Enum(), Register: &pb.Message_Register{
			Ns: proto.String("ns"), SignedPeerRecord: []byte{1, 2, 3}, Ttl: proto.Int64(7200)}},
		{Type: pb.Message_DISCOVER.Enum(), Discover: &pb.Message_Discover{
			Ns: proto.String(""), Limit: proto.Int64(10), Cookie: []byte("c")}},
		{Type: pb.Message_UNREGISTER.Enum()},
	}
	var stream bytes.Buffer
	for _, m := range msgs {
		stream.Write(frame(t, m))
	}
	r := newMsgReader(&stream, maxRequestSize)
	for _, want := range msgs {
		var got pb.Message
		require.NoError(t, r.read(&got))
		require.True(t, proto.Equal(want, &got), "got %v want %v", &got, want)
	}
	var end pb.Message
	require.ErrorIs(t, r.read(&end), io.EOF)
}

func TestWireRefusals(t *testing.T) {
	big := binary.AppendUvarint(nil, maxRequestSize+1)
	cases := []struct {
		name  string
		input []byte
		want  error
	}{
		{"oversized length prefix", append(big, make([]byte, 16)...), ErrMessageTooLarge},
		{"huge varint", binary.AppendUvarint(nil, 1<<62), ErrMessageTooLarge},
		{"truncated body", append(binary.AppendUvarint(nil, 10), 1, 2), io.ErrUnexpectedEOF},
		{"truncated prefix", []byte{0x80}, io.ErrUnexpectedEOF},
		{"overlong varint", bytes.Repeat([]byte{0xff}, 11), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var m pb.Message
			err := newMsgReader(bytes.NewReader(tc.input), maxRequestSize).read(&m)
			require.Error(t, err)
			if tc.want != nil {
				require.ErrorIs(t, err, tc.want)
			}
		})
	}
}

func TestWireGarbageBody(t *testing.T) {
	in := append(binary.AppendUvarint(nil, 3), 0xff, 0xff, 0xff)
	var m pb.Message
	err := newMsgReader(bytes.NewReader(in), maxRequestSize).read(&m)
	require.Error(t, err)
	require.False(t, errors.Is(err, io.EOF))
}

// FuzzReadMessage feeds arbitrary bytes to the frame decoder and to the
// request parser the server runs on every decoded message: neither may
// panic, whatever decodes must survive a re-encode unchanged, and a request
// the parser accepts names a namespace that is text without NUL bytes.
func FuzzReadMessage(f *testing.F) {
	f.Add(frame(f, &pb.Message{Type: pb.Message_REGISTER.Enum(), Register: &pb.Message_Register{
		Ns: proto.String("p2psb/node/x"), SignedPeerRecord: []byte{9, 9}, Ttl: proto.Int64(60)}}))
	f.Add(frame(f, &pb.Message{Type: pb.Message_DISCOVER.Enum(), Discover: &pb.Message_Discover{
		Limit: proto.Int64(-1), Cookie: bytes.Repeat([]byte{1}, 40)}}))
	f.Add(frame(f, &pb.Message{Type: pb.Message_UNREGISTER.Enum(), Unregister: &pb.Message_Unregister{
		Ns: proto.String("a"), Id: []byte("id")}}))
	f.Add(frame(f, &pb.Message{Type: pb.Message_REGISTER.Enum(), Register: &pb.Message_Register{
		Ns: proto.String("a\x00b"), SignedPeerRecord: []byte{9, 9}}}))
	f.Add(frame(f, &pb.Message{Type: pb.Message_DISCOVER.Enum(), Discover: &pb.Message_Discover{
		Ns: proto.String("caf\xc3")}}))
	f.Add([]byte{0x80, 0x80, 0x04})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newMsgReader(bytes.NewReader(data), maxRequestSize)
		for i := 0; i < 4; i++ {
			var m pb.Message
			if err := r.read(&m); err != nil {
				return
			}
			if req, err := parseRequest(&m); err == nil {
				ns := req.namespace()
				require.True(t, utf8.ValidString(ns), "accepted namespace %q", ns)
				require.NotContains(t, ns, "\x00")
			}
			again := newMsgReader(bytes.NewReader(frame(t, &m)), maxRequestSize)
			var m2 pb.Message
			require.NoError(t, again.read(&m2))
			require.True(t, proto.Equal(&m, &m2))
		}
	})
}
