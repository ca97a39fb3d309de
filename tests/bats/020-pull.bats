#!/usr/bin/env bats
# ctr-pull: short names, pull policies, platforms, concurrency, safety,
# interop with podman, exit codes.

# shellcheck disable=SC2030,SC2031 # each @test is a subshell: a STORAGE it changes is its own
bats_require_minimum_version 1.5.0
load helpers

# bats test_tags=smoke
@test "pull: prints the image ID; podman lists and runs it" {
	requires podman runc
	start_registry REG
	push_busybox "$REG/busybox:1"
	run_ctr ctr-pull -q "${STORAGE[@]}" "$NOTLS" "$REG/busybox:1"
	expect_match "^[0-9a-f]{64}$"
	local id=$output
	run podman_t images --format '{{.ID}} {{.Repository}}:{{.Tag}}' --no-trunc
	expect_match "sha256:$id $REG/busybox:1|$id $REG/busybox:1"
	run podman_t run --rm --network none "$REG/busybox:1" cat /etc/motd
	[ "$status" -eq 0 ]
	expect_output "ctr test image"
}

# layer_files DIR: every entry below DIR, directories too: path, type, mode,
# owner, modification time, link target, and a file's size.
layer_files() {
	(cd "$1" && find . -mindepth 1 \( -type d -printf '%p %y %m %U %G - %T@ %l\n' \) -o -printf '%p %y %m %U %G %s %T@ %l\n' | sort)
}

@test "pull: the stored layers are the ones podman stores" {
	requires podman
	start_registry REG
	head -c 1048576 /dev/urandom >"$TEST_TMP/blob"
	push_busybox "$REG/two:1" --file "$TEST_TMP/blob=/data/blob"
	run_ctr ctr-pull -q "${STORAGE[@]}" "$NOTLS" "docker://$REG/two:1"
	local ours=("${STORAGE[@]}")
	STORAGE=(--root "$TEST_TMP/proot" --runroot "$TEST_TMP/prunroot" --storage-driver overlay)
	run podman_t pull -q --tls-verify=false "docker://$REG/two:1"
	[ "$status" -eq 0 ]
	local theirs=$TEST_TMP/proot/overlay-layers/layers.json mine=$TEST_TMP/root/overlay-layers/layers.json
	[ "$(jq -S '[.[] | {id, parent, "diff-digest", "compressed-diff-digest", "diff-size"}] | sort_by(.id)' "$mine")" = \
		"$(jq -S '[.[] | {id, parent, "diff-digest", "compressed-diff-digest", "diff-size"}] | sort_by(.id)' "$theirs")" ]
	local l
	for l in $(jq -r '.[].id' "$theirs"); do
		diff <(layer_files "$TEST_TMP/proot/overlay/$l/diff") <(layer_files "$TEST_TMP/root/overlay/$l/diff")
		cmp "$TEST_TMP/proot/overlay/$l/diff/data/blob" "$TEST_TMP/root/overlay/$l/diff/data/blob" 2>/dev/null ||
			[ ! -e "$TEST_TMP/proot/overlay/$l/diff/data/blob" ]
	done
	# And podman pulling on top of ctr's store finds the same image there.
	STORAGE=("${ours[@]}")
	local id count
	id=$(ctr-pull -q --policy never "${STORAGE[@]}" "$REG/two:1")
	count=$(layer_count)
	run podman_t pull -q --tls-verify=false "docker://$REG/two:1"
	[ "$status" -eq 0 ]
	expect_output "$id"
	[ "$(layer_count)" -eq "$count" ]
}

@test "pull: an image podman pulled is found by ctr-pull --policy missing" {
	requires podman
	start_registry REG
	push_busybox "$REG/bb:1"
	run podman_t pull -q --tls-verify=false "docker://$REG/bb:1"
	[ "$status" -eq 0 ]
	local id=${lines[-1]}
	: >"$REG_LOG"
	run_ctr ctr-pull -q --policy missing "${STORAGE[@]}" "$NOTLS" "$REG/bb:1"
	expect_output "$id"
	refute_line "GET /v2/bb/blobs" "$REG_LOG"
}

