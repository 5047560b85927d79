# shellcheck shell=bash
# The other peer-to-peer tools the peers suite times p2psb against, and
# their daemons: kubo (IPFS) and croc, built from the Go module proxy into
# $BENCH_DIR/tools, one binary per version, so that a rerun skips the
# build. Sourced by run.sh after lib.sh.

: "${KUBO_VERSION:=v0.43.1}" "${CROC_VERSION:=v10.7.0}"
TOOLS="$BENCH_DIR/tools"
CROC_BIN="$TOOLS/croc-$CROC_VERSION"
# RELAY_PASS is the croc relay's password; croc's code phrases go in
# CROC_SECRET, as croc requires on Linux.
RELAY_PASS=p2psb-bench

# KUBO_LIBP2P is the go-libp2p release kubo is built with. kubo v0.43.1
# replaces go-libp2p with a fork that exists only to require quic-go
# v0.62.0 and webtransport-go v0.13.0 (its go.mod says so), and the
# module proxy does not serve that fork; go-libp2p v0.50.0 requires
# exactly those two.
: "${KUBO_LIBP2P:=v0.50.0}"
IPFS_BIN="$TOOLS/ipfs-$KUBO_VERSION-libp2p-$KUBO_LIBP2P"

# kubo_build builds $IPFS_BIN unless it exists. kubo's go.mod has
# replace directives, so `go install` refuses it: the module is
# downloaded, copied somewhere writable, and ./cmd/ipfs built there,
# with go-libp2p's replace swapped for $KUBO_LIBP2P.
kubo_build() {
	[ -x "$IPFS_BIN" ] && return
	local dir src
	log "building kubo $KUBO_VERSION (once; cached as $IPFS_BIN)"
	dir=$(cd "$TOOLS" && go mod download -json "github.com/ipfs/kubo@$KUBO_VERSION" | jq -r .Dir) ||
		die "cannot download kubo $KUBO_VERSION"
	src="$TOOLS/kubo-src"
	rm -rf "$src" && cp -r "$dir" "$src" && chmod -R u+w "$src"
	(cd "$src" && go mod edit -dropreplace github.com/libp2p/go-libp2p \
		-require "github.com/libp2p/go-libp2p@$KUBO_LIBP2P" && go mod download github.com/libp2p/go-libp2p) ||
		die "cannot pin kubo's go-libp2p to $KUBO_LIBP2P"
	(cd "$src" && GOFLAGS=-mod=mod go build -trimpath -o "$IPFS_BIN.tmp" ./cmd/ipfs) || die "cannot build kubo $KUBO_VERSION"
	mv "$IPFS_BIN.tmp" "$IPFS_BIN"
	rm -rf "$src"
}

# croc_build installs croc's release module as $CROC_BIN unless it exists.
croc_build() {
	[ -x "$CROC_BIN" ] && return
	log "installing croc $CROC_VERSION (once; cached as $CROC_BIN)"
	mkdir -p "$TOOLS/gobin"
	GOBIN="$TOOLS/gobin" go install "github.com/schollz/croc/v10@$CROC_VERSION" || die "cannot install croc $CROC_VERSION"
	mv "$TOOLS/gobin/croc" "$CROC_BIN"
}

# peer_tools makes sure both binaries exist and are the versions asked for.
peer_tools() {
	mkdir -p "$TOOLS"
	kubo_build
	croc_build
	"$IPFS_BIN" version | grep -qF " ${KUBO_VERSION#v}" || die "$IPFS_BIN is not kubo $KUBO_VERSION"
	"$CROC_BIN" --version | grep -qF " ${CROC_VERSION#v}" || die "$CROC_BIN is not croc $CROC_VERSION"
}

# Every kubo and croc process the suite starts sees only these: no
# telemetry, and a private HOME, so no remembered croc settings leak in
# and nothing is written to the caller's.
PEER_ENV=(env IPFS_TELEMETRY=off HOME="$BENCH_DIR/peers-home")

