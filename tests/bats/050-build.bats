#!/usr/bin/env bats
# ctr-build, scripted builds: from, run, copy, config, commit, mount, rm.

bats_require_minimum_version 1.5.0
load helpers

IMG=localhost/busybox:latest

build() { ctr-build "${STORAGE[@]}" "$@"; }

# bats test_tags=smoke
@test "build: from, run, copy, config, commit: the image has the changes, config and one more layer" {
	local_busybox
	run_ctr ctr-build "${STORAGE[@]}" from --name work "$IMG"
	expect_match "^[0-9a-f]{64}$"
	local wc=$output
	# Step output goes to stderr: stdout stays data.
	run_ctr ctr-build "${STORAGE[@]}" run work -- sh -c 'echo built > /etc/motd; rm /bin/uname; echo to-stderr'
	[ -z "$(build run work -- echo hidden 2>/dev/null)" ]
	echo hello >"$TEST_TMP/h.txt"
	mkdir -p "$TEST_TMP/tree/sub"
	echo deep >"$TEST_TMP/tree/sub/f"
	ln -s f "$TEST_TMP/tree/sub/link"
	run_ctr ctr-build "${STORAGE[@]}" copy work "$TEST_TMP/h.txt" /srv/
	run_ctr ctr-build "${STORAGE[@]}" copy --chown 65534:65534 --chmod 0640 work "$TEST_TMP/tree" /data
	run_ctr ctr-build "${STORAGE[@]}" config --env FOO=bar --cmd 'cat /etc/motd' --label team=ctr \
		--workdir /srv --port 8080 --user 0:0 --stop-signal SIGINT work
	run_ctr ctr-build "${STORAGE[@]}" commit work localhost/app:1 localhost/app:latest
	local id=$output
	expect_match "^[0-9a-f]{64}$"
	# What the container changed is in the image; what it deleted is gone.
	run_ctr ctr-run "${STORAGE[@]}" --rm localhost/app:1
	expect_output built
	run_ctr ctr-run "${STORAGE[@]}" --rm "$id" sh -c 'pwd; echo $FOO; cat h.txt; stat -c "%u:%g %a %n" /data/sub/f; readlink /data/sub/link; test -e /bin/uname || echo no-uname'
	expect_output $'/srv\nbar\nhello\n65534:65534 640 /data/sub/f\nf\nno-uname'
	# podman reads the same config, names and history.
	podman_cmd
	run_ctr "${PODMAN[@]}" image inspect localhost/app:latest --format '{{.Id}} {{.Config.Cmd}} {{.Config.Labels}} {{.Config.ExposedPorts}} {{.Config.StopSignal}} {{len .RootFS.Layers}}'
	expect_output "$id [/bin/sh -c cat /etc/motd] map[team:ctr] map[8080/tcp:{}] SIGINT 2"
	run_ctr "${PODMAN[@]}" history --format '{{.CreatedBy}}' "$id"
	[ "$(sed -n 1p <<<"$output")" = "ctr-build commit" ]
	run_ctr "${PODMAN[@]}" run --rm --network none localhost/app:1
	expect_output built
	# The working container stays until removed.
	run_ctr ctr-build "${STORAGE[@]}" containers
	expect_match "work"
	run_ctr ctr-build "${STORAGE[@]}" rm work
	run_ctr ctr-build "${STORAGE[@]}" containers
	expect_output ""
	run_ctr 2 ctr-build "${STORAGE[@]}" run "$wc" -- true
}

# bats test_tags=cgroup
@test "build: RUN steps run on this machine's cgroup layout and leave no cgroup behind" {
	local_busybox
	find /sys/fs/cgroup -type d -regex '.*[0-9a-f]\{64\}.*' 2>/dev/null | sort >"$TEST_TMP/before"
	run_ctr ctr-build "${STORAGE[@]}" from --name work "$IMG"
	run_ctr ctr-build "${STORAGE[@]}" run work -- sh -c 'cat /proc/self/cgroup; echo step-ran'
	expect_match "step-ran"
	mkdir "$TEST_TMP/ctx"
	printf 'FROM %s\nRUN cat /proc/self/cgroup >/cg && echo file-step\n' "$IMG" >"$TEST_TMP/ctx/Containerfile"
	run_ctr ctr-build "${STORAGE[@]}" -q -t localhost/cg:1 "$TEST_TMP/ctx"
	run_ctr ctr-run "${STORAGE[@]}" --rm --network none localhost/cg:1 cat /cg
	[ -n "$output" ]
	run_ctr ctr-build "${STORAGE[@]}" rm work
	find /sys/fs/cgroup -type d -regex '.*[0-9a-f]\{64\}.*' 2>/dev/null | sort >"$TEST_TMP/after"
	# Nothing new (what goes meanwhile is an earlier test's, systemd's to remove).
	[ -z "$(comm -13 "$TEST_TMP/before" "$TEST_TMP/after")" ]
}

