#!/usr/bin/env bash
# ctr-build against buildah bud --layers, side by side and alternating in
# one run, on one Containerfile (FROM the busybox test image, ARG, ENV,
# WORKDIR, COPY of 500 small files, two RUNs, USER, CMD):
#   cold: a fresh store holding only the base image, no cache
#   cached: the same build again, every step from the cache
#
#   bench/build.sh [ROUNDS]        (default 5)
#
# Stores live on a tmpfs, as in the other benches.
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
. bench/lib.sh
on_tmpfs 3g
printf '[engine]\nruntime = "runc"\n[containers]\ndefault_ulimits = []\n' >"$work/containers.conf"
export CONTAINERS_CONF=$work/containers.conf

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

declare -A t
for r in $(seq "$ROUNDS"); do
	fresh "ctr$r"
	t[ctr_cold]+="$(elapsed ctr-build "${S[@]}" -q -t app "$ctx") "
	t[ctr_cached]+="$(elapsed ctr-build "${S[@]}" -q -t app "$ctx") "
	fresh "buildah$r"
	t[buildah_cold]+="$(elapsed buildah "${S[@]}" bud --layers --isolation oci --runtime runc -q -t app "$ctx") "
	t[buildah_cached]+="$(elapsed buildah "${S[@]}" bud --layers --isolation oci --runtime runc -q -t app "$ctx") "
done
cc=$(median <<<"${t[ctr_cold]}") bc=$(median <<<"${t[buildah_cold]}")
ck=$(median <<<"${t[ctr_cached]}") bk=$(median <<<"${t[buildah_cached]}")
printf '\n%-30s %10s %10s %8s\n' "median of $ROUNDS, seconds" ctr-build buildah ratio
printf '%-30s %10s %10s %8s\n' "cold" "$cc" "$bc" "$(ratio "$cc" "$bc")" "cached" "$ck" "$bk" "$(ratio "$ck" "$bk")"
echo "date: $(date -u +%F), $(nproc) cores, $(buildah --version), ctr $(ctr-build --version | awk '{print $3}')"
