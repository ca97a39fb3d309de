#!/usr/bin/env bash
# hack/vm/kernel.sh: makes (once) and prints the directory of the test VM's
# kernel: Debian's linux-image package for this release, unpacked (not
# installed: the host's /boot and /lib/modules stay as they are), its
# module index, and an initramfs that mounts the host's root read-only
# over 9p under a writable overlay and boots the host's systemd on it.
# The directory is a cache under CTR_VM_CACHE (default /var/tmp/ctr-vm),
# keyed by the package's version and a hash of this directory's scripts.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${CTR_VM_CACHE:-/var/tmp/ctr-vm}

# Debian's current kernel package, as linux-image-amd64 names it.
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [ -z "$pkg" ]; then
	# A machine whose package lists were never fetched.
	apt-get update -qq >&2
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
fi
[ -n "$pkg" ] || { echo "kernel.sh: apt knows no linux-image-amd64 (apt-get update?)" >&2; exit 1; }
ver=$(apt-cache policy "$pkg" | awk '/Candidate:/ {print $2}')
key=$(cat "$here/kernel.sh" "$here/init.sh" | sha256sum | cut -c1-12)
dir=$cache/$pkg-$ver-$key
if [ -f "$dir/ready" ]; then
	echo "$dir"
	exit 0
fi
echo "kernel.sh: preparing $pkg $ver in $dir" >&2
# Older kernels and initramfs builds go: each is made again in seconds.
rm -rf "${cache:?}"/linux-image-*
mkdir -p "$dir"
(cd "$dir" && apt-get download -qq "$pkg" 2>/dev/null) || (cd "$dir" && apt-get download "$pkg" >&2)
dpkg-deb -x "$dir"/"$pkg"_*.deb "$dir/root"
rm -f "$dir"/"$pkg"_*.deb
kver=${pkg#linux-image-}
depmod -b "$dir/root" "$kver"
ln -s "root/boot/vmlinuz-$kver" "$dir/vmlinuz"

# The initramfs: busybox (static), the modules that reach the root (9p
# over virtio) and build the overlay on it, and init.sh.
ird=$dir/initramfs
mkdir -p "$ird"/{bin,mods,proc,sys,dev,lower,upper,newroot}
cp "$(command -v busybox)" "$ird/bin/busybox"
file -L "$ird/bin/busybox" | grep -q static || { echo "kernel.sh: busybox is not static (busybox-static)" >&2; exit 1; }
# The modules in load order: each one's dependencies first (modules.dep).
moddir=$dir/root/lib/modules/$kver
order=()
want() {
	local m=$1 line dep
	line=$(grep -E "(^|/)$m\.ko(\.xz)?:" "$moddir/modules.dep" | head -1)
	[ -n "$line" ] || return 0 # built in
	for dep in ${line#*:}; do want "$(basename "$dep" | sed 's/\.ko.*//')"; done
	local f=${line%%:*}
	for o in "${order[@]}"; do [ "$o" = "$f" ] && return 0; done
	order+=("$f")
}
for m in virtio_pci 9pnet_virtio 9p overlay; do want "$m"; done
: >"$ird/mods/order"
for f in "${order[@]}"; do
	name=$(basename "$f")
	case $name in
	*.xz) xz -dc "$moddir/$f" >"$ird/mods/${name%.xz}" && name=${name%.xz} ;;
	*) cp "$moddir/$f" "$ird/mods/$name" ;;
	esac
	echo "$name" >>"$ird/mods/order"
done
sed "s|@KVER@|$kver|; s|@MODDIR@|$moddir|" "$here/init.sh" >"$ird/init"
chmod 755 "$ird/init"
(cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) >"$dir/initrd.gz"
touch "$dir/ready"
echo "$dir"
