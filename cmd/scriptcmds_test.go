package cmd_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
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
//	waitfile PATH             wait (up to 60 s) until PATH exists
//	lt A B                    succeed if the integer A is less than B
//	waitout REGEXP CMD ARG... run CMD until its stdout matches REGEXP (up to 60 s)
//	jsonlogs stdout|stderr    every line of the last output is a JSON log record (time, level, msg)
//	httpget URL               GET URL (on 127.0.0.1) and put the body in stdout
//	freeport NAME             set $NAME to a TCP port of 127.0.0.1 that nothing listens on
//	slowwrite PATH N SIZE GAP append N pieces of SIZE random bytes to PATH, GAP apart (a slow writer)
func scriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"randfile":  cmdRandfile,
		"mkfifo":    cmdMkfifo,
		"grab":      cmdGrab,
		"waitsock":  cmdWaitsock,
		"waitfile":  cmdWaitfile,
		"lt":        cmdLess,
		"waitout":   cmdWaitout,
		"jsonlogs":  cmdJSONLogs,
		"httpget":   cmdHTTPGet,
		"freeport":  cmdFreeport,
		"slowwrite": cmdSlowwrite,
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
	waitFor(ts, path, func() error {
		c, err := net.Dial("unix", path)
		if err == nil {
			c.Close()
		}
		return err
	})
}

// cmdWaitfile waits for a file another process creates.
func cmdWaitfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitfile PATH")
	}
	path := ts.MkAbs(args[0])
	waitFor(ts, path, func() error { _, err := os.Stat(path); return err })
}

// waitFor polls ready until it succeeds, failing the script after 60 s.
// Polling is the only way to see another process's state change here; the
// deadline bounds it.
func waitFor(ts *testscript.TestScript, what string, ready func() error) {
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := ready()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s not ready within 60 s: %v", what, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func cmdLess(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: lt A B")
	}
	a, err := strconv.ParseInt(args[0], 10, 64)
	ts.Check(err)
	b, err := strconv.ParseInt(args[1], 10, 64)
	ts.Check(err)
	if (a < b) == neg {
		ts.Fatalf("lt %d %d is %v", a, b, a < b)
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

// cmdWaitout reruns a command until its output shows that another process
// got somewhere (a fetch recorded progress, say). REGEXP matches lines, as
// in stdout.
func cmdWaitout(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: waitout REGEXP CMD [ARG...]")
	}
	re, err := regexp.Compile("(?m)" + args[0]) // as stdout matches
	ts.Check(err)
	waitFor(ts, strings.Join(args[1:], " "), func() error {
		if err := ts.Exec(args[1], args[2:]...); err != nil {
			return err
		}
		if !re.MatchString(ts.ReadFile("stdout")) {
			return fmt.Errorf("no match for %s", args[0])
		}
		return nil
	})
}

// cmdJSONLogs checks that the last stdout or stderr holds at least one
// line and that every line is a JSON object with slog's keys.
func cmdJSONLogs(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 || (args[0] != "stdout" && args[0] != "stderr") {
		ts.Fatalf("usage: jsonlogs stdout|stderr")
	}
	lines := strings.Split(strings.TrimSpace(ts.ReadFile(args[0])), "\n")
	if len(lines) == 0 || lines[0] == "" {
		ts.Fatalf("jsonlogs: no %s", args[0])
	}
	for i, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			ts.Fatalf("jsonlogs: %s line %d is not JSON (%v): %s", args[0], i+1, err, l)
		}
		for _, k := range []string{"time", "level", "msg"} {
			if _, ok := rec[k]; !ok {
				ts.Fatalf("jsonlogs: %s line %d has no %q: %s", args[0], i+1, k, l)
			}
		}
	}
}

// cmdHTTPGet fetches a URL on the loopback address, as a scraper would.
func cmdHTTPGet(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 || !strings.HasPrefix(args[0], "http://127.0.0.1:") {
		ts.Fatalf("usage: httpget http://127.0.0.1:PORT/PATH")
	}
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(args[0])
	ts.Check(err)
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	ts.Check(err)
	if resp.StatusCode != http.StatusOK {
		ts.Fatalf("httpget %s: %s: %s", args[0], resp.Status, body)
	}
	ts.Stdout().Write(body)
}

// cmdFreeport finds a free TCP port for a script that needs a fixed one:
// the kernel picks it, and it is free again once the listener closes.
func cmdFreeport(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: freeport NAME")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	port := l.Addr().(*net.TCPAddr).Port
	ts.Check(l.Close())
	ts.Setenv(args[0], strconv.Itoa(port))
}
