package xfer

import (
	"context"
	"errors"
	"fmt"
	"io"

	pool "github.com/libp2p/go-buffer-pool"
	"golang.org/x/sync/errgroup"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/xfer/pb"
)

// requestQueue bounds the chunk requests of one stream read but not yet
// answered (each compacted to a few bytes). The client's window
// (WithWindow, at most 1024) plus endgame duplicates fit, so a
// well-behaved client is never held up by it.
const requestQueue = 1024 + endgameMax

// headRoom is the space kept in front of a chunk body for its delimited
// ChunkHeader, so header and body leave in one write without a copy.
const headRoom = 32

// reply is one prepared chunk answer; bufs go back to the pool once sent.
// A body starts headRoom bytes into one of bufs.
type reply struct {
	hdr  pb.ChunkHeader
	body []byte
	bufs [2][]byte
}

func (r *reply) release() {
	for _, b := range r.bufs {
		if b != nil {
			pool.Put(b)
		}
	}
}

// serveChunks answers the ChunkRequests of one stream in order: one
// goroutine reads requests and queues them, the other reads each chunk
// and sends it. Requests arrive in batches, so the writer seldom waits
// and the two rarely hand off to each other.
func (s *Server) serveChunks(ctx context.Context, c *wire, id manifest.VersionID, st *seedStream) error {
	reqs := make(chan *pb.ChunkRequest, requestQueue)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(reqs)
		return s.readRequests(gctx, c, reqs)
	})
	g.Go(func() error { return s.writeReplies(gctx, c, id, st, reqs) })
	return g.Wait()
}

func (s *Server) readRequests(ctx context.Context, c *wire, out chan<- *pb.ChunkRequest) error {
	for {
		req := new(pb.ChunkRequest)
		if err := c.read(req, maxControlMsg); err != nil {
			if errors.Is(err, io.EOF) {
				return nil // the client is done asking
			}
			return fmt.Errorf("read chunk request: %w", err)
		}
		select {
		case out <- compact(req):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// compact keeps what prepare uses of a request, so that the queue holds a
// few bytes per request whatever a client packs into one (a hash of the
// wrong length is dropped: prepare answers BAD_REQUEST).
func compact(req *pb.ChunkRequest) *pb.ChunkRequest {
	q := &pb.ChunkRequest{Size: req.Size, Zstd: req.Zstd}
	if len(req.Hash) == 32 {
		q.Hash = req.Hash
	}
	return q
}

// prepare reads (and maybe compresses) one requested chunk. Failures
// become a status in the reply, never a stream error.
func (s *Server) prepare(ctx context.Context, id manifest.VersionID, st *seedStream, req *pb.ChunkRequest) *reply {
	r := &reply{}
	if len(req.Hash) != 32 || req.Size == 0 || req.Size > manifest.MaxChunkSize {
		r.hdr.Status = pb.Status_STATUS_BAD_REQUEST
		return r
	}
	hash := manifest.ChunkHash(req.Hash)
	if s.handOut(st, hash) {
		return &reply{hdr: pb.ChunkHeader{Status: pb.Status_STATUS_ELSEWHERE}}
	}
	buf := pool.Get(headRoom + int(req.Size))
	r.bufs[0] = buf
	if err := s.store.ReadChunk(ctx, id, hash, buf[headRoom:]); err != nil {
		if st != nil {
			s.seed.settle(st, hash, false) // others may have it from here after all
		}
		if errors.Is(err, ErrChanged) {
			s.cfg.log.Info("xfer: not serving a chunk of a changed file", "version", id, "chunk", hash, "err", err)
		} else if !errors.Is(err, ErrNotFound) {
			s.cfg.log.Debug("xfer: read chunk", "version", id, "chunk", hash, "err", err)
		}
		r.release()
		return &reply{hdr: pb.ChunkHeader{Status: statusOf(err)}}
	}
	r.body = buf[headRoom:]
	if req.Zstd {
		cbuf := pool.Get(headRoom + int(req.Size))
		r.bufs[1] = cbuf
		if z, ok, err := compress(cbuf[headRoom:], r.body); err == nil && ok {
			r.body, r.hdr.Encoding = z, pb.Encoding_ENCODING_ZSTD
		}
	}
	r.hdr.Length = uint32(len(r.body))
	return r
}

// writeReplies answers the queued requests in order, flushing whenever
// the queue runs dry.
func (s *Server) writeReplies(ctx context.Context, c *wire, id manifest.VersionID, st *seedStream, in <-chan *pb.ChunkRequest) error {
	for req := range in {
		if err := ctx.Err(); err != nil {
			return err // the reader failed: answer nothing more
		}
		r := s.prepare(ctx, id, st, req)
		err := s.send(ctx, c, r)
		if st != nil && r.hdr.Status == pb.Status_STATUS_OK {
			s.seed.settle(st, manifest.ChunkHash(req.Hash), err == nil)
		}
		r.release()
		if err == nil && len(in) == 0 {
			err = c.flush()
		}
		if err != nil {
			return fmt.Errorf("send chunk: %w", err)
		}
	}
	return c.flush()
}

// send writes one reply: a body goes out with its header in front of it,
// straight from its buffer.
func (s *Server) send(ctx context.Context, c *wire, r *reply) error {
	if len(r.body) == 0 {
		return c.write(&r.hdr)
	}
	frame, ok := withHeader(r)
	if !ok {
		if err := c.write(&r.hdr); err != nil {
			return err
		}
		frame = r.body
	}
	if err := c.writeBody(ctx, frame, s.cfg.upload); err != nil {
		return err
	}
	s.sent.Add(int64(len(r.body)))
	return nil
}

// withHeader encodes r's delimited header into the headRoom in front of
// its body and returns both as one slice; ok is false when the body does
// not sit headRoom bytes into a buffer of r's (a zstd encoder that
// reallocated) or the header does not fit.
func withHeader(r *reply) (frame []byte, ok bool) {
	var buf []byte
	for _, b := range r.bufs {
		if len(b) > headRoom && &b[headRoom] == &r.body[0] {
			buf = b
		}
	}
	var scratch [headRoom]byte
	m, err := proto.MarshalOptions{}.MarshalAppend(scratch[:0], &r.hdr)
	start := headRoom - protowire.SizeVarint(uint64(len(m))) - len(m)
	if buf == nil || err != nil || start < 0 {
		return nil, false
	}
	n := len(protowire.AppendVarint(buf[start:start], uint64(len(m))))
	copy(buf[start+n:headRoom], m)
	return buf[start : headRoom+len(r.body)], true
}
