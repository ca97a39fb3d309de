#!/usr/bin/env bats
# Pods (issue 14): containers that share the network, IPC and UTS
# namespaces of an infra container, its published ports and a cgroup with
# the pod's limits; nothing left behind. Traffic goes only to 127.0.0.0/8
# and to the test's own containers.

# shellcheck disable=SC2154 # run --separate-stderr sets stderr
bats_require_minimum_version 1.5.0
load helpers

IMG=localhost/busybox:latest

# GET PORT [HOST]: a container's shell command that fetches / over HTTP
# with nc (busybox's static wget dies of SIGSEGV on some failures).
GET() {
	printf '%s' "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${2:-127.0.0.1} $1"
}

# ctrtest: the test helper (shmget, hog), bind-mounted into a container.
CTRTEST=(-v "$CTR_BIN/ctrtest:/ctrtest:ro")

# container_field NAME FIELD: a field of the container's ps record.
container_field() {
	ctr-run "${STORAGE[@]}" ps -a --json | jq -r "select(.name == \"$1\") | .$2"
}

# bats test_tags=smoke
@test "pod: two containers talk over 127.0.0.1 and share a host name and SysV IPC; a container outside the pod does not" {
	local_busybox
	run_ctr ctr-run "${STORAGE[@]}" pod create --name pod1
	local pod=$output
	[[ $pod =~ ^[0-9a-f]{64}$ ]]
	run_ctr ctr-run "${STORAGE[@]}" -d --pod pod1 --name web "${CTRTEST[@]}" "$IMG" \
		sh -c 'echo "hello over lo" > /index.html; /ctrtest shmget 4096; exec httpd -f -p 127.0.0.1:8080 -h /'
	until_true 10 'ctr-run "${STORAGE[@]}" exec web sh -c "netstat -ltn | grep -q 127.0.0.1:8080"'
	run_ctr ctr-run "${STORAGE[@]}" --rm --pod pod1 "$IMG" sh -c "$(GET 8080); hostname; cat /proc/sysvipc/shm | wc -l"
	expect_match "hello over lo"
	[ "${lines[-2]}" = pod1 ]
	[ "${lines[-1]}" -eq 2 ] # the heading and web's segment
	run_ctr ctr-run "${STORAGE[@]}" exec web hostname
	[ "$output" = pod1 ]
	# Outside the pod: its own loopback, name and IPC namespace.
	run_ctr ctr-run "${STORAGE[@]}" --rm "$IMG" sh -c "$(GET 8080) || echo unreachable; hostname; cat /proc/sysvipc/shm | wc -l"
	expect_match unreachable
	[ "${lines[-2]}" != pod1 ]
	[ "${lines[-1]}" -eq 1 ]
	# ps --pod and the records say who is in the pod.
	run_ctr ctr-run "${STORAGE[@]}" ps --pod
	expect_match "web +${pod:0:12} +pod1"
	[ "$(container_field web pod)" = "$pod" ]
	run_ctr ctr-run "${STORAGE[@]}" pod inspect pod1
	[ "$(jq -r .status <<<"$output")" = running ]
	[ "$(jq -r '.containers | length' <<<"$output")" -eq 2 ]
	[ "$(jq -r '.containers[0].infra' <<<"$output")" = true ]
	run_ctr ctr-run "${STORAGE[@]}" pod ls -q
	[ "$output" = "$pod" ]
	run_ctr 0 ctr-run "${STORAGE[@]}" pod rm -f pod1
	[ "$output" = "$pod" ]
}

