//go:build linux

package natlab_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/p2psb/p2psb/pkgshare/internal/natlab"
)

// echoPort is where the echo servers listen on public hosts.
const echoPort = 7007

// ioTimeout bounds every exchange the tests expect to succeed.
const ioTimeout = 2 * time.Second

// quiet is how long a test waits for a packet or connection it expects
// never to arrive. Between namespaces a packet takes microseconds.
const quiet = 400 * time.Millisecond

// startEcho runs TCP and UDP servers on h at echoPort that answer each
// client with the address they see it come from, until the test ends.
func startEcho(t *testing.T, h *natlab.Host) {
	t.Helper()
	addr := echoAddr(h).String()
	ln, err := h.Listen("tcp4", addr)
	require.NoError(t, err)
	pc, err := h.ListenPacket("udp4", addr)
	require.NoError(t, err)
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		pc.Close()
		wg.Wait()
	})
	wg.Add(2)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.SetDeadline(time.Now().Add(ioTimeout))
			_, _ = c.Write([]byte(c.RemoteAddr().String() + "\n"))
			c.Close()
		}
	}()
	go func() {
		defer wg.Done()
		buf := make([]byte, 1500)
		for {
			_, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = pc.WriteTo([]byte(from.String()), from)
		}
	}()
}

// echoAddr is h's echo server.
func echoAddr(h *natlab.Host) netip.AddrPort { return netip.AddrPortFrom(h.Addr, echoPort) }

// udpObserved sends one datagram from pc to dst's echo server and returns
// the address the server saw it come from.
func udpObserved(t *testing.T, pc net.PacketConn, dst netip.AddrPort) netip.AddrPort {
	t.Helper()
	_, err := pc.WriteTo([]byte("?"), net.UDPAddrFromAddrPort(dst))
	require.NoError(t, err)
	require.NoError(t, pc.SetReadDeadline(time.Now().Add(ioTimeout)))
	buf := make([]byte, 100)
	n, from, err := pc.ReadFrom(buf)
	require.NoError(t, err, "echo from %s", dst)
	require.Equal(t, dst.String(), from.String())
	return netip.MustParseAddrPort(string(buf[:n]))
}

// tcpObserved connects from c, from localPort (0 for any), to dst's echo
// server and returns the local port used and the address the server saw.
func tcpObserved(t *testing.T, c *natlab.Host, localPort int, dst netip.AddrPort) (int, netip.AddrPort) {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{Port: localPort}, Control: reusePort}
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	conn, err := c.DialContext(ctx, d, "tcp4", dst.String())
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(ioTimeout)))
	line, err := bufio.NewReader(conn).ReadString('\n')
	require.NoError(t, err)
	return conn.LocalAddr().(*net.TCPAddr).Port, netip.MustParseAddrPort(strings.TrimSpace(line))
}

// reusePort lets several connections share a local port, as libp2p's
// TCP transport does for hole punching.
func reusePort(_, _ string, rc syscall.RawConn) error {
	var serr error
	err := rc.Control(func(fd uintptr) {
		serr = errors.Join(
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1),
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, unix.SO_REUSEPORT, 1))
	})
	return errors.Join(err, serr)
}

// localPort is the port pc is bound to.
func localPort(pc net.PacketConn) uint16 {
	return pc.LocalAddr().(*net.UDPAddr).AddrPort().Port()
}

// requireNoDatagram asserts that nothing arrives on pc within quiet.
func requireNoDatagram(t *testing.T, pc net.PacketConn, why string) {
	t.Helper()
	require.NoError(t, pc.SetReadDeadline(time.Now().Add(quiet)))
	_, from, err := pc.ReadFrom(make([]byte, 100))
	require.ErrorIs(t, err, os.ErrDeadlineExceeded, "%s: got a datagram from %v", why, from)
}
