#!/usr/bin/env bats
# Hostile and careless input (issue 12's probes): refused with the
# documented code and a clear line, never echoed raw, never half-done.

# shellcheck disable=SC2154 # run --separate-stderr sets stderr
bats_require_minimum_version 1.5.0
load helpers

IMG=localhost/busybox:latest

# bats test_tags=smoke
@test "hardening 13: container and image names are checked as podman checks them" {
	local_busybox
	local bad
	for bad in $'two\nlines' '../x' '-dash' 'a/b' "$(printf 'n%.0s' $(seq 300))"; do
		run_ctr 64 ctr-run "${STORAGE[@]}" --name "$bad" "$IMG" true
		expect_match "name"
	done
	run_ctr ctr-run "${STORAGE[@]}" --rm --name ok_name-1.2 "$IMG" true
	run_ctr ctr-run "${STORAGE[@]}" ps -a
	[ "${#lines[@]}" -eq 1 ]
	# Image names: parsed as references before anything is stored.
	mkdir -p "$TEST_TMP/ctx"
	printf 'FROM %s\n' "$IMG" >"$TEST_TMP/ctx/Containerfile"
	for bad in '../x' 'UPPER/case' 'a b' $'x\ny'; do
		run_ctr 64 ctr-build "${STORAGE[@]}" -q -t "$bad" "$TEST_TMP/ctx"
	done
	local c
	c=$(ctr-build "${STORAGE[@]}" from "$IMG")
	run_ctr 64 ctr-build "${STORAGE[@]}" commit -q "$c" localhost/fine:1 '../x'
	podman_t --version >/dev/null
	run podman_t images
	[ "$status" -eq 0 ]
	refute_line 'fine' <(printf '%s\n' "$output")
}

@test "hardening 14: a newline in --hostname, --dns-search or --dns-option is refused" {
	local_busybox
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --hostname $'box\n6.6.6.6 evil' "$IMG" true
	expect_match "hostname"
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --dns-search $'example.com\nnameserver 6.6.6.6' "$IMG" true
	expect_match "dns-search"
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --dns-option $'ndots:2\nnameserver 6.6.6.6' "$IMG" true
	expect_match "dns-option"
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --dns-option 'ndots 2' "$IMG" true
	# Nothing was left behind by the refusals.
	run_ctr ctr-run "${STORAGE[@]}" ps -a
	[ "${#lines[@]}" -eq 1 ]
	run_ctr ctr-run "${STORAGE[@]}" --rm --hostname box.example --dns-search example.com --dns-option ndots:2 "$IMG" \
		sh -c 'cat /etc/hostname; grep -c . /etc/resolv.conf >/dev/null; grep -E "^(search|options)" /etc/resolv.conf'
	expect_output $'box.example\nsearch example.com\noptions ndots:2'
}

@test "hardening: a control character in --add-host's name is refused (a vertical tab reached /etc/hosts), by ctr-run and pod create; so is one in pod create's DNS" {
	local_busybox
	pod_state >"$TEST_TMP/before"
	local bad
	for bad in $'db\vevil:10.0.0.1' $'db\n10.6.6.6 evil:10.0.0.1' $'db\x7f:10.0.0.1' 'db evil:10.0.0.1' ':10.0.0.1'; do
		run --separate-stderr ctr-run "${STORAGE[@]}" --rm --add-host "$bad" "$IMG" cat /etc/hosts
		[ "$status" -eq 64 ]
		[ "$(wc -l <<<"$stderr")" -eq 1 ]
		[[ $stderr == *--add-host* ]]
		run --separate-stderr ctr-run "${STORAGE[@]}" pod create --name p --add-host "$bad"
		[ "$status" -eq 64 ]
		[[ $stderr == *--add-host* ]]
	done
	run_ctr 64 ctr-run "${STORAGE[@]}" pod create --name p --dns-search $'example.test\nnameserver 6.6.6.6'
	expect_match "dns-search"
	run_ctr 64 ctr-run "${STORAGE[@]}" pod create --name p --dns $'10.0.0.53\nnameserver 6.6.6.6'
	expect_match "--dns"
	run_ctr ctr-run "${STORAGE[@]}" pod ls -q
	[ -z "$output" ]
	run_ctr ctr-run "${STORAGE[@]}" ps -a --json
	[ -z "$output" ]
	# Names podman takes still work: any printable word.
	run_ctr ctr-run "${STORAGE[@]}" --rm --add-host 'db_1.example:10.0.0.1' --add-host 'v6:[fd00::1]' "$IMG" grep -E '(db_1|v6)' /etc/hosts
	expect_output $'10.0.0.1\tdb_1.example\nfd00::1\tv6'
	pod_state >"$TEST_TMP/after"
	diff "$TEST_TMP/before" "$TEST_TMP/after"
}

@test "hardening: --annotation goes into the container's OCI config; a key starting io.ctr. (ctr's own, read back by ctr-run) is refused with 64, naming it" {
	local_busybox
	local bad
	for bad in io.ctr.pod=x io.ctr.log-path=/tmp/x.log IO.Ctr.stop-signal=9 io.ctr.cri.sandbox-id=x =v novalue $'a\nb=1'; do
		run --separate-stderr ctr-run "${STORAGE[@]}" --rm --annotation "$bad" "$IMG" true
		[ "$status" -eq 64 ]
		[ "$(wc -l <<<"$stderr")" -eq 1 ]
		[[ $stderr == *--annotation* ]]
	done
	run --separate-stderr ctr-run "${STORAGE[@]}" --rm --annotation io.ctr.pod=x "$IMG" true
	[[ $stderr == *'"io.ctr.pod"'* ]]
	run_ctr ctr-run "${STORAGE[@]}" ps -a --json
	[ -z "$output" ]
	run_ctr ctr-run "${STORAGE[@]}" -d --name a --annotation example.com/one=1 --annotation 'two=with = and spaces' --annotation empty= \
		--stop-signal KILL "$IMG" sleep 1000
	local spec
	spec=$(ctr-run "${STORAGE[@]}" inspect a | jq -r .bundle)/config.json
	[ "$(jq -r '.annotations["example.com/one"]' "$spec")" = 1 ]
	[ "$(jq -r '.annotations.two' "$spec")" = "with = and spaces" ]
	[ "$(jq -r '.annotations.empty' "$spec")" = "" ]
	[ "$(jq -r '.annotations["io.ctr.name"]' "$spec")" = a ]
	[ "$(jq -r '.annotations["io.ctr.stop-signal"]' "$spec")" = 9 ]
	run_ctr ctr-run "${STORAGE[@]}" rm -f a
}

