#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The main job on a fresh Debian 12 machine (as root): install what is
# missing, build, install the PMD into DPDK's PMD directory (so every DPDK
# application loads it without -d), then run dpdk-testpmd with
# net_vhostzc0 against a virtio-user peer testpmd sending 1518 B packets,
# and show the traffic and the zero-copy counters.
#
# usage: run.sh [seconds] [packet size]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/test/lib.sh"
secs=${1:-10}
size=${2:-1518}

VHOSTZC_SKIP_GUEST=1 "$top/scripts/setup.sh"
BUILD_DIR=$top/build "$top/scripts/build.sh"
meson install -C "$top/build" --quiet >/dev/null
echo "run: installed into $(sed -n 's/^#define RTE_EAL_PMD_PATH "\(.*\)"/\1/p' \
	/usr/include/*/dpdk/rte_build_config.h /usr/include/dpdk/rte_build_config.h \
	2>/dev/null | head -n 1)"

dir=$(mktemp -d /run/vhostzc-run.XXXXXX)
be= peer=
cleanup() {
	exec 3>&- 4>&- 2>/dev/null
	vzc_kill "$peer" "$be"
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM
mkfifo "$dir/be.cmd" "$dir/peer.cmd"

# Backend: net_vhostzc0 (vhost-user server), forwarding lcore on CPU 0.
# No -d: EAL loads the installed PMD from its PMD directory.
# shellcheck disable=SC2046
stdbuf -oL dpdk-testpmd --lcores='0@0,1@0' $(vzc_eal_mem) --no-pci \
	--vdev "net_vhostzc0,iface=$dir/vhost.sock" -- -i \
	--forward-mode=rxonly --total-num-mbufs=16384 \
	< "$dir/be.cmd" > "$dir/be.log" 2>&1 &
be=$!
exec 3> "$dir/be.cmd"
echo "start" >&3
vzc_wait_for "$dir/be.log" 30 "rxonly packet forwarding" ||
	{ cat "$dir/be.log"; exit 1; }

# Peer: virtio-user (the "guest"), sending on CPU 1.
# shellcheck disable=SC2046
stdbuf -oL dpdk-testpmd --lcores='0@1,1@1' $(vzc_eal_mem) --no-pci \
	--vdev "net_virtio_user0,path=$dir/vhost.sock,queues=1" -- -i \
	--forward-mode=txonly --txpkts="$size" --total-num-mbufs=16384 \
	< "$dir/peer.cmd" > "$dir/peer.log" 2>&1 &
peer=$!
exec 4> "$dir/peer.cmd"
echo "start" >&4
vzc_wait_for "$dir/peer.log" 30 "txonly packet forwarding" ||
	{ cat "$dir/peer.log"; exit 1; }

echo "run: virtio-user sends ${size} B packets to net_vhostzc0 for ${secs} s"
sleep "$secs"
echo "stop" >&4
sleep 1
echo "show port info 0" >&3
echo "show port stats 0" >&3
echo "show port xstats 0" >&3
vzc_wait_for "$dir/be.log" 10 "rx_q0_guest_notifications" || true
echo "quit" >&3
echo "quit" >&4
exec 3>&- 4>&-
wait "$be" || true
wait "$peer" || true
be= peer=

echo "--- net_vhostzc0 (dpdk-testpmd, rxonly)"
grep -a -E "Driver name|RX-packets:.*RX-missed|^ *rx_(zc_packets|copied_packets|desc_lent_now|desc_returned|bad_desc):" \
	"$dir/be.log" | sed 's/^ */  /'
zc=$(sed -n 's/^ *rx_zc_packets: *\([0-9]*\).*/\1/p' "$dir/be.log" | head -n 1)
echo "--- result"
if [ "${zc:-0}" -gt 0 ]; then
	echo "  OK: ${zc} packets reached testpmd without a copy" \
		"($(awk -v p="$zc" -v s="$secs" 'BEGIN {printf "%.2f", p / s / 1e6}') Mpps average)"
else
	echo "  zero-copy packets: ${zc:-none}"
	exit 1
fi
