package rendezvous

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"google.golang.org/protobuf/proto"

	"github.com/p2psb/p2psb/rendezvous/pb"
)

// exchange sends req to rendezvous rp on a new stream and, when want is
// not -1, reads one answer of that type; all within the stream timeout.
func (c *Client) exchange(ctx context.Context, rp peer.ID, req *pb.Message, want pb.Message_MessageType) (*pb.Message, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.streamTimeout)
	defer cancel()
	s, err := c.h.NewStream(ctx, rp, ProtocolID)
	if err != nil {
		return nil, fmt.Errorf("open stream: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { s.Reset() })
	defer stop()
	if err := writeMsg(s, req); err != nil {
		s.Reset()
		return nil, err
	}
	if want == noAnswer {
		// No answer comes, but a server ends the stream after the request
		// has been handled: waiting for that orders later requests after it.
		if err := s.CloseWrite(); err != nil {
			s.Reset()
			return nil, err
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(s, maxResponseSize))
		return nil, s.Close()
	}
	var resp pb.Message
	if err := newMsgReader(s, maxResponseSize).read(&resp); err != nil {
		s.Reset()
		return nil, fmt.Errorf("read %s: %w", want, err)
	}
	if resp.GetType() != want {
		s.Reset()
		return nil, fmt.Errorf("got %s, want %s", resp.GetType(), want)
	}
	return &resp, s.Close()
}

// registerAt registers env in ns at rp and returns the granted TTL, never
// more than asked for.
func (c *Client) registerAt(ctx context.Context, rp peer.ID, ns string, env []byte, ttl time.Duration) (time.Duration, error) {
	req := registerMsgOf(ns, env, ttl)
	resp, err := c.exchange(ctx, rp, req, pb.Message_REGISTER_RESPONSE)
	if err != nil {
		return 0, err
	}
	rr := resp.GetRegisterResponse()
	if err := errorOf(rr.GetStatus(), rr.GetStatusText()); err != nil {
		return 0, err
	}
	secs := rr.GetTtl()
	if secs <= 0 || secs > int64(ttl/time.Second) {
		return ttl, nil
	}
	return time.Duration(secs) * time.Second, nil
}

func registerMsgOf(ns string, env []byte, ttl time.Duration) *pb.Message {
	return &pb.Message{Type: pb.Message_REGISTER.Enum(), Register: &pb.Message_Register{
		Ns: proto.String(ns), SignedPeerRecord: env, Ttl: proto.Int64(int64(ttl / time.Second)),
	}}
}

// unregisterAt removes the host's registration in ns at rp.
func (c *Client) unregisterAt(ctx context.Context, rp peer.ID, ns string) error {
	req := &pb.Message{Type: pb.Message_UNREGISTER.Enum(), Unregister: &pb.Message_Unregister{
		Ns: proto.String(ns), Id: []byte(c.h.ID()),
	}}
	_, err := c.exchange(ctx, rp, req, noAnswer)
	return err
}

// discoverAt asks rp for one page of ns.
func (c *Client) discoverAt(ctx context.Context, rp peer.ID, ns string, limit int, cookie []byte) ([]*pb.Message_Register, []byte, error) {
	req := &pb.Message{Type: pb.Message_DISCOVER.Enum(), Discover: &pb.Message_Discover{
		Ns: proto.String(ns), Limit: proto.Int64(int64(limit)), Cookie: cookie,
	}}
	resp, err := c.exchange(ctx, rp, req, pb.Message_DISCOVER_RESPONSE)
	if err != nil {
		return nil, nil, err
	}
	dr := resp.GetDiscoverResponse()
	if err := errorOf(dr.GetStatus(), dr.GetStatusText()); err != nil {
		return nil, nil, err
	}
	regs := dr.GetRegistrations()
	if len(regs) > limit {
		regs = regs[:limit]
	}
	return regs, dr.GetCookie(), nil
}

// noAnswer tells exchange not to wait for an answer (UNREGISTER).
const noAnswer pb.Message_MessageType = -1
