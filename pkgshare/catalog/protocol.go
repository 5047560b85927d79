package catalog

import (
	"fmt"
	"io"

	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-msgio/pbio"

	"github.com/p2psb/p2psb/pkgshare/catalog/pb"
	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// ProtocolID is the libp2p protocol of catalogs.
const ProtocolID protocol.ID = "/p2psb/catalog/1.0.0"

// MaxCursor bounds a cursor, in bytes.
const MaxCursor = 256

const (
	// maxRequest bounds a Request.
	maxRequest = 1 << 10
	// maxResponse bounds a Response: one sealed manifest and framing.
	maxResponse = manifest.MaxManifestSize + 4096
)

// readRequest reads the one Request of a stream and checks its bounds. A
// framing error is ErrProtocol; a request out of bounds is ErrBadRequest
// (and the request is returned, so the server can answer it).
func readRequest(r io.Reader) (*pb.Request, error) {
	var req pb.Request
	if err := pbio.NewDelimitedReader(r, maxRequest).ReadMsg(&req); err != nil {
		return nil, fmt.Errorf("%w: read request: %v", ErrProtocol, err)
	}
	if len(req.Cursor) > MaxCursor {
		return &req, fmt.Errorf("%w: cursor of %d bytes (the limit is %d)", ErrBadRequest, len(req.Cursor), MaxCursor)
	}
	return &req, nil
}

// page is one page as read from the wire, not yet verified.
type page struct {
	manifests [][]byte
	cursor    []byte // non-empty: more pages follow
	truncated bool   // the byte budget ran out before the page ended
}

// readPage reads the Responses of one page from r up to its End. A page
// with more than maxCount manifests, a cursor over MaxCursor bytes, a
// message over the bounds or a stream that ends before End is
// ErrProtocol; an End with an error status is that error. Once the
// manifests would pass budget bytes, it stops and sets truncated.
func readPage(r io.Reader, maxCount int, budget int64) (*page, error) {
	return readPageBounded(r, maxCount, budget, maxResponse)
}

// readPageBounded is readPage with messages of at most maxMsg bytes (the
// fuzz test keeps allocations small with it).
func readPageBounded(r io.Reader, maxCount int, budget int64, maxMsg int) (*page, error) {
	rd := pbio.NewDelimitedReader(r, maxMsg)
	pg := &page{}
	var total int64
	for {
		var msg pb.Response
		if err := rd.ReadMsg(&msg); err != nil {
			return nil, fmt.Errorf("%w: read response: %v", ErrProtocol, err)
		}
		switch k := msg.Kind.(type) {
		case *pb.Response_Manifest:
			if len(pg.manifests) == maxCount {
				return nil, fmt.Errorf("%w: more than the %d manifests asked for", ErrProtocol, maxCount)
			}
			if total += int64(len(k.Manifest)); total > budget {
				pg.truncated = true
				return pg, nil
			}
			pg.manifests = append(pg.manifests, k.Manifest)
		case *pb.Response_End:
			return pg, endPage(pg, k.End)
		default:
			return nil, fmt.Errorf("%w: empty response", ErrProtocol)
		}
	}
}

// endPage checks the End of a page and takes its cursor.
func endPage(pg *page, end *pb.End) error {
	if end == nil {
		return fmt.Errorf("%w: empty end", ErrProtocol)
	}
	if err := errorOf(end.Status, end.Message); err != nil {
		return err
	}
	if len(end.Cursor) > MaxCursor {
		return fmt.Errorf("%w: cursor of %d bytes", ErrProtocol, len(end.Cursor))
	}
	if len(end.Cursor) > 0 && len(pg.manifests) == 0 {
		return fmt.Errorf("%w: an empty page that says more follow", ErrProtocol)
	}
	pg.cursor = end.Cursor
	return nil
}