@test "pod: a port published on the pod reaches a container in it; --pod new:NAME takes the container's -p" {
	local_busybox
	local port port2
	port=$(free_port)
	run_ctr ctr-run "${STORAGE[@]}" pod create --name webpod -p "127.0.0.1:$port:80"
	run_ctr ctr-run "${STORAGE[@]}" -d --pod webpod "$IMG" sh -c 'echo "hello from the pod" > /index.html; exec httpd -f -p 80 -h /'
	until_true 10 'curl -s -m 1 "http://127.0.0.1:$port/" | grep -q "hello from the pod"'
	run_ctr ctr-run "${STORAGE[@]}" pod inspect webpod
	[ "$(jq -r '.ports[0].hostPort' <<<"$output")" = "$port" ]
	port2=$(free_port)
	run_ctr ctr-run "${STORAGE[@]}" -d --pod new:newpod -p "127.0.0.1:$port2:80" --name newweb "$IMG" \
		sh -c 'echo "hello from new" > /index.html; exec httpd -f -p 80 -h /'
	until_true 10 'curl -s -m 1 "http://127.0.0.1:$port2/" | grep -q "hello from new"'
	run_ctr ctr-run "${STORAGE[@]}" pod inspect newpod
	[ "$(jq -r '.containers[1].name' <<<"$output")" = newweb ]
	run_ctr ctr-run "${STORAGE[@]}" pod rm -f webpod newpod
	[ "${#lines[@]}" -eq 2 ]
	run ! curl -s -m 1 "http://127.0.0.1:$port/"
}

# bats test_tags=cgroup
@test "pod: stop, start, restart and rm -f with running containers leave nothing; nor does kill -9 of the infra" {
	local_busybox
	run_ctr ctr-run "${STORAGE[@]}" --rm "$IMG" true # the plugins' base chains stay for good
	pod_state >"$TEST_TMP/before"
	run_ctr ctr-run "${STORAGE[@]}" pod create --name life --share net,ipc,uts,pid
	local pod=$output pids=()
	run_ctr ctr-run "${STORAGE[@]}" -d --pod life --name a "$IMG" sleep 1000
	run_ctr ctr-run "${STORAGE[@]}" -d --pod life --name b --stop-signal KILL "$IMG" sleep 1000
	pids=("$(container_field a pid)" "$(container_field b pid)" "$(container_field "${pod:0:12}-infra" pid)")
	# --share pid: one PID namespace, the infra's catatonit its first process.
	run_ctr ctr-run "${STORAGE[@]}" exec a cat /proc/1/cmdline
	[[ $output == /catatonit* ]]
	cgroup_get "$(pod_cgroup "$pod")" pids.max
	run_ctr ctr-run "${STORAGE[@]}" pod stop -t 2 life
	[ "$output" = "$pod" ]
	[ "$(ctr-run "${STORAGE[@]}" pod inspect life | jq -r .status)" = exited ]
	local pid
	for pid in "${pids[@]}"; do
		run ! kill -0 "$pid"
	done
	pod_state >"$TEST_TMP/after"
	diff "$TEST_TMP/before" "$TEST_TMP/after"
	# Started again: the infra first, then both, in its namespaces.
	run_ctr ctr-run "${STORAGE[@]}" pod start life
	[ "$(ctr-run "${STORAGE[@]}" pod inspect life | jq -r .status)" = running ]
	run_ctr ctr-run "${STORAGE[@]}" exec b cat /proc/1/cmdline
	[[ $output == /catatonit* ]]
	run_ctr ctr-run "${STORAGE[@]}" pod restart -t 2 life
	[ "$(ctr-run "${STORAGE[@]}" pod inspect life | jq -r .status)" = running ]
	# -t 0 kills them all at once, the infra with them, while the network
	# goes: each exit is recorded, nothing is left, and the pod starts again.
	pids=("$(container_field a pid)" "$(container_field b pid)" "$(container_field "${pod:0:12}-infra" pid)")
	run_ctr ctr-run "${STORAGE[@]}" pod stop -t 0 life
	for pid in "${pids[@]}"; do
		run ! kill -0 "$pid"
	done
	[ "$(container_field a exitCode)" = 137 ]
	pod_state >"$TEST_TMP/after"
	diff "$TEST_TMP/before" "$TEST_TMP/after"
	run_ctr ctr-run "${STORAGE[@]}" pod start life
	[ "$(ctr-run "${STORAGE[@]}" pod inspect life | jq -r .status)" = running ]
	run --separate-stderr ctr-run "${STORAGE[@]}" pod rm life
	[ "$status" -eq 64 ]
	[[ $stderr == *"running containers"* ]]
	pids=("$(container_field a pid)" "$(container_field b pid)")
	run_ctr ctr-run "${STORAGE[@]}" pod rm -f life
	for pid in "${pids[@]}"; do
		run ! kill -0 "$pid"
	done
	run_ctr ctr-run "${STORAGE[@]}" ps -a --json
	[ -z "$output" ]
	run_ctr ctr-run "${STORAGE[@]}" pod ls -q
	[ -z "$output" ]
	pod_state >"$TEST_TMP/after"
	diff "$TEST_TMP/before" "$TEST_TMP/after"

	# kill -9 of the infra: the pod's container runs on; pod rm -f then
	# removes all of it.
	run_ctr ctr-run "${STORAGE[@]}" pod create --name killed
	run_ctr ctr-run "${STORAGE[@]}" -d --pod killed --name c "$IMG" sleep 1000
	local infra
	infra=$(ctr-run "${STORAGE[@]}" pod inspect killed | jq -r .infraId)
	kill -9 "$(ctr-run "${STORAGE[@]}" ps --json | jq -r "select(.id == \"$infra\") | .pid")"
	until_true 10 '[ "$(ctr-run "${STORAGE[@]}" pod inspect killed | jq -r .status)" = degraded ]'
	run_ctr ctr-run "${STORAGE[@]}" pod rm -f killed
	pod_state >"$TEST_TMP/after"
	diff "$TEST_TMP/before" "$TEST_TMP/after"
}

