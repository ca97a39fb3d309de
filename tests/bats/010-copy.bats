#!/usr/bin/env bats
# ctr-copy: transports, registry behaviour, multi-arch, flags, exit codes.

bats_require_minimum_version 1.5.0
load helpers

@test "copy: round trip through every transport keeps config and layer digests" {
	requires skopeo
	start_registry REG
	push_busybox "$REG/rt:1"
	local want_cfg want_layers
	want_cfg=$(manifest "$REG/rt:1" | jq -r .config.digest)
	want_layers=$(manifest "$REG/rt:1" | jq -c '[.layers[].digest]')

	run_ctr ctr-copy -q "$NOTLS" "docker://$REG/rt:1" "dir:$TEST_TMP/d"
	run_ctr ctr-copy -q "$NOTLS" "dir:$TEST_TMP/d" "docker://$REG/rt:2"
	run_ctr ctr-copy -q "$NOTLS" "docker://$REG/rt:2" "oci:$TEST_TMP/o:t"
	run_ctr ctr-copy -q "oci:$TEST_TMP/o:t" "oci-archive:$TEST_TMP/o.tar:t"
	run_ctr ctr-copy -q "oci-archive:$TEST_TMP/o.tar:t" "docker-archive:$TEST_TMP/d.tar:rt:3"
	run_ctr ctr-copy -q "$NOTLS" "docker-archive:$TEST_TMP/d.tar" "docker://$REG/rt:3"

	# Every destination is readable by skopeo; the config survives all of
	# them, layers byte for byte until docker-archive (which stores them
	# uncompressed), and their uncompressed digests everywhere.
	local diffids
	diffids=$(skopeo inspect --config --tls-verify=false "docker://$REG/rt:1" | jq -c .rootfs.diff_ids)
	for ref in "dir:$TEST_TMP/d" "docker://$REG/rt:2" "oci:$TEST_TMP/o:t" "oci-archive:$TEST_TMP/o.tar:t" \
		"docker-archive:$TEST_TMP/d.tar" "docker://$REG/rt:3"; do
		run skopeo inspect --raw --tls-verify=false "$ref"
		[ "$status" -eq 0 ]
		[ "$(jq -r .config.digest <<<"$output")" = "$want_cfg" ]
		case $ref in
		docker-archive:* | *rt:3) ;;
		*) [ "$(jq -c '[.layers[].digest]' <<<"$output")" = "$want_layers" ] ;;
		esac
		run skopeo inspect --config --tls-verify=false "$ref"
		[ "$(jq -c .rootfs.diff_ids <<<"$output")" = "$diffids" ]
	done
}

# bats test_tags=smoke
@test "copy: registry to registry keeps the manifest digest and prints it pinned" {
	start_registry REG
	start_registry REG2
	push_busybox "$REG/a:1"
	local want
	want=$(manifest "$REG/a:1" | sha256sum | cut -d' ' -f1)
	run_ctr ctr-copy -q "$NOTLS" "docker://$REG/a:1" "docker://$REG2/b:1"
	expect_output "docker://$REG2/b@sha256:$want"
	[ "$(manifest "$REG2/b:1" | sha256sum | cut -d' ' -f1)" = "$want" ]
}

@test "copy: a repeated registry copy uploads no blob" {
	start_registry REG
	start_registry REG2
	push_busybox "$REG/a:1"
	run_ctr ctr-copy "$NOTLS" "docker://$REG/a:1" "docker://$REG2/b:1"
	[ "$(upload_count "$REG2_LOG" b)" -gt 0 ]
	: >"$REG2_LOG"
	run_ctr ctr-copy --json "$NOTLS" "docker://$REG/a:1" "docker://$REG2/b:1"
	[ "$(upload_count "$REG2_LOG" b)" -eq 0 ]
	[ "$(jq -r .skipped <<<"${lines[-1]}")" = true ]
	# Even without the whole-image shortcut (another tag), blobs are not sent again.
	: >"$REG2_LOG"
	run_ctr ctr-copy "$NOTLS" "docker://$REG/a:1" "docker://$REG2/b:2"
	[ "$(upload_count "$REG2_LOG" b)" -eq 0 ]
	expect_match "skipped, already exists"
}

