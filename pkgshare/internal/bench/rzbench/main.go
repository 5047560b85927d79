// Command rzbench measures a rendezvous server: it starts one (as a child
// process, so that the RSS it reports is the server's alone) on 127.0.0.1 TCP
// with a SQLite file on disk, pre-fills it with registrations, then runs
// concurrent clients, each with its own libp2p host, doing REGISTER and then
// DISCOVER for a fixed time, and prints a Markdown table row per size.
//
//	pkgshare/internal/bench/run.sh rendezvous [-sizes 10000,100000,1000000 -clients 8 -duration 10s]
//
// It is a tool, not a test: go test does not run it. Figures and method:
// rendezvous/BENCHMARKS.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"
)

type options struct {
	sizes    []int
	clients  int
	duration time.Duration
	dir      string
	limit    int
}

func main() {
	serve := flag.Bool("serve", false, "internal: run the server process")
	dbPath := flag.String("db", "", "internal: database of the server process")
	prefill := flag.Int("prefill", 0, "internal: registrations to pre-fill")
	sizes := flag.String("sizes", "10000,100000,1000000", "registrations held, comma-separated")
	clients := flag.Int("clients", 8, "concurrent clients")
	duration := flag.Duration("duration", 10*time.Second, "time per phase (REGISTER, DISCOVER)")
	dir := flag.String("dir", os.TempDir(), "directory for the database files")
	limit := flag.Int("limit", 100, "DISCOVER limit")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var err error
	if *serve {
		err = runServer(ctx, *dbPath, *prefill)
	} else {
		opts := options{clients: *clients, duration: *duration, dir: *dir, limit: *limit}
		if opts.sizes, err = parseSizes(*sizes); err == nil {
			err = run(ctx, opts)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "rzbench:", err)
		os.Exit(1)
	}
}

func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("bad size %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func run(ctx context.Context, o options) error {
	fmt.Printf("| held | REGISTER/s | REGISTER p50 | REGISTER p99 | DISCOVER/s | DISCOVER p50 | DISCOVER p99 | server VmHWM | pre-fill |\n")
	fmt.Printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, size := range o.sizes {
		row, err := measure(ctx, o, size)
		if err != nil {
			return fmt.Errorf("%d registrations: %w", size, err)
		}
		fmt.Println(row)
	}
	return nil
}
