#!/usr/bin/env bash
# ctr-copy against skopeo copy, side by side and alternating, on loopback:
# registry → registry, registry → oci:, and a repeat registry copy where
# every blob already exists. Prints each median and the ratio ctr/skopeo.
#
#   bench/copy.sh [ROUNDS]        (default 5)
#
# The image (~260 MB uncompressed, ~15k files, 5 layers) is made from the Go
# toolchain tree with tests/mkimage, so the run needs nothing from outside.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
PATH=$PWD/bin:$PATH
GOROOT_TREE=$(go env GOROOT)
work=$(mktemp -d /var/tmp/ctr-bench.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

# registry NAME: (re)starts an empty registry; sets NAME to host:port.
declare -A reg_pid
registry() {
	local name=$1 port
	if [ -n "${reg_pid[$name]:-}" ]; then
		kill "${reg_pid[$name]}"; wait "${reg_pid[$name]}" 2>/dev/null || true
	fi
	port=$((20000 + RANDOM % 20000))
	rm -rf "$work/$name"; mkdir -p "$work/$name"
	cat >"$work/$name.yml" <<YML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $work/$name}}
http: {addr: 127.0.0.1:$port}
YML
	docker-registry serve "$work/$name.yml" 2>>"$work/$name.log" &
	reg_pid[$name]=$!
	pids+=($!)
	for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && break; sleep 0.05; done
	printf -v "$name" '127.0.0.1:%s' "$port"
}

# elapsed CMD...: runs CMD quietly and prints its wall time in seconds.
elapsed() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>"$work/last.err" || { cat "$work/last.err" >&2; exit 1; }
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc -l
}
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }

echo "making the test image from $GOROOT_TREE ..." >&2
mkimage -o "$work/img:1" --busybox "$(command -v busybox)" \
	--dir "$GOROOT_TREE/src=/go/src" --dir "$GOROOT_TREE/test=/go/test" \
	--dir "$GOROOT_TREE/pkg/tool=/go/pkg/tool" --dir "$GOROOT_TREE/bin=/go/bin"
registry SRC
ctr-copy -q --tls-verify=false "oci:$work/img:1" "docker://$SRC/bench/app:1" >/dev/null
size=$(du -sm "$work/img/blobs" | cut -f1)
echo "image: $(jq '.layers | length' "$work/img/blobs/sha256/$(jq -r '.manifests[0].digest' "$work/img/index.json" | cut -d: -f2)") layers, ${size} MB compressed" >&2

CTR=(ctr-copy -q --tls-verify=false)
SKOPEO=(skopeo copy -q --src-tls-verify=false --dest-tls-verify=false)
declare -A t
for r in $(seq "$ROUNDS"); do
	for tool in ctr skopeo; do
		[ $tool = ctr ] && cmd=("${CTR[@]}") || cmd=("${SKOPEO[@]}")
		# A fresh destination registry, so that nothing can be mounted or skipped.
		registry DST
		t[$tool.r2r]+="$(elapsed "${cmd[@]}" "docker://$SRC/bench/app:1" "docker://$DST/bench/app:1") "
		t[$tool.repeat]+="$(elapsed "${cmd[@]}" "docker://$SRC/bench/app:1" "docker://$DST/bench/app:1") "
		rm -rf "$work/oci"
		t[$tool.oci]+="$(elapsed "${cmd[@]}" "docker://$SRC/bench/app:1" "oci:$work/oci:1") "
	done
	echo "round $r/$ROUNDS done" >&2
done

printf '\n%-28s %10s %10s %8s\n' "case (median of $ROUNDS, s)" ctr-copy skopeo ratio
for c in r2r:"registry -> registry" oci:"registry -> oci:" repeat:"repeat, all blobs exist"; do
	key=${c%%:*} label=${c#*:}
	a=$(tr ' ' '\n' <<<"${t[ctr.$key]}" | grep . | median)
	b=$(tr ' ' '\n' <<<"${t[skopeo.$key]}" | grep . | median)
	printf '%-28s %10s %10s %8.2f\n' "$label" "$a" "$b" "$(echo "$a / $b" | bc -l)"
done
echo
echo "date: $(date -u +%F), $(nproc) cores, $(skopeo --version), ctr $(ctr-copy --version | awk '{print $3}')"