@test "hardening 15: a malformed --creds never shows its password" {
	start_registry REG
	local flag
	for flag in --creds --src-creds --dest-creds; do
		case $flag in
		--creds) run_ctr 64 ctr-pull -q "${STORAGE[@]}" "$NOTLS" "$flag" ':hunter2' "$REG/a:1" ;;
		*) run_ctr 64 ctr-copy -q "$NOTLS" "$flag" ':hunter2' "docker://$REG/a:1" "dir:$TEST_TMP/d" ;;
		esac
		[[ $output != *hunter2* ]]
		expect_match "creds"
	done
}

@test "hardening 16: control characters in what the tools print are escaped" {
	local_busybox
	local esc=$'\e]0;owned\a\e[2J'
	run_ctr 64 ctr-pull -q "${STORAGE[@]}" "bad${esc}ref"
	[[ $output != *$'\e'* ]] && [[ $output != *$'\a'* ]]
	run_ctr 2 ctr-run "${STORAGE[@]}" --pull never "bad${esc}ref" true
	[[ $output != *$'\e'* ]]
	run_ctr 2 ctr-run "${STORAGE[@]}" rm "bad${esc}name"
	[[ $output != *$'\e'* ]]
	expect_match '\\x1b'
	run_ctr 1 ctr-runtime --root "$TEST_TMP/rt" state "bad${esc}id"
	[[ $output != *$'\e'* ]]
	run_ctr 2 ctr-monitor --root "$TEST_TMP/root" --runroot "$TEST_TMP/runroot" logs "bad${esc}id"
	[[ $output != *$'\e'* ]]
}

@test "hardening 18: out-of-range values are refused, not taken silently" {
	local_busybox
	local v
	for v in nan inf -inf 1e20 0 -1; do
		run_ctr 64 ctr-run "${STORAGE[@]}" --rm --cpus "$v" "$IMG" true
		expect_match "cpus"
	done
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --cap-add BOGUS "$IMG" true
	expect_match "BOGUS"
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --cap-drop NOPE "$IMG" true
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --pids-limit -5 "$IMG" true
	expect_match "pids-limit"
	# -1 (and 0, as podman) still mean no limit.
	run_ctr ctr-run "${STORAGE[@]}" --rm --pids-limit -1 "$IMG" sh -c "$(cgroup_limits_in_container)"
	[ "$(sed -n 3p <<<"$output")" = max ]
	run_ctr 64 ctr-copy -q --dest-compress-level 99 "oci:$TEST_TMP/x:1" "dir:$TEST_TMP/d"
	expect_match "compress-level"
	run_ctr 64 ctr-pull -q "${STORAGE[@]}" --jobs 0 "$IMG"
	expect_match "jobs"
	run_ctr 64 ctr-pull -q "${STORAGE[@]}" --retry-delay -1s "$IMG"
	expect_match "retry-delay"
	run_ctr 64 ctr-copy -q --retry-delay -1s "oci:$TEST_TMP/x:1" "dir:$TEST_TMP/d"
	run_ctr 64 ctr-pull -q "${STORAGE[@]}" --progress-interval 0 "$IMG"
	expect_match "progress-interval"
	run_ctr ctr-run "${STORAGE[@]}" ps -a
	[ "${#lines[@]}" -eq 1 ]
}

@test "hardening 10: nested ARG expansion is bounded: 65 with the line, no memory blow-up" {
	local_busybox
	mkdir -p "$TEST_TMP/ctx"
	{
		echo "FROM $IMG"
		echo "ARG A0=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		for i in $(seq 30); do echo "ARG A$i=\${A$((i - 1))}\${A$((i - 1))}"; done
		echo 'RUN echo ${#A30}'
	} >"$TEST_TMP/ctx/Containerfile"
	# A ceiling on the build's memory: without the bound it takes gigabytes.
	run_ctr 65 bash -c "ulimit -v 4000000; exec ctr-build ${STORAGE[*]} -q $TEST_TMP/ctx"
	expect_match "line 1[0-9]: .*expands to more than"
	# Global ARGs too.
	{
		echo "ARG G0=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		for i in $(seq 30); do echo "ARG G$i=\${G$((i - 1))}\${G$((i - 1))}"; done
		echo "FROM $IMG"
	} >"$TEST_TMP/ctx/Containerfile"
	run_ctr 65 bash -c "ulimit -v 4000000; exec ctr-build ${STORAGE[*]} -q $TEST_TMP/ctx"
	expect_match "line [0-9]+: .*expands to more than"
}

