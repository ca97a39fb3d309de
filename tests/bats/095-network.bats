#!/usr/bin/env bats
# Networks on CNI (issue 13): the default bridge, published ports, named
# networks with names, podman on the same networks, nothing leaked. Traffic
# goes only to 127.0.0.0/8 and to addresses of containers and networks the
# test made (subnets in 10.231.0.0/16 it chooses and removes).

# shellcheck disable=SC2154 # run --separate-stderr sets stderr
# shellcheck disable=SC2030,SC2031 # each @test is a subshell: what it adds to REGISTRY_PIDS is its own
bats_require_minimum_version 1.5.0
load helpers

IMG=localhost/busybox:latest

# mount_namespace: a private mount namespace of the test's own, held by a
# process teardown stops by PID (NS_HOLDER); IN_NS runs a command in it.
mount_namespace() {
	unshare --mount --propagation private sleep 600 3>&- &
	NS_HOLDER=$!
	REGISTRY_PIDS+=("$NS_HOLDER")
	until_true 10 '[ "$(readlink "/proc/$NS_HOLDER/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ]'
	IN_NS=(nsenter -t "$NS_HOLDER" -m --)
}

# pinned_netns: the network namespaces ctr has pinned.
pinned_netns() {
	find /run/netns -maxdepth 1 -name 'ctr-*' 2>/dev/null | sort
}

# leaks NETWORK: what a container attached to NETWORK leaves if it is not
# detached: pinned namespaces, veths, the network's leases, iptables rules
# (without counters).
leaks() {
	pinned_netns
	ip -o link show type veth | awk -F': ' '{print $2}' | sort
	find "/var/lib/cni/networks/$1" -type f ! -name lock ! -name 'last_reserved_ip*' 2>/dev/null | sort
	iptables-save | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//' | sort
}

# GET HOST [PORT]: a shell command for a container that fetches / from
# HOST with nc (busybox's static wget dies of SIGSEGV on some failures here
# instead of exiting 1; nc is plain sockets).
GET() {
	printf '%s' "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 $1 ${2:-80}"
}

# httpd_container NAME [run flags...]: busybox httpd on port 80 serving
# "hello from NAME", detached; waits until it listens.
httpd_container() {
	local name=$1
	shift
	run_ctr ctr-run "${STORAGE[@]}" -d --name "$name" "$@" "$IMG" sh -c "mkdir -p /w && echo 'hello from $name' > /w/index.html && exec httpd -f -p 80 -h /w"
	local _
	for _ in $(seq 50); do
		ctr-run "${STORAGE[@]}" exec "$name" sh -c 'netstat -ltn | grep -q ":80 "' && return 0
		sleep 0.1
	done
	return 1
}

# bats test_tags=smoke
@test "network: -p publishes on the host, -P picks free ports for EXPOSE, port prints them" {
	local_busybox
	local port
	port=$(free_port)
	httpd_container web -p "127.0.0.1:$port:80"
	run curl -s -m 10 "http://127.0.0.1:$port/"
	[ "$status" -eq 0 ]
	expect_output "hello from web"
	run_ctr ctr-run "${STORAGE[@]}" port web
	expect_output "80/tcp -> 127.0.0.1:$port"
	run_ctr ctr-run "${STORAGE[@]}" port web 80
	expect_output "127.0.0.1:$port"
	# -P: an image that exposes 80 and 81/udp.
	mkdir -p "$TEST_TMP/ctx"
	printf 'FROM %s\nEXPOSE 80 81/udp\n' "$IMG" >"$TEST_TMP/ctx/Containerfile"
	run_ctr ctr-build "${STORAGE[@]}" -q -t localhost/exposed "$TEST_TMP/ctx"
	run_ctr ctr-run "${STORAGE[@]}" -d --name all -P localhost/exposed sh -c 'mkdir -p /w && echo hello-all > /w/index.html && exec httpd -f -p 80 -h /w'
	run_ctr ctr-run "${STORAGE[@]}" port all
	[ "${#lines[@]}" -eq 2 ]
	expect_match "80/tcp -> 0.0.0.0:[0-9]+"
	expect_match "81/udp -> 0.0.0.0:[0-9]+"
	port=$(ctr-run "${STORAGE[@]}" port all 80 | cut -d: -f2)
	local _
	for _ in $(seq 50); do curl -s -m 2 "http://127.0.0.1:$port/" | grep -q hello-all && break; sleep 0.1; done
	run curl -s -m 10 "http://127.0.0.1:$port/"
	expect_output "hello-all"
	run_ctr ctr-run "${STORAGE[@]}" rm -f web all
}

