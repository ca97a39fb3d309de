#!/usr/bin/env bash
# Runs cri-tools' critest (the CRI validation suite) against ctr-cri, with
# look-alikes of the test images on a loopback registry, and judges every
# spec: a failure not listed in hack/critest.expected fails the run, and
# so does a listed spec that passes now (the list may only shrink).
#
#   hack/critest.sh [--runtime ctr-cri|containerd] [--focus REGEX] [--skip REGEX]
#
# With --runtime containerd the same specs run, with the same images,
# against Debian's containerd (its CRI plugin, runc, the same CNI plugins
# and network, a mirror config to the loopback registry): its results are
# printed, not judged (bench/critest-compare.sh sets the two side by
# side).
#
# There is no internet here. critest pulls from registry.k8s.io,
# gcr.io/k8s-staging-cri-tools and k8s.gcr.io; the images are built here
# from busybox-static (with ctr-build: the users, groups, files, ports and
# entrypoints cri-tools' images/ Dockerfiles give them) and pushed to a
# loopback registry that a registries.conf of the run puts in those
# registries' place. An image pinned by a digest built elsewhere cannot
# be made: its specs are in the expected list with that reason.
#
# CRITEST_RESULTS=FILE keeps the per-spec results ("STATE<TAB>SPEC"),
# CRITEST_LOG=FILE critest's output.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
EXPECTED=$top/hack/critest.expected
focus="" skip="" runtime=ctr-cri
while [ $# -gt 0 ]; do
	case $1 in
	--runtime) runtime=$2; shift 2 ;;
	--focus) focus=$2; shift 2 ;;
	--skip) skip=$2; shift 2 ;;
	*) echo "critest.sh: unknown argument $1" >&2; exit 64 ;;
	esac
done
case $runtime in
ctr-cri | containerd) ;;
*) echo "critest.sh: --runtime ctr-cri or containerd, not $runtime" >&2; exit 64 ;;
esac
PATH=$top/bin:$PATH
[ -x bin/critest ] || ./hack/build-cri-tools.sh critest bin/critest >&2

