#!/usr/bin/env bash
# ctr-run against podman run, and ctr-runtime against runc, side by side
# and alternating (in shuffled order) in one run:
#   ctr-run --rm --network none IMAGE true  vs  podman run --rm --network none IMAGE true
#   ctr-run --rm IMAGE true (its default bridge) vs  podman run --rm IMAGE true (its default network)
#   a published port answering: ctr-run -d -p 127.0.0.1:P:80 IMAGE httpd, then
#   curl until it answers (the rm -f after it not counted), against podman
#   the same ctr-run with podman's own seccomp profile (its default lists
#   the native architecture only; podman's adds x86 and x32 on x86_64)
#   ctr-runtime run (one bundle)   vs  runc run (the same bundle)
# The bundle is the one ctr-run generates (seccomp on, native architecture).
# One warm-up round, not counted, then ROUNDS rounds in shuffled order.
#
#   bench/run.sh [ROUNDS]        (default 20)
#
# BENCH_CGROUP_MANAGER=systemd|cgroupfs gives both sides that cgroup
# manager (ctr-run and podman --cgroup-manager, the runtimes
# --systemd-cgroup or not); unset, each tool takes its default, which for
# all of them is systemd when it is the machine's init, else cgroupfs.
# (hack/vm/run.sh -- bench/run.sh runs it on cgroup v2 with systemd.)
#
# Storage, run root and bundle live on a tmpfs (BENCH_DISK=1: on disk), as
# in bench/pull.sh: this machine's disk adds more noise than the
# difference between the runtimes.
cd "$(dirname "$0")/.."
ROUNDS=${1:-20}
. bench/lib.sh
if [ -z "${BENCH_DISK:-}" ]; then
	on_tmpfs 2g
fi
# Also runc 1.5.3, built from the runc module ctr already depends on: the
# same libcontainer as ctr-runtime (Debian's runc is 1.1.5).
./hack/build-runc.sh "$work/runc-1.5.3"

root=$work/storage
S=(--root "$root" --runroot "$work/run" --storage-driver overlay)
podman_conf
CG=() RT=()
manager=${BENCH_CGROUP_MANAGER:-$([ -d /run/systemd/system ] && echo systemd || echo cgroupfs)}
case $manager in
systemd) RT=(--systemd-cgroup) ;;
cgroupfs) ;;
*) echo "BENCH_CGROUP_MANAGER: want systemd or cgroupfs" >&2; exit 64 ;;
esac
[ -z "${BENCH_CGROUP_MANAGER:-}" ] || CG=(--cgroup-manager "$manager")
# podman's seccomp profile (containers-common), as podman uses it.
PODMAN_SECCOMP=${PODMAN_SECCOMP:-/usr/share/containers/seccomp.json}

mkimage -o "$work/bb:1" --busybox "$(command -v busybox)" --cmd sh >&2
ctr-copy -q "${S[@]}" "oci:$work/bb:1" containers-storage:localhost/busybox:1 >/dev/null
# Warm both once (podman creates its database on first use).
ctr-run "${S[@]}" "${CG[@]}" --rm localhost/busybox:1 true
podman "${S[@]}" "${CG[@]}" run --rm --network none localhost/busybox:1 true

# The bundle: ctr-run's own config.json, over a copy of the rootfs.
bundle=$work/bundle
make_bundle "$bundle" "$bundle/config.json"

# One round runs each case once, in an order shuffled anew each round, so
# that each case follows each other one about as often: what ran just
# before (its page cache, its cgroup writes, its leftover processes) can
# change a start's time, and a fixed order would give each case the same
# neighbour every round.
# port_time TOOL ROUND: seconds from starting a published httpd to its
# first answer; the container is removed after, not counted.
port_time() {
	local port=$((21000 + RANDOM % 9000)) t0 t1 name=port-$1-$2
	local run=(ctr-run "${S[@]}" "${CG[@]}" -d)
	[ "$1" = podman ] && run=(podman "${S[@]}" "${CG[@]}" run -d)
	t0=$(date +%s.%N)
	"${run[@]}" --name "$name" -p "127.0.0.1:$port:80" localhost/busybox:1 sh -c 'echo up > /index.html; exec httpd -f -p 80 -h /' >/dev/null
	until curl -s -o /dev/null -m 1 "http://127.0.0.1:$port/"; do sleep 0.005; done
	t1=$(date +%s.%N)
	if [ "$1" = podman ]; then podman "${S[@]}" rm -f -t 0 "$name" >/dev/null; else ctr-run "${S[@]}" rm -f "$name" >/dev/null; fi
	echo "$t1 - $t0" | bc -l
}

