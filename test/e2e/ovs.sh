#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Open vSwitch with DPDK (Debian's ovs-vswitchd-dpdk) switching between two
# net_vhostzc ports, each with a QEMU (TCG) Linux guest behind it.
#
#   guest A 10.0.0.1 -- vm0.sock -- net_vhostzc0 (p0) -+
#                                                      br0 (netdev)
#   guest B 10.0.0.2 -- vm1.sock -- net_vhostzc1 (p1) -+
#
# Checks: pings both ways at 56 and 1400 B with 0 % loss; 4 MiB from A to B
# (HTTP, busybox httpd and wget) with matching MD5; OVS rx counters equal what each guest sent; zero-copy
# counters (read through DPDK telemetry inside ovs-vswitchd) > 0 on both.
#
# usage: ovs.sh PMD_SO [normal|vlan|jumbo]
#   normal: NORMAL (L2 learning) switching, default devargs
#   jumbo:  the same with mtu_request=9000 on both ports and MTU 9000 in
#           both guests; pings of 8972 B too, no MTU warning from OVS
#   vlan:   A's packets get push_vlan 100 on the way to B (B runs eth0.100),
#           B's are stripped on the way back; default devargs too (the
#           linear zero-copy layout keeps 12 B of headroom: one tag)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/lib.sh"
pmd=$1
mode=${2:-normal}
assets=${VHOSTZC_GUEST_DIR:-/var/cache/vhostzc-guest}
vswitchd=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk

for t in ovsdb-tool ovsdb-server ovs-vsctl qemu-system-x86_64 "$vswitchd"; do
	if ! command -v "$t" >/dev/null; then
		echo "$t missing (scripts/setup.sh installs it)"
		exit 1
	fi
done
"$here/../scripts/guest-assets.sh" "$assets" || exit 1

dir=$(mktemp -d /run/vhostzc-ovs.XXXXXX)
export OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir
vsctl() { ovs-vsctl --db="unix:$dir/db.sock" --timeout=30 "$@"; }
qa= qb=
cleanup() {
	vzc_kill "$qa" "$qb"
	for p in vswitchd ovsdb; do
		[ -f "$dir/$p.pid" ] && kill "$(cat "$dir/$p.pid")" 2>/dev/null
	done
	for p in vswitchd ovsdb; do
		if [ -f "$dir/$p.pid" ]; then
			pid=$(cat "$dir/$p.pid" 2>/dev/null) || continue
			for _ in $(seq 50); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			kill -9 "$pid" 2>/dev/null
		fi
	done
	[ -n "${VZC_KEEP:-}" ] || rm -rf "$dir" "/var/run/dpdk/vzcovs$$"
}
trap cleanup EXIT