@test "network: a published host port is held while its container runs: a second container asking for it is refused, and gets it once the first has stopped" {
	local_busybox
	local port
	port=$(free_port)
	httpd_container first -p "127.0.0.1:$port:80"
	run --separate-stderr ctr-run "${STORAGE[@]}" -d --name second -p "127.0.0.1:$port:80" "$IMG" sleep 100
	[ "$status" -eq 125 ]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[[ $stderr == *"address already in use"* ]]
	[ -z "$(ctr-run "${STORAGE[@]}" ps -a --json | jq -r 'select(.name == "second") | .id')" ]
	# Held, not only checked: a program on the host cannot bind it either,
	# and the container still answers there.
	run timeout 2 busybox nc -l -p "$port"
	[ "$status" -ne 124 ]
	[[ $output == *"in use"* ]]
	run curl -s --max-time 5 "http://127.0.0.1:$port/"
	[ "$output" = "hello from first" ]
	# Stopped, the port is free at once; started again, it is held again.
	run_ctr ctr-run "${STORAGE[@]}" stop -t 0 first
	run_ctr ctr-run "${STORAGE[@]}" -d --name second -p "127.0.0.1:$port:80" "$IMG" sleep 100
	run --separate-stderr ctr-run "${STORAGE[@]}" start first
	[ "$status" -eq 125 ]
	[[ $stderr == *"address already in use"* ]]
	run_ctr ctr-run "${STORAGE[@]}" rm -f second
	run_ctr ctr-run "${STORAGE[@]}" start first
	run --separate-stderr ctr-run "${STORAGE[@]}" --rm -p "127.0.0.1:$port:80" "$IMG" true
	[ "$status" -eq 125 ]
	# A UDP port the same way.
	run_ctr ctr-run "${STORAGE[@]}" -d --name udp1 -p "127.0.0.1:$port:53/udp" "$IMG" sleep 100
	run --separate-stderr ctr-run "${STORAGE[@]}" -d --name udp2 -p "127.0.0.1:$port:53/udp" "$IMG" sleep 100
	[ "$status" -eq 125 ]
	run_ctr ctr-run "${STORAGE[@]}" rm -f first udp1
}

@test "network: a container reaches a server on its network's gateway (the outbound path)" {
	local_busybox
	test_network outnet
	local gw
	gw=$(ctr-run network inspect outnet | jq -r '.subnets[0].gateway')
	# The bridge exists once a container is attached.
	run_ctr ctr-run "${STORAGE[@]}" -d --name holder --network outnet "$IMG" sleep 100
	mkdir -p "$TEST_TMP/www"
	echo "from the host" >"$TEST_TMP/www/index.html"
	local port
	port=$(free_port)
	busybox httpd -f -p "$gw:$port" -h "$TEST_TMP/www" 3>&- &
	REGISTRY_PIDS+=($!)
	run_ctr ctr-run "${STORAGE[@]}" --rm --network outnet "$IMG" sh -c "$(GET "$gw" "$port")"
	expect_match "from the host"
	run_ctr ctr-run "${STORAGE[@]}" rm -f holder
}

@test "network: containers on one named network reach each other by name; another network's cannot" {
	local_busybox
	test_network nameda
	test_network namedb
	httpd_container alpha --network nameda
	run_ctr ctr-run "${STORAGE[@]}" --rm --name beta --network nameda "$IMG" sh -c "$(GET alpha)"
	expect_match "hello from alpha"
	# alpha learns of a container that joined after it, while it runs.
	run_ctr ctr-run "${STORAGE[@]}" -d --name gamma --network nameda "$IMG" sleep 100
	run_ctr ctr-run "${STORAGE[@]}" exec alpha grep -c gamma /etc/hosts
	expect_output 1
	run_ctr ctr-run "${STORAGE[@]}" rm -f gamma
	run_ctr 1 ctr-run "${STORAGE[@]}" exec alpha grep -c gamma /etc/hosts
	expect_output 0
	# Another network: no name for alpha (its address is routed, as
	# between podman 4.3's CNI networks without isolate).
	run_ctr ctr-run "${STORAGE[@]}" --rm --network namedb "$IMG" sh -c "grep -c alpha /etc/hosts; $(GET alpha); echo status \$?"
	expect_match "^0"
	[[ $output != *"hello from alpha"* ]]
	expect_match "status 1"
	# In use: the network stays.
	run_ctr 64 ctr-run "${STORAGE[@]}" network rm nameda
	expect_match "used by container alpha"
	run_ctr ctr-run "${STORAGE[@]}" rm -f alpha
}

