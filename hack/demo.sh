#!/usr/bin/env bash
# make demo: the suite's main job end to end, on loopback only. Starts a
# registry, makes a busybox image, moves it through the ctr tools that exist
# so far, shows the result and cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH=$PWD/bin:$PATH
work=$(mktemp -d /tmp/ctr-demo.XXXXXX)
reg_pid=""
cleanup() {
	if [ -n "$reg_pid" ]; then kill "$reg_pid" 2>/dev/null; wait "$reg_pid" 2>/dev/null || true; fi
	# The demo's containers, with their monitors (whose clean-up writes in
	# the run dir until it ends).
	if [ -d "$work/storage" ]; then
		ctr-run --root "$work/storage" --runroot "$work/run" ps -a --json 2>/dev/null | jq -r .id |
			xargs -r ctr-run --root "$work/storage" --runroot "$work/run" rm -f >/dev/null 2>&1 || true
	fi
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
head -n1 "$work/pinned" | ctr-pull -q --tls-verify=false --root "$work/storage" --runroot "$work/run" - | tee "$work/id"
step "ctr-pull --json --policy missing: already there, nothing pulled"
head -n1 "$work/pinned" | ctr-pull -q --json --policy missing --tls-verify=false --root "$work/storage" \
	--runroot "$work/run" - | jq -c '{id, names, pulled}'
step "ctr-copy from local storage by image ID to an OCI archive"
ctr-copy -q --root "$work/storage" --runroot "$work/run" "$(cat "$work/id")" "oci-archive:$work/busybox.tar"
ls -l "$work/busybox.tar" >&2

step "ctr-run: run the pulled image by its ID, with podman's defaults (here: its capabilities and seccomp mode)"
ctr-run --root "$work/storage" --runroot "$work/run" --rm "$(cat "$work/id")" \
	sh -c 'echo "hello from $(hostname)"; grep -E "^(CapEff|Seccomp):" /proc/self/status; cat /etc/motd'
echo "exit status: $?" >&2

step "ctr-build: a Containerfile on top of the pulled image; its ID goes straight to ctr-run"
mkdir -p "$work/ctx"
printf 'FROM %s\nARG WHO=ctr-build\nRUN echo "built by $WHO" > /etc/motd\nCMD ["cat", "/etc/motd"]\n' "$(cat "$work/id")" >"$work/ctx/Containerfile"
cat "$work/ctx/Containerfile" >&2
ctr-build --root "$work/storage" --runroot "$work/run" -q -t demo "$work/ctx" |
	ctr-run --root "$work/storage" --runroot "$work/run" --rm -
step "ctr-build again: every step comes from the cache"
ctr-build --root "$work/storage" --runroot "$work/run" -t demo "$work/ctx" >/dev/null

step "ctr-run -d: a detached container under ctr-monitor; ctr-monitor wait and logs"
cid=$(ctr-run --root "$work/storage" --runroot "$work/run" -d "$(cat "$work/id")" sh -c 'echo hello from the background; exit 3')
echo "container $cid" >&2
ctr-monitor --root "$work/storage" --runroot "$work/run" wait "$cid" || true
ctr-monitor --root "$work/storage" --runroot "$work/run" logs "$cid"
echo "start it again and follow it to its exit:" >&2
ctr-run --root "$work/storage" --runroot "$work/run" start -a "$cid" || echo "exit status $?" >&2

step "ctr-run -d -i: a pipeline feeds a detached container's stdin through ctr-monitor attach"
cid=$(ctr-run --root "$work/storage" --runroot "$work/run" -d -i "$(cat "$work/id")" sh -c 'while read l; do echo "got $l"; done')
printf 'one\ntwo\n' | ctr-monitor --root "$work/storage" --runroot "$work/run" attach "$cid"
ctr-monitor --root "$work/storage" --runroot "$work/run" events --json "$cid" | jq -c '{event, pid, status}'

step "copying again sends nothing"
ctr-copy --tls-verify=false --json "docker://$R/library/busybox:1" "docker://$R/mirror/library/busybox:1" |
	jq -c '{ref, skipped}'
echo >&2
echo "demo: done; registry stopped and $work removed" >&2
