package xfer

import (
	"context"
	"errors"
	"fmt"
	"io"

	pool "github.com/libp2p/go-buffer-pool"
	"golang.org/x/sync/errgroup"

	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/xfer/pb"
)

// replyDepth is how many prepared replies wait for the socket: reading the
// next chunk from disk overlaps with sending the current one.
const replyDepth = 2

// reply is one prepared chunk answer; bufs go back to the pool once sent.
type reply struct {
	hdr  pb.ChunkHeader
	body []byte
	bufs [2][]byte
	sent func() // if set, called once the body is sent in full
}

func (r *reply) release() {
	for _, b := range r.bufs {
		if b != nil {
			pool.Put(b)
		}
	}
}

// serveChunks answers the ChunkRequests of one stream in order: one
// goroutine reads requests and prepares replies, the other writes them.
func (s *Server) serveChunks(ctx context.Context, c *wire, q *pb.GetChunks) error {
	id, err := versionID(q.VersionId)
	if err != nil {
		return err
	}
	out := make(chan *reply, replyDepth)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(out)
		return s.readRequests(gctx, c, id, out)
	})
	g.Go(func() error { return s.writeReplies(gctx, c, out) })
	err = g.Wait()
	for r := range out {
		r.release()
	}
	return err
}

func (s *Server) readRequests(ctx context.Context, c *wire, id manifest.VersionID, out chan<- *reply) error {
	for {
		var req pb.ChunkRequest
		if err := c.read(&req, maxControlMsg); err != nil {
			if errors.Is(err, io.EOF) {
				return nil // the client is done asking
			}
			return fmt.Errorf("read chunk request: %w", err)
		}
		r := s.prepare(ctx, id, &req)
		select {
		case out <- r:
		case <-ctx.Done():
			r.release()
			return ctx.Err()
		}
	}
}

// prepare reads (and maybe compresses) one requested chunk. Failures
// become a status in the reply, never a stream error.
func (s *Server) prepare(ctx context.Context, id manifest.VersionID, req *pb.ChunkRequest) *reply {
	r := &reply{}
	if len(req.Hash) != 32 || req.Size == 0 || req.Size > manifest.MaxChunkSize {
		r.hdr.Status = pb.Status_STATUS_BAD_REQUEST
		return r
	}
	hash := manifest.ChunkHash(req.Hash)
	deferred, sent := s.handOut(ctx, hash)
	if deferred {
		return &reply{hdr: pb.ChunkHeader{Status: pb.Status_STATUS_ELSEWHERE}}
	}
	r.sent = sent
	buf := pool.Get(int(req.Size))
	r.bufs[0] = buf
	if err := s.store.ReadChunk(ctx, id, hash, buf); err != nil {
		if errors.Is(err, ErrChanged) {
			s.cfg.log.Info("xfer: not serving a chunk of a changed file", "version", id, "chunk", hash, "err", err)
		} else if !errors.Is(err, ErrNotFound) {
			s.cfg.log.Debug("xfer: read chunk", "version", id, "chunk", hash, "err", err)
		}
		r.release()
		return &reply{hdr: pb.ChunkHeader{Status: statusOf(err)}}
	}
	r.body = buf
	if req.Zstd {
		cbuf := pool.Get(int(req.Size))
		r.bufs[1] = cbuf
		if z, ok, err := compress(cbuf, buf); err == nil && ok {
			r.body, r.hdr.Encoding = z, pb.Encoding_ENCODING_ZSTD
		}
	}
	r.hdr.Length = uint32(len(r.body))
	return r
}

func (s *Server) writeReplies(ctx context.Context, c *wire, in <-chan *reply) error {
	for r := range in {
		err := c.write(&r.hdr)
		if err == nil && len(r.body) > 0 {
			err = c.writeBody(ctx, r.body, s.cfg.upload)
			s.sent.Add(int64(len(r.body)))
		}
		if err == nil && r.sent != nil {
			r.sent()
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
