# shellcheck shell=bash
# Shared pieces of the benchmarks: prerequisites, the binary, test data,
# starting and stopping the daemons the benchmarks time against, and
# recording results. Sourced by run.sh; every process started here is
# recorded by PID in $BENCH_DIR/pids and stopped by that PID only.

: "${BENCH_DIR:=/tmp/p2psb-bench}"
: "${RUNS:=5}"
# Package sizes in MiB (smaller ones make a quick trial run).
: "${ONE_MIB:=1024}" "${SWARM_MIB:=64}" "${RSS_MIB:=4096}" "${TICKET_MIB:=64}"
BENCH_BIN="${BENCH_BIN:-$BENCH_DIR/p2psb}"
FLOOR_BIN="$BENCH_DIR/tlsfloor" # built by fetch.sh's start_floors
RESULTS="$BENCH_DIR/results"
BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_ROOT/../../.." && pwd)"

# The benchmarks set every p2psb option on the command line; nothing may
# leak in from the caller's environment.
for v in "${!P2PSB_@}"; do unset "$v"; done

log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# prereqs installs the tools the benchmarks run (Debian packages).
prereqs() {
	local want=(nginx:nginx-light curl:curl aria2c:aria2 opentracker:opentracker
		hyperfine:hyperfine mktorrent:mktorrent jq:jq strace:strace openssl:openssl)
	local missing=()
	for w in "${want[@]}"; do
		command -v "${w%%:*}" >/dev/null || missing+=("${w#*:}")
	done
	[ -x /usr/bin/time ] || missing+=(time)
	[ ${#missing[@]} -eq 0 ] && return
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 ||
		{ apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; }
}

# build builds the binary from the repository's HEAD commit (exported
# with git archive, so uncommitted work in the tree is not measured),
# unless BENCH_BIN names a binary.
build() {
	mkdir -p "$BENCH_DIR" "$RESULTS"
	if [ "$BENCH_BIN" = "$BENCH_DIR/p2psb" ]; then
		local src="$BENCH_DIR/src"
		log "building $BENCH_BIN from $REPO at $(git -C "$REPO" rev-parse --short HEAD)"
		rm -rf "$src" && mkdir -p "$src"
		git -C "$REPO" archive HEAD | tar -x -C "$src"
		(cd "$src" && go build -o "$BENCH_BIN" .)
		git -C "$REPO" rev-parse HEAD >"$BENCH_DIR/p2psb.commit"
	fi
	[ -x "$BENCH_BIN" ] || die "no binary at $BENCH_BIN"
}

# p2psb runs the binary under test.
p2psb() { "$BENCH_BIN" "$@"; }

# mkdata MIB makes a directory holding one file, blob, of MIB MiB of
# random (incompressible) bytes, and prints the directory.
mkdata() {
	local dir="$BENCH_DIR/data/${1}m" bytes=$(($1 << 20))
	mkdir -p "$dir"
	if [ "$(stat -c %s "$dir/blob" 2>/dev/null)" != "$bytes" ]; then
		log "writing $1 MiB of random data to $dir/blob"
		head -c "$bytes" /dev/urandom >"$dir/blob.tmp" && mv "$dir/blob.tmp" "$dir/blob"
	fi
	chmod 755 "$BENCH_DIR" "$BENCH_DIR/data" "$dir"
	chmod 644 "$dir/blob"
	echo "$dir"
}

# free_port prints a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}

# spawn NAME CMD... starts CMD in the background, detached from our
# stdio, logging to $BENCH_DIR/NAME.log, and records its PID.
spawn() {
	local name=$1
	shift
	: >"$BENCH_DIR/$name.log" # before ready() may read it
	setsid "$@" >>"$BENCH_DIR/$name.log" 2>&1 </dev/null &
	echo "$!" >"$BENCH_DIR/pids/$name"
}

# stop NAME sends SIGTERM to the process spawn started as NAME, and
# SIGCONT in case a suite had stopped it, and waits for it (SIGKILL after
# 10 s).
stop() {
	local f="$BENCH_DIR/pids/$1" pid i
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	rm -f "$f"
	kill -TERM "$pid" 2>/dev/null || return 0
	kill -CONT -- "-$pid" 2>/dev/null || kill -CONT "$pid" 2>/dev/null || true
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

# stop_all stops every process this benchmark started.
stop_all() {
	local f
	for f in "$BENCH_DIR"/pids/*; do
		[ -e "$f" ] && stop "$(basename "$f")"
	done
	return 0
}

# wait_for DESC CMD... polls CMD every 0.1 s for up to 30 s.
wait_for() {
	local desc=$1 i
	shift
	for i in $(seq 300); do
		"$@" 2>/dev/null && return 0
		sleep 0.1
	done
	die "timed out waiting for $desc"
}

# ready_addr NAME prints the first TCP address of a serve started with
# --json as NAME, once it is ready.
ready_addr() {
	wait_for "$1 to be ready" ready "$1"
	grep '"event":"ready"' "$BENCH_DIR/$1.log" | jq -r '[.addrs[]|select(contains("/tcp/"))][0]'
}

# ready NAME succeeds once the serve started as NAME is ready, and fails
# the script if it has exited.
ready() {
	grep -q '"event":"ready"' "$BENCH_DIR/$1.log" && return 0
	kill -0 "$(cat "$BENCH_DIR/pids/$1")" 2>/dev/null || die "$1 exited: $(tail -3 "$BENCH_DIR/$1.log")"
	return 1
}

# start_rz HOME PORT starts a rendezvous node on 127.0.0.1:PORT and sets
# RZ to its address.
start_rz() {
	spawn rz "$BENCH_BIN" --home "$1" --json serve --rendezvous --listen "/ip4/127.0.0.1/tcp/$2"
	RZ=$(ready_addr rz)
}

# start_seeder NAME HOME [serve flags...] starts a seeder of HOME's library
# on an ephemeral 127.0.0.1 port and prints its address.
start_seeder() {
	local name=$1 home=$2
	shift 2
	local rz=()
	[ -n "${RZ:-}" ] && rz=(--rendezvous-peer "$RZ")
	spawn "$name" "$BENCH_BIN" --home "$home" "${rz[@]}" --json serve --listen /ip4/127.0.0.1/tcp/0 "$@"
	ready_addr "$name"
}

# publish HOME DIR publishes DIR in HOME and prints the package ID.
publish() {
	"$BENCH_BIN" --home "$1" --json publish "$2" | jq -r .id
}

# conditions [WHAT] prints the machine state a table was measured under:
# WHAT names the code measured (default: the binary under test), and the
# tools' versions follow when the whole-process tools are installed.
conditions() {
	printf 'date: %s\n' "$(date -u +%FT%TZ)"
	printf 'load (1/5/15 min): %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
	printf 'cpu: %s x %s\n' "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
	printf 'p2psb: %s\n' "${1:-$(cat "$BENCH_DIR/p2psb.commit" 2>/dev/null || echo "$BENCH_BIN")}"
	printf 'go: %s\n' "$(go version 2>/dev/null | cut -d' ' -f3)"
	command -v hyperfine >/dev/null || return 0
	printf 'nginx: %s; curl: %s; aria2: %s; opentracker: %s; hyperfine: %s\n' \
		"$(nginx -v 2>&1 | cut -d/ -f2)" "$(curl --version | head -1 | cut -d' ' -f2)" \
		"$(aria2c --version | head -1 | cut -d' ' -f3)" \
		"$(dpkg-query -W -f '${Version}' opentracker 2>/dev/null)" "$(hyperfine --version | cut -d' ' -f2)"
}

# hf NAME ARGS... runs hyperfine, exporting NAME.json and NAME.md to the
# results directory and saving the conditions beside them.
hf() {
	local name=$1
	shift
	conditions >"$RESULTS/$name.env"
	log "hyperfine $name (load $(cut -d' ' -f1 /proc/loadavg))"
	hyperfine --style basic --export-json "$RESULTS/$name.json" --export-markdown "$RESULTS/$name.md" "$@" |
		tee "$RESULTS/$name.txt"
	cut -d' ' -f1-3 /proc/loadavg >>"$RESULTS/$name.env"
}

# median FILE.json INDEX prints the median seconds of a hyperfine result.
median() { jq -r ".results[$2].median" "$1"; }