@test "network: a ctr container and a podman container on the default network reach each other; podman sees ctr's networks" {
	requires podman
	local_busybox
	httpd_container cweb
	local cip pip
	cip=$(ctr-run "${STORAGE[@]}" exec cweb sh -c "ip -4 -o addr show eth0 | awk '{print \$4}' | cut -d/ -f1")
	run podman_t run --rm "$IMG" sh -c "$(GET "$cip")"
	echo "podman run: $status: $output"
	[ "$status" -eq 0 ]
	expect_match "hello from cweb"
	run podman_t run -d --name pweb "$IMG" sh -c 'mkdir -p /w && echo hello-podman > /w/index.html && exec httpd -f -p 80 -h /w'
	[ "$status" -eq 0 ]
	pip=$(podman_t inspect --format '{{.NetworkSettings.IPAddress}}' pweb)
	local _
	for _ in $(seq 50); do
		podman_t exec pweb sh -c 'netstat -ltn | grep -q ":80 "' && break
		sleep 0.1
	done
	run_ctr ctr-run "${STORAGE[@]}" --rm "$IMG" sh -c "$(GET "$pip")"
	expect_match "hello-podman"
	podman_t rm -f pweb >/dev/null
	test_network shared
	run podman_t network ls --format '{{.Name}}'
	expect_match "shared"
	run podman_t network inspect shared
	[ "$(jq -r '.[0].subnets[0].subnet' <<<"$output")" = "$(ctr-run network inspect shared | jq -r '.subnets[0].subnet')" ]
	run_ctr ctr-run "${STORAGE[@]}" rm -f cweb
}

@test "network: on a machine just booted, podman's first run beside a ctr container leaves it removable; nothing left" {
	requires podman unshare nsenter
	local_busybox
	# A fresh boot's state, as far as networks go: a mount namespace of the
	# test's own (held by a process it stops by PID) with a new /run, where
	# /run/netns does not exist and podman has never run.
	mount_namespace
	local holder=$NS_HOLDER in_ns=("${IN_NS[@]}")
	# A failed test's container is removed where its namespace is pinned.
	TEST_CLEANUP+=("${in_ns[*]} ctr-run ${STORAGE[*]} rm -f cweb")
	# What the host has mounted below /run (its /run/netns when podman ran
	# here) goes from that namespace only; then /run is new and empty.
	"${in_ns[@]}" sh -c 'findmnt -rn -o TARGET | grep "^/run/" | sort -r | xargs -r -n1 umount -l; mount -t tmpfs tmpfs /run'
	run "${in_ns[@]}" find /run -mindepth 1
	[ "$status" -eq 0 ] && [ -z "$output" ]
	leaks podman >"$TEST_TMP/before"
	run_ctr "${in_ns[@]}" ctr-run "${STORAGE[@]}" -d --name cweb "$IMG" sleep 100
	# ctr made the directory a shared mount point of its own before it
	# pinned the namespace, as podman and ip-netns would.
	run "${in_ns[@]}" findmnt -n -o PROPAGATION -M /run/netns
	expect_output shared
	podman_cmd
	run_ctr "${in_ns[@]}" "${PODMAN[@]}" run --rm "$IMG" true
	run "${in_ns[@]}" findmnt -n -o TARGET -M /run/netns
	[ "${#lines[@]}" -eq 1 ]
	run_ctr "${in_ns[@]}" ctr-run "${STORAGE[@]}" rm -f cweb
	run "${in_ns[@]}" find /run/netns -mindepth 1
	[ "$status" -eq 0 ] && [ -z "$output" ]
	run "${in_ns[@]}" grep -c ' /run/netns/' /proc/self/mountinfo
	[ "$output" = 0 ]
	leaks podman >"$TEST_TMP/after"
	diff "$TEST_TMP/before" "$TEST_TMP/after"
}

@test "network: a container removed from where its pinned namespace cannot be seen leaves no masquerading rule behind" {
	requires unshare nsenter
	local_busybox
	mount_namespace
	local holder=$NS_HOLDER in_ns=("${IN_NS[@]}")
	"${in_ns[@]}" mount -t tmpfs tmpfs /run
	leaks podman >"$TEST_TMP/before"
	run_ctr "${in_ns[@]}" ctr-run "${STORAGE[@]}" -d --name hidden "$IMG" sleep 100
	local id
	id=$(ctr-run "${STORAGE[@]}" inspect hidden | jq -r .id)
	run iptables-save -t nat
	[[ $output == *"id: \\\"$id"* ]]
	# Here the pin's path does not exist: the bridge plugin finds no
	# address to stop masquerading; ctr removes its rules itself.
	run_ctr ctr-run "${STORAGE[@]}" rm -f hidden
	run iptables-save -t nat
	[[ $output != *"$id"* ]]
	# The namespace (and its veth) goes with the last mount holding it.
	kill "$holder"
	wait "$holder" || true
	until_true 10 '[ -z "$(ip -o link show type veth)" ] || diff "$TEST_TMP/before" <(leaks podman) >/dev/null'
	leaks podman >"$TEST_TMP/after"
	diff "$TEST_TMP/before" "$TEST_TMP/after"
}

