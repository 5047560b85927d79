package natlab

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Host is one network namespace of a lab.
type Host struct {
	// Name is the host's name in the Spec.
	Name string
	// Netns is the namespace's name, for `ip netns exec` and /run/netns.
	Netns string
	Role  Role
	// Addr is the host's own address: on the public net for public hosts,
	// the WAN address for routers, the LAN address for clients.
	Addr netip.Addr
	// LANAddr is a router's address on its LAN (routers only).
	LANAddr netip.Addr
	// Mapping is a router's mapping behaviour (routers only).
	Mapping Mapping
	// Router is a client's home router (clients only).
	Router *Host
}

func (h *Host) String() string {
	return fmt.Sprintf("%s %s (%s)", h.Role, h.Name, h.Addr)
}

// Command returns a command that runs name with arg inside h's namespace
// through `ip netns exec`. Its process is killed if the OS thread that
// starts it exits (Pdeathsig), so it dies with the test process.
func (h *Host) Command(ctx context.Context, name string, arg ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", h.Netns, name}, arg...)...)
	cmd.SysProcAttr = childAttr()
	return cmd
}

// Run runs name with arg inside h and returns its combined output.
func (h *Host) Run(ctx context.Context, name string, arg ...string) ([]byte, error) {
	out, err := h.Command(ctx, name, arg...).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("%s in %s: %w: %s", name, h.Name, err, firstLine(out))
	}
	return out, nil
}

// Sysctl sets a sysctl of h's namespace, key as in sysctl(8)
// ("net.netfilter.nf_conntrack_udp_timeout").
func (h *Host) Sysctl(key, value string) error {
	path := filepath.Join("/proc/sys", strings.ReplaceAll(key, ".", "/"))
	err := h.Do(func() error { return os.WriteFile(path, []byte(value), 0) })
	if err != nil {
		return fmt.Errorf("sysctl %s=%s in %s: %w", key, value, h.Name, err)
	}
	return nil
}

// Listen opens a listener in h (see net.Listen). It stays in h's
// namespace whichever goroutine uses it.
func (h *Host) Listen(network, address string) (net.Listener, error) {
	var ln net.Listener
	err := h.Do(func() (err error) {
		ln, err = net.Listen(network, address)
		return err
	})
	return ln, err
}

// ListenPacket opens a packet socket in h (see net.ListenPacket).
func (h *Host) ListenPacket(network, address string) (net.PacketConn, error) {
	var pc net.PacketConn
	err := h.Do(func() (err error) {
		pc, err = net.ListenPacket(network, address)
		return err
	})
	return pc, err
}

// DialContext dials address from h with d (nil for a zero Dialer).
// address must be a literal IP and port: resolving a name, or a
// dual-stack race, would run on goroutines outside the namespace.
func (h *Host) DialContext(ctx context.Context, d *net.Dialer, network, address string) (net.Conn, error) {
	if d == nil {
		d = &net.Dialer{}
	}
	var c net.Conn
	err := h.Do(func() (err error) {
		c, err = d.DialContext(ctx, network, address)
		return err
	})
	return c, err
}

// firstLine returns b's first non-empty line, trimmed, for one-line errors.
func firstLine(b []byte) string {
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return ""
}
