package follow

import (
	"sync"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// meshTracer follows gossipsub's mesh: the peers, per topic, that a
// message the node relays goes to at once (others hear of it at the next
// heartbeat).
type meshTracer struct {
	mu   sync.Mutex
	mesh map[string]map[peer.ID]bool
}

var _ pubsub.RawTracer = (*meshTracer)(nil)

func newMeshTracer() *meshTracer { return &meshTracer{mesh: map[string]map[peer.ID]bool{}} }

func (m *meshTracer) Graft(p peer.ID, topic string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mesh[topic] == nil {
		m.mesh[topic] = map[peer.ID]bool{}
	}
	m.mesh[topic][p] = true
}

func (m *meshTracer) Prune(p peer.ID, topic string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.mesh[topic], p)
}

func (m *meshTracer) Leave(topic string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.mesh, topic)
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
