#!/usr/bin/env bash
# ctr-cri against containerd (Debian's, its CRI plugin, runc) side by side
# in one run (issue 16), both driven by crictl, both on podman's default
# CNI network with the cgroupfs driver, both pausing pods with the host's
# catatonit (-P), both pulling from the same loopback registry first:
#   one pod:  crictl run (RunPodSandbox, CreateContainer, StartContainer)
#             until the container runs, then crictl rmp -f (stop, remove)
#   20 pods:  20 crictl run at once, then 20 crictl rmp -f at once
#   memory:   each daemon's RSS at rest (8 s after the last request), and
#             the RSS one running pod adds (8 s after the last start)
#             (10 pods of one sleeping container: the daemon's growth, and
#             its helpers: ctr-cri's ctr-monitors, containerd's shims, and
#             the pause processes; the containers' own processes are the
#             same on both sides and not counted)
# One warm-up round, not counted, then ROUNDS rounds in shuffled order.
#
#   bench/cri.sh [ROUNDS]        (default 10)
cd "$(dirname "$0")/.."
ROUNDS=${1:-10}
. bench/lib.sh
command -v containerd >/dev/null || { echo "bench/cri.sh: containerd is not installed (apt-get install containerd)" >&2; exit 1; }
command -v crictl >/dev/null || ./hack/build-cri-tools.sh crictl bin/crictl

registry REG
mkimage -o "$work/bb:1" --busybox "$(command -v busybox)" --cmd sh >/dev/null
mkimage -o "$work/pause:3.9" --file "$(command -v catatonit)=/catatonit" --cmd /catatonit --cmd -P >/dev/null
ctr-copy -q --dest-tls-verify=false "oci:$work/bb:1" "docker://$REG/busybox:1" >/dev/null
ctr-copy -q --dest-tls-verify=false "oci:$work/pause:3.9" "docker://$REG/pause:3.9" >/dev/null

# ctr-cri, on a store of its own.
printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$REG" >"$work/registries.conf"
ctr-cri --listen "$work/ctr.sock" --root "$work/ctr-root" --runroot "$work/ctr-run" --storage-driver overlay \
	--registries-conf "$work/registries.conf" --pause-binary "$(command -v catatonit)" 2>"$work/ctr-cri.log" &
ctr_pid=$!
pids+=("$ctr_pid")
# containerd, its pause image the same catatonit.
# shellcheck source=hack/containerd.sh
. hack/containerd.sh
containerd_config "$work/containerd.toml" "$work/cd" "$work/cd.sock" "$REG/pause:3.9" "$REG" "$REG"
containerd --config "$work/containerd.toml" 2>"$work/containerd.log" &
cd_pid=$!
pids+=("$cd_pid")
declare -A sock=([ctr]=$work/ctr.sock [containerd]=$work/cd.sock)
# A crictl config of the bench's own: crictl warns on stderr without one.
printf 'timeout: 120\n' >"$work/crictl.yaml"
cri() { local who=$1; shift; crictl --config "$work/crictl.yaml" --runtime-endpoint "unix://${sock[$who]}" --image-endpoint "unix://${sock[$who]}" "$@"; }
for who in ctr containerd; do
	for _ in $(seq 100); do cri "$who" version >/dev/null 2>&1 && break; sleep 0.1; done
	cri "$who" pull "$REG/busybox:1" >/dev/null
done
# Remove what is left (an interrupted run's pods) before the daemons go.
stop_all() {
	local who
	for who in ctr containerd; do
		cri "$who" pods -q 2>/dev/null | xargs -r -P 8 -n 4 crictl --runtime-endpoint "unix://${sock[$who]}" rmp -f >/dev/null 2>&1 || true
	done
}
trap 'stop_all; cleanup; containerd_tidy' EXIT

echo '{"metadata": {"name": "app"}, "image": {"image": "'"$REG"'/busybox:1"}, "command": ["sleep", "100000"]}' >"$work/ctr.json"
# pod_json NAME: a pod's config.
pod_json() {
	echo '{"metadata": {"name": "'"$1"'", "namespace": "bench", "uid": "'"$1"'"}, "hostname": "bench", "linux": {}}' >"$work/$1.json"
	echo "$work/$1.json"
}

# one WHO NAME: a pod and its container up, then gone; prints "UP DOWN".
one() {
	local t0 t1 t1b t2 pod
	t0=$(date +%s.%N)
	cri "$1" run --no-pull "$work/ctr.json" "$(pod_json "$2")" >/dev/null 2>&1 || { echo "$1: run failed" >&2; exit 1; }
	t1=$(date +%s.%N)
	pod=$(cri "$1" pods -q --name "^$2\$") # not counted
	t1b=$(date +%s.%N)
	cri "$1" rmp -f "$pod" >/dev/null
	t2=$(date +%s.%N)
	echo "$(echo "$t1 - $t0" | bc -l) $(echo "$t2 - $t1b" | bc -l)"
}

# many WHO ROUND: 20 pods up at once, then down at once; prints "UP DOWN".
many() {
	local t0 t1 t1b t2 i p ids
	for i in $(seq 20); do pod_json "m-$2-$i" >/dev/null; done
	t0=$(date +%s.%N)
	for i in $(seq 20); do cri "$1" run --no-pull "$work/ctr.json" "$work/m-$2-$i.json" >/dev/null 2>&1 & done
	wait_jobs "$1 run"
	t1=$(date +%s.%N)
	mapfile -t ids < <(cri "$1" pods -q --name "^m-$2-") # not counted
	[ "${#ids[@]}" -eq 20 ] || { echo "$1: ${#ids[@]} pods of 20" >&2; exit 1; }
	t1b=$(date +%s.%N)
	for p in "${ids[@]}"; do cri "$1" rmp -f "$p" >/dev/null 2>&1 & done
	wait_jobs "$1 rmp"
	t2=$(date +%s.%N)
	echo "$(echo "$t1 - $t0" | bc -l) $(echo "$t2 - $t1b" | bc -l)"
}