@test "pull: short names: alias, search registries, enforcing mode" {
	# A name no system drop-in (registries.conf.d) aliases, so that
	# nothing resolves to a registry outside this machine.
	start_registry REG
	start_registry REG2
	push_busybox "$REG/ctr-test-box:latest"
	push_busybox "$REG2/tools/box:2" --label box=2
	registries_conf "$TEST_TMP/r.conf" \
		"unqualified-search-registries = [\"$REG\"]" \
		'[aliases]' "\"ctr-test-alias\" = \"$REG2/tools/box\""
	run --separate-stderr timeout 60 ctr-pull --registries-conf "$TEST_TMP/r.conf" "${STORAGE[@]}" ctr-test-box
	[ "$status" -eq 0 ]
	expect_match "Resolving \"ctr-test-box\" using unqualified-search registries" "$stderr"
	run --separate-stderr timeout 60 ctr-pull --json --registries-conf "$TEST_TMP/r.conf" "${STORAGE[@]}" ctr-test-alias:2
	[ "$status" -eq 0 ]
	expect_match "Resolved \"ctr-test-alias\" as an alias" "$stderr"
	[ "$(jq -r '.names[0]' <<<"$output")" = "$REG2/tools/box:2" ]

	registries_conf "$TEST_TMP/enforcing.conf" \
		"unqualified-search-registries = [\"$REG\", \"$REG2\"]" 'short-name-mode = "enforcing"'
	run_ctr 64 ctr-pull -q --registries-conf "$TEST_TMP/enforcing.conf" "${STORAGE[@]}" ctr-test-box
	expect_match "ambiguous"
	expect_match "docker://$REG/ctr-test-box"
	expect_match "docker://$REG2/ctr-test-box"
}

@test "pull: policies always, missing, never and newer after the tag moves" {
	start_registry REG
	push_busybox "$REG/app:1" --label v=1
	run_ctr 2 ctr-pull -q --policy never "${STORAGE[@]}" "$NOTLS" "$REG/app:1"
	expect_match "image not known"
	run_ctr ctr-pull -q --policy missing "${STORAGE[@]}" "$NOTLS" "$REG/app:1"
	local v1=$output
	# The tag moves to another image.
	push_busybox "$REG/app:1" --label v=2
	run_ctr ctr-pull -q --policy never "${STORAGE[@]}" "$NOTLS" "$REG/app:1"
	expect_output "$v1"
	run_ctr ctr-pull -q --policy missing "${STORAGE[@]}" "$NOTLS" "$REG/app:1"
	expect_output "$v1"
	: >"$REG_LOG"
	run_ctr ctr-pull --json -q --policy newer "${STORAGE[@]}" "$NOTLS" "$REG/app:1"
	local v2
	v2=$(jq -r .id <<<"$output")
	[ "$v2" != "$v1" ]
	[ "$(jq -r .pulled <<<"$output")" = true ]
	grep -q '"HEAD /v2/app/manifests/1' "$REG_LOG"
	: >"$REG_LOG"
	run_ctr ctr-pull --json -q --policy newer "${STORAGE[@]}" "$NOTLS" "$REG/app:1"
	[ "$(jq -r .id <<<"$output")" = "$v2" ]
	[ "$(jq -r .pulled <<<"$output")" = false ]
	# Unchanged: one HEAD, and the policy (accepting anything) asked
	# without a GET, which rate-limiting registries count.
	grep -q '"HEAD /v2/app/manifests/1' "$REG_LOG"
	refute_line "GET /v2/app/manifests" "$REG_LOG"
	run_ctr ctr-pull -q --policy always "${STORAGE[@]}" "$NOTLS" "$REG/app:1"
	expect_output "$v2"
	run_ctr 64 ctr-pull -q --policy sometimes "${STORAGE[@]}" "$NOTLS" "$REG/app:1"
	expect_match "unsupported pull policy"
}

@test "pull: --platform picks the instance of a two-platform index" {
	requires podman
	start_registry REG
	push_busybox "$REG/multi:1" --platform linux/amd64 --platform linux/arm64
	run_ctr ctr-pull -q --platform linux/arm64 "${STORAGE[@]}" "$NOTLS" "$REG/multi:1"
	run podman_t image inspect --format '{{.Architecture}}' "$output"
	expect_output arm64
	run_ctr ctr-pull -q "${STORAGE[@]}" "$NOTLS" "$REG/multi:1"
	run podman_t image inspect --format '{{.Architecture}}' "$output"
	expect_output "$(go env GOARCH)"
	run_ctr 2 ctr-pull -q --platform linux/s390x "${STORAGE[@]}" "$NOTLS" "$REG/multi:1"
}