@test "hardening 11: --log-allowlist-dir is checked on the resolved path; a symlinked log is not followed" {
	local_busybox
	rt_bundle "$TEST_TMP/mb" '["echo","escaped"]'
	mkdir -p "$TEST_TMP/allowed" "$TEST_TMP/outside"
	echo original >"$TEST_TMP/outside/victim"
	ln -s "$TEST_TMP/outside" "$TEST_TMP/allowed/dirlink"
	ln -s "$TEST_TMP/outside/victim" "$TEST_TMP/allowed/filelink"
	local log
	for log in "$TEST_TMP/allowed/dirlink/victim" "$TEST_TMP/allowed/filelink" "$TEST_TMP/allowed/../outside/victim"; do
		run_ctr 64 ctr-monitor --sync -c "m-${TEST_TMP##*.}" -r "$CTR_BIN/ctr-runtime" --runtime-arg --root --runtime-arg "$TEST_TMP/rt" \
			-b "$TEST_TMP/mb" -l "$log" --log-allowlist-dir "$TEST_TMP/allowed"
		expect_match "outside the --log-allowlist-dir|symbolic link"
	done
	[ "$(cat "$TEST_TMP/outside/victim")" = original ]
	# The allowed directory itself may be reached through a link.
	ln -s "$TEST_TMP/allowed" "$TEST_TMP/allowed-link"
	_OCI_SYNCPIPE=3 ctr-monitor -c "ok-${TEST_TMP##*.}" -r "$CTR_BIN/ctr-runtime" --runtime-arg --root --runtime-arg "$TEST_TMP/rt" \
		-b "$TEST_TMP/mb" -l "$TEST_TMP/allowed-link/ok.log" --log-allowlist-dir "$TEST_TMP/allowed" --exit-dir "$TEST_TMP" \
		3>"$TEST_TMP/sync" </dev/null >/dev/null 2>&1
	for _ in $(seq 100); do [ -s "$TEST_TMP/sync" ] && break; sleep 0.02; done
	ctr-runtime --root "$TEST_TMP/rt" start "ok-${TEST_TMP##*.}"
	for _ in $(seq 100); do grep -q escaped "$TEST_TMP/allowed/ok.log" 2>/dev/null && break; sleep 0.05; done
	grep -q escaped "$TEST_TMP/allowed/ok.log"
}

@test "hardening 12: --log-opt max-file and --log-max-files are bounded; rm -f leaves no monitor" {
	local_busybox
	run_ctr 64 ctr-run "${STORAGE[@]}" -d --log-opt max-size=8k --log-opt max-file=100000000 "$IMG" true
	expect_match "1 to 100"
	run_ctr 64 ctr-monitor -c x -r "$CTR_BIN/ctr-runtime" -b "$TEST_TMP" --log-rotate --log-size-max 8192 --log-max-files 100000000
	expect_match "at most 100"
	run_ctr ctr-run "${STORAGE[@]}" -d --name chatty --log-opt max-size=8k --log-opt max-file=100 "$IMG" \
		sh -c 'while :; do echo aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; done'
	local id=$output mpid
	mpid=$(monitor_pid "$id")
	sleep 1
	run_ctr ctr-run "${STORAGE[@]}" rm -f chatty
	# The monitor is gone by the time rm returns (a zombie at most).
	local st
	st=$(awk '{print $3}' "/proc/$mpid/stat" 2>/dev/null || echo gone)
	[ "$st" = gone ] || [ "$st" = Z ]
	[ ! -e "$TEST_TMP/runroot/ctr/$id" ]
	[ ! -e "$TEST_TMP/root/ctr/$id" ]
}

@test "hardening 9: stop stops several containers at once" {
	local_busybox
	local n names=(s1 s2 s3 s4)
	for n in "${names[@]}"; do
		run_ctr ctr-run "${STORAGE[@]}" -d --name "$n" "$IMG" sh -c 'trap "" TERM; touch /tmp/ready; while :; do sleep 0.1; done'
	done
	for n in "${names[@]}"; do
		for _ in $(seq 100); do ctr-run "${STORAGE[@]}" exec "$n" test -e /tmp/ready && break; sleep 0.05; done
	done
	# Each ignores SIGTERM: 2 s each one after another would be 8 s.
	local t0 t1
	t0=$(date +%s.%N)
	run_ctr ctr-run "${STORAGE[@]}" stop -t 2 "${names[@]}"
	t1=$(date +%s.%N)
	echo "stopped 4 in $(echo "$t1 - $t0" | bc) s"
	[ "$(echo "$t1 - $t0 < 6" | bc)" = 1 ]
	run_ctr ctr-run "${STORAGE[@]}" ps -a --json
	[ "$(jq -r .exitCode <<<"$output" | sort -u)" = 137 ]
	run_ctr ctr-run "${STORAGE[@]}" rm "${names[@]}"
}