# bats test_tags=cgroup
@test "pod: the pod's memory limit holds its containers together: past it, one of them is OOM-killed and recorded" {
	local_busybox
	run_ctr ctr-run "${STORAGE[@]}" pod create --name mem -m 64m
	local pod=$output
	local limit
	limit=$(cgroup_get "$(pod_cgroup "$pod")" memory.max)
	[ "$limit" -eq 67108864 ]
	# 20 MiB and then 50: each under the limit, together over it. The
	# kernel picks the victim (the larger one when it strikes, usually the
	# second); whichever it is, ctr-monitor records it and the other runs on.
	run_ctr ctr-run "${STORAGE[@]}" -d --pod mem --name small "${CTRTEST[@]}" "$IMG" /ctrtest hog 20
	until_true 20 'ctr-monitor --root "$TEST_TMP/root" --runroot "$TEST_TMP/runroot" logs small 2>/dev/null | grep -q "holding 20"'
	run_ctr ctr-run "${STORAGE[@]}" -d --pod mem --name big "${CTRTEST[@]}" "$IMG" /ctrtest hog 50
	until_true 30 '[ "$(container_field small status)" = exited ] || [ "$(container_field big status)" = exited ]'
	local victim=big other=small
	if [ "$(container_field small status)" = exited ]; then
		victim=small other=big
	fi
	[ "$(container_field "$victim" exitCode)" -eq 137 ]
	[ "$(container_field "$victim" oomKilled)" = true ]
	[ "$(container_field "$other" status)" = running ]
	# Alone, 50 MiB fits a container outside the pod.
	run_ctr ctr-run "${STORAGE[@]}" -d --name alone "${CTRTEST[@]}" "$IMG" /ctrtest hog 50
	until_true 20 'ctr-monitor --root "$TEST_TMP/root" --runroot "$TEST_TMP/runroot" logs alone 2>/dev/null | grep -q "holding 50"'
	run_ctr ctr-run "${STORAGE[@]}" rm -f alone
	run_ctr ctr-run "${STORAGE[@]}" pod rm -f mem
}

