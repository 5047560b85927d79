# shellcheck shell=bash
# The whole-process benchmarks of `p2psb fetch` (and of publish): one
# function suite_NAME per suite, run through run.sh (`run.sh help`).
# Figures and conditions: RESULTS.md.

# BT are the aria2c options both BitTorrent peers share: tracker only
# (no DHT, LPD or PEX), IPv4, quiet.
BT=(--enable-dht=false --enable-dht6=false --bt-enable-lpd=false --enable-peer-exchange=false
	--disable-ipv6=true --summary-interval=0 --console-log-level=warn --enable-color=false)

suite_one() {
	local W="$BENCH_DIR/one" data fetch curl curls
	start_one "$W"
	local tp sp lp
	read -r tp sp lp < <(start_bittorrent "$W" "$data/blob")
	local aria="aria2c ${BT[*]} --dir=$W/out --seed-time=0 --file-allocation=falloc --listen-port=$lp $W/pkg.torrent"
	check_copies "$W" "$data" "$fetch" "mkdir -p $W/out && $curl" "$aria" "mkdir -p $W/out && $curls"
	hf_fetch one "$W" "nginx+curl=$curl" "aria2c+aria2c=$aria" "nginx+curl, https=$curls"
	stop_all
}

# hf_fetch NAME W LABEL=CMD... runs hyperfine NAME over $fetch (named
# "p2psb fetch", from a fresh home) and each CMD (named LABEL), every run
# into an empty W/out.
hf_fetch() {
	local name=$1 W=$2 c args=()
	shift 2
	for c in "$@"; do
		args+=(--prepare "rm -rf $W/out; mkdir -p $W/out; sync" -n "${c%%=*}" "${c#*=}")
	done
	hf "$name" --runs "$RUNS" --prepare "rm -rf $W/f $W/out; sync" -n "p2psb fetch" "$fetch" "${args[@]}"
}

# start_one W makes W afresh, publishes the "one" case's data in W/seed,
# starts its seeder and nginx, and sets data (the data's directory),
# fetch, curl and curls (curl over HTTPS) to the commands the case times.
# The caller declares the four local: bash's dynamic scope hands them back.
start_one() {
	local W=$1 id addr np ns
	data=$(mkdata "$ONE_MIB")
	rm -rf "$W" && mkdir -p "$W"
	id=$(publish "$W/seed" "$data")
	addr=$(start_seeder "$(basename "$W")-seed" "$W/seed")
	read -r np ns < <(start_nginx "$W" "$data")
	fetch="$BENCH_BIN --home $W/f fetch $id --peer $addr -o $W/out"
	curl="curl -sSf -o $W/out/blob http://127.0.0.1:$np/blob"
	curls="curl -sSf $(curl_tls "$W") -o $W/out/blob https://127.0.0.1:$ns/blob"
}

# check_copies W DATA CMD... runs each command once, from a fresh W/f and
# W/out, and fails unless it leaves W/out/blob equal to DATA/blob.
check_copies() {
	local W=$1 data=$2 c
	shift 2
	for c in "$@"; do
		rm -rf "$W/f" "$W/out"
		sh -c "$c" >/dev/null
		cmp "$data/blob" "$W/out/blob" || die "$c: the copy differs"
	done
}

# suite_floor times the "one" case's p2psb fetch and curl beside tlsfloor
# (a file sent over TLS 1.3 on TCP and BLAKE3-hashed by the receiver, no
# libp2p; see tlsfloor/main.go), without and with one yamux stream, to
# show what the cipher, the hash and the multiplexer cost on their own.
suite_floor() {
	local W="$BENCH_DIR/floor" data fetch curl curls
	start_one "$W"
	local fa fy size
	read -r fa fy < <(start_floors "$data/blob")
	size=$(stat -c %s "$data/blob")
	local tf="$FLOOR_BIN fetch $fa $size $W/out/blob" ty="$FLOOR_BIN fetch -yamux $fy $size $W/out/blob"
	check_copies "$W" "$data" "$fetch" "mkdir -p $W/out && $curl" "mkdir -p $W/out && $curls" \
		"mkdir -p $W/out && $tf" "mkdir -p $W/out && $ty"
	hf_fetch floor "$W" "nginx+curl=$curl" "nginx+curl, https=$curls" "tlsfloor=$tf" "tlsfloor, yamux=$ty"
	stop_all
}

