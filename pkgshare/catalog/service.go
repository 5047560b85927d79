package catalog

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-msgio/pbio"

	"github.com/p2psb/p2psb/pkgshare/catalog/pb"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// Entry is one package of a node's own catalog.
type Entry struct {
	Cursor   string // where a page that ends with this entry continues (at most MaxCursor bytes)
	Manifest []byte // envelope bytes of the package's newest complete version
}

// Source is a node's own catalog: the library.
type Source interface {
	// Catalog returns, in a stable order, the entries after the one whose
	// Cursor is after ("" for the first): at most limit, stopping once
	// their manifests reach maxBytes (but at least one if any is left).
	// more says whether entries follow those returned.
	Catalog(ctx context.Context, after string, limit, maxBytes int) (entries []Entry, more bool, err error)
}

// Service serves a node's catalog on /p2psb/catalog/1.0.0 and lists the
// catalogs of peers (List). Create it with New; Close unregisters the
// protocol and aborts streams in flight.
type Service struct {
	h   host.Host
	src Source
	cfg config

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	closed bool
}

// New registers the protocol handler on h, serving src. Options:
// WithLogger, WithTimeout, WithPage, WithLimits.
func New(h host.Host, src Source, opts ...Option) (*Service, error) {
	if src == nil {
		return nil, errors.New("catalog: nil source")
	}
	cfg, err := applyOptions(opts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Service{h: h, src: src, cfg: cfg, ctx: ctx, cancel: cancel}
	h.SetStreamHandler(ProtocolID, s.handle)
	return s, nil
}

// Close removes the handler, aborts streams in flight and waits for their
// handlers to return. It is idempotent.
func (s *Service) Close() error {
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

// enter registers a handler with the WaitGroup unless the service is
// closed.
func (s *Service) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

func (s *Service) handle(st network.Stream) {
	if !s.enter() {
		_ = st.Reset()
		return
	}
	defer s.wg.Done()
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.timeout)
	defer cancel()
	// A timer rather than only SetDeadline: not every transport (mocknet)
	// honours deadlines.
	stop := context.AfterFunc(ctx, func() { _ = st.Reset() })
	defer stop()
	_ = st.SetDeadline(time.Now().Add(s.cfg.timeout))

	err := s.serve(ctx, st)
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			s.cfg.log.Debug("catalog: stream failed", "peer", st.Conn().RemotePeer(), "err", err)
		}
		_ = st.Reset()
		return
	}
	_ = st.Close()
}

// serve answers the one request of a stream with a page.
func (s *Service) serve(ctx context.Context, st network.Stream) error {
	req, err := readRequest(st)
	if req == nil {
		return err
	}
	var entries []Entry
	var more bool
	if err == nil {
		limit := s.cfg.pageCount
		if req.Limit > 0 && int(req.Limit) < limit {
			limit = int(req.Limit)
		}
		entries, more, err = s.src.Catalog(ctx, string(req.Cursor), limit, s.cfg.pageBytes)
		if err != nil {
			s.cfg.log.Debug("catalog: list the library", "err", err)
		}
	}
	bw := bufio.NewWriterSize(st, 64<<10)
	w := pbio.NewDelimitedWriter(bw)
	end := &pb.End{Status: statusOf(err), Message: publicMessage(err)}
	for _, e := range entries {
		if len(e.Manifest) > manifest.MaxManifestSize || len(e.Cursor) > MaxCursor {
			return fmt.Errorf("catalog: source entry out of bounds (%d-byte manifest, %d-byte cursor)",
				len(e.Manifest), len(e.Cursor))
		}
		if err := w.WriteMsg(&pb.Response{Kind: &pb.Response_Manifest{Manifest: e.Manifest}}); err != nil {
			return err
		}
	}
	if more && len(entries) > 0 {
		end.Cursor = []byte(entries[len(entries)-1].Cursor)
	}
	if err := w.WriteMsg(&pb.Response{Kind: &pb.Response_End{End: end}}); err != nil {
		return err
	}
	return bw.Flush()
}
