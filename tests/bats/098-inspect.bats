#!/usr/bin/env bats
# ctr-inspect (issue 15): images described without pulling them, as skopeo
# inspect and list-tags do, on a loopback registry and the other transports.

# shellcheck disable=SC2154 # run --separate-stderr sets stderr
bats_require_minimum_version 1.5.0
load helpers

# skopeo_fields JSON: skopeo inspect's fields we compare, as ours are named
# (skopeo 1.9 gives layer digests only: sizes and media types are compared
# with the manifest's).
skopeo_fields() {
	jq -S '{digest: .Digest, architecture: .Architecture, os: .Os, labels: (.Labels // {}), env: (.Env // []),
		created: .Created, layers: .Layers}' <<<"$1"
}

# ctr_fields JSON: the same fields of our record.
ctr_fields() {
	jq -S '{digest, architecture, os, labels: (.labels // {}), env: (.env // []), created, layers: [.layers[].digest]}' <<<"$1"
}

# bats test_tags=smoke
@test "inspect: the record equals skopeo inspect's fields on a registry, an OCI layout and local storage; --raw hashes to the digest" {
	start_registry REG
	local layout
	layout=$(busybox_layout "$TEST_TMP/img:1" --label org.test.a=1 --label org.test.b=two)
	run_ctr ctr-copy -q "$NOTLS" "oci:$layout" "docker://$REG/app:1"
	run_ctr ctr-copy -q "$NOTLS" "oci:$layout" "docker://$REG/app:2"
	run_ctr ctr-copy -q "${STORAGE[@]}" "oci:$layout" containers-storage:localhost/app:1
	local ref skopeo_ref
	for ref in "docker://$REG/app:1" "oci:$layout" "containers-storage:localhost/app:1"; do
		skopeo_ref=$ref
		[[ $ref == containers-storage:* ]] && skopeo_ref="containers-storage:[overlay@$TEST_TMP/root+$TEST_TMP/runroot]localhost/app:1"
		run_ctr ctr-inspect --json "${STORAGE[@]}" "$NOTLS" "$ref"
		local ours=$output
		run skopeo inspect --tls-verify=false "$skopeo_ref"
		[ "$status" -eq 0 ]
		diff <(skopeo_fields "$output") <(ctr_fields "$ours")
		[ "$(jq -r .labels.\"org.test.b\" <<<"$ours")" = two ]
		run skopeo inspect --raw --tls-verify=false "$skopeo_ref"
		[ "$status" -eq 0 ]
		diff <(jq -S '[.layers[] | {digest, size, mediaType}]' <<<"$output") <(jq -S .layers <<<"$ours")
	done
	# The registry's: pinned by digest, with its repository's tags.
	run_ctr ctr-inspect --json "$NOTLS" "docker://$REG/app:1"
	local digest
	digest=$(jq -r .digest <<<"$output")
	[ "$(jq -r .ref <<<"$output")" = "docker://$REG/app@$digest" ]
	[ "$(jq -r .name <<<"$output")" = "$REG/app" ]
	[ "$(jq -cr '.repoTags | sort' <<<"$output")" = '["1","2"]' ]
	run_ctr ctr-inspect "$NOTLS" "docker://$REG/app:1"
	[ "$output" = "docker://$REG/app@$digest" ]
	run_ctr ctr-inspect --json --no-tags "$NOTLS" "docker://$REG/app:1"
	[ "$(jq -r .repoTags <<<"$output")" = null ]
	# --raw is the manifest byte for byte; --manifest-digest says its digest.
	ctr-inspect --raw "$NOTLS" "docker://$REG/app:1" >"$TEST_TMP/raw"
	[ "sha256:$(sha256sum <"$TEST_TMP/raw" | cut -d' ' -f1)" = "$digest" ]
	cmp "$TEST_TMP/raw" <(skopeo inspect --raw --tls-verify=false "docker://$REG/app:1")
	run_ctr ctr-inspect --manifest-digest "$TEST_TMP/raw"
	[ "$output" = "$digest" ]
	[ "$(skopeo manifest-digest "$TEST_TMP/raw")" = "$digest" ]
	run_ctr ctr-inspect --manifest-digest - <"$TEST_TMP/raw"
	[ "$output" = "$digest" ]
	# --config is the config blob; --format a template over the record.
	run_ctr ctr-inspect --config "$NOTLS" "docker://$REG/app:1"
	[ "$(jq -r '.config.Labels."org.test.a"' <<<"$output")" = 1 ]
	run_ctr ctr-inspect --format '{{.Digest}} {{index .Labels "org.test.b"}} {{len .Layers}}' "$NOTLS" "docker://$REG/app:1"
	[ "$output" = "$digest two $(jq '.layers | length' "$TEST_TMP/raw")" ]
	# Images on stdin, as every tool takes them: records of other tools too.
	run_ctr ctr-inspect "$NOTLS" - < <(printf 'docker://%s/app:1\n# a comment\ndocker://%s/app:2\n' "$REG" "$REG")
	[ "${#lines[@]}" -eq 2 ]
}

