//go:build linux

package labtest_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/internal/natlab"
)

// reachSpec is a rendezvous (and relay) on the public net, a public host,
// and two homes, each router with one client: alice behind r1, bob behind
// r2.
func reachSpec(m1, m2 natlab.Mapping) natlab.Spec {
	return natlab.Spec{
		Public: []string{"rdv", "carol"},
		Homes: []natlab.Home{
			{Router: "r1", Mapping: m1, Clients: []string{"alice"}},
			{Router: "r2", Mapping: m2, Clients: []string{"bob"}},
		},
	}
}

const (
	eim = natlab.EndpointIndependent
	edm = natlab.EndpointDependent
)

// TestReach runs a publisher and a fetcher as real p2psb processes on
// hosts behind home routers of a NAT lab, with a rendezvous node (and
// circuit relay) on the public net, and checks what reaches what: the
// fetched files are byte-identical, and the fetch's own summary says how
// many bytes came through the relay.
func TestReach(t *testing.T) {
	const size = 3 << 20
	cases := []struct {
		name      string
		spec      natlab.Spec
		publisher string // host
		fetcher   string
		relayData string // the rendezvous's --relay-data-limit
		relayed   bool   // the chunks come through the relay
		noPath    bool   // the fetch ends with the no-direct-path error
	}{
		// The fetcher dials through the relay; the publisher dials back
		// (connection reversal).
		{name: "publisher behind EIM, fetcher public", spec: reachSpec(eim, eim), publisher: "alice", fetcher: "carol"},
		// Only hole punching can make a direct connection.
		{name: "both behind EIM", spec: reachSpec(eim, eim), publisher: "alice", fetcher: "bob"},
		{name: "both symmetric", spec: reachSpec(edm, edm), publisher: "alice", fetcher: "bob", noPath: true},
		{name: "both symmetric, relay carries data", spec: reachSpec(edm, edm), publisher: "alice", fetcher: "bob",
			relayData: "64MiB", relayed: true},
		{name: "publisher symmetric, fetcher EIM", spec: reachSpec(edm, eim), publisher: "alice", fetcher: "bob", noPath: true},
		{name: "publisher EIM, fetcher symmetric", spec: reachSpec(eim, edm), publisher: "alice", fetcher: "bob", noPath: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newReachWorld(t, tc.spec, tc.relayData)
			data := w.publish(size)
			w.serve(tc.publisher)
			res, out, err := w.fetch(tc.fetcher)
			if tc.noPath {
				require.Error(t, err, "%s", out)
				require.Contains(t, out, "no direct connection")
				require.Contains(t, out, "--relay-data-limit")
				return
			}
			require.NoError(t, err, "%s", out)
			require.Equal(t, int64(size), res.FetchedBytes)
			if tc.relayed {
				require.Equal(t, res.FetchedBytes, res.RelayedBytes, "every chunk came through the relay")
			} else {
				require.Zero(t, res.RelayedBytes, "every chunk came over a direct connection")
			}
			w.requireSame(data)
		})
	}
}

// TestReachRelayGone stops the rendezvous, the only relay, while a fetch
// between two homes behind EIM NATs runs on the direct connection that
// hole punching made: the fetch finishes. Before, the publisher's status
// shows it behind a NAT with a reservation at the rendezvous, and a
// direct connection to the fetcher.
func TestReachRelayGone(t *testing.T) {
	const size = 8 << 20
	w := newReachWorld(t, reachSpec(eim, eim), "")
	data := w.publish(size)
	w.serve("alice")
	fetcher := w.nodeID("fetcher")
	fetch := w.startFetch("bob", "--max-download", "2MiB")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := fetch.WaitLine(ctx, regexp.MustCompile(`"event":"progress","done":[1-9]`))
	require.NoError(t, err, "no chunk arrived: %s", fetch.Stderr())

	st := w.status("pub")
	require.NotEmpty(t, st.Reach.BehindNAT, "the rendezvous sees the publisher behind its router")
	require.Contains(t, st.Reach.Relays, w.rzID)
	require.Contains(t, st.Connections, statusConn{Peer: fetcher, Relayed: false},
		"a direct connection to the fetcher: %+v", st.Connections)

	w.rdv.Kill()
	require.NoError(t, fetch.Wait(ctx), "%s", fetch.Stderr())
	res := lastResult(t, fetch.Stdout())
	require.Equal(t, int64(size), res.FetchedBytes)
	require.Zero(t, res.RelayedBytes)
	w.requireSame(data)
}

// fetchSummary is what the fetch prints at the end with --json.
type fetchSummary struct {
	FetchedBytes int64      `json:"fetched_bytes"`
	RelayedBytes int64      `json:"relayed_bytes"`
	FirstChunkAt *time.Time `json:"first_chunk_at"`
}

func lastResult(t *testing.T, stdout string) fetchSummary {
	t.Helper()
	res, err := parseResult(stdout)
	require.NoError(t, err, "%s", stdout)
	return res
}

// parseResult reads the summary, the last line of a fetch's --json output.
func parseResult(stdout string) (fetchSummary, error) {
	lines := bytes.Split(bytes.TrimSpace([]byte(stdout)), []byte("\n"))
	var res fetchSummary
	err := json.Unmarshal(lines[len(lines)-1], &res)
	return res, err
}

// statusConn and nodeStatus are what the tests read of status --json.
type statusConn struct {
	Peer    string `json:"peer"`
	Relayed bool   `json:"relayed"`
}

type nodeStatus struct {
	Reach struct {
		BehindNAT string   `json:"behind_nat"`
		Relays    []string `json:"relay_reservations"`
	} `json:"reach"`
	Connections []statusConn `json:"connections"`
}

