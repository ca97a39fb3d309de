# shellcheck shell=bash disable=SC2154 # bats's run sets output, status and lines
# Shared helpers for ctr's system tests. Each test gets its own temp dir and
# storage root; registries are the real Debian docker-registry on loopback.

CTR_BIN=${CTR_BIN:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/bin}
PATH=$CTR_BIN:$PATH
# Plain-HTTP loopback registries: TLS verification off unless a test wants it.
NOTLS=--tls-verify=false

setup() {
	TEST_TMP=$(mktemp -d "${BATS_TMPDIR:-/tmp}/ctr-test.XXXXXX")
	STORAGE=(--root "$TEST_TMP/root" --runroot "$TEST_TMP/runroot" --storage-driver overlay)
	REGISTRY_PIDS=()
	REGISTRY_HOSTS=()
	TEST_NETWORKS=()
	# ctr-run's network flags for a test with a config or plugin dir of
	# its own (teardown passes them on).
	TEST_NET_ARGS=()
	# Commands (shell strings) teardown runs first, for what a test made
	# where the rest of teardown does not look (another mount namespace).
	TEST_CLEANUP=()
	# Keep the tests away from the machine's caches and credentials.
	export XDG_RUNTIME_DIR=$TEST_TMP/xdg HOME=$TEST_TMP/home
	mkdir -p "$XDG_RUNTIME_DIR" "$HOME"
}

teardown() {
	local pid mnt state net cmd
	for cmd in "${TEST_CLEANUP[@]}"; do
		eval "$cmd" >/dev/null 2>&1 || true
	done
	# Containers a failed test left: ctr-run removes them, which also
	# detaches their networks (leases, veths, port rules, namespaces).
	if [ -d "$TEST_TMP/root" ]; then
		# Pods first: their infra containers are removed with them only.
		"$CTR_BIN/ctr-run" "${STORAGE[@]}" "${TEST_NET_ARGS[@]}" pod ls -q 2>/dev/null |
			xargs -r "$CTR_BIN/ctr-run" "${STORAGE[@]}" "${TEST_NET_ARGS[@]}" pod rm -f >/dev/null 2>&1 || true
		"$CTR_BIN/ctr-run" "${STORAGE[@]}" ps -a --json 2>/dev/null | jq -r .id |
			xargs -r "$CTR_BIN/ctr-run" "${STORAGE[@]}" "${TEST_NET_ARGS[@]}" rm -f >/dev/null 2>&1 || true
	fi
	# podman's too (they hold leases and namespaces of the same networks).
	if [ -d "$TEST_TMP/root" ] && [ -f "$TEST_TMP/containers.conf" ]; then
		podman_t rm -af -t 0 >/dev/null 2>&1 || true
	fi
	for net in "${TEST_NETWORKS[@]}"; do
		"$CTR_BIN/ctr-run" "${TEST_NET_ARGS[@]}" network rm "$net" >/dev/null 2>&1 || true
	done
	# Containers a failed test left running, found by the state the
	# runtime keeps under the test dir (ROOT/ID/state.json): each is killed
	# and deleted by its runtime, by its recorded PID, never by a pattern.
	while IFS= read -r state; do
		"$CTR_BIN/ctr-runtime" --root "$(dirname "$(dirname "$state")")" delete --force "$(basename "$(dirname "$state")")" 2>/dev/null || true
	done < <(find "$TEST_TMP" -name state.json -path '*/*/state.json' 2>/dev/null)
	# A test's own GnuPG home: its agent, found by the home's socket.
	if [ -d "$TEST_TMP/gnupg" ]; then
		GNUPGHOME=$TEST_TMP/gnupg gpgconf --kill all 2>/dev/null || true
	fi
	# All told at once, then each waited for 10 s at most (a server that
	# waits for a client of this list must not hang the suite), then killed.
	for pid in "${REGISTRY_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${REGISTRY_PIDS[@]}"; do
		until_true 10 '! kill -0 "$pid" 2>/dev/null' || kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	# A process still holding a file of the test's (a child that a tool the
	# test killed had forked, such as containers/storage's user-namespace
	# probe, which waits for its parent's SIGKILL) is killed by its PID,
	# found by what it holds, and named: it would hold the suite's output.
	for pid in $(find /proc/[0-9]*/fd /proc/[0-9]*/cwd -maxdepth 1 -lname "$TEST_TMP/*" 2>/dev/null | cut -d/ -f3 | sort -u); do
		if [ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ]; then
			continue
		fi
		echo "teardown: killing PID $pid, left holding the test's files: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" >&2
		kill -KILL "$pid" 2>/dev/null || true
	done
	# Anything still mounted below the test dir (storage layers) goes first.
	for mnt in $(findmnt -rn -o TARGET | grep "^$TEST_TMP" | sort -r); do
		umount -l "$mnt" 2>/dev/null || true
	done
	rm -rf "$TEST_TMP"
}

