package rendezvous

import (
	"fmt"
	"sync"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	ma "github.com/multiformats/go-multiaddr"
	"google.golang.org/protobuf/proto"

	"github.com/p2psb/p2psb/rendezvous/pb"
)

// Federation identifiers. Every rendezvous node of a backbone joins
// BackboneTopic, publishes each registration and unregistration it accepts
// from a client there, and answers catch-up requests on SyncProtocolID.
const (
	BackboneTopic                  = "/p2psb/rendezvous/backbone/1.0.0"
	SyncProtocolID     protocol.ID = "/p2psb/rendezvous-sync/1.1.0"
	syncProtocolV1     protocol.ID = "/p2psb/rendezvous-sync/1.0.0" // without membership
	maxUpdateSize                  = maxRequestSize + 64
	publishQueueLength             = 64
	resyncInterval                 = 5 * time.Minute
)

// federation shares a server's registrations with the other rendezvous
// nodes of its backbone. Receivers verify every signed record themselves.
type federation struct {
	s       *Server
	ps      *pubsub.PubSub
	topic   *pubsub.Topic
	sub     *pubsub.Subscription
	out     chan []change
	members *memberList
	notify  network.Notifiee

	configured map[peer.ID][]ma.Multiaddr // the peers given to WithBackbone
	mu         sync.Mutex
	links      map[peer.ID]*link // one join loop per peer in touch
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
	f := &federation{
		s: s, ps: ps, out: make(chan []change, publishQueueLength),
		configured: map[peer.ID][]ma.Multiaddr{}, links: map[peer.ID]*link{},
	}
	for _, ai := range s.cfg.backbone {
		f.configured[ai.ID] = append(f.configured[ai.ID], ai.Addrs...)
	}
	if f.members, err = loadMembers(s.ctx, s.db, s.verifier, s.h.ID(), s.cfg.maxMembers, s.cfg.clock.Now); err != nil {
		return nil, err
	}
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

// start runs the publish and receive loops and a join loop for every
// backbone peer configured or remembered, all owned by the server.
func (f *federation) start() {
	f.s.h.SetStreamHandler(SyncProtocolID, f.handleSync)
	f.s.h.SetStreamHandler(syncProtocolV1, f.handleSync)
	f.notify = &network.NotifyBundle{ConnectedF: f.connected, DisconnectedF: f.disconnected}
	f.s.h.Network().Notify(f.notify)
	f.s.start(f.publishLoop)
	f.s.start(f.receiveLoop)
	for id := range f.configured {
		f.link(id)
	}
	for _, id := range f.members.peers() {
		f.link(id)
	}
}

// stop removes the handlers; the server's context ends gossipsub and the
// join loops.
func (f *federation) stop() {
	f.s.h.Network().StopNotify(f.notify)
	f.s.h.RemoveStreamHandler(SyncProtocolID)
	f.s.h.RemoveStreamHandler(syncProtocolV1)
	f.sub.Cancel()
	for _, id := range pubsub.GossipSubDefaultProtocols {
		f.s.h.RemoveStreamHandler(id)
	}
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
