#!/usr/bin/env bats
# Signing and verification (issue 15): ctr-copy signs with a sigstore key;
# a policy that requires that key lets ctr-pull and ctr-copy (and skopeo,
# with the same files) take the signed image and refuses an unsigned one
# and one signed by another key.

# shellcheck disable=SC2154 # run --separate-stderr sets stderr
bats_require_minimum_version 1.5.0
load helpers

# sign_setup: keys k1 and k2 (passphrases in k1.pass, k2.pass), a
# registries.d that keeps sigstore signatures in the registry, and a
# policy requiring k1's signature for $REG's images.
sign_setup() {
	local k
	for k in k1 k2; do
		"$CTR_BIN/ctrtest" sigstore-key "$TEST_TMP/$k" "pass-$k"
		echo "pass-$k" >"$TEST_TMP/$k.pass"
	done
	mkdir -p "$TEST_TMP/registries.d"
	printf 'default-docker:\n  use-sigstore-attachments: true\n' >"$TEST_TMP/registries.d/default.yaml"
	cat >"$TEST_TMP/policy.json" <<-EOF
		{"default": [{"type": "insecureAcceptAnything"}],
		 "transports": {"docker": {"$REG": [{"type": "sigstoreSigned", "keyPath": "$TEST_TMP/k1.pub", "signedIdentity": {"type": "matchRepository"}}]}}}
	EOF
	SIGN=(--registries.d "$TEST_TMP/registries.d")
}

# signed_and_unsigned: a registry (REG) holding the busybox image of
# LAYOUT as signed:1, signed with k1 (sign_setup), and as unsigned:1.
signed_and_unsigned() {
	start_registry REG
	sign_setup
	LAYOUT=$(busybox_layout)
	run_ctr ctr-copy -q "$NOTLS" "${SIGN[@]}" --sign-by-sigstore-private-key "$TEST_TMP/k1.key" \
		--sign-passphrase-file "$TEST_TMP/k1.pass" "oci:$LAYOUT" "docker://$REG/signed:1"
	run_ctr ctr-copy -q "$NOTLS" "oci:$LAYOUT" "docker://$REG/unsigned:1"
}

# bats test_tags=smoke
@test "sign: a sigstore signature by ctr-copy is what a policy requiring the key takes; unsigned or another key's is refused, by ctr-pull and ctr-copy" {
	signed_and_unsigned
	run_ctr ctr-copy -q "$NOTLS" "${SIGN[@]}" --sign-by-sigstore-private-key "$TEST_TMP/k2.key" \
		--sign-passphrase-file "$TEST_TMP/k2.pass" "oci:$LAYOUT" "docker://$REG/otherkey:1"
	# The signature is in the registry, beside the image (sigstore's tag).
	run_ctr ctr-inspect --tags "$NOTLS" "docker://$REG/signed"
	expect_match ':sha256-[0-9a-f]{64}\.sig'
	# ctr-pull with the policy.
	run_ctr ctr-pull -q "${STORAGE[@]}" "$NOTLS" "${SIGN[@]}" --signature-policy "$TEST_TMP/policy.json" "$REG/signed:1"
	run --separate-stderr ctr-pull -q "${STORAGE[@]}" "$NOTLS" "${SIGN[@]}" --signature-policy "$TEST_TMP/policy.json" --retry 0 "$REG/unsigned:1"
	[ "$status" -eq 1 ]
	[[ $stderr == *"rejected"* ]]
	run --separate-stderr ctr-pull -q "${STORAGE[@]}" "$NOTLS" "${SIGN[@]}" --signature-policy "$TEST_TMP/policy.json" --retry 0 "$REG/otherkey:1"
	[ "$status" -eq 1 ]
	[[ $stderr == *"rejected"* ]]
	# Nothing of the refused images was stored.
	[ "$(ctr-image "${STORAGE[@]}" ls -q | wc -l)" -eq 1 ]
	# ctr-copy with the policy, to an OCI layout (which keeps no
	# signatures: checked, then dropped).
	run_ctr ctr-copy -q "$NOTLS" "${SIGN[@]}" --policy "$TEST_TMP/policy.json" --remove-signatures "docker://$REG/signed:1" "oci:$TEST_TMP/out:1"
	run_ctr 1 ctr-copy -q "$NOTLS" "${SIGN[@]}" --policy "$TEST_TMP/policy.json" --remove-signatures --retry 0 "docker://$REG/unsigned:1" "oci:$TEST_TMP/out:2"
	# (Debian's skopeo and podman cannot take part: their containers/image
	# has sigstore disabled, "Debian-local change". The GPG test below
	# checks the other way, with skopeo signing.)
	# A copy to where the image already is still adds the signature asked for.
	run_ctr ctr-copy -q "$NOTLS" "${SIGN[@]}" --sign-by-sigstore-private-key "$TEST_TMP/k1.key" \
		--sign-passphrase-file "$TEST_TMP/k1.pass" "docker://$REG/unsigned:1" "docker://$REG/unsigned:1"
	run_ctr ctr-pull -q "${STORAGE[@]}" "$NOTLS" "${SIGN[@]}" --signature-policy "$TEST_TMP/policy.json" "$REG/unsigned:1"
}

