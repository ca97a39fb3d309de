#!/usr/bin/env bash
# Installs, only if missing, what a make target needs: Debian packages
# (root or sudo, Debian's apt repositories) and golangci-lint (from the Go
# module proxy).
#
#   hack/install-deps.sh [--no-apt] [GROUP]
#
# GROUP is what to install for:
#   all    (the default; make deps) the tests, the demo and the benchmarks
#   check  make check: the builds, man pages, shellcheck, golangci-lint
#   demo   make demo: the builds, a registry, the CNI plugins, iptables,
#          catatonit
# --no-apt installs nothing from apt: it names the missing packages and
# fails (make check, which needs no root); golangci-lint is still built.
set -euo pipefail

no_apt=""
if [ "${1:-}" = --no-apt ]; then
	no_apt=1
	shift
fi
group=${1:-all}

# What is needed → the package that provides it: a command on PATH, or a
# file when it starts with /.
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
	[pkg-config]=pkg-config
	# libseccomp's headers, for ctr-runtime's seccomp support (cgo).
	[/usr/include/seccomp.h]=libseccomp-dev
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
	# The CNI plugins ctr-run's networks run (bridge, host-local, portmap,
	# firewall, tuning, loopback), as podman 4.3 runs them.
	[/usr/lib/cni/bridge]=containernetworking-plugins
	# The signature policy every pull and copy reads (podman's package of
	# it; podman and skopeo depend on it).
	[/etc/containers/policy.json]=golang-github-containers-common
	# the CRI comparison (hack/critest.sh --runtime containerd, bench/cri.sh)
	[containerd]=containerd
	# the cgroup v2 test VM (hack/vm): qemu, the kernel's module index, the initramfs
	[qemu-system-x86_64]=qemu-system-x86
	[depmod]=kmod
	[cpio]=cpio
)
build=(gcc pkg-config /usr/include/seccomp.h)
lint=""
case $group in
all) wanted=("${!need[@]}") lint=1 ;;
check) wanted=("${build[@]}" go-md2man shellcheck) lint=1 ;;
demo) wanted=("${build[@]}" docker-registry busybox jq curl findmnt iptables ip /usr/lib/cni/bridge catatonit /etc/containers/policy.json) ;;
*)
	echo "usage: $0 [--no-apt] [all|check|demo]" >&2
	exit 64
	;;
esac

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
for what in "${wanted[@]}"; do
	case $what in
	/*) [ -e "$what" ] ;;
	*) command -v "$what" >/dev/null 2>&1 ;;
	esac || missing+=("${need[$what]}")
done
# busybox must be the static build: test images copy the binary as it is.
if [[ " ${wanted[*]} " == *" busybox "* ]] && command -v busybox >/dev/null 2>&1 &&
	! file -L "$(command -v busybox)" 2>/dev/null | grep -q static; then
	missing+=(busybox-static)
fi
[ -z "$lint" ] || install_golangci_lint

[ ${#missing[@]} -eq 0 ] && exit 0

if [ -n "$no_apt" ]; then
	echo "missing: ${missing[*]} (as root, hack/install-deps.sh $group installs them)" >&2
	exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" file >/dev/null