@test "pod: pods made at once all run, each with its own address; two at once with one name make one pod" {
	local_busybox
	pod_state >"$TEST_TMP/before"
	local i p rc pids=()
	for i in 1 2 3 4; do
		ctr-run "${STORAGE[@]}" pod create --name "par$i" >"$TEST_TMP/par$i.out" 2>&1 </dev/null &
		pids+=("$!")
	done
	for i in 1 2; do
		ctr-run "${STORAGE[@]}" pod create --name same >"$TEST_TMP/same$i.out" 2>&1 </dev/null &
		pids+=("$!")
	done
	local codes=""
	for p in "${pids[@]}"; do
		rc=0
		wait "$p" || rc=$?
		codes+="$rc "
	done
	# Four pods, then one of the two "same": the other is refused (64).
	[[ $codes == "0 0 0 0 "* ]]
	[ "${codes#0 0 0 0 }" = "0 64 " ] || [ "${codes#0 0 0 0 }" = "64 0 " ]
	cat "$TEST_TMP"/same*.out
	grep -q 'the pod name "same" is already in use' "$TEST_TMP"/same*.out
	run_ctr ctr-run "${STORAGE[@]}" pod ls --json
	[ "$(jq -r .name <<<"$output" | sort | tr '\n' ' ')" = "par1 par2 par3 par4 same " ]
	[ "$(jq -r .status <<<"$output" | sort -u)" = running ]
	local addrs=""
	for i in 1 2 3 4; do
		run_ctr ctr-run "${STORAGE[@]}" --rm --pod "par$i" "$IMG" ip -4 -o addr show eth0
		addrs+="$(awk '{print $4}' <<<"$output")"$'\n'
	done
	[ "$(grep -c . <<<"$addrs")" -eq 4 ]
	[ "$(sort -u <<<"$addrs" | grep -c .)" -eq 4 ]
	for i in 1 2 3 4; do
		run_ctr ctr-run "${STORAGE[@]}" pod rm -f "par$i"
	done
	run_ctr ctr-run "${STORAGE[@]}" pod rm -f same
	pod_state >"$TEST_TMP/after"
	diff "$TEST_TMP/before" "$TEST_TMP/after"
}

@test "pod: a pod create killed while its network's plugins run leaves a pod the next create of that name removes first; nothing left" {
	local_busybox
	slow_plugin
	test_network slowpod
	slow_chain "$TEST_TMP/cni/slowpod.conflist" last
	pod_state >"$TEST_TMP/before"
	local pid
	ctr-run "${STORAGE[@]}" "${TEST_NET_ARGS[@]}" pod create --name half --network slowpod -p 127.0.0.1::80 >/dev/null 3>&- &
	pid=$!
	until_true 30 '[ -e "$SLOW_DIR/adding" ]'
	kill -9 "$pid"
	wait "$pid" || true
	touch "$SLOW_DIR/go"
	until_true 10 '! kill -0 "$(cat "$SLOW_DIR/plugin.pid")" 2>/dev/null'
	run_ctr ctr-run "${STORAGE[@]}" pod ls -q
	local half=$output
	[ -n "$half" ]
	# The name is taken again: the half-made pod goes first, whole.
	run_ctr ctr-run "${STORAGE[@]}" "${TEST_NET_ARGS[@]}" pod create --name half --network slowpod
	local whole=$output
	[ "$whole" != "$half" ]
	run_ctr ctr-run "${STORAGE[@]}" pod ls -q
	expect_output "$whole"
	run_ctr ctr-run "${STORAGE[@]}" "${TEST_NET_ARGS[@]}" pod rm -f half
	pod_state >"$TEST_TMP/after"
	diff "$TEST_TMP/before" "$TEST_TMP/after"
}

