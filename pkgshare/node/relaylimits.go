package node

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
	"github.com/libp2p/go-libp2p/x/rate"
	manet "github.com/multiformats/go-multiaddr/net"
)

// relayedConnsPerRelay bounds the connections a node accepts through one
// relay (see relayResourceManager).
const relayedConnsPerRelay = 256

// relayResourceManager is libp2p's default resource manager with the
// addresses of the rendezvous nodes (the relays) exempt from its limits
// per IP address. libp2p counts a relayed connection against the relay's
// address, so a node behind a NAT, which every peer reaches through its
// relay at first, would take at most 8 such connections at once and a new
// one every 5 s once a burst of 16 is spent: peers fetching from it one
// after another would be refused (seen in the NAT lab). The relay bounds
// its circuits itself; relayedConnsPerRelay bounds them here.
func relayResourceManager(rzPeers []peer.AddrInfo) (network.ResourceManager, error) {
	var v4, v6 []rcmgr.NetworkPrefixLimit
	exempt := []rate.PrefixLimit{
		{Prefix: netip.MustParsePrefix("127.0.0.0/8")},
		{Prefix: netip.MustParsePrefix("::1/128")},
	}
	for _, ai := range rzPeers {
		for _, a := range ai.Addrs {
			ip, err := manet.ToIP(a)
			if err != nil {
				continue // a DNS name: its address is not known here
			}
			addr, _ := netip.AddrFromSlice(ip)
			prefix := netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen())
			limit := rcmgr.NetworkPrefixLimit{Network: prefix, ConnCount: relayedConnsPerRelay}
			if prefix.Addr().Is4() {
				v4 = append(v4, limit)
			} else {
				v6 = append(v6, limit)
			}
			exempt = append(exempt, rate.PrefixLimit{Prefix: prefix})
		}
	}
	limiter := &rate.Limiter{
		NetworkPrefixLimits: exempt,
		SubnetRateLimiter: rate.SubnetLimiter{ // libp2p's defaults
			IPv4SubnetLimits: []rate.SubnetLimit{{PrefixLength: 32, Limit: rate.Limit{RPS: 0.2, Burst: 16}}},
			IPv6SubnetLimits: []rate.SubnetLimit{
				{PrefixLength: 56, Limit: rate.Limit{RPS: 0.2, Burst: 16}},
				{PrefixLength: 48, Limit: rate.Limit{RPS: 0.5, Burst: 80}},
			},
			GracePeriod: time.Minute,
		},
	}
	limits := rcmgr.DefaultLimits
	libp2p.SetDefaultServiceLimits(&limits)
	rm, err := rcmgr.NewResourceManager(rcmgr.NewFixedLimiter(limits.AutoScale()),
		rcmgr.WithNetworkPrefixLimit(v4, v6), rcmgr.WithConnRateLimiters(limiter))
	if err != nil {
		return nil, fmt.Errorf("resource manager: %w", err)
	}
	return rm, nil
}
