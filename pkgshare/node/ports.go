package node

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
)

// A fixed listen port is the node's alone. libp2p binds its sockets with
// SO_REUSEPORT, so a second node told to listen on a port another holds
// would start, and the kernel would hand each incoming connection to
// either of them: peers dialling one would reach the other ("peer id
// mismatch"). So a node claims each fixed port before it listens: it
// holds an flock on a port file (portDir) naming its home while it runs,
// and, for TCP, dials the port on loopback, which finds a node that holds
// it without such a file (one started with another TMPDIR, say).

// errPortLocked: another process holds the port file's lock.
var errPortLocked = errors.New("port file locked")

// probeTimeout bounds the loopback dial that finds a TCP port in use.
const probeTimeout = time.Second

// PortInUseError reports a fixed listen port another node holds.
type PortInUseError struct {
	Proto string // "tcp" or "udp"
	Port  int
	Home  string // the other node's home, when known
}

func (e *PortInUseError) Error() string {
	who := "another program (a p2psb node?)"
	if e.Home != "" {
		who = "another p2psb node (home " + e.Home + ")"
	}
	return fmt.Sprintf("%s port %d is in use by %s: stop it, or listen elsewhere with --listen", e.Proto, e.Port, who)
}

// portDir is where nodes of this user keep their port files.
func portDir() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("p2psb-%d", os.Getuid()), "ports")
}

// portClaims are the port files a node holds locked.
type portClaims []*os.File

// release unlocks and closes the files (the files stay: another node
// may be locking one already).
func (c portClaims) release() {
	for _, f := range c {
		f.Close()
	}
}

// claimPorts claims every fixed port of listen for the node of home, or
// fails with a *PortInUseError naming the node holding one.
func claimPorts(listen []ma.Multiaddr, home string) (claims portClaims, err error) {
	defer func() {
		if err != nil {
			claims.release()
			claims = nil
		}
	}()
	seen := map[string]bool{}
	for _, a := range listen {
		proto, port, ok := fixedPort(a)
		name := proto + "-" + strconv.Itoa(port)
		if !ok || seen[name] {
			continue
		}
		seen[name] = true
		f, err := claimPort(name, home)
		if err != nil {
			var inUse *PortInUseError
			if errors.As(err, &inUse) {
				inUse.Proto, inUse.Port = proto, port
			}
			return claims, err
		}
		claims = append(claims, f)
		if proto == "tcp" && tcpAnswers(a, port) {
			return claims, &PortInUseError{Proto: proto, Port: port}
		}
	}
	return claims, nil
}

// fixedPort returns the transport protocol and port of a listen address
// that names a port (not 0).
func fixedPort(a ma.Multiaddr) (proto string, port int, ok bool) {
	for _, p := range []struct {
		code int
		name string
	}{{ma.P_TCP, "tcp"}, {ma.P_UDP, "udp"}} {
		if v, err := a.ValueForProtocol(p.code); err == nil {
			n, err := strconv.Atoi(v)
			return p.name, n, err == nil && n != 0
		}
	}
	return "", 0, false
}

// claimPort locks the port file name, writing home into it, or fails
// with a *PortInUseError naming the home the holder wrote.
func claimPort(name, home string) (*os.File, error) {
	dir := portDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("claim port: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("claim port: %w", err)
	}
	if err := lockPortFile(f); err != nil {
		f.Close()
		if errors.Is(err, errPortLocked) {
			b, _ := os.ReadFile(f.Name())
			return nil, &PortInUseError{Home: strings.TrimSpace(string(b))}
		}
		return nil, fmt.Errorf("claim port: %w", err)
	}
	// The home is for the message of a node that finds the port taken;
	// failing to write it takes nothing from the claim.
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(home+"\n"), 0)
	return f, nil
}

// tcpAnswers reports whether something accepts TCP connections at the
// listen address a (on loopback when a is unspecified).
func tcpAnswers(a ma.Multiaddr, port int) bool {
	host := "127.0.0.1"
	if ip, err := manet.ToIP(a); err == nil && !ip.IsUnspecified() {
		host = ip.String()
	} else if err == nil && ip.To4() == nil {
		host = "::1"
	}
	c, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(port)), probeTimeout)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
