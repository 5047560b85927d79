package rendezvous

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	pool "github.com/libp2p/go-buffer-pool"

	"google.golang.org/protobuf/proto"
)

// Size bounds of one framed message. A request (REGISTER, UNREGISTER,
// DISCOVER) is small: a namespace, a cookie and one signed peer record with a
// bounded number of addresses. A DISCOVER_RESPONSE holds up to MaxDiscoverLimit
// records, and the server stops adding records before it passes
// maxResponseBytes.
const (
	maxRequestSize   = 16 << 10
	maxResponseSize  = 4 << 20
	maxResponseBytes = 1 << 20
)

// ErrMessageTooLarge is returned when a length prefix announces more bytes
// than the reader accepts. The stream is unusable after it.
var ErrMessageTooLarge = errors.New("rendezvous: message too large")

// msgReader reads messages framed by an unsigned-varint length prefix, the
// framing of the rendezvous spec (and of go-msgio/pbio).
type msgReader struct {
	r   *bufio.Reader
	max int
	buf []byte
}

func newMsgReader(r io.Reader, maxSize int) *msgReader {
	return &msgReader{r: bufio.NewReaderSize(r, 4096), max: maxSize}
}

// read decodes the next frame into msg. It returns io.EOF when the stream
// ends cleanly between frames and io.ErrUnexpectedEOF inside one.
func (m *msgReader) read(msg proto.Message) error {
	n, err := binary.ReadUvarint(m.r)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return io.EOF
		}
		return fmt.Errorf("read length prefix: %w", err)
	}
	if n > uint64(m.max) {
		return fmt.Errorf("length %d > %d: %w", n, m.max, ErrMessageTooLarge)
	}
	if cap(m.buf) < int(n) {
		m.buf = make([]byte, n)
	}
	buf := m.buf[:n]
	if _, err := io.ReadFull(m.r, buf); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("read message body: %w", err)
	}
	if err := proto.Unmarshal(buf, msg); err != nil {
		return fmt.Errorf("decode message: %w", err)
	}
	return nil
}

// writeMsg frames msg and writes it with a single Write call. The message
// is encoded straight after its length prefix in a pooled buffer: a
// DISCOVER_RESPONSE can be hundreds of kilobytes.
func writeMsg(w io.Writer, msg proto.Message) error {
	size := proto.Size(msg)
	buf := pool.Get(binary.MaxVarintLen64 + size)
	defer pool.Put(buf)
	frame := binary.AppendUvarint(buf[:0], uint64(size))
	frame, err := proto.MarshalOptions{UseCachedSize: true}.MarshalAppend(frame, msg)
	if err != nil {
		return fmt.Errorf("encode message: %w", err)
	}
	if _, err := w.Write(frame); err != nil {
		return fmt.Errorf("write message: %w", err)
	}
	return nil
}