@test "network: container:ID shares the namespace; ns:PATH joins one" {
	local_busybox
	run_ctr ctr-run "${STORAGE[@]}" -d --name first "$IMG" sleep 100
	local a b
	a=$(ctr-run "${STORAGE[@]}" exec first ip -o link show eth0 | awk '{print $17}')
	run_ctr ctr-run "${STORAGE[@]}" --rm --network container:first "$IMG" ip -o link show eth0
	b=$(awk '{print $17}' <<<"$output")
	[ -n "$a" ] && [ "$a" = "$b" ]
	local ns
	ns=$(jq -r .state.netns "$TEST_TMP/root/ctr/$(ctr-run "${STORAGE[@]}" inspect first | jq -r .id)/network.json")
	run_ctr ctr-run "${STORAGE[@]}" --rm --network "ns:$ns" "$IMG" ip -o link show eth0
	[ "$(awk '{print $17}' <<<"$output")" = "$a" ]
	run_ctr ctr-run "${STORAGE[@]}" rm -f first
	run_ctr 2 ctr-run "${STORAGE[@]}" --rm --network container:first "$IMG" true
}

@test "network: 30 containers started and removed leave nothing; nor do killed monitors after rm -f" {
	local_busybox
	test_network leaknet
	# A first container makes what stays for good: the bridge, the
	# plugins' base chains.
	run_ctr ctr-run "${STORAGE[@]}" --rm --network leaknet "$IMG" true
	run_ctr ctr-run "${STORAGE[@]}" --rm "$IMG" true
	leaks leaknet >"$TEST_TMP/before"
	leaks podman >>"$TEST_TMP/before"
	local n ids=()
	for n in $(seq 30); do
		if [ $((n % 2)) -eq 0 ]; then
			ids+=("$(ctr-run "${STORAGE[@]}" -d --network leaknet -p "127.0.0.1::80" "$IMG" sleep 100)")
		else
			ids+=("$(ctr-run "${STORAGE[@]}" -d "$IMG" sleep 100)")
		fi
	done
	[ "$(pinned_netns | wc -l)" -ge 30 ]
	run_ctr ctr-run "${STORAGE[@]}" rm -f "${ids[@]}"
	leaks leaknet >"$TEST_TMP/after"
	leaks podman >>"$TEST_TMP/after"
	diff "$TEST_TMP/before" "$TEST_TMP/after"
	# Monitors killed: rm -f still releases everything.
	ids=()
	for n in $(seq 5); do
		ids+=("$(ctr-run "${STORAGE[@]}" -d --network leaknet -p "127.0.0.1::80" "$IMG" sleep 100)")
	done
	for n in "${ids[@]}"; do kill -9 "$(monitor_pid "$n")"; done
	run_ctr ctr-run "${STORAGE[@]}" rm -f "${ids[@]}"
	leaks leaknet >"$TEST_TMP/after"
	leaks podman >>"$TEST_TMP/after"
	diff "$TEST_TMP/before" "$TEST_TMP/after"
	# ctr-run itself killed: the monitor's clean-up detaches its container.
	local pid
	ctr-run "${STORAGE[@]}" --rm --name fgkill --network leaknet -p "127.0.0.1::80" "$IMG" sleep 2 >/dev/null 3>&- &
	pid=$!
	until_true 20 '[ -n "$(ctr-run "${STORAGE[@]}" ps --json | jq -r "select(.name == \"fgkill\") | .id")" ]'
	kill -9 "$pid"
	wait "$pid" || true
	until_true 20 '[ -z "$(ctr-run "${STORAGE[@]}" ps -a --json | jq -r "select(.name == \"fgkill\") | .id")" ]'
	leaks leaknet >"$TEST_TMP/after"
	leaks podman >>"$TEST_TMP/after"
	diff "$TEST_TMP/before" "$TEST_TMP/after"
	# A container that exits by itself, detached: its monitor's clean-up
	# detaches it.
	run_ctr ctr-run "${STORAGE[@]}" -d --name brief --network leaknet "$IMG" true
	run_ctr ctr-monitor --root "$TEST_TMP/root" --runroot "$TEST_TMP/runroot" wait brief
	until_true 30 '[ -z "$(pinned_netns)" ]' || {
		# Whose namespace it is, and what still runs, for the log.
		pinned_netns | while read -r n; do grep -rl "$(basename "$n")" "$TEST_TMP/root/ctr" "$TEST_TMP/runroot/ctr" 2>/dev/null; done
		pgrep -af "ctr-(run|monitor|runtime)|/cni/" || true
		false
	}
	run_ctr ctr-run "${STORAGE[@]}" rm brief
}

