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
"$here/../scripts/guest-assets.sh" "$assets" || exit 1

dir=$(mktemp -d /run/vhostzc-e2e.XXXXXX)
tp_pid= qemu_pid=
cleanup() {
	exec 3>&- 2>/dev/null
	vzc_kill "$qemu_pid" "$tp_pid"
	rm -rf "$dir"
}
trap cleanup EXIT

vzc_icmpecho_start "$dir" "$pmd" || exit 1

VZC_GUEST_CPU=1 vzc_guest "$dir/guest.log" "$dir/sock" 52:54:00:00:00:01 \
	"vzc.test=ping vzc.ip=10.0.0.2/24 vzc.peer=10.0.0.1" &
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
vzc_check "[ \"\$(xs rx_copy_no_iova)\" = 0 ]" "hugepage-backed guest memory has an IOVA in EAL's default mode"
vzc_check "[ \"\$(xs rx_desc_lent_now)\" = 0 ]" "nothing lent at the end"

# VZC_GUEST_NET=,packed=on: the guest must have run a packed ring.
case "${VZC_GUEST_NET:-}" in
*packed=on*) vzc_check "[ \"\$(xs rx_ring_packed)\" = 1 ]" "the guest's ring is packed" ;;
*) vzc_check "[ \"\$(xs rx_ring_packed)\" = 0 ]" "the guest's ring is split" ;;
esac
if [ "$vzc_fail" != 0 ]; then
	echo "--- guest"; tail -n 20 "$dir/guest.log"
	echo "--- testpmd"; grep -a -E "rx_|RX-|TX-|VHOSTZC|error" "$dir/testpmd.log" | head -n 40
fi
vzc_summary "guest-ping${VZC_GUEST_NET:+-packed}"
