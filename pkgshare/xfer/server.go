package xfer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"

	"github.com/p2psb/p2psb/pkgshare/manifest"
	"github.com/p2psb/p2psb/pkgshare/xfer/pb"
)

// Server answers /p2psb/xfer/1.0.0 requests from a Store. Create it with
// NewServer; Close unregisters the protocol and aborts streams in flight.
type Server struct {
	h     host.Host
	store Store
	cfg   config

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	sent   atomic.Int64

	mu     sync.Mutex
	closed bool
	subs   map[manifest.VersionID]map[*subscription]struct{}

	seed seeding // who got which chunk first (server_seeding.go)
}

// NewServer registers the protocol handler on h and serves from store.
// Options: WithUploadLimit, WithIdleTimeout, WithLogger.
func NewServer(h host.Host, store Store, opts ...Option) (*Server, error) {
	cfg, err := applyOptions(opts)
	if err != nil {
		return nil, err
	}
	if _, _, err := codecs(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		h: h, store: store, cfg: cfg, ctx: ctx, cancel: cancel,
		subs: make(map[manifest.VersionID]map[*subscription]struct{}),
	}
	h.SetStreamHandler(ProtocolID, s.handle)
	return s, nil
}

// Close removes the handler, aborts streams in flight and waits for their
// handlers to return. It is idempotent.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.h.RemoveStreamHandler(ProtocolID)
	s.cancel()
	s.wg.Wait()
	return nil
}

// Sent is the number of chunk body bytes sent so far.
func (s *Server) Sent() int64 { return s.sent.Load() }

// Notify tells HAVE subscribers of version id that its have-set may have
// grown (call it after the Store gained chunks of id). It never blocks.
func (s *Server) Notify(id manifest.VersionID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sub := range s.subs[id] {
		wake(sub.wake)
	}
}

// enter registers a handler with the WaitGroup unless the server is closed.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

func (s *Server) handle(st network.Stream) {
	if !s.enter() {
		_ = st.Reset()
		return
	}
	defer s.wg.Done()
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { _ = st.Reset() })
	defer stop()

	c := newWire(st, s.cfg.idleTimeout)
	var req pb.Request
	err := c.read(&req, maxControlMsg)
	if err == nil {
		err = s.dispatch(ctx, c, &req)
	}
	peer, kind := st.Conn().RemotePeer(), requestKind(&req)
	switch {
	case err == nil:
		s.cfg.log.Debug("xfer: stream closed", "peer", peer, "request", kind)
	case !errors.Is(err, context.Canceled):
		s.cfg.log.Debug("xfer: stream failed", "peer", peer, "request", kind, "err", err)
	}
	c.finish(err)
}

// requestKind names a request for logs.
func requestKind(req *pb.Request) string {
	switch req.Kind.(type) {
	case *pb.Request_GetManifest:
		return "manifest"
	case *pb.Request_GetHave:
		return "have"
	case *pb.Request_GetChunks:
		return "chunks"
	default:
		return "unknown"
	}
}

func (s *Server) dispatch(ctx context.Context, c *wire, req *pb.Request) error {
	switch k := req.Kind.(type) {
	case *pb.Request_GetManifest:
		return s.serveManifest(ctx, c, k.GetManifest)
	case *pb.Request_GetHave:
		return s.serveHave(ctx, c, k.GetHave)
	case *pb.Request_GetChunks:
		return s.serveChunkStream(ctx, c, k.GetChunks)
	default:
		return fmt.Errorf("%w: unknown request", ErrProtocol)
	}
}

// serveManifest answers one GetManifest.
func (s *Server) serveManifest(ctx context.Context, c *wire, q *pb.GetManifest) error {
	sealed, err := s.lookup(ctx, q)
	resp := &pb.ManifestResponse{Status: statusOf(err), Message: publicMessage(err)}
	if err == nil {
		resp.Manifest = sealed.Raw
	}
	return c.send(resp)
}

func (s *Server) lookup(ctx context.Context, q *pb.GetManifest) (*manifest.Sealed, error) {
	switch {
	case len(q.VersionId) == 32 && len(q.PackageId) == 0 && q.Version == 0:
		return s.store.Manifest(ctx, manifest.VersionID(q.VersionId))
	case len(q.VersionId) == 0 && len(q.PackageId) == 32:
		return s.store.Lookup(ctx, manifest.Ref{ID: manifest.PackageID(q.PackageId), Version: q.Version})
	default:
		return nil, fmt.Errorf("%w: need a 32-byte version ID or package ID", ErrBadRequest)
	}
}

// publicMessage is what a peer is told about a failure: our own sentinel
// texts, never internal details.
func publicMessage(err error) string {
	switch statusOf(err) {
	case pb.Status_STATUS_OK:
		return ""
	case pb.Status_STATUS_BAD_REQUEST:
		return clip(err.Error(), 200)
	case pb.Status_STATUS_NOT_FOUND:
		if errors.Is(err, ErrRetired) {
			return clip(err.Error(), 200) // which version, and why
		}
		return ""
	default:
		return "internal error"
	}
}

func versionID(b []byte) (manifest.VersionID, error) {
	if len(b) != 32 {
		return manifest.VersionID{}, fmt.Errorf("%w: version ID of %d bytes", ErrBadRequest, len(b))
	}
	return manifest.VersionID(b), nil
}
