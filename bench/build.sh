#!/usr/bin/env bash
# ctr-build against buildah bud --layers, side by side and alternating in
# one run, on one Containerfile (FROM the busybox test image, ARG, ENV,
# WORKDIR, COPY of 500 small files, two RUNs, USER, CMD):
#   cold: a fresh store holding only the base image, no cache
#   cached: the same build again, every step from the cache
# One warm-up round, not counted, then ROUNDS rounds in shuffled order.
#
#   bench/build.sh [ROUNDS]        (default 5)
#
# Stores live on a tmpfs, as in the other benches.
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
. bench/lib.sh
on_tmpfs 3g
podman_conf

mkimage -o "$work/bb:1" --busybox "$(command -v busybox)" --cmd sh >&2
ctx=$work/ctx
mkdir -p "$ctx/files"
for i in $(seq 500); do echo "file $i" >"$ctx/files/f$i.txt"; done
cat >"$ctx/Containerfile" <<'CF'
FROM localhost/busybox:1
ARG GREETING=hello
ENV APP=/app PATH=/app/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /app
COPY files/ /app/files/
RUN mkdir -p /app/bin && echo "$GREETING" > /app/greeting && ls /app/files | wc -l > /app/count
RUN echo 'app:x:1000:1000::/app:/bin/sh' >> /etc/passwd && chown -R app /app
USER app
CMD ["cat", "/app/greeting"]
CF

# fresh N: a new store with only the base image; sets S.
fresh() {
	local d=$work/store-$1
	rm -rf "$d"
	S=(--root "$d/root" --runroot "$d/run" --storage-driver overlay)
	ctr-copy -q "${S[@]}" "oci:$work/bb:1" containers-storage:localhost/busybox:1 >/dev/null
}

# ctr-build runs its RUN steps with ctr-runtime, buildah with runc: the
# "ctr-runc" case gives ctr-build runc too, so the builders compare alone.
run_case() {
	case $1 in
	ctr | ctr-runc)
		local rt=()
		[ "$1" = ctr-runc ] && rt=(--runtime "$(command -v runc)")
		fresh "$1$2"
		cold=$(elapsed ctr-build "${S[@]}" "${rt[@]}" -q -t app "$ctx")
		cached=$(elapsed ctr-build "${S[@]}" "${rt[@]}" -q -t app "$ctx")
		;;
	buildah)
		fresh "buildah$2"
		cold=$(elapsed buildah "${S[@]}" bud --layers --isolation oci --runtime runc -q -t app "$ctx")
		cached=$(elapsed buildah "${S[@]}" bud --layers --isolation oci --runtime runc -q -t app "$ctx")
		;;
	esac
	rm -rf "$work/store-$1$2"
}
declare -A t
for r in $(seq 0 "$ROUNDS"); do
	shuffle ctr ctr-runc buildah
	for b in "${order[@]}"; do
		run_case "$b" "$r"
		if counted "$r"; then
			t[${b}_cold]+="$cold " t[${b}_cached]+="$cached "
		fi
	done
	round_done "$r"
done
printf '\n%-30s %10s %10s %10s %8s %8s\n' "median of $ROUNDS, seconds" ctr-build "(runc)" buildah ratio "(runc)"
for k in cold cached; do
	c=$(median <<<"${t[ctr_$k]}") cr=$(median <<<"${t[ctr-runc_$k]}") b=$(median <<<"${t[buildah_$k]}")
	printf '%-30s %10s %10s %10s %8s %8s\n' "$k" "$c" "$cr" "$b" "$(ratio "$c" "$b")" "$(ratio "$cr" "$b")"
done
echo "date: $(date -u +%F), $(nproc) cores, $(buildah --version), $(runc --version | head -1), ctr $(ctr-build --version | awk '{print $3}')"
