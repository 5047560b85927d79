package rendezvous

import (
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/p2psb/p2psb/rendezvous/pb"
)

// These tests speak to the server with bytes built by hand from the spec's
// field numbers, without the generated code, as another implementation
// would, and decode its answers the same way.

func specRegister(ns string, record []byte, ttl uint64) []byte {
	var body []byte
	body = protowire.AppendTag(body, 1, protowire.BytesType)
	body = protowire.AppendString(body, ns)
	body = protowire.AppendTag(body, 2, protowire.BytesType)
	body = protowire.AppendBytes(body, record)
	body = protowire.AppendTag(body, 3, protowire.VarintType)
	body = protowire.AppendVarint(body, ttl)
	var msg []byte
	msg = protowire.AppendTag(msg, 1, protowire.VarintType)
	msg = protowire.AppendVarint(msg, 0) // REGISTER
	msg = protowire.AppendTag(msg, 2, protowire.BytesType)
	return protowire.AppendBytes(msg, body)
}

func specDiscover(ns string, limit uint64) []byte {
	var body []byte
	body = protowire.AppendTag(body, 1, protowire.BytesType)
	body = protowire.AppendString(body, ns)
	body = protowire.AppendTag(body, 2, protowire.VarintType)
	body = protowire.AppendVarint(body, limit)
	var msg []byte
	msg = protowire.AppendTag(msg, 1, protowire.VarintType)
	msg = protowire.AppendVarint(msg, 3) // DISCOVER
	msg = protowire.AppendTag(msg, 5, protowire.BytesType)
	return protowire.AppendBytes(msg, body)
}

func specFrame(msg []byte) []byte {
	return append(binary.AppendUvarint(nil, uint64(len(msg))), msg...)
}

// specFields decodes one level of a protobuf message into field number ->
// values (varints as uint64, length-delimited as []byte).
func specFields(t *testing.T, b []byte) map[protowire.Number][]any {
	t.Helper()
	out := map[protowire.Number][]any{}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		require.GreaterOrEqual(t, n, 0)
		b = b[n:]
		switch typ {
		case protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			require.GreaterOrEqual(t, n, 0)
			out[num], b = append(out[num], v), b[n:]
		case protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			require.GreaterOrEqual(t, n, 0)
			out[num], b = append(out[num], v), b[n:]
		default:
			t.Fatalf("unexpected wire type %d", typ)
		}
	}
	return out
}

func readSpecFrame(t *testing.T, r io.Reader) map[protowire.Number][]any {
	t.Helper()
	br := newMsgReader(r, maxResponseSize).r
	n, err := binary.ReadUvarint(br)
	require.NoError(t, err)
	buf := make([]byte, n)
	_, err = io.ReadFull(br, buf)
	require.NoError(t, err)
	return specFields(t, buf)
}

func TestInteropHandBuiltMessages(t *testing.T) {
	c := newConformance(t)
	s := dialRaw(t, c.a, c.sh.ID()).s
	_, err := s.Write(specFrame(specRegister("interop", signed(t, c.a), 3600)))
	require.NoError(t, err)
	msg := readSpecFrame(t, s)
	require.Equal(t, []any{uint64(1)}, msg[1], "type REGISTER_RESPONSE")
	resp := specFields(t, msg[3][0].([]byte))
	require.Equal(t, []any{uint64(0)}, resp[1], "status OK")
	require.Equal(t, []any{uint64(3600)}, resp[3], "granted ttl")

	s2 := dialRaw(t, c.b, c.sh.ID()).s
	_, err = s2.Write(specFrame(specDiscover("interop", 10)))
	require.NoError(t, err)
	msg = readSpecFrame(t, s2)
	require.Equal(t, []any{uint64(4)}, msg[1], "type DISCOVER_RESPONSE")
	dr := specFields(t, msg[6][0].([]byte))
	require.Len(t, dr[1], 1, "one registration")
	require.Len(t, dr[2], 1, "a cookie")
	reg := specFields(t, dr[1][0].([]byte))
	require.Equal(t, []byte("interop"), reg[1][0])
	rec, err := verifyRecord(reg[2][0].([]byte), 32)
	require.NoError(t, err)
	require.Equal(t, c.a.ID(), rec.peer)
	require.Equal(t, []any{uint64(3600)}, reg[3])
}

// waitReset reads from a stream the server should reset and fails if it
// answers or if nothing happens within the deadline.
func waitReset(t *testing.T, r io.Reader) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := r.Read(make([]byte, 1))
		done <- err
	}()
	select {
	case err := <-done:
		require.Error(t, err)
		require.False(t, errors.Is(err, io.EOF), "reset, not a clean close: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not reset the stream")
	}
}

func TestServerStreamBounds(t *testing.T) {
	cases := []struct {
		name  string
		write func(t *testing.T, c *conformance) []byte
	}{
		{"oversized message", func(t *testing.T, c *conformance) []byte {
			return specFrame(specRegister("app", make([]byte, maxRequestSize), 0))
		}},
		{"length prefix past the bound", func(t *testing.T, c *conformance) []byte {
			return binary.AppendUvarint(nil, 1<<30)
		}},
		{"response type sent to the server", func(t *testing.T, c *conformance) []byte {
			return frame(t, registerResponse(time.Hour, nil))
		}},
		{"not protobuf", func(t *testing.T, c *conformance) []byte {
			return specFrame([]byte{0xff, 0xff, 0xff})
		}},
		{"silent stream", func(t *testing.T, c *conformance) []byte { return nil }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newConformance(t, WithStreamTimeout(100*time.Millisecond))
			conn := dialRaw(t, c.a, c.sh.ID())
			if b := tc.write(t, c); b != nil {
				_, err := conn.s.Write(b)
				require.NoError(t, err)
			}
			waitReset(t, conn.s)
		})
	}
}

func TestServerManyRequestsOneStream(t *testing.T) {
	c := newConformance(t)
	conn := dialRaw(t, c.a, c.sh.ID())
	for i := 0; i < 3; i++ {
		require.Equal(t, pb.Message_OK, conn.roundTrip(t, registerMsg("app", signed(t, c.a), 0)).GetRegisterResponse().GetStatus())
		require.Len(t, peersOf(t, conn.roundTrip(t, discoverMsg("app", 0, nil))), 1)
	}
	require.NoError(t, conn.s.CloseWrite())
	_, err := conn.s.Read(make([]byte, 1))
	require.ErrorIs(t, err, io.EOF, "the server closes cleanly after the client")
}
