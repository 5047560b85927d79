package rendezvous

import (
	"context"
	"fmt"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"google.golang.org/protobuf/proto"

	"github.com/p2psb/p2psb/rendezvous/pb"
)

// Federation identifiers. Every rendezvous node of a backbone joins
// BackboneTopic, publishes each registration and unregistration it accepts
// from a client there, and answers catch-up requests on SyncProtocolID.
const (
	BackboneTopic                  = "/p2psb/rendezvous/backbone/1.0.0"
	SyncProtocolID     protocol.ID = "/p2psb/rendezvous-sync/1.0.0"
	maxUpdateSize                  = maxRequestSize + 64
	publishQueueLength             = 64
	resyncInterval                 = 5 * time.Minute
)

// federation shares a server's registrations with the other rendezvous
// nodes of its backbone. Receivers verify every signed record themselves.
type federation struct {
	s     *Server
	ps    *pubsub.PubSub
	topic *pubsub.Topic
	sub   *pubsub.Subscription
	out   chan []change
}

func newFederation(s *Server) (*federation, error) {
	ps, err := pubsub.NewGossipSub(s.ctx, s.h,
		pubsub.WithDirectPeers(s.cfg.backbone),
		pubsub.WithFloodPublish(true), // straight to every backbone peer, mesh or not
		pubsub.WithMaxMessageSize(4*maxUpdateSize),
	)
	if err != nil {
		return nil, fmt.Errorf("backbone: start gossipsub: %w", err)
	}
	f := &federation{s: s, ps: ps, out: make(chan []change, publishQueueLength)}
	if err := ps.RegisterTopicValidator(BackboneTopic, f.validate); err != nil {
		return nil, fmt.Errorf("backbone: %w", err)
	}
	if f.topic, err = ps.Join(BackboneTopic); err != nil {
		return nil, fmt.Errorf("backbone: join %s: %w", BackboneTopic, err)
	}
	if f.sub, err = f.topic.Subscribe(); err != nil {
		return nil, fmt.Errorf("backbone: subscribe: %w", err)
	}
	return f, nil
}

// start connects to the backbone peers, catches up from them and runs the
// publish and receive loops, all owned by the server.
func (f *federation) start() {
	f.s.h.SetStreamHandler(SyncProtocolID, f.handleSync)
	f.s.start(f.publishLoop)
	f.s.start(f.receiveLoop)
	for _, ai := range f.s.cfg.backbone {
		f.s.start(func() { f.join(ai) })
	}
}

// stop removes the handlers; the server's context ends gossipsub.
func (f *federation) stop() {
	f.s.h.RemoveStreamHandler(SyncProtocolID)
	f.sub.Cancel()
	for _, id := range pubsub.GossipSubDefaultProtocols {
		f.s.h.RemoveStreamHandler(id)
	}
}

// join keeps in touch with one backbone peer: it connects and catches up,
// retrying with backoff until that works, then catches up again every
// resyncInterval, which also heals updates lost to a partition.
func (f *federation) join(ai peer.AddrInfo) {
	f.s.h.ConnManager().Protect(ai.ID, "rendezvous-backbone")
	wait := time.Second
	for {
		n, err := f.connectAndCatchUp(ai)
		switch {
		case f.s.ctx.Err() != nil:
			return
		case err != nil:
			f.s.cfg.log.Info("rendezvous: catch-up failed", "peer", ai.ID, "updates", n, "err", err)
			wait = min(2*wait, time.Minute)
		default:
			f.s.cfg.log.Debug("rendezvous: caught up", "peer", ai.ID, "updates", n)
			wait = resyncInterval
		}
		t := f.s.cfg.clock.Timer(wait)
		select {
		case <-f.s.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

func (f *federation) connectAndCatchUp(ai peer.AddrInfo) (int, error) {
	ctx, cancel := context.WithTimeout(f.s.ctx, f.s.cfg.streamTimeout)
	err := f.s.h.Connect(ctx, ai)
	cancel()
	if err != nil {
		return 0, fmt.Errorf("connect: %w", err)
	}
	return f.catchUp(f.s.ctx, ai.ID)
}

// published is the writer's commit hook: it queues the changes accepted
// from clients for publishing (imported ones were published by their origin).
func (f *federation) published(changes []change) {
	local := make([]change, 0, len(changes))
	for _, c := range changes {
		if !c.imported {
			local = append(local, c)
		}
	}
	if len(local) == 0 {
		return
	}
	select {
	case f.out <- local:
	case <-f.s.ctx.Done():
	}
}

func (f *federation) publishLoop() {
	for {
		select {
		case <-f.s.ctx.Done():
			return
		case changes := <-f.out:
			for _, c := range changes {
				if err := f.publish(c); err != nil {
					f.s.cfg.log.Debug("rendezvous: publish to backbone", "ns", c.ns, "err", err)
				}
			}
		}
	}
}

func (f *federation) publish(c change) error {
	u := &pb.Update{Kind: c.kind.Enum(), Ns: proto.String(c.ns), SignedPeerRecord: c.record}
	if c.kind == pb.Update_REGISTER {
		u.Ttl = proto.Int64(registration{expires: c.expires}.ttlAt(f.s.cfg.clock.Now()))
	}
	data, err := proto.Marshal(u)
	if err != nil {
		return err
	}
	return f.topic.Publish(f.s.ctx, data)
}
