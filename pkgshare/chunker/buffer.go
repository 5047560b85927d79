package chunker

import (
	"context"
	"sync"
	"sync/atomic"
)

// buffer is the memory of a block of input, shared by the chunks cut from
// it. It returns to its ring when the cutter and every chunk's worker are
// done with it.
type buffer struct {
	b    []byte
	refs atomic.Int32
	ring *ring
}

// hold adds a reference.
func (b *buffer) hold() { b.refs.Add(1) }

// release drops a reference, returning the buffer to its ring (if it has
// one) with the last.
func (b *buffer) release() {
	if b.refs.Add(-1) == 0 && b.ring != nil {
		b.ring.free <- b
	}
}

// ring bounds one Split's memory to n buffers of size bytes.
type ring struct {
	size int
	n    int // buffers made so far
	free chan *buffer
}

// bufferPool keeps idle buffer memory between Split calls.
var bufferPool sync.Pool

func newRing(size, n int) *ring {
	return &ring{size: size, free: make(chan *buffer, n)}
}

// get returns a free buffer holding one reference, making one while fewer
// than the ring's capacity exist, else waiting for one to be released.
func (r *ring) get(ctx context.Context) (*buffer, error) {
	var buf *buffer
	select {
	case buf = <-r.free:
	default:
		if r.n < cap(r.free) {
			r.n++
			buf = &buffer{b: pooledBytes(r.size), ring: r}
			break
		}
		select {
		case buf = <-r.free:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	buf.refs.Store(1)
	return buf, nil
}

// close returns the free buffers' memory to the pool. Call it once nothing
// else uses the ring; buffers still held are left to the garbage collector.
func (r *ring) close() {
	for {
		select {
		case buf := <-r.free:
			bufferPool.Put(&buf.b)
		default:
			return
		}
	}
}

// pooledBytes returns a byte slice of length size, reusing pooled memory.
func pooledBytes(size int) []byte {
	if p, _ := bufferPool.Get().(*[]byte); p != nil && cap(*p) >= size {
		return (*p)[:size]
	}
	return make([]byte, size)
}