@test "copy: within one registry, layers are mounted from the source repository" {
	start_registry REG
	push_busybox "$REG/src/a:1"
	local layer
	layer=$(manifest "$REG/src/a:1" | jq -r '.layers[0].digest')
	: >"$REG_LOG"
	run_ctr ctr-copy "$NOTLS" "docker://$REG/src/a:1" "docker://$REG/dst/a:1"
	grep -q "POST /v2/dst/a/blobs/uploads/?from=src%2Fa&mount=${layer/:/%3A}" "$REG_LOG" ||
		grep -q "POST /v2/dst/a/blobs/uploads/?from=src/a&mount=${layer/:/%3A}" "$REG_LOG"
	# The layer's bytes were never uploaded.
	refute_line "PUT /v2/dst/a/blobs/uploads/.*digest=${layer/:/%3A}" "$REG_LOG"
}

@test "copy: two-platform index: host default, --all, --platform" {
	start_registry REG
	push_busybox "$REG/multi:1" --platform linux/amd64 --platform linux/arm64
	local host_arch
	host_arch=$(go env GOARCH 2>/dev/null || echo amd64)
	[ "$(manifest "$REG/multi:1" | jq -r .mediaType)" = application/vnd.oci.image.index.v1+json ]

	run_ctr ctr-copy -q "$NOTLS" "docker://$REG/multi:1" "docker://$REG/host:1"
	[ "$(manifest "$REG/host:1" | jq -r .mediaType)" = application/vnd.oci.image.manifest.v1+json ]
	run skopeo inspect --config --tls-verify=false "docker://$REG/host:1"
	[ "$(jq -r .architecture <<<"$output")" = "$host_arch" ]

	run_ctr ctr-copy -q --all "$NOTLS" "docker://$REG/multi:1" "docker://$REG/all:1"
	[ "$(manifest "$REG/all:1" | sha256sum)" = "$(manifest "$REG/multi:1" | sha256sum)" ]

	run_ctr ctr-copy -q --platform linux/arm64 "$NOTLS" "docker://$REG/multi:1" "docker://$REG/arm:1"
	run manifest "$REG/arm:1"
	[ "$(jq -r '.manifests | length' <<<"$output")" = 1 ]
	[ "$(jq -r '.manifests[0].platform.architecture' <<<"$output")" = arm64 ]

	run_ctr 2 ctr-copy -q --platform linux/s390x "$NOTLS" "docker://$REG/multi:1" "docker://$REG/none:1"
	expect_match "no image for platform linux/s390x"
}

@test "copy: stdin sources and a repository prefix" {
	start_registry REG
	push_busybox "$REG/a:1"
	push_busybox "$REG/b:1" --label b=1
	run_ctr ctr-copy -q "$NOTLS" - "docker://$REG/mirror/" < <(printf '# two images\ndocker://%s/a:1\n\ndocker://%s/b:1\n' "$REG" "$REG")
	[ "${#lines[@]}" -eq 2 ]
	expect_match "^docker://$REG/mirror/a@sha256:[0-9a-f]{64}$" "${lines[0]}"
	expect_match "^docker://$REG/mirror/b@sha256:[0-9a-f]{64}$" "${lines[1]}"
	# The output is the next ctr-copy's input: JSON records work as well.
	run_ctr ctr-copy -q --json "$NOTLS" - "dir:$TEST_TMP/x" <<<"${lines[0]}"
	jq -e '.schema == "ctr.copy/v1" and (.digest | startswith("sha256:"))' <<<"$output"
	run_ctr ctr-copy -q - "oci:$TEST_TMP/y:z" <<<"$output"
	[ -f "$TEST_TMP/y/index.json" ]
}

@test "copy: a bad stdin line and several sources without a prefix are usage errors" {
	run_ctr 65 ctr-copy -q - dir:/nonexistent <<<'{"broken'
	expect_match "stdin line 1"
	run_ctr 64 ctr-copy -q - dir:/nonexistent <<<$'docker://a/b:1\ndocker://a/c:1'
	expect_match "ending in /"
}

@test "copy: --preserve-digests refuses a conversion" {
	start_registry REG
	push_busybox "$REG/a:1"
	run_ctr 1 ctr-copy -q --preserve-digests --format v2s2 "$NOTLS" "docker://$REG/a:1" "dir:$TEST_TMP/d"
	expect_match "preserving digests: writing the .* manifest as v2s2 would change its digest"
	run_ctr ctr-copy -q --format v2s2 "$NOTLS" "docker://$REG/a:1" "docker://$REG/v2:1"
	[ "$(manifest "$REG/v2:1" | jq -r .mediaType)" = application/vnd.docker.distribution.manifest.v2+json ]
	run_ctr ctr-copy -q --format oci "$NOTLS" "docker://$REG/v2:1" "docker://$REG/oci:1"
	[ "$(manifest "$REG/oci:1" | jq -r .mediaType)" = application/vnd.oci.image.manifest.v1+json ]
}

