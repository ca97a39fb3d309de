#!/usr/bin/env bash
# Builds runc from the runc module ctr links (the version go.mod requires),
# so that ctr-runtime can be compared with a runc on the same libcontainer:
# in bench/run.sh, and through hack/runtime-tools.sh.
#
#   hack/build-runc.sh OUTPUT
#
# Built in a scratch module so that runc's own dependencies (its CLI
# library) need not be in ctr's go.sum.
set -euo pipefail
out=$(realpath -m "$1")
cd "$(dirname "$0")/.."
version=$(go list -m -f '{{.Version}}' github.com/opencontainers/runc)
mod=$(mktemp -d /var/tmp/ctr-runcmod.XXXXXX)
trap 'rm -rf "$mod"' EXIT
printf 'module runcbuild\ngo 1.24\nrequire github.com/opencontainers/runc %s\n' "$version" >"$mod/go.mod"
(cd "$mod" && GOFLAGS=-mod=mod CGO_ENABLED=1 go build -tags "seccomp urfave_cli_no_docs" \
	-ldflags "-s -w" -o "$out" github.com/opencontainers/runc)
echo "$out: runc $version" >&2
