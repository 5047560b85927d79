package cmd

import (
	"strings"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"

	"github.com/p2psb/p2psb/pkgshare/control"
)

// parseNode reads a node as a user names it: its ID, or an address that
// ends in /p2p/<node-id> (as serve prints them), which is returned too.
func parseNode(s string) (peer.ID, []multiaddr.Multiaddr, error) {
	if strings.HasPrefix(s, "/") {
		ai, err := peer.AddrInfoFromString(s)
		if err != nil {
			return "", nil, usageErrorf("%q is not an address ending in /p2p/<node-id> (%s)", s, control.NodeIDHelp)
		}
		return ai.ID, ai.Addrs, nil
	}
	id, err := peer.Decode(s)
	if err != nil {
		return "", nil, usageErrorf("%q is not a node ID (%s)", s, control.NodeIDHelp)
	}
	return id, nil, nil
}
