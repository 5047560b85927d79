# shellcheck shell=bash
# The peers suite: p2psb against the tools people would use instead, in
# one run. One file of PEERS_MIB MiB goes from one source to one receiver
# on 127.0.0.1 with each tool, the tools' runs interleaved; then the same
# file is packaged by p2psb publish, ipfs add and mktorrent. Every copy
# is compared with the source before its figure counts, and a figure is
# written only when every run of every tool produced identical bytes.
# Sourced by run.sh after lib.sh, fetch.sh and peertools.sh.

: "${PEERS_MIB:=1024}"

# The receivers and packagers; each round runs them in its own shuffled
# order (seeded by PEERS_SEED and the round, so a run can be repeated), so
# no tool always follows the same one: a run's time depends on what the
# run before it left behind (memory freed, pages written back).
PEER_FETCHERS=(p2psb kubo croc aria2 http https)
PEER_PUBLISHERS=(p2psb kubo mktorrent)

# The source processes (spawn names) each receiver reads from. While one
# tool runs, every other tool's sources are stopped (SIGSTOP, their
# process groups), and all of them while a packager runs: idle daemons
# take CPU (kubo's and croc's relay a few per cent of a core each) from
# whatever runs beside them, and no tool should pay for another's.
declare -A PEER_SOURCES=([p2psb]=peers-seed [http]=nginx [https]=nginx [aria2]="tracker aria2-seed"
	[kubo]=kubo-src [croc]=croc-relay)

suite_peers() {
	local W="$BENCH_DIR/peers" data fetch curl curls tp lp cid kaddr ihash name
	peer_tools
	peer_need nginx curl aria2c opentracker mktorrent jq cmp /usr/bin/time
	name=$(peers_name "$RESULTS/peers-$(peers_tag)-${PEERS_MIB}m") # written only once every run has passed
	ONE_MIB=$PEERS_MIB start_one "$W" # the p2psb seeder and nginx
	read -r tp _ lp < <(start_bittorrent "$W" "$data/blob")
	ihash=$(info_hash "$W/pkg.torrent")
	kubo_repo "$W/kubo-src"
	cid=$(kubo "$W/kubo-src" add -Q "$data/blob") || die "ipfs add on the source failed"
	kubo_daemon kubo-src "$W/kubo-src"
	kaddr=$(kubo_addr "$W/kubo-src")
	[ -n "$kaddr" ] || die "the source kubo daemon has no TCP address"
	croc_relay
	{ conditions; peer_versions; } >"$W/env"
	log "peers: $PEERS_MIB MiB, $RUNS rounds (load $(cut -d' ' -f1 /proc/loadavg))"
	: >"$W/runs"
	rounds publish "${PEER_PUBLISHERS[@]}"
	rounds fetch "${PEER_FETCHERS[@]}"
	cut -d' ' -f1-3 /proc/loadavg >>"$W/env"
	peers_table "$W/runs" >"$W/md"
	mv "$W/env" "$name.env" && mv "$W/runs" "$name.txt" && mv "$W/md" "$name.md"
	cat "$name.md"
	log "peers: results in $name.{md,txt,env}"
	stop_all
	rm -rf "$W/kubo-src" "$W/kubo-get" "$W/kubo-add" "$W/f" "$W/out" # a copy each of the file
}

# peers_name BASE prints BASE, or BASE-2, BASE-3... when an earlier run
# of the same commit and size has its results there.
peers_name() {
	local n=1 name=$1
	while [ -e "$name.md" ]; do
		n=$((n + 1))
		name="$1-$n"
	done
	echo "$name"
}

# peer_need CMD... fails the suite unless every CMD is installed.
peer_need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || die "peers: $c is not installed; no figures written"
	done
}

# peers_tag prints the short commit of the binary under test, or "bin"
# when BENCH_BIN names one.
peers_tag() {
	[ "$BENCH_BIN" = "$BENCH_DIR/p2psb" ] || { echo bin; return; }
	cut -c1-7 "$BENCH_DIR/p2psb.commit"
}

# peer_versions prints the versions and settings of the other tools.
peer_versions() {
	printf 'kubo: %s (go-libp2p %s); croc: %s; mktorrent: %s\n' "$KUBO_VERSION" "$KUBO_LIBP2P" \
		"$CROC_VERSION" "$(dpkg-query -W -f '${Version}' mktorrent 2>/dev/null)"
	printf 'size: %s MiB; rounds: %s, each in its own order (PEERS_SEED %s); publish %s, then fetch %s\n' \
		"$PEERS_MIB" "$RUNS" "${PEERS_SEED:-1}" "${PEER_PUBLISHERS[*]}" "${PEER_FETCHERS[*]}"
	echo "while a tool runs, the other tools' sources are stopped (SIGSTOP)"
}

# rounds KIND TOOL... runs each TOOL once per round, RUNS rounds, each
# round in an order of its own (round_order).
rounds() {
	local kind=$1 r tool
	shift
	for r in $(seq "$RUNS"); do
		for tool in $(round_order "$r" "$@"); do
			"$kind"_run "$tool" "$r"
		done
	done
}

