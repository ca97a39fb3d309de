#!/usr/bin/env bash
# ctr-copy against skopeo copy, side by side and alternating, on loopback:
# registry → registry, registry → oci:, and a repeat registry copy where
# every blob already exists. One warm-up round, not counted, then ROUNDS
# rounds, the tools in a new order each round. skopeo is whichever "skopeo"
# is first on PATH (BENCH_PATH can put a newer one first); the last line
# says which version ran. Prints each median and the ratio ctr/skopeo.
#
#   bench/copy.sh [ROUNDS]        (default 5)
#
# The image (~260 MB uncompressed, ~15k files, 5 layers) is made from the Go
# toolchain tree with tests/mkimage, so the run needs nothing from outside.
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
. bench/lib.sh

make_image "$work/img:1"
registry SRC
ctr-copy -q --tls-verify=false "oci:$work/img:1" "docker://$SRC/bench/app:1" >/dev/null
size=$(du -sm "$work/img/blobs" | cut -f1)
echo "image: $(jq '.layers | length' "$work/img/blobs/sha256/$(jq -r '.manifests[0].digest' "$work/img/index.json" | cut -d: -f2)") layers, ${size} MB compressed" >&2

CTR=(ctr-copy -q --tls-verify=false)
SKOPEO=(skopeo copy -q --src-tls-verify=false --dest-tls-verify=false)
declare -A t
for r in $(seq 0 "$ROUNDS"); do
	shuffle ctr skopeo
	for tool in "${order[@]}"; do
		[ "$tool" = ctr ] && cmd=("${CTR[@]}") || cmd=("${SKOPEO[@]}")
		# A fresh destination registry, so that nothing can be mounted or skipped.
		registry DST
		r2r=$(elapsed "${cmd[@]}" "docker://$SRC/bench/app:1" "docker://$DST/bench/app:1")
		repeat=$(elapsed "${cmd[@]}" "docker://$SRC/bench/app:1" "docker://$DST/bench/app:1")
		rm -rf "$work/oci"
		oci=$(elapsed "${cmd[@]}" "docker://$SRC/bench/app:1" "oci:$work/oci:1")
		if counted "$r"; then
			t[$tool.r2r]+="$r2r " t[$tool.repeat]+="$repeat " t[$tool.oci]+="$oci "
		fi
	done
	round_done "$r"
done

printf '\n%-28s %10s %10s %8s\n' "case (median of $ROUNDS, s)" ctr-copy skopeo ratio
for c in r2r:"registry -> registry" oci:"registry -> oci:" repeat:"repeat, all blobs exist"; do
	key=${c%%:*} label=${c#*:}
	a=$(median <<<"${t[ctr.$key]}")
	b=$(median <<<"${t[skopeo.$key]}")
	printf '%-28s %10s %10s %8s\n' "$label" "$a" "$b" "$(ratio "$a" "$b")"
done
echo
echo "date: $(date -u +%F), $(nproc) cores, $(skopeo --version), ctr $(ctr-copy --version | awk '{print $3}')"
