#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# A VM sending to the physical network through net_vhostzc, with a real
# NIC driver doing DMA from the lent mbufs: a QEMU (TCG) VM runs DPDK from
# the host's own files (9p root) with an emulated e1000e (net_e1000_em);
# inside it dpdk-testpmd forwards from net_vhostzc0, fed by a virtio-user
# peer sending pattern packets, to the e1000e (test/e2e/vm2nic-inner.sh).
# QEMU dumps what the NIC puts on the wire to a pcap on the host, and every
# frame is checked byte for byte: a failed DMA read goes out zero-filled.
#
#   va: e1000e on vfio-pci behind an emulated IOMMU (intel-iommu, vfio
#       type1): EAL selects IOVA as VA. Run with the IOMMU's default
#       address width (39 bits) and with aw-bits=48.
#   pa: e1000e on uio_pci_generic, no IOMMU: EAL selects IOVA as PA.
#
# usage: vm2nic.sh PMD_SO PEER_BIN va|pa DPDK_PMD_DIR
# (the DPDK is the one dpdk-testpmd on PATH and the loader use)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/lib.sh"
pmd=$(readlink -f "$1")
peer=$(readlink -f "$2")
mode=$3
assets=${VHOSTZC_GUEST_DIR:-/var/cache/vhostzc-guest}
sizes=700,1400
count=3000

pmd_dir=$4
testpmd=$(command -v dpdk-testpmd)
"$here/../scripts/guest-assets.sh" "$assets" || exit 1
[ -d "$pmd_dir" ] && [ -n "$testpmd" ] ||
	{ echo "no DPDK PMD directory $pmd_dir or no dpdk-testpmd"; exit 1; }

# The VM reads this directory over 9p; /run and /tmp are its own tmpfs.
dir=$(mktemp -d /var/tmp/vhostzc-vm2nic.XXXXXX)
chmod 755 "$dir"
qemu_pid=
cleanup() {
	vzc_kill "$qemu_pid"
	rm -rf "$dir"
}
trap cleanup EXIT
cat > "$dir/conf" <<EOF
PMD=$pmd
PEER=$peer
PMD_DIR=$pmd_dir
TESTPMD=$testpmd
LIBS=${LD_LIBRARY_PATH:-}
SIZES=$sizes
COUNT=$count
PPS=3000
EOF

# vm NAME "QEMU IOMMU ARGS" "KERNEL ARGS": boot, run, check one VM.
vm() {
	name=$1 iommu=$2 kargs=$3
	log=$dir/$name.log pcap=$dir/$name.pcap
	port=$((20000 + ($$ + RANDOM) % 20000))
	echo "--- $name"
	# shellcheck disable=SC2086
	timeout 300 qemu-system-x86_64 -nodefaults -machine q35 \
		-accel tcg,thread=multi -cpu max -smp 2 -m 1536 $iommu \
		-kernel "$assets/vmlinuz" -initrd "$assets/initrd-dpdk.gz" \
		-append "console=ttyS0 loglevel=4 $kargs vzc.hugepages=320 vzc.script=$here/e2e/vm2nic-inner.sh vzc.conf=$dir/conf" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on \
		-netdev "socket,id=n1,udp=127.0.0.1:$port,localaddr=127.0.0.1:$((port + 1))" \
		-device e1000e,netdev=n1,mac=52:54:00:12:34:56 \
		-object "filter-dump,id=f0,netdev=n1,file=$pcap" \
		-display none -serial stdio -monitor none -no-reboot \
		> "$log" 2>&1 &
	qemu_pid=$!
	wait "$qemu_pid"
	qemu_pid=
	v() { sed -n "s/^VM2NIC $1=\([0-9]*\).*/\1/p" "$log" | tr -d '\r' | head -n 1; }
	frames=$(python3 "$here/e2e/check_frames.py" "$pcap" "$sizes")
	fstatus=$?
	echo "$frames"
	grep -a "VM2NIC" "$log" | tr -d '\r'
	nframes=$(echo "$frames" | sed -n 's/.*frames=\([0-9]*\).*/\1/p')
	vzc_check "grep -aq '^VM2NIC done' '$log'" "$name: the VM ran the test to its end"
	vzc_check "[ $fstatus = 0 ]" "$name: every frame on the wire intact, byte for byte"
	vzc_check "[ '${nframes:-0}' -ge $((count / 2)) ] && [ '${nframes:-0}' = '$(v nic_tx)' ]" \
		"$name: the NIC sent ${nframes:-0} of $count frames, all in the pcap (TX-packets $(v nic_tx))"
	vzc_check "echo '$frames' | grep -q 'sizes=700:[0-9]*,1400:[0-9]*'" "$name: both sizes on the wire"
	vzc_check "[ '$(v rx_zc_packets)' -gt 0 ]" "$name: zero-copy packets $(v rx_zc_packets)"
	vzc_check "[ '$(v rx_lend_iova_$4)' = 1 ]" "$name: lending with $4 IOVAs"
	vzc_check "[ '$(v dmar_faults)' = 0 ] && ! grep -aq 'DMAR: \[DMA' '$log'" \
		"$name: no DMAR fault in the VM's kernel log"
	vzc_check "[ '$(v rx_bad_desc)' = 0 ]" "$name: no bad descriptors"
	if [ "$vzc_fail" != 0 ]; then
		echo "--- $name console (tail)"
		tail -n 30 "$log" | tr -d '\r'
	fi
}

case "$mode" in
va)
	vm va-aw39 "-device intel-iommu,intremap=on,eim=off" \
		"intel_iommu=on vzc.nicdrv=vfio" va_dma
	vm va-aw48 "-device intel-iommu,intremap=on,eim=off,aw-bits=48" \
		"intel_iommu=on vzc.nicdrv=vfio" va_dma
	;;
pa)
	vm pa "" "intel_iommu=off vzc.nicdrv=uio" pa
	;;
*)
	echo "usage: $0 PMD_SO PEER_BIN va|pa DPDK_PMD_DIR"
	exit 1
	;;
esac
vzc_summary "vm2nic-$mode"
