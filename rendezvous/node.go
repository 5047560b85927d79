package rendezvous

import (
	"fmt"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/relay"
)

// RelayResources are the bounds of the circuit relay v2 service a rendezvous
// node runs for peers behind NATs: libp2p's defaults (2 minutes and 128 KiB
// per relayed connection, 16 circuits per peer) with room for more
// reservations, since peers behind one NAT share an address.
func RelayResources() relay.Resources {
	r := relay.DefaultResources()
	r.MaxReservations = 1024
	r.MaxReservationsPerIP = 64
	r.MaxReservationsPerASN = 256
	return r
}

// NodeOptions returns the libp2p options of a host that serves as a
// rendezvous node: a resource manager with per-IP connection limits raised
// to connsPerIP (NewResourceManager) and the bounded circuit relay v2
// service (RelayResources). A rendezvous is reachable at a public address by
// definition, so reachability is forced to public: libp2p runs the relay
// service only on hosts it believes public. Add them to the node's own
// options (identity, listen addresses, peerstore) before libp2p.New.
func NodeOptions(connsPerIP int) ([]libp2p.Option, error) {
	rm, err := NewResourceManager(connsPerIP)
	if err != nil {
		return nil, fmt.Errorf("rendezvous resource manager: %w", err)
	}
	return []libp2p.Option{
		libp2p.ResourceManager(rm),
		libp2p.EnableRelayService(relay.WithResources(RelayResources())),
		libp2p.ForceReachabilityPublic(),
	}, nil
}