# run_ctr [EXPECTED_RC] TOOL ARGS...: runs a ctr tool with a time limit,
# logs the command and its output, and checks its exit status (0 unless given).
run_ctr() {
	local expected=0
	if [[ $1 =~ ^[0-9]+$ ]]; then
		expected=$1
		shift
	fi
	echo "\$ $*"
	# "run -N" tells bats that status N (127 too) is expected.
	run "-$expected" timeout 300 "$@" || true
	echo "$output"
	if [ "$status" -ne "$expected" ]; then
		echo "exit status $status, expected $expected" >&2
		false
	fi
}

# expect_output TEXT: $output must equal TEXT.
expect_output() {
	if [ "$output" != "$1" ]; then
		printf 'expected output:\n%s\nactual output:\n%s\n' "$1" "$output" >&2
		false
	fi
}

# expect_match REGEX [TEXT]: TEXT (default $output) must match REGEX.
expect_match() {
	local text=${2-$output}
	if ! [[ $text =~ $1 ]]; then
		printf 'expected a match for: %s\nin:\n%s\n' "$1" "$text" >&2
		false
	fi
}

# requires CMD...: skips the test when a command is missing.
requires() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || skip "$c is not installed"
	done
}

# free_port: a loopback port nobody listens on, below the kernel's ephemeral
# range (32768 and up here) so an outgoing connection cannot hold it.
free_port() {
	local port
	while :; do
		port=$((20000 + RANDOM % 12000))
		(echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null || break
	done
	echo "$port"
}

# start_registry NAME [auth|tls]: starts docker-registry on a free loopback
# port with its own data dir. Sets NAME (e.g. REG) to host:port, NAME_DIR to
# its directory, NAME_LOG to its access log and NAME_PID to its process. "auth" adds htpasswd user
# "ctr" with password "secret"; "tls" serves a self-signed certificate whose
# CA is in NAME_DIR/certs (for --cert-dir).
start_registry() {
	local name=$1 mode=${2:-}
	local port dir extra=""
	port=$(free_port)
	dir=$TEST_TMP/registry-$name
	mkdir -p "$dir/data" "$dir/certs"
	case $mode in
	auth)
		htpasswd -Bbn ctr secret >"$dir/htpasswd"
		extra="auth:
  htpasswd:
    realm: ctr-test
    path: $dir/htpasswd"
		;;
	tls)
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
			-addext subjectAltName=IP:127.0.0.1 \
			-keyout "$dir/registry.key" -out "$dir/certs/ca.crt" 2>/dev/null
		extra="  tls:
    certificate: $dir/certs/ca.crt
    key: $dir/registry.key"
		;;
	esac
	local scheme=http try
	[ "$mode" = tls ] && scheme=https
	# A port can still be taken between free_port and the registry's bind
	# (another test's server, a client's local port): then the registry
	# exits, and the next try takes another port.
	for try in 1 2 3 4 5; do
		registry_config "$dir" "$port" "$mode" "$extra" >"$dir/config.yml"
		docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
		printf -v "${name}_PID" '%s' "$!"
		REGISTRY_PIDS+=($!)
		registry_up "$!" "$scheme://127.0.0.1:$port/v2/" && break
		stop_registry "$name"
		[ "$try" -lt 5 ] || {
			echo "docker-registry did not start; its log:" >&2
			cat "$dir/log" >&2
			return 1
		}
		port=$(free_port)
	done
	printf -v "$name" '%s' "127.0.0.1:$port"
	REGISTRY_HOSTS+=("127.0.0.1:$port")
	printf -v "${name}_DIR" '%s' "$dir"
	printf -v "${name}_LOG" '%s' "$dir/log"
}

