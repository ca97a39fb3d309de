#!/usr/bin/env bats
# ctr-monitor and detached containers (ctr-run -d).

bats_require_minimum_version 1.5.0
load helpers

IMG=localhost/busybox:latest
MON=(ctr-monitor --runroot "$TEST_TMP/runroot")

@test "monitor: ctr-run -d, then wait prints the status and logs the output" {
	local_busybox
	MON=(ctr-monitor --runroot "$TEST_TMP/runroot")
	run_ctr ctr-run "${STORAGE[@]}" -d $IMG sh -c 'echo hello; sleep 0.1; echo oops >&2; exit 3'
	expect_match "^[0-9a-f]{64}$"
	local id=$output
	run_ctr 3 "${MON[@]}" wait "$id"
	expect_output 3
	run_ctr "${MON[@]}" logs "$id"
	expect_output $'hello\noops'
	run_ctr "${MON[@]}" logs --tail 1 "${id:0:12}"
	expect_output "oops"
	run_ctr ctr-run "${STORAGE[@]}" ps -a --json
	[ "$(jq -r .exitCode <<<"$output")" = 3 ]
	# The exit command unmounted it.
	! findmnt -rn -o TARGET | grep -q "$TEST_TMP/root/overlay/.*/merged"
}

@test "monitor: the log is CRI format, byte for byte: F lines, P pieces" {
	local_busybox
	MON=(ctr-monitor --runroot "$TEST_TMP/runroot")
	run_ctr ctr-run "${STORAGE[@]}" -d --name fmt $IMG sh -c 'echo full; printf "part"; sleep 0.2; echo " rest"; printf "tail"'
	run_ctr "${MON[@]}" wait fmt
	local log
	log=$(ls "$TEST_TMP"/runroot/ctr/*/ctr.log)
	cat "$log"
	local ts='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}(Z|[+-][0-9]{2}:[0-9]{2})'
	[ "$(wc -l <"$log")" -eq 4 ]
	expect_match "^$ts stdout F full$" "$(sed -n 1p "$log")"
	expect_match "^$ts stdout P part$" "$(sed -n 2p "$log")"
	expect_match "^$ts stdout F  rest$" "$(sed -n 3p "$log")"
	expect_match "^$ts stdout P tail$" "$(sed -n 4p "$log")"
	run_ctr "${MON[@]}" logs fmt
	expect_output $'full\npart rest\ntail'
}

@test "monitor: -d --rm removes the container after it exits; logs -f follows" {
	local_busybox
	MON=(ctr-monitor --runroot "$TEST_TMP/runroot")
	run_ctr ctr-run "${STORAGE[@]}" -d --name follow $IMG sh -c 'for i in 1 2 3; do echo line $i; sleep 0.2; done'
	run_ctr "${MON[@]}" logs -f follow
	expect_output $'line 1\nline 2\nline 3'
	run_ctr ctr-run "${STORAGE[@]}" -d --rm $IMG true
	local id=$output
	for _ in $(seq 50); do ctr-run "${STORAGE[@]}" ps -a | grep -q "${id:0:12}" || break; sleep 0.1; done
	run_ctr ctr-run "${STORAGE[@]}" ps -a
	[[ $output != *"${id:0:12}"* ]]
	[ ! -e "$TEST_TMP/runroot/ctr/$id" ]
	run_ctr 2 "${MON[@]}" wait "$id"
}

@test "monitor: a running detached container can be stopped, and its status is 128+signal" {
	local_busybox
	MON=(ctr-monitor --runroot "$TEST_TMP/runroot")
	run_ctr ctr-run "${STORAGE[@]}" -d --name sleeper $IMG sleep 100
	run_ctr ctr-run "${STORAGE[@]}" exec sleeper echo inside
	expect_output inside
	run_ctr ctr-run "${STORAGE[@]}" stop -t 1 sleeper
	run_ctr 137 "${MON[@]}" wait sleeper
	run_ctr ctr-run "${STORAGE[@]}" rm sleeper
	run_ctr 64 ctr-run "${STORAGE[@]}" -d -t $IMG true
}

@test "monitor: an OOM-killed container exits 137 with the OOM flag" {
	local_busybox
	MON=(ctr-monitor --runroot "$TEST_TMP/runroot")
	run_ctr ctr-run "${STORAGE[@]}" -d --name hog --memory 16m $IMG sh -c 'x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived'
	run_ctr 137 "${MON[@]}" wait hog
	run_ctr ctr-run "${STORAGE[@]}" ps -a --json
	[ "$(jq -r 'select(.name=="hog") | .oomKilled' <<<"$output")" = true ]
	run_ctr ctr-run "${STORAGE[@]}" ps -a
	expect_match "exited \(137\) OOM"
	# A container that was not OOM-killed has no flag.
	run_ctr ctr-run "${STORAGE[@]}" -d --name fine $IMG true
	run_ctr "${MON[@]}" wait fine
	run_ctr ctr-run "${STORAGE[@]}" ps -a --json
	[ "$(jq -r 'select(.name=="fine") | .oomKilled' <<<"$output")" = null ]
}

@test "monitor: 20 MB of log lines as fast as they come: none lost, reordered or torn" {
	local_busybox
	MON=(ctr-monitor --runroot "$TEST_TMP/runroot")
	run_ctr ctr-run "${STORAGE[@]}" -d --name chatty $IMG seq 1 2500000
	run_ctr "${MON[@]}" wait chatty
	"${MON[@]}" logs chatty >"$TEST_TMP/got"
	seq 1 2500000 >"$TEST_TMP/want"
	cmp "$TEST_TMP/got" "$TEST_TMP/want"
	# Every record is whole.
	! grep -vqE '^[0-9T:.+Z-]+ stdout [FP] [0-9]*$' "$TEST_TMP"/runroot/ctr/*/ctr.log
}

@test "monitor: kill -9 of the monitor leaves a running container that ps and rm -f handle" {
	local_busybox
	run_ctr ctr-run "${STORAGE[@]}" -d --name orphan $IMG sleep 100
	local id=$output
	local mpid
	mpid=$(pgrep -f "ctr-monitor --cid $id")
	[ -n "$mpid" ]
	kill -9 "$mpid"
	sleep 0.2
	run_ctr ctr-run "${STORAGE[@]}" ps
	expect_match "orphan"
	run_ctr ctr-run "${STORAGE[@]}" rm -f orphan
	! findmnt -rn -o TARGET | grep -q "$TEST_TMP/root/overlay/.*/merged"
	[ ! -e "$TEST_TMP/runroot/ctr/$id" ]
	[ ! -e "$TEST_TMP/runroot/ctr/runtime/$id" ]
}
