package chunker

import (
	"context"
	"io"
	"runtime"

	"github.com/zeebo/blake3"
	"golang.org/x/sync/errgroup"
)

// Chunk is one piece of a stream as Split cut it.
type Chunk struct {
	Offset       int64    // position of the first byte in the stream
	Size         uint32   // length in bytes
	Hash         [32]byte // Options.Sum of the chunk's bytes: its address
	Compressible bool     // zstd shrinks a sample of it; see compress.go
}

// Options configures Split.
type Options struct {
	Params  Params // cut rule; the zero value is invalid, use DefaultParams
	Workers int    // goroutines hashing chunks; 0 means runtime.GOMAXPROCS(0)

	// Sum hashes a chunk; nil means BLAKE3 with a 32-byte output.
	Sum func([]byte) [32]byte

	// Progress, if set, is called with the size of each chunk once it is
	// hashed, from any of Split's goroutines, possibly concurrently.
	Progress func(n int64)
}

// Split reads r to the end, cuts it as Boundaries would cut all of it, and
// returns its chunks in order.
//
// One goroutine reads, one cuts and opts.Workers others hash and probe the
// chunks; an input of at most Params.Avg bytes is done on the calling
// goroutine. Split holds at most opts.Workers+2 buffers of 3*Params.Max
// bytes (at least 64 KiB each). A regular *os.File positioned at its start
// is mapped into memory instead (on Linux and macOS), which saves copying
// it; if it shrinks meanwhile, Split returns ErrChanged.
//
// Once ctx is cancelled Split returns ctx.Err(), after any Read already
// blocked in r returns.
func Split(ctx context.Context, r io.Reader, opts Options) ([]Chunk, error) {
	if err := opts.Params.Validate(); err != nil {
		return nil, err
	}
	s := &splitter{opts: opts, workers: opts.Workers}
	if s.workers <= 0 {
		s.workers = runtime.GOMAXPROCS(0)
	}
	if data, unmap, ok := mapFile(r, int64(opts.Params.Avg)); ok {
		defer unmap()
		return s.splitMapped(ctx, data)
	}
	return s.split(ctx, r, max(2*opts.Params.Max, 1<<16))
}

// task is one cut chunk waiting to be hashed.
type task struct {
	data []byte
	buf  *buffer // holds data, with a reference for this task
	out  *Chunk  // where the results go
}

// splitter is one Split call.
type splitter struct {
	opts    Options
	workers int
	list    chunkList
	mapped  bool // blocks are a mapped file: guard against memory faults
}

// split reads r into blocks of size fresh bytes and splits them.
func (s *splitter) split(ctx context.Context, r io.Reader, size int) ([]Chunk, error) {
	ring := newRing(s.opts.Params.Max+size, s.workers+2)
	defer ring.close()
	rd := &reader{r: r, ring: ring, headroom: s.opts.Params.Max}
	first, err := rd.next(ctx)
	switch {
	case err != nil:
	case first.final && first.n <= s.opts.Params.Avg:
		err = s.inline(ctx, first)
	default:
		err = s.parallel(ctx, rd, first)
	}
	return s.finish(ctx, err)
}

// splitMapped splits a mapped file, as one block.
func (s *splitter) splitMapped(ctx context.Context, data []byte) ([]Chunk, error) {
	s.mapped = true
	whole := &buffer{b: data}
	whole.refs.Store(1)
	return s.finish(ctx, s.parallel(ctx, &reader{}, block{buf: whole, n: len(data), final: true}))
}

// finish returns the chunks, or the error Split returns.
func (s *splitter) finish(ctx context.Context, err error) ([]Chunk, error) {
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, err
	}
	return s.list.all(), nil
}

// inline cuts and hashes a stream's only block on the calling goroutine.
func (s *splitter) inline(ctx context.Context, only block) error {
	w, err := newWorker(s.opts)
	if err != nil {
		only.buf.release()
		return err
	}
	defer w.close()
	in := make(chan block, 1)
	in <- only
	close(in)
	c := newCutter(s.opts.Params)
	return cutBlocks(ctx, in, &c, &s.list, func(t task) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		w.hash(t)
		return nil
	})
}

// parallel reads, cuts and hashes on separate goroutines.
func (s *splitter) parallel(ctx context.Context, rd *reader, first block) error {
	g, ctx := errgroup.WithContext(ctx)
	blocks := make(chan block)
	tasks := make(chan task, 4*s.workers)
	g.Go(func() error { return rd.run(ctx, first, blocks) })
	g.Go(func() (err error) {
		defer faultGuard(s.mapped, &err)()
		defer close(tasks)
		c := newCutter(s.opts.Params)
		return cutBlocks(ctx, blocks, &c, &s.list, func(t task) error {
			select {
			case tasks <- t:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	})
	for range s.workers {
		g.Go(func() (err error) {
			defer faultGuard(s.mapped, &err)()
			w, err := newWorker(s.opts)
			if err != nil {
				return err
			}
			defer w.close()
			for t := range tasks {
				if err := ctx.Err(); err != nil {
					return err
				}
				w.hash(t)
			}
			return nil
		})
	}
	return g.Wait()
}

// worker hashes and probes chunks.
type worker struct {
	probe    *probe
	sum      func([]byte) [32]byte
	progress func(int64)
}

func newWorker(opts Options) (*worker, error) {
	p, err := newProbe()
	if err != nil {
		return nil, err
	}
	w := &worker{probe: p, sum: opts.Sum, progress: opts.Progress}
	if w.sum == nil {
		w.sum = blake3.Sum256
	}
	return w, nil
}

// hash fills in t's results and lets go of its buffer.
func (w *worker) hash(t task) {
	t.out.Hash = w.sum(t.data)
	t.out.Compressible = w.probe.compressible(t.data)
	t.buf.release()
	if w.progress != nil {
		w.progress(int64(len(t.data)))
	}
}

func (w *worker) close() { w.probe.release() }
