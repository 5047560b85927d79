package natlab

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Interface names inside the public net's namespace and on hosts.
const (
	bridgeIf = "br0"
	hostIf   = "eth0"
)

// build creates the namespaces, then wires the public net, each router
// and its clients, then loads the routers' rules.
func (l *Lab) build(ctx context.Context) error {
	var adds []string
	for _, h := range append([]*Host{l.net}, l.hosts...) {
		adds = append(adds, "netns add "+h.Netns)
	}
	if err := ipBatch(ctx, "", adds...); err != nil {
		return err
	}
	for _, h := range append([]*Host{l.net}, l.hosts...) {
		if err := h.baseSysctls(); err != nil {
			return err
		}
	}
	if err := ipBatch(ctx, l.net.Netns, l.publicNetLinks()...); err != nil {
		return err
	}
	for _, h := range l.hosts {
		if err := ipBatch(ctx, h.Netns, h.links(l.hosts)...); err != nil {
			return err
		}
		if h.Role == Router {
			if err := loadRules(ctx, h); err != nil {
				return err
			}
		}
	}
	return nil
}

// publicNetLinks are the public net's commands: the bridge, and a veth
// pair to each public host (its eth0) and router (its wan0).
func (l *Lab) publicNetLinks() []string {
	cmds := []string{
		"link add " + bridgeIf + " type bridge",
		"link set " + bridgeIf + " up",
	}
	for _, h := range l.hosts {
		peer := hostIf
		switch h.Role {
		case Client:
			continue
		case Router:
			peer = wanIf
		}
		port := "p-" + h.Name
		cmds = append(cmds,
			fmt.Sprintf("link add %s type veth peer name %s netns %s", port, peer, h.Netns),
			fmt.Sprintf("link set %s master %s up", port, bridgeIf))
	}
	return cmds
}

// links are h's own commands. A router also creates its LAN bridge and a
// veth pair to each of its clients, so it comes before them.
func (h *Host) links(all []*Host) []string {
	cmds := []string{"link set lo up"}
	switch h.Role {
	case Public, Client:
		cmds = append(cmds,
			fmt.Sprintf("addr add %s/24 dev %s", h.Addr, hostIf),
			fmt.Sprintf("link set %s up", hostIf))
		if h.Role == Client {
			cmds = append(cmds, "route add default via "+h.Router.LANAddr.String())
		}
	case Router:
		cmds = append(cmds,
			fmt.Sprintf("addr add %s/24 dev %s", h.Addr, wanIf),
			fmt.Sprintf("link set %s up", wanIf),
			fmt.Sprintf("link add %s type bridge", lanIf),
			fmt.Sprintf("addr add %s/24 dev %s", h.LANAddr, lanIf),
			fmt.Sprintf("link set %s up", lanIf))
		for _, c := range all {
			if c.Router == h {
				port := "c-" + c.Name
				cmds = append(cmds,
					fmt.Sprintf("link add %s type veth peer name %s netns %s", port, hostIf, c.Netns),
					fmt.Sprintf("link set %s master %s up", port, lanIf))
			}
		}
	}
	return cmds
}

// baseSysctls makes h IPv4-only, keeps bridged frames out of netfilter
// (the bridges are wires, the routers filter), and lets a router forward.
func (h *Host) baseSysctls() error {
	settings := [][2]string{
		{"net.ipv6.conf.all.disable_ipv6", "1"},
		{"net.ipv6.conf.default.disable_ipv6", "1"},
	}
	if _, err := os.Stat("/proc/sys/net/bridge/bridge-nf-call-iptables"); err == nil {
		settings = append(settings, [2]string{"net.bridge.bridge-nf-call-iptables", "0"})
	}
	if h.Role == Router {
		settings = append(settings, [2]string{"net.ipv4.ip_forward", "1"})
	}
	var errs []error
	for _, s := range settings {
		errs = append(errs, h.Sysctl(s[0], s[1]))
	}
	return errors.Join(errs...)
}

// ipBatch runs ip commands, one a line, in the named namespace ("" for
// the test's own, only to add namespaces), stopping at the first failure.
func ipBatch(ctx context.Context, netns string, cmds ...string) error {
	args := []string{"-batch", "-"}
	if netns != "" {
		args = append([]string{"-n", netns}, args...)
	}
	cmd := exec.CommandContext(ctx, "ip", args...)
	cmd.Stdin = strings.NewReader(strings.Join(cmds, "\n") + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		where := netns
		if where == "" {
			where = "the test's namespace"
		}
		return fmt.Errorf("ip in %s: %w: %s", where, err, firstLine(out))
	}
	return nil
}
