#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Build what the end-to-end test boots: Debian's 6.1 kernel and a busybox
# initramfs whose /init loads virtio-net, configures eth0 and runs the
# command line's vzc.test script. Everything comes from Debian's archive.
#
# usage: guest-assets.sh OUTDIR    (writes OUTDIR/vmlinuz, OUTDIR/initrd.gz)
set -eu
command -v cpio >/dev/null || { echo "cpio is not installed" >&2; exit 1; }
out=${1:?usage: $0 OUTDIR}
[ -s "$out/vmlinuz" ] && [ -s "$out/initrd.gz" ] && exit 0

command -v busybox >/dev/null 2>&1 || [ -x /bin/busybox ] || {
	echo "busybox-static is not installed" >&2; exit 1; }
mkdir -p "$out"
work=$(mktemp -d "$out/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT

pkg=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64$' |
	awk '{print $1}' | sort -V | tail -n 1)
[ -n "$pkg" ] || { echo "no linux-image-6.1.0-*-amd64 in apt" >&2; exit 1; }
(cd "$work" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >/dev/null)
dpkg -x "$work"/"$pkg"_*.deb "$work/k"
kver=${pkg#linux-image-}

root="$work/root"
mkdir -p "$root/bin" "$root/mod" "$root/proc" "$root/sys" "$root/dev" "$root/tmp"
cp "$(command -v busybox || echo /bin/busybox)" "$root/bin/busybox"
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev \
	virtio_pci failover net_failover virtio_net; do
	f=$(find "$work/k/lib/modules/$kver" -name "$m.ko*" | head -n 1)
	[ -n "$f" ] || { echo "module $m not found" >&2; exit 1; }
	case "$f" in
	*.xz) xz -dc "$f" > "$root/mod/$m.ko" ;;
	*.zst) zstd -qdc "$f" > "$root/mod/$m.ko" ;;
	*) cp "$f" "$root/mod/$m.ko" ;;
	esac
	echo "$m" >> "$root/mod/order"
done

cat > "$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
for m in $(cat /mod/order); do insmod /mod/$m.ko; done
ip=$(sed -n 's/.*vzc.ip=\([^ ]*\).*/\1/p' /proc/cmdline)
ip link set lo up
ip link set eth0 up
ip addr add "${ip:-10.0.0.2/24}" dev eth0
echo VZC-GUEST-UP
cmd=$(sed -n 's/.*vzc.test=\([^ ]*\).*/\1/p' /proc/cmdline)
case "$cmd" in
ping)
	peer=$(sed -n 's/.*vzc.peer=\([^ ]*\).*/\1/p' /proc/cmdline)
	for s in 56 1400; do
		ping -c 20 -i 0.2 -W 2 -s $s "$peer" > /tmp/p 2>&1
		echo "VZC-PING size=$s $(grep 'packet loss' /tmp/p)"
	done
	;;
esac
echo VZC-GUEST-DONE
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) > "$out/initrd.gz"
cp "$work/k/boot/vmlinuz-$kver" "$out/vmlinuz"
echo "guest kernel $kver and initramfs in $out"