@test "network: found by ID, name or unique ID prefix; an ambiguous prefix is 64 and says so" {
	mkdir -p "$TEST_TMP/cni"
	TEST_NET_ARGS=(--network-config-dir "$TEST_TMP/cni")
	# A network's ID is the SHA-256 of its name (podman's): pick two names
	# whose IDs share 2 digits, and a third whose 2 are nobody else's.
	local -A seen=([$(printf podman | sha256sum | cut -c1-2)]=podman)
	local a="" b="" c="" n p
	for n in $(seq 2000); do
		p=$(printf 'lk%s' "$n" | sha256sum | cut -c1-2)
		if [ -z "$a" ] && [ -n "${seen[$p]:-}" ] && [ "${seen[$p]}" != podman ]; then
			a=${seen[$p]} b=lk$n
		elif [ -n "$a" ] && [ -z "${seen[$p]:-}" ]; then
			c=lk$n
			break
		fi
		seen[$p]=lk$n
	done
	test_network "$a"
	test_network "$b"
	test_network "$c"
	local ida idc
	ida=$(printf '%s' "$a" | sha256sum | cut -c1-64)
	idc=$(printf '%s' "$c" | sha256sum | cut -c1-64)
	run_ctr ctr-run "${TEST_NET_ARGS[@]}" network inspect "$ida"
	[ "$(jq -r .name <<<"$output")" = "$a" ]
	run_ctr ctr-run "${TEST_NET_ARGS[@]}" network inspect "${ida:0:12}"
	[ "$(jq -r .name <<<"$output")" = "$a" ]
	# Two characters are enough when only one ID begins with them.
	run_ctr ctr-run "${TEST_NET_ARGS[@]}" network inspect "${idc:0:2}"
	[ "$(jq -r .name <<<"$output")" = "$c" ]
	run --separate-stderr ctr-run "${TEST_NET_ARGS[@]}" network rm "${ida:0:2}"
	[ "$status" -eq 64 ]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[[ $stderr == *"network ID prefix \"${ida:0:2}\" is ambiguous: 2 IDs begin with it"* ]]
	run_ctr ctr-run "${TEST_NET_ARGS[@]}" network inspect "$a" "$b"
}

@test "network: bad input is one line and its exit code, and leaves nothing" {
	local_busybox
	test_network badnet
	local port _
	port=$(free_port)
	busybox httpd -f -p "127.0.0.1:$port" -h "$TEST_TMP" 3>&- &
	REGISTRY_PIDS+=($!)
	for _ in $(seq 50); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
	run --separate-stderr ctr-run "${STORAGE[@]}" --rm --name taken -p "127.0.0.1:$port:80" "$IMG" true
	[ "$status" -eq 125 ]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[[ $stderr == *"in use"* ]]
	run_ctr 2 ctr-run "${STORAGE[@]}" --rm --network nosuchnet "$IMG" true
	expect_match 'no such network "nosuchnet"'
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --network none -p 80 "$IMG" true
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm -p 80:99999 "$IMG" true
	run_ctr 64 ctr-run network create --subnet 10.231.300.0/24 bad1
	run_ctr 64 ctr-run network create --subnet "$(ctr-run network inspect badnet | jq -r '.subnets[0].subnet')" bad2
	expect_match "overlaps"
	run_ctr 64 ctr-run network create 'bad name'
	run_ctr 64 ctr-run network rm podman
	run_ctr 2 ctr-run network rm nosuchnet
	[ ! -e /etc/cni/net.d/bad1.conflist ] && [ ! -e /etc/cni/net.d/bad2.conflist ]
	run_ctr ctr-run "${STORAGE[@]}" ps -a
	[ "${#lines[@]}" -eq 1 ]
	[ -z "$(pinned_netns)" ]
}

