#!/bin/busybox sh
# shellcheck shell=dash
# The test VM's first process (hack/vm/kernel.sh puts it in the
# initramfs): the host's root, shared read-only over 9p ("hostroot"), under
# a writable overlay in guest memory becomes the root; the command share
# ("ctrvm", read-write) is mounted at /ctr-vm; then the host's own systemd
# boots it to ctr-vm.target, which runs /ctr-vm/cmd and powers off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
fail() {
	echo "ctr-vm init: $*" >/dev/console
	poweroff -f
}
while read -r m; do
	insmod "/mods/$m" || fail "insmod $m"
done </mods/order
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /lower || fail "mounting the host's root"
mount -t tmpfs -o mode=755 upper /upper
mkdir -p /upper/u /upper/w
mount -t overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w overlay /newroot || fail "mounting the overlay"
r=/newroot
# This kernel's modules, from the unpacked package on the host (bound
# before /var/tmp, where the host keeps them, becomes the guest's own).
mkdir -p "$r/lib/modules/@KVER@"
mount --bind "/lower@MODDIR@" "$r/lib/modules/@KVER@" || fail "binding the modules"
mkdir -p $r/ctr-vm
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 ctrvm $r/ctr-vm || fail "mounting the command share"
# Containers' storage cannot be an overlay's upper on an overlay: the
# places tools keep it are memory of their own, and so is TMPDIR (run.sh
# points it at /var/lib/ctr-vm-tmp), where the tests keep theirs. /tmp
# stays the host's: a checkout may be there.
for d in var/lib/ctr-vm-tmp var/lib/containers var/lib/cni run/netns; do
	mkdir -p "$r/$d"
	mount -t tmpfs -o mode=1777 "ctr-vm-$(echo $d | tr / -)" "$r/$d"
done
# Nothing of the host's fstab; the guest's own units only. /tmp is kept
# as the host has it: Debian's tmpfiles.d/tmp.conf would empty it at boot
# (a checkout there with it), so an empty one of the same name wins.
: >$r/etc/fstab
mkdir -p $r/etc/tmpfiles.d
: >$r/etc/tmpfiles.d/tmp.conf
u=$r/etc/systemd/system
cat >$u/ctr-vm.target <<UNIT
[Unit]
Description=ctr test VM
Requires=sysinit.target ctr-vm.service
After=sysinit.target ctr-vm.service
AllowIsolate=yes
UNIT
cat >$u/ctr-vm.service <<UNIT
[Unit]
Description=ctr test VM command
DefaultDependencies=no
Requires=sysinit.target
After=sysinit.target
[Service]
Type=oneshot
ExecStart=/bin/bash -c 'echo ctr-vm: start >/dev/ttyS0; cd /ctr-vm && bash /ctr-vm/cmd </dev/null >/ctr-vm/out 2>&1; echo \$\$? >/ctr-vm/status.tmp; mv /ctr-vm/status.tmp /ctr-vm/status; echo ctr-vm: end >/dev/ttyS0'
ExecStopPost=/bin/systemctl --no-block poweroff
TimeoutStartSec=infinity
UNIT
umount /proc /sys
umount /dev 2>/dev/null
exec switch_root /newroot /lib/systemd/systemd systemd.unit=ctr-vm.target