@test "pull: --all-tags and several images from stdin" {
	start_registry REG
	push_busybox "$REG/tags:1" --label t=1
	push_busybox "$REG/tags:2" --label t=2
	push_busybox "$REG/other:1" --label o=1
	run_ctr ctr-pull -q --all-tags "${STORAGE[@]}" "$NOTLS" "docker://$REG/tags"
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" != "${lines[1]}" ]
	run_ctr 64 ctr-pull -q --all-tags "${STORAGE[@]}" "$NOTLS" "docker://$REG/tags:1"
	run_ctr ctr-pull -q --jobs 2 "${STORAGE[@]}" "$NOTLS" - < <(printf '%s/tags:1\n# comment\ndocker://%s/other:1\n%s/tags:2\n' "$REG" "$REG" "$REG")
	[ "${#lines[@]}" -eq 3 ]
	expect_match "^[0-9a-f]{64}$" "${lines[2]}"
}

@test "pull: two processes pulling the same image at once both succeed" {
	requires podman
	start_registry REG
	head -c 33554432 /dev/urandom >"$TEST_TMP/blob"
	push_busybox "$REG/same:1" --file "$TEST_TMP/blob=/blob" --dir "$BATS_TEST_DIRNAME=/tests"
	ctr-pull -q "${STORAGE[@]}" "$NOTLS" "$REG/same:1" >"$TEST_TMP/a" 2>"$TEST_TMP/a.err" &
	local a=$!
	ctr-pull -q "${STORAGE[@]}" "$NOTLS" "$REG/same:1" >"$TEST_TMP/b" 2>"$TEST_TMP/b.err" &
	local b=$!
	wait $a
	wait $b
	[ -s "$TEST_TMP/a" ]
	cmp "$TEST_TMP/a" "$TEST_TMP/b"
	[ "$(layer_count)" -eq 3 ]
	run podman_t run --rm --network none "$REG/same:1" ls /tests/020-pull.bats
	[ "$status" -eq 0 ]
}

@test "pull: a corrupt layer is refused (65) and leaves nothing behind" {
	start_registry REG
	head -c 1048576 /dev/urandom >"$TEST_TMP/blob"
	push_busybox "$REG/bad:1" --file "$TEST_TMP/blob=/blob"
	local layer
	layer=$(manifest "$REG/bad:1" | jq -r '.layers[1].digest | sub("sha256:"; "")')
	printf 'garbage' | dd of="$REG_DIR/data/docker/registry/v2/blobs/sha256/${layer:0:2}/$layer/data" bs=1 seek=5000 conv=notrunc 2>/dev/null
	run_ctr 65 ctr-pull -q --retry 0 "${STORAGE[@]}" "$NOTLS" "$REG/bad:1"
	expect_match "Digest did not match"
	[ "$(layer_count)" -eq 0 ]
	[ -z "$(find "$TEST_TMP/root/overlay/staging" "$TEST_TMP/root/overlay/tempdirs" -mindepth 1 2>/dev/null)" ]
	[ "$(jq length "$TEST_TMP/root/overlay-images/images.json" 2>/dev/null || echo 0)" -eq 0 ]
}

@test "pull: killed in the middle and run again, the store is consistent" {
	requires podman
	start_registry REG
	head -c 100663296 /dev/urandom >"$TEST_TMP/blob"
	push_busybox "$REG/big:1" --file "$TEST_TMP/blob=/blob"
	# In a process group of its own (setsid: its PID is the group's), so
	# that a child it forked goes with it: containers/storage's probe for
	# idmapped mounts forks (without exec) a process that waits for the
	# parent's SIGKILL, and one killed in between left it for good, holding
	# the suite's output (the whole run hung on it once).
	setsid ctr-pull -q "${STORAGE[@]}" "$NOTLS" "$REG/big:1" &
	local pid=$!
	# Kill it while the big layer is being unpacked.
	for _ in $(seq 500); do
		find "$TEST_TMP/root/overlay/tempdirs" -name blob -size +1M 2>/dev/null | grep -q . && break
		sleep 0.02
	done
	kill -9 -- "-$pid"
	wait "$pid" || true
	# The ID from stdout alone: a layer the killed pull left incomplete
	# is removed with a warning on stderr.
	local id
	id=$(ctr-pull -q "${STORAGE[@]}" "$NOTLS" "$REG/big:1")
	[[ $id =~ ^[0-9a-f]{64}$ ]]
	run podman_t images -q --no-trunc
	expect_match "$id"
	run podman_t run --rm --network none "$REG/big:1" sh -c 'wc -c < /blob'
	[ "$status" -eq 0 ]
	expect_output 100663296
	cmp "$TEST_TMP/blob" "$TEST_TMP/root/overlay/$(jq -r '.[] | select(.parent != null) | .id' "$TEST_TMP/root/overlay-layers/layers.json")/diff/blob"
}

