package chunker

import (
	"context"
	"fmt"
	"io"
)

// block is a buffer of input: fresh bytes at buf.b[off:off+n], after room
// for the uncut tail of the block before (at most Params.Max bytes), which
// the cutter copies in front of them.
type block struct {
	buf   *buffer // holds one reference for the block's receiver
	off   int
	n     int
	final bool // the stream ends after this block
}

// reader reads a stream into blocks.
type reader struct {
	r        io.Reader
	ring     *ring
	headroom int   // room for a tail: at least Params.Max
	read     int64 // bytes read from r so far
}

// next reads the next block.
func (rd *reader) next(ctx context.Context) (block, error) {
	buf, err := rd.ring.get(ctx)
	if err != nil {
		return block{}, err
	}
	m, err := fill(rd.r, buf.b[rd.headroom:])
	rd.read += int64(m)
	final := err == io.EOF
	if err != nil && !final {
		buf.release()
		return block{}, fmt.Errorf("chunker: read at offset %d: %w", rd.read, err)
	}
	return block{buf: buf, off: rd.headroom, n: m, final: final}, nil
}

// fill reads into b until it is full or r fails. Unlike io.ReadFull it
// keeps io.EOF, the one error that ends a stream, apart from the
// io.ErrUnexpectedEOF a reader may return for a truncated one.
func fill(r io.Reader, b []byte) (n int, err error) {
	for n < len(b) && err == nil {
		var m int
		m, err = r.Read(b[n:])
		n += m
	}
	if n == len(b) && err == io.EOF {
		err = nil // the next read will see it again
	}
	return n, err
}

// run sends first and the blocks after it to out until the stream ends,
// then closes out.
func (rd *reader) run(ctx context.Context, first block, out chan<- block) error {
	defer close(out)
	for b := first; ; {
		select {
		case out <- b:
		case <-ctx.Done():
			b.buf.release()
			return ctx.Err()
		}
		if b.final {
			return nil
		}
		var err error
		if b, err = rd.next(ctx); err != nil {
			return err
		}
	}
}

// cutBlocks cuts the blocks from in into chunks, recording each in list
// and passing it to emit, until in is closed or emit fails.
func cutBlocks(ctx context.Context, in <-chan block, c *cutter, list *chunkList, emit func(task) error) error {
	var (
		prev *buffer
		tail []byte // uncut end of prev
		off  int64
	)
	defer func() {
		if prev != nil {
			prev.release()
		}
	}()
	for {
		var b block
		select {
		case b = <-in:
		case <-ctx.Done():
			return ctx.Err()
		}
		if b.buf == nil {
			return nil // in closed: the stream ended, or the reader failed
		}
		start := b.off - len(tail)
		copy(b.buf.b[start:], tail)
		if prev != nil {
			prev.release()
		}
		prev = b.buf
		data := b.buf.b[start : b.off+b.n]
		for len(data) > 0 {
			z, ok := c.next(data, b.final)
			if !ok {
				break
			}
			b.buf.hold()
			if err := emit(task{data: data[:z:z], buf: b.buf, out: list.add(off, z)}); err != nil {
				return err
			}
			data, off = data[z:], off+int64(z)
		}
		tail = data
	}
}