@test "network: a config whose network name is not a name is skipped with one warning, never used as a path" {
	mkdir -p "$TEST_TMP/cni" "$TEST_TMP/probe/victim"
	TEST_NET_ARGS=(--network-config-dir "$TEST_TMP/cni")
	local evil=../../../..$TEST_TMP/probe/victim
	jq -n --arg n "$evil" '{cniVersion: "0.4.0", name: $n, plugins: [{type: "bridge", bridge: "cni-evil0", ipam: {type: "host-local", ranges: [[{subnet: "10.231.250.0/24"}]]}}]}' >"$TEST_TMP/cni/evil.conflist"
	run --separate-stderr ctr-run "${TEST_NET_ARGS[@]}" network ls -q
	[ "$status" -eq 0 ]
	expect_output podman
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[[ $stderr == *"evil.conflist"* ]]
	run_ctr 2 ctr-run "${TEST_NET_ARGS[@]}" network rm "$evil"
	run_ctr ctr-run "${TEST_NET_ARGS[@]}" network prune
	[ -d "$TEST_TMP/probe/victim" ]
	[ -f "$TEST_TMP/cni/evil.conflist" ]
}

@test "network: rm and prune keep a network a stopped container names; create refuses loopback and the host's own subnets" {
	local_busybox
	test_network keptnet
	run_ctr ctr-run "${STORAGE[@]}" --name sleeper --network keptnet "$IMG" true
	run --separate-stderr ctr-run "${STORAGE[@]}" network rm keptnet
	[ "$status" -eq 64 ]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[[ $stderr == *sleeper* ]]
	run_ctr ctr-run "${STORAGE[@]}" network prune
	[[ $output != *keptnet* ]]
	# It starts again on it.
	run_ctr ctr-run "${STORAGE[@]}" start sleeper
	run_ctr ctr-run "${STORAGE[@]}" rm -f sleeper
	run_ctr ctr-run "${STORAGE[@]}" network rm keptnet
	expect_output keptnet
	run --separate-stderr ctr-run network create --subnet 127.0.0.0/24 lonet
	[ "$status" -eq 64 ]
	[[ $stderr == *127.0.0.0/24* ]]
	local own
	own=$(ip -4 -o addr show scope global | awk '$2 !~ /^(cni-|veth)/ {print $4; exit}')
	if [ -n "$own" ]; then
		run --separate-stderr ctr-run network create --subnet "$own" hostnet
		[ "$status" -eq 64 ]
		[ "$(wc -l <<<"$stderr")" -eq 1 ]
	fi
	run_ctr ctr-run network ls -q
	[[ $output != *lonet* ]] && [[ $output != *hostnet* ]]
}

@test "network: --ip, --mac-address, two networks, --no-hosts" {
	local_busybox
	test_network fixednet
	test_network secondnet
	local sub
	sub=$(ctr-run network inspect fixednet | jq -r '.subnets[0].subnet' | cut -d. -f1-3)
	run_ctr ctr-run "${STORAGE[@]}" --rm --network fixednet --ip "$sub.77" --mac-address 02:42:ac:11:00:77 "$IMG" \
		sh -c 'ip -4 -o addr show eth0 | awk "{print \$4}"; cat /sys/class/net/eth0/address'
	expect_output "$(printf '%s\n%s' "$sub.77/24" 02:42:ac:11:00:77)"
	run_ctr ctr-run "${STORAGE[@]}" --rm --network fixednet,secondnet "$IMG" ls /sys/class/net
	expect_output "$(printf 'eth0\neth1\nlo')"
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --network fixednet,secondnet --ip "$sub.78" "$IMG" true
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --ip 300.1.1.1 "$IMG" true
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --mac-address nomac "$IMG" true
	# The image's /etc/hosts, untouched.
	run_ctr ctr-run "${STORAGE[@]}" --rm --no-hosts "$IMG" sh -c 'cat /etc/hosts 2>&1; mount | grep -c " /etc/hosts " || true'
	[[ $output != *host.containers.internal* ]]
	[ "${lines[-1]}" = 0 ]
	# A network removed leaves no lease directory and no lock (--ip took
	# the one fixednet's overlapped DELs hold).
	run_ctr ctr-run network rm fixednet
	[ ! -e /var/lib/cni/networks/fixednet ]
	[ ! -e /var/lib/cni/ctr-locks/fixednet.lock ]
}

@test "network: a build's RUN steps get a bridge of their own (the host's loopback is out of reach), as podman build's" {
	local_busybox
	mkdir -p "$TEST_TMP/www" "$TEST_TMP/ctx"
	echo "host loopback" >"$TEST_TMP/www/index.html"
	local port
	port=$(free_port)
	busybox httpd -f -p "127.0.0.1:$port" -h "$TEST_TMP/www" 3>&- &
	REGISTRY_PIDS+=($!)
	local _
	for _ in $(seq 50); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
	printf 'FROM %s\nRUN (%s || true) > /got; ip -o link show eth0 2>/dev/null | grep -c eth0 > /eth0 || true\n' "$IMG" "$(GET 127.0.0.1 "$port")" >"$TEST_TMP/ctx/Containerfile"
	run_ctr ctr-build "${STORAGE[@]}" -q -t localhost/bridged "$TEST_TMP/ctx"
	run_ctr ctr-run "${STORAGE[@]}" --rm --network none localhost/bridged cat /got /eth0
	[[ $output != *"host loopback"* ]]
	expect_match "1$"
	run_ctr ctr-build "${STORAGE[@]}" -q --network host --no-cache -t localhost/hosted "$TEST_TMP/ctx"
	run_ctr ctr-run "${STORAGE[@]}" --rm --network none localhost/hosted cat /got
	expect_match "host loopback"
	[ -z "$(pinned_netns)" ]
}