@test "hardening 20: an error is printed once" {
	local_busybox
	local cmd
	for cmd in rm stop kill inspect; do
		run --separate-stderr ctr-run "${STORAGE[@]}" "$cmd" nosuch
		[ "$status" -eq 2 ]
		echo "$cmd: $stderr"
		[ "$(grep -c nosuch <<<"$stderr")" -eq 1 ]
	done
	# Two unknown ones: one line each, in order.
	run --separate-stderr ctr-run "${STORAGE[@]}" rm nosuch1 nosuch2
	[ "$status" -eq 2 ]
	[ "$(grep -c nosuch <<<"$stderr")" -eq 2 ]
	[[ $(head -1 <<<"$stderr") == *nosuch1* ]]
	# A runtime that refuses the container: its one line, 125, nothing left.
	run --separate-stderr ctr-run "${STORAGE[@]}" --sysctl kernel.bogus=1 "$IMG" true
	[ "$status" -eq 125 ]
	echo "$stderr"
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[[ $stderr == *kernel.bogus* ]]
	run_ctr ctr-run "${STORAGE[@]}" ps -a
	[ "${#lines[@]}" -eq 1 ]
	# An image or layer ID where a container is wanted, an unknown image
	# ID where an image is: the suite's not-found, one line, no raw
	# containers/storage message.
	local img layer ref
	img=$(jq -r '.[0].id' "$TEST_TMP/root/overlay-images/images.json")
	layer=$(jq -r '.[0].id' "$TEST_TMP/root/overlay-layers/layers.json")
	for ref in "$img" "$layer"; do
		for cmd in "ctr-run ${STORAGE[*]} rm" "ctr-run ${STORAGE[*]} start" "ctr-run ${STORAGE[*]} inspect" \
			"ctr-build ${STORAGE[*]} rm" "ctr-build ${STORAGE[*]} mount" "ctr-build ${STORAGE[*]} umount" "ctr-build ${STORAGE[*]} commit"; do
			# shellcheck disable=SC2086 # the command's words
			run --separate-stderr $cmd "$ref"
			echo "$cmd: $status: $stderr"
			[ "$status" -eq 2 ]
			[ "$(wc -l <<<"$stderr")" -eq 1 ]
			[[ $stderr == *"no such"* || $stderr == *"not a ctr"* ]]
		done
	done
	run_ctr 2 ctr-pull -q --policy never "${STORAGE[@]}" "$(printf 'ab%.0s' $(seq 32))"
	expect_match "image not known"
}

@test "hardening 19: /dev is noexec and /sys/dev/block masked, as podman has them" {
	requires podman
	local_busybox
	local script='grep " /dev " /proc/self/mounts | grep -o noexec || echo dev-exec; ls /sys/dev/block 2>/dev/null | wc -l; touch /sys/fs/cgroup/x 2>/dev/null && echo cgroup-rw || echo cgroup-ro'
	run podman_t run --rm --network none "$IMG" sh -c "$script"
	[ "$status" -eq 0 ]
	local theirs=$output
	run_ctr ctr-run "${STORAGE[@]}" --rm "$IMG" sh -c "$script"
	expect_output "$theirs"
	expect_match "noexec"
}

@test "hardening 7: wait, logs -f and events --follow return once the monitor or the container is gone" {
	local_busybox
	local MON=(ctr-monitor --root "$TEST_TMP/root" --runroot "$TEST_TMP/runroot") id mpid w l e st
	run_ctr ctr-run "${STORAGE[@]}" -d --name orphaned "$IMG" sleep 100
	id=$output
	mpid=$(monitor_pid "$id")
	timeout 60 "${MON[@]}" wait "$id" >"$TEST_TMP/wait.out" 2>&1 3>&- &
	w=$!
	timeout 60 "${MON[@]}" logs -f "$id" >"$TEST_TMP/logs.out" 2>&1 3>&- &
	l=$!
	timeout 60 "${MON[@]}" events --follow "$id" >"$TEST_TMP/events.out" 2>&1 3>&- &
	e=$!
	sleep 0.5
	kill -9 "$mpid"
	for p in "$w" "$l" "$e"; do
		st=0
		wait "$p" || st=$?
		echo "waiter $p: status $st"
		[ "$st" -ne 0 ] && [ "$st" -ne 124 ]
	done
	grep -q "monitor is gone" "$TEST_TMP/wait.out"
	grep -q "monitor is gone" "$TEST_TMP/events.out"
	run_ctr ctr-run "${STORAGE[@]}" rm -f orphaned
	# rm -f during a wait: the wait ends too.
	run_ctr ctr-run "${STORAGE[@]}" -d --name removed "$IMG" sleep 100
	id=$output
	timeout 60 "${MON[@]}" wait "$id" >"$TEST_TMP/wait2.out" 2>&1 3>&- &
	w=$!
	sleep 0.3
	run_ctr ctr-run "${STORAGE[@]}" rm -f removed
	st=0
	wait "$w" || st=$?
	echo "wait after rm -f: status $st: $(cat "$TEST_TMP/wait2.out")"
	[ "$st" -ne 124 ]
}

@test "hardening 17: a start that fails leaves no container and frees its name" {
	local_busybox
	echo taken >"$TEST_TMP/cid"
	run_ctr 64 ctr-run "${STORAGE[@]}" --name n1 --cidfile "$TEST_TMP/cid" "$IMG" true
	[ "$(cat "$TEST_TMP/cid")" = taken ]
	run_ctr 125 ctr-run "${STORAGE[@]}" --name n1 --device /dev/no-such-device "$IMG" true
	run_ctr 125 ctr-run "${STORAGE[@]}" --name n1 -v "$TEST_TMP/no-such-dir:/x" "$IMG" true
	run_ctr 125 ctr-run "${STORAGE[@]}" --name n1 --user no-such-user "$IMG" true
	run_ctr 125 ctr-run "${STORAGE[@]}" --name n1 --init --init-path "$TEST_TMP/no-init" "$IMG" true
	run_ctr 125 ctr-run "${STORAGE[@]}" --name n1 --runtime "$TEST_TMP/no-runtime" "$IMG" true
	run_ctr 127 ctr-run "${STORAGE[@]}" --name n1 "$IMG" no-such-command
	run_ctr 125 ctr-run "${STORAGE[@]}" --name n1 -d --runtime "$TEST_TMP/no-runtime" "$IMG" true
	run_ctr ctr-run "${STORAGE[@]}" ps -a
	[ "${#lines[@]}" -eq 1 ]
	[ -z "$(rootfs_mounts)" ]
	# A cidfile written for a start that then failed goes too.
	run_ctr 125 ctr-run "${STORAGE[@]}" --name n1 --cidfile "$TEST_TMP/cid2" --user no-such-user "$IMG" true
	[ ! -e "$TEST_TMP/cid2" ]
	# The name is free.
	run_ctr ctr-run "${STORAGE[@]}" --name n1 "$IMG" true
	# A container that ran and failed on its own is kept, as podman keeps it.
	run_ctr 3 ctr-run "${STORAGE[@]}" --name n2 "$IMG" sh -c 'exit 3'
	run_ctr ctr-run "${STORAGE[@]}" ps -a
	[ "${#lines[@]}" -eq 3 ]
}

