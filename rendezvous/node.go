package rendezvous

import (
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/relay"
)

// Bounds of a relayed connection that may carry data (RelayResources with
// a data budget): it lives long enough for a large transfer, and the relay
// copies through a buffer large enough not to be the bottleneck.
const (
	relayDataDuration = time.Hour
	relayDataBuffer   = 64 << 10
)

// RelayResources are the bounds of the circuit relay v2 service a rendezvous
// node runs for peers behind NATs: libp2p's defaults (2 minutes and 128 KiB
// per relayed connection, 16 circuits per peer) with room for more
// reservations, since peers behind one NAT share an address. Those bounds
// fit the messages that set up a direct connection (identify, hole
// punching, a manifest), not bulk data. dataLimit > 0 is the operator's
// budget for carrying data: each relayed connection may then move
// dataLimit bytes in each direction within an hour.
func RelayResources(dataLimit int64) relay.Resources {
	r := relay.DefaultResources()
	r.MaxReservations = 1024
	r.MaxReservationsPerIP = 64
	r.MaxReservationsPerASN = 256
	if dataLimit > 0 {
		r.Limit = &relay.RelayLimit{Duration: relayDataDuration, Data: dataLimit}
		r.BufferSize = relayDataBuffer
	}
	return r
}

// NodeOptions returns the libp2p options of a host that serves as a
// rendezvous node: a resource manager with per-IP connection limits raised
// to connsPerIP (NewResourceManager), the bounded circuit relay v2 service
// (RelayResources, with relayDataLimit), the AutoNAT v1 service and the
// AutoNAT v2 server, so that peers learn whether they are reachable. A
// rendezvous is reachable at a public address by definition, so
// reachability is forced to public: libp2p runs the relay service only on
// hosts it believes public. Add them to the node's own options (identity,
// listen addresses, peerstore) before libp2p.New.
func NodeOptions(connsPerIP int, relayDataLimit int64) ([]libp2p.Option, error) {
	rm, err := NewResourceManager(connsPerIP)
	if err != nil {
		return nil, fmt.Errorf("rendezvous resource manager: %w", err)
	}
	return []libp2p.Option{
		libp2p.ResourceManager(rm),
		libp2p.EnableRelayService(relay.WithResources(RelayResources(relayDataLimit))),
		libp2p.ForceReachabilityPublic(),
		libp2p.EnableNATService(),
		libp2p.EnableAutoNATv2(),
	}, nil
}