# start_faultproxy NAME UPSTREAM [faultproxy flags...]: a misbehaving
# registry in front of UPSTREAM (host:port; "-" for none, with -hang). Sets
# NAME to its host:port, NAME_PID and NAME_LOG (its request log).
start_faultproxy() {
	local name=$1 upstream=$2 port
	shift 2
	port=$(free_port)
	local flags=(-listen "127.0.0.1:$port" -log "$TEST_TMP/$name.log")
	[ "$upstream" = - ] || flags+=(-upstream "$upstream")
	"$CTR_BIN/faultproxy" "${flags[@]}" "$@" 2>"$TEST_TMP/$name.err" 3>&- &
	printf -v "${name}_PID" '%s' "$!"
	REGISTRY_PIDS+=($!)
	for _ in $(seq 100); do
		(echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
		sleep 0.1
	done
	printf -v "$name" '%s' "127.0.0.1:$port"
	REGISTRY_HOSTS+=("127.0.0.1:$port")
	printf -v "${name}_LOG" '%s' "$TEST_TMP/$name.log"
}

# registry_config DIR PORT MODE EXTRA: docker-registry's config.yml.
registry_config() {
	local dir=$1 port=$2 mode=$3 extra=$4
	echo "version: 0.1"
	echo "log: {level: info, accesslog: {disabled: false}}"
	echo "storage: {filesystem: {rootdirectory: $dir/data}, delete: {enabled: true}}"
	echo "http:"
	echo "  addr: 127.0.0.1:$port"
	if [ "$mode" = tls ] || [ "$mode" = auth ]; then
		echo "$extra"
	fi
}

# registry_up PID URL: waits (30 s at most) until URL answers; false at once
# when the process PID has exited.
registry_up() {
	local pid=$1 url=$2
	for _ in $(seq 300); do
		curl -sk -o /dev/null "$url" && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# stop_registry NAME: stops one registry (to test an unreachable one), by
# the PID start_registry recorded, and waits until it is gone.
stop_registry() {
	local pid_var=${1}_PID
	kill "${!pid_var}" 2>/dev/null || true
	wait "${!pid_var}" 2>/dev/null || true
}

# busybox_layout [DIR:TAG] [mkimage flags...]: writes the busybox test image
# as an OCI layout (default $TEST_TMP/busybox:latest) and prints its path.
busybox_layout() {
	local out=${1:-$TEST_TMP/busybox:latest}
	shift || true
	"$CTR_BIN/mkimage" -o "$out" --busybox "$(command -v busybox)" --cmd sh "$@" >&2
	echo "$out"
}

# push_busybox HOST/REPO:TAG [mkimage flags...]: puts the busybox test image
# into a registry with ctr-copy (as PUSH_CREDS, USER:PASSWORD, if set).
push_busybox() {
	local dest=$1
	shift
	local layout
	layout=$(busybox_layout "$TEST_TMP/push-$RANDOM:latest" "$@")
	ctr-copy -q --all $NOTLS ${PUSH_CREDS:+--dest-creds "$PUSH_CREDS"} "oci:$layout" "docker://$dest" >/dev/null
}

# manifest HOST/REPO:TAG: prints the raw manifest a registry serves.
manifest() {
	skopeo inspect --raw --tls-verify=false "docker://$1"
}

# upload_count LOG REPO: number of blob uploads (POST/PATCH/PUT on
# /blobs/uploads) in a registry access log for REPO.
upload_count() {
	grep -cE "\"(POST|PATCH|PUT) /v2/$2/blobs/uploads" "$1" || true
}

# podman_t ARGS...: podman on the test's storage (STORAGE), with runc and no
# default ulimits, as this machine needs, and without touching the host's.
podman_t() {
	if [ ! -f "$TEST_TMP/containers.conf" ]; then
		printf '[engine]\nruntime = "runc"\n[containers]\ndefault_ulimits = []\n' >"$TEST_TMP/containers.conf"
	fi
	CONTAINERS_CONF=$TEST_TMP/containers.conf podman "${STORAGE[@]}" "$@"
}

# podman_cmd: sets PODMAN to podman_t's command line as an array, for
# run_ctr (which cannot run shell functions).
podman_cmd() {
	podman_t --version >/dev/null
	# shellcheck disable=SC2034 # for the tests that call podman_cmd
	PODMAN=(env CONTAINERS_CONF="$TEST_TMP/containers.conf" podman "${STORAGE[@]}")
}

# registries_conf FILE [TOML LINE...]: a registries.conf with the given
# top-level lines, treating every registry this test started as insecure.
registries_conf() {
	local file=$1 r
	shift
	# Top-level keys and [aliases] must come before the [[registry]] tables.
	{
		printf '%s\n' "$@"
		for r in "${REGISTRY_HOSTS[@]}"; do
			printf '[[registry]]\nlocation = "%s"\ninsecure = true\n\n' "$r"
		done
	} >"$file"
}

# layer_count: layers in the test's store.
layer_count() {
	local f=$TEST_TMP/root/overlay-layers/layers.json
	[ -f "$f" ] && jq length "$f" || echo 0
}

# local_busybox [NAME]: the busybox test image in the test's storage, by
# ctr-copy from an OCI layout (no registry needed). Prints nothing.
local_busybox() {
	local name=${1:-localhost/busybox:latest} layout
	layout=$(busybox_layout "$TEST_TMP/bb-$RANDOM:latest")
	ctr-copy -q "${STORAGE[@]}" "oci:$layout" "containers-storage:$name" >/dev/null
}

# on_terminal COLS ROWS COMMAND: runs COMMAND (a shell string) on a real
# terminal (a tmux pane of that size) and prints what the pane shows once
# it has finished, with a last line EXIT=<status>.
on_terminal() {
	local cols=$1 rows=$2 cmd=$3 screen=""
	tmux new-session -d -s "ctr-$$" -x "$cols" -y "$rows" "$cmd; echo EXIT=\$?; sleep 30"
	for _ in $(seq 100); do
		screen=$(tmux capture-pane -p -t "ctr-$$")
		[[ $screen == *EXIT=* ]] && break
		sleep 0.1
	done
	tmux kill-session -t "ctr-$$"
	echo "$screen"
}

# rootfs_mounts: the containers' root filesystems mounted from the test's
# store (overlay's DIR/merged), one per line. (The store's overlay directory
# itself stays a mount point while the store is in use.)
rootfs_mounts() {
	findmnt -rn -o TARGET | awk -v d="$TEST_TMP/root/overlay/" 'index($0, d) == 1 && /\/merged$/'
}

# cgroups_named NAME: every cgroup directory called NAME, at any depth, in
# every mounted hierarchy (each v1 controller and the v2 one). Fails when
# no hierarchy is mounted, so an empty answer always means "none".
cgroups_named() {
	local roots
	mapfile -t roots < <(findmnt -rn -t cgroup,cgroup2 -o TARGET)
	if [ ${#roots[@]} -eq 0 ]; then
		echo "cgroups_named: no cgroup hierarchy is mounted" >&2
		return 1
	fi
	# A cgroup removed during the walk makes find complain; what it
	# prints is still the truth at that moment.
	find "${roots[@]}" -type d -name "$1" -print 2>/dev/null || true
}

# block_device: the path of a block device of this machine (the first in
# /sys/block; loop's if there is none yet), for the I/O throttle tests.
block_device() {
	local b
	[ -n "$(ls /sys/block)" ] || modprobe loop 2>/dev/null || true
	for b in /sys/block/*; do
		if [ -b "/dev/${b##*/}" ]; then
			echo "/dev/${b##*/}"
			return
		fi
	done
	echo "block_device: no block device here" >&2
	return 1
}

# pod_cgroup POD: the cgroup a pod made for itself, as /proc/PID/cgroup
# names it: its slice under systemd (the default where it is init), its
# directory under /ctr-pods with cgroupfs.
pod_cgroup() {
	if [ -d /run/systemd/system ]; then
		echo "/machine.slice/machine-ctr_pod_$1.slice"
	else
		echo "/ctr-pods/$1"
	fi
}

# container_cgroups ID: the cgroup directories of ctr-run's container ID,
# in every hierarchy, under either manager: ID (cgroupfs) or ctr-ID.scope
# (systemd, the default where it is init).
container_cgroups() {
	cgroups_named "$1"
	cgroups_named "ctr-$1.scope"
}

# monitor_pid ID: the PID of a detached container's ctr-monitor, from the
# pidfile ctr-run has it write (no name pattern: that could match a
# process that is not this test's). Fails when there is none.
monitor_pid() {
	local f=$TEST_TMP/runroot/ctr/$1/monitor.pid pid
	pid=$(cat "$f")
	[ -n "$pid" ] && kill -0 "$pid"
	echo "$pid"
}

# refute_line REGEX FILE: FILE can be read and no line of it matches REGEX
# (extended). Unlike "! grep", it fails a test wherever it stands.
refute_line() {
	local rc=0
	grep -qE -- "$1" "$2" || rc=$?
	case $rc in
	1) return 0 ;;
	0) echo "refute_line: $2 has a line matching: $1" >&2 ;;
	*) echo "refute_line: cannot read $2" >&2 ;;
	esac
	return 1
}

