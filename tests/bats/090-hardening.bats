#!/usr/bin/env bats
# Hostile and careless input (issue 12's probes): refused with the
# documented code and a clear line, never echoed raw, never half-done.

bats_require_minimum_version 1.5.0
load helpers

IMG=localhost/busybox:latest

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
	run_ctr 2 ctr-monitor --runroot "$TEST_TMP/runroot" logs "bad${esc}id"
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
	run_ctr ctr-run "${STORAGE[@]}" --rm --pids-limit -1 "$IMG" cat /sys/fs/cgroup/pids/pids.max
	expect_output max
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
