#!/usr/bin/env bats
# Flags that no other file tests: each test shows the flag changes what the
# tool does (with it one way, without it or with another value the other).

bats_require_minimum_version 1.5.0
load helpers

IMG=localhost/busybox:latest

# --- ctr-copy -----------------------------------------------------------

@test "flags: ctr-copy --src-tls-verify and --src-cert-dir apply to the source only" {
	start_registry TLS tls
	start_registry TLS2 tls
	local layout
	layout=$(busybox_layout)
	run_ctr ctr-copy -q --cert-dir "$TLS_DIR/certs" "oci:$layout" "docker://$TLS/a:1"
	run_ctr 1 ctr-copy -q "docker://$TLS/a:1" "dir:$TEST_TMP/none"
	expect_match "certificate"
	run_ctr ctr-copy -q --src-cert-dir "$TLS_DIR/certs" "docker://$TLS/a:1" "dir:$TEST_TMP/d1"
	run_ctr ctr-copy -q --src-tls-verify=false "docker://$TLS/a:1" "dir:$TEST_TMP/d2"
	# Neither reaches the destination: its own certificate is still checked.
	run_ctr 1 ctr-copy -q --src-cert-dir "$TLS_DIR/certs" "docker://$TLS/a:1" "docker://$TLS2/a:1"
	expect_match "certificate"
	run_ctr 1 ctr-copy -q --src-tls-verify=false "docker://$TLS/a:1" "docker://$TLS2/a:1"
	expect_match "certificate"
	run_ctr ctr-copy -q --src-tls-verify=false --dest-cert-dir "$TLS2_DIR/certs" "docker://$TLS/a:1" "docker://$TLS2/a:1"
}

# --- ctr-pull -----------------------------------------------------------

@test "flags: ctr-pull --authfile and --cert-dir" {
	start_registry AUTH auth
	start_registry TLS tls
	local layout
	layout=$(busybox_layout)
	ctr-copy -q "$NOTLS" --dest-creds ctr:secret "oci:$layout" "docker://$AUTH/a:1" >/dev/null
	ctr-copy -q --dest-cert-dir "$TLS_DIR/certs" "oci:$layout" "docker://$TLS/a:1" >/dev/null
	run_ctr 1 ctr-pull -q "${STORAGE[@]}" "$NOTLS" "$AUTH/a:1"
	expect_match "authentication required"
	printf '{"auths":{"%s":{"auth":"%s"}}}' "$AUTH" "$(printf ctr:secret | base64)" >"$TEST_TMP/auth.json"
	run_ctr ctr-pull -q "${STORAGE[@]}" "$NOTLS" --authfile "$TEST_TMP/auth.json" "$AUTH/a:1"
	expect_match "^[0-9a-f]{64}$"
	run_ctr 1 ctr-pull -q "${STORAGE[@]}" "$TLS/a:1"
	expect_match "certificate"
	run_ctr ctr-pull -q "${STORAGE[@]}" --cert-dir "$TLS_DIR/certs" "$TLS/a:1"
	expect_match "^[0-9a-f]{64}$"
}

@test "flags: ctr-pull --signature-policy and --insecure-policy" {
	start_registry REG
	push_busybox "$REG/a:1"
	echo '{"default":[{"type":"reject"}]}' >"$TEST_TMP/reject.json"
	echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$TEST_TMP/accept.json"
	run_ctr 1 ctr-pull -q "${STORAGE[@]}" "$NOTLS" --signature-policy "$TEST_TMP/reject.json" "$REG/a:1"
	expect_match "rejected by policy"
	[ "$(layer_count)" -eq 0 ]
	run_ctr 64 ctr-pull -q "${STORAGE[@]}" "$NOTLS" --insecure-policy --signature-policy "$TEST_TMP/reject.json" "$REG/a:1"
	run_ctr ctr-pull -q "${STORAGE[@]}" "$NOTLS" --signature-policy "$TEST_TMP/accept.json" "$REG/a:1"
	run_ctr ctr-pull -q "${STORAGE[@]}" "$NOTLS" --policy always --insecure-policy "$REG/a:1"
}

# --- ctr-build ----------------------------------------------------------

