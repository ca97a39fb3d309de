#!/usr/bin/env bash
# ctr-pull against podman pull and skopeo copy … containers-storage:,
# side by side and alternating, each into a fresh storage root (overlay),
# from a loopback registry. Also times a reference (not a floor: a tool
# that skips work can beat it): the same layers extracted with tar -xzf, all
# layers at once. One warm-up round, then ROUNDS rounds in shuffled order.
# skopeo is whichever "skopeo" is first on PATH (BENCH_PATH can put a newer
# one first); the last line says which version ran. Prints medians and the
# ratios.
#
#   bench/pull.sh [ROUNDS]        (default 5)
#
# The storage roots and the tar floor's output live on a tmpfs (set
# BENCH_DISK=1 for the work directory's disk instead): this machine's disk
# writeback makes the same tar -xzf take 1 s or 11 s from one run to the
# next, which would drown the difference between the tools.
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
. bench/lib.sh
stores=$work/stores
mkdir -p "$stores"
if [ -z "${BENCH_DISK:-}" ]; then
	mount -t tmpfs -o size=6g ctr-bench "$stores"
fi

podman_conf

make_image "$work/img:1"
registry REG
IMG=docker://$REG/bench/app:1
ctr-copy -q --tls-verify=false "oci:$work/img:1" "$IMG" >/dev/null
layers=$(jq -r '.layers[].digest' "$work/img/blobs/sha256/$(jq -r '.manifests[0].digest' "$work/img/index.json" | cut -d: -f2)")

# store TOOL ROUND: sets S to a fresh root and runroot for one run.
store() { S=(--root "$stores/s-$1-$2/root" --runroot "$stores/s-$1-$2/run" --storage-driver overlay); }
wipe() {
	findmnt -rn -o TARGET | grep "^$stores/s-" | sort -r | xargs -r umount -l 2>/dev/null || true
	rm -rf "$stores"/s-* "$stores"/tar-*
}
tar_floor() {
	local i=0 d
	for d in $layers; do
		i=$((i + 1))
		mkdir -p "$stores/tar-$i"
		tar -xzf "$work/img/blobs/sha256/${d#sha256:}" -C "$stores/tar-$i" &
	done
	wait
}
# Each run starts with the page cache holding the blobs, as the registry
# just served them; tar reads them from the layout directly.
run_case() {
	store "$1" "$2"
	case $1 in
	ctr) elapsed ctr-pull -q "${S[@]}" --tls-verify=false "$IMG" ;;
	podman) elapsed podman "${S[@]}" pull -q --tls-verify=false "$IMG" ;;
	skopeo) elapsed skopeo copy -q --src-tls-verify=false "$IMG" "containers-storage:[overlay@$stores/s-$1-$2/root+$stores/s-$1-$2/run]bench/app:1" ;;
	tar) elapsed tar_floor ;;
	esac
}
declare -A t
for r in $(seq 0 "$ROUNDS"); do
	shuffle ctr podman skopeo tar
	for tool in "${order[@]}"; do
		wipe
		sync
		v=$(run_case "$tool" "$r")
		counted "$r" && t[$tool]+="$v "
	done
	round_done "$r"
done
wipe

c=$(median <<<"${t[ctr]}") p=$(median <<<"${t[podman]}") s=$(median <<<"${t[skopeo]}") f=$(median <<<"${t[tar]}")
printf '\n%-34s %8s\n' "pull into fresh storage (median of $ROUNDS)" seconds
printf '%-34s %8s\n' "ctr-pull" "$c" "podman pull" "$p" "skopeo copy … containers-storage:" "$s" "reference: parallel tar -xzf" "$f"
printf '\nratios: ctr/podman %s, ctr/skopeo %s, ctr/tar reference %s\n' "$(ratio "$c" "$p")" "$(ratio "$c" "$s")" "$(ratio "$c" "$f")"
echo "date: $(date -u +%F), $(nproc) cores, $(podman --version), $(skopeo --version), ctr $(ctr-pull --version | awk '{print $3}')"
