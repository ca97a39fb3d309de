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

# bats test_tags=smoke
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
	run_ctr 64 ctr-build "${STORAGE[@]}" -q --network 'no such!' "$ctx"
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
	run_ctr ctr-build "${STORAGE[@]}" config --volume /data --author "the test" "$c"
	run_ctr ctr-build "${STORAGE[@]}" commit -q --created-by "made by the test" "$c" localhost/made:1
	podman_t --version >/dev/null
	run podman_t history --format '{{.CreatedBy}}' localhost/made:1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "made by the test" ]
	run podman_t image inspect --format '{{.Author}} {{.Config.Volumes}}' localhost/made:1
	[ "$output" = "the test map[/data:{}]" ]
	run_ctr ctr-build "${STORAGE[@]}" commit -q "$c" localhost/made:2
	run podman_t history --format '{{.CreatedBy}}' localhost/made:2
	[ "${lines[0]}" = "ctr-build commit" ]
}

# --- ctr-monitor --------------------------------------------------------

@test "flags: ctr-monitor logs --since, events --follow, SUBCOMMAND --help" {
	local_busybox
	local MON=(ctr-monitor --root "$TEST_TMP/root" --runroot "$TEST_TMP/runroot") id mark
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
	local rt=(ctr-runtime --root "$TEST_TMP/rt") c=rt-${TEST_TMP##*.}
	rt_bundle "$TEST_TMP/bundle" '["sleep","100"]'
	# A detached container and exec keep the runtime's stdio: give them none of bats'.
	"${rt[@]}" run -d --bundle "$TEST_TMP/bundle" "$c" </dev/null >/dev/null 2>&1
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

@test "flags: ctr-runtime --log, --log-format, --debug, --systemd-cgroup" {
	local_busybox
	local rt=(ctr-runtime --root "$TEST_TMP/rt") c=rt-${TEST_TMP##*.}
	rt_bundle "$TEST_TMP/b" '["true"]'
	# Errors go to the log too: as JSON lines, or as text.
	run_ctr 1 "${rt[@]}" --log "$TEST_TMP/rt.json" --log-format json state nosuch
	[ "$(jq -r 'select(.level == "error") | .msg' "$TEST_TMP/rt.json")" = "container does not exist" ]
	run_ctr 1 "${rt[@]}" --log "$TEST_TMP/rt.txt" state nosuch
	grep -q 'level=error msg="container does not exist"' "$TEST_TMP/rt.txt"
	run_ctr 1 "${rt[@]}" --log-format yaml list
	expect_match "want text or json"
	# --debug: libcontainer's debug lines reach the log; without it, none.
	"${rt[@]}" --debug --log "$TEST_TMP/debug.log" run --bundle "$TEST_TMP/b" "$c-1" </dev/null >/dev/null 2>&1
	grep -q 'level=debug' "$TEST_TMP/debug.log"
	"${rt[@]}" --log "$TEST_TMP/quiet.log" run --bundle "$TEST_TMP/b" "$c-2" </dev/null >/dev/null 2>&1
	run grep -c 'level=debug' "$TEST_TMP/quiet.log"
	[ "$output" = 0 ]
	# --systemd-cgroup: 030-run.bats ("runtime: --systemd-cgroup").
}

@test "flags: ctr-runtime run --keep, --preserve-fds, --no-new-keyring, --no-pivot; exec --no-new-privs, --preserve-fds" {
	local_busybox
	local rt=(ctr-runtime --root "$TEST_TMP/rt") c=rt-${TEST_TMP##*.}
	rt_bundle "$TEST_TMP/b" '["true"]'
	# Without --keep the container is gone when it exits; with it, it stays stopped.
	run_ctr "${rt[@]}" run --bundle "$TEST_TMP/b" "$c-gone" </dev/null
	run_ctr 1 "${rt[@]}" state "$c-gone"
	run_ctr "${rt[@]}" run --keep --bundle "$TEST_TMP/b" "$c-kept" </dev/null
	run_ctr "${rt[@]}" state "$c-kept"
	[ "$(jq -r .status <<<"$output")" = stopped ]
	run_ctr "${rt[@]}" delete "$c-kept"
	# --preserve-fds N: fds 3 to 3+N-1 reach the process.
	echo "through fd 3" >"$TEST_TMP/fd3"
	rt_bundle "$TEST_TMP/fds" '["sh","-c","cat <&3"]'
	run_ctr "${rt[@]}" run --preserve-fds 1 --bundle "$TEST_TMP/fds" "$c-fds" 3<"$TEST_TMP/fd3" </dev/null
	expect_output "through fd 3"
	run "${rt[@]}" run --bundle "$TEST_TMP/fds" "$c-nofds" 3<"$TEST_TMP/fd3" </dev/null
	[ "$status" -ne 0 ]
	# A new session keyring, named after the container, unless --no-new-keyring.
	rt_bundle "$TEST_TMP/keys" '["sh","-c","grep -o \"_ses[.][^:]*\" /proc/keys"]'
	run_ctr "${rt[@]}" run --bundle "$TEST_TMP/keys" "$c-key" </dev/null
	expect_match "_ses[.]$c-key"
	run_ctr "${rt[@]}" run --no-new-keyring --bundle "$TEST_TMP/keys" "$c-nokey" </dev/null
	[[ $output != *"_ses.$c-nokey"* ]]
	# --no-pivot: the root is moved and chrooted into instead; the container runs the same.
	run_ctr "${rt[@]}" run --no-pivot --bundle "$TEST_TMP/b" "$c-nopivot" </dev/null
	# exec --no-new-privs and --preserve-fds, into a running container.
	rt_bundle "$TEST_TMP/long" '["sleep","100"]'
	"${rt[@]}" run -d --bundle "$TEST_TMP/long" "$c-long" </dev/null >/dev/null 2>&1
	run_ctr "${rt[@]}" exec "$c-long" sh -c 'grep NoNewPrivs: /proc/self/status'
	expect_match "NoNewPrivs:[[:space:]]+0"
	run_ctr "${rt[@]}" exec --no-new-privs "$c-long" sh -c 'grep NoNewPrivs: /proc/self/status'
	expect_match "NoNewPrivs:[[:space:]]+1"
	run_ctr "${rt[@]}" exec --preserve-fds 1 "$c-long" sh -c 'cat <&3' 3<"$TEST_TMP/fd3" </dev/null
	expect_output "through fd 3"
	run_ctr "${rt[@]}" delete --force "$c-long"
}

# --- ctr-monitor, driven directly (as podman and ctr-run drive it) -------

@test "flags: ctr-monitor --runtime-opt, --no-new-keyring, --log-allowlist-dir, --no-sync-log, --exit-command(-arg), --exit-delay; the refused ones" {
	local_busybox
	local c=mon-${TEST_TMP##*.} rtroot=$TEST_TMP/rt
	rt_bundle "$TEST_TMP/mb" '["sh","-c","grep -c \"_ses[.]mon-\" /proc/keys; true"]'
	mkdir -p "$TEST_TMP/exits" "$TEST_TMP/logs"
	# monitor ID ARGS...: starts the container under ctr-monitor (detached,
	# the PID reported on a sync pipe, as podman does), then starts it.
	monitor() {
		local id=$1
		shift
		_OCI_SYNCPIPE=3 ctr-monitor -c "$id" -r "$CTR_BIN/ctr-runtime" --runtime-arg --root --runtime-arg "$rtroot" \
			-b "$TEST_TMP/mb" --exit-dir "$TEST_TMP/exits" "$@" 3>"$TEST_TMP/sync-$id" </dev/null >/dev/null 2>"$TEST_TMP/mon-$id.err" || return
		# The detached monitor reports the container's PID once it is created.
		for _ in $(seq 200); do [ -s "$TEST_TMP/sync-$id" ] && break; sleep 0.02; done
		grep -q '"data": *[1-9]' "$TEST_TMP/sync-$id"
		ctr-runtime --root "$rtroot" start "$id"
		for _ in $(seq 200); do [ -e "$TEST_TMP/exits/$id" ] && break; sleep 0.05; done
		[ -e "$TEST_TMP/exits/$id" ]
	}
	# --no-new-keyring reaches the runtime's create; so does --runtime-opt.
	monitor "$c-1" -l "$TEST_TMP/logs/1.log" --log-allowlist-dir "$TEST_TMP/logs" --no-sync-log
	[[ $(cat "$TEST_TMP/logs/1.log") == *" stdout F 1" ]]
	monitor "$c-2" -l "$TEST_TMP/logs/2.log" --no-new-keyring
	[[ $(cat "$TEST_TMP/logs/2.log") == *" stdout F 0" ]]
	monitor "$c-3" -l "$TEST_TMP/logs/3.log" --runtime-opt --no-new-keyring
	[[ $(cat "$TEST_TMP/logs/3.log") == *" stdout F 0" ]]
	# A log outside the allowed directories is refused, before anything runs.
	run_ctr 64 ctr-monitor -c "$c-4" -r "$CTR_BIN/ctr-runtime" -b "$TEST_TMP/mb" -l "$TEST_TMP/elsewhere.log" --log-allowlist-dir "$TEST_TMP/logs"
	expect_match "outside the --log-allowlist-dir"
	[ ! -e "$TEST_TMP/elsewhere.log" ]
	# The exit command runs with its arguments, --exit-delay seconds after the exit.
	monitor "$c-5" -l "$TEST_TMP/logs/5.log" --exit-delay 1 --exit-command /bin/sh \
		--exit-command-arg -c --exit-command-arg "date +%s.%N > $TEST_TMP/exit-cmd; echo \"\$0\" >> $TEST_TMP/exit-cmd" --exit-command-arg second
	for _ in $(seq 100); do [ -s "$TEST_TMP/exit-cmd" ] && break; sleep 0.05; done
	[ "$(sed -n 2p "$TEST_TMP/exit-cmd")" = second ]
	local exited ran
	exited=$(stat -c %.9Y "$TEST_TMP/exits/$c-5")
	ran=$(head -1 "$TEST_TMP/exit-cmd")
	[ "$(echo "$ran - $exited >= 0.9" | bc)" = 1 ]
	# A bundle path too long for a socket address: the attach socket gets a
	# link named --cuuid in --socket-dir-path while the container runs (none
	# with --full-attach, for callers that reach long paths themselves).
	local long
	long=$TEST_TMP/$(printf 'b%.0s' $(seq 100))
	rt_bundle "$long" '["sleep","1"]'
	_OCI_SYNCPIPE=3 ctr-monitor -c "$c-6" -u short-name --socket-dir-path "$TEST_TMP/sockets" -r "$CTR_BIN/ctr-runtime" \
		--runtime-arg --root --runtime-arg "$rtroot" -b "$long" --exit-dir "$TEST_TMP/exits" -l "$TEST_TMP/logs/6.log" \
		3>"$TEST_TMP/sync-6" </dev/null >/dev/null 2>&1
	# The detached monitor makes the link before it reports on the sync pipe.
	for _ in $(seq 100); do [ -s "$TEST_TMP/sync-6" ] && break; sleep 0.02; done
	[ "$(readlink "$TEST_TMP/sockets/short-name")" = "$long" ]
	[ -S "$TEST_TMP/sockets/short-name/attach" ]
	ctr-runtime --root "$rtroot" start "$c-6"
	for _ in $(seq 200); do [ -e "$TEST_TMP/exits/$c-6" ] && break; sleep 0.05; done
	for _ in $(seq 50); do [ -L "$TEST_TMP/sockets/short-name" ] || break; sleep 0.05; done
	[ ! -L "$TEST_TMP/sockets/short-name" ]
	_OCI_SYNCPIPE=3 ctr-monitor -c "$c-7" -u other-name --full-attach --socket-dir-path "$TEST_TMP/sockets" -r "$CTR_BIN/ctr-runtime" \
		--runtime-arg --root --runtime-arg "$rtroot" -b "$long" --exit-dir "$TEST_TMP/exits" -l "$TEST_TMP/logs/7.log" \
		3>"$TEST_TMP/sync-7" </dev/null >/dev/null 2>&1
	[ ! -e "$TEST_TMP/sockets/other-name" ]
	for _ in $(seq 100); do [ -s "$TEST_TMP/sync-7" ] && break; sleep 0.02; done
	ctr-runtime --root "$rtroot" start "$c-7"
	for _ in $(seq 200); do [ -e "$TEST_TMP/exits/$c-7" ] && break; sleep 0.05; done
	# conmon options ctr-monitor does not do: refused, not ignored.
	local opt
	for opt in "--restore /x" --replace-listen-pid "--sdnotify-socket /x" "--log-global-size-max 1"; do
		# shellcheck disable=SC2086 # an option and its value
		run_ctr 64 ctr-monitor -c x -r "$CTR_BIN/ctr-runtime" -b "$TEST_TMP/mb" $opt
		expect_match "not supported"
	done
	for id in "$c-1" "$c-2" "$c-3" "$c-5" "$c-6" "$c-7"; do ctr-runtime --root "$rtroot" delete --force "$id" 2>/dev/null || true; done
}

@test "flags: ctr-run --storage-opt reaches the store (overlay mount options); ctr-monitor attach --no-stdin" {
	local_busybox
	# A store opened with a mount option: the container's root is mounted with it.
	run_ctr ctr-run "${STORAGE[@]}" --storage-opt overlay.mountopt=nodev -d --name opt "$IMG" sleep 100
	[[ $(findmnt -rn -o OPTIONS --target "$(rootfs_mounts | head -1)") == *nodev* ]]
	run_ctr ctr-run "${STORAGE[@]}" rm -f opt
	run_ctr ctr-run "${STORAGE[@]}" -d --name plain "$IMG" sleep 100
	[[ $(findmnt -rn -o OPTIONS --target "$(rootfs_mounts | head -1)") != *nodev* ]]
	run_ctr ctr-run "${STORAGE[@]}" rm -f plain
	# attach --no-stdin: what attach reads is not sent to the container.
	run_ctr ctr-run "${STORAGE[@]}" -d -i --name in "$IMG" sh -c 'read -t 2 l && echo "got $l" || echo nothing'
	run_ctr ctr-monitor --root "$TEST_TMP/root" --runroot "$TEST_TMP/runroot" attach --no-stdin in <<<"hello"
	expect_output nothing
}
