#!/usr/bin/env bats
# ctr-run and ctr-runtime: flags checked from inside the container, exit
# codes, signals, terminals, lifecycle, interop.

bats_require_minimum_version 1.5.0
load helpers

IMG=localhost/busybox:latest

# bats test_tags=smoke
@test "run: podman's defaults inside the container" {
	local_busybox
	run_ctr ctr-run "${STORAGE[@]}" --rm "$IMG" sh -c 'grep -E "^(CapEff|CapBnd|Seccomp|NoNewPrivs):" /proc/self/status; cat /sys/fs/cgroup/pids/pids.max; cat /etc/hostname; id -u; pwd'
	expect_match "CapEff:	00000000800405fb"
	expect_match "CapBnd:	00000000800405fb"
	expect_match "Seccomp:	2"
	expect_match "NoNewPrivs:	0"
	expect_match $'\n2048\n'
	# Masked and read-only paths.
	run_ctr ctr-run "${STORAGE[@]}" --rm "$IMG" sh -c 'wc -c < /proc/keys; wc -c < /proc/timer_list; echo 1 > /proc/sys/kernel/panic 2>/dev/null && echo writable; true'
	expect_match $'^0\n0'
	[ "$(wc -c < /proc/timer_list)" -gt 0 ]
	[[ $output != *writable* ]]
	# /etc/hosts, /etc/resolv.conf are generated; rlimits clamped to the host's.
	run_ctr ctr-run "${STORAGE[@]}" --rm --hostname box "$IMG" sh -c 'cat /etc/hostname; grep box /etc/hosts; ulimit -Hn'
	expect_match "^box"
	# On podman's default network the name goes with the container's address.
	expect_match $'\n10\\.88\\.[0-9]+\\.[0-9]+\tbox ctr-'
	expect_match "$(ulimit -Hn)\$"
	run_ctr ctr-run "${STORAGE[@]}" --rm --network none --hostname box "$IMG" grep box /etc/hosts
	expect_output "127.0.1.1	box"
}

@test "run: capabilities, privileged, seccomp and no-new-privileges options" {
	local_busybox
	run_ctr ctr-run "${STORAGE[@]}" --rm --cap-add NET_RAW --cap-drop chown "$IMG" grep CapEff /proc/self/status
	expect_output "CapEff:	00000000800425fa"
	run_ctr ctr-run "${STORAGE[@]}" --rm --security-opt seccomp=unconfined --security-opt no-new-privileges "$IMG" grep -E "Seccomp:|NoNewPrivs" /proc/self/status
	expect_match "NoNewPrivs:	1"
	expect_match "Seccomp:	0"
	run_ctr ctr-run "${STORAGE[@]}" --rm --privileged "$IMG" sh -c 'grep Seccomp: /proc/self/status; grep -c . /proc/keys >/dev/null && echo keys-readable'
	expect_match "Seccomp:	0"
	expect_match "keys-readable"
	# The default profile refuses what it should.
	run_ctr 1 ctr-run "${STORAGE[@]}" --rm "$IMG" unshare -U true
	# A profile file.
	echo '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}' >"$TEST_TMP/seccomp.json"
	run_ctr ctr-run "${STORAGE[@]}" --rm --security-opt "seccomp=$TEST_TMP/seccomp.json" "$IMG" sh -c 'mkdir /tmp/x || echo refused; grep Seccomp: /proc/self/status'
	expect_match "refused"
	expect_match "Seccomp:	2"
	# --cidfile holds the ID; it must not exist yet.
	run_ctr ctr-run "${STORAGE[@]}" --rm --cidfile "$TEST_TMP/cid" "$IMG" true
	[[ $(cat "$TEST_TMP/cid") =~ ^[0-9a-f]{64}$ ]]
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --cidfile "$TEST_TMP/cid" "$IMG" true
}

@test "run: user, groups, env, workdir, entrypoint" {
	local_busybox
	# As podman: a user other than root has its primary group among its groups.
	run_ctr ctr-run "${STORAGE[@]}" --rm -u nobody "$IMG" id
	expect_output "uid=65534(nobody) gid=65534(nobody) groups=65534(nobody)"
	run_ctr ctr-run "${STORAGE[@]}" --rm "$IMG" id
	expect_output "uid=0(root) gid=0(root)"
	if command -v podman >/dev/null; then
		podman_cmd
		run_ctr "${PODMAN[@]}" run --rm --network none -u nobody "$IMG" id
		expect_output "uid=65534(nobody) gid=65534(nobody) groups=65534(nobody)"
	fi
	run_ctr ctr-run "${STORAGE[@]}" --rm -u 1234:nobody "$IMG" id
	expect_output "uid=1234 gid=65534(nobody) groups=65534(nobody)"
	echo "FROM_FILE=yes" >"$TEST_TMP/env"
	export HOST_VAR=passed
	run_ctr ctr-run "${STORAGE[@]}" --rm -e A=1 -e HOST_VAR --env-file "$TEST_TMP/env" -w /tmp "$IMG" sh -c 'echo $A $HOST_VAR $FROM_FILE; pwd; echo $PATH'
	expect_match "^1 passed yes"
	expect_match $'\n/tmp\n'
	run_ctr ctr-run "${STORAGE[@]}" --rm --entrypoint /bin/echo "$IMG" hello
	expect_output "hello"
	run_ctr 125 ctr-run "${STORAGE[@]}" --rm -u nosuchuser "$IMG" id
	expect_match "nosuchuser"
}

