package ticket

import (
	"slices"

	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
)

// DialableAddrs prepares a provider's addresses for a ticket: listen
// addresses on every interface (0.0.0.0, ::) become the interfaces'
// addresses, addresses with port 0 (not yet bound) are dropped, and the
// rest are ordered so that the MaxAddrs a ticket keeps are the most useful
// away from this machine: public, relayed (/p2p-circuit), private, then
// loopback. Duplicates are dropped.
func DialableAddrs(addrs []ma.Multiaddr) []ma.Multiaddr {
	var out []ma.Multiaddr
	seen := map[string]bool{}
	for _, a := range expandUnspecified(addrs) {
		k := string(a.Bytes())
		if seen[k] || unbound(a) {
			continue
		}
		seen[k] = true
		out = append(out, a)
	}
	slices.SortStableFunc(out, func(a, b ma.Multiaddr) int { return addrRank(a) - addrRank(b) })
	return out
}

// expandUnspecified replaces addresses on every interface with the
// interfaces' own addresses (none when they cannot be listed).
func expandUnspecified(addrs []ma.Multiaddr) []ma.Multiaddr {
	var ifaces []ma.Multiaddr
	out := make([]ma.Multiaddr, 0, len(addrs))
	for _, a := range addrs {
		if !manet.IsIPUnspecified(a) {
			out = append(out, a)
			continue
		}
		if ifaces == nil {
			ifaces, _ = manet.InterfaceMultiaddrs()
		}
		resolved, err := manet.ResolveUnspecifiedAddress(a, ifaces)
		if err == nil {
			out = append(out, resolved...)
		}
	}
	return out
}

// unbound reports whether a's TCP or UDP port is 0.
func unbound(a ma.Multiaddr) bool {
	for _, code := range []int{ma.P_TCP, ma.P_UDP} {
		if v, err := a.ValueForProtocol(code); err == nil && v == "0" {
			return true
		}
	}
	return false
}

func addrRank(a ma.Multiaddr) int {
	switch {
	case isRelayed(a):
		return 1
	case manet.IsIPLoopback(a):
		return 3
	case manet.IsPublicAddr(a):
		return 0
	default:
		return 2
	}
}

func isRelayed(a ma.Multiaddr) bool {
	_, err := a.ValueForProtocol(ma.P_CIRCUIT)
	return err == nil
}
