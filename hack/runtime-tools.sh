#!/usr/bin/env bash
# Runs the OCI runtime-tools validation suite against a runtime (default:
# bin/ctr-runtime) and fails on any failure not listed in
# hack/runtime-tools.expected (what this host cannot pass).
#
#   hack/runtime-tools.sh [RUNTIME]
#
# runtime-tools is fetched as a Go module (never vendored into ctr) and
# built here; its tests run inside a private mount namespace because some
# leak mounts into the host's.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNTIME=$(realpath "${1:-bin/ctr-runtime}")
MODULE=github.com/opencontainers/runtime-tools
VERSION=v0.9.1-0.20260316125833-8a4db579f5c8
EXPECTED=$PWD/hack/runtime-tools.expected
# The tests ctr-runtime is meant to pass, and those whose failures are
# listed in runtime-tools.expected; blkio, hugetlb and network cgroups,
# AppArmor, SELinux labels and rootfs propagation are not there to test.
TESTS=${RUNTIME_TOOLS_TESTS:-"create start state kill killsig kill_no_effect delete delete_only_create_resources
delete_resources pidfile default hostname mounts process process_user process_capabilities
process_capabilities_fail process_rlimits process_rlimits_fail process_oom_score_adj root_readonly_true
linux_masked_paths linux_readonly_paths linux_devices linux_sysctl linux_uid_mappings linux_ns_itype
linux_ns_nopath linux_ns_path linux_ns_path_type linux_cgroups_cpus linux_cgroups_memory linux_cgroups_pids
linux_cgroups_devices linux_cgroups_relative_cpus linux_cgroups_relative_memory linux_cgroups_relative_pids
linux_cgroups_relative_devices linux_seccomp misc_props config_updates_without_affect hooks hooks_stdin
prestart prestart_fail poststart poststart_fail poststop poststop_fail"}

cache=${RUNTIME_TOOLS_CACHE:-/var/tmp/ctr-runtime-tools}
src=$(GOFLAGS=-mod=mod go mod download -json "$MODULE@$VERSION" | jq -r .Dir)
mkdir -p "$cache/bin"
work=$(mktemp -d /var/tmp/ctr-rtt.XXXXXX)
trap 'rm -rf --one-file-system "$work"' EXIT
# The module cache is read-only: build from a copy.
cp -r "$src/." "$work/src"
chmod -R u+w "$work/src"
(
	cd "$work/src"
	[ -x "$cache/bin/runtimetest" ] || CGO_ENABLED=0 GOFLAGS=-mod=mod go build -tags "netgo osusergo" -o "$cache/bin/runtimetest" ./cmd/runtimetest
	for t in $TESTS; do
		[ -x "$cache/bin/$t.t" ] || GOFLAGS=-mod=mod go build -o "$cache/bin/$t.t" "./validation/$t"
	done
) >&2
cp "$src/rootfs-amd64.tar.gz" "$cache/bin/"

# Each test in its own private mount namespace, with a fresh runtime root.
status=0
total_ok=0 total_fail=0 unexpected=0
results=$work/results
mkdir -p "$results"
for t in $TESTS; do
	out=$results/$t.tap
	(cd "$cache/bin" && RUNTIME=$RUNTIME TMPDIR=$work unshare -m --propagation private timeout 120 "./$t.t") >"$out" 2>&1 || true
	ok=$(grep -c '^ok ' "$out" || true)
	fails=$(grep '^not ok ' "$out" | sed 's/^not ok [0-9]* - //' || true)
	nfail=0
	[ -n "$fails" ] && nfail=$(wc -l <<<"$fails")
	total_ok=$((total_ok + ok)) total_fail=$((total_fail + nfail))
	while IFS= read -r f; do
		[ -n "$f" ] || continue
		if ! grep -qxF "$t: $f" "$EXPECTED"; then
			echo "UNEXPECTED $t: $f" >&2
			unexpected=$((unexpected + 1))
		fi
	done <<<"$fails"
	if [ "$ok" -eq 0 ] && [ "$nfail" -eq 0 ]; then
		total_fail=$((total_fail + 1))
		if ! grep -qxF "$t: (no result)" "$EXPECTED"; then
			echo "UNEXPECTED $t: (no result): $(grep -m1 -E 'failed|error' "$out" | cut -c1-300)" >&2
			unexpected=$((unexpected + 1))
		fi
	fi
	printf '%-36s %3d ok %3d not ok\n' "$t" "$ok" "$nfail"
done
echo "runtime-tools against $(basename "$RUNTIME"): $total_ok ok, $total_fail not ok, $unexpected of them not in runtime-tools.expected"
[ "$unexpected" -eq 0 ] || status=1
# Leftover cgroups of the cgroup tests.
find /sys/fs/cgroup -maxdepth 3 -type d -name cgrouptest -exec rmdir {} + 2>/dev/null || true
exit $status
