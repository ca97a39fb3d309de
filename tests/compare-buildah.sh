#!/usr/bin/env bash
# compare-buildah.sh CASE_DIR...: builds each Containerfile case with
# buildah bud --layers and with ctr-build into the store "$@" names after
# --, and prints the differences: config (the fields a Containerfile sets)
# and file tree (path, type, mode, owner, link target, content digest).
# Exits 1 when any case differs otherwise than its expected-config.diff
# and expected-tree.diff say (ctr-build's deliberate choices, explained in
# a comment at the top of the case's Containerfile). Needs STORAGE_ARGS
# (storage flags) and CONTAINERS_CONF (runc, no default ulimits).
#
# Everywhere: buildah (1.28) leaves the mount points of RUN steps in the
# layer (empty /etc/hostname, /etc/hosts, /etc/resolv.conf of mode 0755,
# /run); ctr-build removes the ones it made, as BuildKit does. Those
# buildah-only lines are left out of the file lists.
set -euo pipefail
read -r -a S <<<"$STORAGE_ARGS"
status=0
stubs='^\./(etc/(hostname|hosts|resolv\.conf) f 755 0:0 e3b0c44298fc1c14|run d 755 0:0)$'
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

config() { # IMAGE
	podman "${S[@]}" image inspect "$1" | jq -S '.[0].Config | {
		Env, Cmd, Entrypoint, WorkingDir: (.WorkingDir // ""), User: (.User // ""),
		Labels: ((.Labels // {}) | del(."io.buildah.version")), ExposedPorts: (.ExposedPorts // {}),
		Volumes: (.Volumes // {}), StopSignal: (.StopSignal // "")}'
}

tree() { # IMAGE
	local c dir
	c=$(ctr-build "${S[@]}" from --pull never "$1")
	dir=$(ctr-build "${S[@]}" mount "$c")
	(cd "$dir" && find . -mindepth 1 -printf '%p %y %m %U:%G %l\n' | sort | while read -r p y rest; do
		if [ "$y" = f ]; then
			echo "$p $y $rest $(sha256sum <"$p" | cut -c1-16)"
		else
			echo "$p $y $rest"
		fi
	done)
	ctr-build "${S[@]}" rm "$c" >/dev/null
}

for dir in "$@"; do
	name=$(basename "$dir")
	if [ -x "$dir/setup.sh" ]; then (cd "$dir" && ./setup.sh); fi
	buildah "${S[@]}" bud --layers --isolation oci --runtime runc -q -t "localhost/buildah-$name" "$dir" >/dev/null 2>"$work/buildah.err" ||
		{ echo "$name: buildah failed: $(tail -1 "$work/buildah.err")"; status=1; continue; }
	ctr-build "${S[@]}" --no-cache -q -t "localhost/ctr-$name" "$dir" >/dev/null 2>"$work/ctr.err" ||
		{ echo "$name: ctr-build failed: $(tail -1 "$work/ctr.err")"; status=1; continue; }
	same=1
	diff <(config "localhost/buildah-$name") <(config "localhost/ctr-$name") | grep "^[<>]" >"$work/config.diff" || true
	diff <(tree "localhost/buildah-$name" | grep -vE "$stubs") <(tree "localhost/ctr-$name") | grep "^[<>]" >"$work/tree.diff" || true
	for what in config tree; do
		expected=/dev/null
		[ -f "$dir/expected-$what.diff" ] && expected=$dir/expected-$what.diff
		if ! cmp -s "$work/$what.diff" "$expected"; then
			echo "$name: $what differs (< buildah, > ctr-build):"
			sed 's/^/    /' "$work/$what.diff"
			same=0
		fi
	done
	if [ $same = 1 ]; then echo "$name: same"; else status=1; fi
done
exit $status
