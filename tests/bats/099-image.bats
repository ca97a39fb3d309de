#!/usr/bin/env bats
# ctr-image (issue 15): the images of a store shared with podman, listed,
# tagged, removed and pruned; an image in use is kept; a prune beside a
# pull takes nothing the pull needs.

# shellcheck disable=SC2154 # run --separate-stderr sets stderr
bats_require_minimum_version 1.5.0
load helpers

IMG=localhost/busybox:latest

# other_image NAME LABEL: a second image, different from busybox's.
other_image() {
	local layout
	layout=$(busybox_layout "$TEST_TMP/o-$RANDOM:latest" --label "$2")
	ctr-copy -q "${STORAGE[@]}" "oci:$layout" "containers-storage:$1" >/dev/null
}

# bats test_tags=smoke
@test "image: ls, tag and untag on a store podman shares; podman sees each change" {
	local_busybox
	other_image localhost/app:1 role=app
	local id
	id=$(ctr-image "${STORAGE[@]}" ls --filter reference=busybox)
	[[ $id =~ ^[0-9a-f]{64}$ ]]
	run_ctr ctr-image "${STORAGE[@]}" ls -q
	[ "${#lines[@]}" -eq 2 ]
	run_ctr ctr-image "${STORAGE[@]}" ls --json --filter reference=busybox
	[ "$(jq -r .id <<<"$output")" = "$id" ]
	[ "$(jq -cr .names <<<"$output")" = '["localhost/busybox:latest"]' ]
	[ "$(jq -r .size <<<"$output")" -gt 1000000 ]
	[ "$(jq -r .dangling <<<"$output")" = false ]
	run_ctr ctr-image "${STORAGE[@]}" ls --table
	expect_match "localhost/busybox +latest +${id:0:12}"
	run_ctr ctr-image "${STORAGE[@]}" ls --filter label=role=app -q
	[ "${#lines[@]}" -eq 1 ]
	[ "$output" != "$id" ]
	run_ctr ctr-image "${STORAGE[@]}" ls --filter since=busybox --filter before=localhost/app:1 -q
	[ -z "$output" ]
	# tag: podman sees the new names; untag takes them off again.
	run_ctr ctr-image "${STORAGE[@]}" tag busybox mirror.example/bb:2 other:3
	[ "$output" = "$id" ]
	run podman_t images --format '{{.Repository}}:{{.Tag}}' --filter "id=$id"
	[ "$status" -eq 0 ]
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "localhost/busybox:latest localhost/other:3 mirror.example/bb:2 " ]
	run_ctr ctr-image "${STORAGE[@]}" untag "$id" other:3
	run podman_t images --format '{{.Repository}}:{{.Tag}}' --filter "id=$id"
	[[ $output != *other* ]]
	# podman's tags are seen here too.
	podman_t tag "$id" localhost/bypodman:7
	run_ctr ctr-image "${STORAGE[@]}" ls --json --filter reference=bypodman
	[ "$(jq -r .id <<<"$output")" = "$id" ]
	# untag with no name: dangling, then ls shows it so.
	run_ctr ctr-image "${STORAGE[@]}" untag localhost/app:1
	run_ctr ctr-image "${STORAGE[@]}" ls --filter dangling=true --json
	[ "$(jq -r .dangling <<<"$output")" = true ]
}

@test "image: rm takes a name off or removes the image; one in use is refused, -f removes ctr-run's container first; podman's is left to podman" {
	local_busybox
	local id
	id=$(ctr-image "${STORAGE[@]}" ls -q)
	run_ctr ctr-image "${STORAGE[@]}" tag "$id" localhost/second:1
	# By a name of an image with two: that name only.
	run_ctr ctr-image "${STORAGE[@]}" rm localhost/second:1
	[ "$output" = localhost/second:1 ]
	run_ctr ctr-image "${STORAGE[@]}" tag "$id" localhost/second:1
	run_ctr 64 ctr-image "${STORAGE[@]}" rm "$id"
	expect_match "several names"
	run_ctr ctr-image "${STORAGE[@]}" rm localhost/second:1
	# In use by a ctr-run container: refused, kept; -f removes both.
	run_ctr ctr-run "${STORAGE[@]}" -d --network none --name user "$IMG" sleep 100
	run_ctr 64 ctr-image "${STORAGE[@]}" rm "$IMG"
	expect_match "used by container user"
	[ "$(ctr-image "${STORAGE[@]}" ls -q)" = "$id" ]
	# In use by podman's container: -f leaves it to podman.
	other_image localhost/pod:1 x=1
	podman_t create --name pc localhost/pod:1 true >/dev/null
	run_ctr 64 ctr-image "${STORAGE[@]}" rm -f localhost/pod:1
	expect_match "remove it with that tool"
	podman_t rm pc >/dev/null
	run_ctr ctr-image "${STORAGE[@]}" rm --json localhost/pod:1
	[ "$(jq -r .deleted <<<"$output")" = true ]
	run_ctr ctr-image "${STORAGE[@]}" rm -f "$IMG"
	[ "$output" = "$id" ]
	run_ctr ctr-run "${STORAGE[@]}" ps -a --json
	[ -z "$output" ]
	run podman_t images -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# IDs on stdin, as every tool reads them.
	local_busybox
	other_image localhost/x:1 x=2
	run_ctr ctr-image "${STORAGE[@]}" rm - < <(ctr-image "${STORAGE[@]}" ls -q)
	[ "${#lines[@]}" -eq 2 ]
	[ -z "$(ctr-image "${STORAGE[@]}" ls -q)" ]
}

