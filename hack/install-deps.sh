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
	[shellcheck]=shellcheck
	[iptables]=iptables
	[ip]=iproute2
	[gpg]=gpg
	# the CRI comparison (hack/critest.sh --runtime containerd, bench/cri.sh)
	[containerd]=containerd
	# the cgroup v2 test VM (hack/vm): qemu, the kernel's module index, the initramfs
	[qemu-system-x86_64]=qemu-system-x86
	[depmod]=kmod
	[cpio]=cpio
)
# golangci-lint, pinned, built from the Go module proxy into GOBIN (or
# GOPATH/bin) when that version is not there yet: make validate runs it.
GOLANGCI_LINT_VERSION=v2.15.0
install_golangci_lint() {
	local bin
	bin=$(go env GOBIN)
	bin=${bin:-$(go env GOPATH)/bin}/golangci-lint
	if ! "$bin" version 2>/dev/null | grep -q "version ${GOLANGCI_LINT_VERSION#v} "; then
		echo "installing golangci-lint $GOLANGCI_LINT_VERSION" >&2
		go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$GOLANGCI_LINT_VERSION"
	fi
}

missing=()
# libseccomp's headers, for ctr-runtime's seccomp support (cgo).
[ -f /usr/include/seccomp.h ] || missing+=(libseccomp-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
# The CNI plugins ctr-run's networks run (bridge, host-local, portmap,
# firewall, tuning, loopback), as podman 4.3 runs them.
[ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
for cmd in "${!need[@]}"; do
	command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}")
done
# busybox must be the static build: test images copy the binary as it is.
if command -v busybox >/dev/null 2>&1 && ! file -L "$(command -v busybox)" 2>/dev/null | grep -q static; then
	missing+=(busybox-static)
fi
install_golangci_lint

[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" file >/dev/null
