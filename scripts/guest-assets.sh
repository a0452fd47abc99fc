#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Build what the end-to-end tests boot: Debian's 6.1 kernel and two busybox
# initramfs images. initrd.gz: /init loads virtio-net, configures eth0 and
# runs the command line's vzc.test script. initrd-dpdk.gz: /init mounts the
# host's root over 9p, binds the emulated e1000e to vfio-pci or
# uio_pci_generic, reserves hugepages and runs the command line's
# vzc.script in a chroot on the host's root, so that DPDK runs inside the
# VM from the host's own files. Everything comes from Debian's archive.
#
# usage: guest-assets.sh OUTDIR
#        (writes OUTDIR/vmlinuz, OUTDIR/initrd.gz, OUTDIR/initrd-dpdk.gz)
set -eu
command -v cpio >/dev/null || { echo "cpio is not installed" >&2; exit 1; }
out=${1:?usage: $0 OUTDIR}
# Bump when the initramfs contents change: cached images are rebuilt.
stamp="init-v8"
[ -s "$out/vmlinuz" ] && [ -s "$out/initrd.gz" ] && [ -s "$out/initrd-dpdk.gz" ] &&
	[ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ] && exit 0

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

# A busybox root in $1 with the modules $2.. (loaded in that order), and
# the start of its /init: mounts, modules, arg NAME for vzc.NAME= of the
# kernel command line. Each image appends the rest.
mkroot() {
	r=$1
	shift
	mkdir -p "$r/bin" "$r/mod" "$r/proc" "$r/sys" "$r/dev" "$r/tmp"
	cp "$(command -v busybox || echo /bin/busybox)" "$r/bin/busybox"
	for m in "$@"; do
		f=$(find "$work/k/lib/modules/$kver" -name "$m.ko*" | head -n 1)
		[ -n "$f" ] || { echo "module $m not found" >&2; exit 1; }
		case "$f" in
		*.xz) xz -dc "$f" > "$r/mod/$m.ko" ;;
		*.zst) zstd -qdc "$f" > "$r/mod/$m.ko" ;;
		*) cp "$f" "$r/mod/$m.ko" ;;
		esac
		echo "$m" >> "$r/mod/order"
	done
	cat > "$r/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
for m in $(cat /mod/order); do
	insmod /mod/$m.ko || echo "VZC-INSMOD-FAILED $m"
done
arg() { sed -n "s/.*vzc.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
INIT
	chmod +x "$r/init"
}

root="$work/root"
mkroot "$root" virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev \
	virtio_pci failover net_failover virtio_net llc stp garp mrp 8021q

cat >> "$root/init" <<'INIT'
ip=$(arg ip)
peer=$(arg peer)
vlan=$(arg vlan)
mtu=$(arg mtu)
# vzc.sizes=56,1400,...: the ping payload sizes.
sizes=$(arg sizes | tr , ' ')
ip link set lo up
[ -z "$mtu" ] || ip link set eth0 mtu "$mtu"
ip link set eth0 up
dev=eth0
if [ -n "$vlan" ]; then
	ip link add link eth0 name eth0.$vlan type vlan id "$vlan"
	ip link set eth0.$vlan up
	dev=eth0.$vlan
fi
ip addr add "${ip:-10.0.0.2/24}" dev $dev
echo VZC-GUEST-UP
pings() {
	for s in ${sizes:-56 1400}; do
		ping -c 20 -i 0.2 -W 2 -s $s "$peer" > /tmp/p 2>&1
		echo "VZC-PING size=$s $(grep 'packet loss' /tmp/p)"
	done
}
# Quiesce the link, then report what the guest's NIC sent and received.
stats() {
	sleep 2
	ip link set eth0 down
	echo "VZC-STATS tx_packets=$(cat /sys/class/net/eth0/statistics/tx_packets) rx_packets=$(cat /sys/class/net/eth0/statistics/rx_packets)"
}
case "$(arg test)" in
ping)
	pings
	;;
