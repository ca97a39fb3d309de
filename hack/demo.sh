#!/usr/bin/env bash
# make demo: the suite's main job end to end, on loopback only. Starts a
# registry, makes a busybox image, moves it through the ctr tools, runs it
# on a network of its own with a published port, in a pod and from a
# Kubernetes manifest, and cleans up after itself: its store is its own,
# its network, pods and containers are removed (the host's ports it
# publishes are on 127.0.0.1 only).
set -euo pipefail
cd "$(dirname "$0")/.."
PATH=$PWD/bin:$PATH
work=$(mktemp -d /tmp/ctr-demo.XXXXXX)
S=(--root "$work/storage" --runroot "$work/run")
NET=ctr-demo
reg_pid=""
cleanup() {
	if [ -n "$reg_pid" ]; then kill "$reg_pid" 2>/dev/null; wait "$reg_pid" 2>/dev/null || true; fi
	# What the demo made, if it stopped half-way: its pods, its containers
	# with their monitors (whose clean-up writes in the run dir until it
	# ends), its network.
	if [ -d "$work/storage" ]; then
		ctr-run "${S[@]}" pod ls -q 2>/dev/null | xargs -r ctr-run "${S[@]}" pod rm -f >/dev/null 2>&1 || true
		ctr-run "${S[@]}" ps -a --json 2>/dev/null | jq -r .id |
			xargs -r ctr-run "${S[@]}" rm -f >/dev/null 2>&1 || true
	fi
	if [ -n "${made_net:-}" ]; then ctr-run "${S[@]}" network rm "$NET" >/dev/null 2>&1 || true; fi
	findmnt -rn -o TARGET | grep "^$work" | sort -r | xargs -r umount -l 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=hack/registry.sh
. hack/registry.sh
loopback_registry "$work/registry"
reg_pid=$REGISTRY_PID
R=$REGISTRY

step() { printf '\n\033[1m$ %s\033[0m\n' "$*" >&2; }

# free_port: a loopback port nothing listens on.
free_port() {
	local port
	while :; do
		port=$((20000 + RANDOM % 20000))
		(: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
	done
	echo "$port"
}

# get URL: prints what the web server at URL answers, once it does.
get() {
	local _
	for _ in $(seq 50); do
		curl -fsS -m 2 "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	curl -fsS -m 2 "$1"
}

step "mkimage: a busybox image, amd64 and arm64, as an OCI layout"
bin/mkimage -o "$work/busybox:1" --busybox "$(command -v busybox)" --cmd sh \
	--platform linux/amd64 --platform linux/arm64

step "ctr-copy --all oci:busybox:1 docker://$R/library/busybox:1"
ctr-copy -q --all --tls-verify=false "oci:$work/busybox:1" "docker://$R/library/busybox:1"

step "the same image under two tags, mirrored below a prefix in one pipeline"
ctr-copy -q --tls-verify=false "docker://$R/library/busybox:1" "docker://$R/library/busybox:stable" >/dev/null
step "printf 'docker://$R/library/busybox:1\\ndocker://$R/library/busybox:stable\\n' | ctr-copy - docker://$R/mirror/ | ctr-copy - oci:$work/out:app"
printf 'docker://%s/library/busybox:1\ndocker://%s/library/busybox:stable\n' "$R" "$R" |
	ctr-copy -q --tls-verify=false - "docker://$R/mirror/" | tee "$work/pinned" |
	tail -n1 | ctr-copy -q --tls-verify=false --json - "oci:$work/out:app" | tee "$work/record"

step "what the pipeline printed: digest-pinned references, then the JSON record"
cat "$work/pinned"
step "the OCI layout holds the host's platform of that image"
jq -r '.manifests[] | "\(.annotations["org.opencontainers.image.ref.name"]) \(.digest)"' "$work/out/index.json"
step "ctr-pull: the mirrored image into a local store (as podman would keep it), by its pinned reference"
head -n1 "$work/pinned" | ctr-pull -q --tls-verify=false "${S[@]}" - | tee "$work/id"
step "ctr-pull --json --policy missing: already there, nothing pulled"
head -n1 "$work/pinned" | ctr-pull -q --json --policy missing --tls-verify=false "${S[@]}" - |
	jq -c '{id, names, pulled}'
step "ctr-copy from local storage by image ID to an OCI archive"
ctr-copy -q "${S[@]}" "$(cat "$work/id")" "oci-archive:$work/busybox.tar"
ls -l "$work/busybox.tar" >&2

step "ctr-run: run the pulled image by its ID, with podman's defaults (here: its capabilities and seccomp mode)"
ctr-run "${S[@]}" --rm "$(cat "$work/id")" \
	sh -c 'echo "hello from $(hostname)"; grep -E "^(CapEff|Seccomp):" /proc/self/status; cat /etc/motd'
echo "exit status: $?" >&2

step "ctr-build: a Containerfile on top of the pulled image (a web page in it too); its ID goes straight to ctr-run"
mkdir -p "$work/ctx"
cat >"$work/ctx/Containerfile" <<EOF
FROM $(cat "$work/id")
ARG WHO=ctr-build
RUN echo "built by \$WHO" > /etc/motd && mkdir /www && echo "hello from a page ctr-build made" > /www/index.html
CMD ["cat", "/etc/motd"]
EOF
cat "$work/ctx/Containerfile" >&2
ctr-build "${S[@]}" -q -t demo:1 "$work/ctx" |
	ctr-run "${S[@]}" --rm -
step "ctr-build again: every step comes from the cache"
ctr-build "${S[@]}" -t demo:1 "$work/ctx" >/dev/null

step "ctr-run -d: a detached container under ctr-monitor; ctr-monitor wait and logs"
cid=$(ctr-run "${S[@]}" -d "$(cat "$work/id")" sh -c 'echo hello from the background; exit 3')
echo "container $cid" >&2
ctr-monitor "${S[@]}" wait "$cid" || true
ctr-monitor "${S[@]}" logs "$cid"
echo "start it again and follow it to its exit:" >&2
ctr-run "${S[@]}" start -a "$cid" || echo "exit status $?" >&2

step "ctr-run -d -i: a pipeline feeds a detached container's stdin through ctr-monitor attach"
cid=$(ctr-run "${S[@]}" -d -i "$(cat "$work/id")" sh -c 'while read l; do echo "got $l"; done')
printf 'one\ntwo\n' | ctr-monitor "${S[@]}" attach "$cid"
ctr-monitor "${S[@]}" events --json "$cid" | jq -c '{event, pid, status}'

step "ctr-run network create $NET: a bridge network of its own (a CNI config, as podman's: podman network ls sees it)"
ctr-run "${S[@]}" network create "$NET"
made_net=1
ctr-run "${S[@]}" network ls
port=$(free_port)
step "ctr-run -d --name web --network $NET -p 127.0.0.1:$port:80 demo:1 httpd: published on the host's loopback only"
ctr-run "${S[@]}" -d --name web --network "$NET" -p "127.0.0.1:$port:80" demo:1 httpd -f -p 80 -h /www >/dev/null
ctr-run "${S[@]}" port web
step "curl http://127.0.0.1:$port/"
get "http://127.0.0.1:$port/"
step "another container on $NET reaches it by its name: wget -qO- http://web/"
ctr-run "${S[@]}" --rm --network "$NET" demo:1 wget -qO- http://web/
step "ctr-run rm -f web; ctr-run network rm $NET: the port's rules, the address and the bridge go with them"
ctr-run "${S[@]}" rm -f web
ctr-run "${S[@]}" network rm "$NET"
made_net=""

port=$(free_port)
step "ctr-run pod create --name app -p 127.0.0.1:$port:80: containers that share a network namespace, a host name and SysV IPC"
ctr-run "${S[@]}" pod create --name app -p "127.0.0.1:$port:80" >/dev/null
step "in the pod: an API on 127.0.0.1:9000 (the pod's own loopback) and a front on port 80"
ctr-run "${S[@]}" -d --pod app --name api demo:1 httpd -f -p 127.0.0.1:9000 -h /etc >/dev/null
ctr-run "${S[@]}" -d --pod app --name front demo:1 httpd -f -p 80 -h /www >/dev/null
ctr-run "${S[@]}" pod ls
ctr-run "${S[@]}" ps --pod
step "a third container in the pod asks the API over 127.0.0.1: wget -qO- 127.0.0.1:9000/motd"
ctr-run "${S[@]}" --rm --pod app demo:1 wget -qO- 127.0.0.1:9000/motd
step "the host asks the front through the pod's published port: curl http://127.0.0.1:$port/"
get "http://127.0.0.1:$port/"
step "ctr-run pod rm -f app: the pod with its containers"
ctr-run "${S[@]}" pod rm -f app >/dev/null
ctr-run "${S[@]}" pod ls

port=$(free_port)
cat >"$work/app.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  restartPolicy: Never
  containers:
  - name: front
    image: localhost/demo:1
    command: [httpd, -f, -p, "80", -h, /www]
    ports: [{containerPort: 80, hostPort: $port, hostIP: 127.0.0.1}]
    resources: {limits: {memory: 64Mi, cpu: 500m}}
EOF
step "ctr-run kube play app.yaml: the same kind of pod from a Kubernetes manifest (what ctr cannot honour is refused by name)"
cat "$work/app.yaml" >&2
ctr-run "${S[@]}" kube play "$work/app.yaml" >/dev/null
ctr-run "${S[@]}" ps --pod
step "curl http://127.0.0.1:$port/"
get "http://127.0.0.1:$port/"
step "ctr-run kube down app.yaml"
ctr-run "${S[@]}" kube down "$work/app.yaml" >/dev/null
ctr-run "${S[@]}" pod ls

step "copying again sends nothing"
ctr-copy --tls-verify=false --json "docker://$R/library/busybox:1" "docker://$R/mirror/library/busybox:1" |
	jq -c '{ref, skipped}'
echo >&2
echo "demo: done; registry stopped and $work removed" >&2
