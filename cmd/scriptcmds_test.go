package cmd_test

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// scriptCmds are the commands scripts may use besides testscript's own:
//
//	randfile PATH SIZE SEED   write SIZE pseudo-random bytes (SIZE may end in K or M)
//	mkfifo PATH               make a named pipe
//	grab NAME REGEXP          set $NAME to REGEXP's first group in the last stdout
//	waitsock PATH             wait (up to 60 s) until a Unix socket at PATH accepts connections
func scriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"randfile": cmdRandfile,
		"mkfifo":   cmdMkfifo,
		"grab":     cmdGrab,
		"waitsock": cmdWaitsock,
	}
}

func cmdRandfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: randfile PATH SIZE SEED")
	}
	size := parseSize(ts, args[1])
	seed, err := strconv.ParseUint(args[2], 10, 64)
	ts.Check(err)
	rng := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), byte(seed >> 24)})
	data := make([]byte, size)
	_, _ = rng.Read(data)
	path := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(filepath.Dir(path), 0o755))
	ts.Check(os.WriteFile(path, data, 0o644))
}

func parseSize(ts *testscript.TestScript, s string) int64 {
	mult := int64(1)
	switch s[len(s)-1] {
	case 'K':
		mult, s = 1<<10, s[:len(s)-1]
	case 'M':
		mult, s = 1<<20, s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	ts.Check(err)
	return n * mult
}

func cmdMkfifo(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: mkfifo PATH")
	}
	ts.Check(syscall.Mkfifo(ts.MkAbs(args[0]), 0o644))
}

func cmdGrab(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: grab NAME REGEXP")
	}
	re, err := regexp.Compile(args[1])
	ts.Check(err)
	m := re.FindStringSubmatch(ts.ReadFile("stdout"))
	if len(m) < 2 {
		ts.Fatalf("grab: no match for %s in stdout", args[1])
	}
	ts.Setenv(args[0], m[1])
}

// cmdWaitsock waits for a daemon's control socket: serve opens it once the
// node is up and announced.
func cmdWaitsock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitsock PATH")
	}
	path := ts.MkAbs(args[0])
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.Dial("unix", path)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("waitsock: %s did not open within 60 s: %v", path, err)
		}
		time.Sleep(20 * time.Millisecond) // polling a socket; the deadline bounds it
	}
}

// scriptCondition adds [root]: true when the test runs as root, who reads
// any file unless its DAC capabilities are dropped (see publish_bad.txtar).
func scriptCondition(cond string) (bool, error) {
	if cond == "root" {
		return os.Geteuid() == 0, nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}