@test "hardening 20: a malformed or huge stdin line is 65 with its line number, in every tool" {
	local_busybox
	head -c 10485760 /dev/zero | tr '\0' a >"$TEST_TMP/huge"
	local input
	for input in $'# fine\n{"ref": 1' "$TEST_TMP/huge"; do
		[ -f "$input" ] || printf '%s\n' "$input" >"$TEST_TMP/in"
		[ -f "$input" ] && cp "$input" "$TEST_TMP/in"
		run_ctr 65 ctr-run "${STORAGE[@]}" --rm - true <"$TEST_TMP/in"
		expect_match "stdin line [12]"
		run_ctr 65 ctr-pull -q "${STORAGE[@]}" - <"$TEST_TMP/in"
		expect_match "stdin line [12]"
		run_ctr 65 ctr-copy -q - "dir:$TEST_TMP/d" <"$TEST_TMP/in"
		expect_match "stdin line [12]"
		run_ctr 65 ctr-build "${STORAGE[@]}" from - <"$TEST_TMP/in"
		expect_match "stdin line [12]"
	done
}

@test "hardening 20: exec of a missing command is 127, of a non-executable 126, with one line" {
	local_busybox
	run_ctr ctr-run "${STORAGE[@]}" -d --name ex "$IMG" sh -c 'touch /notexec; sleep 100'
	for _ in $(seq 100); do ctr-run "${STORAGE[@]}" exec ex test -e /notexec && break; sleep 0.05; done
	run -127 --separate-stderr ctr-run "${STORAGE[@]}" exec ex no-such-command
	[ "$status" -eq 127 ]
	[ "$(grep -c . <<<"$stderr")" -eq 1 ]
	run -126 --separate-stderr ctr-run "${STORAGE[@]}" exec ex /notexec
	[ "$status" -eq 126 ]
	run_ctr 3 ctr-run "${STORAGE[@]}" exec ex sh -c 'exit 3'
	run_ctr ctr-run "${STORAGE[@]}" rm -f ex
}

@test "hardening 21: a command inside a bind mount runs (the lookup sees the mounts)" {
	local_busybox
	mkdir -p "$TEST_TMP/probe"
	printf '#!/bin/sh\necho from the mount\n' >"$TEST_TMP/probe/script.sh"
	chmod +x "$TEST_TMP/probe/script.sh"
	run_ctr ctr-run "${STORAGE[@]}" --rm -v "$TEST_TMP/probe:/probe" "$IMG" /probe/script.sh
	expect_output "from the mount"
	run_ctr ctr-run "${STORAGE[@]}" --rm -v "$TEST_TMP/probe:/probe" -e PATH=/probe:/bin "$IMG" script.sh
	expect_output "from the mount"
	# Still 127 and 126 for what the mount does not have.
	run_ctr 127 ctr-run "${STORAGE[@]}" --rm -v "$TEST_TMP/probe:/probe" "$IMG" /probe/missing.sh
	chmod -x "$TEST_TMP/probe/script.sh"
	run_ctr 126 ctr-run "${STORAGE[@]}" --rm -v "$TEST_TMP/probe:/probe" "$IMG" /probe/script.sh
}

@test "hardening 23: an ignore-file exception inside an ignored directory is kept" {
	local_busybox
	local ctx=$TEST_TMP/ctx
	mkdir -p "$ctx/dir/sub" "$ctx/other"
	echo a >"$ctx/dir/a.txt"
	echo b >"$ctx/dir/b.txt"
	echo c >"$ctx/dir/sub/c.txt"
	echo o >"$ctx/other/o.txt"
	printf 'dir\n!dir/a.txt\n!dir/sub/c.txt\nother\n' >"$ctx/.containerignore"
	printf 'FROM %s\nCOPY . /ctx/\n' "$IMG" >"$ctx/Containerfile"
	run_ctr ctr-build "${STORAGE[@]}" -q "$ctx"
	run_ctr ctr-run "${STORAGE[@]}" --rm "$output" sh -c 'cd /ctx && find dir other 2>/dev/null | sort'
	expect_output $'dir\ndir/a.txt\ndir/sub\ndir/sub/c.txt'
}

@test "hardening 25: a detached container under a long run root leaves nothing outside it" {
	local_busybox
	local rr
	rr=$TEST_TMP/$(printf 'r%.0s' $(seq 40))
	local S=(--root "$TEST_TMP/root" --runroot "$rr" --storage-driver overlay)
	run_ctr ctr-run "${S[@]}" -d -i --name longpath "$IMG" sh -c 'read l; echo "got $l"'
	local id=$output
	# The bundle's attach socket path is too long for a socket address.
	[ "${#rr}" -gt 60 ]
	[ ! -e "/run/ctr/socket/$id" ]
	run_ctr ctr-monitor --root "$TEST_TMP/root" --runroot "$rr" attach longpath <<<"hello"
	expect_output "got hello"
	run_ctr ctr-run "${S[@]}" rm -f longpath
}