@test "pod: bad input is one line and its exit code, and leaves nothing" {
	local_busybox
	pod_state >"$TEST_TMP/before"
	run --separate-stderr ctr-run "${STORAGE[@]}" --rm --pod nosuchpod "$IMG" true
	[ "$status" -eq 2 ]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[[ $stderr == *"no such pod"* ]]
	run_ctr 64 ctr-run "${STORAGE[@]}" pod create --share net,bogus
	expect_match 'unknown namespace "bogus"'
	run_ctr 64 ctr-run "${STORAGE[@]}" pod create --share ipc -p 8080
	run_ctr 64 ctr-run "${STORAGE[@]}" pod create --name 'bad name'
	run_ctr ctr-run "${STORAGE[@]}" pod create --name p
	run_ctr 64 ctr-run "${STORAGE[@]}" pod create --name p
	expect_match "already in use"
	local flag
	for flag in "--network none" "-p 8080" "--ip 10.88.0.99" "--hostname h" "--dns 10.0.0.1" "--add-host a:10.0.0.1" "--no-hosts"; do
		# shellcheck disable=SC2086 # the flag and its value, split
		run --separate-stderr ctr-run "${STORAGE[@]}" --rm --pod p $flag "$IMG" true
		[ "$status" -eq 64 ]
		[ "$(wc -l <<<"$stderr")" -eq 1 ]
	done
	run_ctr 64 ctr-run "${STORAGE[@]}" --rm --pod p --uts host "$IMG" true
	run_ctr 2 ctr-run "${STORAGE[@]}" pod rm nosuchpod
	run_ctr 2 ctr-run "${STORAGE[@]}" pod stop nosuchpod
	# The infra is the pod's: removed with it only.
	run_ctr 64 ctr-run "${STORAGE[@]}" rm -f "$(ctr-run "${STORAGE[@]}" pod inspect p | jq -r .infraId)"
	# --pod new: with an image that is not there: no pod is left.
	run_ctr 2 ctr-run "${STORAGE[@]}" --rm --pull never --pod new:gone localhost/nosuchimage true
	run_ctr ctr-run "${STORAGE[@]}" pod ls --json
	[ "$(jq -r .name <<<"$output")" = p ]
	run_ctr ctr-run "${STORAGE[@]}" pod rm p
	run_ctr ctr-run "${STORAGE[@]}" ps -a --json
	[ -z "$output" ]
	pod_state >"$TEST_TMP/after"
	diff "$TEST_TMP/before" "$TEST_TMP/after"
}

# bats test_tags=cgroup
@test "pod: the pod's host name, hosts, DNS, address, MAC and CPU limit reach its containers; pod kill signals them" {
	local_busybox
	local ip="10.88.251.$((RANDOM % 200 + 20))"
	run_ctr ctr-run "${STORAGE[@]}" pod create --name opts --hostname podhost --add-host extra.test:10.1.2.3 \
		--dns 10.0.0.53 --dns-search example.test --dns-option ndots:2 --ip "$ip" --mac-address 02:42:ac:11:00:99 --cpus 0.5
	local pod=$output
	run_ctr ctr-run "${STORAGE[@]}" --rm --pod opts "$IMG" sh -c 'hostname; cat /etc/hosts /etc/resolv.conf; ip -4 -o addr show eth0; cat /sys/class/net/eth0/address'
	[ "${lines[0]}" = podhost ]
	expect_match "10\.1\.2\.3[[:space:]]+extra\.test"
	expect_match "nameserver 10\.0\.0\.53"
	expect_match "search example\.test"
	expect_match "options ndots:2"
	expect_match "inet $ip/16"
	expect_match "02:42:ac:11:00:99"
	local quota
	quota=$(cgroup_get "$(pod_cgroup "$pod")" cpu.max)
	[ "$quota" -eq 50000 ]
	# --no-hosts: the image's /etc/hosts in the pod's containers.
	run_ctr ctr-run "${STORAGE[@]}" pod create --name nohosts --no-hosts
	run_ctr ctr-run "${STORAGE[@]}" --rm --pod nohosts "$IMG" sh -c 'cat /etc/hosts 2>&1 || true'
	[[ $output != *nohosts* ]]
	# pod kill: TERM to a container that traps it, the infra last.
	run_ctr ctr-run "${STORAGE[@]}" -d --pod opts --name trap "$IMG" sh -c 'trap "exit 42" TERM; while :; do sleep 0.1; done'
	until_true 10 '[ "$(container_field trap status)" = running ]'
	run_ctr ctr-run "${STORAGE[@]}" pod kill -s TERM opts
	[ "$output" = "$pod" ]
	run_ctr 42 ctr-monitor --root "$TEST_TMP/root" --runroot "$TEST_TMP/runroot" wait trap
	until_true 10 '[ "$(ctr-run "${STORAGE[@]}" pod inspect opts | jq -r .status)" = exited ]'
	run_ctr ctr-run "${STORAGE[@]}" pod rm opts nohosts
}