@test "sign: a key that cannot sign is one line and 64, and nothing is written" {
	start_registry REG
	sign_setup
	local layout
	layout=$(busybox_layout)
	run --separate-stderr ctr-copy -q "$NOTLS" --sign-by-sigstore-private-key "$TEST_TMP/k1.key" \
		--sign-passphrase-file "$TEST_TMP/k2.pass" "oci:$layout" "docker://$REG/a:1"
	[ "$status" -eq 64 ]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[[ $stderr != *pass-k* ]]
	run_ctr 64 ctr-copy -q "$NOTLS" --sign-by-sigstore-private-key "$TEST_TMP/nokey" "oci:$layout" "docker://$REG/a:1"
	run_ctr 64 ctr-copy -q "$NOTLS" --sign-passphrase-file "$TEST_TMP/k1.pass" "oci:$layout" "docker://$REG/a:1"
	run_ctr 2 ctr-inspect "$NOTLS" "docker://$REG/a:1"
}

@test "sign: a GPG signature made by skopeo is verified by ctr-pull through the policy and a lookaside store (the openpgp build)" {
	start_registry REG
	export GNUPGHOME=$TEST_TMP/gnupg
	mkdir -m 700 "$GNUPGHOME"
	gpg --batch --passphrase '' --quick-gen-key 'ctr test <ctr@test.invalid>' default default never 2>/dev/null
	local fpr layout
	fpr=$(gpg --list-keys --with-colons | awk -F: '$1 == "fpr" {print $10; exit}')
	gpg --export "$fpr" >"$TEST_TMP/pub.gpg"
	mkdir -p "$TEST_TMP/rd" "$TEST_TMP/sigs"
	printf 'default-docker:\n  sigstore: file://%s\n  sigstore-staging: file://%s\n' "$TEST_TMP/sigs" "$TEST_TMP/sigs" >"$TEST_TMP/rd/default.yaml"
	printf '{"default": [{"type": "insecureAcceptAnything"}], "transports": {"docker": {"%s": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "%s"}]}}}' \
		"$REG" "$TEST_TMP/pub.gpg" >"$TEST_TMP/gpg-policy.json"
	layout=$(busybox_layout)
	run skopeo --registries.d "$TEST_TMP/rd" copy --dest-tls-verify=false --sign-by "$fpr" "oci:$layout" "docker://$REG/gpg:1"
	[ "$status" -eq 0 ]
	run skopeo copy --dest-tls-verify=false "oci:$layout" "docker://$REG/nogpg:1"
	[ "$status" -eq 0 ]
	[ -n "$(find "$TEST_TMP/sigs" -name 'signature-1')" ]
	run_ctr ctr-pull -q "${STORAGE[@]}" "$NOTLS" --registries.d "$TEST_TMP/rd" --signature-policy "$TEST_TMP/gpg-policy.json" "$REG/gpg:1"
	run_ctr 1 ctr-pull -q "${STORAGE[@]}" "$NOTLS" --registries.d "$TEST_TMP/rd" --signature-policy "$TEST_TMP/gpg-policy.json" --retry 0 "$REG/nogpg:1"
	expect_match "rejected"
	# Another key's signature is refused.
	gpg --batch --passphrase '' --quick-gen-key 'other <other@test.invalid>' default default never 2>/dev/null
	gpg --export "$(gpg --list-keys --with-colons other@test.invalid | awk -F: '$1 == "fpr" {print $10; exit}')" >"$TEST_TMP/other.gpg"
	sed "s#$TEST_TMP/pub.gpg#$TEST_TMP/other.gpg#" "$TEST_TMP/gpg-policy.json" >"$TEST_TMP/other-policy.json"
	run_ctr 1 ctr-pull -q "${STORAGE[@]}" "$NOTLS" --registries.d "$TEST_TMP/rd" --signature-policy "$TEST_TMP/other-policy.json" --retry 0 "$REG/gpg:1"
	expect_match "rejected"
}