@test "hardening 22: a short name finds the image stored under localhost/ before going to a registry" {
	local_busybox localhost/onlyhere:latest
	registries_conf "$TEST_TMP/registries.conf" 'unqualified-search-registries = ["127.0.0.1:1"]'
	export CONTAINERS_REGISTRIES_CONF=$TEST_TMP/registries.conf
	run_ctr ctr-run "${STORAGE[@]}" --rm onlyhere echo found
	expect_output found
	run_ctr ctr-run "${STORAGE[@]}" --rm onlyhere:latest echo found
	expect_output found
	mkdir -p "$TEST_TMP/ctx"
	printf 'FROM onlyhere\nRUN true\n' >"$TEST_TMP/ctx/Containerfile"
	run_ctr ctr-build "${STORAGE[@]}" -q "$TEST_TMP/ctx"
	# A name that is nowhere is still not found.
	run_ctr 2 ctr-run "${STORAGE[@]}" --rm --pull never nothere true
}

@test "hardening 24: every instruction the Dockerfile reference expands, expands" {
	local_busybox
	local ctx=$TEST_TMP/ctx
	mkdir -p "$ctx/src"
	echo copied >"$ctx/src/f.txt"
	cat >"$ctx/Containerfile" <<-'CF'
	ARG BASE=localhost/busybox:latest
	FROM ${BASE}
	ARG SRC=src DIR=/app PORT=8080 SIG=SIGUSR1 WHO=1000 VOL=/data KEY=k VAL=v
	ENV HOME_DIR=${DIR}/home
	ADD ${SRC}/f.txt ${DIR}/added.txt
	COPY ${SRC}/f.txt ${DIR}/copied.txt
	EXPOSE ${PORT}
	LABEL ${KEY}=${VAL}
	STOPSIGNAL ${SIG}
	VOLUME ${VOL}
	WORKDIR ${DIR}/work
	USER ${WHO}
	ONBUILD RUN echo ${DIR}
	CF
	run_ctr ctr-build "${STORAGE[@]}" -q --format docker -t localhost/expanded:1 "$ctx"
	run_ctr ctr-run "${STORAGE[@]}" --rm localhost/expanded:1 sh -c 'cat /app/added.txt /app/copied.txt; echo $HOME_DIR; pwd; id -u'
	expect_output $'copied\ncopied\n/app/home\n/app/work\n1000'
	podman_t --version >/dev/null
	run podman_t image inspect --format '{{json .Config.ExposedPorts}} {{json .Config.Labels}} {{.Config.StopSignal}} {{json .Config.Volumes}}' localhost/expanded:1
	[ "$status" -eq 0 ]
	expect_output '{"8080/tcp":{}} {"k":"v"} SIGUSR1 {"/data":{}}'
	# ONBUILD keeps its instruction as written: it expands when it runs, in the
	# child's build (Docker's rule), with the child's variables.
	printf 'FROM localhost/expanded:1\nARG DIR=/child\n' >"$TEST_TMP/ctx/Child"
	run_ctr ctr-build "${STORAGE[@]}" -q -f "$TEST_TMP/ctx/Child" "$ctx"
}

@test "hardening 8: an interrupted build stops its RUN step and cleans up (143)" {
	local_busybox
	mkdir -p "$TEST_TMP/ctx"
	printf 'FROM %s\nRUN touch /started-step; sleep 100\n' "$IMG" >"$TEST_TMP/ctx/Containerfile"
	ctr-build "${STORAGE[@]}" "$TEST_TMP/ctx" >"$TEST_TMP/out" 2>&1 3>&- &
	local pid=$! st=0 t0 t1
	# Wait until the step runs (its rootfs has the file), then interrupt.
	for _ in $(seq 200); do
		[ -n "$(find "$TEST_TMP/root/overlay" -maxdepth 3 -name started-step 2>/dev/null)" ] && break
		sleep 0.05
	done
	t0=$(date +%s)
	kill -TERM "$pid"
	wait "$pid" || st=$?
	t1=$(date +%s)
	cat "$TEST_TMP/out"
	echo "status $st after $((t1 - t0)) s"
	[ "$st" -eq 143 ]
	[ $((t1 - t0)) -lt 30 ]
	run_ctr ctr-build "${STORAGE[@]}" containers
	expect_output ""
	[ -z "$(rootfs_mounts)" ]
}

@test "hardening 8: ctr-build rm of a working container whose RUN still runs stops it first" {
	local_busybox
	local c pid st=0
	c=$(ctr-build "${STORAGE[@]}" from "$IMG")
	ctr-build "${STORAGE[@]}" run "$c" -- sleep 100 >/dev/null 2>&1 3>&- &
	pid=$!
	for _ in $(seq 100); do
		[ "$(ctr-runtime --root "$TEST_TMP/runroot/ctr/runtime" state "$c" 2>/dev/null | jq -r .status)" = running ] && break
		sleep 0.05
	done
	run_ctr ctr-build "${STORAGE[@]}" rm "$c"
	wait "$pid" || st=$?
	echo "the run ended with $st"
	[ "$st" -ne 0 ]
	run_ctr ctr-build "${STORAGE[@]}" containers
	expect_output ""
	[ -z "$(rootfs_mounts)" ]
	run_ctr 1 ctr-runtime --root "$TEST_TMP/runroot/ctr/runtime" state "$c"
}

# podman_loop: runs `podman images` on the test's store again and again in
# the background (podman 4.3 removes the overlay driver's staging directory
# each time it shuts the driver down) until podman_loop_end.
podman_loop() {
	rm -f "$TEST_TMP/loop.stop"
	(while [ ! -e "$TEST_TMP/loop.stop" ]; do podman_t images >/dev/null 2>&1 || true; done) 3>&- &
	LOOP=$!
}

# podman_loop_end: ends the loop after its current podman, and waits.
podman_loop_end() {
	touch "$TEST_TMP/loop.stop"
	wait "$LOOP"
}