// status asks the daemon of home name for its status (over the control
// socket, so from the test's own namespace).
func (w *reachWorld) status(name string) nodeStatus {
	w.t.Helper()
	var st nodeStatus
	require.NoError(w.t, json.Unmarshal(w.run("--home", filepath.Join(w.dir, name), "status", "--json"), &st))
	return st
}

// nodeID returns the node ID of home name, creating the home.
func (w *reachWorld) nodeID(name string) string {
	w.t.Helper()
	var id struct {
		ID string `json:"id"`
	}
	require.NoError(w.t, json.Unmarshal(w.run("--home", filepath.Join(w.dir, name), "id", "--json"), &id))
	return id.ID
}

// reachWorld is one lab with a rendezvous running on host rdv, and homes
// for a publisher and a fetcher.
type reachWorld struct {
	t    *testing.T
	lab  *natlab.Lab
	dir  string
	rz   string // the rendezvous's multiaddr
	rzID string
	rdv  *natlab.Proc
	pkg  string // the published package ID
}

func newReachWorld(t *testing.T, spec natlab.Spec, relayData string) *reachWorld {
	t.Helper()
	w := &reachWorld{t: t, lab: natlab.New(t, spec), dir: t.TempDir()}
	home := filepath.Join(w.dir, "rdv")
	w.rzID = w.nodeID("rdv")
	args := []string{"--home", home, "--no-mdns", "--listen", "/ip4/0.0.0.0/tcp/4001",
		"--listen", "/ip4/0.0.0.0/udp/4001/quic-v1", "serve", "--rendezvous"}
	if relayData != "" {
		args = append(args, "--relay-data-limit", relayData)
	}
	w.rdv = w.start("rdv", args...)
	w.waitLine(w.rdv, `is serving on`)
	w.rz = "/ip4/" + w.lab.Host("rdv").Addr.String() + "/tcp/4001/p2p/" + w.rzID
	return w
}

// run runs p2psb in the test's own namespace (for commands that use no
// network) and returns its stdout.
func (w *reachWorld) run(args ...string) []byte {
	w.t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = p2psbEnv()
	out, err := cmd.Output()
	require.NoError(w.t, err, "p2psb %v", args)
	return out
}

func (w *reachWorld) start(host string, args ...string) *natlab.Proc {
	w.t.Helper()
	cmd := w.lab.Host(host).Command(context.Background(), os.Args[0], args...)
	cmd.Env = p2psbEnv()
	return natlab.Start(w.t, cmd)
}

func (w *reachWorld) waitLine(p *natlab.Proc, re string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := p.WaitLine(ctx, regexp.MustCompile(re))
	require.NoError(w.t, err, "waiting for %q: %s", re, p.Stderr())
}

// publish publishes size random bytes as a package and returns them.
func (w *reachWorld) publish(size int) []byte {
	w.t.Helper()
	data := make([]byte, size)
	_, _ = rand.Read(data)
	src := filepath.Join(w.dir, "album")
	require.NoError(w.t, os.MkdirAll(src, 0o755))
	require.NoError(w.t, os.WriteFile(filepath.Join(src, "a.bin"), data, 0o644))
	var pub struct {
		ID string `json:"id"`
	}
	out := w.run("--home", filepath.Join(w.dir, "pub"), "publish", src, "--json")
	require.NoError(w.t, json.Unmarshal(out, &pub))
	w.pkg = pub.ID
	return data
}

// serve starts the publisher on host and waits until the rendezvous
// holds its records with whatever address it can be reached at: a relayed
// one when it is behind a NAT.
func (w *reachWorld) serve(host string) {
	w.t.Helper()
	p := w.start(host, "--home", filepath.Join(w.dir, "pub"), "--no-mdns", "--log-level", "info",
		"--rendezvous-peer", w.rz, "--listen", "/ip4/0.0.0.0/tcp/4747", "--listen", "/ip4/0.0.0.0/udp/4747/quic-v1", "serve")
	w.waitLine(p, `is serving on`)
	if w.lab.Host(host).Role == natlab.Client {
		w.waitLine(p, `addresses changed; registered again.*p2p-circuit`)
	}
}

// fetch fetches the package on host and returns the summary, the whole
// output and the error.
func (w *reachWorld) fetch(host string, extra ...string) (fetchSummary, string, error) {
	return w.fetchAs("fetcher", host, extra...)
}

// fetchAs is fetch with home and target directory called after name.
func (w *reachWorld) fetchAs(name, host string, extra ...string) (fetchSummary, string, error) {
	w.t.Helper()
	p := w.startFetchAs(name, host, extra...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := p.Wait(ctx)
	out := p.Stdout() + p.Stderr()
	if err != nil {
		return fetchSummary{}, out, err
	}
	res, err := parseResult(p.Stdout())
	return res, out, err
}

func (w *reachWorld) startFetch(host string, extra ...string) *natlab.Proc {
	return w.startFetchAs("fetcher", host, extra...)
}

func (w *reachWorld) startFetchAs(name, host string, extra ...string) *natlab.Proc {
	w.t.Helper()
	args := append([]string{"--home", filepath.Join(w.dir, name), "--no-mdns", "--json",
		"--rendezvous-peer", w.rz, "fetch", w.pkg, "-o", filepath.Join(w.dir, "got-"+name), "--timeout", "30s"}, extra...)
	return w.start(host, args...)
}

// requireSame checks that the fetched file is data.
func (w *reachWorld) requireSame(data []byte) {
	w.t.Helper()
	got, err := os.ReadFile(filepath.Join(w.dir, "got-fetcher", "a.bin"))
	require.NoError(w.t, err)
	require.True(w.t, bytes.Equal(data, got), "fetched file differs")
}
