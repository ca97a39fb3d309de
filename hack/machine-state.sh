#!/usr/bin/env bash
# hack/machine-state.sh: the machine make test assumes, and what the suite
# must leave as it found it (issue 24: CI runs on a new machine, and a suite
# that passes only on one warmed by earlier runs fails there).
#
#   hack/machine-state.sh check          fails, one line each, on what the
#                                        suite cannot run without; prints the
#                                        state it starts from (as after a boot,
#                                        or warmed by podman or earlier runs)
#   hack/machine-state.sh snapshot FILE  what containers can leave on a host:
#                                        pinned namespaces, veths, leases, CNI
#                                        caches, per-container iptables rules,
#                                        cgroups, mounts and test directories
#   hack/machine-state.sh compare FILE   fails, listing it, on anything of that
#                                        kind that FILE does not have
#
# make test runs check and snapshot first and compare last.
set -euo pipefail

# leftovers: one line per thing a container or a test leaves behind when
# its clean-up fails. What stays for good once a first container ran (the
# bridges, the plugins' base chains, podman's default network file) is
# not listed: a new machine has none of it at the start and all of it at
# the end.
leftovers() {
	find /run/netns -mindepth 1 -maxdepth 1 2>/dev/null | sed 's/^/netns /'
	awk '$5 ~ "^/run/netns/" {print "netns-mount " $5}' /proc/self/mountinfo
	ip -o link show type veth 2>/dev/null | awk -F': ' '{sub(/@.*/, "", $2); print "veth " $2}'
	find /var/lib/cni/networks -type f ! -name lock ! -name 'last_reserved_ip*' 2>/dev/null | sed 's/^/lease /'
	find /var/lib/cni/results -type f 2>/dev/null | sed 's/^/cni-result /'
	# Per-container rules name the container (the plugins' comments), its
	# own chain (CNI-<hash>, CNI-DN-<hash>) or its address (/32).
	iptables-save 2>/dev/null | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//' |
		grep -E 'CNI-[0-9a-f]{20,}|CNI-DN-|id: |/32' | sed 's/^/iptables /' || true
	find /sys/fs/cgroup -maxdepth 4 -type d \( -regex '.*/[0-9a-f]\{64\}' -o -name 'ctr-*' -o -path '*/ctr-pods/*' \
		-o -name 'machine-ctr_pod_*' -o -name 'libpod-*' \) ! -name ctr-pods 2>/dev/null | sed 's/^/cgroup /'
	findmnt -rn -o TARGET | grep -E '^/tmp/ctr-test\.|/overlay/[0-9a-f]{64}/merged|/overlay-containers/' | sed 's/^/mount /' || true
	find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'ctr-test.*' 2>/dev/null | sed 's/^/test-dir /'
}

check() {
	local bad=0 cmd
	[ "$(id -u)" -eq 0 ] || { echo "machine: make test runs as root (mounts, namespaces, iptables)" >&2; bad=1; }
	for cmd in bats podman skopeo buildah runc conmon docker-registry iptables ip findmnt unshare nsenter jq go-md2man shellcheck; do
		command -v "$cmd" >/dev/null || { echo "machine: $cmd is missing: make deps installs it" >&2; bad=1; }
	done
	[ -x /usr/lib/cni/bridge ] || { echo "machine: the CNI plugins (/usr/lib/cni) are missing: make deps installs them" >&2; bad=1; }
	grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
		{ echo "machine: the kernel has no overlay filesystem" >&2; bad=1; }
	[ -e /proc/self/ns/user ] || { echo "machine: the kernel has no user namespaces" >&2; bad=1; }
	iptables -S >/dev/null 2>&1 || { echo "machine: iptables does not work here" >&2; bad=1; }
	[ "$bad" -eq 0 ] || exit 1
	# The state it starts from, for the log: the suite must pass from each.
	local netns podman cgroups
	if [ ! -e /run/netns ]; then
		netns="absent (as after a boot)"
	elif findmnt -rn -M /run/netns >/dev/null; then
		netns="a mount point ($(findmnt -rn -o PROPAGATION -M /run/netns | tail -n1))"
	else
		netns="a plain directory"
	fi
	podman="never run"
	if [ -e /var/lib/containers/storage/libpod/bolt_state.db ] || [ -e /var/lib/containers/storage/db.sql ]; then
		podman="has run"
	fi
	cgroups="v1 (hybrid)"
	[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && cgroups="v2"
	echo "machine: kernel $(uname -r), cgroup $cgroups, /run/netns $netns, podman $podman, $(leftovers | wc -l) leftovers of earlier runs" >&2
}

case ${1:-} in
check) check ;;
snapshot)
	[ $# -eq 2 ] || { echo "usage: $0 snapshot FILE" >&2; exit 64; }
	leftovers | sort >"$2"
	;;
compare)
	[ $# -eq 2 ] || { echo "usage: $0 compare FILE" >&2; exit 64; }
	new=$(leftovers | sort | comm -13 "$2" -)
	if [ -n "$new" ]; then
		echo "machine: the suite left these behind:" >&2
		echo "$new" >&2
		exit 1
	fi
	;;
*)
	echo "usage: $0 check | snapshot FILE | compare FILE" >&2
	exit 64
	;;
esac
