package rendezvous

import (
	"context"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"google.golang.org/protobuf/proto"

	"github.com/p2psb/p2psb/rendezvous/pb"
)

// serve answers one request. A refused REGISTER or DISCOVER is answered with
// its status; an error return (a message a client must not send) resets the
// stream. UNREGISTER has no answer in the spec.
func (s *Server) serve(ctx context.Context, remote peer.ID, m *pb.Message) (*pb.Message, error) {
	req, err := parseRequest(m)
	switch m.GetType() {
	case pb.Message_REGISTER:
		var ttl time.Duration
		if err == nil {
			ttl, err = s.register(ctx, remote, req.register)
		}
		s.logRefusal("REGISTER", remote, err)
		return registerResponse(ttl, err), nil
	case pb.Message_UNREGISTER:
		if err == nil {
			err = s.unregister(ctx, remote, req.unregister)
		}
		s.logRefusal("UNREGISTER", remote, err)
		return nil, nil
	case pb.Message_DISCOVER:
		var regs []registration
		var cookie []byte
		if err == nil {
			regs, cookie, err = s.discover(ctx, req.discover)
		}
		s.logRefusal("DISCOVER", remote, err)
		return s.discoverResponse(regs, cookie, err), nil
	default:
		return nil, err
	}
}

func (s *Server) logRefusal(what string, remote peer.ID, err error) {
	switch {
	case err == nil:
	case statusOf(err) == pb.Message_E_INTERNAL_ERROR:
		s.cfg.log.Info("rendezvous: failed "+what, "peer", remote, "err", err)
	default:
		s.cfg.log.Debug("rendezvous: refused "+what, "peer", remote, "err", err)
	}
}

func (s *Server) register(ctx context.Context, remote peer.ID, r *registerReq) (time.Duration, error) {
	ttl := r.ttl
	if !r.ttlSet {
		ttl = min(DefaultTTL, s.cfg.maxTTL)
	}
	if ttl < s.cfg.minTTL || ttl > s.cfg.maxTTL {
		return 0, fmt.Errorf("%w: %v outside [%v, %v]", ErrInvalidTTL, ttl, s.cfg.minTTL, s.cfg.maxTTL)
	}
	rec, err := s.verifier.verify(r.envelope)
	if err != nil {
		return 0, err
	}
	if rec.peer != remote {
		return 0, fmt.Errorf("%w: record of %s sent by %s", ErrNotAuthorized, rec.peer, remote)
	}
	op := &writeOp{kind: opRegister, ns: r.ns, rec: rec, expires: s.cfg.clock.Now().Add(ttl)}
	if res := s.w.submit(ctx, op); res.err != nil {
		return 0, res.err
	}
	return ttl, nil
}

func (s *Server) unregister(ctx context.Context, remote peer.ID, u *unregisterReq) error {
	if u.id != "" && u.id != remote {
		return fmt.Errorf("%w: %s asked to unregister %s", ErrNotAuthorized, remote, u.id)
	}
	return s.w.submit(ctx, &writeOp{kind: opUnregister, ns: u.ns, peer: remote}).err
}

func (s *Server) discover(ctx context.Context, d *discoverReq) ([]registration, []byte, error) {
	pos, err := s.cookies.open(d.ns, d.cookie)
	if err != nil {
		return nil, nil, err
	}
	regs, err := s.st.discover(ctx, d.ns, pos, d.limit, s.cfg.clock.Now(), maxResponseBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", unavailableOr(ctx, ErrInternal), err)
	}
	if len(regs) > 0 {
		pos = regs[len(regs)-1].seq
	}
	return regs, s.cookies.issue(d.ns, pos), nil
}

func registerResponse(ttl time.Duration, err error) *pb.Message {
	resp := &pb.Message_RegisterResponse{Status: statusOf(err).Enum()}
	if err != nil {
		resp.StatusText = proto.String(statusText(err))
	} else {
		resp.Ttl = proto.Int64(int64(ttl / time.Second))
	}
	return &pb.Message{Type: pb.Message_REGISTER_RESPONSE.Enum(), RegisterResponse: resp}
}

func (s *Server) discoverResponse(regs []registration, cookie []byte, err error) *pb.Message {
	resp := &pb.Message_DiscoverResponse{Status: statusOf(err).Enum(), Cookie: cookie}
	if err != nil {
		resp.StatusText = proto.String(statusText(err))
	}
	now := s.cfg.clock.Now()
	resp.Registrations = make([]*pb.Message_Register, len(regs))
	items := make([]pb.Message_Register, len(regs)) // one allocation for all
	ttls := make([]int64, len(regs))
	var ns *string
	for i, r := range regs {
		if ns == nil || *ns != r.ns {
			ns = proto.String(r.ns) // shared by runs of one namespace
		}
		ttls[i] = r.ttlAt(now)
		items[i] = pb.Message_Register{Ns: ns, SignedPeerRecord: r.record, Ttl: &ttls[i]}
		resp.Registrations[i] = &items[i]
	}
	return &pb.Message{Type: pb.Message_DISCOVER_RESPONSE.Enum(), DiscoverResponse: resp}
}

// unavailableOr is ErrUnavailable when ctx ended (the server is closing or
// the request ran out of time), otherwise err.
func unavailableOr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ErrUnavailable
	}
	return err
}