# rt_bundle DIR ARGS_JSON: an OCI bundle of the busybox test image (IMG, in
# the test's store) whose process runs ARGS_JSON, with /proc and a /dev of
# its own: for driving ctr-runtime directly.
rt_bundle() {
	local dir=$1 args=$2
	mkdir -p "$dir/rootfs"
	[ -d "$TEST_TMP/layout" ] || ctr-copy -q "${STORAGE[@]}" "$IMG" "oci:$TEST_TMP/layout:x" >/dev/null
	tar -xzf "$(find "$TEST_TMP"/layout/blobs/sha256 -type f -printf '%s %p\n' | sort -rn | awk 'NR == 1 {print $2}')" -C "$dir/rootfs"
	cat >"$dir/config.json" <<-JSON
	{"ociVersion":"1.0.2","root":{"path":"rootfs"},"process":{"args":$args,"cwd":"/","user":{"uid":0,"gid":0},
	 "env":["PATH=/bin"]},"linux":{"namespaces":[{"type":"pid"},{"type":"mount"}]},
	 "mounts":[{"destination":"/proc","type":"proc","source":"proc"},
	  {"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","mode=755"]}]}
	JSON
}

# until_true SECONDS 'SHELL TEST': evaluates the test every 0.1 s until it
# succeeds; fails after SECONDS.
until_true() {
	local n=$(($1 * 10))
	while ! eval "$2"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.1
	done
}