@test "image: prune removes dangling images (all unused with -a, only old ones with until=); history; a prune beside a pull takes nothing it needs" {
	local_busybox
	other_image localhost/old:1 v=1
	other_image localhost/gone:1 v=2
	run_ctr ctr-image "${STORAGE[@]}" untag localhost/gone:1
	run_ctr ctr-run "${STORAGE[@]}" -d --network none --name keep "$IMG" sleep 100
	run_ctr ctr-image "${STORAGE[@]}" prune
	[ "${#lines[@]}" -eq 1 ]
	run_ctr ctr-image "${STORAGE[@]}" ls -q
	[ "${#lines[@]}" -eq 2 ]
	# until=: these images say they were made in 2023, so a 10000-day
	# window keeps them; -a then removes the unused one, not busybox.
	run_ctr ctr-image "${STORAGE[@]}" prune -a --filter until=240000h
	[ -z "$output" ]
	run_ctr ctr-image "${STORAGE[@]}" prune -a --json
	[ "$(jq -r '.names[0]' <<<"$output")" = localhost/old:1 ]
	[ "$(ctr-image "${STORAGE[@]}" ls --json | jq -r '.names[0]')" = "$IMG" ]
	run_ctr ctr-run "${STORAGE[@]}" rm -f keep
	# history: as podman's, newest first.
	run_ctr ctr-image "${STORAGE[@]}" history --json "$IMG"
	[ "$(jq -s length <<<"$output")" -eq "$(podman_t history -q "$IMG" | wc -l)" ]
	[ "$(jq -rs '.[0].id' <<<"$output")" = "$(ctr-image "${STORAGE[@]}" ls -q)" ]
	# A pull with a prune loop beside it: the image it stores runs.
	start_registry REG
	local layout
	layout=$(busybox_layout "$TEST_TMP/big:1" --dir "$(go env GOROOT)/src/net=/net")
	ctr-copy -q "$NOTLS" "oci:$layout" "docker://$REG/big:1" >/dev/null
	ctr-pull -q "${STORAGE[@]}" "$NOTLS" "$REG/big:1" >"$TEST_TMP/pulled" 2>"$TEST_TMP/pull.err" 3>&- &
	local pull=$! n=0
	while kill -0 "$pull" 2>/dev/null; do
		ctr-image "${STORAGE[@]}" prune >/dev/null
		n=$((n + 1))
	done
	wait "$pull" || {
		cat "$TEST_TMP/pull.err" >&2
		false
	}
	[ "$n" -gt 0 ]
	run_ctr ctr-run "${STORAGE[@]}" --rm --network none --pull never "$REG/big:1" ls /net/http
	expect_match "server.go"
}

@test "image: bad input is one line and its exit code" {
	local_busybox
	run --separate-stderr ctr-image "${STORAGE[@]}" rm localhost/nosuch:1
	[ "$status" -eq 2 ]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	run_ctr 2 ctr-image "${STORAGE[@]}" tag localhost/nosuch:1 x:1
	run_ctr 2 ctr-image "${STORAGE[@]}" history localhost/nosuch:1
	run_ctr 2 ctr-image "${STORAGE[@]}" untag "$IMG" localhost/notaname:1
	run_ctr 64 ctr-image "${STORAGE[@]}" tag "$IMG" 'Bad Name'
	run_ctr 64 ctr-image "${STORAGE[@]}" tag "$IMG" localhost/x@sha256:0000000000000000000000000000000000000000000000000000000000000000
	run_ctr 64 ctr-image "${STORAGE[@]}" ls --filter nokey
	run_ctr 64 ctr-image "${STORAGE[@]}" ls --filter color=red
	run_ctr 64 ctr-image "${STORAGE[@]}" ls --filter dangling=maybe
	run_ctr 64 ctr-image "${STORAGE[@]}" prune --filter until=yesterday
	run_ctr 64 ctr-image "${STORAGE[@]}" rm
	run_ctr 64 ctr-image "${STORAGE[@]}" history
	[ "$(ctr-image "${STORAGE[@]}" ls -q | wc -l)" -eq 1 ]
}

@test "image: rm docker://… deletes a registry's manifest, and the tags that point at it" {
	start_registry REG
	start_registry AUTH auth
	push_busybox "$REG/app:1"
	ctr-copy -q "$NOTLS" "docker://$REG/app:1" "docker://$REG/app:same" >/dev/null
	push_busybox "$REG/app:2" --label other=1
	local digest
	digest=$(ctr-inspect --format '{{.Digest}}' --no-tags "$NOTLS" "docker://$REG/app:1")
	run_ctr ctr-image "$NOTLS" rm "docker://$REG/app:1"
	[ "$output" = "docker://$REG/app@$digest" ]
	run_ctr 2 ctr-inspect "$NOTLS" "docker://$REG/app:1"
	run_ctr 2 ctr-inspect "$NOTLS" "docker://$REG/app:same"
	run_ctr ctr-inspect "$NOTLS" "docker://$REG/app:2"
	run_ctr ctr-image "$NOTLS" rm --json "docker://$REG/app:2"
	[ "$(jq -r .deleted <<<"$output")" = true ]
	[ "$(jq -r .ref <<<"$output")" = "docker://$REG/app@$(jq -r .digest <<<"$output")" ]
	run_ctr 2 ctr-image "$NOTLS" rm "docker://$REG/app:nosuch"
	# With credentials, as the other tools take them.
	local layout
	layout=$(busybox_layout)
	ctr-copy -q "$NOTLS" --dest-creds ctr:secret "oci:$layout" "docker://$AUTH/a:1" >/dev/null
	run_ctr 1 ctr-image "$NOTLS" rm "docker://$AUTH/a:1"
	run_ctr ctr-image "$NOTLS" --creds ctr:secret rm "docker://$AUTH/a:1"
	run_ctr 2 ctr-inspect "$NOTLS" --creds ctr:secret "docker://$AUTH/a:1"
}
