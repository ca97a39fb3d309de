#!/usr/bin/env bash
# A pod with two containers, by ctr-run and by podman, side by side in one
# run (issue 14): the time to create a pod (default network: both attach a
# CNI bridge), start two detached containers in it and see both running;
# then the time to remove the pod with its containers.
#   ctr-run pod create; ctr-run -d --pod P … ×2   vs  podman pod create; podman run -d --pod P … ×2
#   ctr-run pod rm -f P                          vs  podman pod rm -f -t 0 P
# Both read the pod's state from its JSON record with jq (about 25 ms of
# the up time on each side; runs 1-8 in RESULTS.md had podman use
# --format, so that ctr alone paid for jq). podman's pod rm -f is given
# -t 0, as ctr-run's kills at once. The infra images (ctr-pause,
# podman-pause) are made in the warm-up round.
# One warm-up round, not counted, then ROUNDS rounds, the two tools in a
# shuffled order each round.
#
#   bench/pod.sh [ROUNDS]        (default 10)
cd "$(dirname "$0")/.."
ROUNDS=${1:-10}
. bench/lib.sh
busybox_store

# up TOOL POD: the pod and its two containers, until both run.
up() {
	case $1 in
	ctr)
		ctr-run "${S[@]}" pod create --name "$2" >/dev/null
		ctr-run "${S[@]}" -d --pod "$2" localhost/busybox:1 sleep 1000 >/dev/null
		ctr-run "${S[@]}" -d --pod "$2" localhost/busybox:1 sleep 1000 >/dev/null
		[ "$(ctr-run "${S[@]}" pod inspect "$2" | jq -r .status)" = running ]
		;;
	podman)
		podman "${S[@]}" pod create --name "$2" >/dev/null
		podman "${S[@]}" run -d --pod "$2" localhost/busybox:1 sleep 1000 >/dev/null
		podman "${S[@]}" run -d --pod "$2" localhost/busybox:1 sleep 1000 >/dev/null
		[ "$(podman "${S[@]}" pod inspect "$2" | jq -r .State)" = Running ]
		;;
	esac || echo "$1: pod $2 is not running" >&2
}

down() {
	case $1 in
	ctr) ctr-run "${S[@]}" pod rm -f "$2" >/dev/null ;;
	podman) podman "${S[@]}" pod rm -f -t 0 "$2" >/dev/null ;;
	esac
}

declare -A t
for r in $(seq 0 "$ROUNDS"); do
	shuffle ctr podman
	for c in "${order[@]}"; do
		u=$(elapsed up "$c" "bench-$c-$r")
		d=$(elapsed down "$c" "bench-$c-$r")
		if counted "$r"; then
			t[$c.up]+="$u " t[$c.down]+="$d " t[$c.all]+="$(echo "$u + $d" | bc -l) "
		fi
	done
	round_done "$r"
done

printf '\n%-52s %8s %8s %6s\n' "median of $ROUNDS, seconds" ctr podman ratio
for phase in up down all; do
	c=$(median <<<"${t[ctr.$phase]}") p=$(median <<<"${t[podman.$phase]}")
	case $phase in
	up) label="pod create, 2 containers run -d, until running" ;;
	down) label="pod rm -f" ;;
	all) label="both" ;;
	esac
	printf '%-52s %8s %8s %6s\n' "$label" "$c" "$p" "$(ratio "$c" "$p")"
done
echo "date: $(date -u +%F), $(nproc) cores, $(podman --version), ctr $(ctr-run --version | awk '{print $3}')"