@test "sign: a copy whose destination already holds the image checks the policy before it says so, as skopeo: reject, and a key's signature" {
	signed_and_unsigned
	echo '{"default": [{"type": "reject"}]}' >"$TEST_TMP/reject.json"
	# skopeo refuses the copy (1, "Source image rejected: …"); so does ctr-copy.
	run skopeo --policy "$TEST_TMP/reject.json" copy --src-tls-verify=false --dest-tls-verify=false \
		"docker://$REG/unsigned:1" "docker://$REG/unsigned:1"
	[ "$status" -eq 1 ]
	[[ $output == *"Source image rejected: Running image docker://$REG/unsigned:1 is rejected by policy."* ]]
	run --separate-stderr ctr-copy "$NOTLS" --policy "$TEST_TMP/reject.json" "docker://$REG/unsigned:1" "docker://$REG/unsigned:1"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[[ $stderr == "ctr-copy: copy docker://$REG/unsigned:1: Source image rejected: Running image docker://$REG/unsigned:1 is rejected by policy." ]]
	# An index, as a whole (--all) and the host's instance of it.
	push_busybox "$REG/multi:1" --platform linux/amd64 --platform linux/arm64
	run_ctr ctr-copy -q --json "$NOTLS" --all "docker://$REG/multi:1" "docker://$REG/multi:1"
	[ "$(jq -r .skipped <<<"$output")" = true ]
	run_ctr 1 ctr-copy -q "$NOTLS" --all --policy "$TEST_TMP/reject.json" "docker://$REG/multi:1" "docker://$REG/multi:1"
	expect_match "rejected by policy"
	run_ctr ctr-copy -q "$NOTLS" "docker://$REG/multi:1" "docker://$REG/host:1"
	run_ctr 1 ctr-copy -q "$NOTLS" --policy "$TEST_TMP/reject.json" "docker://$REG/multi:1" "docker://$REG/host:1"
	expect_match "rejected by policy"
	# A policy requiring k1's signature: the signed image's copy is still
	# one that sends nothing; the unsigned one's is refused.
	run_ctr ctr-copy -q --json "$NOTLS" "${SIGN[@]}" --policy "$TEST_TMP/policy.json" "docker://$REG/signed:1" "docker://$REG/signed:1"
	[ "$(jq -r .skipped <<<"$output")" = true ]
	run --separate-stderr ctr-copy -q "$NOTLS" "${SIGN[@]}" --policy "$TEST_TMP/policy.json" --retry 0 "docker://$REG/unsigned:1" "docker://$REG/unsigned:1"
	[ "$status" -eq 1 ]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[[ $stderr == *"Source image rejected: A signature was required, but no signature exists"* ]]
}