@test "network: connects at once each get an interface of their own; connects racing stop -t 0 and rm -f leave nothing behind" {
	local_busybox
	test_network racea
	test_network raceb
	test_network racec
	local n
	for n in racea raceb racec; do leaks "$n"; done >"$TEST_TMP/before"
	run_ctr ctr-run "${STORAGE[@]}" -d --name racer --network racea "$IMG" sleep 100
	local p1 p2
	ctr-run "${STORAGE[@]}" network connect raceb racer 2>"$TEST_TMP/c1.err" &
	p1=$!
	ctr-run "${STORAGE[@]}" network connect racec racer 2>"$TEST_TMP/c2.err" &
	p2=$!
	wait "$p1" || { cat "$TEST_TMP/c1.err"; false; }
	wait "$p2" || { cat "$TEST_TMP/c2.err"; false; }
	run_ctr ctr-run "${STORAGE[@]}" exec racer ls /sys/class/net
	expect_output "$(printf 'eth0\neth1\neth2\nlo')"
	run_ctr ctr-run "${STORAGE[@]}" exec racer ip -4 -o addr show
	[ "$(grep -c 'inet 10\.231\.' <<<"$output")" -eq 3 ]
	run_ctr ctr-run "${STORAGE[@]}" rm -f racer
	for n in racea raceb racec; do leaks "$n"; done >"$TEST_TMP/after"
	diff "$TEST_TMP/before" "$TEST_TMP/after"
	# A connect racing the container's end: attached before (and then
	# detached with the rest) or refused; nothing stays either way.
	local i id
	for i in 1 2 3; do
		id=$(ctr-run "${STORAGE[@]}" -d --network racea "$IMG" sleep 100)
		ctr-run "${STORAGE[@]}" network connect raceb "$id" 2>/dev/null &
		p1=$!
		ctr-run "${STORAGE[@]}" network connect racec "$id" 2>/dev/null &
		p2=$!
		if [ "$i" -eq 2 ]; then
			ctr-run "${STORAGE[@]}" rm -f "$id" >/dev/null
		else
			ctr-run "${STORAGE[@]}" stop -t 0 "$id" >/dev/null
		fi
		wait "$p1" || true
		wait "$p2" || true
		ctr-run "${STORAGE[@]}" rm -f "$id" >/dev/null 2>&1 || true
	done
	for n in racea raceb racec; do leaks "$n"; done >"$TEST_TMP/after"
	diff "$TEST_TMP/before" "$TEST_TMP/after"
	run_ctr ctr-run network rm raceb racec
}

@test "network: connect and disconnect a running container; prune removes only unused networks" {
	local_busybox
	test_network joinnet
	test_network idlenet
	run_ctr ctr-run "${STORAGE[@]}" -d --name mover "$IMG" sleep 100
	httpd_container peer --network joinnet
	run_ctr ctr-run "${STORAGE[@]}" network connect joinnet mover
	run_ctr ctr-run "${STORAGE[@]}" exec mover ls /sys/class/net
	expect_output "$(printf 'eth0\neth1\nlo')"
	run_ctr ctr-run "${STORAGE[@]}" exec mover sh -c "$(GET peer)"
	expect_match "hello from peer"
	run_ctr 64 ctr-run "${STORAGE[@]}" network connect joinnet mover
	run_ctr ctr-run "${STORAGE[@]}" network disconnect joinnet mover
	run_ctr ctr-run "${STORAGE[@]}" exec mover ls /sys/class/net
	expect_output "$(printf 'eth0\nlo')"
	run_ctr 1 ctr-run "${STORAGE[@]}" exec mover grep -c peer /etc/hosts
	run_ctr 2 ctr-run "${STORAGE[@]}" network disconnect joinnet mover
	run_ctr 2 ctr-run "${STORAGE[@]}" network connect nosuchnet mover
	# prune: idlenet goes; joinnet (peer is on it) and podman's default stay.
	run_ctr ctr-run "${STORAGE[@]}" network prune
	expect_match "idlenet"
	[[ $output != *joinnet* ]]
	run_ctr ctr-run network ls -q
	expect_match "joinnet"
	expect_match "podman"
	[[ $output != *idlenet* ]]
	run_ctr ctr-run "${STORAGE[@]}" rm -f mover peer
}