@test "copy: --dest-compress-format zstd writes zstd layers" {
	start_registry REG
	push_busybox "$REG/a:1"
	run_ctr ctr-copy -q --dest-compress-format zstd --dest-compress-level 3 "$NOTLS" "docker://$REG/a:1" "oci:$TEST_TMP/z:1"
	local m layer
	m=$(skopeo inspect --raw "oci:$TEST_TMP/z:1")
	[ "$(jq -r '.layers[0].mediaType' <<<"$m")" = application/vnd.oci.image.layer.v1.tar+zstd ]
	layer=$(jq -r '.layers[0].digest' <<<"$m")
	[ "$(head -c4 "$TEST_TMP/z/blobs/sha256/${layer#sha256:}" | od -An -tx1 | tr -d ' ')" = 28b52ffd ]
	run_ctr 64 ctr-copy -q --dest-compress-format lz4 "oci:$TEST_TMP/z:1" "dir:$TEST_TMP/d"
}

@test "copy: --digestfile holds the registry's digest" {
	start_registry REG
	push_busybox "$REG/a:1"
	run_ctr ctr-copy -q --digestfile "$TEST_TMP/digest" "$NOTLS" "docker://$REG/a:1" "docker://$REG/c:1"
	local served
	served=$(curl -sI -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/c/manifests/1" |
		tr -d '\r' | awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}')
	[ "$(cat "$TEST_TMP/digest")" = "$served" ]
}

@test "copy: credentials: none or wrong fail (1), right ones work" {
	start_registry AUTH auth
	local layout
	layout=$(busybox_layout)
	run_ctr 1 ctr-copy -q "$NOTLS" "oci:$layout" "docker://$AUTH/a:1"
	expect_match "authentication required"
	run_ctr 1 ctr-copy -q "$NOTLS" --dest-creds ctr:wrong "oci:$layout" "docker://$AUTH/a:1"
	expect_match "authentication required"
	run_ctr ctr-copy -q "$NOTLS" --dest-creds ctr:secret "oci:$layout" "docker://$AUTH/a:1"
	run_ctr ctr-copy -q "$NOTLS" --src-creds ctr:secret "docker://$AUTH/a:1" "dir:$TEST_TMP/d"
	# An auth file works as podman login writes it.
	printf '{"auths":{"%s":{"auth":"%s"}}}' "$AUTH" "$(printf ctr:secret | base64)" >"$TEST_TMP/auth.json"
	run_ctr ctr-copy -q "$NOTLS" --authfile "$TEST_TMP/auth.json" "docker://$AUTH/a:1" "dir:$TEST_TMP/e"
}

@test "copy: TLS with --cert-dir, and a clear error without it" {
	start_registry TLS tls
	local layout
	layout=$(busybox_layout)
	run_ctr 1 ctr-copy -q "oci:$layout" "docker://$TLS/a:1"
	expect_match "certificate"
	run_ctr ctr-copy -q --dest-cert-dir "$TLS_DIR/certs" "oci:$layout" "docker://$TLS/a:1"
	run_ctr ctr-copy -q --cert-dir "$TLS_DIR/certs" "docker://$TLS/a:1" "dir:$TEST_TMP/d"
}

@test "copy: exit codes for bad references (64) and missing images (2)" {
	start_registry REG
	run_ctr 64 ctr-copy bogus://x dir:/tmp/x
	expect_match "invalid image reference"
	run_ctr 64 ctr-copy "docker://$REG/a:1"
	run_ctr 64 ctr-copy --no-such-flag a b
	run_ctr 2 ctr-copy "$NOTLS" "docker://$REG/missing:1" "dir:$TEST_TMP/d"
	expect_match "manifest unknown"
	run_ctr 2 ctr-copy "oci:$TEST_TMP/nothing:1" "dir:$TEST_TMP/d"
	run_ctr 2 ctr-copy "${STORAGE[@]}" "deadbeef0123" "dir:$TEST_TMP/d"
	expect_match "not an image in local storage"
	# Nothing was written for a failed copy.
	[ ! -e "$TEST_TMP/d/manifest.json" ]
}

@test "copy: an unreachable registry is a temporary failure (75) after the retries" {
	start_registry REG
	stop_registry REG
	run_ctr 75 ctr-copy --retry 2 --retry-delay 100ms "$NOTLS" "docker://$REG/a:1" "dir:$TEST_TMP/d"
	[ "$(grep -c 'retrying in 100ms' <<<"$output")" -eq 2 ]
}

@test "copy: a corrupt blob is refused (65) and the destination has no image" {
	start_registry REG
	start_registry REG2
	push_busybox "$REG/a:1"
	local layer
	layer=$(manifest "$REG/a:1" | jq -r '.layers[0].digest | sub("sha256:"; "")')
	local data=$REG_DIR/data/docker/registry/v2/blobs/sha256/${layer:0:2}/$layer/data
	printf 'garbage' | dd of="$data" bs=1 seek=100 conv=notrunc 2>/dev/null
	run_ctr 65 ctr-copy -q --retry 0 "$NOTLS" "docker://$REG/a:1" "docker://$REG2/a:1"
	expect_match "did not match"
	run curl -s -o /dev/null -w '%{http_code}' "http://$REG2/v2/a/manifests/1"
	[ "$output" = 404 ]
	run_ctr 65 ctr-copy -q --retry 0 "$NOTLS" "docker://$REG/a:1" "oci:$TEST_TMP/o:1"
	[ ! -e "$TEST_TMP/o/index.json" ] || ! grep -q sha256 "$TEST_TMP/o/index.json"
}

@test "copy: killed in the middle and run again, the destination is consistent" {
	start_registry REG
	start_registry REG2
	# A layer big enough to take a moment: 128 MiB that does not compress.
	head -c 134217728 /dev/urandom >"$TEST_TMP/blob"
	push_busybox "$REG/big:1" --file "$TEST_TMP/blob=/blob"
	ctr-copy -q --jobs 1 "$NOTLS" "docker://$REG/big:1" "docker://$REG2/big:1" &
	local pid=$!
	# Kill it while the big layer is being uploaded, not before or after.
	for _ in $(seq 400); do
		find "$REG2_DIR/data" -path '*_uploads*' -name data -size +1M 2>/dev/null | grep -q . && break
		sleep 0.02
	done
	kill -9 "$pid"
	wait "$pid" || true
	run curl -s -o /dev/null -w '%{http_code}' "http://$REG2/v2/big/manifests/1"
	[ "$output" = 404 ]
	run_ctr ctr-copy -q "$NOTLS" "docker://$REG/big:1" "docker://$REG2/big:1"
	[ "$(manifest "$REG2/big:1" | sha256sum)" = "$(manifest "$REG/big:1" | sha256sum)" ]
	# Every blob is complete: a full copy out of it verifies each digest.
	run_ctr ctr-copy -q "$NOTLS" "docker://$REG2/big:1" "oci:$TEST_TMP/check:1"
}

@test "copy: signatures are copied unless --remove-signatures" {
	local layout
	layout=$(busybox_layout)
	run_ctr ctr-copy -q "oci:$layout" "dir:$TEST_TMP/signed"
	# An OpenPGP-shaped blob: copied as it is, checked by no policy here.
	printf '\xa3ctr-test-signature' >"$TEST_TMP/signed/signature-1"
	run_ctr ctr-copy -q "dir:$TEST_TMP/signed" "dir:$TEST_TMP/kept"
	cmp "$TEST_TMP/signed/signature-1" "$TEST_TMP/kept/signature-1"
	run_ctr ctr-copy -q --remove-signatures "dir:$TEST_TMP/signed" "dir:$TEST_TMP/removed"
	[ -f "$TEST_TMP/removed/manifest.json" ]
	[ ! -e "$TEST_TMP/removed/signature-1" ]
}

@test "copy: policy.json is honoured" {
	local layout
	layout=$(busybox_layout)
	echo '{"default":[{"type":"reject"}]}' >"$TEST_TMP/reject.json"
	# --signature-policy, the suite's name, and --policy, skopeo's.
	run_ctr 1 ctr-copy -q --signature-policy "$TEST_TMP/reject.json" "oci:$layout" "dir:$TEST_TMP/d"
	expect_match "rejected by policy"
	[ ! -e "$TEST_TMP/d/manifest.json" ]
	run_ctr 1 ctr-copy -q --policy "$TEST_TMP/reject.json" "oci:$layout" "dir:$TEST_TMP/d"
	expect_match "rejected by policy"
	[ ! -e "$TEST_TMP/d/manifest.json" ]
	run_ctr ctr-copy -q --insecure-policy "oci:$layout" "dir:$TEST_TMP/d"
	run_ctr 64 ctr-copy -q --insecure-policy --policy "$TEST_TMP/reject.json" "oci:$layout" "dir:$TEST_TMP/e"
	run_ctr 64 ctr-copy -q --insecure-policy --signature-policy "$TEST_TMP/reject.json" "oci:$layout" "dir:$TEST_TMP/e"
	expect_match "^ctr-copy: --signature-policy and --insecure-policy cannot be used together$"
	# No policy file at all: refused, naming the file to make (ctr(7))
	# and the flags that would do instead.
	CONTAINERS_POLICY_JSON=$TEST_TMP/none.json run_ctr 64 ctr-copy -q "oci:$layout" "dir:$TEST_TMP/f"
	expect_match "policy.json"
	expect_match "give --signature-policy FILE, or --insecure-policy"
	[ ! -e "$TEST_TMP/f/manifest.json" ]
	CONTAINERS_POLICY_JSON=$TEST_TMP/none.json run_ctr 64 ctr-pull -q "${STORAGE[@]}" "oci:$layout"
	CONTAINERS_POLICY_JSON=$TEST_TMP/none.json run_ctr ctr-copy -q --insecure-policy "oci:$layout" "dir:$TEST_TMP/f"
}

@test "copy: local storage by transport, by bare ID, and by name" {
	start_registry REG
	push_busybox "$REG/a:1"
	run_ctr ctr-copy -q "${STORAGE[@]}" "$NOTLS" "docker://$REG/a:1" "containers-storage:localhost/a:1"
	expect_match "^containers-storage:[0-9a-f]{64}$"
	local id=${output#containers-storage:}
	run_ctr ctr-copy -q "${STORAGE[@]}" "$id" "oci:$TEST_TMP/o:1"
	run_ctr ctr-copy -q "${STORAGE[@]}" "${id:0:12}" "oci:$TEST_TMP/o:2"
	run_ctr ctr-copy -q "${STORAGE[@]}" localhost/a:1 "oci:$TEST_TMP/o:3"
	run skopeo inspect --raw "oci:$TEST_TMP/o:3"
	[ "$status" -eq 0 ]
}

@test "copy: stdout is data only; progress goes to stderr" {
	start_registry REG
	push_busybox "$REG/a:1"
	run --separate-stderr timeout 60 ctr-copy --progress-interval 1ms "$NOTLS" "docker://$REG/a:1" "oci:$TEST_TMP/o:1"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	expect_match "^oci:$TEST_TMP/o:1$"
	expect_match "copying blob [0-9a-f]{12}: done" "$stderr"
	run --separate-stderr timeout 60 ctr-copy -q "$NOTLS" "docker://$REG/a:1" "oci:$TEST_TMP/o:2"
	[ -z "$stderr" ]
}

@test "copy: registries.conf is honoured (insecure, blocked)" {
	start_registry REG
	local layout
	layout=$(busybox_layout)
	printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$REG" >"$TEST_TMP/registries.conf"
	run_ctr ctr-copy -q --registries-conf "$TEST_TMP/registries.conf" "oci:$layout" "docker://$REG/a:1"
	printf '[[registry]]\nlocation = "%s"\ninsecure = true\nblocked = true\n' "$REG" >"$TEST_TMP/blocked.conf"
	run_ctr 1 ctr-copy -q --registries-conf "$TEST_TMP/blocked.conf" "docker://$REG/a:1" "dir:$TEST_TMP/d"
	expect_match "blocked"
}

@test "copy: progress bars on a terminal" {
	requires tmux
	local layout
	layout=$(busybox_layout)
	local screen
	screen=$(on_terminal 150 20 "ctr-copy 'oci:$layout' 'dir:$TEST_TMP/d' 2>&1")
	echo "$screen"
	expect_match "Copying blob [0-9a-f]{12} done" "$screen"
	expect_match "EXIT=0" "$screen"
}