@test "sign: ctr-pull --policy newer that finds the tag unchanged still checks the policy; --policy missing keeps the stored image" {
	signed_and_unsigned
	run_ctr ctr-pull -q "${STORAGE[@]}" "$NOTLS" "$REG/unsigned:1" "$REG/signed:1"
	echo '{"default": [{"type": "reject"}]}' >"$TEST_TMP/reject.json"
	# missing: the stored image is used and no registry is asked, so
	# nothing new is accepted (podman run --pull missing does the same).
	: >"$REG_LOG"
	run_ctr ctr-pull -q --policy missing "${STORAGE[@]}" "$NOTLS" --signature-policy "$TEST_TMP/reject.json" "$REG/unsigned:1"
	[ ! -s "$REG_LOG" ]
	# newer: the registry is asked, says the tag is unchanged, and the
	# policy is asked about what it serves, as a pull would.
	run --separate-stderr ctr-pull -q --policy newer "${STORAGE[@]}" "$NOTLS" --signature-policy "$TEST_TMP/reject.json" "$REG/unsigned:1"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[[ $stderr == "ctr-pull: pull $REG/unsigned:1: Source image rejected: Running image docker://$REG/unsigned:1 is rejected by policy." ]]
	# A policy requiring k1's signature reads the signatures: the signed
	# image is kept, the unsigned one refused.
	run_ctr ctr-pull --json -q --policy newer "${STORAGE[@]}" "$NOTLS" "${SIGN[@]}" --signature-policy "$TEST_TMP/policy.json" "$REG/signed:1"
	[ "$(jq -r .pulled <<<"$output")" = false ]
	run_ctr 1 ctr-pull -q --policy newer "${STORAGE[@]}" "$NOTLS" "${SIGN[@]}" --signature-policy "$TEST_TMP/policy.json" --retry 0 "$REG/unsigned:1"
	expect_match "Source image rejected: A signature was required, but no signature exists"
	# A registry that cannot be asked: the stored image, with a warning,
	# as --policy missing (and podman).
	stop_registry REG
	run_ctr ctr-pull --policy newer "${STORAGE[@]}" "$NOTLS" --signature-policy "$TEST_TMP/reject.json" --retry 0 "$REG/unsigned:1"
	expect_match "using the local image"
}

@test "sign: ctr-run and ctr-build pull under --signature-policy (ctr-run passes it on to ctr-pull) or --insecure-policy" {
	start_registry REG
	push_busybox "$REG/bb:1"
	echo '{"default": [{"type": "reject"}]}' >"$TEST_TMP/reject.json"
	run_ctr 1 ctr-run "${STORAGE[@]}" --rm -q "$NOTLS" --signature-policy "$TEST_TMP/reject.json" "$REG/bb:1" true
	expect_output "ctr-run: pull $REG/bb:1: Source image rejected: Running image docker://$REG/bb:1 is rejected by policy."
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm -q "$NOTLS" --signature-policy "$TEST_TMP/reject.json" --insecure-policy "$REG/bb:1" true
	expect_output "ctr-run: --signature-policy and --insecure-policy cannot be used together"
	mkdir "$TEST_TMP/ctx"
	echo "FROM $REG/bb:1" >"$TEST_TMP/ctx/Containerfile"
	run_ctr 1 ctr-build "${STORAGE[@]}" -q "$NOTLS" --signature-policy "$TEST_TMP/reject.json" "$TEST_TMP/ctx"
	expect_match "rejected by policy"
	run_ctr 1 ctr-build "${STORAGE[@]}" "$NOTLS" --signature-policy "$TEST_TMP/reject.json" from "$REG/bb:1"
	expect_match "rejected by policy"
	[ "$(ctr-image "${STORAGE[@]}" ls -q | wc -l)" -eq 0 ]
	# With no policy file on the system each says so; --insecure-policy
	# is how to take any image.
	export CONTAINERS_POLICY_JSON=$TEST_TMP/none.json
	# (Both report a pull's usage error as an image they cannot have: 2,
	# lib/run's findOrPull.)
	run_ctr 2 ctr-run "${STORAGE[@]}" --rm -q "$NOTLS" "$REG/bb:1" true
	expect_match "give --signature-policy FILE, or --insecure-policy"
	run_ctr 2 ctr-build "${STORAGE[@]}" -q "$NOTLS" "$TEST_TMP/ctx"
	expect_match "give --signature-policy FILE, or --insecure-policy"
	run_ctr ctr-build "${STORAGE[@]}" "$NOTLS" --insecure-policy from "$REG/bb:1"
	run_ctr ctr-build "${STORAGE[@]}" -q "$NOTLS" --insecure-policy --pull always "$TEST_TMP/ctx"
	run_ctr ctr-run "${STORAGE[@]}" --rm -q "$NOTLS" --insecure-policy --pull always "$REG/bb:1" echo ran
	expect_output "ran"
	# Stored now: --pull missing (the default) asks no policy, as podman run.
	unset CONTAINERS_POLICY_JSON
	run_ctr ctr-run "${STORAGE[@]}" --rm -q "$NOTLS" --signature-policy "$TEST_TMP/reject.json" "$REG/bb:1" echo stored
	expect_output "stored"
}
