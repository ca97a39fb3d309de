#!/usr/bin/env bash
# Builds crictl or critest from sigs.k8s.io/cri-tools at the pinned
# version, from a copy of the module's source with its own go.mod and
# go.sum: none of cri-tools' dependencies enter ctr's go.mod. Kept in a
# cache keyed by the version; a build that is there already is reused.
#
#   hack/build-cri-tools.sh crictl|critest OUTPUT
set -euo pipefail
CRI_TOOLS_VERSION=v1.37.0
tool=$1
out=$(realpath -m "$2")
cache=/var/tmp/ctr-cri-tools-$CRI_TOOLS_VERSION
if [ ! -x "$cache/$tool" ]; then
	src=$(GOFLAGS=-mod=mod go mod download -json "sigs.k8s.io/cri-tools@$CRI_TOOLS_VERSION" | jq -r .Dir)
	work=$(mktemp -d /var/tmp/ctr-cri-tools.XXXXXX)
	trap 'rm -rf "$work"' EXIT
	# The module cache is read-only: build from a copy.
	cp -r "$src/." "$work/src"
	chmod -R u+w "$work/src"
	mkdir -p "$cache"
	case $tool in
	crictl) (cd "$work/src" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -o "$work/$tool" ./cmd/crictl) ;;
	# critest is a test binary of ginkgo specs, as cri-tools' Makefile makes it.
	critest) (cd "$work/src" && CGO_ENABLED=0 GOFLAGS=-mod=mod go test -c -o "$work/$tool" ./cmd/critest) ;;
	*) echo "build-cri-tools.sh: crictl or critest, not $tool" >&2; exit 64 ;;
	esac
	mv "$work/$tool" "$cache/$tool"
fi
mkdir -p "$(dirname "$out")"
cp "$cache/$tool" "$out"