work=$(mktemp -d /var/tmp/ctr-critest.XXXXXX)
pids=()
cleanup() {
	local p
	# containerd's pods go while it runs (their shims with them).
	if [ "$runtime" = containerd ] && [ -S "$work/cri.sock" ]; then
		crictl --runtime-endpoint "unix://$work/cri.sock" pods -q 2>/dev/null |
			xargs -r crictl --runtime-endpoint "unix://$work/cri.sock" rmp -f >/dev/null 2>&1 || true
	fi
	# Then the daemons; ctr-cri's pods are removed by ctr-run, which
	# knows them (the same store).
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	if [ "$runtime" = containerd ] && declare -F containerd_tidy >/dev/null; then containerd_tidy; fi
	if [ -d "$work/root" ]; then
		ctr-run "${S[@]}" pod ls -q 2>/dev/null | xargs -r ctr-run "${S[@]}" pod rm -f >/dev/null 2>&1 || true
		ctr-run "${S[@]}" ps -a --json 2>/dev/null | jq -r .id | xargs -r ctr-run "${S[@]}" rm -f >/dev/null 2>&1 || true
	fi
	findmnt -rn -o TARGET | grep "^$work" | sort -r | xargs -r umount -l 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
S=(--root "$work/root" --runroot "$work/run" --storage-driver overlay)
B=(--root "$work/build-root" --runroot "$work/build-run" --storage-driver overlay)

# The loopback registry.
# shellcheck source=hack/registry.sh
. "$top/hack/registry.sh"
# shellcheck source=hack/containerd.sh
. "$top/hack/containerd.sh"
loopback_registry "$work/registry" || exit 1
pids+=("$REGISTRY_PID")
REG=$REGISTRY
cat >"$work/registries.conf" <<CONF
[[registry]]
prefix = "registry.k8s.io"
location = "$REG"
insecure = true
[[registry]]
prefix = "gcr.io"
location = "$REG"
insecure = true
[[registry]]
prefix = "k8s.gcr.io"
location = "$REG"
insecure = true
CONF

# start_containerd: Debian's containerd with its CRI plugin on the run's
# own root, state and socket: runc, podman's CNI network, the look-alike
# pause image, each upstream registry mirrored by the loopback one.
start_containerd() {
	command -v containerd >/dev/null || { echo "critest.sh: containerd is not installed (apt-get install containerd)" >&2; exit 1; }
	containerd_config "$work/containerd.toml" "$work/containerd" "$sock" registry.k8s.io/pause:3.9 "$REG" registry.k8s.io gcr.io k8s.gcr.io
	containerd --config "$work/containerd.toml" 2>"$work/cri.log" &
	pids+=($!)
}

# The base: busybox-static with the accounts busybox's image has.
mkimage -o "$work/bb:latest" --busybox "$(command -v busybox)" --cmd sh >/dev/null
ctr-copy -q "${B[@]}" "oci:$work/bb:latest" containers-storage:localhost/critest-base:latest >/dev/null
ctx=$work/ctx
mkdir -p "$ctx"
# The programs busybox-static lacks and critest runs: ipcs -m and pgrep
# (busybox's own print the same), nginx's and nonewprivs' parts
# (tests/lookalike).
cat >"$ctx/ipcs" <<'SH'
#!/bin/sh
# ipcs -m: the shared memory segments, from /proc/sysvipc/shm.
echo "------ Shared Memory Segments --------"
echo "key        shmid      owner      perms      bytes      nattch"
tail -n +2 /proc/sysvipc/shm | while read -r key id perms size cpid lpid nattch uid rest; do
	echo "$key $id $uid $perms $size $nattch"
done
SH
cat >"$ctx/pgrep" <<'SH'
#!/bin/sh
# pgrep NAME: the PIDs of the processes called NAME; 1 when none.
found=1
for p in /proc/[0-9]*; do
	read -r comm <"$p/comm" 2>/dev/null || continue
	[ "$comm" = "$1" ] && echo "${p#/proc/}" && found=0
done
exit $found
SH
cat >"$ctx/httpd-foreground" <<'SH'
#!/bin/sh
# httpd's part: it says its name in its log, then serves port 80.
echo "httpd: serving /usr/local/apache2/htdocs on port 80" >&2
exec httpd -f -p 80 -h /usr/local/apache2/htdocs
SH
chmod 755 "$ctx/ipcs" "$ctx/pgrep" "$ctx/httpd-foreground"
CGO_ENABLED=0 go build -o "$ctx/lookalike" ./tests/lookalike
chmod 4755 "$ctx/lookalike"
echo '<html><body><h1>Welcome to nginx!</h1></body></html>' >"$ctx/index.html"

# build NAME CONTAINERFILE [BUILD-ARGS...]: builds NAME (a full name) and
# pushes it to the registry under its repository's path (the three
# registries' repositories do not collide: one registry mirrors them all,
# for registries.conf and containerd's mirrors alike).
build() {
	local name=$1 file=$2
	shift 2
	printf '%s\n' "$file" >"$work/Containerfile"
	ctr-build "${B[@]}" -q -f "$work/Containerfile" "$@" -t "$name" "$ctx" >/dev/null
	ctr-copy -q "${B[@]}" --dest-tls-verify=false "containers-storage:$name" "docker://$REG/${name#*/}" >/dev/null
}
# busybox's accounts, and its applets as hard links (as in busybox's
# image: a masked /bin/ls must not mask the shell).
BASE='FROM localhost/critest-base:latest
RUN printf "%s\n" "root:x:0:0:root:/root:/bin/sh" "daemon:x:1:1:daemon:/usr/sbin:/bin/false" "www-data:x:33:33:www-data:/var/www:/bin/false" "nobody:x:65534:65534:nobody:/home:/bin/false" >/etc/passwd && printf "%s\n" "root:x:0:" "daemon:x:1:" "www-data:x:33:" "nogroup:x:65534:" >/etc/group && for f in /bin/* /sbin/* /usr/bin/* /usr/sbin/*; do [ -L "$f" ] && ln -f /bin/busybox "$f"; done; true
COPY ipcs pgrep /bin/'
build registry.k8s.io/e2e-test-images/busybox:1.29-2 "$BASE"
NGINX="$BASE
COPY lookalike /usr/sbin/nginx
COPY index.html /usr/share/nginx/html/index.html
STOPSIGNAL SIGQUIT"
build registry.k8s.io/e2e-test-images/nginx:1.14-2 "$NGINX
EXPOSE 80
CMD [\"nginx\"]"
build gcr.io/k8s-staging-cri-tools/hostnet-nginx-amd64:latest "$NGINX
EXPOSE 12003
CMD [\"nginx\", \"12003\"]"
build registry.k8s.io/e2e-test-images/httpd:2.4.39-4 "$BASE
COPY httpd-foreground /usr/local/bin/httpd-foreground
COPY index.html /usr/local/apache2/htdocs/index.html
EXPOSE 80
CMD [\"httpd-foreground\"]"
build registry.k8s.io/e2e-test-images/nonewprivs:1.3 "$BASE
COPY lookalike /usr/local/bin/nnp
ENTRYPOINT [\"/usr/local/bin/nnp\"]"
build registry.k8s.io/pause:3.9 "$BASE
CMD [\"sleep\", \"infinity\"]"
# image-test: one file named after the image.
for t in test-image-latest:latest test-image-tag:test test-image-tag:all test-image-1:latest test-image-2:latest test-image-3:latest; do
	build "gcr.io/k8s-staging-cri-tools/$t" "$BASE
RUN touch /${t%%:*}"
done
for tag in 1 2 3; do
	build "gcr.io/k8s-staging-cri-tools/test-image-tags:$tag" "$BASE
RUN touch /same-image"
done
# image-user, with the users images/build gives it.
for pair in test-image-user-uid=1002 test-image-user-username=www-data test-image-user-uid-group=1003:1004 test-image-user-username-group=www-data:1004; do
	build "gcr.io/k8s-staging-cri-tools/${pair%%=*}:latest" "$BASE
USER ${pair#*=}"
done
# image-predefined-group (Debian's busybox-static has no adduser: the
# entries adduser and addgroup would write).
build gcr.io/k8s-staging-cri-tools/test-image-predefined-group:latest "$BASE
RUN echo default-user:x:1000:1000::/home/default-user:/bin/sh >>/etc/passwd && echo default-user:x:1000: >>/etc/group && echo group-defined-in-image:x:50000:default-user >>/etc/group
USER 1000"

# The runtime on the run's own store and socket.
sock=$work/cri.sock
if [ "$runtime" = ctr-cri ]; then
	ctr-cri --listen "$sock" "${S[@]}" --registries-conf "$work/registries.conf" 2>"$work/cri.log" &
	pids+=($!)
else
	start_containerd
fi
for _ in $(seq 100); do crictl --runtime-endpoint "unix://$sock" version >/dev/null 2>&1 && break; sleep 0.1; done

args=(--runtime-endpoint "unix://$sock" --image-endpoint "unix://$sock" --ginkgo.json-report "$work/report.json" --ginkgo.no-color)
[ -n "$focus" ] && args+=(--ginkgo.focus "$focus")
[ -n "$skip" ] && args+=(--ginkgo.skip "$skip")
# critest's HostIpc specs make a shared memory segment on the host
# (ipcmk -M 1048576) and leave it: the new ones of that size go after.
shm_before=$(ipcs -m | awk '$5 == 1048576 {print $2}' | sort)
rc=0
critest "${args[@]}" >"$work/critest.log" 2>&1 || rc=$?
comm -13 <(echo "$shm_before") <(ipcs -m | awk '$5 == 1048576 {print $2}' | sort) | xargs -r -n1 ipcrm -m
if [ ! -s "$work/report.json" ]; then
	echo "critest.sh: critest wrote no report (exit $rc):" >&2
	tail -40 "$work/critest.log" >&2
	exit 1
fi
# Each spec as "STATE<TAB>CONTAINERS LEAF" (the name critest prints).
jq -r '.[].SpecReports[] | select(.LeafNodeType == "It") |
	"\(.State)\t\((.ContainerHierarchyTexts + [.LeafNodeText]) | join(" "))"' "$work/report.json" | sort >"$work/results"
[ -n "${CRITEST_RESULTS:-}" ] && cp "$work/results" "$CRITEST_RESULTS"
[ -n "${CRITEST_LOG:-}" ] && cp "$work/critest.log" "$CRITEST_LOG"

if [ "$runtime" = containerd ]; then
	echo "critest against containerd $(containerd --version | awk '{print $3}'): $(grep -c '^passed' "$work/results") passed, $(grep -cv '^passed\|^skipped\|^pending' "$work/results") failed, $(grep -c '^skipped\|^pending' "$work/results") skipped"
	exit 0
fi
# Judge each spec against the expected failures ("SPEC<TAB>REASON").
declare -A expected
while IFS=$'\t' read -r spec reason; do
	[ -z "$spec" ] || [ "${spec:0:1}" = "#" ] && continue
	expected[$spec]=$reason
done <"$EXPECTED"
pass=0 xfail=0 skipped=0 bad=0
while IFS=$'\t' read -r state spec; do
	case $state in
	passed)
		pass=$((pass + 1))
		if [ -n "${expected[$spec]:-}" ]; then
			echo "NOW PASSES (remove it from hack/critest.expected): $spec"
			bad=$((bad + 1))
		fi
		;;
	skipped | pending) skipped=$((skipped + 1)) ;;
	*)
		if [ -n "${expected[$spec]:-}" ]; then
			xfail=$((xfail + 1))
		else
			echo "FAILED ($state): $spec"
			bad=$((bad + 1))
		fi
		;;
	esac
done <"$work/results"
echo "critest against ctr-cri: $pass passed, $xfail failed as expected, $skipped skipped, $bad otherwise"
if [ "$bad" -gt 0 ]; then
	echo "--- critest's log (last 60 lines):"
	tail -60 "$work/critest.log"
	echo "--- ctr-cri's log (last 30 lines):"
	tail -30 "$work/cri.log"
	exit 1
fi
