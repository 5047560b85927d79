package transport

import (
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/p2p/net/swarm"
	ma "github.com/multiformats/go-multiaddr"
)

// quicAfterTCP is how long a dial waits for TCP before trying the other
// transports.
const quicAfterTCP = 300 * time.Millisecond

// TCPFirst is the node's dial ranker. go-libp2p's default prefers QUIC, but
// bulk transfers here run faster on TCP with TLS (DESIGN §9: ~690 MB/s
// against ~390 for QUIC), and a QUIC dial to a peer that is gone waits out
// the whole dial timeout where TCP is refused at once. So TCP addresses are
// dialled first, in go-libp2p's order, and the rest only quicAfterTCP later
// (go-libp2p holds further dials while a TCP connection is upgrading).
func TCPFirst(addrs []ma.Multiaddr) []network.AddrDelay {
	var tcp, rest []ma.Multiaddr
	for _, a := range addrs {
		if _, err := a.ValueForProtocol(ma.P_TCP); err == nil {
			tcp = append(tcp, a)
		} else {
			rest = append(rest, a)
		}
	}
	out := swarm.DefaultDialRanker(tcp)
	var last time.Duration
	for _, d := range out {
		last = max(last, d.Delay)
	}
	if len(tcp) == 0 {
		return swarm.DefaultDialRanker(rest)
	}
	for _, d := range swarm.DefaultDialRanker(rest) {
		d.Delay += last + quicAfterTCP
		out = append(out, d)
	}
	return out
}
