package follow

import (
	"sync"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/connmgr"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// meshTracer follows gossipsub's mesh: the peers, per topic, that a
// message the node relays goes to at once (others hear of it at the next
// heartbeat). It tags their connections so that the connection manager
// keeps them.
type meshTracer struct {
	cm   connmgr.ConnManager
	mu   sync.Mutex
	mesh map[string]map[peer.ID]bool
}

// meshTag is the connection manager tag of a peer in a follow mesh.
const meshTag = "p2psb-follow-mesh"

var _ pubsub.RawTracer = (*meshTracer)(nil)

func newMeshTracer(cm connmgr.ConnManager) *meshTracer {
	return &meshTracer{cm: cm, mesh: map[string]map[peer.ID]bool{}}
}

func (m *meshTracer) Graft(p peer.ID, topic string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mesh[topic] == nil {
		m.mesh[topic] = map[peer.ID]bool{}
	}
	m.mesh[topic][p] = true
	m.cm.TagPeer(p, meshTag, 20)
}

func (m *meshTracer) Prune(p peer.ID, topic string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.mesh[topic], p)
	m.untagUnlessMeshed(p)
}

// untagUnlessMeshed drops p's tag once it is in no mesh.
func (m *meshTracer) untagUnlessMeshed(p peer.ID) {
	for _, ps := range m.mesh {
		if ps[p] {
			return
		}
	}
	m.cm.UntagPeer(p, meshTag)
}

func (m *meshTracer) Leave(topic string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	left := m.mesh[topic]
	delete(m.mesh, topic)
	for p := range left {
		m.untagUnlessMeshed(p)
	}
}

func (m *meshTracer) RemovePeer(p peer.ID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, ps := range m.mesh {
		delete(ps, p)
	}
}

// peers lists the mesh peers of topic.
func (m *meshTracer) peers(topic string) []peer.ID {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]peer.ID, 0, len(m.mesh[topic]))
	for p := range m.mesh[topic] {
		out = append(out, p)
	}
	return out
}

func (*meshTracer) AddPeer(peer.ID, protocol.ID)          {}
func (*meshTracer) Join(string)                           {}
func (*meshTracer) ValidateMessage(*pubsub.Message)       {}
func (*meshTracer) DeliverMessage(*pubsub.Message)        {}
func (*meshTracer) RejectMessage(*pubsub.Message, string) {}
func (*meshTracer) DuplicateMessage(*pubsub.Message)      {}
func (*meshTracer) ThrottlePeer(peer.ID)                  {}
func (*meshTracer) RecvRPC(*pubsub.RPC)                   {}
func (*meshTracer) SendRPC(*pubsub.RPC, peer.ID)          {}
func (*meshTracer) DropRPC(*pubsub.RPC, peer.ID)          {}
func (*meshTracer) UndeliverableMessage(*pubsub.Message)  {}
