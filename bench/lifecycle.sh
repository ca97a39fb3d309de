#!/usr/bin/env bash
# 30 detached containers started, stopped and removed, by ctr-run and by
# podman, side by side in one run (issue 12's check of the whole):
#   ctr-run -d IMAGE sleep 1000   ×30   vs  podman run -d --network none …  ×30
#   ctr-run stop -t 2 ID…  (one command) vs  podman stop -t 2 ID…
#   ctr-run rm ID…                       vs  podman rm ID…
# sleep as PID 1 ignores SIGTERM, so each stop waits its 2 s and kills: the
# time is how well the 30 waits overlap. One warm-up round, not counted,
# then ROUNDS rounds, the two tools in a shuffled order each round.
#
#   bench/lifecycle.sh [ROUNDS] [N]        (default 3 rounds, 30 containers)
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
N=${2:-30}
. bench/lib.sh
busybox_store

# start_all TOOL: starts N detached containers, their IDs in $work/TOOL.ids.
start_all() {
	local i
	: >"$work/$1.ids"
	for i in $(seq "$N"); do
		case $1 in
		ctr) ctr-run "${S[@]}" -d localhost/busybox:1 sleep 1000 ;;
		podman) podman "${S[@]}" run -d --network none localhost/busybox:1 sleep 1000 ;;
		esac >>"$work/$1.ids"
	done
}

# stop_all TOOL / rm_all TOOL: one command for all N.
stop_all() {
	case $1 in
	ctr) xargs ctr-run "${S[@]}" stop -t 2 <"$work/$1.ids" ;;
	podman) xargs podman "${S[@]}" stop -t 2 <"$work/$1.ids" ;;
	esac
}
rm_all() {
	case $1 in
	ctr) xargs ctr-run "${S[@]}" rm <"$work/$1.ids" ;;
	podman) xargs podman "${S[@]}" rm <"$work/$1.ids" ;;
	esac
}

declare -A t
for r in $(seq 0 "$ROUNDS"); do
	shuffle ctr podman
	for c in "${order[@]}"; do
		s=$(elapsed start_all "$c")
		p=$(elapsed stop_all "$c")
		m=$(elapsed rm_all "$c")
		if counted "$r"; then
			t[$c.start]+="$s " t[$c.stop]+="$p " t[$c.rm]+="$m "
		fi
	done
	round_done "$r"
done

printf '\n%-40s %8s %8s %6s\n' "median of $ROUNDS, seconds, $N containers" ctr podman ratio
for phase in start stop rm; do
	c=$(median <<<"${t[ctr.$phase]}") p=$(median <<<"${t[podman.$phase]}")
	printf '%-40s %8s %8s %6s\n' "$phase" "$c" "$p" "$(ratio "$c" "$p")"
done
echo "date: $(date -u +%F), $(nproc) cores, $(podman --version), ctr $(ctr-run --version | awk '{print $3}')"
