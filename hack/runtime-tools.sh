#!/usr/bin/env bash
# Runs the OCI runtime-tools validation suite against a runtime (default:
# bin/ctr-runtime) and judges every test program on its own: its exit
# status, its TAP plan, its "not ok" lines and the error diagnostics it
# prints outside any test line (the hook programs report only that way).
#
#   hack/runtime-tools.sh [RUNTIME]
#
# Each failure is a line "PROGRAM: WHAT" (WHAT is a "not ok" description,
# "(exit N)", "(timeout)", "(no plan)", "(plan N, ran M)" or "(error) TEXT").
# The run fails on any failure not listed in hack/runtime-tools.expected, and
# on any listed entry that no longer happens: that list may only shrink.
#
# runtime-tools is fetched as a Go module (never vendored into ctr) and
# built here; its tests run inside a private mount namespace because some
# leak mounts into the host's.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNTIME=$(realpath "${1:-bin/ctr-runtime}")
MODULE=github.com/opencontainers/runtime-tools
VERSION=v0.9.1-0.20260316125833-8a4db579f5c8
# The failures known, per cgroup layout (RUNTIME_TOOLS_EXPECTED: another
# list, as for a run against runc).
EXPECTED=$PWD/hack/runtime-tools.expected
[ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ] || EXPECTED=$PWD/hack/runtime-tools.v2.expected
EXPECTED=${RUNTIME_TOOLS_EXPECTED:-$EXPECTED}
expected_name=$(basename "$EXPECTED")
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

# Built programs are kept between runs, keyed by the suite's version and
# the Go that built them.
cache=${RUNTIME_TOOLS_CACHE:-/var/tmp/ctr-runtime-tools}/$VERSION-$(go env GOVERSION)
src=$(GOFLAGS=-mod=mod go mod download -json "$MODULE@$VERSION" | jq -r .Dir)
mkdir -p "$cache/bin"
work=$(mktemp -d "${TMPDIR:-/var/tmp}/ctr-rtt.XXXXXX")
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
# RUNTIME_TOOLS_BUILD_ONLY=1: the programs only, for a guest without a
# network (hack/vm/test-v2.sh).
[ -z "${RUNTIME_TOOLS_BUILD_ONLY:-}" ] || exit 0

# judge NAME OUTPUT STATUS: prints the program's failures, one per line as
# "NAME: WHAT", then a last line "counts OK NOTOK SKIP".
judge() {
	awk -v name="$1" -v rc="$3" '
	# A diagnostic block belongs to the test line just before it. One with
	# an error that no test line owns is a failure of its own: the hook
	# programs report only this way, with no test line at all.
	/^TAP version/ { tap = 1; next }
	/^1\.\.[0-9]+/ { tap = 1; plan += substr($1, 4) + 0; planned = 1; next }
	/^  ---/ { in_yaml = 1; yaml_error = ""; next }
	in_yaml && /^  \.\.\./ {
		in_yaml = 0
		if (yaml_error != "" && !owned) print name ": (error) " yaml_error
		owned = 0
		next
	}
	in_yaml {
		if (yaml_error == "" && match($0, /"error": "[^"\\]*/)) yaml_error = substr($0, RSTART + 10, RLENGTH - 10)
		next
	}
	/^not ok / { ran++; notok++; owned = 1; d = $0; sub(/^not ok [0-9]* *-? */, "", d); print name ": " d; next }
	/^ok / {
		ran++; owned = 1
		if ($0 ~ /# *[Ss][Kk][Ii][Pp]/) skip++; else ok++
		next
	}
	END {
		if (rc == 124) print name ": (timeout)"
		else if (rc != 0) print name ": (exit " rc ")"
		# A program that speaks TAP must say how many tests it ran (some
		# print two streams: their plans add up).
		if (tap && !planned) print name ": (no plan)"
		else if (planned && plan != ran) print name ": (plan " plan ", ran " ran ")"
		printf "counts %d %d %d\n", ok, notok, skip
	}' "$2"
}

