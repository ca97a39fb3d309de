#!/usr/bin/env bats
# ctr-runtime's commands beside the lifecycle (issue 16): pause and resume,
# update, ps, events --stats and features, on a bundle and from podman.

# shellcheck disable=SC2154 # run --separate-stderr sets stderr
bats_require_minimum_version 1.5.0
load helpers

IMG=localhost/busybox:latest

# cgroup_file PID CONTROLLER FILE: a file of the cgroup PID is in (v1 or v2).
cgroup_file() {
	local path=
	cgroup_v2 || path=$(cgroup_of "$1" "$2")
	if [ -n "$path" ]; then
		echo "/sys/fs/cgroup/$2$path/$3"
	else
		echo "/sys/fs/cgroup$(awk -F: '$1 == "0" {print $3}' "/proc/$1/cgroup")/$3"
	fi
}

# cg PID V1CONTROLLER V1FILE V2FILE: the value PID's cgroup has in the file
# of this layout (the two differ in name and, for some, in unit: see the
# callers). The first word only (cpu.max has two).
cg() {
	if cgroup_v2; then
		awk '{print $1; exit}' "$(cgroup_file "$1" "" "$4")"
	else
		awk '{print $1; exit}' "$(cgroup_file "$1" "$2" "$3")"
	fi
}

# frozen PID: FROZEN or THAWED, as v1's freezer says; v2's cgroup.freeze
# 1 or 0 in those words.
frozen() {
	case $(cg "$1" freezer freezer.state cgroup.freeze) in
	FROZEN | 1) echo FROZEN ;;
	THAWED | 0) echo THAWED ;;
	*) echo "frozen: unknown state" >&2 ;;
	esac
}

