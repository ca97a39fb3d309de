#!/usr/bin/env bats
# ctr-build against buildah: the Containerfiles in tests/containerfiles/,
# each built by both; config and file tree must be the same, or differ
# only as the case's expected-*.diff says (ctr-build's deliberate choices).

bats_require_minimum_version 1.5.0
load helpers

@test "buildah: every Containerfile case builds the same image as buildah bud" {
	requires buildah podman
	local_busybox
	podman_t --version >/dev/null
	local cases=() d
	for d in "$BATS_TEST_DIRNAME"/../containerfiles/*/; do
		# buildah 1.28 has no heredocs (060-containerfile.bats checks them).
		[[ $d == *heredoc* ]] || cases+=("${d%/}")
	done
	[ "${#cases[@]}" -ge 30 ]
	STORAGE_ARGS="${STORAGE[*]}" CONTAINERS_CONF="$TEST_TMP/containers.conf" run_ctr "$BATS_TEST_DIRNAME/../compare-buildah.sh" "${cases[@]}"
	# The http server of case 38-add-url (which stops by itself after ten
	# minutes, should this test fail before here).
	pkill -f "busybox httpd -f -p 127.0.0.2:18765" || true
}
