package xfer

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-msgio/pbio"
	"golang.org/x/time/rate"
	"google.golang.org/protobuf/proto"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// ProtocolID is the libp2p protocol of chunk transfer.
const ProtocolID protocol.ID = "/p2psb/xfer/1.0.0"

const (
	// maxControlMsg bounds every message but ManifestResponse.
	maxControlMsg = 1 << 20
	// maxManifestMsg bounds a ManifestResponse.
	maxManifestMsg = manifest.MaxManifestSize + 4096
	// maxUpdateBatch bounds the indexes in one HaveUpdate.
	maxUpdateBatch = 16384
	// pieceSize is the unit of body I/O: rate limits and timeouts act
	// per piece.
	pieceSize = 256 << 10
	// bufSize is the read and write buffer of a stream.
	bufSize = 64 << 10
)

// watchdog resets a stream when nothing moves for d: the per-request
// deadline, refreshed as data moves. It is a timer rather than
// SetDeadline because not every transport (mocknet) honours deadlines.
type watchdog struct {
	t     *time.Timer
	d     time.Duration
	fired atomic.Bool
}

func newWatchdog(s network.Stream, d time.Duration) *watchdog {
	w := &watchdog{d: d}
	w.t = time.AfterFunc(d, func() {
		w.fired.Store(true)
		_ = s.Reset()
	})
	return w
}

func (w *watchdog) kick() { w.t.Reset(w.d) }
func (w *watchdog) stop() { w.t.Stop() }

// wrap names a timeout as such when the watchdog caused err.
func (w *watchdog) wrap(err error) error {
	if err != nil && w.fired.Load() {
		return fmt.Errorf("%w: nothing moved for %v (%v)", ErrTimeout, w.d, err)
	}
	return err
}

// wire is the framing of one stream: varint-delimited protobufs through
// buffers, and raw bodies read from and written to the same buffers.
type wire struct {
	s   network.Stream
	br  *bufio.Reader
	bw  *bufio.Writer
	w   pbio.Writer
	dog *watchdog
}

func newWire(s network.Stream, timeout time.Duration) *wire {
	bw := bufio.NewWriterSize(s, bufSize)
	return &wire{
		s:   s,
		br:  bufio.NewReaderSize(s, bufSize),
		bw:  bw,
		w:   pbio.NewDelimitedWriter(bw),
		dog: newWatchdog(s, timeout),
	}
}

// read reads one message of at most max bytes.
func (c *wire) read(m proto.Message, max int) error {
	c.dog.kick()
	// bufio.NewReader inside pbio returns c.br itself (it is large
	// enough), so bodies read from c.br stay in step with messages.
	if err := pbio.NewDelimitedReader(c.br, max).ReadMsg(m); err != nil {
		return c.dog.wrap(err)
	}
	return nil
}

// send writes one message and flushes it.
func (c *wire) send(m proto.Message) error {
	if err := c.write(m); err != nil {
		return err
	}
	return c.flush()
}

// write buffers one message.
func (c *wire) write(m proto.Message) error {
	c.dog.kick()
	return c.dog.wrap(c.w.WriteMsg(m))
}

func (c *wire) flush() error {
	c.dog.kick()
	return c.dog.wrap(c.bw.Flush())
}

// readBody fills buf from the stream piece by piece, waiting on every lim.
func (c *wire) readBody(ctx context.Context, buf []byte, lims ...*rate.Limiter) error {
	for off := 0; off < len(buf); {
		n := min(pieceSize, len(buf)-off)
		for _, lim := range lims {
			if err := wait(ctx, lim, n); err != nil {
				return err
			}
		}
		c.dog.kick()
		if _, err := io.ReadFull(c.br, buf[off:off+n]); err != nil {
			return c.dog.wrap(err)
		}
		off += n
	}
	return nil
}

// writeBody writes buf piece by piece, waiting on lim.
func (c *wire) writeBody(ctx context.Context, buf []byte, lim *rate.Limiter) error {
	if lim == nil {
		c.dog.kick()
		_, err := c.bw.Write(buf)
		return c.dog.wrap(err)
	}
	for off := 0; off < len(buf); {
		n := min(pieceSize, len(buf)-off)
		if err := wait(ctx, lim, n); err != nil {
			return err
		}
		c.dog.kick()
		if _, err := c.bw.Write(buf[off : off+n]); err != nil {
			return c.dog.wrap(err)
		}
		off += n
	}
	return nil
}

func wait(ctx context.Context, lim *rate.Limiter, n int) error {
	if lim == nil {
		return nil
	}
	return lim.WaitN(ctx, n)
}

// finish ends a stream: Close on success, Reset on error.
func (c *wire) finish(err error) {
	c.dog.stop()
	if err != nil {
		_ = c.s.Reset()
		return
	}
	_ = c.s.Close()
}