@test "run: volumes, mounts, tmpfs and a read-only root" {
	local_busybox
	mkdir -p "$TEST_TMP/vol"
	echo data >"$TEST_TMP/vol/file"
	run_ctr ctr-run "${STORAGE[@]}" --rm -v "$TEST_TMP/vol:/data" "$IMG" sh -c 'cat /data/file; echo new > /data/new'
	expect_output "data"
	[ "$(cat "$TEST_TMP/vol/new")" = new ]
	run_ctr ctr-run "${STORAGE[@]}" --rm -v "$TEST_TMP/vol:/data:ro" "$IMG" sh -c 'echo x > /data/x || echo read-only'
	expect_match "read-only"
	run_ctr ctr-run "${STORAGE[@]}" --rm --mount "type=bind,src=$TEST_TMP/vol,dst=/m,ro" --mount type=tmpfs,dst=/t --tmpfs /t2 "$IMG" \
		sh -c 'cat /m/file; grep -E " /t | /t2 " /proc/mounts | cut -d" " -f3 | sort -u'
	expect_output $'data\ntmpfs'
	run_ctr ctr-run "${STORAGE[@]}" --rm --read-only "$IMG" sh -c 'touch /x || echo ro-root; touch /tmp/x 2>/dev/null || echo tmp-ro'
	expect_match "ro-root"
	run_ctr 125 ctr-run "${STORAGE[@]}" --rm -v /nonexistent/ctr:/x "$IMG" true
	expect_match "volume source /nonexistent/ctr"
}

# bats test_tags=cgroup
@test "run: memory, cpus, pids and ulimit limits" {
	local_busybox
	run_ctr ctr-run "${STORAGE[@]}" --rm --memory 64m --cpus 0.5 --pids-limit 100 --ulimit nofile=500:600 "$IMG" sh -c \
		"$(cgroup_limits_in_container); ulimit -Sn; ulimit -Hn"
	expect_output $'67108864\n50000\n100\n500\n600'
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --memory lots "$IMG" true
	expect_match "--memory: invalid size"
}

