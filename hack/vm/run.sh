#!/usr/bin/env bash
# hack/vm/run.sh [--timeout SECONDS] [--mem MIB] [--cpus N] [--console] -- COMMAND...
#
# Boots the test VM (hack/vm/kernel.sh: Debian's kernel, the host's root
# read-only under a writable overlay, systemd as init, the unified cgroup v2
# hierarchy) under qemu's software emulation, runs COMMAND in it as root in
# the current directory (the same path in the guest), prints its output as
# it comes, and exits with its status. A guest that does not finish within
# the timeout (default 1800 s) is killed: exit 124 and a line saying so.
# --console shows the guest's boot messages too. The guest's writes go to
# its own memory; only the command's output and status come back.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
timeout=1800 mem=6144 cpus=2 console=
while [ $# -gt 0 ]; do
	case $1 in
	--timeout) timeout=$2 && shift 2 ;;
	--mem) mem=$2 && shift 2 ;;
	--cpus) cpus=$2 && shift 2 ;;
	--console) console=1 && shift ;;
	--) shift && break ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: hack/vm/run.sh [--timeout S] [--mem MIB] [--cpus N] [--console] -- COMMAND..." >&2; exit 64; }
command -v qemu-system-x86_64 >/dev/null || { echo "run.sh: qemu-system-x86_64 is missing (hack/install-deps.sh)" >&2; exit 1; }
kdir=$("$here/kernel.sh")

share=$(mktemp -d /var/tmp/ctr-vm-run.XXXXXX)
qpid=
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	[ -n "$qpid" ] && kill -9 "$qpid" 2>/dev/null && wait "$qpid" 2>/dev/null
	rm -rf "$share"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# The command, quoted as given, run where it was asked from.
{
	printf 'export PATH=%q HOME=/root LANG=C.UTF-8 TMPDIR=/var/lib/ctr-vm-tmp\n' "$PATH"
	printf 'cd %q || exit 1\n' "$PWD"
	printf '%q ' "$@"
	echo
} >"$share/cmd"
: >"$share/out"

# The console (boot and shutdown messages) goes to a file, shown with
# --console; the command's output comes through the shared directory.
args=(
	-accel tcg -cpu max -smp "$cpus" -m "$mem" -nographic -no-reboot -nodefaults
	-kernel "$kdir/vmlinuz" -initrd "$kdir/initrd.gz"
	-append "console=ttyS0 panic=-1 quiet loglevel=3 systemd.show_status=0 systemd.unified_cgroup_hierarchy=1 rw"
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$share,mount_tag=ctrvm,security_model=none,multidevs=remap"
	-serial "file:$share/console"
)
qemu-system-x86_64 "${args[@]}" </dev/null >"$share/qemu.log" 2>&1 &
qpid=$!
# As it comes, until qemu ends: the command's output, as the guest writes
# it to the shared directory, or with --console the guest's console (and
# the command's output after it).
follow=$share/out
[ -z "$console" ] || follow=$share/console
tail --pid="$qpid" -n +1 -F "$follow" 2>/dev/null &
tpid=$!
tpid=$!
# The time limit: qemu is killed, and a mark says why.
# Its sleep must not outlive it: it would hold our stdout open.
(
	trap 'kill "$s" 2>/dev/null; exit 0' TERM
	sleep "$timeout" &
	s=$!
	wait "$s"
	touch "$share/timeout"
	kill -9 "$qpid" 2>/dev/null
) </dev/null >/dev/null 2>&1 &
wpid=$!
wait "$qpid" || true
qpid=
kill "$wpid" 2>/dev/null || true
wait "$wpid" 2>/dev/null || true
wait "$tpid" 2>/dev/null || true
[ -z "$console" ] || cat "$share/out"
if [ -f "$share/timeout" ]; then
	echo "run.sh: the guest did not finish within ${timeout} s: killed" >&2
	exit 124
fi
if [ ! -f "$share/status" ]; then
	echo "run.sh: the guest ended without the command's status; its console ends:" >&2
	tail -n 30 "$share/console" >&2
	cat "$share/qemu.log" >&2
	exit 1
fi
exit "$(cat "$share/status")"