# start_floors FILE builds tlsfloor (from the working tree) as
# $FLOOR_BIN, starts its two servers of FILE, plain and -yamux, and
# prints their addresses.
start_floors() {
	(cd "$REPO" && go build -o "$FLOOR_BIN" ./pkgshare/internal/bench/tlsfloor) || die "cannot build tlsfloor"
	spawn floor "$FLOOR_BIN" serve "$1"
	spawn floor-yamux "$FLOOR_BIN" serve -yamux "$1"
	wait_for tlsfloor test -s "$BENCH_DIR/floor.log" -a -s "$BENCH_DIR/floor-yamux.log"
	echo "$(head -1 "$BENCH_DIR/floor.log") $(head -1 "$BENCH_DIR/floor-yamux.log")"
}

# suite_order runs p2psb fetch (P), curl (C), curl over HTTPS (S) and
# tlsfloor, plain (F) and with yamux (Y), of the "one" case one after
# another in the order $ORDER, with the same preparation as
# hyperfine's, and prints each run's wall, user and system seconds and
# the median wall time of each kind of run by the kind before it.
suite_order() {
	local W="$BENCH_DIR/order" data order=${ORDER:-}
	[ -n "$order" ] || order=$(printf 'PPCC%.0s' $(seq "$RUNS"))
	[[ $order =~ ^[PCSFY]+$ ]] || die "ORDER must be letters P, C, S, F and Y, not $order"
	data=$(mkdata "$ONE_MIB")
	rm -rf "$W" && mkdir -p "$W"
	local id addr np ns tls fa fy size
	id=$(publish "$W/seed" "$data")
	addr=$(start_seeder order-seed "$W/seed")
	read -r np ns < <(start_nginx "$W" "$data")
	tls=$(curl_tls "$W")
	if [[ $order =~ [FY] ]]; then
		read -r fa fy < <(start_floors "$data/blob")
		size=$(stat -c %s "$data/blob")
	fi
	local out="$RESULTS/order.txt" prev=- c i
	conditions >"$RESULTS/order.env"
	log "order $order (load $(cut -d' ' -f1 /proc/loadavg))"
	echo "run after wall_s user_s sys_s" >"$out"
	for ((i = 0; i < ${#order}; i++)); do
		c=${order:i:1}
		rm -rf "$W/f" "$W/out" && mkdir -p "$W/out" && sync
		case $c in
		P) timed "$BENCH_BIN" --home "$W/f" fetch "$id" --peer "$addr" -o "$W/out" ;;
		C) timed curl -sSf -o "$W/out/blob" "http://127.0.0.1:$np/blob" ;;
		# shellcheck disable=SC2086 # $tls is a list of options
		S) timed curl -sSf $tls -o "$W/out/blob" "https://127.0.0.1:$ns/blob" ;;
		F) timed "$FLOOR_BIN" fetch "$fa" "$size" "$W/out/blob" ;;
		Y) timed "$FLOOR_BIN" fetch -yamux "$fy" "$size" "$W/out/blob" ;;
		esac
		cmp -s "$data/blob" "$W/out/blob" || die "run $i ($c): the copy differs"
		echo "$c $prev $(cat "$W/time")" | tee -a "$out"
		prev=$c
	done
	cut -d' ' -f1-3 /proc/loadavg >>"$RESULTS/order.env"
	echo "== median wall by run and the run before it" | tee -a "$out"
	order_medians '$1 " after " $2' "$out" | tee -a "$out"
	echo "== median wall, user and system seconds by run (the first run left out)" | tee -a "$out"
	order_medians '$1' "$out" | tee -a "$out"
	stop_all
}

# timed CMD... runs CMD quietly, leaving its wall, user and system seconds
# in $W/time (suite_order's W).
timed() { /usr/bin/time -f '%e %U %S' -o "$W/time" "$@" >/dev/null 2>&1; }

