#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Live migration of a QEMU (TCG) guest whose virtio-net is served by
# net_vhostzc (testpmd icmpecho), while the guest pings through it with
# 1400 B (zero-copy) packets. QEMU migrates to a file: the vhost-user
# backend is asked for dirty-page logging, then the source is stopped
# (GET_VRING_BASE on every ring) and resumed with `cont`, restarting the
# rings from the bases net_vhostzc reported.
#
# Checks: migration completes; the driver logged its used-ring writes;
# after the resume the guest's pings still get through (a wrong ring base
# or lost TX descriptors would stall its transmit queue); no bad descriptor.
#
# usage: guest-migrate.sh PMD_SO
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/lib.sh"
pmd=$1
assets=${VHOSTZC_GUEST_DIR:-/var/cache/vhostzc-guest}

"$here/../scripts/guest-assets.sh" "$assets" || exit 1
dir=$(mktemp -d /run/vhostzc-mig.XXXXXX)
tp_pid= qemu_pid=
cleanup() {
	exec 3>&- 2>/dev/null
	vzc_kill "$qemu_pid" "$tp_pid"
	rm -rf "$dir"
}
trap cleanup EXIT

vzc_icmpecho_start "$dir" "$pmd" || exit 1

VZC_GUEST_CPU=1 vzc_guest "$dir/guest.log" "$dir/sock" 52:54:00:00:00:01 \
	"vzc.test=ping-long vzc.ip=10.0.0.2/24 vzc.peer=10.0.0.1" \
	-qmp "unix:$dir/qmp.sock,server=on,wait=off" &
qemu_pid=$!
vzc_wait_for "$dir/guest.log" 60 VZC-GUEST-UP || true
sleep 5

# Migrate to a file, wait for completion, resume the source.
python3 - "$dir/qmp.sock" > "$dir/qmp.log" 2>&1 <<'PY'
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rw")
def cmd(name, args=None):
    msg = {"execute": name}
    if args:
        msg["arguments"] = args
    f.write(json.dumps(msg) + "\n"); f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            return r
json.loads(f.readline())
cmd("qmp_capabilities")
print(cmd("migrate", {"uri": "exec:cat > /dev/null"}))
status = "?"
for _ in range(600):
    status = cmd("query-migrate")["return"].get("status", "?")
    if status in ("completed", "failed", "cancelled"):
        break
    time.sleep(0.1)
print("MIGRATION", status)
print(cmd("cont"))
PY
wait "$qemu_pid"
qemu_pid=

echo "show port xstats 0" >&3
vzc_wait_for "$dir/testpmd.log" 10 "rx_q0_used_writes_logged" || true
echo "quit" >&3
exec 3>&-
wait "$tp_pid"
tp_pid=

xs() { sed -n "s/^ *$1: *\([0-9]*\).*/\1/p" "$dir/testpmd.log" | head -n 1; }
got=$(sed -n 's/.*VZC-PING-LONG 60 packets transmitted, \([0-9]*\) packets received.*/\1/p' \
	"$dir/guest.log")
vzc_check "grep -q 'MIGRATION completed' '$dir/qmp.log'" "migration completed"
vzc_check "[ \"\$(xs rx_used_writes_logged)\" -gt 0 ]" \
	"used-ring writes logged during migration: $(xs rx_used_writes_logged)"
vzc_check "[ -n '$got' ] && [ '$got' -ge 50 ]" \
	"pings through the resumed guest: ${got:-none} of 60"
vzc_check "[ \"\$(xs rx_zc_packets)\" -gt 0 ] && [ \"\$(xs rx_bad_desc)\" = 0 ]" \
	"zero-copy $(xs rx_zc_packets), bad descriptors $(xs rx_bad_desc)"
echo "migration: $(grep MIGRATION "$dir/qmp.log"), logged $(xs rx_used_writes_logged)," \
	"pings ${got:-none}/60, zero-copy $(xs rx_zc_packets)"
# VZC_GUEST_NET=,packed=on: the guest must have run a packed ring.
case "${VZC_GUEST_NET:-}" in
*packed=on*) vzc_check "[ \"\$(xs rx_ring_packed)\" = 1 ]" "the guest's ring is packed" ;;
*) vzc_check "[ \"\$(xs rx_ring_packed)\" = 0 ]" "the guest's ring is split" ;;
esac
if [ "$vzc_fail" != 0 ]; then
	cat "$dir/qmp.log"; grep -a VZC "$dir/guest.log"
	grep -a -E "rx_|VHOSTZC" "$dir/testpmd.log" | head -n 30
fi
vzc_summary guest-migrate
