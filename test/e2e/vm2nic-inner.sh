#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# The inside of the vm2nic tests: runs in the QEMU VM, chrooted on the
# host's root (9p, read-only), with the emulated e1000e already bound to
# vfio-pci or uio_pci_generic by the VM's init (scripts/guest-assets.sh).
# dpdk-testpmd forwards (io) from net_vhostzc0 to the e1000e port; a
# virtio-user peer (test/integration/peer_proc.c) sends pattern packets
# into net_vhostzc0. Results go to the console as "VM2NIC key=value".
#
# usage: vm2nic-inner.sh NIC_PCI_ADDRESS CONF
# CONF (shell): PMD, PEER, PMD_DIR, TESTPMD, LIBS (LD_LIBRARY_PATH of a
# DPDK in a prefix, or empty), SIZES, COUNT, PPS
nic=$1
# shellcheck disable=SC1090
. "$2"
. "$(dirname "$0")/../lib.sh"
say() { echo "VM2NIC $*"; }
[ -z "$LIBS" ] || export LD_LIBRARY_PATH="$LIBS"

# EAL loads every plugin in its PMD directory, which for a distribution's
# ~390 over 9p under TCG takes minutes: lay a reduced one over it. It
# keeps every .so.MAJOR name (dpdk-testpmd links many drivers directly)
# but only the .so.ABI plugins this test needs, so only those are loaded.
abi=${PMD_DIR##*pmds-}
if [ "$(ls "$PMD_DIR" | wc -l)" -gt 60 ]; then
	mkdir -p /run/pmds-all /run/pmds
	mount -o bind "$PMD_DIR" /run/pmds-all
	for f in /run/pmds-all/*.so."${abi%.*}"; do
		ln -s "$f" /run/pmds/
	done
	for d in bus_pci bus_vdev mempool_ring net_e1000 net_virtio; do
		ln -s "/run/pmds-all/librte_$d.so.$abi" /run/pmds/
	done
	mount -o bind /run/pmds "$PMD_DIR"
fi

mkfifo /run/cmd
# Port 0: the e1000e; port 1: net_vhostzc0. EAL picks the IOVA mode.
stdbuf -oL "$TESTPMD" --lcores=0@0,1@1 --in-memory -m 128 -a "$nic" \
	-d "$PMD" --vdev "net_vhostzc0,iface=/run/vzc.sock" -- -i \
	--forward-mode=io --total-num-mbufs=8192 \
	< /run/cmd > /run/tp.log 2>&1 &
exec 3> /run/cmd
echo "start" >&3
if ! vzc_wait_for /run/tp.log 60 "io packet forwarding"; then
	say "error=testpmd-did-not-start"
	cat /run/tp.log
	exit 1
fi
grep -E "IOVA mode|IOMMU type|VHOSTZC" /run/tp.log | sed 's/^/VM2NIC-LOG /'

VZC_PEER_VDEV="net_virtio_user0,path=/run/vzc.sock,queues=1" \
	VZC_PEER_SIZE="$SIZES" VZC_PEER_COUNT="$COUNT" VZC_PEER_PPS="$PPS" \
	"$PEER" --lcores=0@0 --in-memory --single-file-segments -m 128 \
	--no-pci --file-prefix peer > /run/peer.log 2>&1 &
peer=$!
if ! vzc_wait_for /run/peer.log 120 "PEER-SENT"; then
	say "error=peer-did-not-finish"
	cat /run/peer.log
fi
sleep 2
# Counters while the peer is still attached (the mode gauges need it).
echo "show port stats 0" >&3
echo "show port xstats 1" >&3
vzc_wait_for /run/tp.log 10 "rx_q0_lend_iova_pa"
kill $peer
wait $peer
echo "quit" >&3
exec 3>&-
wait

say "nic_tx=$(sed -n '/NIC statistics for port 0/,/####/p' /run/tp.log |
	sed -n 's/.*TX-packets: *\([0-9]*\).*/\1/p' | head -n 1)"
for x in rx_zc_packets rx_copied_packets rx_bad_desc rx_copy_no_iova \
	rx_copy_iova_split rx_lend_iova_va rx_lend_iova_va_dma rx_lend_iova_pa; do
	say "$x=$(sed -n "s/^ *$x: *\([0-9]*\).*/\1/p" /run/tp.log | head -n 1)"
done
say "sent=$(sed -n 's/PEER-SENT \([0-9]*\)/\1/p' /run/peer.log)"
say "dmar_faults=$(dmesg | grep -c 'DMAR: \[DMA')"
dmesg | grep 'DMAR: \[DMA' | head -n 3 | sed 's/^/VM2NIC-LOG /'
say "done"