# order_medians KEY FILE prints, for each value of the awk expression KEY
# over suite_order's lines of FILE (all but the first run), the number of
# runs and the median wall, user and system seconds.
order_medians() {
	awk 'NF == 5 && $1 ~ /^[PCSFY]$/ && $2 != "-" { k = '"$1"'; n[k]++; for (f = 3; f <= 5; f++) v[k, f, n[k]] = $f }
		function median(k, f,   m, i, j, t, a) { m = n[k]; for (i = 1; i <= m; i++) a[i] = v[k, f, i]
			for (i = 2; i <= m; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
			return (m % 2) ? a[(m+1)/2] : (a[m/2] + a[m/2+1]) / 2 }
		END { for (k in n) printf "%s: %d runs, median %.3f s (user %.2f, sys %.2f)\n", k, n[k], median(k, 3), median(k, 4), median(k, 5) }' "$2" | sort
}

# start_nginx W ROOT serves ROOT on 127.0.0.1 over HTTP and over HTTPS
# (TLS 1.3, a certificate made here for 127.0.0.1) and prints both ports.
start_nginx() {
	local W=$1 root=$2 port sport
	port=$(free_port)
	sport=$(free_port)
	mkdir -p "$W/nginx"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 7 \
		-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
		-keyout "$W/nginx/key.pem" -out "$W/nginx/cert.pem" 2>/dev/null || die "openssl: no certificate"
	cat >"$W/nginx/nginx.conf" <<-EOF
		daemon off;
		user root;
		worker_processes auto;
		pid $W/nginx/nginx.pid;
		error_log $W/nginx/error.log;
		events { worker_connections 64; }
		http {
			access_log off;
			sendfile on;
			tcp_nopush on;
			client_body_temp_path $W/nginx;
			proxy_temp_path $W/nginx;
			fastcgi_temp_path $W/nginx;
			uwsgi_temp_path $W/nginx;
			scgi_temp_path $W/nginx;
			server { listen 127.0.0.1:$port; root $root; }
			server {
				listen 127.0.0.1:$sport ssl;
				ssl_protocols TLSv1.3;
				ssl_certificate $W/nginx/cert.pem;
				ssl_certificate_key $W/nginx/key.pem;
				root $root;
			}
		}
	EOF
	spawn nginx nginx -p "$W/nginx" -c "$W/nginx/nginx.conf"
	wait_for nginx curl -sf -o /dev/null -r 0-0 "http://127.0.0.1:$port/blob"
	# shellcheck disable=SC2046 # curl_tls prints a list of options
	wait_for "nginx over https" curl -sf $(curl_tls "$W") -o /dev/null -r 0-0 "https://127.0.0.1:$sport/blob"
	echo "$port $sport"
}

# curl_tls W prints curl's options for start_nginx's HTTPS server: trust
# its certificate, and use the cipher suite p2psb's TLS picks on a CPU
# with AES instructions (OpenSSL's default would be AES-256-GCM).
curl_tls() {
	echo "--cacert $1/nginx/cert.pem --tls13-ciphers TLS_AES_128_GCM_SHA256"
}

# start_bittorrent W FILE makes W/pkg.torrent for FILE, starts opentracker
# (whitelisting only that torrent) and an aria2c seeder, waits until the
# tracker lists the seeder, and prints the tracker, seeder and a free
# leecher port.
start_bittorrent() {
	local W=$1 file=$2 tp sp hash
	tp=$(free_port)
	mktorrent -a "http://127.0.0.1:$tp/announce" -l 20 -o "$W/pkg.torrent" "$file" >/dev/null
	hash=$(aria2c -S "$W/pkg.torrent" | awk '/Info Hash/ {print $3}')
	mkdir -p "$W/tracker" && chmod 755 "$W/tracker"
	echo "$hash" >"$W/tracker/whitelist"
	chmod 644 "$W/tracker/whitelist"
	# opentracker chroots into -d and drops to -u; the whitelist path is
	# relative to the chroot.
	(cd "$W/tracker" && spawn tracker opentracker -i 127.0.0.1 -p "$tp" -P "$tp" -w whitelist -d . -u nobody)
	sp=$(free_port)
	spawn aria2-seed aria2c "${BT[@]}" --dir="$(dirname "$file")" --seed-ratio=0.0 \
		--bt-seed-unverified=true --check-integrity=false --listen-port="$sp" "$W/pkg.torrent"
	local scrape="http://127.0.0.1:$tp/scrape?info_hash=$(sed 's/../%&/g' <<<"$hash")"
	wait_for "the aria2 seeder at the tracker" sh -c "curl -s '$scrape' | grep -q 8:completei1e"
	echo "$tp $sp $(free_port)"
}

suite_caps() {
	local W="$BENCH_DIR/caps" i data
	data=$(mkdata "$ONE_MIB")
	rm -rf "$W" && mkdir -p "$W"
	local id a1
	id=$(publish "$W/s1" "$data")
	# Copy the package to three more seeders, uncapped, then restart all
	# four with the cap.
	a1=$(start_seeder caps-s1 "$W/s1")
	local pids=()
	for i in 2 3 4; do
		p2psb --home "$W/s$i" fetch "$id" --peer "$a1" -o "$W/copy$i" >/dev/null &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || die "caps: copying the package to a seeder failed"; done
	stop caps-s1
	local peers=""
	for i in 1 2 3 4; do
		peers+=" --peer $(start_seeder "caps-s$i" "$W/s$i" --max-upload 25MiB)"
	done
	hf caps --runs "$RUNS" --prepare "rm -rf $W/f $W/out; sync" \
		-n "p2psb fetch, 4 seeders at 25 MiB/s" "$BENCH_BIN --home $W/f --json fetch $id$peers -o $W/out"
	cmp "$data/blob" "$W/out/blob" || die "caps: the copy differs"
	stop_all
}

# rendezvous_suite NAME DATADIR [seeder flags] sets up a package and a fresh
# rendezvous + seeder for suite NAME (see reset).
rendezvous_suite() {
	local W="$BENCH_DIR/$1" data=$2
	shift 2
	rm -rf "$W" && mkdir -p "$W"
	free_port >"$W/rzport"
	publish "$W/seed" "$data" >"$W/id"
	: >"$W/seedflags"
	local f
	for f in "$@"; do echo "$f" >>"$W/seedflags"; done
}

# reset NAME gives suite NAME a rendezvous that knows only the seeder
# (no stale registrations of earlier fetchers) and no fetcher state: it
# restarts the rendezvous (same key and port, registrations wiped) and
# the seeder. Run as a hyperfine --prepare step.
reset() {
	local W="$BENCH_DIR/$1" flags
	stop "$1-seed"
	stop rz
	rm -rf "$W"/rz/p2psb.db* "$W"/f[0-9]* "$W"/out[0-9]*
	start_rz "$W/rz" "$(cat "$W/rzport")"
	echo "$RZ" >"$W/rz.addr"
	mapfile -t flags <"$W/seedflags"
	start_seeder "$1-seed" "$W/seed" "${flags[@]}" >/dev/null
	sync
}

# fetchers NAME N starts N fetches through suite NAME's rendezvous at once
# and waits for all; it fails if any fails.
fetchers() {
	local W="$BENCH_DIR/$1" n=$2 i rz id pids=()
	rz=$(cat "$W/rz.addr")
	id=$(cat "$W/id")
	# FETCH_FLAGS: extra global flags for the fetchers (experiments).
	# shellcheck disable=SC2086
	for i in $(seq "$n"); do
		"$BENCH_BIN" --home "$W/f$i" --rendezvous-peer "$rz" ${FETCH_FLAGS:-} --json fetch "$id" -o "$W/out$i" \
			>"$W/f$i.json" 2>"$W/f$i.log" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" || die "a fetcher failed; see $W/f*.log"
	done
}

suite_swarm() {
	rendezvous_suite swarm "$(mkdata "$SWARM_MIB")" --max-upload 20MiB
	local self="bash $BENCH_ROOT/run.sh"
	hf "swarm${TAG:-}" --runs "$RUNS" \
		--prepare "$self _reset swarm" -n "1 fetcher" "$self _fetchers swarm 1" \
		--prepare "$self _reset swarm" -n "16 fetchers at once" "$self _fetchers swarm 16"
	swarm_sources >"$RESULTS/swarm${TAG:-}-sources.txt"
	cat "$RESULTS/swarm${TAG:-}-sources.txt"
	stop_all
}

# swarm_sources sums, over the last 16-fetcher run, the bytes each fetcher
# got from the seeder and from other fetchers.
swarm_sources() {
	local W="$BENCH_DIR/swarm" seed
	seed=$(jq -r .id <(p2psb --home "$W/seed" --json id))
	for f in "$W"/f*.json; do
		tail -1 "$f" | jq -r --arg s "$seed" '[.per_peer[$s] // 0, ([.per_peer|to_entries[]|select(.key!=$s)|.value]|add // 0)] | @tsv'
	done | awk '{s+=$1; o+=$2} END {printf "from the seeder: %.1f MiB, from other fetchers: %.1f MiB (%d fetchers)\n", s/1048576, o/1048576, NR}'
}

suite_rss() {
	rendezvous_suite rss "$(mkdata "$RSS_MIB")"
	local W="$BENCH_DIR/rss" r
	conditions >"$RESULTS/rss.env"
	for r in $(seq "$RUNS"); do
		reset rss
		rss_run "$W" "$r"
	done
	for r in $(seq "$RUNS"); do
		reset rss
		first_chunk_run "$W" "$r"
	done
	cut -d' ' -f1-3 /proc/loadavg >>"$RESULTS/rss.env"
	rss_summary "$W" | tee "$RESULTS/rss.txt"
	stop_all
}

# rss_run W R fetches through the rendezvous under /usr/bin/time -v,
# stamping each --json line with the milliseconds since the start.
rss_run() {
	local W=$1 r=$2 t0
	t0=${EPOCHREALTIME/./}
	/usr/bin/time -v -o "$W/time.$r" "$BENCH_BIN" --home "$W/f1" --rendezvous-peer "$(cat "$W/rz.addr")" \
		--json fetch "$(cat "$W/id")" -o "$W/out1" | stamp "$t0" >"$W/events.$r"
}

# stamp T0 prefixes each line with the milliseconds since T0 (µs).
stamp() {
	local line
	while IFS= read -r line; do
		printf '%d %s\n' $(((${EPOCHREALTIME/./} - $1) / 1000)) "$line"
	done
}

# first_chunk_run W R traces the fetch with strace (only the traced
# calls stop the process, with --seccomp-bpf) to time its phases: the
# first chunk written marks the first verified chunk, as chunks are
# written only after their hash is checked.
first_chunk_run() {
	local W=$1 r=$2
	strace -f --seccomp-bpf -ttt -y -e trace=execve,connect,mkdirat,openat,openat2,pwrite64 -e signal=none \
		-o "$W/trace.$r" "$BENCH_BIN" --home "$W/f1" --rendezvous-peer "$(cat "$W/rz.addr")" \
		fetch "$(cat "$W/id")" -o "$W/out1" >/dev/null
}

# phases TRACE prints the milliseconds from execve to: the first TCP
# connect (the rendezvous), the second (the seeder), the target directory
# created (manifest resolved), the partial file opened (sink ready), and
# the first chunk write starting. A call line is the one naming the path
# (strace splits calls other threads interrupt into unfinished/resumed);
# the sink opens files with openat2 relative to their directory.
phases() {
	awk 'function ms() { return sprintf("%.0f", ($2 - t0) * 1000) }
		/execve\(/ && !t0 { t0 = $2 }
		/connect\(.*AF_INET/ && nc < 2 { c[nc++] = ms() }
		/mkdirat\(.*\/out1"/ && !tgt { tgt = ms() }
		/openat2?\(.*\/out1\/\.p2psb-partial\/ver_[^"]*(\/|>, ")f/ && !part { part = ms() }
		/pwrite64\([0-9]+<[^>]*\/out1\/\.p2psb-partial\// { first = ms(); exit }
		END { printf "%s %s %s %s %s\n", c[0], c[1], tgt, part, first }' "$1"
}

rss_summary() {
	local W=$1 r
	echo "run  max_rss_MiB  wall_s  first_progress_with_bytes_ms | strace: connect_rz  connect_seeder  target_dir  partial_file  first_chunk (ms)"
	for r in $(seq "$RUNS"); do
		printf '%s  %s  %s  %s | %s\n' "$r" \
			"$(awk -F: '/Maximum resident/ {printf "%.1f", $2/1024}' "$W/time.$r")" \
			"$(awk '/Elapsed \(wall/ {n=split($NF,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$W/time.$r")" \
			"$(awk '$2 ~ /"event":"progress"/ && $2 !~ /"fetched":0,/ {print $1; exit}' "$W/events.$r")" \
			"$(phases "$W/trace.$r")"
	done
}

# suite_profile samples the seeder and the fetcher of the one-seeder case
# with perf and writes the top symbols of each to the results.
suite_profile() {
	command -v perf >/dev/null || apt-get install -y -q linux-perf >/dev/null
	local W="$BENCH_DIR/profile" data id addr perfpid f
	data=$(mkdata "$ONE_MIB")
	rm -rf "$W" && mkdir -p "$W"
	id=$(publish "$W/seed" "$data")
	addr=$(start_seeder profile-seed "$W/seed")
	sync
	perf record -F 999 -g -o "$W/seed.perf" -p "$(cat "$BENCH_DIR/pids/profile-seed")" >/dev/null 2>&1 &
	perfpid=$!
	perf record -F 999 -g -o "$W/fetch.perf" -- \
		"$BENCH_BIN" --home "$W/f" fetch "$id" --peer "$addr" -o "$W/out" >/dev/null 2>&1
	kill -INT "$perfpid"
	wait "$perfpid" || true
	conditions >"$RESULTS/profile.env"
	for f in fetch seed; do
		perf report -i "$W/$f.perf" --no-children --sort sym -g none 2>/dev/null |
			grep -v '^#' | grep -v '^$' | head -25 >"$RESULTS/profile-$f.txt"
		echo "== $f" && head -12 "$RESULTS/profile-$f.txt"
	done
	stop_all
}

# suite_publish times publishing one file of ONE_MIB MiB (in the page
# cache, into a fresh home each run) against mktorrent (SHA-1, 1 MiB
# pieces, both cores) and sha256sum.
suite_publish() {
	local W="$BENCH_DIR/publish" data
	data=$(mkdata "$ONE_MIB")
	rm -rf "$W" && mkdir -p "$W"
	hf publish -N --warmup 2 --runs "$RUNS" --prepare "rm -rf $W/x.torrent $W/home" \
		-n "mktorrent -l 20" "mktorrent -l 20 -o $W/x.torrent $data/blob" \
		-n "p2psb publish" "$BENCH_BIN --home $W/home publish $data/blob" \
		-n "sha256sum" "sha256sum $data/blob"
}

# suite_ticket times `p2psb fetch <ticket>` from a fresh home with no
# config to its first verified chunk (strace, as in rss): a seeder with a
# rendezvous, a ticket made by `share` while it serves, TICKET_MIB of data.
suite_ticket() {
	local W="$BENCH_DIR/ticket" data rzport r
	data=$(mkdata "$TICKET_MIB")
	rm -rf "$W" && mkdir -p "$W"
	rzport=$(free_port)
	start_rz "$W/rz" "$rzport"
	publish "$W/seed" "$data" >"$W/id"
	start_seeder ticket-seed "$W/seed" >/dev/null
	p2psb --home "$W/seed" --rendezvous-peer "$RZ" share "$(cat "$W/id")" >"$W/ticket"
	conditions >"$RESULTS/ticket.env"
	for r in $(seq "$RUNS"); do
		rm -rf "$W/f1" "$W/out1"
		sync
		strace -f --seccomp-bpf -ttt -y -e trace=execve,connect,mkdirat,openat,openat2,pwrite64 -e signal=none \
			-o "$W/trace.$r" "$BENCH_BIN" --home "$W/f1" --no-mdns fetch "$(cat "$W/ticket")" -o "$W/out1" >/dev/null
		cmp "$data/blob" "$W/out1/blob" || die "fetch <ticket>: the copy differs"
	done
	cut -d' ' -f1-3 /proc/loadavg >>"$RESULTS/ticket.env"
	{
		echo "run  first_connect  second_connect  target_dir  partial_file  first_chunk (ms from execve)"
		for r in $(seq "$RUNS"); do
			printf '%s  %s\n' "$r" "$(phases "$W/trace.$r")"
		done
	} | tee "$RESULTS/ticket.txt"
	stop_all
}
