#!/usr/bin/env bash
# ctr-image ls against podman images, side by side on one store of N
# images (default 200; one busybox layer, a label each, so N image IDs).
# The table and the IDs only (-q) on both sides. One warm-up round, not
# counted, then ROUNDS rounds, the tools in a new order each round.
#
#   bench/images.sh [ROUNDS] [N]        (default 3, 200; podman 4.3 takes ~10 s a call here)
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
N=${2:-200}
. bench/lib.sh
if [ -z "${BENCH_DISK:-}" ]; then
	on_tmpfs 2g
fi
S=(--root "$work/storage" --runroot "$work/run" --storage-driver overlay)
podman_conf
for i in $(seq "$N"); do
	mkimage -o "$work/img:$i" --busybox "$(command -v busybox)" --cmd sh --label "n=$i" 2>/dev/null
	ctr-copy -q "${S[@]}" "oci:$work/img:$i" "containers-storage:localhost/bench/app:$i" >/dev/null
done
echo "store: $(ctr-image "${S[@]}" ls -q | wc -l) images" >&2

run_case() {
	case $1 in
	ctr) ctr-image "${S[@]}" ls --table ;;
	podman) podman "${S[@]}" images ;;
	ctrq) ctr-image "${S[@]}" ls -q ;;
	podmanq) podman "${S[@]}" images -q --no-trunc ;;
	esac >/dev/null
}
declare -A t
for r in $(seq 0 "$ROUNDS"); do
	shuffle ctr podman ctrq podmanq
	for c in "${order[@]}"; do
		v=$(elapsed run_case "$c")
		counted "$r" && t[$c]+="$v "
	done
	round_done "$r"
done
printf '\n%-40s %8s %8s %6s\n' "median of $ROUNDS, seconds, $N images" ctr podman ratio
for c in "" q; do
	a=$(median <<<"${t[ctr$c]}") b=$(median <<<"${t[podman$c]}")
	[ -z "$c" ] && label="ls (table) vs images" || label="ls -q vs images -q"
	printf '%-40s %8s %8s %6s\n' "$label" "$a" "$b" "$(ratio "$a" "$b")"
done
echo "date: $(date -u +%F), $(nproc) cores, $(podman --version), ctr $(ctr-image --version | awk '{print $3}')"