# bats test_tags=cgroup,smoke
@test "runtime: pause, resume, update, ps, events --stats and features on a bundle" {
	local_busybox
	local rt=(ctr-runtime --root "$TEST_TMP/rt") c1=adm-${TEST_TMP##*.} bundle=$TEST_TMP/bundle pid
	rt_bundle "$bundle" '["sh","-c","sleep 1000 & sleep 1000; true"]'
	"${rt[@]}" run -d --bundle "$bundle" --pid-file "$TEST_TMP/pid" "$c1" </dev/null >/dev/null 2>&1
	pid=$(cat "$TEST_TMP/pid")
	run_ctr "${rt[@]}" pause "$c1"
	[ "$("${rt[@]}" state "$c1" | jq -r .status)" = paused ]
	[ "$(frozen "$pid")" = FROZEN ]
	run_ctr "${rt[@]}" resume "$c1"
	[ "$("${rt[@]}" state "$c1" | jq -r .status)" = running ]
	[ "$(frozen "$pid")" = THAWED ]
	# update: flags, and a spec's resources from stdin (podman's way).
	run_ctr "${rt[@]}" update --memory 64m --pids-limit 50 --cpu-quota 20000 --cpu-period 100000 "$c1"
	[ "$(cg "$pid" memory memory.limit_in_bytes memory.max)" -eq 67108864 ]
	[ "$(cg "$pid" pids pids.max pids.max)" -eq 50 ]
	[ "$(cg "$pid" cpu cpu.cfs_quota_us cpu.max)" -eq 20000 ]
	run_ctr "${rt[@]}" update --resources - "$c1" <<<'{"memory": {"limit": 100663296}, "pids": {"limit": 70}}'
	[ "$(cg "$pid" memory memory.limit_in_bytes memory.max)" -eq 100663296 ]
	[ "$(cg "$pid" pids pids.max pids.max)" -eq 70 ]
	run_ctr "${rt[@]}" update --memory-reservation 32m --memory-swap 200m --cpu-share 512 --cpuset-cpus 0 --cpuset-mems 0 "$c1"
	[ "$(cg "$pid" memory memory.soft_limit_in_bytes memory.low)" -eq 33554432 ]
	[ "$(cg "$pid" cpuset cpuset.cpus cpuset.cpus)" = 0 ]
	if cgroup_v2; then
		# v2 keeps the swap alone (200m less the 96m limit) and a weight:
		# 512 shares are weight 59 (opencontainers/cgroups' mapping, in
		# which 1024 shares are podman's default weight 100).
		[ "$(cg "$pid" - - memory.swap.max)" -eq 109051904 ]
		[ "$(cg "$pid" - - cpu.weight)" -eq 59 ]
		# No real-time CPU time on v2: refused, not ignored.
		run_ctr 1 "${rt[@]}" update --cpu-rt-period 1000000 --cpu-rt-runtime 10000 "$c1"
	else
		[ "$(cg "$pid" memory memory.memsw.limit_in_bytes -)" -eq 209715200 ]
		[ "$(cg "$pid" cpu cpu.shares -)" -eq 512 ]
		run_ctr "${rt[@]}" update --cpu-rt-period 1000000 --cpu-rt-runtime 10000 "$c1"
		[ "$(cg "$pid" cpu cpu.rt_runtime_us -)" -eq 10000 ]
	fi
	# The I/O weight: v1's blkio.weight, v2's io.bfq.weight as given or
	# io.weight converted (300 of 10-1000 is 2930 of 1-10000, the cgroups
	# library's mapping); refused, not ignored, where there is none (v1
	# without BFQ: the host's case).
	local weight want=300
	weight=$(cgroup_file "$pid" blkio blkio.weight)
	if cgroup_v2; then
		weight=$(cgroup_file "$pid" "" io.bfq.weight)
		[ -e "$weight" ] || weight=$(cgroup_file "$pid" "" io.weight) want=2930
	fi
	if [ -e "$weight" ]; then
		run_ctr "${rt[@]}" update --blkio-weight 300 "$c1"
		[ "$(awk '{print $NF; exit}' "$weight")" -eq "$want" ]
	else
		run_ctr 1 "${rt[@]}" update --blkio-weight 300 "$c1"
	fi
	run_ctr 1 "${rt[@]}" update --memory lots "$c1"
	# ps: three processes (sh and two sleeps), as JSON and in ps's table.
	run_ctr "${rt[@]}" ps --format json "$c1"
	[ "$(jq length <<<"$output")" -eq 3 ]
	[ "$(jq -r ".[] | select(. == $pid)" <<<"$output")" = "$pid" ]
	run_ctr "${rt[@]}" ps "$c1"
	[ "${#lines[@]}" -eq 4 ]
	expect_match "sleep 1000"
	# events --stats: one stats event with the cgroup's counters.
	run_ctr "${rt[@]}" events --stats "$c1"
	[ "$(jq -r .type <<<"$output")" = stats ]
	[ "$(jq -r .data.pids.current <<<"$output")" -eq 3 ]
	[ "$(jq -r .data.pids.limit <<<"$output")" -eq 70 ]
	[ "$(jq -r .data.memory.usage.limit <<<"$output")" -eq 100663296 ]
	[ "$(jq -r .data.cpu.usage.total <<<"$output")" -gt 0 ]
	# events without --stats: a stream that ends when the container stops.
	"${rt[@]}" events --interval 100ms "$c1" >"$TEST_TMP/events" &
	local events=$!
	until_true 10 '[ "$(wc -l <"$TEST_TMP/events")" -ge 2 ]'
	run_ctr "${rt[@]}" kill --all "$c1" KILL
	until_true 10 '! kill -0 "$events" 2>/dev/null'
	wait "$events"
	run_ctr "${rt[@]}" delete "$c1"
	run_ctr 1 "${rt[@]}" pause "$c1"
	run_ctr "${rt[@]}" features
	[ "$(jq -r .ociVersionMax <<<"$output")" = "$(jq -r .ociVersion "$bundle/config.json" | sed 's/1.0.2/1.3.0/')" ]
	[ "$(jq -r '.linux.namespaces | index("network") != null' <<<"$output")" = true ]
	[ "$(jq -r .linux.seccomp.enabled <<<"$output")" = true ]
	[ "$(jq -r '.linux.cgroup | "\(.v1) \(.v2) \(.systemd)"' <<<"$output")" = "true true true" ]
}

# bats test_tags=cgroup
@test "runtime: podman's pause, unpause and update work through ctr-runtime" {
	local_busybox
	local id pid
	id=$(podman_t --runtime "$CTR_BIN/ctr-runtime" run -d --network none "$IMG" sleep 1000)
	pid=$(podman_t inspect -f '{{.State.Pid}}' "$id")
	run podman_t --runtime "$CTR_BIN/ctr-runtime" pause "$id"
	[ "$status" -eq 0 ]
	[ "$(podman_t inspect -f '{{.State.Status}}' "$id")" = paused ]
	[ "$(frozen "$pid")" = FROZEN ]
	run podman_t --runtime "$CTR_BIN/ctr-runtime" unpause "$id"
	[ "$status" -eq 0 ]
	[ "$(podman_t inspect -f '{{.State.Status}}' "$id")" = running ]
	run podman_t --runtime "$CTR_BIN/ctr-runtime" update --memory 64m "$id"
	[ "$status" -eq 0 ]
	[ "$(cg "$pid" memory memory.limit_in_bytes memory.max)" -eq 67108864 ]
	run podman_t --runtime "$CTR_BIN/ctr-runtime" rm -f -t 0 "$id"
	[ "$status" -eq 0 ]
}
