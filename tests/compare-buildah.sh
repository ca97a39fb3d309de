#!/usr/bin/env bash
# compare-buildah.sh CASE_DIR: builds one Containerfile case with buildah bud
# --layers and with ctr-build, and prints the differences between the two
# images: the config (every field a Containerfile sets, Healthcheck, OnBuild
# and Shell too), the history (created_by, empty_layer), the layer count,
# and the file tree (path, type, mode, owner, link target, content digest;
# modification times too when the case builds with --timestamp). Exits 1
# when they differ otherwise than the case's expected-config.diff and
# expected-tree.diff say (ctr-build's deliberate choices, explained in a
# comment at the top of its Containerfile).
#
# A case may have:
#   flags        extra flags for both builders, one line (e.g. --timestamp N)
#   setup.sh     run in the case's directory first
#   www/         served over http on a loopback port for the build (passed
#                as --build-arg WWW=http://127.0.0.1:PORT), stopped after
#   docker-expected-tree
#                for what buildah 1.28 cannot build (heredocs): no buildah
#                build; these tree lines, written from Docker's rules, must
#                all be in ctr-build's image
#
# Needs STORAGE_ARGS (--root R --runroot RR --storage-driver overlay) and
# CONTAINERS_CONF (runc, no default ulimits).
#
# Everywhere: buildah (1.28) leaves the mount points of RUN steps in the
# layer (empty /etc/hostname, /etc/hosts, /etc/resolv.conf of mode 0755,
# /run); ctr-build removes the ones it made, as BuildKit does. Those
# buildah-only lines are left out of the file lists. History entries are
# compared by their instruction and whether they made a layer: how each
# builder spells created_by (buildah's "COPY dir:<digest> in /dst",
# BuildKit's and ctr-build's "COPY dir/ /dst", variables expanded or not)
# and buildah's comments ("FROM <parent ID>") are each one's own.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 CASE_DIR" >&2; exit 64; }
dir=$(realpath "$1")
name=$(basename "$dir")
read -r -a S <<<"$STORAGE_ARGS"
root="" runroot=""
for ((i = 0; i < ${#S[@]}; i++)); do
	case ${S[i]} in
	--root) root=${S[i + 1]} ;;
	--runroot) runroot=${S[i + 1]} ;;
	esac
done
stubs='^\./(etc/(hostname|hosts|resolv\.conf) f 755 0:0 +([0-9]+ )?e3b0c44298fc1c14|run d 755 0:0( +[0-9]+)? *)$'
work=$(mktemp -d)
httpd=""
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	if [ -n "$httpd" ]; then
		kill "$httpd" 2>/dev/null || true
		wait "$httpd" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

flags=()
[ -f "$dir/flags" ] && read -r -a flags <"$dir/flags"
times=""
[[ " ${flags[*]} " == *" --timestamp "* ]] && times=1

config() { # IMAGE: the raw config, the fields a Containerfile decides
	skopeo inspect --raw --config "containers-storage:[overlay@$root+$runroot]$1" | jq -S '{
		config: (.config // {} | {Env, Cmd, Entrypoint, WorkingDir: (.WorkingDir // ""), User: (.User // ""),
			Labels: ((.Labels // {}) | del(."io.buildah.version")), ExposedPorts: (.ExposedPorts // {}),
			Volumes: (.Volumes // {}), StopSignal: (.StopSignal // ""), Healthcheck, OnBuild, Shell}),
		history: [.history[] | (.created_by // "") as $c | {
			step: (if ($c | test("#\\(nop\\) ")) then ($c | capture("#\\(nop\\) +(?<k>[A-Z]+)").k) else "RUN" end),
			empty_layer: (.empty_layer // false)}],
		layers: (.rootfs.diff_ids | length)}'
}

tree() { # IMAGE: one line per file
	local c mnt fmt='%p %y %m %U:%G %l'
	[ -n "$times" ] && fmt="$fmt %Ts"
	c=$(ctr-build "${S[@]}" from --pull never "$1")
	mnt=$(ctr-build "${S[@]}" mount "$c")
	(cd "$mnt" && find . -mindepth 1 -printf "$fmt\n" | sort | while read -r p y rest; do
		if [ "$y" = f ]; then
			echo "$p $y $rest $(sha256sum <"$p" | cut -c1-16)"
		else
			echo "$p $y $rest"
		fi
	done)
	ctr-build "${S[@]}" rm "$c" >/dev/null
}

if [ -x "$dir/setup.sh" ]; then (cd "$dir" && ./setup.sh); fi
if [ -d "$dir/www" ]; then
	# A free loopback port: nothing answers on it yet.
	while :; do
		port=$((20000 + RANDOM % 20000))
		(echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
	done
	busybox httpd -f -p "127.0.0.1:$port" -h "$dir/www" </dev/null >/dev/null 2>&1 &
	httpd=$!
	for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
	flags+=(--build-arg "WWW=http://127.0.0.1:$port")
fi

ctr-build "${S[@]}" --no-cache -q -t "localhost/ctr-$name" "${flags[@]}" "$dir" >/dev/null 2>"$work/ctr.err" ||
	{ echo "$name: ctr-build failed: $(tail -1 "$work/ctr.err")"; exit 1; }

if [ -f "$dir/docker-expected-tree" ]; then
	tree "localhost/ctr-$name" >"$work/ctr.tree"
	missing=$(grep -vxF -f "$work/ctr.tree" "$dir/docker-expected-tree" || true)
	if [ -n "$missing" ]; then
		echo "$name: not as Docker's rules say; missing from ctr-build's image:"
		printf '    %s\n' "$missing"
		echo "  ctr-build's lines for those paths:"
		grep -F -f <(cut -d' ' -f1 "$dir/docker-expected-tree" | sed 's/$/ /') "$work/ctr.tree" | sed 's/^/    /' || true
		exit 1
	fi
	echo "$name: as Docker's rules say"
	exit 0
fi

buildah "${S[@]}" bud --layers --isolation oci --runtime runc -q -t "localhost/buildah-$name" "${flags[@]}" "$dir" >/dev/null 2>"$work/buildah.err" ||
	{ echo "$name: buildah failed: $(tail -1 "$work/buildah.err")"; exit 1; }
status=0
diff <(config "localhost/buildah-$name") <(config "localhost/ctr-$name") | grep "^[<>]" >"$work/config.diff" || true
diff <(tree "localhost/buildah-$name" | grep -vE "$stubs") <(tree "localhost/ctr-$name") | grep "^[<>]" >"$work/tree.diff" || true
for what in config tree; do
	expected=/dev/null
	[ -f "$dir/expected-$what.diff" ] && expected=$dir/expected-$what.diff
	if ! cmp -s "$work/$what.diff" "$expected"; then
		echo "$name: $what differs (< buildah, > ctr-build):"
		sed 's/^/    /' "$work/$what.diff"
		status=1
	fi
done
[ $status = 1 ] || echo "$name: same"
exit $status