ping-long)
	# 60 pings over 30 s: the host migrates the VM meanwhile.
	ping -c 60 -i 0.5 -W 2 -s 1400 "$peer" > /tmp/p 2>&1
	echo "VZC-PING-LONG $(grep 'packet loss' /tmp/p)"
	;;
ovs-a)
	# Sender: serve 4 MiB over HTTP (busybox nc may drop data at EOF),
	# ping, wait for the receiver to say it is done.
	mkdir -p /tmp/www
	dd if=/dev/urandom of=/tmp/www/tx bs=1M count=4 2>/dev/null
	echo "VZC-TX-MD5 $(md5sum /tmp/www/tx | cut -d' ' -f1)"
	nc -l -p 5001 > /tmp/done &
	done_pid=$!
	sleep 3
	pings
	# Serve only now: the bulk transfer never overlaps the pings (TCG
	# guests are slow enough for late replies to count as lost).
	httpd -p 8080 -h /tmp/www
	wait $done_pid
	stats
	;;
ovs-b)
	# Receiver: ping, fetch the file, report its checksum, tell the sender.
	sleep 3
	pings
	tries=0
	until wget -q -O /tmp/rx "http://$peer:8080/tx"; do
		tries=$((tries + 1)); [ $tries -ge 60 ] && break; sleep 1
	done
	echo "VZC-RX-MD5 $(md5sum /tmp/rx | cut -d' ' -f1) $(wc -c < /tmp/rx)"
	tries=0
	until echo done | nc "$peer" 5001; do
		tries=$((tries + 1)); [ $tries -ge 30 ] && break; sleep 1
	done
	stats
	;;
esac
echo VZC-GUEST-DONE
poweroff -f
INIT
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) > "$out/initrd.gz"

# The DPDK VM: 9p for the host's root, VFIO and UIO for the NIC.
droot="$work/droot"
mkroot "$droot" irqbypass virtio_ring virtio virtio_pci_modern_dev \
	virtio_pci_legacy_dev virtio_pci 9pnet 9pnet_virtio netfs fscache 9p \
	vfio vfio_iommu_type1 vfio_virqfd vfio-pci-core vfio-pci uio \
	uio_pci_generic
cat >> "$droot/init" <<'INIT'
mkdir -p /host
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000 hostroot /host ||
	echo "VZC-VM-NO-HOST-ROOT"
# The emulated e1000e (8086:10d3), for the driver the test asks for; never
# the kernel's own e1000e.
nic=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor")" = 0x8086 ] && [ "$(cat "$d/device")" = 0x10d3 ] &&
		nic=${d##*/}
done
case "$(arg nicdrv)" in
vfio) echo 8086 10d3 > /sys/bus/pci/drivers/vfio-pci/new_id ;;
uio) echo 8086 10d3 > /sys/bus/pci/drivers/uio_pci_generic/new_id ;;
esac
echo "$(arg hugepages)" > /proc/sys/vm/nr_hugepages
mkdir -p /dev/hugepages
# Binds first: a bind drops submounts, so hugetlbfs goes on top after.
for d in proc sys dev; do mount -o bind /$d /host/$d; done
mount -t hugetlbfs nodev /host/dev/hugepages
mount -t tmpfs -o mode=755 tmpfs /host/run
mount -t tmpfs tmpfs /host/tmp
echo "VZC-VM-UP nic=$nic driver=$(basename "$(readlink /sys/bus/pci/devices/$nic/driver)")"
chroot /host /bin/sh "$(arg script)" "$nic" "$(arg conf)"
echo VZC-VM-DONE
poweroff -f
INIT
(cd "$droot" && find . | cpio -o -H newc --quiet | gzip -9) > "$out/initrd-dpdk.gz"
cp "$work/k/boot/vmlinuz-$kver" "$out/vmlinuz"
echo "$stamp" > "$out/stamp"
echo "guest kernel $kver and initramfs in $out"