# Each test in its own private mount namespace, with a fresh runtime root.
total_ok=0 total_fail=0 total_skip=0 unexpected=0 passed=0 failed_expected=0 failed_unexpected=0
results=$work/results
mkdir -p "$results"
: >"$results/all"
printf '%-34s %4s %5s %6s %4s  %s\n' PROGRAM EXIT OK NOT-OK SKIP VERDICT
# run_program NAME: runs one program; sets out, rc and verdict.
run_program() {
	out=$results/$1.tap rc=0
	(cd "$cache/bin" && RUNTIME=$RUNTIME TMPDIR=$work unshare -m --propagation private timeout 120 "./$1.t") >"$out" 2>&1 || rc=$?
	verdict=$(judge "$1" "$out" "$rc")
}

# unexpected_in VERDICT: whether it has a failure the list does not.
unexpected_in() {
	local f
	while IFS= read -r f; do
		[ -n "$f" ] && ! grep -qxF "$f" "$EXPECTED" && return 0
	done < <(sed '$d' <<<"$1")
	return 1
}

flaky=()
for t in $TESTS; do
	run_program "$t"
	# A failure not in the list gets one more run: some programs race
	# their own container under load (killsig signals a shell before it
	# has set its trap). One that then passes is reported as flaky; one
	# that fails again fails the run.
	if unexpected_in "$verdict"; then
		first=$(sed '$d' <<<"$verdict" | head -1)
		run_program "$t"
		unexpected_in "$verdict" || flaky+=("$t (first run: $first)")
	fi
	read -r _ ok nfail skip <<<"$(tail -n 1 <<<"$verdict")"
	fails=$(sed '$d' <<<"$verdict")
	total_ok=$((total_ok + ok)) total_fail=$((total_fail + nfail)) total_skip=$((total_skip + skip))
	state=pass
	if [ -n "$fails" ]; then
		state=expected
		printf '%s\n' "$fails" >>"$results/all"
		while IFS= read -r f; do
			if ! grep -qxF "$f" "$EXPECTED"; then
				echo "UNEXPECTED $f" >&2
				grep -m3 -iE 'error|failed' "$out" | cut -c1-300 | sed 's/^/    /' >&2 || true
				unexpected=$((unexpected + 1))
				state=FAIL
			else
				echo "expected $f" >>"$results/expected"
			fi
		done <<<"$fails"
	fi
	case $state in
	pass) passed=$((passed + 1)) ;;
	expected) failed_expected=$((failed_expected + 1)) ;;
	FAIL) failed_unexpected=$((failed_unexpected + 1)) ;;
	esac
	printf '%-34s %4d %5d %6d %4d  %s\n' "$t" "$rc" "$ok" "$nfail" "$skip" "$state"
done

# An expected failure of a program that ran and no longer fails that way
# must leave the list.
declare -A ran=()
for t in $TESTS; do ran[$t]=1; done
now_passing=0
while IFS= read -r entry; do
	case $entry in '' | '#'*) continue ;; esac
	[ -n "${ran[${entry%%:*}]:-}" ] || continue
	if ! grep -qxF "$entry" "$results/all"; then
		echo "NOW PASSES $entry (remove it from $expected_name)" >&2
		now_passing=$((now_passing + 1))
	fi
done <"$EXPECTED"

[ ! -s "$results/expected" ] || { echo "failures listed in $expected_name:"; sed 's/^expected /  /' "$results/expected"; }
[ ${#flaky[@]} -eq 0 ] || { echo "flaky (failed, then passed on a second run):"; printf '  %s\n' "${flaky[@]}"; }
echo "runtime-tools against $(basename "$RUNTIME"): $(wc -w <<<"$TESTS") programs: $passed passed, $failed_expected failed as expected, $failed_unexpected failed otherwise; tests: $total_ok ok, $total_fail not ok, $total_skip skipped; $unexpected failures not in $expected_name, $now_passing entries there that no longer fail"
# Leftover cgroups of the cgroup tests, wherever the hierarchies are.
mapfile -t roots < <(findmnt -rn -t cgroup,cgroup2 -o TARGET)
[ ${#roots[@]} -eq 0 ] || find "${roots[@]}" -depth -type d -name cgrouptest -exec rmdir {} + 2>/dev/null || true
[ "$unexpected" -eq 0 ] && [ "$now_passing" -eq 0 ]