@test "inspect: an index lists its platforms and describes the host's, or --platform's" {
	start_registry REG
	push_busybox "$REG/multi:1" --platform linux/amd64 --platform linux/arm64
	run_ctr ctr-inspect --json --no-tags "$NOTLS" "docker://$REG/multi:1"
	[ "$(jq -r '.platforms | map(.architecture) | join(",")' <<<"$output")" = amd64,arm64 ]
	[ "$(jq -r .architecture <<<"$output")" = amd64 ]
	[ "$(jq -r .instance <<<"$output")" = "$(jq -r '.platforms[0].digest' <<<"$output")" ]
	local skopeo_digest
	skopeo_digest=$(skopeo inspect --tls-verify=false "docker://$REG/multi:1" | jq -r .Digest)
	[ "$(jq -r .digest <<<"$output")" = "$skopeo_digest" ]
	run_ctr ctr-inspect --json --no-tags --platform linux/arm64 "$NOTLS" "docker://$REG/multi:1"
	[ "$(jq -r .architecture <<<"$output")" = arm64 ]
	[ "$(jq -r .instance <<<"$output")" = "$(jq -r '.platforms[1].digest' <<<"$output")" ]
	run_ctr 2 ctr-inspect --platform linux/s390x "$NOTLS" "docker://$REG/multi:1"
}

@test "inspect: --tags lists a repository; the release-line mirror pipeline copies exactly the tags chosen" {
	start_registry REG
	start_registry MIRROR
	local t
	for t in 1.0 1.1 2.0 latest; do
		push_busybox "$REG/app:$t" --label version="$t"
	done
	run_ctr ctr-inspect --tags "$NOTLS" "docker://$REG/app:latest"
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "docker://$REG/app:1.0 docker://$REG/app:1.1 docker://$REG/app:2.0 docker://$REG/app:latest " ]
	# The README's pipeline: mirror the 1.x line.
	ctr-inspect --tags "$NOTLS" "docker://$REG/app" | grep -E ':1\.' | ctr-copy -q "$NOTLS" - "docker://$MIRROR/" >"$TEST_TMP/copied"
	[ "$(wc -l <"$TEST_TMP/copied")" -eq 2 ]
	run_ctr ctr-inspect --tags "$NOTLS" "docker://$MIRROR/app"
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "docker://$MIRROR/app:1.0 docker://$MIRROR/app:1.1 " ]
	run_ctr ctr-inspect --format '{{index .Labels "version"}}' --no-tags "$NOTLS" "docker://$MIRROR/app:1.1"
	[ "$output" = 1.1 ]
	run_ctr 64 ctr-inspect --tags "oci:$TEST_TMP/nowhere:1"
}

@test "inspect: a missing image is 2, a bad reference or bad flags 64, an unreachable registry 75, each one line" {
	start_registry REG
	push_busybox "$REG/app:1"
	run --separate-stderr ctr-inspect "$NOTLS" "docker://$REG/app:nosuchtag"
	[ "$status" -eq 2 ]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	run --separate-stderr ctr-inspect "$NOTLS" "docker://$REG/nosuchrepo:1"
	[ "$status" -eq 2 ]
	run_ctr 2 ctr-inspect "oci:$TEST_TMP/nowhere:1"
	run_ctr 2 ctr-inspect "${STORAGE[@]}" containers-storage:localhost/nosuch:1
	run --separate-stderr ctr-inspect 'docker://UPPER/Bad:tag'
	[ "$status" -eq 64 ]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	run_ctr 64 ctr-inspect
	run_ctr 64 ctr-inspect --json --raw "$NOTLS" "docker://$REG/app:1"
	run_ctr 64 ctr-inspect --raw "$NOTLS" "docker://$REG/app:1" "docker://$REG/app:1"
	run_ctr 64 ctr-inspect --format '{{.Nope' "$NOTLS" "docker://$REG/app:1"
	run_ctr 64 ctr-inspect --format '{{.Nope}}' "$NOTLS" "docker://$REG/app:1"
	run_ctr 64 ctr-inspect --retry -1 "$NOTLS" "docker://$REG/app:1"
	run_ctr 64 ctr-inspect --stall-timeout 0s "$NOTLS" "docker://$REG/app:1"
	run_ctr 65 ctr-inspect --manifest-digest /dev/null
	stop_registry REG
	run --separate-stderr ctr-inspect --retry 1 --retry-delay 10ms "$NOTLS" "docker://$REG/app:1"
	[ "$status" -eq 75 ]
	[ "$(grep -vc retrying <<<"$stderr")" -eq 1 ]
}

@test "inspect: a registry with a password (--creds, --authfile) and one with its own CA (--cert-dir)" {
	start_registry AUTH auth
	start_registry TLS tls
	local layout
	layout=$(busybox_layout)
	ctr-copy -q "$NOTLS" --dest-creds ctr:secret "oci:$layout" "docker://$AUTH/a:1" >/dev/null
	ctr-copy -q --dest-cert-dir "$TLS_DIR/certs" "oci:$layout" "docker://$TLS/a:1" >/dev/null
	run_ctr 1 ctr-inspect "$NOTLS" --creds ctr:wrong "docker://$AUTH/a:1"
	expect_match "authentication required"
	run_ctr ctr-inspect "$NOTLS" --creds ctr:secret "docker://$AUTH/a:1"
	[[ $output == "docker://$AUTH/a@sha256:"* ]]
	printf '{"auths":{"%s":{"auth":"%s"}}}' "$AUTH" "$(printf ctr:secret | base64)" >"$TEST_TMP/auth.json"
	run_ctr ctr-inspect "$NOTLS" --authfile "$TEST_TMP/auth.json" --tags "docker://$AUTH/a"
	[ "$output" = "docker://$AUTH/a:1" ]
	run_ctr 1 ctr-inspect "docker://$TLS/a:1"
	expect_match "certificate"
	run_ctr ctr-inspect --cert-dir "$TLS_DIR/certs" --registries-conf /dev/null "docker://$TLS/a:1"
	[[ $output == "docker://$TLS/a@sha256:"* ]]
}
