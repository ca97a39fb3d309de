#!/usr/bin/env bats
# ctr-build against buildah: each Containerfile case in tests/containerfiles/
# built by both (tests/compare-buildah.sh); config, history, layer count and
# file tree must be the same, or differ only as the case's expected-*.diff
# says (ctr-build's deliberate choices). One test per case, so a failure
# names its case; the last test checks that every case has one.

bats_require_minimum_version 1.5.0
load helpers

CASES=$BATS_TEST_DIRNAME/../containerfiles

# compare_case NAME: builds the case with both and compares.
compare_case() {
	requires buildah podman skopeo
	local_busybox
	podman_t --version >/dev/null
	STORAGE_ARGS="${STORAGE[*]}" CONTAINERS_CONF="$TEST_TMP/containers.conf" \
		run_ctr "$BATS_TEST_DIRNAME/../compare-buildah.sh" "$CASES/$1"
}

@test "buildah: 01-copy-dir-contents" {
	compare_case 01-copy-dir-contents
}

@test "buildah: 02-copy-wildcards" {
	compare_case 02-copy-wildcards
}

@test "buildah: 03-copy-file-or-dir" {
	compare_case 03-copy-file-or-dir
}

@test "buildah: 04-copy-chown-chmod" {
	compare_case 04-copy-chown-chmod
}

@test "buildah: 05-arg-scope" {
	compare_case 05-arg-scope
}

@test "buildah: 06-env-expansion" {
	compare_case 06-env-expansion
}

@test "buildah: 07-workdir" {
	compare_case 07-workdir
}

@test "buildah: 08-user-lookup" {
	compare_case 08-user-lookup
}

@test "buildah: 09-entrypoint-cmd" {
	compare_case 09-entrypoint-cmd
}

# bats test_tags=smoke
@test "buildah: 10-multistage" {
	compare_case 10-multistage
}

@test "buildah: 11-whiteouts" {
	compare_case 11-whiteouts
}

@test "buildah: 12-heredoc" {
	compare_case 12-heredoc
}

@test "buildah: 13-shell" {
	compare_case 13-shell
}

@test "buildah: 14-config" {
	compare_case 14-config
}

@test "buildah: 15-copy-symlinks" {
	compare_case 15-copy-symlinks
}

@test "buildah: 16-env-in-run-and-arg-override" {
	compare_case 16-env-in-run-and-arg-override
}

@test "buildah: 17-copy-dest-relative-workdir" {
	compare_case 17-copy-dest-relative-workdir
}

@test "buildah: 18-copy-overwrite-and-merge" {
	compare_case 18-copy-overwrite-and-merge
}

@test "buildah: 19-env-multiple-forms" {
	compare_case 19-env-multiple-forms
}

@test "buildah: 20-arg-in-from-and-default-override" {
	compare_case 20-arg-in-from-and-default-override
}

@test "buildah: 21-label-expansion" {
	compare_case 21-label-expansion
}

@test "buildah: 22-user-numeric-and-files" {
	compare_case 22-user-numeric-and-files
}

@test "buildah: 23-entrypoint-shell-cmd-exec" {
	compare_case 23-entrypoint-shell-cmd-exec
}

@test "buildah: 24-expose-volume-multiple" {
	compare_case 24-expose-volume-multiple
}

@test "buildah: 25-copy-hidden-and-empty-dirs" {
	compare_case 25-copy-hidden-and-empty-dirs
}

@test "buildah: 26-run-exec-form" {
	compare_case 26-run-exec-form
}

@test "buildah: 27-multistage-chain" {
	compare_case 27-multistage-chain
}

@test "buildah: 28-stopsignal-numeric-and-workdir-env" {
	compare_case 28-stopsignal-numeric-and-workdir-env
}

@test "buildah: 29-delete-base-files" {
	compare_case 29-delete-base-files
}

@test "buildah: 30-copy-chmod-dir-tree" {
	compare_case 30-copy-chmod-dir-tree
}

@test "buildah: 31-arg-env-precedence" {
	compare_case 31-arg-env-precedence
}

@test "buildah: 32-dockerignore" {
	compare_case 32-dockerignore
}

@test "buildah: 33-workdir-after-user" {
	compare_case 33-workdir-after-user
}

@test "buildah: 34-copy-chown-names" {
	compare_case 34-copy-chown-names
}

@test "buildah: 35-add-plain-file" {
	compare_case 35-add-plain-file
}

@test "buildah: 36-healthcheck-onbuild-oci" {
	compare_case 36-healthcheck-onbuild-oci
}

@test "buildah: 37-arg-without-value" {
	compare_case 37-arg-without-value
}

@test "buildah: 38-add-url" {
	compare_case 38-add-url
}

@test "buildah: 39-healthcheck-onbuild-shell-docker" {
	compare_case 39-healthcheck-onbuild-shell-docker
}

@test "buildah: 40-timestamp" {
	compare_case 40-timestamp
}

@test "buildah: every case directory has a test here, and only those" {
	local want have
	want=$(find "$CASES" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
	have=$(grep -oE '^	compare_case [^ ]+$' "$BATS_TEST_FILENAME" | cut -d' ' -f2 | sort)
	[ -n "$want" ]
	[ "$want" = "$have" ]
}