# pod_state: what a pod may leave on the host: pinned namespaces, veths,
# leases of podman's network, iptables rules, cgroups and mounts of pods.
pod_state() {
	find /run/netns -maxdepth 1 -name 'ctr-*' 2>/dev/null | sort
	ip -o link show type veth | awk -F': ' '{print $2}' | sort
	find /var/lib/cni/networks/podman -type f ! -name lock ! -name 'last_reserved_ip*' 2>/dev/null | sort
	iptables-save | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//' | sort
	find /sys/fs/cgroup \( -path '*/ctr-pods/*' -o -name 'machine-ctr_pod_*' \) -type d 2>/dev/null | sort
	findmnt -rn -o TARGET | grep "^$TEST_TMP" | sort
}

# cgroup_v2: true on the unified hierarchy alone (cgroup v2), false on v1
# or the hybrid layout. Cgroup files are read through the helpers below,
# never through a v1 path that would fail, or pass, for the wrong reason.
cgroup_v2() { [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; }

# cgroup_get CGROUP KEY: the value of KEY for CGROUP (a path from the
# hierarchy's root, as /proc/PID/cgroup says it), on this host's layout.
# KEY is v2's: memory.max (bytes), cpu.max (the quota alone, in us),
# pids.max; on v1 the file of the same meaning is read. Fails when the
# file is not there.
cgroup_get() {
	local cg=$1 key=$2
	if cgroup_v2; then
		case $key in
		cpu.max) cut -d' ' -f1 "/sys/fs/cgroup$cg/cpu.max" ;;
		*) cat "/sys/fs/cgroup$cg/$key" ;;
		esac
		return
	fi
	case $key in
	memory.max) cat "/sys/fs/cgroup/memory$cg/memory.limit_in_bytes" ;;
	cpu.max) cat "/sys/fs/cgroup/cpu$cg/cpu.cfs_quota_us" ;;
	pids.max) cat "/sys/fs/cgroup/pids$cg/pids.max" ;;
	*)
		echo "cgroup_get: no v1 file for $key" >&2
		return 1
		;;
	esac
}

