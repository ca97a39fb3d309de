#!/usr/bin/env bash
# Builds crictl (and, later, critest) from sigs.k8s.io/cri-tools at the
# pinned version, with go install: cri-tools' own go.mod decides its
# dependencies, so none of them enter ctr's go.mod. Kept in a cache keyed
# by the version; a build that is there already is reused.
#
#   hack/build-crictl.sh OUTPUT
set -euo pipefail
CRI_TOOLS_VERSION=v1.37.0
out=$(realpath -m "$1")
cache=/var/tmp/ctr-cri-tools-$CRI_TOOLS_VERSION
if [ ! -x "$cache/crictl" ]; then
	mkdir -p "$cache.tmp"
	GOBIN=$cache.tmp go install "sigs.k8s.io/cri-tools/cmd/crictl@$CRI_TOOLS_VERSION"
	rm -rf "$cache"
	mv "$cache.tmp" "$cache"
fi
mkdir -p "$(dirname "$out")"
cp "$cache/crictl" "$out"