@test "pull: hostile layers never touch the host" {
	start_registry REG
	local target_dir=$TEST_TMP/host target=$TEST_TMP/host/victim
	mkdir -p "$target_dir"
	echo original >"$target"
	local kind
	for kind in dotdot symlink relsymlink hardlink device; do
		push_busybox "$REG/hostile:$kind" --hostile "$kind=$target"
		run timeout 60 ctr-pull -q "${STORAGE[@]}" "$NOTLS" "$REG/hostile:$kind"
		echo "$kind: status $status: $output"
		[ "$(cat "$target")" = original ]
		# Nothing new beside it (symlink kinds write esc/new-victim), no
		# hard link to it (hardlink), and nothing at the store's side.
		[ "$(ls -A "$target_dir")" = victim ]
		[ "$(stat -c %h "$target")" -eq 1 ]
		[ ! -e "$target_dir/new-victim" ]
	done
	# A ../ name is refused as bad data, as containers/storage refuses it;
	# a write through a symlink to a directory the layer does not have
	# fails, as it does in containers/storage's chroot: also bad data.
	run_ctr 65 ctr-pull -q "${STORAGE[@]}" "$NOTLS" "$REG/hostile:dotdot"
	run_ctr 65 ctr-pull -q "${STORAGE[@]}" "$NOTLS" "$REG/hostile:symlink"
	run_ctr 65 ctr-pull -q "${STORAGE[@]}" "$NOTLS" "$REG/hostile:relsymlink"
	run_ctr 65 ctr-pull -q "${STORAGE[@]}" "$NOTLS" "$REG/hostile:hardlink"
	# Device nodes are created, inside the layer.
	run_ctr ctr-pull -q "${STORAGE[@]}" "$NOTLS" "$REG/hostile:device"
	[ -n "$(find "$TEST_TMP/root/overlay" -path '*/diff/null' -type c)" ]
}

@test "pull: exit codes 1 (authentication), 2 (not found), 75 (registry down)" {
	start_registry AUTH auth
	start_registry REG
	local layout
	layout=$(busybox_layout)
	ctr-copy -q "$NOTLS" --dest-creds ctr:secret "oci:$layout" "docker://$AUTH/a:1" >/dev/null
	run_ctr 1 ctr-pull -q "${STORAGE[@]}" "$NOTLS" --creds ctr:wrong "$AUTH/a:1"
	expect_match "authentication required"
	run_ctr ctr-pull -q "${STORAGE[@]}" "$NOTLS" --creds ctr:secret "$AUTH/a:1"
	run_ctr 2 ctr-pull -q "${STORAGE[@]}" "$NOTLS" "$REG/nothing:1"
	expect_match "manifest unknown"
	stop_registry REG
	run_ctr 75 ctr-pull -q --retry 1 --retry-delay 100ms "${STORAGE[@]}" "$NOTLS" "$REG/nothing:1"
	expect_match "retrying in 100ms"
	run_ctr 64 ctr-pull
}

@test "pull: stdout is data only; progress goes to stderr" {
	start_registry REG
	push_busybox "$REG/a:1"
	run --separate-stderr timeout 60 ctr-pull --progress-interval 1ms "${STORAGE[@]}" "$NOTLS" "$REG/a:1"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	expect_match "^[0-9a-f]{64}$"
	expect_match "copying blob [0-9a-f]{12}: done" "$stderr"
	# The ID feeds the next tool.
	run_ctr ctr-copy -q "${STORAGE[@]}" - "oci:$TEST_TMP/o:1" <<<"$output"
	# -q: nothing on stderr, even from the storage library on an existing store.
	run --separate-stderr timeout 60 ctr-pull -q "${STORAGE[@]}" "$NOTLS" "$REG/a:1"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}
