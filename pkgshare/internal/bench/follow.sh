# shellcheck shell=bash
# The follow suite (sourced by run.sh): from `p2psb publish` on a
# publisher's daemon to the first verified chunk of the new version at a
# follower's daemon, on 127.0.0.1 through a rendezvous.

: "${FOLLOW_RUNS:=10}" "${FOLLOW_MIB:=64}"

# suite_follow publishes FOLLOW_RUNS new versions of a package of
# FOLLOW_MIB MiB, each changing one 1 MiB file of it, and reports for each
# the milliseconds from starting `publish` to the follower's first
# verified chunk (its follow state's first_chunk_at), then the median.
# The follower checks its providers only hourly: every version arrives by
# announcement.
suite_follow() {
	local W="$BENCH_DIR/follow" id r
	rm -rf "$W" && mkdir -p "$W/pkg"
	head -c $((FOLLOW_MIB << 20)) /dev/urandom >"$W/pkg/fixed"
	head -c $((1 << 20)) /dev/urandom >"$W/pkg/changing"
	start_rz "$W/rz" "$(free_port)"
	start_seeder follow-pub "$W/pub" >/dev/null
	id=$(publish "$W/pub" "$W/pkg")
	start_seeder follow-fol "$W/fol" --follow-check 1h >/dev/null
	p2psb --home "$W/fol" --json follow "$id" -o "$W/out" >/dev/null
	wait_for "the follower to hold version 1" held_at "$W/fol" 1
	conditions >"$RESULTS/follow.env"
	for r in $(seq "$FOLLOW_RUNS"); do
		head -c $((1 << 20)) /dev/urandom >"$W/pkg/changing"
		printf '%s  %s\n' "$r" "$(follow_run "$W" $((r + 1)))"
	done >"$RESULTS/follow-runs.txt"
	cmp "$W/pkg/changing" "$W/out/changing" || die "follow: the follower's copy differs"
	cut -d' ' -f1-3 /proc/loadavg >>"$RESULTS/follow.env"
	{
		echo "run  publish_to_first_chunk_ms  fetched_bytes"
		cat "$RESULTS/follow-runs.txt"
		printf 'median  %s\n' "$(awk '{print $2}' "$RESULTS/follow-runs.txt" | sort -n |
			awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}')"
	} | tee "$RESULTS/follow.txt"
	stop_all
}

# follow_run W VERSION publishes the next version and prints the time from
# the start of publish to the follower's first verified chunk of it, and
# the bytes the follower fetched for it.
follow_run() {
	local W=$1 v=$2 t0 st
	t0=$(date +%s.%N)
	p2psb --home "$W/pub" publish "$W/pkg" >/dev/null
	wait_for "the follower to hold version $v" held_at "$W/fol" "$v"
	st=$(p2psb --home "$W/fol" --json follow ls | jq -c '.[0]')
	awk -v t0="$t0" -v t1="$(date -d "$(jq -r .first_chunk_at <<<"$st")" +%s.%N)" -v b="$(jq -r .fetched_bytes <<<"$st")" \
		'BEGIN {printf "%.1f  %d\n", (t1 - t0) * 1000, b}'
}

# held_at HOME VERSION succeeds once HOME's first follow holds VERSION.
held_at() {
	[ "$(p2psb --home "$1" --json follow ls | jq -r '.[0].held')" -ge "$2" ]
}
