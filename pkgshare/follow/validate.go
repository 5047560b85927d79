package follow

import (
	"context"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// validator checks every message on the topic of package id before
// gossipsub relays or delivers it: a forged or foreign one is rejected, a
// valid one that is not newer than what the node holds or has seen is
// ignored. The node's own announcements pass once they parse.
func (g *Gossip) validator(id manifest.PackageID) pubsub.ValidatorEx {
	return func(_ context.Context, from peer.ID, msg *pubsub.Message) pubsub.ValidationResult {
		s, err := ParseAnnouncement(id, msg.Data)
		local := from == g.h.ID()
		switch {
		case err != nil:
			if !local {
				g.rejected.Add(1)
				g.opts.Log.Info("rejected a follow announcement", "package", id, "from", from, "err", err)
			}
			return pubsub.ValidationReject
		case local:
			msg.ValidatorData = s
			return pubsub.ValidationAccept
		case !g.markSeen(id, s.Version):
			g.ignored.Add(1)
			g.opts.Log.Debug("ignored an announcement of a version not newer", "package", id,
				"version", s.Version, "from", from)
			return pubsub.ValidationIgnore
		}
		g.accepted.Add(1)
		msg.ValidatorData = s
		return pubsub.ValidationAccept
	}
}

// markSeen records version v of package id as seen and reports whether it
// is newer than any held or seen before.
func (g *Gossip) markSeen(id manifest.PackageID, v uint64) bool {
	held := g.opts.Held(id)
	g.mu.Lock()
	defer g.mu.Unlock()
	if v <= held || v <= g.seen[id] {
		return false
	}
	g.seen[id] = v
	return true
}

// Seen is the newest version of package id announced to the node (0: none).
func (g *Gossip) Seen(id manifest.PackageID) uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.seen[id]
}

// read delivers the announcements sub accepts from peers until it ends.
func (g *Gossip) read(sub *pubsub.Subscription) {
	for {
		m, err := sub.Next(g.ctx)
		if err != nil {
			return
		}
		s, ok := m.ValidatorData.(*manifest.Sealed)
		if !ok || m.ReceivedFrom == g.h.ID() || g.opts.Deliver == nil {
			continue
		}
		g.opts.Deliver(s, m.ReceivedFrom)
	}
}