@test "flags: ctr-build -f, --network, --runtime" {
	local_busybox
	local ctx=$TEST_TMP/ctx
	mkdir -p "$ctx"
	printf 'FROM %s\nRUN echo from-containerfile > /which\n' "$IMG" >"$ctx/Containerfile"
	printf 'FROM %s\nRUN echo from-other > /which; ls /sys/class/net | wc -l > /nets\n' "$IMG" >"$TEST_TMP/Other"
	run_ctr ctr-build "${STORAGE[@]}" -q "$ctx"
	run_ctr ctr-run "${STORAGE[@]}" --rm "$output" cat /which
	expect_output from-containerfile
	run_ctr ctr-build "${STORAGE[@]}" -q -f "$TEST_TMP/Other" --network none "$ctx"
	run_ctr ctr-run "${STORAGE[@]}" --rm "$output" cat /which /nets
	expect_output $'from-other\n1'
	run_ctr ctr-build "${STORAGE[@]}" -q -f "$TEST_TMP/Other" --network host --no-cache "$ctx"
	run_ctr ctr-run "${STORAGE[@]}" --rm "$output" cat /nets
	[ "$output" -eq "$(find /sys/class/net -mindepth 1 -maxdepth 1 | wc -l)" ]
	run_ctr 64 ctr-build "${STORAGE[@]}" -q --network bridge "$ctx"
	expect_match "network"
	# --runtime: the RUN steps go through the runtime given.
	printf '#!/bin/sh\necho "$@" >>%s\nexec runc "$@"\n' "$TEST_TMP/runtime.log" >"$TEST_TMP/logging-runc"
	chmod +x "$TEST_TMP/logging-runc"
	run_ctr ctr-build "${STORAGE[@]}" -q --no-cache --runtime "$TEST_TMP/logging-runc" "$ctx"
	grep -q run "$TEST_TMP/runtime.log"
	# A RUN step whose runtime cannot start: 125, as ctr-build run's.
	run_ctr 125 ctr-build "${STORAGE[@]}" -q --no-cache --runtime "$TEST_TMP/no-such-runtime" "$ctx"
}

@test "flags: ctr-build --pull and --authfile for the base image" {
	start_registry AUTH auth
	local layout
	layout=$(busybox_layout)
	ctr-copy -q "$NOTLS" --dest-creds ctr:secret "oci:$layout" "docker://$AUTH/base:1" >/dev/null
	mkdir -p "$TEST_TMP/ctx"
	printf 'FROM %s/base:1\nRUN true\n' "$AUTH" >"$TEST_TMP/ctx/Containerfile"
	registries_conf "$TEST_TMP/registries.conf"
	export CONTAINERS_REGISTRIES_CONF=$TEST_TMP/registries.conf
	# never: not in the store, so not found; without credentials: refused.
	run_ctr 2 ctr-build "${STORAGE[@]}" -q --pull never "$TEST_TMP/ctx"
	run_ctr 1 ctr-build "${STORAGE[@]}" -q "$TEST_TMP/ctx"
	expect_match "authentication required"
	printf '{"auths":{"%s":{"auth":"%s"}}}' "$AUTH" "$(printf ctr:secret | base64)" >"$TEST_TMP/auth.json"
	run_ctr ctr-build "${STORAGE[@]}" -q --authfile "$TEST_TMP/auth.json" "$TEST_TMP/ctx"
	# missing (the default) now finds it; always asks the registry again.
	local before
	before=$(grep -c 'GET /v2/base/manifests/1' "$AUTH_LOG")
	run_ctr ctr-build "${STORAGE[@]}" -q --pull missing "$TEST_TMP/ctx"
	[ "$(grep -c 'GET /v2/base/manifests/1' "$AUTH_LOG")" -eq "$before" ]
	run_ctr ctr-build "${STORAGE[@]}" -q --pull always --authfile "$TEST_TMP/auth.json" "$TEST_TMP/ctx"
	[ "$(grep -c 'GET /v2/base/manifests/1' "$AUTH_LOG")" -gt "$before" ]
	run_ctr 64 ctr-build "${STORAGE[@]}" -q --pull sometimes "$TEST_TMP/ctx"
	expect_match "pull policy"
	run_ctr 64 ctr-build "${STORAGE[@]}" from --pull sometimes "$AUTH/base:1"
}

@test "flags: ctr-build run -e, -w, -u, -v; commit --created-by; containers --json" {
	local_busybox
	local c
	c=$(ctr-build "${STORAGE[@]}" from --name work "$IMG")
	mkdir -p "$TEST_TMP/host"
	echo from-host >"$TEST_TMP/host/f"
	run_ctr ctr-build "${STORAGE[@]}" run -e A=1 -e B=two -w /tmp -u 1000:1001 -v "$TEST_TMP/host:/mnt:ro" "$c" -- \
		sh -c 'echo "$A $B"; pwd; id -u; id -g; cat /mnt/f; touch /mnt/x 2>/dev/null || echo ro'
	expect_output $'1 two\n/tmp\n1000\n1001\nfrom-host\nro'
	# Without them: the container's own defaults.
	run_ctr ctr-build "${STORAGE[@]}" run "$c" -- sh -c 'echo "[$A]"; pwd; id -u; test -e /mnt/f || echo no-mount'
	expect_output $'[]\n/\n0\nno-mount'
	run_ctr ctr-build "${STORAGE[@]}" containers --json
	[ "$(jq -r 'select(.name == "work") | .id' <<<"$output")" = "$c" ]
	[ "$(jq -r 'select(.name == "work") | .image' <<<"$output" | cut -c1-12)" != "" ]
	run_ctr ctr-build "${STORAGE[@]}" commit -q --created-by "made by the test" "$c" localhost/made:1
	podman_t --version >/dev/null
	run podman_t history --format '{{.CreatedBy}}' localhost/made:1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "made by the test" ]
	run_ctr ctr-build "${STORAGE[@]}" commit -q "$c" localhost/made:2
	run podman_t history --format '{{.CreatedBy}}' localhost/made:2
	[ "${lines[0]}" = "ctr-build commit" ]
}

