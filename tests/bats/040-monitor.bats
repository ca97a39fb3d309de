#!/usr/bin/env bats
# ctr-monitor and detached containers (ctr-run -d).

bats_require_minimum_version 1.5.0
load helpers

IMG=localhost/busybox:latest
MON=(ctr-monitor --root "$TEST_TMP/root" --runroot "$TEST_TMP/runroot")

# bats test_tags=smoke
@test "monitor: ctr-run -d, then wait prints the status and logs the output" {
	local_busybox
	MON=(ctr-monitor --root "$TEST_TMP/root" --runroot "$TEST_TMP/runroot")
	run_ctr ctr-run "${STORAGE[@]}" -d "$IMG" sh -c 'echo hello; sleep 0.1; echo oops >&2; exit 3'
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
	# The exit command (run after the exit is recorded) unmounts it.
	until_true 10 '[ -z "$(rootfs_mounts)" ]'

}

@test "monitor: the log is CRI format, byte for byte: F lines, P pieces" {
	local_busybox
	MON=(ctr-monitor --root "$TEST_TMP/root" --runroot "$TEST_TMP/runroot")
	run_ctr ctr-run "${STORAGE[@]}" -d --name fmt "$IMG" sh -c 'echo full; printf "part"; sleep 0.2; echo " rest"; printf "tail"'
	run_ctr "${MON[@]}" wait fmt
	local log
	log=$(ls "$TEST_TMP"/root/ctr/*/ctr.log)
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
	MON=(ctr-monitor --root "$TEST_TMP/root" --runroot "$TEST_TMP/runroot")
	run_ctr ctr-run "${STORAGE[@]}" -d --name follow "$IMG" sh -c 'for i in 1 2 3; do echo line $i; sleep 0.2; done'
	run_ctr "${MON[@]}" logs -f follow
	expect_output $'line 1\nline 2\nline 3'
	run_ctr ctr-run "${STORAGE[@]}" -d --rm "$IMG" true
	local id=$output
	for _ in $(seq 50); do ctr-run "${STORAGE[@]}" ps -a | grep -q "${id:0:12}" || break; sleep 0.1; done
	run_ctr ctr-run "${STORAGE[@]}" ps -a
	[[ $output != *"${id:0:12}"* ]]
	[ ! -e "$TEST_TMP/runroot/ctr/$id" ]
	[ ! -e "$TEST_TMP/root/ctr/$id" ]
	run_ctr 2 "${MON[@]}" wait "$id"
}

# bats test_tags=cgroup
@test "monitor: a running detached container can be stopped, and its status is 128+signal" {
	local_busybox
	MON=(ctr-monitor --root "$TEST_TMP/root" --runroot "$TEST_TMP/runroot")
	run_ctr ctr-run "${STORAGE[@]}" -d --name sleeper "$IMG" sleep 100
	run_ctr ctr-run "${STORAGE[@]}" exec sleeper echo inside
	expect_output inside
	run_ctr ctr-run "${STORAGE[@]}" stop -t 1 sleeper
	run_ctr 137 "${MON[@]}" wait sleeper
	run_ctr ctr-run "${STORAGE[@]}" rm sleeper
}

# bats test_tags=cgroup
@test "monitor: an OOM-killed container exits 137 with the OOM flag" {
	local_busybox
	MON=(ctr-monitor --root "$TEST_TMP/root" --runroot "$TEST_TMP/runroot")
	run_ctr ctr-run "${STORAGE[@]}" -d --name hog --memory 16m "$IMG" sh -c 'x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived'
	run_ctr 137 "${MON[@]}" wait hog
	run_ctr ctr-run "${STORAGE[@]}" ps -a --json
	[ "$(jq -r 'select(.name=="hog") | .oomKilled' <<<"$output")" = true ]
	run_ctr ctr-run "${STORAGE[@]}" ps -a
	expect_match "exited \(137\) OOM"
	run_ctr "${MON[@]}" events --json hog
	[ "$(jq -r .event <<<"$output" | paste -sd,)" = started,oom,exited ]
	# A container that was not OOM-killed has no flag.
	run_ctr ctr-run "${STORAGE[@]}" -d --name fine "$IMG" true
	run_ctr "${MON[@]}" wait fine
	run_ctr ctr-run "${STORAGE[@]}" ps -a --json
	[ "$(jq -r 'select(.name=="fine") | .oomKilled' <<<"$output")" = null ]
}

# lines N: N numbered lines of 99 bytes (a number and spaces), the same
# in the container (busybox awk) and here.
LINES_AWK='{p=sprintf("%90s",""); for(i=1;i<=n;i++) printf "%08d%s\n", i, p}'

# cri_text FILE...: the output a CRI log holds, P pieces joined to their
# line (independent of ctr-monitor's own reader).
cri_text() {
	cat "$@" | awk '{ i=index($0," "); r=substr($0,i+1); i=index(r," "); r=substr(r,i+1)
		buf=buf substr(r,3); if (substr(r,1,1)=="F") { print buf; buf="" } }
		END { if (buf!="") printf "%s", buf }'
}

@test "monitor: 100 MB of log lines flat out: none lost, reordered or torn; memory bounded" {
	local_busybox
	MON=(ctr-monitor --root "$TEST_TMP/root" --runroot "$TEST_TMP/runroot")
	run_ctr ctr-run "${STORAGE[@]}" -d --name chatty "$IMG" awk -v n=1000000 "BEGIN $LINES_AWK"
	local id=$output mpid rss max=0 samples=0
	mpid=$(monitor_pid "$id")
	while rss=$(awk '/VmRSS/ {print $2}' "/proc/$mpid/status" 2>/dev/null) && [ -n "$rss" ]; do
		[ "$rss" -gt "$max" ] && max=$rss
		samples=$((samples + 1))
		sleep 0.05
	done
	echo "monitor's largest RSS: $max kB in $samples samples"
	# The monitor was seen while it worked (1M lines take seconds), and stayed small.
	[ "$samples" -ge 5 ]
	[ "$max" -gt 0 ] && [ "$max" -lt 20000 ]
	run_ctr "${MON[@]}" wait chatty
	awk -v n=1000000 "BEGIN $LINES_AWK" >"$TEST_TMP/want"
	[ "$(stat -c %s "$TEST_TMP/want")" -ge 99000000 ]
	"${MON[@]}" logs chatty >"$TEST_TMP/got"
	cmp "$TEST_TMP/got" "$TEST_TMP/want"
	cri_text "$TEST_TMP/root/ctr/$id/ctr.log" | cmp - "$TEST_TMP/want"
	# Every record is whole.
	run grep -vE '^[0-9T:.+Z-]+ stdout [FP] [0-9 ]*$' "$TEST_TMP/root/ctr/$id/ctr.log"
	[ "$status" -eq 1 ] # 1: every line read, none other
}

@test "monitor: rotation under load loses no line; truncation keeps the log under its limit" {
	local_busybox
	MON=(ctr-monitor --root "$TEST_TMP/root" --runroot "$TEST_TMP/runroot")
	run_ctr ctr-run "${STORAGE[@]}" -d --name rot --log-opt max-size=2m --log-opt max-file=30 "$IMG" awk -v n=300000 "BEGIN $LINES_AWK"
	local id=$output
	run_ctr "${MON[@]}" wait rot
	local d=$TEST_TMP/root/ctr/$id files=() i
	for i in $(seq 29 -1 1); do [ -f "$d/ctr.log.$i" ] && files+=("$d/ctr.log.$i"); done
	files+=("$d/ctr.log")
	echo "${#files[@]} files"
	[ "${#files[@]}" -gt 10 ]
	for i in "${files[@]}"; do [ "$(stat -c %s "$i")" -le $((2 * 1024 * 1024)) ]; done
	awk -v n=300000 "BEGIN $LINES_AWK" >"$TEST_TMP/want"
	cri_text "${files[@]}" | cmp - "$TEST_TMP/want"
	"${MON[@]}" logs rot | cmp - "$TEST_TMP/want"
	# One file: truncated at the limit, the end of the output kept.
	run_ctr ctr-run "${STORAGE[@]}" -d --name trunc --log-opt max-size=64k "$IMG" awk -v n=20000 "BEGIN $LINES_AWK"
	id=$output
	run_ctr "${MON[@]}" wait trunc
	[ ! -e "$TEST_TMP/root/ctr/$id/ctr.log.1" ]
	[ "$(stat -c %s "$TEST_TMP/root/ctr/$id/ctr.log")" -le 65536 ]
	run_ctr "${MON[@]}" logs --tail 1 trunc
	expect_match "^00020000 +$"
	run_ctr 64 ctr-run "${STORAGE[@]}" -d --log-opt max-size=1k "$IMG" true
	run_ctr 64 ctr-run "${STORAGE[@]}" --log-opt max-size=1m "$IMG" true
}

@test "monitor: attach: stdin in, stdout and stderr out, then the container's status" {
	local_busybox
	MON=(ctr-monitor --root "$TEST_TMP/root" --runroot "$TEST_TMP/runroot")
	run_ctr ctr-run "${STORAGE[@]}" -d -i --name talk "$IMG" sh -c 'while read l; do echo "out $l"; echo "err $l" >&2; done; exit 4'
	local id=$output
	printf 'a\nb\n' | "${MON[@]}" attach talk >"$TEST_TMP/out" 2>"$TEST_TMP/err" && status=0 || status=$?
	[ "$status" -eq 4 ]
	[ "$(cat "$TEST_TMP/out")" = $'out a\nout b' ]
	[ "$(cat "$TEST_TMP/err")" = $'err a\nerr b' ]
	# Logged too, and the events say what happened.
	# stdout and stderr are separate pipes: each in order.
	run_ctr "${MON[@]}" logs talk
	[ "$(grep out <<<"$output")" = $'out a\nout b' ]
	[ "$(grep err <<<"$output")" = $'err a\nerr b' ]
	run_ctr "${MON[@]}" events --json talk
	[ "$(jq -r .event <<<"$output" | paste -sd,)" = started,exited ]
	[ "$(jq -r 'select(.event=="exited") | .status' <<<"$output")" = 4 ]
	[ "$(jq -r 'select(.event=="started") | .id' <<<"$output")" = "$id" ]
	run_ctr 1 "${MON[@]}" attach talk
	expect_match "is not running"
	run_ctr 2 "${MON[@]}" attach nosuch
}

@test "monitor: -t gives a pty; resize messages on the ctl FIFO reach it" {
	local_busybox
	MON=(ctr-monitor --root "$TEST_TMP/root" --runroot "$TEST_TMP/runroot")
	run_ctr ctr-run "${STORAGE[@]}" -d -t --name tty "$IMG" sh -c 'sleep 1; tty; stty size'
	local id=$output
	[ -p "$TEST_TMP/runroot/ctr/$id/ctl" ]
	echo "1 40 120" >"$TEST_TMP/runroot/ctr/$id/ctl"
	run_ctr "${MON[@]}" wait tty
	run_ctr "${MON[@]}" logs tty
	# A terminal's line ends: CR LF.
	expect_output $'/dev/pts/0\r\n40 120\r'
}

@test "monitor: exec with a timeout kills the process group and says so; exec reports the status" {
	local_busybox
	run_ctr ctr-run "${STORAGE[@]}" -d --name host "$IMG" sleep 100
	local id=$output dir=$TEST_TMP/exec
	mkdir -p "$dir"
	cat >"$dir/process.json" <<-'EOF'
	{"args":["sh","-c","sleep 50 & sleep 60"],"cwd":"/","env":["PATH=/bin"],"user":{"uid":0,"gid":0}}
	EOF
	local mon=(ctr-monitor --sync --cid "$id" --runtime "$CTR_BIN/ctr-runtime" --runtime-arg --root
		--runtime-arg "$TEST_TMP/runroot/ctr/runtime" -b "$dir" -p "$dir/pid" -l none --exit-dir "$dir/exits" -e --exec-process-spec "$dir/process.json")
	SECONDS=0
	_OCI_SYNCPIPE=3 run_ctr "${mon[@]}" --timeout 1 3>"$dir/sync"
	[ "$SECONDS" -lt 10 ]
	cat "$dir/sync"
	expect_match '^\{"data":[0-9]+\}$' "$(sed -n 1p "$dir/sync")"
	[ "$(sed -n 2p "$dir/sync")" = '{"data":-1,"message":"command timed out"}' ]
	run_ctr ctr-run "${STORAGE[@]}" exec host ps
	[[ $output != *"sleep 50"* && $output != *"sleep 60"* ]]
	echo '{"args":["sh","-c","exit 9"],"cwd":"/","env":["PATH=/bin"],"user":{"uid":0,"gid":0}}' >"$dir/process.json"
	_OCI_SYNCPIPE=3 run_ctr "${mon[@]}" 3>"$dir/sync"
	[ "$(sed -n 2p "$dir/sync")" = '{"data":9}' ]
	[ "$(cat "$dir/exits/$id")" = 9 ]
	run_ctr ctr-run "${STORAGE[@]}" rm -f host
}

@test "monitor: podman --conmon ctr-monitor: run -d, logs, exec, stop, OOM" {
	requires podman
	local_busybox
	podman_cmd
	local p=("${PODMAN[@]}" --conmon "$CTR_BIN/ctr-monitor")
	run_ctr "${p[@]}" run -d --network none "$IMG" sh -c 'echo hi; echo oops >&2; sleep 100'
	local id=$output
	run_ctr "${p[@]}" logs "$id"
	expect_output $'hi\noops'
	run_ctr "${p[@]}" exec "$id" echo from exec
	expect_output "from exec"
	run_ctr 7 "${p[@]}" exec "$id" sh -c 'exit 7'
	run_ctr "${p[@]}" exec -i "$id" cat <<<"through stdin"
	expect_output "through stdin"
	run_ctr "${p[@]}" exec -t "$id" tty
	expect_output $'/dev/pts/0\r'
	run_ctr 127 "${p[@]}" exec "$id" no-such-command
	run_ctr "${p[@]}" stop -t 1 "$id"
	run_ctr "${p[@]}" inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$id"
	expect_output "exited 137"
	# The monitor's exit command (podman container cleanup) ran: unmounted.
	[ -z "$(rootfs_mounts)" ]
	run_ctr "${p[@]}" rm "$id"
	run_ctr 5 "${p[@]}" run --rm --network none "$IMG" sh -c 'echo foreground; exit 5'
	expect_output foreground
	run_ctr "${p[@]}" run -d --network none --memory 16m "$IMG" sh -c 'x=$(head -c 200000000 /dev/zero | tr "\0" a)'
	id=$output
	run_ctr "${p[@]}" wait "$id"
	expect_output 137
	run_ctr "${p[@]}" inspect --format '{{.State.OOMKilled}}' "$id"
	expect_output true
	run_ctr "${p[@]}" rm "$id"
	run_ctr "${p[@]}" --runtime "$CTR_BIN/ctr-runtime" run --rm --network none "$IMG" echo both of ours
	expect_output "both of ours"
}

# bats test_tags=cgroup
@test "monitor: kill -9 of the monitor leaves a running container that ps and rm -f handle" {
	local_busybox
	run_ctr ctr-run "${STORAGE[@]}" -d --name orphan "$IMG" sleep 100
	local id=$output
	local mpid
	mpid=$(monitor_pid "$id")
	[ -n "$(rootfs_mounts)" ]
	kill -9 "$mpid"
	while kill -0 "$mpid" 2>/dev/null; do sleep 0.05; done
	run_ctr ctr-run "${STORAGE[@]}" ps
	expect_match "orphan"
	run_ctr ctr-run "${STORAGE[@]}" rm -f orphan
	[ -z "$(rootfs_mounts)" ]
	[ ! -e "$TEST_TMP/runroot/ctr/$id" ]
	[ ! -e "$TEST_TMP/root/ctr/$id" ]
	[ ! -e "$TEST_TMP/runroot/ctr/runtime/$id" ]
}

@test "monitor: --inherit-stdio runs the container on the monitor's own stdio, records the exit, runs the exit command only when orphaned" {
	local_busybox
	local dir=$TEST_TMP/inh
	rt_bundle "$dir" '["sh","-c","echo to-stdout; echo to-stderr >&2; read l; echo got-$l; exit 5"]'
	local mon=(ctr-monitor --sync --inherit-stdio --cid inh --runtime "$CTR_BIN/ctr-runtime" --runtime-arg --root
		--runtime-arg "$TEST_TMP/rt" -b "$dir" -l none --exit-dir "$dir/exits" --persist-dir "$dir/persist"
		--exit-command /bin/touch --exit-command-arg "$dir/cleaned")
	echo line | _OCI_SYNCPIPE=3 "${mon[@]}" 3>"$dir/sync" >"$dir/out" 2>"$dir/err"
	[ "$(cat "$dir/out")" = $'to-stdout\ngot-line' ]
	[ "$(cat "$dir/err")" = to-stderr ]
	expect_match '^\{"data":[0-9]+\}$' "$(sed -n 1p "$dir/sync")"
	[ "$(sed -n 2p "$dir/sync")" = '{"data":5}' ]
	[ "$(cat "$dir/exits/inh")" = 5 ]
	[ "$(cat "$dir/persist/exit")" = 5 ]
	# The sync pipe could be written to: a caller holds it, and cleans up.
	[ ! -e "$dir/cleaned" ]
	# The caller gone: its end of the sync pipe closed, the monitor runs it.
	rt_bundle "$dir" '["sleep","1"]'
	mkfifo "$dir/fifo"
	exec 4<>"$dir/fifo"
	_OCI_SYNCPIPE=3 "${mon[@]}" </dev/null >/dev/null 2>&1 3>"$dir/fifo" 4>&- &
	local mpid=$!
	head -n1 <&4 >/dev/null
	exec 4>&-
	until_true 10 '[ -e "$dir/cleaned" ]'
	wait "$mpid"
	[ "$(cat "$dir/exits/inh")" = 0 ]
	ctr-runtime --root "$TEST_TMP/rt" delete --force inh 2>/dev/null || true
	run_ctr 64 ctr-monitor --inherit-stdio --cid x --runtime "$CTR_BIN/ctr-runtime" -b "$dir"
}

@test "monitor: start -a right after wait saw a detached container exit (its clean-up may still run) runs it again" {
	local_busybox
	local i cid
	for i in 1 2 3; do
		cid=$(ctr-run "${STORAGE[@]}" -d "$IMG" sh -c 'echo hi; exit 3')
		run_ctr 3 ctr-monitor --root "$TEST_TMP/root" --runroot "$TEST_TMP/runroot" wait "$cid"
		run_ctr 3 ctr-run "${STORAGE[@]}" start -a "$cid"
		[ "$output" = hi ]
	done
}
