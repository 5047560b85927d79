package peerstore

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	"github.com/stretchr/testify/require"
)

// crashEnv names the database a crash child writes to; crashStartEnv the
// first peer number it writes.
const (
	crashEnv      = "P2PSB_PEERSTORE_CRASH_DB"
	crashStartEnv = "P2PSB_PEERSTORE_CRASH_START"
)

func crashPeer(i int) peer.ID { return peer.ID(fmt.Sprintf("crash-peer-%07d", i)) }

func crashAddr(i int) ma.Multiaddr {
	return ma.StringCast(fmt.Sprintf("/ip4/10.%d.%d.%d/tcp/%d", i>>16&255, i>>8&255, i&255, 1000+i%50000))
}

// TestCrashChild is the child process of TestCrashSIGKILL: it writes
// forever and prints "flushed N" after each Flush that committed peers up
// to N. It does nothing in a normal test run.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("only run as the child of TestCrashSIGKILL")
	}
	start, err := strconv.Atoi(os.Getenv(crashStartEnv))
	require.NoError(t, err)
	s, err := Open(path, Options{FlushInterval: 2 * time.Millisecond})
	require.NoError(t, err)
	for i := start; ; i++ {
		p := crashPeer(i)
		s.AddAddr(p, crashAddr(i), time.Hour)
		require.NoError(t, s.SetProtocols(p, "/crash/1"))
		s.MarkWorking(p, crashAddr(i))
		if i%50 == 0 {
			require.NoError(t, s.Flush())
			fmt.Printf("flushed %d\n", i)
		}
	}
}

// TestCrashSIGKILL kills a writing child process at random points and
// checks after each kill that the database is intact and holds every
// write flushed before it.
func TestCrashSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "crash.db")
	flushed := -1
	for round := range 12 {
		start := flushed + 1
		flushed = crashRound(t, exe, path, start, round)
		require.GreaterOrEqual(t, flushed, start, "round %d flushed nothing", round)
		checkCrashDB(t, path, flushed)
		t.Logf("round %d: killed after peer %d was flushed", round, flushed)
	}
}

// crashRound runs a child until it has reported a random number of flushes
// and a random moment more, SIGKILLs it, and returns the last peer number
// it reported flushed.
func crashRound(t *testing.T, exe, path string, start, round int) int {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path, crashStartEnv+"="+strconv.Itoa(start))
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	lines := make(chan int)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if n, ok := strings.CutPrefix(sc.Text(), "flushed "); ok {
				v, _ := strconv.Atoi(n)
				lines <- v
			}
		}
	}()
	want := 1 + rand.IntN(4)
	last := -1
	for range want {
		select {
		case v, ok := <-lines:
			require.True(t, ok, "round %d: child stopped early", round)
			last = v
		case <-ctx.Done():
			t.Fatalf("round %d: no flush reported", round)
		}
	}
	// A random point during the following writes and commits.
	kill := time.After(time.Duration(rand.IntN(3000)) * time.Microsecond)
	for waiting := true; waiting; {
		select {
		case v, ok := <-lines:
			if ok {
				last = v
			}
		case <-kill:
			waiting = false
		}
	}
	require.NoError(t, cmd.Process.Kill())
	for v := range lines {
		last = v // lines printed before the kill
	}
	_ = cmd.Wait()
	return last
}

// checkCrashDB reopens the database: integrity_check passes and peers up
// to flushed are there.
func checkCrashDB(t *testing.T, path string, flushed int) {
	s, err := Open(path, Options{})
	require.NoError(t, err)
	defer s.Close()
	var res string
	require.NoError(t, s.db.QueryRow(`PRAGMA integrity_check`).Scan(&res))
	require.Equal(t, "ok", res)
	for i := 0; i <= flushed; i++ {
		p := crashPeer(i)
		require.Equal(t, []ma.Multiaddr{crashAddr(i)}, s.Addrs(p), "peer %d of %d flushed", i, flushed)
		protos, err := s.GetProtocols(p)
		require.NoError(t, err)
		require.Len(t, protos, 1)
	}
}
