package rendezvous

import (
	"context"
	"errors"
	"fmt"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
	"google.golang.org/protobuf/proto"

	"github.com/p2psb/p2psb/rendezvous/pb"
)

// validate is the backbone topic's validator: only updates that decode and
// whose signed record verifies are delivered and forwarded.
func (f *federation) validate(_ context.Context, from peer.ID, msg *pubsub.Message) pubsub.ValidationResult {
	if len(msg.GetData()) > maxUpdateSize {
		return pubsub.ValidationReject
	}
	var u pb.Update
	if err := proto.Unmarshal(msg.GetData(), &u); err != nil {
		return pubsub.ValidationReject
	}
	op, err := f.importOp(&u)
	if err != nil {
		f.s.cfg.log.Debug("rendezvous: rejected backbone update", "from", from, "err", err)
		return pubsub.ValidationReject
	}
	msg.ValidatorData = op
	return pubsub.ValidationAccept
}

// importOp verifies a backbone update and turns it into a write: a
// registration of the record's own peer with at most the server's max TTL,
// or the removal of a registration no newer than the record carried.
func (f *federation) importOp(u *pb.Update) (*writeOp, error) {
	if err := checkNamespace(u.GetNs(), false); err != nil {
		return nil, err
	}
	rec, err := f.s.verifier.verify(u.GetSignedPeerRecord())
	if err != nil {
		return nil, err
	}
	op := &writeOp{ns: u.GetNs(), rec: rec, peer: rec.peer, imported: true}
	switch u.GetKind() {
	case pb.Update_REGISTER:
		secs := min(u.GetTtl(), int64(f.s.cfg.maxTTL/time.Second))
		if secs <= 0 {
			return nil, fmt.Errorf("%w: %d s", ErrInvalidTTL, u.GetTtl())
		}
		op.kind, op.expires = opRegister, f.s.cfg.clock.Now().Add(time.Duration(secs)*time.Second)
	case pb.Update_UNREGISTER:
		op.kind = opUnregister
	default:
		return nil, fmt.Errorf("unknown update kind %d", u.GetKind())
	}
	return op, nil
}

// receiveLoop stores the updates other rendezvous nodes publish.
func (f *federation) receiveLoop() {
	for {
		msg, err := f.sub.Next(f.s.ctx)
		if err != nil {
			return // the server is closing
		}
		if msg.GetFrom() == f.s.h.ID() {
			continue
		}
		op, ok := msg.ValidatorData.(*writeOp)
		if !ok {
			continue
		}
		if res := f.s.w.submit(f.s.ctx, op); res.err != nil && !errors.Is(res.err, ErrNotAuthorized) {
			f.s.cfg.log.Debug("rendezvous: store backbone update", "ns", op.ns, "err", res.err)
		}
	}
}

// BackbonePeers returns the rendezvous nodes this server currently
// exchanges backbone updates with (nil without WithBackbone).
func (s *Server) BackbonePeers() []peer.ID {
	if s.fed == nil {
		return nil
	}
	return s.fed.topic.ListPeers()
}
