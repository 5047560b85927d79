package natlab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// buildTimeout bounds building one lab; it takes well under a second.
const buildTimeout = 30 * time.Second

// Lab is one topology of network namespaces, owned by one test.
type Lab struct {
	// Prefix starts the name of every namespace of the lab; the public
	// net's namespace is Prefix itself (for `ip netns exec Prefix tcpdump
	// -i br0`).
	Prefix string

	t      testing.TB
	net    *Host // the public net's namespace
	hosts  []*Host
	byName map[string]*Host

	closeOnce sync.Once
	closeErr  error
}

// New builds the lab spec describes and tears it down when t ends. It
// skips t, with one line saying why, where a lab cannot be built here (see
// the package comment), and fails t on a bad spec or a failed build.
func New(t testing.TB, spec Spec) *Lab {
	t.Helper()
	if err := spec.validate(); err != nil {
		t.Fatalf("natlab: spec: %v", err)
	}
	if reason := unsupported(); reason != "" {
		if os.Getenv("NATLAB_REQUIRE") == "1" {
			t.Fatalf("natlab: NATLAB_REQUIRE=1 but %s", reason)
		}
		t.Skipf("natlab: %s", reason)
	}
	if stale, err := sweep(); err != nil {
		t.Logf("natlab: removing leftovers of dead runs: %v", err)
	} else if len(stale) > 0 {
		t.Logf("natlab: removed %d namespaces of dead runs", len(stale))
	}
	l := &Lab{t: t, Prefix: newPrefix(), byName: map[string]*Host{}}
	l.net = &Host{Name: "public-net", Netns: l.Prefix}
	l.hosts = spec.plan(l.Prefix)
	for _, h := range l.hosts {
		l.byName[h.Name] = h
	}
	// Registered before building, so a half-built lab goes too.
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("natlab: teardown: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	if err := l.build(ctx); err != nil {
		t.Fatalf("natlab: build: %v", err)
	}
	return l
}

// Host returns the host called name, failing the test if there is none.
func (l *Lab) Host(name string) *Host {
	l.t.Helper()
	h, ok := l.byName[name]
	if !ok {
		l.t.Fatalf("natlab: no host %q in the lab", name)
	}
	return h
}

// Hosts returns every host, public hosts first, each router followed by
// its clients.
func (l *Lab) Hosts() []*Host { return append([]*Host(nil), l.hosts...) }

// Close kills what runs in the lab and deletes its namespaces, and with
// them every interface, route and rule. It is idempotent; New's Cleanup
// calls it.
func (l *Lab) Close() error {
	l.closeOnce.Do(func() {
		names := make([]string, 0, len(l.hosts)+1)
		for i := len(l.hosts) - 1; i >= 0; i-- {
			names = append(names, l.hosts[i].Netns)
		}
		l.closeErr = removeNetns(append(names, l.net.Netns))
	})
	return l.closeErr
}

var (
	probeOnce   sync.Once
	probeReason string
)

// unsupported returns why no lab can be built here, or "" if one can.
// The answer is worked out once per process.
func unsupported() string {
	probeOnce.Do(func() { probeReason = probe() })
	return probeReason
}

func probe() string {
	if runtime.GOOS != "linux" {
		return "network namespaces need Linux, not " + runtime.GOOS
	}
	if os.Geteuid() != 0 {
		return "needs root to create network namespaces"
	}
	for _, tool := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Sprintf("no %s on PATH (apt-get install iproute2 nftables)", tool)
		}
	}
	// Try the kernel: a namespace, a veth pair, a NAT table, setns.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h := &Host{Name: "probe", Netns: newPrefix() + "-probe"}
	defer removeNetns([]string{h.Netns})
	steps := []func() error{
		func() error { return ipBatch(ctx, "", "netns add "+h.Netns) },
		func() error { return ipBatch(ctx, h.Netns, "link add probe0 type veth peer name probe1") },
		func() error { return loadRules(ctx, &Host{Name: "probe", Netns: h.Netns, Mapping: EndpointDependent}) },
		func() error { return h.Do(func() error { return nil }) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return "cannot build a lab here: " + strings.ReplaceAll(err.Error(), "\n", " ")
		}
	}
	return ""
}
