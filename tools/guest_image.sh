#!/usr/bin/env bash
# Builds the tiny guest that real-guest tests and the README boot, from
# Debian packages, into DIR (default build/guest-image), once:
#   vmlinuz      Debian's cloud kernel (linux-image-cloud-amd64), unpacked
#                with dpkg-deb, not installed;
#   initrd.img   a busybox-static initramfs: busybox init loads the virtio
#                and ACPI button modules, leases every NIC's address by DHCP
#                (udhcpc), powers off on the ACPI power button (acpid, so
#                soft reboots and stops are clean), prints
#                "stratus-guest: <nic> <address>" on the serial console and
#                keeps a root shell there;
#   disk.img     a small raw disk, the "ami" that refers to the two above
#                through kernel_id/ramdisk_id.
# Needs root (apt-get download) the first time; prints DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-build/guest-image}")
if [ -s "$out/vmlinuz" ] && [ -s "$out/initrd.img" ] && [ -s "$out/disk.img" ]; then
  echo "$out"
  exit 0
fi
busybox=/bin/busybox
# A dynamically linked busybox would need its libraries in the initramfs.
if ! [ -x "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then
  echo "guest_image.sh: needs busybox-static (apt-get install -y busybox-static)" >&2
  exit 1
fi
work=$(mktemp -d)
chmod 0755 "$work" # apt-get download writes as _apt
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# The kernel and its modules: the version linux-image-cloud-amd64 points at.
package=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-/ {print $2; exit}')
(cd "$work" && apt-get download "$package" >/dev/null)
dpkg-deb -x "$work"/"$package"_*.deb "$work/kernel"
version=${package#linux-image-}
modules="$work/kernel/lib/modules/$version/kernel"

# The initramfs.
root="$work/root"
mkdir -p "$root"/{bin,dev,proc,sys,etc/acpi/PWRF,lib/modules,tmp,run}
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
  [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
ln -s bin "$root/sbin"
ln -s bin/busybox "$root/init"
# In the order they depend on each other.
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover \
  net_failover virtio_net virtio_blk button evdev; do
  cp "$(find "$modules" -name "$m.ko" | head -1)" "$root/lib/modules/"
  echo "$m" >> "$root/lib/modules/order"
done
cat > "$root/etc/inittab" <<'EOF'
::sysinit:/etc/rc
ttyS0::respawn:/bin/cttyhack /bin/sh -l
::ctrlaltdel:/bin/reboot
::shutdown:/bin/echo stratus-guest: shutting down
EOF
cat > "$root/etc/rc" <<'EOF'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /lib/modules/order); do insmod /lib/modules/$m.ko 2>/dev/null; done
hostname stratus-guest
ip link set lo up
acpid
for nic in $(ls /sys/class/net); do
  [ "$nic" = lo ] && continue
  ip link set "$nic" up
  udhcpc -i "$nic" -s /etc/udhcpc.script -b -t 30 -T 1 >/dev/null 2>&1
done
echo "stratus-guest: up"
EOF
cat > "$root/etc/udhcpc.script" <<'EOF'
#!/bin/sh
case "$1" in
  bound|renew)
    ip addr flush dev "$interface" scope global
    ip addr add "$ip/$mask" dev "$interface"
    [ -n "$mtu" ] && ip link set dev "$interface" mtu "$mtu"
    [ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"
    echo "stratus-guest: $interface $ip" > /dev/console
    ;;
esac
exit 0
EOF
printf '#!/bin/sh\npoweroff\n' > "$root/etc/acpi/PWRF/00000080"
chmod +x "$root/etc/rc" "$root/etc/udhcpc.script" "$root/etc/acpi/PWRF/00000080"

(cd "$root" && find . | "$busybox" cpio -o -H newc 2>/dev/null | gzip -9) > "$work/initrd.img"
cp "$work/kernel/boot/vmlinuz-$version" "$work/vmlinuz"
truncate -s 1M "$work/disk.img"
# The qemu user (libvirt-qemu) reads them from wherever they are cached.
chmod 0644 "$work/vmlinuz" "$work/initrd.img" "$work/disk.img"
mv "$work/vmlinuz" "$work/initrd.img" "$work/disk.img" "$out/"
echo "$out"
