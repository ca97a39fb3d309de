#!/usr/bin/env bash
# ctr-inspect against skopeo inspect, side by side on a loopback registry:
# a registry image described without pulling it (manifest, config and the
# repository's tags, as both do by default), the same with the tags left
# out, and the raw manifest. One warm-up round, not counted, then ROUNDS
# rounds of 5 calls each, the tools in a new order each round. skopeo is
# whichever "skopeo" is first on PATH (BENCH_PATH can put a newer one
# first); the last line says which version ran.
#
#   bench/inspect.sh [ROUNDS]        (default 10)
cd "$(dirname "$0")/.."
ROUNDS=${1:-10}
. bench/lib.sh

registry REG
mkimage -o "$work/bb:1" --busybox "$(command -v busybox)" --cmd sh --label version=1 >&2
for tag in 1 2 3; do
	ctr-copy -q --tls-verify=false "oci:$work/bb:1" "docker://$REG/bench/app:$tag" >/dev/null
done
ref=docker://$REG/bench/app:1

run_case() {
	case $1 in
	ctr) ctr-inspect --json --tls-verify=false "$ref" ;;
	skopeo) skopeo inspect --tls-verify=false "$ref" ;;
	ctrnotags) ctr-inspect --json --no-tags --tls-verify=false "$ref" ;;
	skopeonotags) skopeo inspect --no-tags --tls-verify=false "$ref" ;;
	ctrraw) ctr-inspect --raw --tls-verify=false "$ref" ;;
	skopeoraw) skopeo inspect --raw --tls-verify=false "$ref" ;;
	esac >/dev/null
}
five() { for _ in 1 2 3 4 5; do run_case "$1"; done; }

declare -A t
for r in $(seq 0 "$ROUNDS"); do
	shuffle ctr skopeo ctrnotags skopeonotags ctrraw skopeoraw
	for c in "${order[@]}"; do
		v=$(elapsed five "$c")
		counted "$r" && t[$c]+="$(echo "$v / 5" | bc -l) "
	done
	round_done "$r"
done

printf '\n%-44s %8s %8s %6s\n' "median of $ROUNDS, seconds per call" ctr skopeo ratio
for c in "" notags raw; do
	case $c in
	"") label="inspect (with the repository's tags)" ;;
	notags) label="inspect --no-tags" ;;
	raw) label="inspect --raw" ;;
	esac
	a=$(median <<<"${t[ctr$c]}") b=$(median <<<"${t[skopeo$c]}")
	printf '%-44s %8s %8s %6s\n' "$label" "$a" "$b" "$(ratio "$a" "$b")"
done
echo "date: $(date -u +%F), $(nproc) cores, $(skopeo --version), ctr $(ctr-inspect --version | awk '{print $3}')"
