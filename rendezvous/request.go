package rendezvous

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/rendezvous/pb"
)

// Protocol limits from the rendezvous spec's recommendations.
const (
	// MaxNamespaceLength is the longest namespace accepted, in bytes.
	MaxNamespaceLength = 255
	// MaxDiscoverLimit is the most registrations one DISCOVER returns.
	MaxDiscoverLimit = 1000
	// DefaultTTL is the lifetime of a registration that asks for none.
	DefaultTTL = 2 * time.Hour
	// MaxTTL is the longest lifetime a registration is granted.
	MaxTTL = 72 * time.Hour
)

// request is one decoded and structurally checked client message. Exactly
// one of register, unregister and discover is set.
type request struct {
	register   *registerReq
	unregister *unregisterReq
	discover   *discoverReq
}

type registerReq struct {
	ns       string
	envelope []byte
	ttl      time.Duration // 0 when the client asked for none
	ttlSet   bool
}

type unregisterReq struct {
	ns string
	id peer.ID // empty when the client sent none
}

type discoverReq struct {
	ns     string
	limit  int
	cookie []byte
}

// parseRequest checks what can be checked without state: message type and
// body, namespace length and bytes, and the shape of the numbers. Refusals carry the
// sentinel of the status code the server answers with.
func parseRequest(m *pb.Message) (request, error) {
	switch m.GetType() {
	case pb.Message_REGISTER:
		return parseRegister(m.GetRegister())
	case pb.Message_UNREGISTER:
		return parseUnregister(m.GetUnregister())
	case pb.Message_DISCOVER:
		return parseDiscover(m.GetDiscover())
	default:
		return request{}, fmt.Errorf("unexpected message type %s", m.GetType())
	}
}

// checkNamespace refuses a namespace that is too long, empty (unless
// allowEmpty: DISCOVER of all namespaces), or not text: invalid UTF-8 or a
// NUL byte, which other implementations and tools would cut or mangle.
func checkNamespace(ns string, allowEmpty bool) error {
	switch {
	case len(ns) > MaxNamespaceLength:
		return fmt.Errorf("%w: %d bytes > %d", ErrInvalidNamespace, len(ns), MaxNamespaceLength)
	case ns == "" && !allowEmpty:
		return fmt.Errorf("%w: empty", ErrInvalidNamespace)
	case !utf8.ValidString(ns):
		return fmt.Errorf("%w: not valid UTF-8", ErrInvalidNamespace)
	case strings.IndexByte(ns, 0) >= 0:
		return fmt.Errorf("%w: contains a NUL byte", ErrInvalidNamespace)
	}
	return nil
}

func parseRegister(r *pb.Message_Register) (request, error) {
	if r == nil {
		return request{}, fmt.Errorf("%w: REGISTER without body", ErrInvalidNamespace)
	}
	if err := checkNamespace(r.GetNs(), false); err != nil {
		return request{}, err
	}
	if len(r.GetSignedPeerRecord()) == 0 {
		return request{}, fmt.Errorf("%w: missing", ErrInvalidRecord)
	}
	req := &registerReq{ns: r.GetNs(), envelope: r.GetSignedPeerRecord(), ttlSet: r.Ttl != nil}
	if req.ttlSet {
		ttl := r.GetTtl()
		if ttl <= 0 || ttl > int64(MaxTTL/time.Second) {
			return request{}, fmt.Errorf("%w: %d s", ErrInvalidTTL, ttl)
		}
		req.ttl = time.Duration(ttl) * time.Second
	}
	return request{register: req}, nil
}

func parseUnregister(u *pb.Message_Unregister) (request, error) {
	if u == nil {
		return request{}, fmt.Errorf("%w: UNREGISTER without body", ErrInvalidNamespace)
	}
	if err := checkNamespace(u.GetNs(), false); err != nil {
		return request{}, err
	}
	req := &unregisterReq{ns: u.GetNs()}
	if len(u.GetId()) > 0 {
		id, err := peer.IDFromBytes(u.GetId())
		if err != nil {
			return request{}, fmt.Errorf("%w: bad peer id: %w", ErrNotAuthorized, err)
		}
		req.id = id
	}
	return request{unregister: req}, nil
}

func parseDiscover(d *pb.Message_Discover) (request, error) {
	if d == nil {
		d = &pb.Message_Discover{}
	}
	if err := checkNamespace(d.GetNs(), true); err != nil {
		return request{}, err
	}
	limit := d.GetLimit()
	if limit <= 0 || limit > MaxDiscoverLimit {
		limit = MaxDiscoverLimit
	}
	return request{discover: &discoverReq{ns: d.GetNs(), limit: int(limit), cookie: d.GetCookie()}}, nil
}

// namespace is the namespace the request names.
func (r request) namespace() string {
	switch {
	case r.register != nil:
		return r.register.ns
	case r.unregister != nil:
		return r.unregister.ns
	case r.discover != nil:
		return r.discover.ns
	}
	return ""
}
