#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End to end with a real guest: QEMU (TCG) boots Debian's kernel with
# virtio-net over vhost-user to net_vhostzc in dpdk-testpmd (icmpecho);
# the guest pings through it with 56 B and 1400 B, and must see 0 % loss.
# The 1400 B requests must have gone zero-copy.
#
# usage: guest-ping.sh PMD_SO
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/lib.sh"
pmd=$1
assets=${VHOSTZC_GUEST_DIR:-/var/cache/vhostzc-guest}

if ! command -v qemu-system-x86_64 >/dev/null || ! command -v dpdk-testpmd >/dev/null; then
	echo "qemu-system-x86_64 or dpdk-testpmd missing (scripts/setup.sh installs them)"
	exit 1
fi
if [ ! -s "$assets/vmlinuz" ] || [ ! -s "$assets/initrd.gz" ]; then
	"$here/../scripts/guest-assets.sh" "$assets" || exit 1
fi

dir=$(mktemp -d /run/vhostzc-e2e.XXXXXX)
tp_pid= qemu_pid=
cleanup() {
	exec 3>&- 2>/dev/null
	vzc_kill "$qemu_pid" "$tp_pid"
	rm -rf "$dir"
}
trap cleanup EXIT

mkfifo "$dir/cmd"
# shellcheck disable=SC2046
taskset -c 0 stdbuf -oL dpdk-testpmd --lcores='0@0,1@0' $(vzc_eal_mem) --iova-mode=va \
	--no-pci -d "$pmd" --vdev "net_vhostzc0,iface=$dir/sock" -- -i \
	--forward-mode=icmpecho --total-num-mbufs=8192 \
	< "$dir/cmd" > "$dir/testpmd.log" 2>&1 &
tp_pid=$!
exec 3> "$dir/cmd"
echo "start" >&3
if ! vzc_wait_for "$dir/testpmd.log" 30 "icmpecho packet forwarding"; then
	echo "testpmd did not start:"; cat "$dir/testpmd.log"; exit 1
fi

taskset -c 1 timeout 180 qemu-system-x86_64 -machine q35,accel=tcg -cpu max \
	-m 512 -smp 1 -nographic -no-reboot \
	-object memory-backend-memfd,id=mem,size=512M,share=on \
	-numa node,memdev=mem \
	-kernel "$assets/vmlinuz" -initrd "$assets/initrd.gz" \
	-append 'console=ttyS0 quiet panic=-1 vzc.test=ping vzc.ip=10.0.0.2/24 vzc.peer=10.0.0.1' \
	-chardev "socket,id=c0,path=$dir/sock" \
	-netdev vhost-user,id=n0,chardev=c0 \
	-device virtio-net-pci,netdev=n0,mac=52:54:00:00:00:01,romfile=,vectors=0 \
	> "$dir/guest.log" 2>&1 &
qemu_pid=$!
wait "$qemu_pid"
qemu_pid=

echo "show port xstats 0" >&3
echo "show port stats 0" >&3
vzc_wait_for "$dir/testpmd.log" 10 "RX-nombuf" || true
echo "quit" >&3
exec 3>&-
wait "$tp_pid"
tp_pid=

xs() { sed -n "s/^ *$1: *\([0-9]*\).*/\1/p" "$dir/testpmd.log" | head -n 1; }

for s in 56 1400; do
	vzc_check "grep -aq 'VZC-PING size=$s 20 packets transmitted, 20 packets received, 0% packet loss' '$dir/guest.log'" \
		"ping -s $s with 0 % loss"
done
vzc_check "grep -aq VZC-GUEST-DONE '$dir/guest.log'" "guest finished"
vzc_check "[ \"\$(xs rx_zc_packets)\" -ge 20 ]" "1400 B requests went zero-copy (rx_zc_packets=$(xs rx_zc_packets))"
vzc_check "[ \"\$(xs rx_copied_packets)\" -ge 20 ]" "small packets copied (rx_copied_packets=$(xs rx_copied_packets))"
vzc_check "[ \"\$(xs rx_bad_desc)\" = 0 ]" "no bad descriptors"
vzc_check "[ \"\$(xs rx_desc_lent_now)\" = 0 ]" "nothing lent at the end"

if [ "$vzc_fail" != 0 ]; then
	echo "--- guest"; tail -n 20 "$dir/guest.log"
	echo "--- testpmd"; grep -a -E "rx_|RX-|TX-|VHOSTZC|error" "$dir/testpmd.log" | head -n 40
fi
vzc_summary "guest-ping"