# --- ctr-monitor --------------------------------------------------------

@test "flags: ctr-monitor logs --since, events --follow, SUBCOMMAND --help" {
	local_busybox
	local MON=(ctr-monitor --runroot "$TEST_TMP/runroot") id mark
	run_ctr ctr-run "${STORAGE[@]}" -d "$IMG" sh -c 'echo early; while [ ! -e /tmp/go ]; do sleep 0.05; done; echo late; sleep 0.5'
	id=$output
	for _ in $(seq 100); do [ "$("${MON[@]}" logs "$id")" = early ] && break; sleep 0.05; done
	sleep 0.1
	mark=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
	sleep 0.1
	run_ctr ctr-run "${STORAGE[@]}" exec "$id" touch /tmp/go
	# Running: events without --follow prints what happened so far, and returns.
	run_ctr "${MON[@]}" events "$id"
	expect_match "started"
	[[ $output != *exited* ]]
	# --follow: until the container exits.
	run_ctr "${MON[@]}" events --follow "$id"
	expect_match "exited"
	run_ctr "${MON[@]}" logs --since "$mark" "$id"
	expect_output late
	run_ctr "${MON[@]}" logs --since 1h "$id"
	expect_output $'early\nlate'
	run_ctr "${MON[@]}" logs --since "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" "$id"
	expect_output ""
	run_ctr 64 "${MON[@]}" logs --since yesterday "$id"
	run_ctr "${MON[@]}" logs --help
	expect_match "COMMAND OPTIONS"
}

# --- ctr-runtime, driven directly ----------------------------------------

@test "flags: ctr-runtime exec (--env, --cwd, --user, -d), kill --all, list -q" {
	local_busybox
	local bundle=$TEST_TMP/bundle rt=(ctr-runtime --root "$TEST_TMP/rt") c=rt-${TEST_TMP##*.}
	mkdir -p "$bundle/rootfs"
	ctr-copy -q "${STORAGE[@]}" "$IMG" "oci:$TEST_TMP/layout:x" >/dev/null
	tar -xzf "$(find "$TEST_TMP"/layout/blobs/sha256 -type f -printf '%s %p\n' | sort -rn | awk 'NR == 1 {print $2}')" -C "$bundle/rootfs"
	cat >"$bundle/config.json" <<-JSON
	{"ociVersion":"1.0.2","root":{"path":"rootfs"},"process":{"args":["sleep","100"],"cwd":"/","user":{"uid":0,"gid":0},
	 "env":["PATH=/bin"]},"linux":{"namespaces":[{"type":"pid"},{"type":"mount"}]},
	 "mounts":[{"destination":"/proc","type":"proc","source":"proc"}]}
	JSON
	# A detached container and exec keep the runtime's stdio: give them none of bats'.
	"${rt[@]}" run -d --bundle "$bundle" "$c" </dev/null >/dev/null 2>&1
	run_ctr "${rt[@]}" exec --env A=1 --cwd /tmp --user 1000:1001 "$c" sh -c 'echo "$A"; pwd; id -u; id -g'
	expect_output $'1\n/tmp\n1000\n1001'
	run_ctr 3 "${rt[@]}" exec "$c" sh -c 'exit 3'
	# A detached exec: it runs on beside the init.
	"${rt[@]}" exec -d --pid-file "$TEST_TMP/exec.pid" "$c" sleep 100 </dev/null >/dev/null 2>&1
	[ -n "$(cat "$TEST_TMP/exec.pid")" ]
	run_ctr "${rt[@]}" exec "$c" sh -c 'ps -o comm | grep -c sleep'
	expect_output 2
	run_ctr "${rt[@]}" list -q
	expect_output "$c"
	# kill --all: every process of the container, the exec'd one too.
	run_ctr "${rt[@]}" kill --all "$c" KILL
	for _ in $(seq 50); do [ "$("${rt[@]}" state "$c" | jq -r .status)" = stopped ] && break; sleep 0.1; done
	[ "$("${rt[@]}" state "$c" | jq -r .status)" = stopped ]
	# The exec'd process is gone (or a zombie its reaper has not seen yet).
	local st
	st=$(awk '{print $3}' "/proc/$(cat "$TEST_TMP/exec.pid")/stat" 2>/dev/null || echo gone)
	[ "$st" = gone ] || [ "$st" = Z ]
	run_ctr "${rt[@]}" delete "$c"
	run_ctr "${rt[@]}" list -q
	expect_output ""
}
