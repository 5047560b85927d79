package xfer

import (
	"fmt"
	"sync/atomic"

	pool "github.com/libp2p/go-buffer-pool"

	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/xfer/pb"
)

// arrival is a chunk body handed from a stream reader to the verify
// workers; body comes from the buffer pool.
type arrival struct {
	p    *peerState
	i    int
	enc  pb.Encoding
	body []byte
	// relayed: it came through a circuit relay, not a direct connection.
	relayed bool
}

// pull waits until there is something to ask p, then runs one chunk
// stream to p until the fetch ends or p is of no more use (nil), or the
// stream fails. delivered reports whether p answered at least one request
// on it. Chunks are reserved for p only once its stream is open, so a peer
// that cannot be reached (gone, or slow to dial) holds none of them.
func (fe *fetch) pull(p *peerState) (delivered bool, err error) {
	for {
		if batch := fe.pick(p); len(batch) > 0 {
			fe.requeue(p, batch...) // only a probe: reserved again once the stream is open
			return fe.stream(p)
		}
		if fe.useless(p) {
			return false, nil
		}
		select {
		case <-p.ctx.Done():
			return false, nil
		case <-fe.doneCh:
			return false, nil
		case <-p.wake:
		}
	}
}

// stream opens a chunk stream to p, then sends every pick on it, and reads
// the answers in a second goroutine.
func (fe *fetch) stream(p *peerState) (bool, error) {
	req := &pb.Request{Kind: &pb.Request_GetChunks{GetChunks: &pb.GetChunks{VersionId: fe.v.ID[:], ElsewhereOk: true}}}
	c, stop, err := fe.f.open(p.ctx, p.id, req)
	if err != nil {
		return false, err
	}
	defer stop()
	queue := make(chan int, fe.cfg.maxWindow+endgameMax)
	quit := make(chan struct{})
	dead := make(chan struct{})
	var rerr error
	var answered atomic.Bool
	go func() {
		defer close(dead)
		rerr = fe.readChunks(p, c, queue, quit, &answered)
	}()
	werr := fe.writeRequests(p, c, queue, fe.pick(p), dead)
	close(quit)
	if werr != nil {
		c.finish(werr) // Reset, so that the reader stops mid-read
	}
	<-dead
	if werr == nil {
		c.finish(rerr) // Close when the fetch is done and all went well
	}
	for len(queue) > 0 {
		fe.requeue(p, <-queue)
	}
	if p.ctx.Err() != nil {
		return answered.Load(), nil
	}
	if werr != nil {
		return answered.Load(), werr
	}
	return answered.Load(), rerr
}

// writeRequests sends batch after batch of requests until p's context
// ends or the reader dies. Indexes go into queue before their request is
// written, so the reader always knows what the next answer is for.
func (fe *fetch) writeRequests(p *peerState, c *wire, queue chan<- int, batch []int, dead <-chan struct{}) error {
	for {
		for _, i := range batch {
			queue <- i
		}
		for _, i := range batch {
			ch := fe.chunks[i]
			if err := c.write(&pb.ChunkRequest{Hash: ch.Hash[:], Size: ch.Size, Zstd: ch.Compressible}); err != nil {
				return fmt.Errorf("request chunks from %s: %w", p.id, err)
			}
		}
		if err := c.flush(); err != nil {
			return fmt.Errorf("request chunks from %s: %w", p.id, err)
		}
		for {
			var busy bool
			if batch, busy = fe.refill(p); len(batch) > 0 {
				break
			}
			if !busy && fe.useless(p) {
				return nil
			}
			select {
			case <-p.ctx.Done():
				return nil
			case <-dead:
				return nil // the reader's error tells why
			case <-fe.doneCh:
				return nil
			case <-p.wake:
			}
		}
	}
}

// refillDiv sets the smallest batch of further requests to a peer: an
// eighth of its window. Asking again only once that many answers are in
// saves a wakeup of both sides per chunk and keeps the link as full.
const refillDiv = 8

// refill picks p's next requests once an eighth of its window is free,
// or at once when nothing is in flight; busy says it did not look because
// enough requests are still in flight (p is then of use).
func (fe *fetch) refill(p *peerState) (batch []int, busy bool) {
	fe.mu.Lock()
	busy = len(p.asked) > 0 && p.window-len(p.asked) < max(1, p.window/refillDiv)
	fe.mu.Unlock()
	if busy {
		return nil, true
	}
	return fe.pick(p), false
}

// readChunks reads answers in request order and hands bodies to the
// verify workers. The watchdog runs only while answers are due.
func (fe *fetch) readChunks(p *peerState, c *wire, queue <-chan int, quit <-chan struct{}, answered *atomic.Bool) error {
	for {
		c.dog.stop()
		var i int
		select {
		case i = <-queue:
		case <-quit:
			return nil
		}
		if err := fe.readChunk(p, c, i); err != nil {
			fe.requeue(p, i)
			return err
		}
		if !answered.Swap(true) {
			fe.openLanes(p)
		}
	}
}

// readChunk reads the answer for chunk i.
func (fe *fetch) readChunk(p *peerState, c *wire, i int) error {
	var hdr pb.ChunkHeader
	if err := c.read(&hdr, maxControlMsg); err != nil {
		return fmt.Errorf("chunk header from %s: %w", p.id, err)
	}
	switch hdr.Status {
	case pb.Status_STATUS_NOT_FOUND:
		fe.notHave(p, i)
		return nil
	case pb.Status_STATUS_ELSEWHERE:
		fe.elsewhere(p, i)
		return nil
	}
	if err := errorOf(hdr.Status, ""); err != nil {
		return fmt.Errorf("chunk from %s: %w", p.id, err)
	}
	if err := checkLength(&hdr, fe.chunks[i]); err != nil {
		return fmt.Errorf("chunk from %s: %w", p.id, err)
	}
	body := pool.Get(int(hdr.Length))
	if err := c.readBody(fe.ctx, body, fe.cfg.download, fe.job.Download); err != nil {
		pool.Put(body)
		return fmt.Errorf("chunk body from %s: %w", p.id, err)
	}
	if !fe.received(p, i, len(body)) {
		pool.Put(body)
		return nil
	}
	select {
	case fe.verifyq <- &arrival{p: p, i: i, enc: hdr.Encoding, body: body, relayed: Relayed(c.s.Conn())}:
		return nil
	case <-fe.ctx.Done():
		pool.Put(body)
		return fe.ctx.Err()
	}
}

// checkLength bounds a body before it is read: raw bodies are exactly the
// chunk's size, zstd ones smaller.
func checkLength(h *pb.ChunkHeader, c manifest.Chunk) error {
	switch h.Encoding {
	case pb.Encoding_ENCODING_RAW:
		if h.Length != c.Size {
			return fmt.Errorf("%w: raw body of %d bytes for a chunk of %d", ErrProtocol, h.Length, c.Size)
		}
	case pb.Encoding_ENCODING_ZSTD:
		if h.Length == 0 || h.Length >= c.Size {
			return fmt.Errorf("%w: zstd body of %d bytes for a chunk of %d", ErrProtocol, h.Length, c.Size)
		}
	default:
		return fmt.Errorf("%w: unknown encoding %d", ErrProtocol, h.Encoding)
	}
	return nil
}
