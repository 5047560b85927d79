package rendezvous

import (
	"net/netip"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/protocol"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
	"github.com/libp2p/go-libp2p/x/rate"
)

// DefaultConnsPerIP is how many connections a rendezvous node accepts from
// one IPv4 address (or IPv6 /56) with NewResourceManager: many peers share
// an address behind a NAT, and libp2p's default of 8 would refuse them.
const DefaultConnsPerIP = 1024

// ResourceManagerOptions returns resource manager options for a rendezvous
// node: connsPerIP connections per IPv4 address and IPv6 /56 (8 times that
// per /48), and a new-connection rate limit per address raised to match.
func ResourceManagerOptions(connsPerIP int) []rcmgr.Option {
	v4 := []rcmgr.ConnLimitPerSubnet{{PrefixLength: 32, ConnCount: connsPerIP}}
	v6 := []rcmgr.ConnLimitPerSubnet{
		{PrefixLength: 56, ConnCount: connsPerIP},
		{PrefixLength: 48, ConnCount: 8 * connsPerIP},
	}
	rps := float64(connsPerIP) / 10
	limiter := &rate.Limiter{
		NetworkPrefixLimits: []rate.PrefixLimit{
			{Prefix: netip.MustParsePrefix("127.0.0.0/8")},
			{Prefix: netip.MustParsePrefix("::1/128")},
		},
		SubnetRateLimiter: rate.SubnetLimiter{
			IPv4SubnetLimits: []rate.SubnetLimit{{PrefixLength: 32, Limit: rate.Limit{RPS: rps, Burst: connsPerIP}}},
			IPv6SubnetLimits: []rate.SubnetLimit{{PrefixLength: 56, Limit: rate.Limit{RPS: rps, Burst: connsPerIP}}},
			GracePeriod:      time.Minute,
		},
	}
	return []rcmgr.Option{rcmgr.WithLimitPerSubnet(v4, v6), rcmgr.WithConnRateLimiters(limiter)}
}

// ResourceLimits raises base's system and transient connection and stream
// limits to what a rendezvous node serving thousands of peers needs, and
// gives the rendezvous protocol its own inbound stream budget. Limits already
// higher in base are kept.
func ResourceLimits(base rcmgr.ConcreteLimitConfig) rcmgr.ConcreteLimitConfig {
	p := base.ToPartialLimitConfig()
	raise := func(l *rcmgr.ResourceLimits, conns, streams int) {
		l.Conns = atLeast(l.Conns, conns)
		l.ConnsInbound = atLeast(l.ConnsInbound, conns)
		l.Streams = atLeast(l.Streams, streams)
		l.StreamsInbound = atLeast(l.StreamsInbound, streams)
	}
	raise(&p.System, 8192, 32768)
	raise(&p.Transient, 1024, 4096)
	if p.Protocol == nil {
		p.Protocol = map[protocol.ID]rcmgr.ResourceLimits{}
	}
	pl := p.Protocol[ProtocolID]
	pl.StreamsInbound = atLeast(pl.StreamsInbound, 8192)
	pl.Streams = atLeast(pl.Streams, 8192)
	p.Protocol[ProtocolID] = pl
	return p.Build(base)
}

func atLeast(v rcmgr.LimitVal, n int) rcmgr.LimitVal {
	if v == rcmgr.Unlimited || int(v) >= n {
		return v
	}
	return rcmgr.LimitVal(n)
}

// NewResourceManager returns a resource manager for a rendezvous node:
// libp2p's auto-scaled defaults raised by ResourceLimits, with
// ResourceManagerOptions(connsPerIP). Pass it with libp2p.ResourceManager.
func NewResourceManager(connsPerIP int) (network.ResourceManager, error) {
	limits := ResourceLimits(rcmgr.DefaultLimits.AutoScale())
	return rcmgr.NewResourceManager(rcmgr.NewFixedLimiter(limits), ResourceManagerOptions(connsPerIP)...)
}
