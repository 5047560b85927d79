package transport

import (
	"context"
	"net"
	"sync"
	"time"

	pool "github.com/libp2p/go-buffer-pool"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/transport"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	manet "github.com/multiformats/go-multiaddr/net"
)

// Go's crypto/tls writes every record (at most 16 KiB of data) with its
// own write(2), and on loopback each one runs the whole TCP path; reading
// is the same on the other side. Measured here, 1 GiB over 127.0.0.1 costs
// 1.5 CPU-s in 16 KiB writes, 0.9-1.1 in 64 KiB ones and 0.56 in 256 KiB
// ones. So the TCP connections of a node are wrapped below the security
// handshake: writes are queued and sent by one goroutine, which takes
// everything queued meanwhile in one write(2), and reads go through a
// large buffer. An idle connection sends at once; a busy one sends in
// batches.
const (
	batchMax       = 256 << 10 // queued bytes before Write waits
	batchReadBuf   = 256 << 10
	batchCloseWait = time.Second // how long Close waits for queued bytes to go
)

// NewBatchedTCP is the TCP transport with batching connections; it takes
// the place of tcp.NewTCPTransport in the host's options.
func NewBatchedTCP(up transport.Upgrader, rcmgr network.ResourceManager) (*tcp.TcpTransport, error) {
	return tcp.NewTCPTransport(batchUpgrader{up}, rcmgr, nil)
}

// batchUpgrader wraps each raw TCP connection in a batchConn before the
// usual upgrade (security, muxer).
type batchUpgrader struct{ transport.Upgrader }

func (u batchUpgrader) Upgrade(ctx context.Context, t transport.Transport, c manet.Conn, dir network.Direction, p peer.ID, scope network.ConnManagementScope) (transport.CapableConn, error) {
	return u.Upgrader.Upgrade(ctx, t, newBatchConn(c), dir, p, scope)
}

func (u batchUpgrader) UpgradeGatedMaListener(t transport.Transport, l transport.GatedMaListener) transport.Listener {
	return u.Upgrader.UpgradeGatedMaListener(t, batchListener{l})
}

type batchListener struct{ transport.GatedMaListener }

func (l batchListener) Accept() (manet.Conn, network.ConnManagementScope, error) {
	c, scope, err := l.GatedMaListener.Accept()
	if err != nil {
		return nil, scope, err
	}
	return newBatchConn(c), scope, nil
}

// batchConn is a manet.Conn whose writes are sent in batches by a flushing
// goroutine and whose reads are buffered. Its buffers come from a pool and
// go back when they are empty, so an idle connection holds none (a
// rendezvous node has many). A write error is returned by the next Write
// (and Close); write deadlines bound the flushing goroutine's write(2), so
// a writer waiting for room ends with the error that write meets.
type batchConn struct {
	manet.Conn

	rmu  sync.Mutex // one Read at a time owns rbuf
	rbuf []byte     // pooled; rbuf[roff:] not yet read
	roff int

	mu       sync.Mutex
	room     *sync.Cond // signalled when queued bytes leave or the state changes
	queue    []byte     // pooled, nil when empty
	flushing bool
	err      error
	closed   bool
}

// NewBatchedConn wraps c as a node wraps its TCP connections. The
// benchmarks use it to send over the same data path without libp2p.
func NewBatchedConn(c manet.Conn) manet.Conn { return newBatchConn(c) }

func newBatchConn(c manet.Conn) *batchConn {
	b := &batchConn{Conn: c}
	b.room = sync.NewCond(&b.mu)
	return b
}

// Read returns buffered bytes, or reads into a pooled buffer when p is
// smaller than one (straight into p otherwise).
func (b *batchConn) Read(p []byte) (int, error) {
	b.rmu.Lock()
	defer b.rmu.Unlock()
	if b.rbuf == nil {
		if len(p) >= batchReadBuf {
			return b.Conn.Read(p)
		}
		buf := pool.Get(batchReadBuf)
		n, err := b.Conn.Read(buf)
		if n <= 0 {
			pool.Put(buf)
			return 0, err
		}
		b.rbuf, b.roff = buf[:n], 0
		return b.take(p), err
	}
	return b.take(p), nil
}

// take copies buffered bytes into p, releasing the buffer once it is read.
func (b *batchConn) take(p []byte) int {
	n := copy(p, b.rbuf[b.roff:])
	b.roff += n
	if b.roff == len(b.rbuf) {
		pool.Put(b.rbuf[:cap(b.rbuf)])
		b.rbuf, b.roff = nil, 0
	}
	return n
}

func (b *batchConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.queue) > 0 && len(b.queue)+len(p) > batchMax && b.err == nil && !b.closed {
		b.room.Wait()
	}
	switch {
	case b.closed:
		return 0, net.ErrClosed
	case b.err != nil:
		return 0, b.err
	}
	if b.queue == nil {
		b.queue = pool.Get(max(batchMax, len(p)))[:0]
	}
	b.queue = append(b.queue, p...)
	if !b.flushing {
		b.flushing = true
		go b.flush()
	}
	return len(p), nil
}

// flush sends what is queued until the queue is empty or a write fails.
func (b *batchConn) flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.queue != nil && b.err == nil {
		out := b.queue
		b.queue = nil
		b.mu.Unlock()
		_, err := b.Conn.Write(out)
		pool.Put(out[:cap(out)])
		b.mu.Lock()
		if err != nil {
			b.err = err
		}
		b.room.Broadcast()
	}
	if b.queue != nil { // a write failed: what is left will not go
		pool.Put(b.queue[:cap(b.queue)])
		b.queue = nil
	}
	b.flushing = false
	b.room.Broadcast()
}

// Close sends what is queued (waiting at most batchCloseWait), then
// closes the connection.
func (b *batchConn) Close() error {
	b.mu.Lock()
	b.closed = true
	if b.flushing {
		stop := time.AfterFunc(batchCloseWait, func() {
			_ = b.Conn.SetWriteDeadline(time.Now()) // ends a write the peer does not take
		})
		for b.flushing {
			b.room.Wait()
		}
		stop.Stop()
	}
	b.mu.Unlock()
	return b.Conn.Close()
}