# round_order R TOOL... prints the TOOLs shuffled for round R: the same
# order for the same PEERS_SEED and R.
round_order() {
	local r=$1
	shift
	printf '%s\n' "$@" | shuf --random-source=<(openssl enc -aes-256-ctr -pass pass:"${PEERS_SEED:-1}-$r" \
		-nosalt -pbkdf2 </dev/zero 2>/dev/null)
}

# fetch_run TOOL R times round R of TOOL moving the file into an empty
# $W/out, keeps its peak RSS (KiB), and compares the copy.
fetch_run() {
	local tool=$1 r=$2 cmd=() kib code
	rm -rf "$W/f" "$W/out" && mkdir -p "$W/out"
	case $tool in
	p2psb) read -ra cmd <<<"$fetch" ;;
	http) read -ra cmd <<<"$curl" ;;
	https) read -ra cmd <<<"$curls" ;;
	aria2) cmd=(aria2c "${BT[@]}" --dir="$W/out" --seed-time=0 --file-allocation=falloc
		--listen-port="$lp" "$W/pkg.torrent") ;;
	kubo)
		kubo_repo "$W/kubo-get"
		kubo_daemon kubo-get "$W/kubo-get"
		kubo "$W/kubo-get" swarm connect "$kaddr" >/dev/null || die "ipfs swarm connect $kaddr failed"
		cmd=("${PEER_ENV[@]}" IPFS_PATH="$W/kubo-get" "$IPFS_BIN" get -o "$W/out/blob" "$cid") ;;
	croc)
		code="$r$RANDOM-p2psb-bench"
		croc_sender croc-send "$data/blob" "$code"
		cmd=("${PEER_ENV[@]}" CROC_SECRET="$code" "$CROC_BIN" "${CROC_ARGS[@]}" --overwrite --out "$W/out") ;;
	esac
	sync
	sources_only "$tool"
	timed_run fetch "$tool" "$r" "${cmd[@]}"
	sources_only all
	kib=$(cat "$W/rss")
	case $tool in
	kubo) kib=$(peak_kib kubo-get) && stop kubo-get ;; # the daemon receives; `ipfs get` is its client
	croc) wait_for "the croc sender to finish" gone croc-send && stop croc-send ;;
	esac
	cmp -s "$data/blob" "$W/out/blob" || die "peers: $tool, round $r: the copy differs from the source; no figures written"
	echo "fetch $tool $r $(cat "$W/secs") $kib" >>"$W/runs"
}

# publish_run TOOL R times round R of TOOL packaging the file from a
# fresh home, repository or torrent, and checks what it made: the same
# CID as the source's kubo, the same info hash as the suite's torrent.
publish_run() {
	local tool=$1 r=$2 cmd=()
	rm -rf "$W/pub" "$W/kubo-add" "$W/x.torrent"
	case $tool in
	p2psb) cmd=("$BENCH_BIN" --home "$W/pub" --json publish "$data/blob") ;;
	kubo) kubo_repo "$W/kubo-add" && cmd=("${PEER_ENV[@]}" IPFS_PATH="$W/kubo-add" "$IPFS_BIN" add -Q "$data/blob") ;;
	mktorrent) cmd=(mktorrent -l 20 -a "http://127.0.0.1:$tp/announce" -o "$W/x.torrent" "$data/blob") ;;
	esac
	sync
	sources_only none
	timed_run publish "$tool" "$r" "${cmd[@]}"
	sources_only all
	case $tool in
	p2psb) jq -e '.id | length > 0' "$W/publish-$tool.out" >/dev/null ;;
	kubo) [ "$(tail -1 "$W/publish-$tool.out")" = "$cid" ] ;;
	mktorrent) [ "$(info_hash "$W/x.torrent")" = "$ihash" ] ;;
	esac || die "peers: $tool publish, round $r: not the package it should make; no figures written"
	echo "publish $tool $r $(cat "$W/secs") $(cat "$W/rss")" >>"$W/runs"
}

# timed_run KIND TOOL R CMD... runs CMD under /usr/bin/time, its output in
# $W/KIND-TOOL.out, leaving the wall seconds in $W/secs and the peak RSS
# (KiB) in $W/rss; it fails the suite if CMD fails.
timed_run() {
	local kind=$1 tool=$2 r=$3 t0 t1
	shift 3
	t0=${EPOCHREALTIME/./}
	/usr/bin/time -f %M -o "$W/rss" "$@" >"$W/$kind-$tool.out" 2>"$W/$kind-$tool.err" ||
		die "peers: $kind $tool, round $r failed: $(tail -3 "$W/$kind-$tool.err"); no figures written"
	t1=${EPOCHREALTIME/./}
	echo "$(((t1 - t0) / 1000))" | awk '{printf "%.3f\n", $1 / 1000}' >"$W/secs"
}

# sources_only TOOL leaves running only TOOL's sources (PEER_SOURCES) and
# stops the others'; "all" continues every source, "none" stops them all.
sources_only() {
	local t name sig mine
	for t in "${!PEER_SOURCES[@]}"; do
		mine=" ${PEER_SOURCES[$1]:-} "
		for name in ${PEER_SOURCES[$t]}; do
			sig=STOP
			[ "$1" = all ] || [[ $mine == *" $name "* ]] && sig=CONT
			kill -"$sig" -- "-$(cat "$BENCH_DIR/pids/$name")" 2>/dev/null ||
				die "peers: cannot signal $name ($sig); no figures written"
		done
	done
}

