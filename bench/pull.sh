#!/usr/bin/env bash
# ctr-pull against podman pull and skopeo copy … containers-storage:,
# side by side and alternating, each into a fresh storage root (overlay),
# from a loopback registry. Also times a floor: the same layers extracted
# with tar -xzf, all layers at once. Prints medians and the ratios.
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

# podman here needs runc and no default ulimits (see the README); only
# written when the machine has no containers.conf of its own.
if [ ! -e /etc/containers/containers.conf ]; then
	mkdir -p /etc/containers
	printf '[engine]\nruntime = "runc"\n[containers]\ndefault_ulimits = []\n' >/etc/containers/containers.conf
fi

make_image "$work/img:1"
registry REG
IMG=docker://$REG/bench/app:1
ctr-copy -q --tls-verify=false "oci:$work/img:1" "$IMG" >/dev/null
layers=$(jq -r '.layers[].digest' "$work/img/blobs/sha256/$(jq -r '.manifests[0].digest' "$work/img/index.json" | cut -d: -f2)")

# store TOOL ROUND: a fresh root and runroot for one run.
store() { echo "--root $stores/s-$1-$2/root --runroot $stores/s-$1-$2/run --storage-driver overlay"; }
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
declare -A t
for r in $(seq "$ROUNDS"); do
	for tool in ctr podman skopeo tar; do
		wipe
		sync
		case $tool in
		ctr) t[$tool]+="$(elapsed ctr-pull -q $(store $tool $r) --tls-verify=false "$IMG") " ;;
		podman) t[$tool]+="$(elapsed podman $(store $tool $r) pull -q --tls-verify=false "$IMG") " ;;
		skopeo) t[$tool]+="$(elapsed skopeo copy -q --src-tls-verify=false "$IMG" "containers-storage:[overlay@$stores/s-$tool-$r/root+$stores/s-$tool-$r/run]bench/app:1") " ;;
		tar) t[$tool]+="$(elapsed tar_floor) " ;;
		esac
	done
	echo "round $r/$ROUNDS done" >&2
done
wipe

c=$(median <<<"${t[ctr]}") p=$(median <<<"${t[podman]}") s=$(median <<<"${t[skopeo]}") f=$(median <<<"${t[tar]}")
printf '\n%-34s %8s\n' "pull into fresh storage (median of $ROUNDS)" seconds
printf '%-34s %8s\n' "ctr-pull" "$c" "podman pull" "$p" "skopeo copy … containers-storage:" "$s" "floor: parallel tar -xzf" "$f"
printf '\nratios: ctr/podman %s, ctr/skopeo %s, ctr/tar floor %s\n' "$(ratio "$c" "$p")" "$(ratio "$c" "$s")" "$(ratio "$c" "$f")"
echo "date: $(date -u +%F), $(nproc) cores, $(podman --version), $(skopeo --version), ctr $(ctr-pull --version | awk '{print $3}')"
