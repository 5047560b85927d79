package natlab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Interface names inside a router's namespace.
const (
	wanIf = "wan0"
	lanIf = "lan0"
)

// routerRules is a home router's nftables ruleset: stateful filtering
// that lets in from the WAN only what conntrack knows as replies, and
// source NAT of LAN traffic leaving by the WAN. %s is the masquerade
// statement's flags.
const routerRules = `
table inet natlab {
	counter unsolicited {
	}
	chain input {
		type filter hook input priority filter; policy drop;
		iif "lo" accept
		ct state established,related accept
		iifname "` + lanIf + `" accept
		counter name "unsolicited" drop
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		iifname "` + lanIf + `" oifname "` + wanIf + `" accept
		counter name "unsolicited" drop
	}
}
table ip natlab_nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "` + wanIf + `" masquerade%s
	}
}
`

// nftRuleset returns the ruleset for a router with mapping m.
func nftRuleset(m Mapping) string {
	flags := ""
	if m == EndpointDependent {
		// fully-random draws every new flow's port at random; plain
		// "random" would hash the destination into it, which is also
		// endpoint-dependent but repeats for a repeated destination.
		flags = " fully-random"
	}
	return fmt.Sprintf(routerRules, flags)
}

// loadRules loads r's ruleset.
func loadRules(ctx context.Context, r *Host) error {
	cmd := r.Command(ctx, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(nftRuleset(r.Mapping))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("nft in %s: %w: %s", r.Name, err, firstLine(out))
	}
	return nil
}

// DroppedInbound returns how many packets router r has dropped as
// unsolicited: from the WAN, not a reply to anything its clients sent,
// whether addressed through it or to it.
func (r *Host) DroppedInbound(ctx context.Context) (uint64, error) {
	if r.Role != Router {
		return 0, fmt.Errorf("natlab: %s is not a router", r)
	}
	out, err := r.Run(ctx, "nft", "-j", "list", "counter", "inet", "natlab", "unsolicited")
	if err != nil {
		return 0, err
	}
	var doc struct {
		Nftables []struct {
			Counter *struct {
				Packets uint64 `json:"packets"`
			} `json:"counter"`
		} `json:"nftables"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		return 0, fmt.Errorf("nft counter in %s: %w", r.Name, err)
	}
	for _, o := range doc.Nftables {
		if o.Counter != nil {
			return o.Counter.Packets, nil
		}
	}
	return 0, errors.New("nft counter in " + r.Name + ": not found")
}