@test "hardening 1: podman on the same store while ctr-pull stages layers: 20 pulls, no failure" {
	requires podman
	start_registry REG
	local f
	for f in a b c; do head -c 16777216 /dev/urandom >"$TEST_TMP/$f"; done
	push_busybox "$REG/big:1" --file "$TEST_TMP/a=/a" --file "$TEST_TMP/b=/b" --file "$TEST_TMP/c=/c"
	podman_loop
	local n failed=0 st
	for n in $(seq 20); do
		st=0
		ctr-pull -q --retry 0 "${STORAGE[@]}" "$NOTLS" "$REG/big:1" >"$TEST_TMP/pull.out" 2>&1 || st=$?
		if [ "$st" -ne 0 ]; then
			failed=$((failed + 1))
			echo "pull $n: status $st: $(cat "$TEST_TMP/pull.out")"
		fi
		podman_t rmi -af >/dev/null 2>&1
	done
	podman_loop_end
	[ "$failed" -eq 0 ]
}

@test "hardening 2: a tampered blob names the digest of what arrived; a full disk says so, not bad data" {
	start_registry REG
	head -c 67108864 /dev/urandom >"$TEST_TMP/blob"
	push_busybox "$REG/bad:1" --file "$TEST_TMP/blob=/blob"
	local layer data n
	layer=$(manifest "$REG/bad:1" | jq -r '.layers[1].digest | sub("sha256:"; "")')
	data=$REG_DIR/data/docker/registry/v2/blobs/sha256/${layer:0:2}/$layer/data
	# Tampered early: the unpacking fails long before the end of the blob.
	printf 'garbage' | dd of="$data" bs=1 seek=5000 conv=notrunc 2>/dev/null
	for n in 1 2 3; do
		run_ctr 65 ctr-pull -q --retry 0 "${STORAGE[@]}" "$NOTLS" "$REG/bad:1"
		expect_match "layer sha256:$layer: Digest did not match, got sha256:$(sha256sum <"$data" | cut -d' ' -f1)"
	done
	# A storage root on a 24 MiB filesystem; the layer needs 64.
	head -c 67108864 /dev/urandom >"$TEST_TMP/blob"
	push_busybox "$REG/big:1" --file "$TEST_TMP/blob=/blob"
	mkdir "$TEST_TMP/small"
	mount -t tmpfs -o size=24m tmpfs "$TEST_TMP/small"
	for n in 1 2 3; do
		run_ctr 1 ctr-pull -q --retry 0 --root "$TEST_TMP/small/root" --runroot "$TEST_TMP/small/run" --storage-driver overlay "$NOTLS" "$REG/big:1"
		expect_match "is full: .*no space left on device"
		[[ $output != *"Digest did not match"* ]]
	done
	umount "$TEST_TMP/small"
}

# blob_gets LOG DIGEST: how many GETs of a blob a faultproxy log shows.
blob_gets() {
	grep -c "^GET .*/blobs/$2 " "$1" || true
}

@test "hardening 4: a registry that stops sending is a temporary failure: retried, then 75" {
	start_faultproxy HUNG - -hang
	local t0=$SECONDS
	run_ctr 75 ctr-pull -q --stall-timeout 2s --retry 1 --retry-delay 100ms "${STORAGE[@]}" "$NOTLS" "$HUNG/app:1"
	expect_match "nothing received for 2s"
	expect_match "attempt 1 of 2"
	run_ctr 75 ctr-copy -q --stall-timeout 2s --retry 0 "$NOTLS" "docker://$HUNG/app:1" "oci:$TEST_TMP/out:1"
	expect_match "nothing received for 2s"
	[ $((SECONDS - t0)) -lt 30 ]
	run_ctr 64 ctr-pull --stall-timeout 10ms "$HUNG/app:1"
	expect_match "stall-timeout"
}

@test "hardening 3 and 4: a blob that stalls half-way is fetched again; the layers that arrived are kept" {
	start_registry REG
	head -c 16777216 /dev/urandom >"$TEST_TMP/blob"
	push_busybox "$REG/app:1" --file "$TEST_TMP/blob=/blob"
	local base big
	base=$(manifest "$REG/app:1" | jq -r '.layers[0].digest')
	big=$(manifest "$REG/app:1" | jq -r '.layers[1].digest')
	# One stall: the retry fetches the big layer again, not the base one.
	start_faultproxy PROXY "$REG" -stall-blob "$big" -stall-times 1
	run_ctr ctr-pull -q --stall-timeout 2s --retry 2 --retry-delay 100ms "${STORAGE[@]}" "$NOTLS" "$PROXY/app:1"
	[ "$(blob_gets "$PROXY_LOG" "$big")" -eq 2 ]
	[ "$(blob_gets "$PROXY_LOG" "$base")" -eq 1 ]
	[ "$(layer_count)" -eq 2 ]
	# Stalls until the retries run out: 75, the base layer stays, and the
	# next run fetches only the big one.
	podman_t rmi -af >/dev/null
	[ "$(layer_count)" -eq 0 ]
	start_faultproxy PROXY2 "$REG" -stall-blob "$big" -stall-times 2
	run_ctr 75 ctr-pull -q --stall-timeout 2s --retry 1 --retry-delay 100ms "${STORAGE[@]}" "$NOTLS" "$PROXY2/app:1"
	expect_match "nothing received for 2s"
	[ "$(layer_count)" -eq 1 ]
	run_ctr ctr-pull -q "${STORAGE[@]}" "$NOTLS" "$PROXY2/app:1"
	[ "$(blob_gets "$PROXY2_LOG" "$base")" -eq 1 ]
	[ "$(blob_gets "$PROXY2_LOG" "$big")" -eq 3 ]
	[ "$(layer_count)" -eq 2 ]
}

