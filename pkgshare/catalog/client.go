package catalog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-msgio/pbio"
	msmux "github.com/multiformats/go-multistream"

	"github.com/p2psb/p2psb/pkgshare/catalog/pb"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// Listing is a peer's catalog as List received it.
type Listing struct {
	Peer      peer.ID
	Packages  []*manifest.Sealed // the manifests that verified, in the peer's order
	Rejected  []Rejected         // the manifests dropped
	Truncated bool               // List stopped at its limits; the peer has more
}

// Rejected is a manifest List dropped, and why.
type Rejected struct {
	Index int   // its position in the peer's catalog, from 0
	Err   error // why: an *manifest.InvalidError, or a duplicate package
}

// ErrDuplicate: a catalog listed a package twice; the second is rejected.
var ErrDuplicate = errors.New("package listed twice")

// List asks peer p (which the host must be able to dial) for its catalog,
// page by page, and verifies every manifest with manifest.Open. On error
// it returns the listing received so far with the error.
func (s *Service) List(ctx context.Context, p peer.ID) (*Listing, error) {
	l := &Listing{Peer: p}
	seen := map[manifest.PackageID]bool{}
	var cursor []byte
	var received int
	var size int64
	for {
		pg, err := s.page(ctx, p, cursor, s.cfg.maxPackages-received, s.cfg.maxBytes-size)
		if err != nil {
			return l, fmt.Errorf("catalog of %s: %w", p, err)
		}
		for _, raw := range pg.manifests {
			l.add(received, raw, seen)
			received++
			size += int64(len(raw))
		}
		switch {
		case pg.truncated:
			l.Truncated = true
			return l, nil
		case len(pg.cursor) == 0:
			return l, nil
		case bytes.Equal(pg.cursor, cursor):
			return l, fmt.Errorf("catalog of %s: %w: the same cursor twice", p, ErrProtocol)
		case received >= s.cfg.maxPackages:
			l.Truncated = true
			return l, nil
		}
		cursor = pg.cursor
	}
}

// add verifies one manifest and files it under Packages or Rejected.
func (l *Listing) add(index int, raw []byte, seen map[manifest.PackageID]bool) {
	sealed, err := manifest.Open(raw)
	if err == nil && seen[sealed.PackageID] {
		err = fmt.Errorf("%s (%s): %w", sealed.PackageID, sealed.Name, ErrDuplicate)
	}
	if err != nil {
		l.Rejected = append(l.Rejected, Rejected{Index: index, Err: err})
		return
	}
	seen[sealed.PackageID] = true
	l.Packages = append(l.Packages, sealed)
}

// maxAsk bounds the limit of one Request.
const maxAsk = 1 << 16

// page asks p for one page of at most limit manifests, reading at most
// budget bytes of them.
func (s *Service) page(ctx context.Context, p peer.ID, cursor []byte, limit int, budget int64) (*page, error) {
	limit = min(limit, maxAsk)
	ctx, cancel := context.WithTimeout(ctx, s.cfg.timeout)
	defer cancel()
	// A catalog is small: it may come through a relay (a limited connection).
	st, err := s.h.NewStream(network.WithAllowLimitedConn(ctx, "p2psb catalog"), p, ProtocolID)
	if errors.Is(err, msmux.ErrNotSupported[protocol.ID]{}) {
		return nil, fmt.Errorf("%w (%v)", ErrUnsupported, err)
	}
	if err != nil {
		return nil, timeoutOr(ctx, err)
	}
	stop := context.AfterFunc(ctx, func() { _ = st.Reset() })
	defer stop()
	_ = st.SetDeadline(time.Now().Add(s.cfg.timeout))
	pg, err := exchange(st, &pb.Request{Cursor: cursor, Limit: uint32(limit)}, limit, budget)
	if err != nil {
		_ = st.Reset()
		return nil, timeoutOr(ctx, err)
	}
	_ = st.Close()
	return pg, nil
}

// exchange sends the request and reads the page.
func exchange(st network.Stream, req *pb.Request, limit int, budget int64) (*page, error) {
	if err := pbio.NewDelimitedWriter(st).WriteMsg(req); err != nil {
		return nil, fmt.Errorf("send request: %w", err)
	}
	if err := st.CloseWrite(); err != nil {
		return nil, fmt.Errorf("send request: %w", err)
	}
	return readPage(st, limit, budget)
}

// timeoutOr names err a timeout when ctx ran out.
func timeoutOr(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w: %v", ErrTimeout, err)
	}
	return err
}
