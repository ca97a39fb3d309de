# shellcheck shell=bash
# containerd_config FILE DIR SOCKET SANDBOX_IMAGE REGISTRY HOST...: writes
# a config for Debian's containerd with its CRI plugin: root and state
# under DIR, gRPC on SOCKET, runc through the v2 shim, podman's CNI
# network, SANDBOX_IMAGE as the pause, each HOST mirrored by the plain
# HTTP REGISTRY. Sourced by hack/critest.sh and bench/cri.sh, which run it
# beside ctr-cri.
containerd_config() {
	local file=$1 dir=$2 sock=$3 pause=$4 reg=$5 host
	shift 5
	# Its shims make /run/containerd/{fifo,runc,s} whatever the state
	# dir: containerd_tidy removes them when this run made them.
	[ -e /run/containerd ] || CONTAINERD_RUN_MADE=1
	cat >"$file" <<TOML
version = 2
root = "$dir/root"
state = "$dir/state"
[grpc]
  address = "$sock"
[plugins."io.containerd.grpc.v1.cri"]
  # No process here may lower its OOM score (CAP_SYS_RESOURCE is not in
  # this machine's bounding set): containerd's pause asks for -998.
  restrict_oom_score_adj = true
  sandbox_image = "$pause"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "/etc/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
TOML
	for host in "$@"; do
		printf '  [plugins."io.containerd.grpc.v1.cri".registry.mirrors."%s"]\n    endpoint = ["http://%s"]\n' "$host" "$reg" >>"$file"
	done
}

# containerd_tidy: after containerd has stopped, removes the empty
# directories its shims left in /run/containerd, when this run made it.
containerd_tidy() {
	if [ -n "${CONTAINERD_RUN_MADE:-}" ] && [ -d /run/containerd ]; then
		find /run/containerd -depth -type d -empty -delete 2>/dev/null || true
	fi
}
