#!/usr/bin/env bash
# Installs, only if missing, the Debian packages the tests, demo and
# benchmarks use. Needs root (or sudo) and Debian's apt repositories.
set -euo pipefail

# command → package that provides it
declare -A need=(
	[docker-registry]=docker-registry
	[busybox]=busybox-static
	[bats]=bats
	[skopeo]=skopeo
	[go-md2man]=go-md2man
	[jq]=jq
	[curl]=curl
	[htpasswd]=apache2-utils
	[openssl]=openssl
	[gcc]=gcc
	[bc]=bc
	[tmux]=tmux
	[podman]=podman
	[catatonit]=catatonit
	[buildah]=buildah
	[conmon]=conmon
	[runc]=runc
	[findmnt]=util-linux
)
missing=()
# libseccomp's headers, for ctr-runtime's seccomp support (cgo).
[ -f /usr/include/seccomp.h ] || missing+=(libseccomp-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
for cmd in "${!need[@]}"; do
	command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}")
done
# busybox must be the static build: test images copy the binary as it is.
if command -v busybox >/dev/null 2>&1 && ! file -L "$(command -v busybox)" 2>/dev/null | grep -q static; then
	missing+=(busybox-static)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" file >/dev/null