# wait_jobs WHAT: waits for the background jobs; fails if one did.
wait_jobs() {
	local j rc=0
	for j in $(jobs -p); do
		case " ${pids[*]} " in *" $j "*) continue ;; esac
		wait "$j" || rc=1
	done
	[ "$rc" -eq 0 ] || { echo "$1: a job failed" >&2; exit 1; }
}

declare -A t
for r in $(seq 0 "$ROUNDS"); do
	shuffle ctr containerd
	for who in "${order[@]}"; do
		read -r u d <<<"$(one "$who" "one-$who-$r")"
		read -r mu md <<<"$(many "$who" "$who$r")"
		if counted "$r"; then
			t[$who.up]+="$u " t[$who.down]+="$d " t[$who.all]+="$(echo "$u + $d" | bc -l) "
			t[$who.mup]+="$mu " t[$who.mdown]+="$md " t[$who.mall]+="$(echo "$mu + $md" | bc -l) "
		fi
	done
	round_done "$r"
done

# rss PID...: the sum of their resident sets, in KiB; anon PID...: of
# their anonymous part (heap, stacks: not their programs' pages, which
# stay in the page cache when unmapped).
rss() { status_sum VmRSS "$@"; }
anon() { status_sum RssAnon "$@"; }
status_sum() {
	local key=$1 p sum=0 v
	shift
	for p in "$@"; do
		v=$(awk -v k="$key:" '$1 == k {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
		sum=$((sum + ${v:-0}))
	done
	echo "$sum"
}
# helpers WHO: the PIDs of the processes a runtime runs beside the
# containers: ctr-cri's monitors (their command line names the run's
# directory) and containerd's shims (theirs name its socket), and the
# pause processes under them.
helpers() {
	local p c kids
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q "$work/$([ "$1" = ctr ] && echo ctr-run || echo cd.sock)" || continue
		echo "$p"
		# Its pause process (catatonit), not the container's.
		read -ra kids <"/proc/$p/task/$p/children" 2>/dev/null || kids=()
		for c in "${kids[@]}"; do
			[ "$(cat "/proc/$c/comm" 2>/dev/null)" = catatonit ] && echo "$c"
		done
	done
}
# At rest: QUIET seconds after the last request (ctr-cri gives memory back
# after 5 quiet seconds; containerd is given the same wait).
QUIET=${BENCH_CRI_QUIET:-8}
declare -A daemon=([ctr]=$ctr_pid [containerd]=$cd_pid) rest perpod rest_anon perpod_anon
for who in ctr containerd; do
	sleep "$QUIET"
	rest[$who]=$(rss "${daemon[$who]}") rest_anon[$who]=$(anon "${daemon[$who]}")
	for i in $(seq 10); do cri "$who" run --no-pull "$work/ctr.json" "$(pod_json "mem-$who-$i")" >/dev/null 2>&1; done
	sleep "$QUIET"
	mapfile -t hs < <(helpers "$who")
	perpod[$who]=$((($(rss "${daemon[$who]}") - rest[$who] + $(rss "${hs[@]}")) / 10))
	perpod_anon[$who]=$((($(anon "${daemon[$who]}") - rest_anon[$who] + $(anon "${hs[@]}")) / 10))
	cri "$who" pods -q | xargs -r -n 4 crictl --runtime-endpoint "unix://${sock[$who]}" rmp -f >/dev/null
done

printf '\n%-44s %9s %11s %6s\n' "median of $ROUNDS, seconds" ctr-cri containerd ratio
for k in up down all mup mdown mall; do
	c=$(median <<<"${t[ctr.$k]}") d=$(median <<<"${t[containerd.$k]}")
	case $k in
	up) name="one pod: crictl run until running" ;;
	down) name="one pod: crictl rmp -f" ;;
	all) name="one pod: both" ;;
	mup) name="20 pods at once: run" ;;
	mdown) name="20 pods at once: rmp -f" ;;
	mall) name="20 pods at once: both" ;;
	esac
	printf '%-44s %9s %11s %6s\n' "$name" "$c" "$d" "$(ratio "$c" "$d")"
done
printf '\n%-44s %9s %11s %6s\n' "memory, KiB (RSS)" ctr-cri containerd ratio
printf '%-44s %9s %11s %6s\n' "the daemon at rest" "${rest[ctr]}" "${rest[containerd]}" "$(ratio "${rest[ctr]}" "${rest[containerd]}")"
printf '%-44s %9s %11s %6s\n' "added per running pod" "${perpod[ctr]}" "${perpod[containerd]}" "$(ratio "${perpod[ctr]}" "${perpod[containerd]}")"
printf '%-44s %9s %11s %6s\n' "the daemon at rest, anonymous" "${rest_anon[ctr]}" "${rest_anon[containerd]}" "$(ratio "${rest_anon[ctr]}" "${rest_anon[containerd]}")"
printf '%-44s %9s %11s %6s\n' "added per running pod, anonymous" "${perpod_anon[ctr]}" "${perpod_anon[containerd]}" "$(ratio "${perpod_anon[ctr]}" "${perpod_anon[containerd]}")"
echo "date: $(date -u +%F), $(nproc) cores, containerd $(containerd --version | awk '{print $3}'), $(runc --version | head -1), ctr $(ctr-cri --version | awk '{print $3}')"