# bats test_tags=cgroup
@test "run: --memory-swap (podman's default: as much swap as memory) and the block device throttles reach the cgroup" {
	local_busybox
	local dev mm majmin swap io
	dev=$(block_device)
	mm=$(stat -Lc '%t:%T' "$dev")
	majmin=$((16#${mm%:*})):$((16#${mm#*:}))
	if cgroup_v2; then
		swap=/sys/fs/cgroup/memory.swap.max io='cat /sys/fs/cgroup/io.max'
	else
		swap=/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes
		io='cat /sys/fs/cgroup/blkio/blkio.throttle.read_bps_device /sys/fs/cgroup/blkio/blkio.throttle.read_iops_device /sys/fs/cgroup/blkio/blkio.throttle.write_iops_device'
	fi
	run_ctr ctr-run "${STORAGE[@]}" --rm --network none --memory 64m --memory-swap 96m \
		--device-read-bps "$dev:1mb" --device-read-iops "$dev:50" --device-write-iops "$dev:100" "$IMG" sh -c "cat $swap; $io"
	if cgroup_v2; then
		# v2's swap limit is the swap alone: 96m - 64m.
		expect_output "33554432"$'\n'"$majmin rbps=1048576 wbps=max riops=50 wiops=100"
	else
		expect_output "100663296"$'\n'"$majmin 1048576"$'\n'"$majmin 50"$'\n'"$majmin 100"
	fi
	run_ctr ctr-run "${STORAGE[@]}" --rm --network none --memory 64m "$IMG" cat "$swap"
	if cgroup_v2; then expect_output 67108864; else expect_output 134217728; fi
	run_ctr ctr-run "${STORAGE[@]}" --rm --network none --memory 64m --memory-swap -1 "$IMG" cat "$swap"
	if cgroup_v2; then expect_output max; else [ "$output" -gt 1000000000000 ]; fi
	# Bad input: one line, 64, nothing run.
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --memory 64m --memory-swap 32m "$IMG" true
	expect_match "not less than the memory limit"
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --memory-swap 96m "$IMG" true
	expect_match "needs a memory limit"
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --device-read-bps /dev/null:1mb "$IMG" true
	expect_match "not a block device"
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --device-read-bps "$dev:fast" "$IMG" true
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --device-write-iops "$dev:0" "$IMG" true
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --device-write-bps "$dev" "$IMG" true
	run_ctr ctr-run "${STORAGE[@]}" ps -a --json
	[ -z "$output" ]
}

@test "run: network none and host" {
	local_busybox
	run_ctr ctr-run "${STORAGE[@]}" --rm --network none "$IMG" sh -c 'ls /sys/class/net'
	expect_output "lo"
	run_ctr ctr-run "${STORAGE[@]}" --rm --network host "$IMG" sh -c 'ls /sys/class/net | wc -l'
	[ "$output" -ge 1 ]
	[ "$(find /sys/class/net -mindepth 1 -maxdepth 1 | wc -l)" -eq "$output" ]
}

@test "run: --group-add, --add-host, --dns*, --shm-size, --sysctl, --device" {
	local_busybox
	run_ctr ctr-run "${STORAGE[@]}" --rm -u nobody --group-add root --group-add 4242 \
		--add-host db:10.1.2.3 --add-host v6:fd00::1 --dns 10.0.0.53 --dns 10.0.0.54 --dns-search example.test --dns-option ndots:2 \
		--shm-size 3m --sysctl kernel.shm_rmid_forced=1 --sysctl net.ipv4.ip_unprivileged_port_start=80 \
		$IMG sh -c 'id -G; grep -E "[[:space:]](db|v6)$" /etc/hosts; grep -v "^#" /etc/resolv.conf; df -k /dev/shm | tail -1 | awk "{print \$2}";
			cat /proc/sys/kernel/shm_rmid_forced /proc/sys/net/ipv4/ip_unprivileged_port_start'
	expect_output "$(printf '%s\n' '65534 0 4242' $'10.1.2.3\tdb' $'fd00::1\tv6' 'nameserver 10.0.0.53' 'nameserver 10.0.0.54' \
		'search example.test' 'options ndots:2' 3072 1 80)"
	# A device: there with --device, readable; writable only with w; absent without.
	run_ctr ctr-run "${STORAGE[@]}" --rm --device /dev/zero:/dev/myzero "$IMG" sh -c 'head -c 3 /dev/myzero | od -An -tx1; echo x > /dev/myzero && echo wrote'
	expect_output $' 00 00 00\nwrote'
	# PERMS: the cgroup rule decides. fuse (10:229) is not among the devices
	# every container may use (zero is), so without r it cannot be opened
	# for reading, and without w not for writing.
	mknod "$TEST_TMP/fuse" c 10 229
	chmod 666 "$TEST_TMP/fuse"
	run_ctr ctr-run "${STORAGE[@]}" --rm --device "$TEST_TMP/fuse:/dev/f:w" "$IMG" sh -c '(exec 3</dev/f) 2>&1; (exec 3>/dev/f) && echo write-open'
	expect_output $'sh: can\'t open /dev/f: Operation not permitted\nwrite-open'
	run_ctr ctr-run "${STORAGE[@]}" --rm --device "$TEST_TMP/fuse:/dev/f:r" "$IMG" sh -c '(exec 3</dev/f) && echo read-open; (exec 3>/dev/f) 2>&1; true'
	expect_output $'read-open\nsh: can\'t create /dev/f: Operation not permitted'
	run_ctr ctr-run "${STORAGE[@]}" --rm "$IMG" sh -c 'test -e /dev/myzero || echo absent'
	expect_output absent
	# Bad input: 64 for what ctr-run can check, 125 for what the host refuses.
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --add-host db:not-an-ip "$IMG" true
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --dns nowhere "$IMG" true
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --device /dev/zero:/dev/z:rwx "$IMG" true
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --sysctl kernel.shm_rmid_forced "$IMG" true
	run_ctr 125 ctr-run "${STORAGE[@]}" --rm --device /dev/nonexistent "$IMG" true
	expect_match "/dev/nonexistent"
	run_ctr 125 ctr-run "${STORAGE[@]}" --rm --device /etc/passwd "$IMG" true
	expect_match "not a device"
	run_ctr 125 ctr-run "${STORAGE[@]}" --rm --group-add nosuchgroup "$IMG" true
	expect_match "nosuchgroup"
	run_ctr 125 ctr-run "${STORAGE[@]}" --rm --sysctl vm.swappiness=10 "$IMG" true
}

@test "run: --pid, --ipc, --uts host share the host's namespaces (and /dev/shm, and its name)" {
	local_busybox
	local host mark=ctr-test-shm-$$
	local script="for n in pid ipc uts; do readlink /proc/self/ns/\$n; done; hostname"
	host=$(sh -c "$script")
	touch "/dev/shm/$mark"
	script+="; ls /dev/shm | grep -c $mark || true"
	run_ctr ctr-run "${STORAGE[@]}" --rm "$IMG" sh -c "$script"
	local own=$output
	run_ctr ctr-run "${STORAGE[@]}" --rm --pid host --ipc host --uts host "$IMG" sh -c "$script"
	rm -f "/dev/shm/$mark"
	expect_output "$host"$'\n1'
	# Each line differs without them.
	local i
	for i in 0 1 2 3 4; do
		[ "$(sed -n "$((i + 1))p" <<<"$own")" != "$(sed -n "$((i + 1))p" <<<"$output")" ]
	done
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --pid shared "$IMG" true
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --uts host --hostname x "$IMG" true
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --ipc host --shm-size 1m "$IMG" true
}

# bats test_tags=cgroup
@test "run: --cgroupns private shows the container its own cgroup as the root; host the host's paths; the default as podman's" {
	local_busybox
	# Each line of /proc/self/cgroup ends in the cgroup's path as the
	# container's cgroup namespace sees it.
	run_ctr ctr-run "${STORAGE[@]}" --rm --cgroupns private "$IMG" cat /proc/self/cgroup
	local private=$output
	[ -n "$private" ]
	run ! grep -v ':/$' <<<"$private"
	run_ctr ctr-run "${STORAGE[@]}" --rm --cgroupns host "$IMG" cat /proc/self/cgroup
	local host=$output
	grep -qv ':/$' <<<"$host"
	# podman's default: private on cgroup v2, host on v1.
	run_ctr ctr-run "${STORAGE[@]}" --rm "$IMG" cat /proc/self/cgroup
	if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
		[ "$output" = "$private" ]
	else
		grep -qv ':/$' <<<"$output"
		[ "$(wc -l <<<"$output")" -eq "$(wc -l <<<"$host")" ]
	fi
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --cgroupns shared "$IMG" true
}

@test "run: exit codes: the container's, 125, 126, 127, 2, 64" {
	local_busybox
	run_ctr 0 ctr-run "${STORAGE[@]}" --rm "$IMG" true
	run_ctr 3 ctr-run "${STORAGE[@]}" --rm "$IMG" sh -c 'exit 3'
	run_ctr 127 ctr-run "${STORAGE[@]}" --rm "$IMG" nosuchcommand
	expect_match "not found"
	run_ctr 126 ctr-run "${STORAGE[@]}" --rm "$IMG" /etc/passwd
	run_ctr 2 ctr-run "${STORAGE[@]}" --rm --pull never localhost/nothing:1 true
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --network 'no such!' "$IMG" true
	run_ctr 125 ctr-run "${STORAGE[@]}" --rm --runtime /nonexistent/runtime "$IMG" true
	# The init of a PID namespace cannot be killed from inside; a child can.
	run_ctr 137 ctr-run "${STORAGE[@]}" --rm "$IMG" sh -c 'sh -c "kill -9 \$\$"; exit $?'
}

@test "run: SIGTERM and SIGINT sent to ctr-run reach the container" {
	local_busybox
	local sig
	for sig in TERM INT; do
		ctr-run "${STORAGE[@]}" --rm "$IMG" sh -c "trap 'echo got-$sig; exit 42' $sig; echo ready; while :; do sleep 0.1; done" >"$TEST_TMP/out" &
		local pid=$!
		for _ in $(seq 100); do grep -q ready "$TEST_TMP/out" && break; sleep 0.05; done
		kill -$sig "$pid"
		local status=0
		wait "$pid" || status=$?
		[ "$status" -eq 42 ]
		grep -q "got-$sig" "$TEST_TMP/out"
	done
}

@test "run: --init runs catatonit as PID 1: it reaps orphans and passes SIGTERM to a command without a handler" {
	local_busybox
	run_ctr ctr-run "${STORAGE[@]}" --rm --init "$IMG" sh -c 'tr "\0" " " </proc/1/cmdline; echo; [ $$ != 1 ] && echo not-pid-1'
	expect_output $'/run/ctr-init -- sh -c tr "\\0" " " </proc/1/cmdline; echo; [ $$ != 1 ] && echo not-pid-1 \nnot-pid-1'
	# An orphan (its parent sh exits at once) is a zombie under a PID 1 that
	# never waits (sleep), and reaped under the init.
	local init want
	for init in "":1 --init:0; do
		run_ctr ctr-run "${STORAGE[@]}" -d ${init%:*} "$IMG" sh -c 'sh -c "sleep 0.2 &"; exec sleep 30'
		local id=$output
		sleep 1
		run_ctr ctr-run "${STORAGE[@]}" exec "$id" sh -c 'ps -o stat | grep -c "^Z" || true'
		want=${init#*:}
		expect_output "$want"
		run_ctr ctr-run "${STORAGE[@]}" rm -f "$id"
	done
	# sleep as PID 1 would ignore SIGTERM; under the init it dies of it.
	ctr-run "${STORAGE[@]}" --rm --init "$IMG" sleep 30 &
	local pid=$! status=0
	sleep 1
	kill -TERM "$pid"
	wait "$pid" || status=$?
	[ "$status" -eq 143 ]
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --init-path /bin/true "$IMG" true
	run_ctr 125 ctr-run "${STORAGE[@]}" --rm --init --init-path /nonexistent "$IMG" true
	expect_match "/nonexistent"
}

@test "run: stdin with -i, none without" {
	local_busybox
	run_ctr ctr-run "${STORAGE[@]}" --rm -i "$IMG" cat <<<"piped in"
	expect_output "piped in"
	run_ctr ctr-run "${STORAGE[@]}" --rm "$IMG" cat <<<"not passed"
	expect_output ""
}

@test "run: -t gives a terminal (real pty through tmux)" {
	requires tmux
	local_busybox
	local screen
	screen=$(on_terminal 100 30 "$CTR_BIN/ctr-run ${STORAGE[*]} --rm -t $IMG sh -c 'tty; stty size; echo \$TERM'")
	echo "$screen"
	expect_match "/dev/pts/0" "$screen"
	expect_match "30 100" "$screen"
	expect_match "xterm" "$screen"
	expect_match "EXIT=0" "$screen"
}

@test "run: the image from a pipe, and --pull missing pulls it" {
	start_registry REG
	push_busybox "$REG/bb:1"
	run_ctr bash -c "ctr-pull -q ${STORAGE[*]} $NOTLS $REG/bb:1 | ctr-run ${STORAGE[*]} --rm - echo hi"
	expect_output "hi"
	run_ctr ctr-run "${STORAGE[@]}" --rm -q "$NOTLS" "$REG/bb:1" echo again
	expect_output "again"
	push_busybox "$REG/other:1" --label x=1
	run_ctr ctr-run "${STORAGE[@]}" --rm -q "$NOTLS" "$REG/other:1" echo pulled
	expect_output "pulled"
}

@test "run: a pull goes through ctr-pull with the registry flags; its error and exit code are ctr-run's" {
	start_registry AUTH auth
	start_registry REG
	PUSH_CREDS=ctr:secret push_busybox "$AUTH/a:1"
	run_ctr 1 ctr-run "${STORAGE[@]}" --rm -q "$NOTLS" --creds ctr:wrong "$AUTH/a:1" true
	expect_match "^ctr-run: .*authentication required"
	[ "$(grep -c . <<<"$output")" -eq 1 ] # one error line
	[[ $output != *ctr-pull:* ]]
	[[ $output != *wrong* ]]
	run_ctr 2 ctr-run "${STORAGE[@]}" --rm -q "$NOTLS" "$REG/nothing:1" true
	expect_match "manifest unknown"
	# The password reaches ctr-pull through CTR_CREDS, which the user may set too.
	run_ctr env CTR_CREDS=ctr:secret ctr-run "${STORAGE[@]}" --rm -q "$NOTLS" "$AUTH/a:1" echo by-env
	expect_output "by-env"
	ctr-image "${STORAGE[@]}" rm "$AUTH/a:1" >/dev/null
	# Without -q, ctr-pull's progress is shown (on stderr) and the container's output follows.
	run_ctr ctr-run "${STORAGE[@]}" --rm "$NOTLS" --creds ctr:secret "$AUTH/a:1" echo by-flag
	expect_match "by-flag"
	expect_match "Copying|Writing|blob"
}

# bats test_tags=cgroup
@test "run: ps, exec, stop, inspect, rm" {
	local_busybox
	run_ctr 5 ctr-run "${STORAGE[@]}" --name "done" "$IMG" sh -c 'exit 5'
	ctr-run "${STORAGE[@]}" --name sleeper "$IMG" sh -c 'echo started; exec sleep 100' >"$TEST_TMP/out" &
	local pid=$!
	for _ in $(seq 100); do grep -q started "$TEST_TMP/out" && break; sleep 0.05; done
	run_ctr ctr-run "${STORAGE[@]}" ps
	expect_match "sleeper"
	[[ $output != *done* ]]
	# A containers/storage container: podman sees it as an external one.
	if command -v podman >/dev/null; then
		run podman_t ps --external --format '{{.Names}}'
		expect_match "sleeper"
	fi
	run_ctr ctr-run "${STORAGE[@]}" ps -a --json
	[ "$(jq -rs 'map(select(.name=="done"))[0].exitCode' <<<"$output")" = 5 ]
	[ "$(jq -rs 'map(select(.name=="sleeper"))[0].status' <<<"$output")" = running ]
	run_ctr ctr-run "${STORAGE[@]}" exec -u nobody -e X=1 -w /tmp sleeper sh -c 'id -u; echo $X; pwd'
	expect_output $'65534\n1\n/tmp'
	run_ctr 9 ctr-run "${STORAGE[@]}" exec sleeper sh -c 'exit 9'
	run_ctr ctr-run "${STORAGE[@]}" inspect sleeper
	[ "$(jq -r .status <<<"$output")" = running ]
	run_ctr 64 ctr-run "${STORAGE[@]}" rm sleeper
	run_ctr ctr-run "${STORAGE[@]}" stop -t 1 sleeper
	local status=0
	wait "$pid" || status=$?
	[ "$status" -eq 137 ]
	run_ctr ctr-run "${STORAGE[@]}" rm "done" sleeper
	run_ctr ctr-run "${STORAGE[@]}" ps -a
	[ "${#lines[@]}" -eq 1 ]
	run_ctr 2 ctr-run "${STORAGE[@]}" inspect sleeper
}

@test "run: stop sends the stop signal (--stop-signal, else the image's STOPSIGNAL, else TERM), SIGKILL after --stop-timeout; kill" {
	local_busybox
	local ctx=$TEST_TMP/ctx-stop n
	mkdir -p "$ctx"
	printf 'FROM %s\nSTOPSIGNAL SIGUSR1\n' "$IMG" >"$ctx/Containerfile"
	run_ctr ctr-build "${STORAGE[@]}" -q -t stopsig "$ctx"
	local script='trap "exit 10" USR1; trap "exit 11" QUIT; trap "exit 12" TERM; touch /tmp/ready; while :; do sleep 0.1; done'
	run_ctr ctr-run "${STORAGE[@]}" -d --name a localhost/stopsig sh -c "$script"
	run_ctr ctr-run "${STORAGE[@]}" -d --name b --stop-signal QUIT localhost/stopsig sh -c "$script"
	run_ctr ctr-run "${STORAGE[@]}" -d --name c "$IMG" sh -c "$script"
	run_ctr ctr-run "${STORAGE[@]}" -d --name d --stop-timeout 1 "$IMG" sh -c 'trap "" TERM; touch /tmp/ready; while :; do sleep 0.1; done'
	for n in a b c d; do
		for _ in $(seq 50); do ctr-run "${STORAGE[@]}" exec $n test -e /tmp/ready && break; sleep 0.1; done
	done
	run_ctr ctr-run "${STORAGE[@]}" stop a b c
	for n in a:10 b:11 c:12; do
		run_ctr ctr-run "${STORAGE[@]}" inspect "${n%:*}"
		[ "$(jq -r '.status + " " + (.exitCode | tostring)' <<<"$output")" = "exited ${n#*:}" ]
	done
	# d ignores SIGTERM: killed after its 1 s, not the default 10.
	SECONDS=0
	run_ctr ctr-run "${STORAGE[@]}" stop d
	[ "$SECONDS" -le 4 ]
	run_ctr ctr-run "${STORAGE[@]}" inspect d
	[ "$(jq -r '.exitCode' <<<"$output")" = 137 ]
	run_ctr ctr-run "${STORAGE[@]}" rm a b c d
	# kill: any signal, now; only to a running container.
	run_ctr ctr-run "${STORAGE[@]}" -d --name e "$IMG" sh -c 'trap "exit 13" USR2; touch /tmp/ready; while :; do sleep 0.1; done'
	for _ in $(seq 50); do ctr-run "${STORAGE[@]}" exec e test -e /tmp/ready && break; sleep 0.1; done
	run_ctr ctr-run "${STORAGE[@]}" kill -s USR2 e
	for _ in $(seq 50); do
		run_ctr ctr-run "${STORAGE[@]}" inspect e
		[ "$(jq -r .status <<<"$output")" = exited ] && break
		sleep 0.1
	done
	[ "$(jq -r .exitCode <<<"$output")" = 13 ]
	run_ctr 125 ctr-run "${STORAGE[@]}" kill e
	expect_match "not running"
	run_ctr 64 ctr-run "${STORAGE[@]}" kill -s NOPE e
	run_ctr ctr-run "${STORAGE[@]}" rm e
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --stop-signal SIGNOPE "$IMG" true
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --stop-timeout -1 "$IMG" true
}

# bats test_tags=cgroup
@test "run: ctr-run killed with -9 leaves nothing rm -f cannot clean" {
	local_busybox
	ctr-run "${STORAGE[@]}" --name victim "$IMG" sh -c 'echo started; exec sleep 100' >"$TEST_TMP/out" &
	local pid=$!
	for _ in $(seq 100); do grep -q started "$TEST_TMP/out" && break; sleep 0.05; done
	local id
	id=$(ctr-run "${STORAGE[@]}" inspect victim | jq -r .id)
	# The checks below see the container's mount and cgroups while it runs.
	[ -n "$(rootfs_mounts)" ]
	[ -n "$(container_cgroups "$id")" ]
	kill -9 "$pid"
	wait "$pid" || true
	run_ctr ctr-run "${STORAGE[@]}" rm -f victim
	# No mount, no runtime state, no cgroup, no bundle left.
	[ -z "$(rootfs_mounts)" ]
	[ ! -e "$TEST_TMP/runroot/ctr/runtime/$id" ]
	[ ! -e "$TEST_TMP/runroot/ctr/$id" ]
	[ ! -e "$TEST_TMP/root/ctr/$id" ]
	[ -z "$(container_cgroups "$id")" ]
	run_ctr ctr-run "${STORAGE[@]}" ps -a
	[ "${#lines[@]}" -eq 1 ]
}

# bats test_tags=cgroup
@test "runtime: podman --runtime ctr-runtime runs a container" {
	requires podman
	local_busybox
	run podman_t --runtime "$CTR_BIN/ctr-runtime" run --rm --network none "$IMG" echo hi from podman
	echo "$output"
	[ "$status" -eq 0 ]
	expect_output "hi from podman"
	[ -d /run/systemd/system ] || return 0
	# With systemd as init (the VM of make test-v2): podman's systemd
	# manager, a scope made by ctr-runtime --systemd-cgroup.
	run podman_t --runtime "$CTR_BIN/ctr-runtime" --cgroup-manager systemd run --rm --network none --cgroupns host "$IMG" cat /proc/self/cgroup
	echo "$output"
	[ "$status" -eq 0 ]
	expect_match "^0::/machine.slice/libpod-[0-9a-f]{64}\.scope"
}

# bats test_tags=cgroup
@test "run: --cgroup-manager systemd: a scope per container, a slice per pod with its limit, in systemd and gone after rm; --cgroup-parent" {
	local_busybox
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --cgroup-manager cgroupfs --cgroup-parent ctrtest.slice "$IMG" true
	expect_match "absolute cgroup path"
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --cgroup-manager systemd --cgroup-parent /ctrtest "$IMG" true
	expect_match "want a slice"
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --cgroup-manager nosuch "$IMG" true
	expect_match "want systemd or cgroupfs"
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --pod somepod --cgroup-parent /ctrtest "$IMG" true
	expect_match "the pod's cgroup"
	if [ ! -d /run/systemd/system ]; then
		# No systemd: cgroupfs is the default, and asking for systemd is
		# one line from the runtime, nothing left.
		run_ctr ctr-run "${STORAGE[@]}" --rm --network none --cgroupns host "$IMG" cat /proc/self/cgroup
		[[ $output != *.scope* ]]
		run_ctr 64 ctr-run "${STORAGE[@]}" --rm --network none --cgroup-manager systemd "$IMG" true
		expect_match "systemd is not this machine's init"
		[ "$(grep -c . <<<"$output")" -eq 1 ]
		run_ctr 64 ctr-run "${STORAGE[@]}" --cgroup-manager systemd pod create --network none
		expect_match "systemd is not this machine's init"
		run_ctr ctr-run "${STORAGE[@]}" ps -a --json
		[ -z "$output" ]
		run_ctr ctr-run "${STORAGE[@]}" pod ls --json
		[ -z "$output" ]
		return
	fi
	# systemd is init: it is the default. The scope is ctr-ID.scope in
	# machine.slice (podman's libpod-ID.scope), with the container's limit.
	local id pid
	id=$(ctr-run "${STORAGE[@]}" -d --network none --memory 64m "$IMG" sleep 1000 </dev/null 2>/dev/null)
	pid=$(ctr-run "${STORAGE[@]}" inspect "$id" | jq -r .pid)
	[ "$(cgroup_of "$pid" pids)" = "/machine.slice/ctr-$id.scope" ]
	[ "$(systemctl is-active "ctr-$id.scope")" = active ]
	[ "$(cgroup_get "/machine.slice/ctr-$id.scope" memory.max)" = 67108864 ]
	run_ctr ctr-run "${STORAGE[@]}" rm -f "$id"
	until_true 10 '! systemctl is-active --quiet "ctr-$id.scope"'
	[ -z "$(cgroups_named "ctr-$id.scope")" ]
	# --cgroup-parent: a slice of the caller's.
	run_ctr ctr-run "${STORAGE[@]}" --rm --network none --cgroupns host --cgroup-parent ctrtest.slice "$IMG" cat /proc/self/cgroup
	expect_match "^0::/ctrtest.slice/ctr-[0-9a-f]{64}\.scope$"
	systemctl stop ctrtest.slice
	# A pod: machine-ctr_pod_ID.slice with the pod's limit, its containers' scopes in it.
	local pod slice
	pod=$(ctr-run "${STORAGE[@]}" pod create --network none --memory 64m)
	slice=machine-ctr_pod_$pod.slice
	[ "$(systemctl is-active "$slice")" = active ]
	[ "$(cgroup_get "/machine.slice/$slice" memory.max)" = 67108864 ]
	run_ctr ctr-run "${STORAGE[@]}" --rm --pod "$pod" --cgroupns host "$IMG" cat /proc/self/cgroup
	expect_match "^0::/machine.slice/$slice/ctr-[0-9a-f]{64}\.scope$"
	run_ctr ctr-run "${STORAGE[@]}" pod rm -f "$pod"
	until_true 10 '! systemctl is-active --quiet "$slice"'
	[ -z "$(cgroups_named "$slice")" ]
	# cgroupfs on request, as before: a directory named after the
	# container, below the caller's cgroup (no scope).
	run_ctr ctr-run "${STORAGE[@]}" --rm --network none --cgroupns host --cgroup-manager cgroupfs "$IMG" cat /proc/self/cgroup
	expect_match "^0::/([^/]+/)*[0-9a-f]{64}$"
}

# bats test_tags=cgroup
@test "run: under systemd a container's monitor has a scope of its own: the unit that ran ctr-run -d stops, the monitor supervises on" {
	[ -d /run/systemd/system ] || skip "systemd is not init here (make test-v2 runs this in the guest)"
	local_busybox
	# A oneshot service that stays active, as a service that starts a
	# container: its start returns when ctr-run -d has.
	local unit=ctr-test-$BATS_ROOT_PID-$BATS_TEST_NUMBER.service
	systemd-run --quiet --unit "$unit" -p Type=oneshot -p RemainAfterExit=yes --setenv PATH="$PATH" \
		--setenv HOME="$HOME" --setenv XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" \
		"$(command -v ctr-run)" "${STORAGE[@]}" -d --network none --name svc "$IMG" sleep 1000
	local id mon
	id=$(ctr-run "${STORAGE[@]}" inspect svc | jq -r .id)
	mon=$(cat "$TEST_TMP/runroot/ctr/$id/monitor.pid")
	[ "$(cgroup_of "$mon" pids)" = "/machine.slice/ctr-monitor-$id.scope" ]
	[ "$(systemctl is-active "ctr-monitor-$id.scope")" = active ]
	# Stopping the service kills what is left in its cgroup: not the
	# monitor, which still records the container's end.
	systemctl stop "$unit"
	kill -0 "$mon"
	[ "$(ctr-run "${STORAGE[@]}" inspect svc | jq -r '.monitor // "alive"')" = alive ]
	run_ctr ctr-run "${STORAGE[@]}" stop -t 0 svc
	run_ctr ctr-run "${STORAGE[@]}" inspect svc
	[ "$(jq -r .exitCode <<<"$output")" -eq 137 ]
	until_true 10 '! systemctl is-active --quiet "ctr-monitor-$id.scope"'
	run_ctr ctr-run "${STORAGE[@]}" rm svc
	[ -z "$(cgroups_named "ctr-monitor-$id.scope")" ]
}

# bats test_tags=cgroup
@test "runtime: --systemd-cgroup: systemd makes the container's scope and removes it; without systemd, one line and nothing made" {
	local_busybox
	local rt=(ctr-runtime --root "$TEST_TMP/rt" --systemd-cgroup) c=sd-${TEST_TMP##*.}
	rt_bundle "$TEST_TMP/b" '["sleep", "1000"]'
	jq --arg p "system.slice:ctr-test:$c" '.linux.cgroupsPath = $p' "$TEST_TMP/b/config.json" >"$TEST_TMP/config.json"
	mv "$TEST_TMP/config.json" "$TEST_TMP/b/config.json"
	if [ ! -d /run/systemd/system ]; then
		run_ctr 1 "${rt[@]}" create --bundle "$TEST_TMP/b" "$c"
		expect_match "systemd not running"
		[ "$(wc -l <<<"$output")" -eq 1 ]
		run_ctr "${rt[@]}" list -q
		[ -z "$output" ]
		return
	fi
	# A created container keeps the runtime's stdio: give it none of bats'.
	"${rt[@]}" create --bundle "$TEST_TMP/b" "$c" </dev/null >/dev/null 2>&1
	run_ctr "${rt[@]}" start "$c"
	local pid
	pid=$("${rt[@]}" state "$c" | jq -r .pid)
	[ "$(cgroup_of "$pid" pids)" = "/system.slice/ctr-test-$c.scope" ]
	[ "$(systemctl is-active "ctr-test-$c.scope")" = active ]
	run_ctr "${rt[@]}" kill "$c" KILL
	until_true 10 '[ "$("${rt[@]}" state "$c" | jq -r .status)" = stopped ]'
	run_ctr "${rt[@]}" delete "$c"
	until_true 10 '! systemctl is-active --quiet "ctr-test-$c.scope"'
	[ -z "$(cgroups_named "ctr-test-$c.scope")" ]
}

# bats test_tags=cgroup
@test "runtime: create, start, state, kill, delete on a bundle" {
	local_busybox
	# An ID of this test's own: the container's cgroup is named after it.
	local rt=(ctr-runtime --root "$TEST_TMP/rt") c1=c1-${TEST_TMP##*.} bundle=$TEST_TMP/bundle
	rt_bundle "$bundle" '["sleep","100"]'
	# A created container keeps the runtime's stdio: give it none of bats'.
	"${rt[@]}" create --bundle "$bundle" --pid-file "$TEST_TMP/pid" "$c1" </dev/null >/dev/null 2>&1
	run_ctr "${rt[@]}" state "$c1"
	[ "$(jq -r .status <<<"$output")" = created ]
	[ "$(jq -r .pid <<<"$output")" = "$(cat "$TEST_TMP/pid")" ]
	run_ctr "${rt[@]}" start "$c1"
	run_ctr "${rt[@]}" list --format json
	[ "$(jq -r '.[0].status' <<<"$output")" = running ]
	run_ctr 1 "${rt[@]}" delete "$c1"
	run_ctr "${rt[@]}" kill "$c1" KILL
	for _ in $(seq 50); do [ "$("${rt[@]}" state "$c1" | jq -r .status)" = stopped ] && break; sleep 0.1; done
	run_ctr "${rt[@]}" delete "$c1"
	run_ctr 1 "${rt[@]}" state "$c1"
	expect_match "does not exist"
}
