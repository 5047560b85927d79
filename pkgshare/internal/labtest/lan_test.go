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

// TestFetchOnLAN runs a publisher and a fetcher as real p2psb processes on
// two hosts of one network segment (network namespaces on one bridge)
// with no rendezvous and no --peer: with --no-mdns the fetch finds no
// provider; with mDNS, on by default, it finds the publisher and fetches.
func TestFetchOnLAN(t *testing.T) {
	lab := natlab.New(t, natlab.Spec{Public: []string{"alice", "bob"}})
	bin := os.Args[0]
	dir := t.TempDir()
	data := make([]byte, 3<<20)
	_, _ = rand.Read(data)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "album"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "album", "a.bin"), data, 0o644))

	publish := exec.Command(bin, "--home", filepath.Join(dir, "pub"), "publish", filepath.Join(dir, "album"), "--json")
	publish.Env = p2psbEnv()
	out, err := publish.Output()
	require.NoError(t, err)
	var pub struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(out, &pub))

	alice, bob := lab.Host("alice"), lab.Host("bob")
	serve := alice.Command(context.Background(), bin, "--home", filepath.Join(dir, "pub"), "serve")
	serve.Env = p2psbEnv()
	srv := natlab.Start(t, serve)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = srv.WaitLine(ctx, regexp.MustCompile(`is serving on`))
	require.NoError(t, err, "serve: %s", srv.Stderr())

	fetch := func(extra ...string) ([]byte, error) {
		args := append([]string{"--home", filepath.Join(dir, "fetcher"), "fetch", pub.ID,
			"-o", filepath.Join(dir, "got")}, extra...)
		cmd := bob.Command(ctx, bin, args...)
		cmd.Env = p2psbEnv()
		return cmd.CombinedOutput()
	}
	out, err = fetch("--no-mdns", "--timeout", "3s")
	require.Error(t, err, "without mDNS nothing should find the publisher: %s", out)
	require.Contains(t, string(out), "no provider")

	out, err = fetch("--timeout", "30s", "--log-level", "info")
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "found a peer on the LAN")
	got, err := os.ReadFile(filepath.Join(dir, "got", "a.bin"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, got), "fetched file differs")
}
