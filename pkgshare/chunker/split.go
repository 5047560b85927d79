package chunker

import (
	"context"
	"crypto/sha256"
	"io"
	"runtime"

	"golang.org/x/sync/errgroup"
)

// Chunk is one piece of a stream as Split cut it.
type Chunk struct {
	Offset       int64    // position of the first byte in the stream
	Size         uint32   // length in bytes
	Hash         [32]byte // SHA-256 of the chunk's bytes: its address
	Compressible bool     // zstd shrinks a sample of it; see compress.go
}

// Options configures Split.
type Options struct {
	Params  Params // cut rule; the zero value is invalid, use DefaultParams
	Workers int    // goroutines hashing chunks; 0 means runtime.GOMAXPROCS(0)

	// Progress, if set, is called with the size of each chunk once it is
	// hashed, from any of Split's goroutines, possibly concurrently.
	Progress func(n int64)
}

// Split reads r to the end, cuts it as Boundaries would cut all of it, and
// returns its chunks in order. One goroutine reads, one cuts and
// opts.Workers others hash and probe the chunks; an input of at most
// Params.Avg bytes is done on the calling goroutine. Split holds at most
// opts.Workers+2 buffers of 3*Params.Max bytes (at least 64 KiB). Once ctx
// is cancelled it returns ctx.Err(), after a Read already blocked in r.
func Split(ctx context.Context, r io.Reader, opts Options) ([]Chunk, error) {
	if err := opts.Params.Validate(); err != nil {
		return nil, err
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return split(ctx, r, opts, workers, max(2*opts.Params.Max, 1<<16))
}

// task is one cut chunk waiting to be hashed.
type task struct {
	data []byte
	buf  *buffer // holds data, with a reference for this task
	out  *Chunk  // where the results go
}

// split is Split reading fresh bytes into blocks of size bytes.
func split(ctx context.Context, r io.Reader, opts Options, workers, size int) ([]Chunk, error) {
	ring := newRing(opts.Params.Max+size, workers+2)
	defer ring.close()
	rd := &reader{r: r, ring: ring, headroom: opts.Params.Max}
	var list chunkList
	first, err := rd.next(ctx)
	if err == nil {
		if first.final && first.n <= opts.Params.Avg {
			err = hashInline(ctx, rd, first, &list, opts)
		} else {
			err = hashParallel(ctx, rd, first, &list, opts, workers)
		}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, err
	}
	return list.all(), nil
}

// hashInline cuts and hashes the one block of a short stream on the
// calling goroutine.
func hashInline(ctx context.Context, rd *reader, only block, list *chunkList, opts Options) error {
	w, err := newWorker(opts.Progress)
	if err != nil {
		only.buf.release()
		return err
	}
	defer w.close()
	in := make(chan block, 1)
	in <- only
	close(in)
	c := newCutter(opts.Params)
	return cutBlocks(ctx, in, &c, rd.headroom, list, func(t task) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		w.hash(t)
		return nil
	})
}

// hashParallel reads, cuts and hashes on separate goroutines.
func hashParallel(ctx context.Context, rd *reader, first block, list *chunkList, opts Options, workers int) error {
	g, ctx := errgroup.WithContext(ctx)
	blocks := make(chan block)
	tasks := make(chan task, 4*workers)
	g.Go(func() error { return rd.run(ctx, first, blocks) })
	g.Go(func() error {
		defer close(tasks)
		c := newCutter(opts.Params)
		return cutBlocks(ctx, blocks, &c, rd.headroom, list, func(t task) error {
			select {
			case tasks <- t:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	})
	for range workers {
		g.Go(func() error {
			w, err := newWorker(opts.Progress)
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
	progress func(int64)
}

func newWorker(progress func(int64)) (*worker, error) {
	p, err := newProbe()
	if err != nil {
		return nil, err
	}
	return &worker{probe: p, progress: progress}, nil
}

// hash fills in t's results and lets go of its buffer.
func (w *worker) hash(t task) {
	t.out.Hash = sha256.Sum256(t.data)
	t.out.Compressible = w.probe.compressible(t.data)
	t.buf.release()
	if w.progress != nil {
		w.progress(int64(len(t.data)))
	}
}

func (w *worker) close() { w.probe.release() }