declare -A t
run_case() {
	case $1 in
	ctr) elapsed ctr-run "${S[@]}" "${CG[@]}" --rm --network none localhost/busybox:1 true ;;
	ctrfull) elapsed ctr-run "${S[@]}" "${CG[@]}" --rm --network none --security-opt "seccomp=$PODMAN_SECCOMP" localhost/busybox:1 true ;;
	podman) elapsed podman "${S[@]}" "${CG[@]}" run --rm --network none localhost/busybox:1 true ;;
	ctrbr) elapsed ctr-run "${S[@]}" "${CG[@]}" --rm localhost/busybox:1 true ;;
	podbr) elapsed podman "${S[@]}" "${CG[@]}" run --rm localhost/busybox:1 true ;;
	ctrport) port_time ctr-run "$2" ;;
	podport) port_time podman "$2" ;;
	ctrrt) elapsed ctr-runtime --root "$work/rt" "${RT[@]}" run --bundle "$bundle" "c$2" ;;
	runc) elapsed runc --root "$work/runc" "${RT[@]}" run --bundle "$bundle" "r$2" ;;
	runc15) elapsed "$work/runc-1.5.3" --root "$work/runc15" "${RT[@]}" run --bundle "$bundle" "s$2" ;;
	esac
}
for r in $(seq 0 "$ROUNDS"); do
	shuffle ctr ctrfull podman ctrbr podbr ctrport podport ctrrt runc runc15
	for c in "${order[@]}"; do
		v=$(run_case "$c" "$r")
		counted "$r" && t[$c]+="$v "
	done
done

c=$(median <<<"${t[ctr]}") cf=$(median <<<"${t[ctrfull]}") p=$(median <<<"${t[podman]}") cr=$(median <<<"${t[ctrrt]}") rr=$(median <<<"${t[runc]}")
cb=$(median <<<"${t[ctrbr]}") pb=$(median <<<"${t[podbr]}") cp=$(median <<<"${t[ctrport]}") pp=$(median <<<"${t[podport]}")
r15=$(median <<<"${t[runc15]}")
printf '\n%-44s %8s\n' "median of $ROUNDS, seconds" ""
printf '%-44s %8s\n' "ctr-run --rm --network none busybox true" "$c" "  the same, podman's seccomp profile" "$cf" "podman run --rm --network none busybox true" "$p" \
	"ctr-run --rm busybox true (bridge)" "$cb" "podman run --rm busybox true (its network)" "$pb" \
	"ctr-run -d -p, until the port answers" "$cp" "podman run -d -p, until the port answers" "$pp" \
	"ctr-runtime run (bundle, seccomp)" "$cr" "runc run (same bundle, Debian's)" "$rr" "runc 1.5.3 run (same bundle)" "$r15"
printf '\nratios: ctr-run/podman %s (with podman'"'"'s seccomp profile %s), bridge %s, published port %s, ctr-runtime/runc %s, ctr-runtime/runc-1.5.3 %s\n' \
	"$(ratio "$c" "$p")" "$(ratio "$cf" "$p")" "$(ratio "$cb" "$pb")" "$(ratio "$cp" "$pp")" "$(ratio "$cr" "$rr")" "$(ratio "$cr" "$r15")"
echo "date: $(date -u +%F), $(nproc) cores, cgroup $(stat -fc %T /sys/fs/cgroup), $manager cgroup manager, $(podman --version), $(runc --version | head -1), ctr $(ctr-run --version | awk '{print $3}')"
