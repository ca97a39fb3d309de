#!/usr/bin/env bats
# ctr-cri (issue 16, its first part): the CRI's image service and the
# runtime's version and status, driven by crictl from cri-tools.

# shellcheck disable=SC2154 # run --separate-stderr sets stderr
bats_require_minimum_version 1.5.0
load helpers

# start_cri: ctr-cri on a socket of the test's own, on the test's store;
# stopped by teardown (its PID joins the servers').
start_cri() {
	CRI_SOCK=$TEST_TMP/cri.sock
	ctr-cri --listen "$CRI_SOCK" "${STORAGE[@]}" "$NOTLS" 2>"$TEST_TMP/cri.log" 3>&- &
	CRI_PID=$!
	REGISTRY_PIDS+=("$CRI_PID")
	until_true 10 '[ -S "$CRI_SOCK" ]'
	# A config of its own: crictl warns about a missing one otherwise.
	printf 'runtime-endpoint: unix://%s\nimage-endpoint: unix://%s\ntimeout: 60\n' "$CRI_SOCK" "$CRI_SOCK" >"$TEST_TMP/crictl.yaml"
	CRICTL=("$CTR_BIN/crictl" --config "$TEST_TMP/crictl.yaml")
}

@test "cri: version and status; pull, list, inspect and remove images through crictl, in the store podman shares" {
	start_registry REG
	start_registry AUTH auth
	push_busybox "$REG/app:1"
	local layout
	layout=$(busybox_layout)
	ctr-copy -q "$NOTLS" --dest-creds ctr:secret "oci:$layout" "docker://$AUTH/secret:1" >/dev/null
	start_cri
	run "${CRICTL[@]}" version
	[ "$status" -eq 0 ]
	expect_match "RuntimeName: +ctr-cri"
	expect_match "RuntimeApiVersion: +v1"
	run "${CRICTL[@]}" info
	[ "$status" -eq 0 ]
	[ "$(jq -r '.status.conditions[] | select(.type == "RuntimeReady") | .status' <<<"$output")" = true ]
	run "${CRICTL[@]}" pull "$REG/app:1"
	[ "$status" -eq 0 ]
	local id
	id=$(ctr-image "${STORAGE[@]}" ls -q)
	[[ $output == *"$id"* ]]
	run "${CRICTL[@]}" images -q
	[ "$output" = "sha256:$id" ] || [ "$output" = "$id" ]
	run "${CRICTL[@]}" inspecti -o json "$REG/app:1"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status.id <<<"$output")" = "$id" ]
	[ "$(jq -r '.status.repoTags[0]' <<<"$output")" = "$REG/app:1" ]
	[[ $(jq -r '.status.repoDigests[0]' <<<"$output") == "$REG/app@sha256:"* ]]
	[ "$(jq -r .status.size <<<"$output")" -gt 1000000 ]
	# podman sees what ctr-cri pulled.
	run podman_t images -q --no-trunc
	[[ $output == *"$id"* ]]
	# Credentials from the request.
	run "${CRICTL[@]}" pull "$AUTH/secret:1"
	[ "$status" -ne 0 ]
	run "${CRICTL[@]}" pull --creds ctr:secret "$AUTH/secret:1"
	[ "$status" -eq 0 ]
	run "${CRICTL[@]}" imagefsinfo -o json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.status.imageFilesystems[0].usedBytes.value' <<<"$output")" -gt 1000000 ]
	# Removal: all its names go; a second removal is no error to the CRI.
	run "${CRICTL[@]}" rmi "$REG/app:1"
	[ "$status" -eq 0 ]
	run "${CRICTL[@]}" images -q
	[[ $output != *"$id"* ]] || [ "$(ctr-image "${STORAGE[@]}" ls -q --filter "reference=$REG/app")" = "" ]
	run "${CRICTL[@]}" pull "$REG/nosuch:1"
	[ "$status" -ne 0 ]
	[[ $output == *NotFound* ]] || [[ $output == *"not found"* ]] || [[ $output == *unknown* ]]
}

@test "cri: what is not served yet says Unimplemented; ctr-cri stops on SIGTERM and removes its socket; a second one on the same socket is refused" {
	start_cri
	run "${CRICTL[@]}" pods
	[ "$status" -ne 0 ]
	[[ $output == *Unimplemented* ]]
	run --separate-stderr ctr-cri --listen "$CRI_SOCK" "${STORAGE[@]}"
	[ "$status" -eq 1 ]
	[[ $stderr == *"another daemon serves there"* ]]
	kill -TERM "$CRI_PID"
	wait "$CRI_PID"
	[ ! -e "$CRI_SOCK" ]
	# A socket left by a daemon that died is taken over.
	start_cri
	kill -KILL "$CRI_PID"
	wait "$CRI_PID" || true
	[ -S "$CRI_SOCK" ]
	start_cri
	run "${CRICTL[@]}" version
	[ "$status" -eq 0 ]
	run_ctr 64 ctr-cri --listen "$CRI_SOCK" extra
}
