package follow

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pubsubpb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// GossipOptions configure NewGossip.
type GossipOptions struct {
	// Held returns the newest version of a package the node holds (0:
	// none); announcements not newer are ignored.
	Held func(manifest.PackageID) uint64
	// Deliver receives every announcement accepted from a peer, with the
	// peer that sent it, on the topic's reader goroutine.
	Deliver func(s *manifest.Sealed, from peer.ID)
	Log     *slog.Logger
}

// Gossip is a node's part in the follow topics: one GossipSub instance on
// the host, the topics joined, each with its validator, and the newest
// version seen of each package.
type Gossip struct {
	h      host.Host
	ps     *pubsub.PubSub
	mesh   *meshTracer
	opts   GossipOptions
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once

	mu     sync.Mutex
	topics map[manifest.PackageID]*joined
	seen   map[manifest.PackageID]uint64

	accepted, ignored, rejected atomic.Int64
}

type joined struct {
	topic *pubsub.Topic
	sub   *pubsub.Subscription
}

// GossipStats counts the announcements received from peers, by outcome.
type GossipStats struct {
	Topics   int   `json:"topics"`
	Accepted int64 `json:"accepted"`
	Ignored  int64 `json:"ignored"`  // valid but not newer: replays, old versions
	Rejected int64 `json:"rejected"` // forged, malformed, another package's, too large
}

// NewGossip starts GossipSub on h for the follow topics. Close stops it.
func NewGossip(h host.Host, opts GossipOptions) (*Gossip, error) {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Held == nil {
		opts.Held = func(manifest.PackageID) uint64 { return 0 }
	}
	g := &Gossip{h: h, opts: opts, mesh: newMeshTracer(h.ConnManager()), topics: map[manifest.PackageID]*joined{},
		seen: map[manifest.PackageID]uint64{}}
	g.ctx, g.cancel = context.WithCancel(context.Background())
	ps, err := pubsub.NewGossipSub(g.ctx, h,
		pubsub.WithMaxMessageSize(MaxAnnouncement+4<<10), // room for the message's own fields
		pubsub.WithMessageIdFn(messageID),
		// A node's own announcement goes straight to every peer on the
		// topic, mesh or not: followers hear of a version at once.
		pubsub.WithFloodPublish(true),
		pubsub.WithRawTracer(g.mesh),
	)
	if err != nil {
		g.cancel()
		return nil, fmt.Errorf("follow: start gossipsub: %w", err)
	}
	g.ps = ps
	return g, nil
}

// messageID names a message by its data, so that one envelope is one
// message whoever publishes it.
func messageID(m *pubsubpb.Message) string {
	sum := sha256.Sum256(m.GetData())
	return string(sum[:])
}

// Join joins the topic of package id (once; joining again does nothing):
// it registers the validator, subscribes and delivers what is accepted.
func (g *Gossip) Join(id manifest.PackageID) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.topics[id]; ok || g.ctx.Err() != nil {
		return nil
	}
	name := Topic(id)
	if err := g.ps.RegisterTopicValidator(name, g.validator(id)); err != nil {
		return fmt.Errorf("follow: validator for %s: %w", id, err)
	}
	t, err := g.ps.Join(name)
	if err != nil {
		_ = g.ps.UnregisterTopicValidator(name)
		return fmt.Errorf("follow: join %s: %w", name, err)
	}
	sub, err := t.Subscribe()
	if err != nil {
		t.Close()
		_ = g.ps.UnregisterTopicValidator(name)
		return fmt.Errorf("follow: subscribe %s: %w", name, err)
	}
	g.topics[id] = &joined{topic: t, sub: sub}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		g.read(sub)
	}()
	return nil
}

// Leave leaves the topic of package id, if joined.
func (g *Gossip) Leave(id manifest.PackageID) {
	g.mu.Lock()
	j, ok := g.topics[id]
	delete(g.topics, id)
	g.mu.Unlock()
	if !ok {
		return
	}
	j.sub.Cancel()
	_ = j.topic.Close()
	_ = g.ps.UnregisterTopicValidator(Topic(id))
}

// Publish announces version s on its package's topic, joining it first.
func (g *Gossip) Publish(ctx context.Context, s *manifest.Sealed) error {
	if len(s.Raw) > MaxAnnouncement {
		return fmt.Errorf("announce %s version %d: %w (%d bytes); followers find it at their next check",
			s.Name, s.Version, ErrTooLarge, len(s.Raw))
	}
	if err := g.Join(s.PackageID); err != nil {
		return err
	}
	g.mu.Lock()
	j := g.topics[s.PackageID]
	g.mu.Unlock()
	if j == nil {
		return fmt.Errorf("announce %s version %d: the node is closing", s.Name, s.Version)
	}
	g.markSeen(s.PackageID, s.Version)
	if err := j.topic.Publish(ctx, s.Raw); err != nil {
		return fmt.Errorf("announce %s version %d: %w", s.Name, s.Version, err)
	}
	g.opts.Log.Info("announced version to followers", "package", s.PackageID, "version", s.Version,
		"peers", len(j.topic.ListPeers()))
	return nil
}

// Peers lists the peers known to be on the topic of package id.
func (g *Gossip) Peers(id manifest.PackageID) []peer.ID {
	g.mu.Lock()
	j := g.topics[id]
	g.mu.Unlock()
	if j == nil {
		return nil
	}
	return j.topic.ListPeers()
}

// Mesh lists the peers that announcements on the topic of package id are
// relayed to at once.
func (g *Gossip) Mesh(id manifest.PackageID) []peer.ID { return g.mesh.peers(Topic(id)) }

// Stats counts what the node received.
func (g *Gossip) Stats() GossipStats {
	g.mu.Lock()
	n := len(g.topics)
	g.mu.Unlock()
	return GossipStats{Topics: n, Accepted: g.accepted.Load(), Ignored: g.ignored.Load(), Rejected: g.rejected.Load()}
}

// Close leaves every topic and stops gossipsub. It is idempotent.
func (g *Gossip) Close() error {
	g.once.Do(func() {
		g.mu.Lock()
		ids := make([]manifest.PackageID, 0, len(g.topics))
		for id := range g.topics {
			ids = append(ids, id)
		}
		g.mu.Unlock()
		for _, id := range ids {
			g.Leave(id)
		}
		g.cancel()
		g.wg.Wait()
		for _, p := range pubsub.GossipSubDefaultProtocols {
			g.h.RemoveStreamHandler(p)
		}
	})
	return nil
}