# The PMD: the installed copy is auto-loaded; load the build with -d only
# when none is installed (a second copy would register the name twice).
pmd_dir=$(sed -n 's/^#define RTE_EAL_PMD_PATH "\(.*\)"/\1/p' \
	/usr/include/*/dpdk/rte_build_config.h 2>/dev/null | head -n 1)
extra="--no-pci --file-prefix=vzcovs$$"
[ -e "$pmd_dir/librte_net_vhostzc.so" ] || extra="$extra -d $pmd"

ovsdb-tool create "$dir/conf.db" /usr/share/openvswitch/vswitch.ovsschema
ovsdb-server "$dir/conf.db" --remote="punix:$dir/db.sock" \
	--pidfile="$dir/ovsdb.pid" --detach --log-file="$dir/ovsdb.log" || exit 1
vsctl --no-wait init
vsctl --no-wait set Open_vSwitch . other_config:dpdk-init=true \
	other_config:dpdk-socket-mem=512 other_config:dpdk-socket-limit=512 \
	other_config:dpdk-lcore-mask=0x1 other_config:pmd-cpu-mask=0x2 \
	other_config:pmd-maxsleep=50 "other_config:dpdk-extra=\"$extra\""
"$vswitchd" "unix:$dir/db.sock" --pidfile="$dir/vswitchd.pid" --detach \
	--log-file="$dir/vswitchd.log" || { cat "$dir/vswitchd.log"; exit 1; }
vsctl add-br br0 -- set bridge br0 datapath_type=netdev
mtu= sizes="56 1400" guest_mtu=
if [ "$mode" = jumbo ]; then
	mtu="mtu_request=9000" sizes="56 1400 8972"
	guest_mtu="vzc.mtu=9000 vzc.sizes=56,1400,8972"
fi
for i in 0 1; do
	# shellcheck disable=SC2086
	vsctl add-port br0 p$i -- set Interface p$i type=dpdk \
		"options:dpdk-devargs=net_vhostzc$i,iface=$dir/vm$i.sock" $mtu
done
if [ "$mode" = vlan ]; then
	ovs-ofctl del-flows br0
	# mod_vlan_vid on an untagged packet pushes a tag (datapath push_vlan).
	ovs-ofctl add-flow br0 "in_port=p0,actions=mod_vlan_vid:100,output:p1" || exit 1
	ovs-ofctl add-flow br0 "in_port=p1,dl_vlan=100,actions=strip_vlan,output:p0" || exit 1
fi

vlan_b=
[ "$mode" = vlan ] && vlan_b="vzc.vlan=100"
vzc_guest "$dir/a.log" "$dir/vm0.sock" 52:54:00:00:00:0a \
	"vzc.test=ovs-a vzc.ip=10.0.0.1/24 vzc.peer=10.0.0.2 $guest_mtu" &
qa=$!
vzc_guest "$dir/b.log" "$dir/vm1.sock" 52:54:00:00:00:0b \
	"vzc.test=ovs-b vzc.ip=10.0.0.2/24 vzc.peer=10.0.0.1 $vlan_b $guest_mtu" &
qb=$!

# Read net_vhostzc's xstats inside ovs-vswitchd while the guests run: the
# DPDK telemetry socket of its EAL.
telemetry() {
	python3 - "$1" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.recv(4096)
out = {}
for port in (0, 1):
    s.send(f"/ethdev/xstats,{port}".encode())
    data = json.loads(s.recv(1 << 20).decode())
    out[port] = data.get("/ethdev/xstats", {})
print(json.dumps(out))
PY
}
tsock=/var/run/dpdk/vzcovs$$/dpdk_telemetry.v2
wait "$qa" "$qb"
qa= qb=
xs=$(telemetry "$tsock" 2>/dev/null)

for g in a b; do
	for s in $sizes; do
		vzc_check "grep -aq 'VZC-PING size=$s 20 packets transmitted, 20 packets received, 0% packet loss' '$dir/$g.log'" \
			"guest $g: ping -s $s with 0 % loss"
	done
	vzc_check "grep -aq VZC-GUEST-DONE '$dir/$g.log'" "guest $g finished"
done
tx_md5=$(sed -n 's/.*VZC-TX-MD5 \([0-9a-f]*\).*/\1/p' "$dir/a.log")
rx_md5=$(sed -n 's/.*VZC-RX-MD5 \([0-9a-f]*\) \([0-9]*\).*/\1/p' "$dir/b.log")
rx_len=$(sed -n 's/.*VZC-RX-MD5 \([0-9a-f]*\) \([0-9]*\).*/\2/p' "$dir/b.log")
vzc_check "[ -n '$tx_md5' ] && [ '$tx_md5' = '$rx_md5' ] && [ '$rx_len' = 4194304 ]" \
	"4 MiB A -> B intact (md5 $tx_md5 / $rx_md5, $rx_len bytes)"

# OVS saw exactly what each guest sent (guests report after link down).
for i in 0 1; do
	g=$([ $i = 0 ] && echo a || echo b)
	sent=$(sed -n 's/.*VZC-STATS tx_packets=\([0-9]*\).*/\1/p' "$dir/$g.log")
	# Live counters (the database copy is refreshed every few seconds).
	got=$(ovs-ofctl dump-ports br0 p$i 2>/dev/null |
		sed -n 's/.*rx pkts=\([0-9]*\).*/\1/p' | head -n 1)
	vzc_check "[ -n '$sent' ] && [ '$sent' = '$got' ]" \
		"p$i rx_packets $got = guest $g tx_packets $sent"
done
for i in 0 1; do
	zc=$(echo "$xs" | python3 -c "import json,sys; print(json.load(sys.stdin)['$i'].get('rx_zc_packets', 0))" 2>/dev/null)
	bad=$(echo "$xs" | python3 -c "import json,sys; print(json.load(sys.stdin)['$i'].get('rx_bad_desc', -1))" 2>/dev/null)
	vzc_check "[ '${zc:-0}' -gt 0 ] && [ '$bad' = 0 ]" \
		"net_vhostzc$i: zero-copy packets ${zc:-?}, bad descriptors ${bad:-?}"
done
if [ "$mode" = jumbo ]; then
	for i in 0 1; do
		m=$(vsctl get Interface p$i mtu 2>/dev/null)
		vzc_check "[ '$m' = 9000 ]" "p$i MTU $m"
	done
	vzc_check "! grep -aqiE 'does not support MTU|mtu.*(fail|error)' '$dir/vswitchd.log'" \
		"no MTU warning from ovs-vswitchd"
fi
vzc_check "kill -0 $(cat "$dir/vswitchd.pid") 2>/dev/null" "ovs-vswitchd still running"

if [ "$vzc_fail" != 0 ]; then
	for g in a b; do echo "--- guest $g"; grep -a VZC "$dir/$g.log"; done
	echo "--- ovs-vswitchd"; grep -a -iE "vhostzc|err|emer" "$dir/vswitchd.log" | tail -n 20
fi
vzc_summary "ovs-$mode"
