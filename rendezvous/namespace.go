package rendezvous

import "github.com/libp2p/go-libp2p/core/peer"

// p2psb's namespaces. A node registers under its own NodeNamespace so that
// others find it by ID after its address changes; a rendezvous node registers
// under RendezvousNamespace so that a node that knows one rendezvous learns
// the others.
const (
	// RendezvousNamespace holds the registrations of rendezvous nodes.
	RendezvousNamespace = "p2psb/rendezvous"
	nodeNamespacePrefix = "p2psb/node/"
)

// NodeNamespace is the namespace a node with the given ID registers under.
func NodeNamespace(id peer.ID) string {
	return nodeNamespacePrefix + id.String()
}
