#!/usr/bin/env bash
# ctr-monitor against conmon, side by side and alternating in one run, on
# the same bundle with the same runtime (ctr-runtime) and options:
#   memory: the monitor's RSS and PSS while it supervises an idle container
#   log throughput: a container printing 100 MB of lines (1M lines of 99
#   bytes) flat out, from "start" until the monitor has logged all of it
#   and written the exit file; once made by awk (the producer limits),
#   once by cat from a file (the monitor limits)
#
#   bench/monitor.sh [ROUNDS]        (default 7)
#
# One warm-up round, not counted, then ROUNDS rounds in shuffled order.
# Everything lives on a tmpfs, so the disk does not decide the throughput.
cd "$(dirname "$0")/.."
ROUNDS=${1:-7}
. bench/lib.sh
on_tmpfs 4g

S=(--root "$work/storage" --runroot "$work/run" --storage-driver overlay)
mkimage -o "$work/bb:1" --busybox "$(command -v busybox)" --cmd sh >&2
ctr-copy -q "${S[@]}" "oci:$work/bb:1" containers-storage:localhost/busybox:1 >/dev/null
# The bundle: ctr-run's own config.json (its defaults), over a copy
# of the rootfs.
bundle=$work/bundle
make_bundle "$bundle" "$work/config.json"
rt=$work/rt
mkdir -p "$work/sock" "$work/exits"   # conmon needs them made
lines='p=sprintf("%90s",""); for(i=1;i<=1000000;i++) printf "%08d%s\n", i, p'
# The same 100 MB of lines as a file in the rootfs, for a producer faster
# than the monitors (cat), where the monitor is what limits.
busybox awk "BEGIN {$lines}" >"$bundle/rootfs/lines.txt"

# monitor NAME BINARY ID ARGS...: starts a container under the monitor
# (detached, as podman runs it) with the given process args, and starts it.
monitor() {
	local bin=$2 cid=$3
	shift 3
	jq --arg cg "/ctr-bench/$cid" '.process.args = $ARGS.positional | .linux.cgroupsPath = $cg' "$work/config.json" --args "$@" >"$bundle/config.json"
	rm -f "$bundle/ctr.log" "$bundle/pidfile" "$work/exits/$cid"
	_OCI_SYNCPIPE=3 "$bin" --api-version 1 -c "$cid" -u "$cid" -r "$PWD/bin/ctr-runtime" \
		--runtime-arg --root --runtime-arg "$rt" -b "$bundle" -p "$bundle/pidfile" \
		-l "k8s-file:$bundle/ctr.log" --exit-dir "$work/exits" --socket-dir-path "$work/sock" \
		--conmon-pidfile "$work/monitor.pid" 3>"$work/sync"
	for _ in $(seq 200); do [ -s "$work/sync" ] && break; sleep 0.01; done
	grep -q '"data": *[1-9]' "$work/sync" || { cat "$work/sync" >&2; exit 1; }
	ctr-runtime --root "$rt" start "$cid"
}

finish() { # ID: waits for the exit file, forgets the container
	for _ in $(seq 3000); do [ -f "$work/exits/$1" ] && break; sleep 0.01; done
	ctr-runtime --root "$rt" delete --force "$1" 2>/dev/null || true
}

declare -A rss pss thr cat
n=0
for r in $(seq 0 "$ROUNDS"); do
	shuffle ctr-monitor conmon
	for m in "${order[@]}"; do
		bin=$PWD/bin/ctr-monitor
		[ "$m" = conmon ] && bin=$(command -v conmon)
		n=$((n + 1))
		# Memory: an idle container, measured after it settled.
		monitor "$m" "$bin" "idle$n" sleep 1000
		sleep 1
		mpid=$(cat "$work/monitor.pid")
		r_rss=$(awk '/^VmRSS/ {print $2}' "/proc/$mpid/status")
		r_pss=$(awk '/^Pss:/ {print $2}' "/proc/$mpid/smaps_rollup")
		ctr-runtime --root "$rt" kill "idle$n" KILL
		finish "idle$n"
		# Throughput: 100 MB of lines.
		n=$((n + 1))
		t0=$(date +%s.%N)
		monitor "$m" "$bin" "log$n" awk "BEGIN {$lines}"
		finish "log$n"
		t1=$(date +%s.%N)
		[ "$(wc -l <"$bundle/ctr.log")" -ge 1000000 ] || { echo "$m lost lines" >&2; exit 1; }
		r_thr=$(echo "100 / ($t1 - $t0)" | bc -l)
		n=$((n + 1))
		t0=$(date +%s.%N)
		monitor "$m" "$bin" "cat$n" cat /lines.txt
		finish "cat$n"
		t1=$(date +%s.%N)
		[ "$(wc -l <"$bundle/ctr.log")" -ge 1000000 ] || { echo "$m lost lines" >&2; exit 1; }
		r_cat=$(echo "100 / ($t1 - $t0)" | bc -l)
		if counted "$r"; then
			rss[$m]+="$r_rss " pss[$m]+="$r_pss " thr[$m]+="$r_thr " cat[$m]+="$r_cat "
		fi
	done
	round_done "$r"
done

for m in ctr-monitor conmon; do echo "$m: RSS ${rss[$m]}; MB/s awk ${thr[$m]}; cat ${cat[$m]}" | sed -E 's/([0-9]+\.[0-9]{2})[0-9]+/\1/g'; done
mr=$(median <<<"${rss[ctr-monitor]}") cr=$(median <<<"${rss[conmon]}")
mp=$(median <<<"${pss[ctr-monitor]}") cp=$(median <<<"${pss[conmon]}")
mt=$(median <<<"${thr[ctr-monitor]}") ct=$(median <<<"${thr[conmon]}")
mc=$(median <<<"${cat[ctr-monitor]}") cc=$(median <<<"${cat[conmon]}")
printf '\n%-40s %12s %12s %8s\n' "median of $ROUNDS" ctr-monitor conmon ratio
printf '%-40s %12s %12s %8s\n' "RSS, idle container (kB)" "$mr" "$cr" "$(ratio "$mr" "$cr")" \
	"PSS, idle container (kB)" "$mp" "$cp" "$(ratio "$mp" "$cp")" \
	"log throughput, awk printing 100 MB (MB/s)" "$mt" "$ct" "$(ratio "$mt" "$ct")" \
	"log throughput, cat of 100 MB (MB/s)" "$mc" "$cc" "$(ratio "$mc" "$cc")"
echo "date: $(date -u +%F), $(nproc) cores, $(conmon --version | head -1), ctr $(bin/ctr-monitor --version | tail -1 | awk '{print $3}')"