# gone NAME succeeds once the process started as NAME has exited.
gone() { ! kill -0 "$(cat "$BENCH_DIR/pids/$1")" 2>/dev/null; }

# info_hash TORRENT prints the info hash of TORRENT.
info_hash() { aria2c -S "$1" | awk '/Info Hash/ {print $3}'; }

# peers_table RUNS prints the Markdown tables of suite_peers's RUNS file
# (lines "KIND TOOL ROUND SECONDS RSS_KIB"): per tool the median seconds,
# MiB/s, how many times faster p2psb is (the tool's median over
# p2psb's), the median peak RSS, every run and the command.
peers_table() {
	local f=$1 kind tool base label cmd tools
	printf '%s MiB, one source and one receiver on 127.0.0.1, %s rounds, tools interleaved; %s; load %s at the start, %s at the end.\n' \
		"$PEERS_MIB" "$RUNS" "$(sed -n 's/^p2psb: /p2psb /p' "$W/env")" \
		"$(sed -n 's/^load (1\/5\/15 min): //p' "$W/env")" "$(tail -1 "$W/env")"
	for kind in fetch publish; do
		printf '\n| %s | median | MiB/s | p2psb is faster by | peak RSS (median) | runs (s) | command |\n' \
			"$([ $kind = fetch ] && echo receiver || echo packager)"
		echo '|---|---:|---:|---:|---:|---|---|'
		base=$(column_median "$f" "$kind" p2psb 4)
		if [ $kind = fetch ]; then tools=("${PEER_FETCHERS[@]}"); else tools=("${PEER_PUBLISHERS[@]}"); fi
		for tool in "${tools[@]}"; do
			IFS=$'\t' read -r label cmd < <(peer_row "$kind" "$tool")
			awk -v tool="$tool" -v base="$base" -v mib="$PEERS_MIB" -v label="$label" -v cmd="$cmd" \
				-v med="$(column_median "$f" "$kind" "$tool" 4)" \
				-v rss="$(column_median "$f" "$kind" "$tool" 5)" -v runs="$(runs_of "$f" "$kind" "$tool")" \
				'BEGIN { ratio = tool == "p2psb" ? "" : sprintf("%.2fx", med / base)
					printf "| %s | %.3f s | %.1f | %s | %.1f MiB | %s | `%s` |\n", label, med, mib / med, ratio, rss / 1024, runs, cmd }'
		done
	done
}

# column_median FILE KIND TOOL COL prints the median of column COL over
# FILE's lines of KIND and TOOL.
column_median() {
	awk -v k="$2" -v t="$3" -v c="$4" '$1 == k && $2 == t {print $c}' "$1" | sort -g |
		awk '{a[NR] = $1} END {if (NR) print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

# runs_of FILE KIND TOOL prints TOOL's seconds in round order.
runs_of() { awk -v k="$2" -v t="$3" '$1 == k && $2 == t {printf "%s%s", sep, $4; sep = ", "}' "$1"; }

# peer_row KIND TOOL prints the name of TOOL's row, a tab, and its timed
# command in general form (the exact ones are in fetch_run and
# publish_run).
peer_row() {
	case $1/$2 in
	fetch/p2psb) printf '%s\t%s\n' "p2psb fetch" "p2psb --home NEW fetch ID --peer ADDR -o out" ;;
	fetch/kubo) printf '%s\t%s\n' "kubo from a second node (its fresh daemon, swarm-connected)" "ipfs get -o out/blob CID" ;;
	fetch/croc) printf '%s\t%s\n' "croc through a local relay" \
		"CROC_SECRET=CODE croc --relay RELAY --relay6= --pass PASS --yes --disable-clipboard --overwrite --out out" ;;
	fetch/aria2) printf '%s\t%s\n' "aria2c from aria2c (BitTorrent, opentracker)" \
		"aria2c --enable-dht=false --bt-enable-lpd=false --enable-peer-exchange=false --seed-time=0 --file-allocation=falloc pkg.torrent" ;;
	fetch/http) printf '%s\t%s\n' "curl from nginx (HTTP)" "curl -o out/blob http://127.0.0.1:PORT/blob" ;;
	fetch/https) printf '%s\t%s\n' "curl from nginx (HTTPS)" \
		"curl --tls13-ciphers TLS_AES_128_GCM_SHA256 -o out/blob https://127.0.0.1:PORT/blob" ;;
	publish/p2psb) printf '%s\t%s\n' "p2psb publish (fresh home)" "p2psb --home NEW publish blob" ;;
	publish/kubo) printf '%s\t%s\n' "kubo (fresh repository, no daemon)" "ipfs add -Q blob" ;;
	publish/mktorrent) printf '%s\t%s\n' "mktorrent" "mktorrent -l 20 -a URL -o x.torrent blob" ;;
	esac
}
