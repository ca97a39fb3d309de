# shellcheck shell=bash
# Shared by the bench/*.sh scripts: loopback registries, the test image,
# timing and medians. Source it after `cd` to the repository top.
set -euo pipefail
PATH=${BENCH_PATH:+$BENCH_PATH:}$PWD/bin:$PATH
work=$(mktemp -d /var/tmp/ctr-bench.XXXXXX)
pids=()
declare -A reg_pid
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	findmnt -rn -o TARGET | grep "^$work" | sort -r | xargs -r umount -l 2>/dev/null || true
	findmnt -rn -o TARGET | grep "^$work" | sort -r | xargs -r umount -l 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# registry NAME: (re)starts an empty registry; sets NAME to host:port.
registry() {
	local name=$1 port
	if [ -n "${reg_pid[$name]:-}" ]; then
		kill "${reg_pid[$name]}"
		wait "${reg_pid[$name]}" 2>/dev/null || true
	fi
	port=$((20000 + RANDOM % 20000))
	rm -rf "${work:?}/$name"
	mkdir -p "$work/$name"
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

# on_tmpfs SIZE: moves $work onto a tmpfs of SIZE (unmounted at exit), so
# this machine's disk does not decide the timings.
on_tmpfs() {
	base=$work
	mkdir -p "$base/fs"
	mount -t tmpfs -o "size=$1" ctr-bench "$base/fs"
	work=$base/fs
	trap 'work=$base; cleanup; umount -l "$base/fs" 2>/dev/null || true; rm -rf "$base"' EXIT
}

# elapsed CMD...: runs CMD quietly and prints its wall time in seconds.
elapsed() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>"$work/last.err" || { cat "$work/last.err" >&2; exit 1; }
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc -l
}

# Rounds: every bench runs round 0 as a warm-up (page cache, podman's
# database, Go's build cache for anything built on first use), not counted,
# then ROUNDS counted rounds, each in an order of its cases shuffled anew.
# RANDOM is seeded once (BENCH_SEED, default 1): a run can be repeated.
RANDOM=${BENCH_SEED:-1}

# shuffle CASE...: sets the array "order" to the cases in a random order
# (Fisher-Yates). Not in a subshell, where RANDOM would not move on.
shuffle() {
	local i j x
	order=("$@")
	for ((i = ${#order[@]} - 1; i > 0; i--)); do
		j=$((RANDOM % (i + 1)))
		x=${order[i]} order[i]=${order[j]} order[j]=$x
	done
}

# counted ROUND: true for the rounds whose times count (all but round 0).
counted() { [ "$1" -gt 0 ]; }

# round_done ROUND: says so on stderr.
round_done() {
	if counted "$1"; then echo "round $1/$ROUNDS done" >&2; else echo "warm-up round done (not counted)" >&2; fi
}

# podman_conf: a containers.conf of the bench's own (runc, no default
# ulimits, as podman needs on this machine), given to podman, buildah and
# skopeo through CONTAINERS_CONF; the host's /etc/containers is left alone.
podman_conf() {
	printf '[engine]\nruntime = "runc"\n[containers]\ndefault_ulimits = []\n' >"$work/containers.conf"
	export CONTAINERS_CONF=$work/containers.conf
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }

# make_image DIR:TAG: the benchmark image, ~260 MB uncompressed, ~15k files,
# 5 layers, made from the Go toolchain tree with tests/mkimage.
make_image() {
	local goroot
	goroot=$(go env GOROOT)
	echo "making the test image from $goroot ..." >&2
	mkimage -o "$1" --busybox "$(command -v busybox)" \
		--dir "$goroot/src=/go/src" --dir "$goroot/test=/go/test" \
		--dir "$goroot/pkg/tool=/go/pkg/tool" --dir "$goroot/bin=/go/bin"
}

# ratio A B: A / B with two decimals.
ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }

# make_bundle DIR CONFIG: an OCI bundle in DIR for the busybox image at
# $work/bb (a layout) stored as localhost/busybox:1 in storage "${S[@]}":
# ctr-run's own config.json (its defaults, seccomp on), written to
# CONFIG, over a copy of the rootfs in DIR/rootfs.
make_bundle() {
	local dir=$1 config=$2 id
	ctr-run "${S[@]}" --name bundle-source --network none localhost/busybox:1 true
	id=$(ctr-run "${S[@]}" inspect bundle-source | jq -r .id)
	mkdir -p "$dir/rootfs"
	# The largest blob is the layer.
	tar -xzf "$(find "$work"/bb/blobs/sha256 -type f -printf '%s %p\n' | sort -rn | awk 'NR == 1 {print $2}')" -C "$dir/rootfs"
	cp "$work/run/ctr/$id/"{hosts,hostname,resolv.conf} "$dir/"
	# No cgroupsPath: each runtime makes its default one per container
	# (/ID with cgroupfs, system.slice/runc-ID.scope with --systemd-cgroup).
	jq --arg b "$dir" '.root.path = "rootfs" | .linux.cgroupsPath = "" | .mounts |= map(if .source | tostring | startswith("/") and (contains("/ctr/")) then .source = ($b + "/" + (.source | split("/") | last)) else . end)' \
		"$work/run/ctr/$id/config.json" >"$config"
}

# busybox_store: the benches' store of containers on a tmpfs (unless
# BENCH_DISK), S its flags, podman's containers.conf, and the busybox
# test image in it as localhost/busybox:1.
busybox_store() {
	if [ -z "${BENCH_DISK:-}" ]; then
		on_tmpfs 2g
	fi
	S=(--root "$work/storage" --runroot "$work/run" --storage-driver overlay)
	podman_conf
	mkimage -o "$work/bb:1" --busybox "$(command -v busybox)" --cmd sh >&2
	ctr-copy -q "${S[@]}" "oci:$work/bb:1" containers-storage:localhost/busybox:1 >/dev/null
}