@test "kube play: a Pod manifest runs as a pod (command, args, env, hostPort, emptyDir and hostPath volumes, user, limits); kube down removes it all" {
	local_busybox
	local port
	port=$(free_port)
	pod_state >"$TEST_TMP/before"
	cat >"$TEST_TMP/pod.yaml" <<YAML
# a comment, and an empty document first
---
apiVersion: v1
kind: Pod
metadata:
  name: kweb
  labels: {app: kweb}
  annotations: {example.com/note: for every container}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 2
  volumes:
  - name: shared
    emptyDir: {}
  - name: out
    hostPath: {path: $TEST_TMP/out, type: DirectoryOrCreate}
  containers:
  - name: server
    image: $IMG
    imagePullPolicy: Never
    command: [sh, -c]
    args: ['echo "hello \$GREETING" > /www/index.html; exec httpd -f -p 8080 -h /www']
    env:
    - {name: GREETING, value: from-kube}
    ports:
    - {containerPort: 8080, hostPort: $port, hostIP: 127.0.0.1}
    volumeMounts:
    - {name: shared, mountPath: /www}
  - name: client
    image: $IMG
    imagePullPolicy: IfNotPresent
    command:
    - sh
    - -c
    - |
      until printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 127.0.0.1 8080 > /out/got && grep -q hello /out/got; do sleep 0.2; done
      id -u > /shared/uid
      cp /shared/uid /out/
      exec sleep 1000
    securityContext: {runAsUser: 1234}
    resources:
      limits: {memory: 64Mi, cpu: 500m}
    volumeMounts:
    - {name: out, mountPath: /out}
    - {name: shared, mountPath: /shared}
YAML
	mkdir -m 777 "$TEST_TMP/out"
	run_ctr ctr-run "${STORAGE[@]}" kube play "$TEST_TMP/pod.yaml"
	local pod=$output
	[[ $pod =~ ^[0-9a-f]{64}$ ]]
	until_true 10 'curl -s -m 1 "http://127.0.0.1:$port/" | grep -q "hello from-kube"'
	until_true 10 '[ -s "$TEST_TMP/out/uid" ]'
	grep -q "hello from-kube" "$TEST_TMP/out/got" # over the pod's 127.0.0.1
	[ "$(cat "$TEST_TMP/out/uid")" = 1234 ]
	run_ctr ctr-run "${STORAGE[@]}" pod inspect kweb
	[ "$(jq -r .id <<<"$output")" = "$pod" ]
	[ "$(jq -r .labels.app <<<"$output")" = kweb ]
	[ "$(jq -r '[.containers[].name] | sort | join(",")' <<<"$output")" = "${pod:0:12}-infra,kweb-client,kweb-server" ]
	# The pod's annotations are each container's, as under podman.
	local c
	for c in kweb-client kweb-server; do
		[ "$(jq -r '.annotations["example.com/note"]' "$(container_field "$c" bundle)/config.json")" = "for every container" ]
	done
	local client
	client=$(container_field kweb-client pid)
	[ "$(cgroup_get "$(cgroup_of "$client" memory)" memory.max)" -eq $((64 << 20)) ]
	[ "$(cgroup_get "$(cgroup_of "$client" cpu)" cpu.max)" -eq 50000 ]
	# The same manifest again: the name is taken; nothing more is made.
	run_ctr 64 ctr-run "${STORAGE[@]}" kube play "$TEST_TMP/pod.yaml"
	expect_match "already in use"
	[ "$(ctr-run "${STORAGE[@]}" pod ls -q | wc -l)" -eq 1 ]
	# kube down: the pod, its containers and its emptyDir go.
	run_ctr ctr-run "${STORAGE[@]}" kube down - <"$TEST_TMP/pod.yaml"
	[ "$output" = "$pod" ]
	run ! kill -0 "$client"
	run_ctr ctr-run "${STORAGE[@]}" ps -a --json
	[ -z "$output" ]
	[ -z "$(find "$TEST_TMP/root/ctr/pods" -name '*.volumes')" ]
	[ -s "$TEST_TMP/out/got" ] # a hostPath is the host's
	run_ctr 2 ctr-run "${STORAGE[@]}" kube down "$TEST_TMP/pod.yaml"
	pod_state >"$TEST_TMP/after"
	diff "$TEST_TMP/before" "$TEST_TMP/after"
}