@test "hardening 25: four pulls at once leave no staging directory and no mount" {
	start_registry REG
	local n pids=()
	for n in 1 2 3 4; do
		head -c 4194304 /dev/urandom >"$TEST_TMP/b$n"
		push_busybox "$REG/i$n:1" --file "$TEST_TMP/b$n=/b"
	done
	for n in 1 2 3 4; do
		ctr-pull -q "${STORAGE[@]}" "$NOTLS" "$REG/i$n:1" >/dev/null 3>&- &
		pids+=($!)
	done
	for n in "${pids[@]}"; do wait "$n"; done
	[ "$(layer_count)" -eq 5 ]
	[ ! -e "$TEST_TMP/root/overlay/staging" ]
	[ ! -e "$TEST_TMP/root/overlay/tempdirs" ]
	[ -z "$(findmnt -rn -o TARGET | grep "^$TEST_TMP" || true)" ]
}

# ps_field NAME JQ: a field of container NAME in ctr-run ps -a --json.
ps_field() {
	ctr-run "${STORAGE[@]}" ps -a --json | jq -r --arg n "$1" "select(.name == \$n) | $2"
}


# bats test_tags=cgroup
@test "hardening 5: kill -9 of a foreground ctr-run: the exit is recorded, the container cleaned up, --rm honoured" {
	local_busybox
	local pid
	ctr-run "${STORAGE[@]}" --name fg "$IMG" sh -c 'sleep 2; exit 3' >/dev/null 3>&- &
	pid=$!
	until_true 20 '[ "$(ps_field fg .status)" = running ]'
	kill -9 "$pid"
	wait "$pid" || true
	until_true 20 '[ "$(ps_field fg .exitCode)" = 3 ]'
	[ "$(ps_field fg .status)" = exited ]
	until_true 10 '[ -z "$(rootfs_mounts)" ]'
	ctr-run "${STORAGE[@]}" --rm --name fgrm "$IMG" sh -c 'sleep 2; exit 4' >/dev/null 3>&- &
	pid=$!
	until_true 20 '[ "$(ps_field fgrm .status)" = running ]'
	kill -9 "$pid"
	wait "$pid" || true
	until_true 20 '[ -z "$(ps_field fgrm .id)" ]'
	[ -z "$(rootfs_mounts)" ]
	run_ctr ctr-run "${STORAGE[@]}" rm fg
}

# bats test_tags=cgroup
@test "hardening 5: kill -9 of a container's monitor: ps and inspect say so, rm -f cleans up" {
	local_busybox
	local id
	run_ctr ctr-run "${STORAGE[@]}" -d --name orphan "$IMG" sleep 100
	id=$output
	kill -9 "$(monitor_pid "$id")"
	until_true 10 '[ "$(ps_field orphan .monitor)" = gone ]'
	[ "$(ps_field orphan .status)" = running ]
	run_ctr ctr-run "${STORAGE[@]}" ps
	expect_match "running \(monitor gone\)"
	run_ctr ctr-run "${STORAGE[@]}" inspect orphan
	[ "$(jq -r .monitor <<<"$output")" = gone ]
	run_ctr ctr-run "${STORAGE[@]}" rm -f orphan
	[ -z "$(rootfs_mounts)" ]
	[ -z "$(container_cgroups "$id")" ]
	[ ! -e "$TEST_TMP/root/ctr/$id" ]
}

@test "hardening 6: after a reboot, ps, logs and wait still tell the truth, and start runs a container again" {
	local_busybox
	local alive
	run_ctr ctr-run "${STORAGE[@]}" -d --name ended "$IMG" sh -c 'echo "hello from ended"; exit 7'
	run_ctr 7 ctr-monitor --root "$TEST_TMP/root" --runroot "$TEST_TMP/runroot" wait ended
	run_ctr ctr-run "${STORAGE[@]}" -d --name alive "$IMG" sh -c 'echo up; sleep 1000'
	alive=$output
	# The reboot: the monitor and the container die, every mount goes,
	# and the run root (a tmpfs) comes back empty.
	kill -9 "$(monitor_pid "$alive")"
	ctr-runtime --root "$TEST_TMP/runroot/ctr/runtime" delete --force "$alive"
	local mnt
	for mnt in $(findmnt -rn -o TARGET | grep "^$TEST_TMP/" | sort -r); do umount "$mnt"; done
	rm -rf "$TEST_TMP/runroot"
	[ "$(ps_field ended .status)" = exited ]
	[ "$(ps_field ended .exitCode)" = 7 ]
	[ "$(ps_field ended .finishedAt)" != null ]
	[ "$(ps_field alive .status)" = exited ]
	[ "$(ps_field alive .exitCode)" = null ]
	[ "$(ps_field alive .monitor)" = gone ]
	local MON=(ctr-monitor --root "$TEST_TMP/root" --runroot "$TEST_TMP/runroot")
	run_ctr "${MON[@]}" logs ended
	expect_output "hello from ended"
	run_ctr 7 "${MON[@]}" wait ended
	run_ctr 1 "${MON[@]}" wait alive
	expect_match "monitor is gone"
	# start: again, with its output and its status; the other detached.
	run_ctr 7 ctr-run "${STORAGE[@]}" start -a ended
	expect_output "hello from ended"
	run_ctr "${MON[@]}" logs ended
	[ "${#lines[@]}" -eq 2 ]
	run_ctr ctr-run "${STORAGE[@]}" start alive
	expect_output "$alive"
	[ "$(ps_field alive .status)" = running ]
	run_ctr ctr-run "${STORAGE[@]}" start alive
	run_ctr ctr-run "${STORAGE[@]}" rm -f alive ended
	[ -z "$(rootfs_mounts)" ]
	run_ctr 2 ctr-run "${STORAGE[@]}" start nothing
}