# kubo DIR ARGS... runs kubo on the repository DIR.
kubo() { local dir=$1; shift; "${PEER_ENV[@]}" IPFS_PATH="$dir" "$IPFS_BIN" "$@"; }

# kubo_repo DIR makes a fresh kubo repository in DIR that reaches no one
# by itself: the test profile (API, gateway and swarm on 127.0.0.1 with
# ports the kernel picks, no bootstrap peers, no mDNS, no AutoConf) and
# no routing at all (no DHT, no delegated routers), so blocks come only
# from peers it was told to connect to. Everything else, the datastore
# (flatfs) and the import settings included, is kubo's default.
kubo_repo() {
	rm -rf "$1"
	kubo "$1" init --profile test >/dev/null || die "ipfs init $1 failed"
	kubo "$1" config Routing.Type none || die "ipfs config $1 failed"
}

# kubo_daemon NAME DIR starts the daemon of repository DIR as NAME and
# waits until its API answers.
kubo_daemon() {
	spawn "$1" "${PEER_ENV[@]}" IPFS_PATH="$2" "$IPFS_BIN" daemon
	wait_for "$1 to be ready" kubo_ready "$1"
}

# kubo_ready NAME succeeds once daemon NAME says it is ready, and fails
# the script if it has exited.
kubo_ready() {
	grep -q '^Daemon is ready' "$BENCH_DIR/$1.log" && return 0
	kill -0 "$(cat "$BENCH_DIR/pids/$1")" 2>/dev/null || die "$1 exited: $(tail -3 "$BENCH_DIR/$1.log")"
	return 1
}

# kubo_addr DIR prints the TCP address (with /p2p/ID) the running
# daemon of DIR listens on.
kubo_addr() { kubo "$1" swarm addrs local --id | awk '/\/tcp\// && !n++'; }

# peak_kib NAME prints the peak resident set (VmHWM, KiB) of the running
# process started as NAME.
peak_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$(cat "$BENCH_DIR/pids/$1")/status"; }

# croc_relay starts `croc relay` with the password RELAY_PASS on five
# free ports (one for control, four for the transfer), and sets
# CROC_RELAY to its address on 127.0.0.1 and CROC_ARGS to the options
# both croc ends share. (croc listens on 0.0.0.0 when told 127.0.0.1.)
croc_relay() {
	local base
	while :; do
		base=$(free_port)
		! port_busy $((base + 1)) && ! port_busy $((base + 2)) &&
			! port_busy $((base + 3)) && ! port_busy $((base + 4)) && break
	done
	spawn croc-relay "${PEER_ENV[@]}" "$CROC_BIN" --pass "$RELAY_PASS" relay --host 127.0.0.1 \
		--ports "$base,$((base + 1)),$((base + 2)),$((base + 3)),$((base + 4))"
	CROC_RELAY=127.0.0.1:$base
	# The options both croc ends share: this relay only (no IPv6 relay;
	# croc would try its public one first), its password, no prompts.
	CROC_ARGS=(--relay "$CROC_RELAY" --relay6= --pass "$RELAY_PASS" --yes --disable-clipboard)
	wait_for "the croc relay" port_busy "$base"
}

# port_busy PORT succeeds if something listens on 127.0.0.1:PORT.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }


# croc_sender NAME FILE CODE starts `croc send` of FILE as NAME with
# code CODE through the local relay only (--no-local: no relay of its
# own, no multicast), and waits until it has hashed FILE and offers it.
croc_sender() {
	spawn "$1" "${PEER_ENV[@]}" CROC_SECRET="$3" "$CROC_BIN" "${CROC_ARGS[@]}" send --no-local "$2"
	wait_for "$1 to offer $2" croc_offering "$1"
}

# croc_offering NAME succeeds once croc sender NAME prints its code, and
# fails the script if it has exited.
croc_offering() {
	grep -q '^Code is' "$BENCH_DIR/$1.log" && return 0
	kill -0 "$(cat "$BENCH_DIR/pids/$1")" 2>/dev/null || die "$1 exited: $(tail -3 "$BENCH_DIR/$1.log")"
	return 1
}