# cgroup_of PID CONTROLLER: the cgroup PID is in, for CONTROLLER (v1) or
# the unified hierarchy (v2).
cgroup_of() {
	if cgroup_v2; then
		awk -F: '$1 == "0" {print $3}' "/proc/$1/cgroup"
	else
		awk -F: -v c="$2" '$2 ~ "(^|,)"c"(,|$)" {print $3}' "/proc/$1/cgroup"
	fi
}

# cgroup_limits_in_container: a shell command that prints, inside a
# container with its own cgroup at the top of its /sys/fs/cgroup (v1's
# per-controller mounts, v2's private cgroup namespace), its memory limit
# in bytes, its CPU quota in us and its pids limit, one per line.
cgroup_limits_in_container() {
	if cgroup_v2; then
		echo 'cat /sys/fs/cgroup/memory.max; cut -d" " -f1 /sys/fs/cgroup/cpu.max; cat /sys/fs/cgroup/pids.max'
	else
		echo 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/pids/pids.max'
	fi
}

# slow_plugin: a CNI plugin (slowplug, in $TEST_TMP/plugins) that holds its
# ADD until $SLOW_DIR/go exists ($SLOW_DIR/adding says it is there, its PID
# in $SLOW_DIR/plugin.pid) and fails it if $SLOW_DIR/fail does; and
# TEST_NET_ARGS for a config dir of the test's own with it on the path.
slow_plugin() {
	mkdir -p "$TEST_TMP/cni" "$TEST_TMP/plugins" "$TEST_TMP/slow"
	TEST_NET_ARGS=(--network-config-dir "$TEST_TMP/cni" --cni-plugin-dir "$TEST_TMP/plugins" --cni-plugin-dir /usr/lib/cni)
	cat >"$TEST_TMP/plugins/slowplug" <<-'EOF'
		#!/bin/sh
		in=$(cat)
		[ "$CNI_COMMAND" = ADD ] || exit 0
		echo $$ >"$SLOW_DIR/plugin.pid"
		touch "$SLOW_DIR/adding"
		i=0
		while [ ! -e "$SLOW_DIR/go" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
		if [ -e "$SLOW_DIR/fail" ]; then
			echo '{"cniVersion": "0.4.0", "code": 999, "msg": "slowplug says no"}'
			exit 1
		fi
		# Pass the bridge's result on (libcni sorts the keys it injects).
		printf '%s' "$in" | sed 's/.*"prevResult":\(.*\),"type":"slowplug".*/\1/'
	EOF
	chmod +x "$TEST_TMP/plugins/slowplug"
	export SLOW_DIR=$TEST_TMP/slow
}

# slow_chain CONFLIST [last]: puts slowplug in CONFLIST's chain right after
# the bridge, or last (after the firewall's rules are in).
slow_chain() {
	local f=$1 where=${2:-second}
	if [ "$where" = last ]; then
		jq '.plugins += [{"type": "slowplug"}]' "$f" >"$f.new"
	else
		jq '.plugins = [.plugins[0], {"type": "slowplug"}] + .plugins[1:]' "$f" >"$f.new"
	fi
	mv "$f.new" "$f"
}

# test_network NAME [create flags...]: a network of the test's own, in a
# subnet of 10.231.0.0/16 no network uses; removed by teardown. With
# TEST_NET_ARGS naming $TEST_TMP/cni as the config dir, it is made there.
test_network() {
	local name=$1 i
	shift
	for i in $(seq 0 255); do
		if ! grep -qs "\"10\.231\.$i\.0/24\"" /etc/cni/net.d/*.conflist "$TEST_TMP"/cni/*.conflist; then
			run_ctr ctr-run "${TEST_NET_ARGS[@]}" network create --subnet "10.231.$i.0/24" "$@" "$name"
			TEST_NETWORKS+=("$name")
			return
		fi
	done
	return 1
}
