//go:build linux

package labtest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/p2psb/p2psb/pkgshare/internal/natlab"
)

// figuresEnv turns TestReachFigures on; it runs for minutes, so plain
// test runs skip it.
const figuresEnv = "P2PSB_LAB_FIGURES"

// TestReachFigures measures, in the NAT lab, what README quotes: how often
// hole punching makes a direct connection per NAT pairing, the time from
// starting a fetch to its first verified chunk across two NATs, and the
// throughput of a large fetch across two NATs against the same fetch
// between two public hosts of the lab. It prints markdown tables.
// P2PSB_LAB_ATTEMPTS (20) and P2PSB_LAB_MIB (256; 0: no throughput)
// change the sizes; P2PSB_LAB_EIM_ONLY=1 measures the EIM pairing alone.
func TestReachFigures(t *testing.T) {
	if os.Getenv(figuresEnv) != "1" {
		t.Skipf("set %s=1 to measure (takes minutes)", figuresEnv)
	}
	attempts := envInt(t, "P2PSB_LAB_ATTEMPTS", 20)
	mib := envInt(t, "P2PSB_LAB_MIB", 256)
	var report strings.Builder
	report.WriteString("| publisher's NAT | fetcher's NAT | direct connections | median start to first verified chunk |\n|---|---|---|---|\n")
	pairs := [][2]natlab.Mapping{{eim, eim}, {eim, edm}, {edm, eim}, {edm, edm}}
	if os.Getenv("P2PSB_LAB_EIM_ONLY") == "1" {
		pairs = pairs[:1]
	}
	var failures strings.Builder
	for _, pair := range pairs {
		direct, firsts, why := punchAttempts(t, pair, attempts)
		for reason, n := range why {
			fmt.Fprintf(&failures, "- %s / %s, %d times: %s\n", pair[0], pair[1], n, reason)
		}
		first := "-"
		if len(firsts) > 0 {
			first = median(firsts).Round(time.Millisecond).String()
		}
		fmt.Fprintf(&report, "| %s | %s | %d of %d (%.0f %%) | %s |\n", pair[0], pair[1], direct, attempts,
			100*float64(direct)/float64(attempts), first)
	}
	if failures.Len() > 0 {
		report.WriteString("\nWhy the other attempts got no direct connection:\n" + failures.String())
	}
	if mib == 0 {
		t.Log("\n" + report.String())
		return
	}
	natted := throughput(t, reachSpec(eim, eim), "alice", "bob", mib)
	public := throughput(t, reachSpec(eim, eim), "carol", "dave", mib)
	fmt.Fprintf(&report, "\n| %d MiB fetch | median MB/s | median s |\n|---|---|---|\n", mib)
	for _, r := range []struct {
		what string
		d    time.Duration
	}{{"across two EIM NATs (alice to bob)", natted}, {"between two public hosts, no NAT (carol to dave)", public}} {
		fmt.Fprintf(&report, "| %s | %.0f | %.2f |\n", r.what, float64(mib<<20)/r.d.Seconds()/1e6, r.d.Seconds())
	}
	fmt.Fprintf(&report, "\nacross NATs / no NAT: %.2fx\n", public.Seconds()/natted.Seconds())
	t.Log("\n" + report.String())
}

// punchAttempts fetches a one-chunk package from a publisher behind the
// first NAT to a fetcher behind the second, attempts times, each in a lab
// of its own (a fresh rendezvous, publisher and fetcher: new node keys and
// NAT mappings, and none of libp2p's limits per IP address carried over
// from the attempt before). It returns how many got their chunks over a
// direct connection, the time from starting the fetch process to its
// first verified chunk for those, and the reasons of the others. Where
// hole punching works the attempts run one at a time, so that the times
// are not crowded; elsewhere each waits out the direct wait, so they run
// ten at a time.
func punchAttempts(t *testing.T, pair [2]natlab.Mapping, attempts int) (direct int, firsts []time.Duration, why map[string]int) {
	parallel := 1
	if pair[0] == edm || pair[1] == edm {
		parallel = 10
	}
	var mu sync.Mutex
	why = map[string]int{}
	for i := 0; i < attempts; i += parallel {
		t.Run(fmt.Sprintf("%s-%s-%d", pair[0], pair[1], i), func(t *testing.T) {
			for j := i; j < min(i+parallel, attempts); j++ {
				t.Run(strconv.Itoa(j), func(t *testing.T) {
					if parallel > 1 {
						t.Parallel()
					}
					w := newReachWorld(t, reachSpec(pair[0], pair[1]), "")
					w.publish(256 << 10)
					w.serve("alice")
					start := time.Now()
					res, out, err := w.fetch("bob")
					mu.Lock()
					defer mu.Unlock()
					if err != nil || res.RelayedBytes != 0 {
						why[failureReason(out, err)]++
						return
					}
					direct++
					if res.FirstChunkAt != nil {
						firsts = append(firsts, res.FirstChunkAt.Sub(start))
					}
				})
			}
		})
	}
	return direct, firsts, why
}

// failureReason is the gist of a failed fetch: its error message,
// without IDs and numbers that differ from one attempt to the next.
func failureReason(out string, err error) string {
	if err == nil {
		return "the chunks came through the relay"
	}
	last := out
	if i := strings.LastIndex(out, "p2psb: "); i >= 0 {
		last = out[i:]
	}
	last = strings.Join(strings.Fields(last), " ")
	last = regexp.MustCompile(`12D3KooW[1-9A-HJ-NP-Za-km-z]+|ver_[a-z0-9]+|[0-9]+(\.[0-9]+)?(ms|s)\b`).ReplaceAllString(last, "…")
	if len(last) > 1500 {
		last = last[:1500] + "…"
	}
	return last
}

// throughput fetches mib MiB from host from to host to three times, each
// time into a fresh home, and returns the median duration of the fetch
// process.
func throughput(t *testing.T, spec natlab.Spec, from, to string, mib int) time.Duration {
	spec.Public = append(spec.Public, "dave")
	w := newReachWorld(t, spec, "")
	w.publish(mib << 20)
	w.serve(from)
	var ds []time.Duration
	for i := range 3 {
		start := time.Now()
		res, out, err := w.fetchAs(fmt.Sprintf("big%d", i), to)
		require.NoError(t, err, "%s", out)
		require.Zero(t, res.RelayedBytes)
		ds = append(ds, time.Since(start))
		require.NoError(t, os.RemoveAll(filepath.Join(w.dir, fmt.Sprintf("got-big%d", i))))
	}
	return median(ds)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func envInt(t *testing.T, key string, def int) int {
	t.Helper()
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	require.NoError(t, err, key)
	return n
}
