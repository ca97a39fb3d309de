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

@test "runtime: pause, resume, update, ps, events --stats and features on a bundle" {
	local_busybox
	local rt=(ctr-runtime --root "$TEST_TMP/rt") c1=adm-${TEST_TMP##*.} bundle=$TEST_TMP/bundle pid
	rt_bundle "$bundle" '["sh","-c","sleep 1000 & sleep 1000; true"]'
	"${rt[@]}" run -d --bundle "$bundle" --pid-file "$TEST_TMP/pid" "$c1" </dev/null >/dev/null 2>&1
	pid=$(cat "$TEST_TMP/pid")
	run_ctr "${rt[@]}" pause "$c1"
	[ "$("${rt[@]}" state "$c1" | jq -r .status)" = paused ]
	[ "$(cat "$(cgroup_file "$pid" freezer freezer.state)")" = FROZEN ]
	run_ctr "${rt[@]}" resume "$c1"
	[ "$("${rt[@]}" state "$c1" | jq -r .status)" = running ]
	[ "$(cat "$(cgroup_file "$pid" freezer freezer.state)")" = THAWED ]
	# update: flags, and a spec's resources from stdin (podman's way).
	run_ctr "${rt[@]}" update --memory 64m --pids-limit 50 --cpu-quota 20000 --cpu-period 100000 "$c1"
	[ "$(cat "$(cgroup_file "$pid" memory memory.limit_in_bytes)")" -eq 67108864 ]
	[ "$(cat "$(cgroup_file "$pid" pids pids.max)")" -eq 50 ]
	[ "$(cat "$(cgroup_file "$pid" cpu cpu.cfs_quota_us)")" -eq 20000 ]
	run_ctr "${rt[@]}" update --resources - "$c1" <<<'{"memory": {"limit": 100663296}, "pids": {"limit": 70}}'
	[ "$(cat "$(cgroup_file "$pid" memory memory.limit_in_bytes)")" -eq 100663296 ]
	[ "$(cat "$(cgroup_file "$pid" pids pids.max)")" -eq 70 ]
	run_ctr "${rt[@]}" update --memory-reservation 32m --memory-swap 200m --cpu-share 512 --cpuset-cpus 0 --cpuset-mems 0 \
		--cpu-rt-period 1000000 --cpu-rt-runtime 10000 "$c1"
	[ "$(cat "$(cgroup_file "$pid" memory memory.soft_limit_in_bytes)")" -eq 33554432 ]
	[ "$(cat "$(cgroup_file "$pid" memory memory.memsw.limit_in_bytes)")" -eq 209715200 ]
	[ "$(cat "$(cgroup_file "$pid" cpu cpu.shares)")" -eq 512 ]
	[ "$(cat "$(cgroup_file "$pid" cpuset cpuset.cpus)")" = 0 ]
	[ "$(cat "$(cgroup_file "$pid" cpu cpu.rt_runtime_us)")" -eq 10000 ]
	# No blkio.weight without BFQ (this kernel's case): refused, not ignored.
	if [ -e "$(cgroup_file "$pid" blkio blkio.weight)" ]; then
		run_ctr "${rt[@]}" update --blkio-weight 300 "$c1"
		[ "$(cat "$(cgroup_file "$pid" blkio blkio.weight)")" -eq 300 ]
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

@test "runtime: podman's pause, unpause and update work through ctr-runtime" {
	local_busybox
	local id pid
	id=$(podman_t --runtime "$CTR_BIN/ctr-runtime" run -d --network none "$IMG" sleep 1000)
	pid=$(podman_t inspect -f '{{.State.Pid}}' "$id")
	run podman_t --runtime "$CTR_BIN/ctr-runtime" pause "$id"
	[ "$status" -eq 0 ]
	[ "$(podman_t inspect -f '{{.State.Status}}' "$id")" = paused ]
	[ "$(cat "$(cgroup_file "$pid" freezer freezer.state)")" = FROZEN ]
	run podman_t --runtime "$CTR_BIN/ctr-runtime" unpause "$id"
	[ "$status" -eq 0 ]
	[ "$(podman_t inspect -f '{{.State.Status}}' "$id")" = running ]
	run podman_t --runtime "$CTR_BIN/ctr-runtime" update --memory 64m "$id"
	[ "$status" -eq 0 ]
	[ "$(cat "$(cgroup_file "$pid" memory memory.limit_in_bytes)")" -eq 67108864 ]
	run podman_t --runtime "$CTR_BIN/ctr-runtime" rm -f -t 0 "$id"
	[ "$status" -eq 0 ]
}
