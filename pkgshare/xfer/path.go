package xfer

import (
	"context"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/client"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/p2psb/p2psb/pkgshare/manifest"
)

// Which connection a stream runs on. A peer behind a NAT is first reached
// through a circuit relay (a rendezvous node), on a limited connection:
// the relay bounds its time and data, by default to what identify, hole
// punching and a few small messages need. Control streams (manifest,
// have-set) may run on it; chunk streams wait for the direct connection
// that hole punching (DCUtR) makes, and go over the relay only when the
// relay carries data: its limit per connection holds at least one chunk
// of the largest size (a rendezvous started with --relay-data-limit).

// allowLimited marks ctx so that a stream may open on a limited
// (relayed) connection.
func allowLimited(ctx context.Context) context.Context {
	return network.WithAllowLimitedConn(ctx, "p2psb control messages")
}

// minRelayData is the smallest relay data limit chunk streams use.
const minRelayData = manifest.MaxChunkSize

// NoDirectPathError ends a fetch from a peer that can be reached only
// through a relay that carries no data: no direct connection came within
// the wait (a peer behind a NAT that gives every flow a new port, a
// symmetric NAT, is the usual reason), and the relay's limit is too small
// for chunks. It names
// what would help. Match it with errors.As.
type NoDirectPathError struct {
	Peer      peer.ID
	Relay     string        // the relayed address
	Waited    time.Duration // how long the fetch waited for a direct connection
	RelayData uint64        // the relay's data limit per connection, each way
}

func (e *NoDirectPathError) Error() string {
	return fmt.Sprintf("no direct connection to %s within %v: hole punching failed, as it does when a peer is "+
		"behind a NAT that gives each connection a new port (a symmetric NAT); the relay (%s) carries at most %d bytes per connection, "+
		"too little for data. What would help: a rendezvous that relays data (p2psb serve --rendezvous "+
		"--relay-data-limit SIZE), or a port forward to either peer (then --listen on it)",
		e.Peer, e.Waited.Round(time.Millisecond), e.Relay, e.RelayData)
}

// openChunkStream opens a chunk stream to p: on a direct connection,
// waiting up to the direct wait for hole punching to make one, else on a
// relayed connection whose relay carries data, else it fails with a
// *NoDirectPathError.
func (f *Fetcher) openChunkStream(ctx context.Context, p peer.ID) (network.Stream, error) {
	start := time.Now()
	wctx, cancel := context.WithTimeout(ctx, f.cfg.directWait)
	s, err := f.h.NewStream(wctx, p, ProtocolID)
	cancel()
	if err == nil || ctx.Err() != nil {
		return s, err
	}
	relayed := limitedConn(f.h.Network(), p)
	if relayed == nil {
		return nil, err
	}
	data, _ := relayed.Stat().Extra[client.StatLimitData].(uint64)
	if data != 0 && data < minRelayData {
		return nil, &NoDirectPathError{Peer: p, Relay: relayed.RemoteMultiaddr().String(),
			Waited: time.Since(start), RelayData: data}
	}
	f.cfg.log.Info("xfer: no direct connection; fetching through the relay, within its limit",
		"peer", p, "relay", relayed.RemoteMultiaddr(), "limit", data)
	s, err = f.h.NewStream(network.WithAllowLimitedConn(ctx, "p2psb chunks through a relay that carries data"), p, ProtocolID)
	if err != nil {
		return nil, fmt.Errorf("through the relay: %w", err)
	}
	return s, nil
}

// limitedConn returns an open limited connection to p, if there is one.
func limitedConn(n network.Network, p peer.ID) network.Conn {
	for _, c := range n.ConnsToPeer(p) {
		if c.Stat().Limited {
			return c
		}
	}
	return nil
}

// Relayed reports whether c runs through a circuit relay.
func Relayed(c network.Conn) bool {
	_, err := c.RemoteMultiaddr().ValueForProtocol(ma.P_CIRCUIT)
	return err == nil
}
