//go:build linux

package natlab_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/internal/natlab"
)

// helperEnv makes the test binary, run by a test in a lab host, act as a
// helper process instead of running tests (see TestHelperProcess).
const helperEnv = "NATLAB_HELPER"

// TestHelperProcess is not a test: it is the body of the helper processes
// TestStart runs inside lab hosts, as os/exec's own tests do.
//
//	NATLAB_HELPER=probe:<addr:port>  send one datagram to the echo server
//	                                 at addr:port, print what it saw, exit
//	NATLAB_HELPER=block              print "ready" and wait to be killed
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		t.Skip("helper process only")
	}
	if err := runHelper(mode); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func runHelper(mode string) error {
	if mode == "block" {
		fmt.Println("ready")
		select {}
	}
	target, ok := strings.CutPrefix(mode, "probe:")
	if !ok {
		return fmt.Errorf("unknown mode %q", mode)
	}
	pc, err := net.ListenPacket("udp4", ":0")
	if err != nil {
		return err
	}
	defer pc.Close()
	dst, err := netip.ParseAddrPort(target)
	if err != nil {
		return err
	}
	if _, err := pc.WriteTo([]byte("?"), net.UDPAddrFromAddrPort(dst)); err != nil {
		return err
	}
	_ = pc.SetReadDeadline(time.Now().Add(ioTimeout))
	buf := make([]byte, 100)
	n, _, err := pc.ReadFrom(buf)
	if err != nil {
		return err
	}
	fmt.Printf("observed %s\n", buf[:n])
	return nil
}

// helper returns a command running this test binary as a helper in h.
func helper(h *natlab.Host, mode string) *exec.Cmd {
	cmd := h.Command(context.Background(), os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode)
	return cmd
}

func TestStart(t *testing.T) {
	t.Parallel()
	lab := natlab.New(t, natlab.Spec{
		Public: []string{"echo"},
		Homes:  []natlab.Home{{Router: "home", Clients: []string{"pc"}}},
	})
	echo, pc := lab.Host("echo"), lab.Host("pc")
	startEcho(t, echo)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	t.Run("output and exit", func(t *testing.T) {
		p := natlab.Start(t, helper(pc, "probe:"+echoAddr(echo).String()))
		line, err := p.WaitLine(ctx, regexp.MustCompile(`^observed `))
		require.NoError(t, err, "stderr: %s", p.Stderr())
		seen := netip.MustParseAddrPort(strings.TrimPrefix(line, "observed "))
		require.Equal(t, pc.Router.Addr, seen.Addr(), "the process runs behind the router")
		require.NoError(t, p.Wait(ctx))
	})
	t.Run("kill", func(t *testing.T) {
		p := natlab.Start(t, helper(echo, "block"))
		_, err := p.WaitLine(ctx, regexp.MustCompile(`^ready$`))
		require.NoError(t, err)
		p.Kill()
		require.Error(t, p.Wait(ctx), "killed")
		p.Kill() // idempotent
	})
	t.Run("exit before the line", func(t *testing.T) {
		p := pc.Start(t, "true")
		_, err := p.WaitLine(ctx, regexp.MustCompile(`never`))
		require.ErrorContains(t, err, "exited")
	})
	t.Run("run", func(t *testing.T) {
		out, err := echo.Run(ctx, "ip", "-4", "-o", "addr", "show", "dev", "eth0")
		require.NoError(t, err)
		require.Contains(t, string(out), echo.Addr.String()+"/24")
	})
}