@test "build: from scratch, a static binary and an entrypoint" {
	run_ctr ctr-build "${STORAGE[@]}" from --name scr scratch
	run_ctr ctr-build "${STORAGE[@]}" copy scr "$(command -v busybox)" /bin/busybox
	run_ctr ctr-build "${STORAGE[@]}" config --entrypoint '["/bin/busybox"]' --cmd '["echo","from scratch"]' scr
	run_ctr ctr-build "${STORAGE[@]}" commit --rm scr localhost/scr
	run_ctr ctr-run "${STORAGE[@]}" --rm localhost/scr
	expect_output "from scratch"
	run_ctr ctr-build "${STORAGE[@]}" containers
	expect_output ""
	podman_cmd
	run_ctr "${PODMAN[@]}" image inspect localhost/scr --format '{{len .RootFS.Layers}} {{.Config.Entrypoint}}'
	expect_output "1 [/bin/busybox]"
}

@test "build: pipelines: commit | ctr-run, commit | ctr-copy to a registry" {
	local_busybox
	start_registry REG
	local wc
	wc=$(build from "$IMG")
	build run "$wc" -- sh -c 'echo made by ctr-build > /etc/motd'
	run bash -c "ctr-build ${STORAGE[*]} commit -q $wc | ctr-run ${STORAGE[*]} --rm - cat /etc/motd"
	[ "$status" -eq 0 ]
	expect_output "made by ctr-build"
	run bash -c "ctr-build ${STORAGE[*]} commit $wc localhost/app | ctr-copy -q ${STORAGE[*]} --dest-tls-verify=false - docker://$REG/app:1"
	[ "$status" -eq 0 ]
	expect_match "^docker://$REG/app@sha256:"
	run_ctr skopeo inspect --tls-verify=false "docker://$REG/app:1" --format '{{len .Layers}}'
	expect_output 2
	run_ctr ctr-build "${STORAGE[@]}" commit --json "$wc"
	[ "$(jq -r .schema <<<"$output")" = ctr.build/v1 ]
	[ -n "$(jq -r .digest <<<"$output")" ]
}

@test "build: errors: unknown container 2, the command's status, not found 127, bad options 64" {
	local_busybox
	local wc
	wc=$(build from "$IMG")
	run_ctr 2 ctr-build "${STORAGE[@]}" commit nosuch
	run_ctr 2 ctr-build "${STORAGE[@]}" from --pull never localhost/no-such-image
	run_ctr 7 ctr-build "${STORAGE[@]}" run "$wc" -- sh -c 'exit 7'
	run_ctr 127 ctr-build "${STORAGE[@]}" run "$wc" -- no-such-command
	expect_match "not found"
	run_ctr 64 ctr-build "${STORAGE[@]}" copy --chmod 999 "$wc" /etc/hostname /x
	run_ctr 2 ctr-build "${STORAGE[@]}" copy "$wc" "$TEST_TMP/no-such-file" /x
	run_ctr 64 ctr-build "${STORAGE[@]}" config --env =x "$wc"
	run_ctr 64 ctr-build "${STORAGE[@]}" config --cmd '[not json' "$wc"
	# A working container is not a ctr-run container, and the other way round.
	run_ctr ctr-run "${STORAGE[@]}" ps -a
	[[ $output != *"${wc:0:12}"* ]]
	run_ctr ctr-build "${STORAGE[@]}" rm "$wc"
}

@test "build: copy cannot write outside the container through its symlinks" {
	local_busybox
	local wc target=$TEST_TMP/host-target
	mkdir -p "$target"
	wc=$(build from "$IMG")
	# The same absolute path exists on the host and in the container: a
	# copy through the container's symlinks must land in the container's.
	build run "$wc" -- sh -c "mkdir -p $target && ln -s $target /evil-dir && ln -s $target/file /evil-file && ln -s /nowhere/at/all /dangling"
	echo payload >"$TEST_TMP/p"
	run_ctr ctr-build "${STORAGE[@]}" copy "$wc" "$TEST_TMP/p" /evil-dir/file
	run_ctr ctr-build "${STORAGE[@]}" copy "$wc" "$TEST_TMP/p" /evil-file
	run_ctr 1 ctr-build "${STORAGE[@]}" copy "$wc" "$TEST_TMP/p" /dangling/file
	[ -z "$(ls -A "$target")" ]
	[ ! -e /nowhere ]
	run_ctr ctr-build "${STORAGE[@]}" run "$wc" -- cat "$target/file"
	expect_output payload
	run_ctr ctr-build "${STORAGE[@]}" rm "$wc"
}

@test "build: mount and umount give the rootfs to the host's tools" {
	local_busybox
	local wc dir
	wc=$(build from "$IMG")
	dir=$(build mount "$wc")
	[ -f "$dir/bin/busybox" ]
	echo via-mount >"$dir/etc/motd"
	run_ctr ctr-build "${STORAGE[@]}" umount "$wc"
	run_ctr ctr-build "${STORAGE[@]}" run "$wc" -- cat /etc/motd
	expect_output via-mount
	run_ctr ctr-build "${STORAGE[@]}" rm "$wc"
	[ -z "$(rootfs_mounts)" ]
}