# slow_network [NAME [last]]: a network (slownet by default) in the test's
# own config dir whose chain has, right after the bridge (or last, after
# the firewall's rules are in), slow_plugin's plugin.
slow_network() {
	local name=${1:-slownet} where=${2:-second}
	slow_plugin
	test_network "$name"
	slow_chain "$TEST_TMP/cni/$name.conflist" "$where"
}

@test "network: a container is created while its plugins run; killing ctr-run then leaves nothing, nor does a plugin that fails" {
	local_busybox
	slow_network
	leaks slownet >"$TEST_TMP/before"
	# A working chain first: the container runs, with its address.
	touch "$SLOW_DIR/go"
	run_ctr ctr-run "${STORAGE[@]}" "${TEST_NET_ARGS[@]}" --rm --network slownet "$IMG" sh -c 'ip -4 -o addr show eth0; ip -o link show lo'
	expect_match "inet 10\.231\."
	expect_match "lo: <LOOPBACK,UP,LOWER_UP>"
	rm "$SLOW_DIR/go" "$SLOW_DIR/adding"
	local pid
	ctr-run "${STORAGE[@]}" "${TEST_NET_ARGS[@]}" --rm --name slow1 --network slownet "$IMG" sleep 100 >/dev/null 3>&- &
	pid=$!
	until_true 30 '[ -e "$SLOW_DIR/adding" ]'
	# The container is created (its runtime state is there) while the
	# plugins run, and not started.
	until_true 10 '[ -n "$(find "$TEST_TMP/runroot/ctr/runtime" -name state.json)" ]'
	local state
	state=$(find "$TEST_TMP/runroot/ctr/runtime" -name state.json)
	[ "$(ctr-runtime --root "$TEST_TMP/runroot/ctr/runtime" state "$(basename "$(dirname "$state")")" | jq -r .status)" = created ]
	kill -9 "$pid"
	wait "$pid" || true
	# Its monitor removes the unstarted container and cleans up (--rm).
	until_true 30 '[ -z "$(ctr-run "${STORAGE[@]}" ps -a --json | jq -r .id)" ]'
	touch "$SLOW_DIR/go"
	until_true 10 '! kill -0 "$(cat "$SLOW_DIR/plugin.pid")" 2>/dev/null'
	[ -z "$(find "$TEST_TMP/runroot/ctr/runtime" -name state.json)" ]
	leaks slownet >"$TEST_TMP/after"
	diff "$TEST_TMP/before" "$TEST_TMP/after"
	# A plugin that fails while the container is created: one line, 125,
	# and nothing left.
	touch "$SLOW_DIR/fail"
	run --separate-stderr ctr-run "${STORAGE[@]}" "${TEST_NET_ARGS[@]}" --rm --name slow2 --network slownet "$IMG" true
	[ "$status" -eq 125 ]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[[ $stderr == *"slowplug says no"* ]]
	run_ctr ctr-run "${STORAGE[@]}" ps -a --json
	[ -z "$output" ]
	[ -z "$(find "$TEST_TMP/runroot/ctr/runtime" -name state.json)" ]
	leaks slownet >"$TEST_TMP/after"
	diff "$TEST_TMP/before" "$TEST_TMP/after"
}

@test "network: ctr-run killed after the firewall's ADD, before the chain ends: the clean-up removes every rule (libcni cached no result)" {
	local_busybox
	slow_network slowlast last
	leaks slowlast >"$TEST_TMP/before"
	local pid
	ctr-run "${STORAGE[@]}" "${TEST_NET_ARGS[@]}" --rm --name slow3 --network slowlast -p "127.0.0.1::80" "$IMG" sleep 100 >/dev/null 3>&- &
	pid=$!
	until_true 30 '[ -e "$SLOW_DIR/adding" ]'
	# The bridge, portmap, firewall and tuning have added what they add.
	run iptables-save -t filter
	[[ $output == *"CNI-FORWARD -d 10.231."* ]]
	kill -9 "$pid"
	wait "$pid" || true
	touch "$SLOW_DIR/go"
	until_true 30 '[ -z "$(ctr-run "${STORAGE[@]}" ps -a --json | jq -r .id)" ]'
	until_true 10 '! kill -0 "$(cat "$SLOW_DIR/plugin.pid")" 2>/dev/null'
	leaks slowlast >"$TEST_TMP/after"
	diff "$TEST_TMP/before" "$TEST_TMP/after"
}
