//go:build linux

package natlab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
	"github.com/stretchr/testify/require"
)

func exists(name string) bool {
	_, err := os.Stat(filepath.Join(netnsDir, name))
	return err == nil
}

func TestSpecValidate(t *testing.T) {
	many := func(n int) []string {
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("h%d", i)
		}
		return names
	}
	cases := []struct {
		name string
		spec Spec
		err  string // "" for valid
	}{
		{"empty", Spec{}, ""},
		{"full", Spec{Public: []string{"rdv"}, Homes: []Home{{Router: "r1", Clients: []string{"c1", "c2"}}}}, ""},
		{"upper case", Spec{Public: []string{"Rdv"}}, "does not match"},
		{"too long", Spec{Public: []string{"abcdefghijk"}}, "does not match"},
		{"dash", Spec{Public: []string{"a-b"}}, "does not match"},
		{"twice", Spec{Public: []string{"x"}, Homes: []Home{{Router: "r", Clients: []string{"x"}}}}, "used twice"},
		{"mapping", Spec{Homes: []Home{{Router: "r", Mapping: 7}}}, "unknown"},
		{"public hosts", Spec{Public: many(maxPublic + 1)}, "public hosts"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.spec.validate()
			if tc.err == "" {
				require.NoError(t, err)
			} else {
				require.ErrorContains(t, err, tc.err)
			}
		})
	}
}

func TestPlan(t *testing.T) {
	spec := Spec{
		Public: []string{"rdv", "relay"},
		Homes: []Home{
			{Router: "r1", Clients: []string{"c1", "c2"}},
			{Router: "r2", Mapping: EndpointDependent, Clients: []string{"c3"}},
		},
	}
	var got []string
	for _, h := range spec.plan("natlab-1-0") {
		line := h.Netns + " " + h.Role.String() + " " + h.Addr.String()
		if h.Role == Router {
			line += " lan " + h.LANAddr.String() + " " + h.Mapping.String()
		}
		if h.Router != nil {
			line += " via " + h.Router.Name
		}
		got = append(got, line)
	}
	require.Equal(t, []string{
		"natlab-1-0-rdv public 11.77.0.10",
		"natlab-1-0-relay public 11.77.0.11",
		"natlab-1-0-r1 router 11.77.0.101 lan 192.168.1.1 endpoint-independent",
		"natlab-1-0-c1 client 192.168.1.10 via r1",
		"natlab-1-0-c2 client 192.168.1.11 via r1",
		"natlab-1-0-r2 router 11.77.0.102 lan 192.168.2.1 endpoint-dependent",
		"natlab-1-0-c3 client 192.168.2.10 via r2",
	}, got)
	for _, h := range spec.plan("x") {
		require.True(t, PublicNet.Contains(h.Addr) == (h.Role != Client), h.Name)
		// go-libp2p must take the public net for the internet, the LANs
		// for private networks (see the package comment).
		a := ma.StringCast("/ip4/" + h.Addr.String() + "/tcp/1")
		require.Equal(t, h.Role != Client, manet.IsPublicAddr(a), h.Name)
	}
}

func TestOwnerPid(t *testing.T) {
	for name, want := range map[string]int{
		"natlab-123-1abc-rdv": 123,
		"natlab-123-1abc":     123,
		"natlab-x-1abc":       0,
		"natlab-123":          0,
		"other-123-1abc":      0,
	} {
		pid, ok := ownerPid(name)
		require.Equal(t, want != 0, ok, name)
		require.Equal(t, want, pid, name)
	}
	pid, ok := ownerPid(newPrefix() + "-h")
	require.True(t, ok)
	require.Equal(t, os.Getpid(), pid)
}

// TestTeardown checks that a lab, and what runs in it, is gone once its
// test has ended.
func TestTeardown(t *testing.T) {
	var names []string
	var p *Proc
	t.Run("lab", func(t *testing.T) {
		lab := New(t, Spec{Public: []string{"a"}, Homes: []Home{{Router: "r", Clients: []string{"c"}}}})
		names = append(names, lab.Prefix)
		for _, h := range lab.Hosts() {
			names = append(names, h.Netns)
			require.True(t, exists(h.Netns), h.Netns)
		}
		// Started with the plain os/exec API, so only the lab's teardown
		// can end it.
		cmd := lab.Host("c").Command(context.Background(), "sleep", "60")
		require.NoError(t, cmd.Start())
		p = &Proc{Cmd: cmd, done: make(chan struct{})}
		go func() { p.err = cmd.Wait(); close(p.done) }()
	})
	if t.Skipped() || p == nil {
		return
	}
	for _, name := range names {
		require.False(t, exists(name), "%s outlived its test", name)
	}
	select {
	case <-p.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("a process in the lab outlived its test")
	}
}

// TestSweep checks that New's sweep removes a dead run's namespaces, and
// what still runs in them, but not a live process's.
func TestSweep(t *testing.T) {
	if reason := unsupported(); reason != "" {
		t.Skipf("natlab: %s", reason)
	}
	dead := exec.Command("true")
	require.NoError(t, dead.Run())
	if alive(dead.Process.Pid) {
		t.Skipf("pid %d was reused at once", dead.Process.Pid)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stale := &Host{Name: "x", Netns: fmt.Sprintf("%s%d-0-x", namePrefix, dead.Process.Pid)}
	live := &Host{Name: "y", Netns: newPrefix() + "-y"}
	t.Cleanup(func() { _ = removeNetns([]string{stale.Netns, live.Netns}) })
	require.NoError(t, ipBatch(ctx, "", "netns add "+stale.Netns, "netns add "+live.Netns))
	left := stale.Start(t, "sleep", "60")

	removed, err := sweep()
	require.NoError(t, err)
	require.Contains(t, removed, stale.Netns)
	require.NotContains(t, removed, live.Netns)
	require.False(t, exists(stale.Netns))
	require.True(t, exists(live.Netns))
	require.Error(t, left.Wait(ctx), "the leftover process was killed")
}
