#!/usr/bin/env bash
# The one entry point of p2psb's benchmarks (README.md here):
#
#   run.sh help                list the suites and the environment they read
#   run.sh SUITE [ARGS...]     run one suite
#
# Results land in $BENCH_DIR/results; the figures quoted in the
# repository and the raw files they come from are in RESULTS.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$BENCH_ROOT/fetch.sh"
source "$BENCH_ROOT/peertools.sh"
source "$BENCH_ROOT/peers.sh"
source "$BENCH_ROOT/follow.sh"

usage() {
	cat <<'EOF'
usage: run.sh SUITE [ARGS...]

Whole-process suites (they install nginx-light, curl, aria2, opentracker,
hyperfine, mktorrent, jq, strace and openssl with apt-get, and build the
repository's HEAD commit):
  fetch       one, caps, swarm and rss in turn
  one         1 GiB, one seeder: p2psb fetch vs nginx+curl over HTTP and
              HTTPS vs aria2c seeding aria2c through opentracker
  caps        1 GiB from four seeders capped at 25 MiB/s each
  swarm       64 MiB, one seeder capped at 20 MiB/s: 1 fetcher vs 16 at once
  rss         4 GiB through a rendezvous: peak RSS, start to first verified chunk
  ticket      fetch <ticket> from a fresh home with no config: start to first
              verified chunk
  follow      a follower's daemon and a publisher's: FOLLOW_RUNS (10) new
              versions of a FOLLOW_MIB (64) MiB package, one 1 MiB file
              changed each, timed from the start of publish to the
              follower's first verified chunk of it; median in
              $BENCH_DIR/results/follow.txt
  floor       the "one" case beside tlsfloor, the bare TLS + BLAKE3 + disk
              path with no libp2p, without and with one yamux stream
  order       the "one" case's runs one at a time in the order ORDER
              (P p2psb, C curl, S curl over HTTPS, F tlsfloor, Y tlsfloor
              with yamux; default PPCC repeated RUNS times)
  profile     perf profiles of the "one" case's seeder and fetcher
  publish     publish 1 GiB vs mktorrent and sha256sum
  peers       in one run, PEERS_MIB (1 GiB) from one source to one receiver
              with p2psb fetch, kubo (ipfs get from a second node), croc
              through a local relay, aria2c through opentracker, and curl
              from nginx over HTTP and HTTPS, interleaved, every copy
              compared; before that, p2psb publish vs ipfs add vs
              mktorrent. Each receiver's peak RSS is in the table (for
              kubo, its receiving daemon's); the 4 GiB run is
              PEERS_MIB=4096 run.sh peers. Tables in
              $BENCH_DIR/results/peers-COMMIT-MIBm.md. Builds kubo and
              installs croc into $BENCH_DIR/tools once.

Go benchmarks (from the working tree; ARGS are passed on):
  rendezvous  rzbench: a rendezvous server in its own process, 8 clients
              (rzbench -sizes 10000,100000,1000000 -clients 8 -duration 10s)
  peerstore   go test -bench . over ./peerstore, against pstoremem and pstoreds
  xfer        go test -bench Transfer over ./pkgshare/xfer, RUNS invocations
  chunker     go test -bench . over ./pkgshare/chunker (cuts, SHA-256, BLAKE3)
  dht         go test -bench DHTFindProvider over ./pkgshare/node: 50 nodes, no
              rendezvous, time to the first provider, 20 searches a run
  nat         the NAT lab (root): hole-punch success over 20 attempts per NAT
              pairing, start to first verified chunk across two NATs, a
              256 MiB fetch across two NATs against two public hosts
              (TestReachFigures in ./pkgshare/internal/labtest)

Environment: RUNS (runs per measurement, default 5), BENCH_DIR (work
directory, default /tmp/p2psb-bench), BENCH_BIN (a p2psb binary to time
instead of building HEAD), ONE_MIB, SWARM_MIB, RSS_MIB (package sizes in
MiB, default 1024, 64, 4096; TICKET_MIB, default 64; PEERS_MIB, default
1024), ORDER (order), FETCH_FLAGS (extra global flags for the swarm's
fetchers), TAG (suffix of the swarm's result files), KUBO_VERSION and
CROC_VERSION (peers: v0.43.1, v10.7.0), PEERS_SEED (peers: the rounds' shuffle,
default 1), FOLLOW_RUNS and FOLLOW_MIB (follow).
EOF
}

# suite_rendezvous builds rzbench and runs it with ARGS.
suite_rendezvous() {
	(cd "$REPO" && go build -o "$BENCH_DIR/rzbench" ./pkgshare/internal/bench/rzbench)
	conditions "$(git -C "$REPO" describe --always --dirty) (working tree)" >"$RESULTS/rendezvous.env"
	"$BENCH_DIR/rzbench" "$@" | tee "$RESULTS/rendezvous.md"
	cut -d' ' -f1-3 /proc/loadavg >>"$RESULTS/rendezvous.env"
}

# gobench NAME PKG ARGS... runs go test's benchmarks of PKG with ARGS,
# saving the output as NAME.txt and the conditions as NAME.env.
gobench() {
	local name=$1 pkg=$2
	shift 2
	conditions "$(git -C "$REPO" describe --always --dirty) (working tree)" >"$RESULTS/$name.env"
	(cd "$REPO" && go test -run '^$' "$@" "$pkg") | tee "$RESULTS/$name.txt"
	cut -d' ' -f1-3 /proc/loadavg >>"$RESULTS/$name.env"
}

# suite_xfer runs BenchmarkTransfer RUNS times, one process each, so that
# its two cases alternate.
suite_xfer() {
	(cd "$REPO" && go test -c -o "$BENCH_DIR/xfer.test" ./pkgshare/xfer)
	conditions "$(git -C "$REPO" describe --always --dirty) (working tree)" >"$RESULTS/xfer.env"
	local i
	for i in $(seq "$RUNS"); do
		(cd "$REPO/pkgshare/xfer" && "$BENCH_DIR/xfer.test" -test.run '^$' -test.bench Transfer -test.benchtime 3x "$@") |
			grep '^Benchmark'
	done | tee "$RESULTS/xfer.txt"
	cut -d' ' -f1-3 /proc/loadavg >>"$RESULTS/xfer.env"
}

# suite_nat runs the NAT lab's figures test and keeps its tables.
suite_nat() {
	conditions "$(git -C "$REPO" describe --always --dirty) (working tree)" >"$RESULTS/nat.env"
	(cd "$REPO" && P2PSB_LAB_FIGURES=1 NATLAB_REQUIRE=1 go test -count=1 -timeout 30m \
		-run '^TestReachFigures$' -v ./pkgshare/internal/labtest "$@") | tee "$RESULTS/nat.txt"
	cut -d' ' -f1-3 /proc/loadavg >>"$RESULTS/nat.env"
}

main() {
	local suite=${1:-help}
	shift || true
	case $suite in
	help | -h | --help) usage; return ;;
	_reset) reset "$1"; return ;;         # swarm's hyperfine --prepare
	_fetchers) fetchers "$1" "$2"; return ;; # swarm's timed command
	esac
	mkdir -p "$BENCH_DIR/pids" "$RESULTS"
	case $suite in
	rendezvous) suite_rendezvous "$@"; return ;;
	peerstore) gobench peerstore ./peerstore -bench . -count "$RUNS" -timeout 120m "$@"; return ;;
	xfer) suite_xfer "$@"; return ;;
	chunker) gobench chunker ./pkgshare/chunker -bench . -count "$RUNS" "$@"; return ;;
	dht) gobench dht ./pkgshare/node -bench DHTFindProvider -benchtime 20x -count "$RUNS" "$@"; return ;;
	nat) suite_nat "$@"; return ;;
	fetch | one | caps | swarm | rss | ticket | floor | order | profile | publish | peers | follow) ;;
	*) usage >&2; die "no suite $suite" ;;
	esac
	trap stop_all EXIT
	prereqs
	build
	case $suite in
	fetch) suite_one; suite_caps; suite_swarm; suite_rss ;;
	*) "suite_$suite" ;;
	esac
}

main "$@"