@test "kube play: what it cannot honour is one line and exit 64, naming the field; a container that cannot start leaves no pod" {
	local_busybox
	pod_state >"$TEST_TMP/before"
	local base='apiVersion: v1
kind: Pod
metadata: {name: bad}
spec:
  containers:
  - name: c
    image: '"$IMG"'
    imagePullPolicy: Never'
	local extra
	for extra in '    livenessProbe: {exec: {command: [true]}}' '  restartPolicy: Always' \
		'    volumeMounts: [{name: nosuch, mountPath: /x}]' '    resources: {requests: {memory: 1Gi}}' \
		'    env: [{name: A, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]' '    resources: {limits: {memory: lots}}' \
		'  volumes: [{name: v, nfs: {server: x, path: /}}]' '    ports: [{containerPort: 80, hostPort: 99999}]'; do
		run --separate-stderr ctr-run "${STORAGE[@]}" kube play - <<<"$base
$extra"
		[ "$status" -eq 64 ]
		[ "$(wc -l <<<"$stderr")" -eq 1 ]
	done
	run --separate-stderr ctr-run "${STORAGE[@]}" kube play - <<<"$base
    livenessProbe: {exec: {command: [true]}}"
	[[ $stderr == *'"livenessProbe" is not supported'* ]]
	# Keys of ctr's own among the labels or annotations, refused before
	# any pod is made: such a label made the pod pass for a CRI sandbox
	# (ctr-cri would have listed it and taken its "config"), such an
	# annotation put the containers in another pod.
	local meta
	for meta in 'labels: {io.ctr.cri.sandbox-config: "{}"}' 'annotations: {io.ctr.pod: x}' 'annotations: {IO.CTR.log-path: /tmp/x.log}'; do
		run --separate-stderr ctr-run "${STORAGE[@]}" kube play - <<<"apiVersion: v1
kind: Pod
metadata: {name: bad, $meta}
spec:
  containers: [{name: c, image: $IMG, imagePullPolicy: Never, command: [sleep, '1000']}]"
		[ "$status" -eq 64 ]
		[ "$(wc -l <<<"$stderr")" -eq 1 ]
		[[ $stderr == *'key "'[Ii][Oo].[Cc][Tt][Rr].* ]]
	done
	run_ctr ctr-run "${STORAGE[@]}" pod ls -q
	[ -z "$output" ]
	run_ctr 64 ctr-run "${STORAGE[@]}" kube play - <<<'kind: Deployment'
	run_ctr 64 ctr-run "${STORAGE[@]}" kube play "$TEST_TMP/nosuchfile"
	run_ctr 64 ctr-run "${STORAGE[@]}" kube play
	# A second container whose image is not there: the pod goes, the
	# first container with it.
	run_ctr 2 ctr-run "${STORAGE[@]}" kube play - <<<"$base
    command: [sleep, '1000']
  - name: d
    image: localhost/nosuchimage:1
    imagePullPolicy: Never"
	run_ctr ctr-run "${STORAGE[@]}" pod ls -q
	[ -z "$output" ]
	run_ctr ctr-run "${STORAGE[@]}" ps -a --json
	[ -z "$output" ]
	pod_state >"$TEST_TMP/after"
	diff "$TEST_TMP/before" "$TEST_TMP/after"
}
