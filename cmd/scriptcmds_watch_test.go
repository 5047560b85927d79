package cmd_test

import (
	"crypto/rand"
	"os"
	"strconv"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdSlowwrite plays a program that writes a file slowly: the pause
// between pieces is the behaviour under test (a watcher must not publish
// the file half-written), not a wait for another process.
func cmdSlowwrite(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 4 {
		ts.Fatalf("usage: slowwrite PATH N SIZE GAP")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	size := parseSize(ts, args[2])
	gap, err := time.ParseDuration(args[3])
	ts.Check(err)
	f, err := os.OpenFile(ts.MkAbs(args[0]), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	ts.Check(err)
	defer f.Close()
	piece := make([]byte, size)
	for i := 0; i < n; i++ {
		if i > 0 {
			time.Sleep(gap)
		}
		_, _ = rand.Read(piece)
		_, err := f.Write(piece)
		ts.Check(err)
	}
	ts.Check(f.Close())
}
