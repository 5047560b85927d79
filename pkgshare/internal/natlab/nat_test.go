//go:build linux

package natlab_test

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/internal/natlab"
)

// twoRouters is a lab with two public echo hosts and one home of each
// mapping kind.
var twoRouters = natlab.Spec{
	Public: []string{"a", "b"},
	Homes: []natlab.Home{
		{Router: "eim", Mapping: natlab.EndpointIndependent, Clients: []string{"c1"}},
		{Router: "sym", Mapping: natlab.EndpointDependent, Clients: []string{"c2"}},
	},
}

var mappingCases = []struct {
	name, client string
	samePort     bool // one external port for one local port, whatever the destination
}{
	{"endpoint-independent", "c1", true},
	{"endpoint-dependent", "c2", false},
}

func TestMapping(t *testing.T) {
	t.Parallel()
	lab := natlab.New(t, twoRouters)
	a, b := lab.Host("a"), lab.Host("b")
	startEcho(t, a)
	startEcho(t, b)
	for _, tc := range mappingCases {
		t.Run(tc.name, func(t *testing.T) {
			c := lab.Host(tc.client)
			wan := c.Router.Addr
			t.Run("udp", func(t *testing.T) {
				pc, err := c.ListenPacket("udp4", ":0")
				require.NoError(t, err)
				defer pc.Close()
				viaA := udpObserved(t, pc, echoAddr(a))
				viaB := udpObserved(t, pc, echoAddr(b))
				requireMapping(t, wan, int(localPort(pc)), viaA, viaB, tc.samePort)
			})
			t.Run("tcp", func(t *testing.T) {
				port, viaA := tcpObserved(t, c, 0, echoAddr(a))
				_, viaB := tcpObserved(t, c, port, echoAddr(b))
				requireMapping(t, wan, port, viaA, viaB, tc.samePort)
			})
		})
	}
}

// requireMapping checks what two destinations saw of one local port.
func requireMapping(t *testing.T, wan netip.Addr, local int, viaA, viaB netip.AddrPort, samePort bool) {
	t.Helper()
	require.Equal(t, wan, viaA.Addr(), "source address seen by a")
	require.Equal(t, wan, viaB.Addr(), "source address seen by b")
	if samePort {
		require.Equal(t, viaA.Port(), viaB.Port(), "external port per destination")
		require.Equal(t, local, int(viaA.Port()), "port preservation")
	} else {
		// fully-random: equal by chance once in ~64k runs.
		require.NotEqual(t, viaA.Port(), viaB.Port(), "external port per destination")
	}
}

func TestUnsolicitedInboundDropped(t *testing.T) {
	t.Parallel()
	lab := natlab.New(t, twoRouters)
	a, b := lab.Host("a"), lab.Host("b")
	startEcho(t, a)
	for _, tc := range mappingCases {
		t.Run(tc.name, func(t *testing.T) {
			c := lab.Host(tc.client)
			r := c.Router
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			before, err := r.DroppedInbound(ctx)
			require.NoError(t, err)

			// TCP to a port a client listens on: the SYN dies at the router.
			ln, err := c.Listen("tcp4", ":7100")
			require.NoError(t, err)
			defer ln.Close()
			accepted := make(chan error, 1)
			go func() {
				_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(2 * quiet))
				conn, err := ln.Accept()
				if err == nil {
					conn.Close()
				}
				accepted <- err
			}()
			_, err = b.DialContext(ctx, &net.Dialer{Timeout: quiet}, "tcp4", netip.AddrPortFrom(r.Addr, 7100).String())
			require.Error(t, err, "TCP from b to the router's WAN address")
			require.Error(t, <-accepted, "the client accepted an unsolicited connection")

			// UDP to the port a client's flow to a is mapped to, from b and
			// from another port of a: only a's echo port may answer.
			pc, err := c.ListenPacket("udp4", ":0")
			require.NoError(t, err)
			defer pc.Close()
			mapped := udpObserved(t, pc, echoAddr(a))
			for _, h := range []*natlab.Host{a, b} {
				other, err := h.ListenPacket("udp4", ":0")
				require.NoError(t, err)
				_, err = other.WriteTo([]byte("unsolicited"), net.UDPAddrFromAddrPort(mapped))
				other.Close()
				require.NoError(t, err)
			}
			requireNoDatagram(t, pc, "UDP to the mapped port from a stranger")

			after, err := r.DroppedInbound(ctx)
			require.NoError(t, err)
			require.GreaterOrEqual(t, after-before, uint64(3), "packets counted as unsolicited by %s", r)
		})
	}
}

func TestHolePunchUDP(t *testing.T) {
	t.Parallel()
	lab := natlab.New(t, natlab.Spec{
		Public: []string{"rdv"},
		Homes: []natlab.Home{
			{Router: "e1", Clients: []string{"c1"}},
			{Router: "e2", Clients: []string{"c2"}},
			{Router: "s1", Mapping: natlab.EndpointDependent, Clients: []string{"c3"}},
			{Router: "s2", Mapping: natlab.EndpointDependent, Clients: []string{"c4"}},
		},
	})
	rdv := lab.Host("rdv")
	startEcho(t, rdv)
	cases := []struct {
		name  string
		x, y  string
		opens bool // the hole opens
	}{
		{"both endpoint-independent", "c1", "c2", true},
		{"both endpoint-dependent", "c3", "c4", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Each side learns its external address from the rendezvous.
			px, err := lab.Host(tc.x).ListenPacket("udp4", ":0")
			require.NoError(t, err)
			defer px.Close()
			py, err := lab.Host(tc.y).ListenPacket("udp4", ":0")
			require.NoError(t, err)
			defer py.Close()
			extX, extY := udpObserved(t, px, echoAddr(rdv)), udpObserved(t, py, echoAddr(rdv))

			// x's first packet opens x's router for y and dies at y's.
			send(t, px, extY, "punch")
			send(t, py, extX, "punch")
			if !tc.opens {
				requireNoDatagram(t, px, "y's packet through a symmetric NAT")
				return
			}
			requireDatagram(t, px, extY, "punch")
			send(t, px, extY, "ack")
			requireDatagram(t, py, extX, "ack")
		})
	}
}

func send(t *testing.T, pc net.PacketConn, to netip.AddrPort, msg string) {
	t.Helper()
	_, err := pc.WriteTo([]byte(msg), net.UDPAddrFromAddrPort(to))
	require.NoError(t, err)
}

func requireDatagram(t *testing.T, pc net.PacketConn, from netip.AddrPort, msg string) {
	t.Helper()
	require.NoError(t, pc.SetReadDeadline(time.Now().Add(ioTimeout)))
	buf := make([]byte, 100)
	n, got, err := pc.ReadFrom(buf)
	require.NoError(t, err, "waiting for %q from %s", msg, from)
	require.Equal(t, from.String(), got.String())
	require.Equal(t, msg, string(buf[:n]))
}
