#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# net_vhostzc against DPDK's net_vhost, on this machine.
#
# Two processes: the backend dpdk-testpmd (net_vhostzc0 or net_vhost0,
# forwarding lcore on CPU 0) and a virtio-user peer dpdk-testpmd (CPU 1).
# Modes: rxonly (peer txonly), io (both io, peer starts with tx_first) and
# macswap (backend macswap, peer io with tx_first). For every cell the two
# drivers alternate (A B A B ...) BENCH_PAIRS times; the report gives
# medians with min-max. Backend CPU cycles per packet come from testpmd's
# --record-core-cycles (the peer's too: the guest's own cost). Each run
# also records what disturbed it: how long each forwarding thread waited
# for its CPU, and the hypervisor's steal; the report leaves out runs
# disturbed beyond BENCH_MAX_WAIT % (default 2) and says how many. EAL chooses the IOVA mode (BENCH_IOVA=pa|va forces
# one for the matrix). Then net_vhostzc with IOVA as PA beside IOVA as VA
# (rxonly and io, same run, alternating with net_vhost), ring formats and
# IN_ORDER, holding applications (testpmd noisy mode), two ports inside
# Open vSwitch, profiles of the forwarding lcore (BENCH_PROFILE), memory
# per port and 64 ports in one process.
#
# usage: bench.sh [OUTDIR]      (default doc/bench)
# env:   BENCH_MODES BENCH_SIZES BENCH_PAIRS BENCH_WARMUP BENCH_SECS
#        BENCH_IOVA BENCH_IOVA_SIZES BENCH_SKIP_IOVA=1
#        BENCH_SKIP_MEM=1 BENCH_SKIP_64=1 BENCH_ZC_ARGS (extra devargs)
#        BENCH_SKIP_MATRIX=1 (keep OUTDIR/results.csv, redo the rest)
#        BENCH_SKIP_FORMATS=1 BENCH_FORMAT_SIZES BENCH_FORMAT_MODES
#        BENCH_FORMAT_CFGS (driver:ring:in_order ...)
#        BENCH_SKIP_HOLD=1 BENCH_HOLD_SIZES BENCH_HOLD_CFGS (driver:fifo ...)
#        BENCH_HOLD_PEER_ARGS (virtio-user devargs for that section, e.g.
#        ,in_order=0)
#        BENCH_SKIP_OVS=1 BENCH_OVS_SIZES
#        BENCH_SKIP_PROFILE=1 BENCH_PROFILE (driver:mode:size[:packed] ...
#        and ovs:driver:size ...: perf profiles of the backend's forwarding
#        lcore, or of OVS's PMD thread, profiles.txt)
#        BENCH_SIDE_PAIRS (rounds of the IOVA, format, holding and OVS
#        sections; default BENCH_PAIRS)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/test/lib.sh"
out=${1:-$top/doc/bench}
modes=${BENCH_MODES:-rxonly io macswap}
sizes=${BENCH_SIZES:-64 128 256 512 1024 1518 4096 9000}
pairs=${BENCH_PAIRS:-5}
side_pairs=${BENCH_SIDE_PAIRS:-$pairs}
warmup=${BENCH_WARMUP:-2}
secs=${BENCH_SECS:-3}
zc_args=${BENCH_ZC_ARGS:-}
iova_sizes=${BENCH_IOVA_SIZES:-64 512 1518 9000}
format_sizes=${BENCH_FORMAT_SIZES:-64 1518 9000}
peer_args=

VHOSTZC_SKIP_GUEST=1 "$top/scripts/setup.sh" >/dev/null || exit 1
command -v gnuplot >/dev/null || apt-get install -y -q gnuplot-nox >/dev/null
BUILD_DIR=$top/build "$top/scripts/build.sh" >/dev/null || exit 1
meson install -C "$top/build" --quiet >/dev/null || exit 1
mkdir -p "$out"

dir=$(mktemp -d /run/vhostzc-bench.XXXXXX)
be= peer= be_task= pe_task=
cleanup() {
	exec 3>&- 4>&- 5>&- 2>/dev/null
	declare -F ovs_down >/dev/null && ovs_down
	vzc_kill "$peer" "$be"
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT INT TERM

hugemem="--in-memory"
free_huge=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
[ "${free_huge:-0}" -ge 512 ] || hugemem="--no-huge -m 1024 --no-shconf"

# The forwarding lcore thread of testpmd process PID ("lcore-worker-1" in
# older releases, "rte-worker-1" in 22.11's stable updates, "dpdk-worker1"
# from 23.11), for its scheduler statistics and profiles.
fwd_task() {
	local t
	for t in /proc/"$1"/task/*; do
		case "$(cat "$t/comm" 2>/dev/null)" in
		lcore-worker-1 | rte-worker-1 | dpdk-worker1) echo "$t"; return ;;
		esac
	done
}

# What disturbs a run on a shared machine, as counters to difference over
# the measured window: nanoseconds each forwarding thread waited for a CPU
# (its schedstat), and the steal and total jiffies of /proc/stat.
disturb_snap() {
	local bw=0 pw=0
	[ -n "$be_task" ] && bw=$(awk '{print $2}' "$be_task/schedstat" 2>/dev/null)
	[ -n "$pe_task" ] && pw=$(awk '{print $2}' "$pe_task/schedstat" 2>/dev/null)
	echo "${bw:-0} ${pw:-0} $(awk '/^cpu / {t = 0; for (i = 2; i <= NF; i++) t += $i; print $9, t}' /proc/stat)"
}

# run_one DRIVER MODE SIZE [pa|va] -> "mpps cycles iova-mode be_wait_pct
# peer_wait_pct steal_pct peer_cycles" (without the 4th argument EAL
# chooses the IOVA mode). The waits are the share of the measured window
# each forwarding thread spent runnable but not running (another task had
# its CPU); steal is the hypervisor's share of all CPUs.
run_one() {
	local drv=$1 mode=$2 size=$3 iova=${4:-} vdev bmode pmode pstart ms=2048
	local bextra= prof=${PROF_OUT:-} perf_pid
	if [ "$drv" = vhostzc ]; then
		vdev="net_vhostzc0,iface=$dir/b.sock$zc_args"
	else
		vdev="net_vhost0,iface=$dir/b.sock"
	fi
	case $mode in
	rxonly) bmode=rxonly; pmode=txonly; pstart=start ;;
	io) bmode=io; pmode=io; pstart="start tx_first 8" ;;
	macswap) bmode=macswap; pmode=io; pstart="start tx_first 8" ;;
	# A holding application: testpmd's noisy forwarding keeps every packet
	# in a FIFO of N before it transmits it back (as a NIC TX ring would);
	# the guest sends (txonly) and drops what comes back.
	hold0) bmode=io; pmode=txonly; pstart=start ;;
	hold*)
		bmode=noisy; pmode=txonly; pstart=start
		bextra="--noisy-tx-sw-buffer-size=${mode#hold} --noisy-tx-sw-buffer-flushtime=10"
		;;
	esac
	[ "$size" -gt 1900 ] && ms=10240
	# Profiled runs also record the backend's burst sizes (profiles.txt).
	[ -n "$prof" ] && bextra="$bextra --record-burst-stats"
	rm -f "$dir/b.sock" "$dir/be.cmd" "$dir/pe.cmd"
	mkfifo "$dir/be.cmd" "$dir/pe.cmd"
	# shellcheck disable=SC2086
	stdbuf -oL dpdk-testpmd --lcores='0@0,1@0' $hugemem --file-prefix=vzcbbe \
		${iova:+--iova-mode=$iova} --no-pci --vdev "$vdev" -- -i \
		--forward-mode=$bmode --record-core-cycles $bextra \
		--total-num-mbufs=32768 \
		< "$dir/be.cmd" > "$dir/be.log" 2>&1 &
	be=$!
	exec 3> "$dir/be.cmd"
	echo "start" >&3
	vzc_wait_for "$dir/be.log" 20 "packet forwarding - ports" || return 1
	# shellcheck disable=SC2086
	stdbuf -oL dpdk-testpmd --lcores='0@1,1@1' $hugemem --single-file-segments \
		--file-prefix=vzcbpe --no-pci \
		--vdev "net_virtio_user0,path=$dir/b.sock,queues=1$peer_args" -- -i \
		--forward-mode=$pmode --mbuf-size=$ms --txpkts="$size" \
		--total-num-mbufs=32768 --record-core-cycles \
		< "$dir/pe.cmd" > "$dir/pe.log" 2>&1 &
	peer=$!
	exec 4> "$dir/pe.cmd"
	# The prompt has no newline (unflushed): wait for the line before it.
	vzc_wait_for "$dir/pe.log" 20 "Checking link statuses" || return 1
	sleep 0.5
	echo "$pstart" >&4
	sleep "$warmup"
	be_task=$(fwd_task "$be") pe_task=$(fwd_task "$peer")
	echo "clear fwd stats all" >&3
	echo "clear fwd stats all" >&4
	d0=$(disturb_snap)
	perf_pid=
	if [ -n "$prof" ] && [ -n "$be_task" ]; then
		# The backend's forwarding thread only, sampled on the clock
		# (this machine has no hardware counters); in the background, so
		# that the measured window stays $secs.
		perf record -q -e cpu-clock -F 4999 -t "${be_task##*/}" \
			-o "$prof" -- sleep "$secs" >/dev/null 2>&1 &
		perf_pid=$!
	fi
	sleep "$secs"
	d1=$(disturb_snap)
	echo "show fwd stats all" >&3
	echo "show fwd stats all" >&4
	[ -z "$perf_pid" ] || wait "$perf_pid"
	vzc_wait_for "$dir/be.log" 10 "Accumulated forward statistics" || true
	vzc_wait_for "$dir/pe.log" 10 "Accumulated forward statistics" || true
	sleep 0.3
	echo "quit" >&4
	echo "quit" >&3
	exec 3>&- 4>&-
	wait "$peer" "$be" 2>/dev/null
	be= peer=
	# The first one is the measured window's ("show fwd stats").
	[ -z "$prof" ] || awk '/RX-bursts/ { sub(/^ */, ""); print; exit }' \
		"$dir/be.log" > "$prof.bursts"
	# The first statistics block is the measured window ("show fwd
	# stats"); the cycles line follows it (or the one printed at quit).
	awk -v secs="$secs" '
		/Accumulated forward statistics/ && !seen { acc = 1; seen = 1 }
		acc && /RX-packets:/ { pk = $2; acc = 0 }
		seen && cy == "" && /cycles\/packet=/ { sub(/.*packet=/, ""); cy = $1 }
		/Selected IOVA mode/ { io = tolower($NF); gsub(/\047/, "", io) }
		END { printf "%.4f %s %s", pk / secs / 1e6, cy == "" ? "nan" : cy,
		      io == "" ? "unknown" : io }
	' "$dir/be.log"
	# shellcheck disable=SC2086
	awk -v secs="$secs" -v a="$d0" -v b="$d1" '
		/Accumulated forward statistics/ && !seen { seen = 1 }
		seen && cy == "" && /cycles\/packet=/ { sub(/.*packet=/, ""); cy = $1 }
		END {
			split(a, x, " "); split(b, y, " ")
			ns = secs * 1e9
			tot = y[4] - x[4]
			printf " %.2f %.2f %.2f %s\n", (y[1] - x[1]) * 100 / ns,
			       (y[2] - x[2]) * 100 / ns,
			       (tot > 0 ? (y[3] - x[3]) * 100 / tot : 0),
			       cy == "" ? "nan" : cy
		}' "$dir/pe.log"
}

# measure DRIVER MODE SIZE [pa|va] -> "mpps gbps cycles iova-mode
# be_wait_pct peer_wait_pct steal_pct peer_cycles"
measure() {
	local r size=$3
	r=$(run_one "$@") || r="nan nan unknown nan nan nan nan"
	# shellcheck disable=SC2086
	set -- $r
	echo "$1 $(awk -v m="$1" -v s="$size" 'BEGIN {printf "%.3f", m * s * 8 / 1000}') $2 $3 ${4:-nan} ${5:-nan} ${6:-nan} ${7:-nan}"
}

csv=$out/results.csv
[ -n "${BENCH_SKIP_MATRIX:-}" ] && modes=
[ -n "$modes" ] && echo "driver,mode,size,pair,mpps,gbps,cycles_per_packet,iova,be_wait_pct,peer_wait_pct,steal_pct,peer_cycles_per_packet" > "$csv"
# shellcheck disable=SC2086
for mode in $modes; do
	for size in $sizes; do
		for p in $(seq 1 "$pairs"); do
			for drv in vhost vhostzc; do
				set -- $(measure "$drv" "$mode" "$size" "${BENCH_IOVA:-}")
				echo "$drv,$mode,$size,$p,$1,$2,$3,$4,$5,$6,$7,$8" | tee -a "$csv"
			done
		done
	done
done

# net_vhostzc lending with physical addresses beside virtual ones: the
# IOVA lookup is the only difference on this rig (no device reads them).
iova_csv=$out/iova.csv
if [ -z "${BENCH_SKIP_IOVA:-}" ]; then
	echo "driver,iova,mode,size,pair,mpps,gbps,cycles_per_packet,be_wait_pct,peer_wait_pct,steal_pct,peer_cycles_per_packet" > "$iova_csv"
	# shellcheck disable=SC2086
	for mode in rxonly io; do
		for size in $iova_sizes; do
			for p in $(seq 1 "$side_pairs"); do
				for cfg in vhost:pa vhostzc:pa vhostzc:va; do
					drv=${cfg%:*}
					set -- $(measure "$drv" "$mode" "$size" "${cfg#*:}")
					echo "$drv,$4,$mode,$size,$p,$1,$2,$3,$5,$6,$7,$8" | tee -a "$iova_csv"
				done
			done
		done
	done
fi

# Ring formats: split beside packed, IN_ORDER on beside off, for both
# drivers: what IN_ORDER buys a virtio-user guest here. The configurations
# alternate within each round; virtio-user's devargs pick the format
# (packed_vq) and in_order (its default is on: off written out).
fmt_csv=$out/formats.csv
if [ -z "${BENCH_SKIP_FORMATS:-}" ]; then
	echo "driver,ring,in_order,mode,size,pair,mpps,gbps,cycles_per_packet,be_wait_pct,peer_wait_pct,steal_pct,peer_cycles_per_packet" > "$fmt_csv"
	# shellcheck disable=SC2086
	for mode in ${BENCH_FORMAT_MODES:-rxonly io}; do
		for size in $format_sizes; do
			for p in $(seq 1 "$side_pairs"); do
				for cfg in ${BENCH_FORMAT_CFGS:-vhost:split:0 vhost:split:1 \
					vhost:packed:0 vhost:packed:1 vhostzc:split:0 \
					vhostzc:split:1 vhostzc:packed:0 \
					vhostzc:packed:1}; do
					IFS=: read -r drv ring io <<< "$cfg"
					peer_args=",in_order=$io"
					[ "$ring" = packed ] && peer_args="$peer_args,packed_vq=1"
					set -- $(measure "$drv" "$mode" "$size")
					echo "$drv,$ring,$io,$mode,$size,$p,$1,$2,$3,$5,$6,$7,$8" | tee -a "$fmt_csv"
				done
			done
		done
	done
	peer_args=
fi

# Holding applications: the backend keeps packets in a FIFO of N (testpmd
# noisy mode) before sending them back, as a NIC TX ring holds mbufs until
# the hardware is done; N=0 frees at once. What the guest manages to send.
hold_csv=$out/holding.csv
if [ -z "${BENCH_SKIP_HOLD:-}" ]; then
	echo "driver,fifo,mode,size,pair,mpps,gbps,cycles_per_packet,be_wait_pct,peer_wait_pct,steal_pct,peer_cycles_per_packet" > "$hold_csv"
	# shellcheck disable=SC2086
	for size in ${BENCH_HOLD_SIZES:-64 1518}; do
		for p in $(seq 1 "$side_pairs"); do
			peer_args=${BENCH_HOLD_PEER_ARGS:-}
			for cfg in ${BENCH_HOLD_CFGS:-vhost:0 vhostzc:0 vhost:256 \
				vhostzc:256 vhost:512 vhostzc:512}; do
				drv=${cfg%:*} n=${cfg#*:}
				set -- $(measure "$drv" "hold$n" "$size")
				echo "$drv,$n,rxonly,$size,$p,$1,$2,$3,$5,$6,$7,$8" | tee -a "$hold_csv"
			done
		done
	done
	peer_args=
fi

# Open vSwitch (Debian's ovs-vswitchd-dpdk, linked with the system DPDK)
# with two ports of the driver under test and one flow p0 -> p1: a
# virtio-user sender (testpmd txonly) on p0, a receiver (testpmd rxonly)
# on p1. OVS's PMD thread has CPU 0 to itself; OVS's main thread and both
# peers share CPU 1. Measured over the window: packets OVS received on p0
# (what the sending guest managed to send) and sent on p1, read live with
# ovs-ofctl (the database's copy is refreshed only every 5 s), packets the
# receiving guest got (its testpmd), and the PMD thread's processing
# cycles per packet (dpif-netdev/pmd-stats-show). Frames above 1514 B
# need mtu_request (a 1518 B frame carries 1504 B of IP).
ovs_csv=$out/ovs.csv
vswitchd=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk
# Stop this run's OVS daemons (TERM, then KILL): detached, they would
# otherwise outlive the run and keep what they inherited (the CPU lock).
ovs_down() {
	local f pid
	for f in "$dir"/ovs/vswitchd.pid "$dir"/ovs/ovsdb.pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f" 2>/dev/null) || continue
		kill "$pid" 2>/dev/null
		for _ in $(seq 30); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null
		rm -f "$f"
	done
}
# Live port counter of OVS: ovs_pkts PORT rx|tx
ovs_pkts() {
	OVS_RUNDIR=$dir/ovs ovs-ofctl dump-ports br0 "$1" 2>/dev/null |
		sed -n "s/.*$2 pkts=\([0-9]*\).*/\1/p" | head -n 1
}
# ovs_one DRIVER SIZE -> "rx_mpps tx_mpps delivered_mpps pmd_cycles"
ovs_one() {
	local drv=$1 size=$2 od=$dir/ovs mtu= ms=2048 c r0 r1 t0 t1 d prx ctl
	local pmd perf_pid
	rm -rf "$od"; mkdir -p "$od"
	local vs="ovs-vsctl --db=unix:$od/db.sock --timeout=30"
	[ "$size" -gt 1514 ] && mtu="mtu_request=9000"
	local nsend=32768
	[ "$size" -gt 1900 ] && ms=10240 nsend=16384
	(
		export OVS_RUNDIR=$od OVS_LOGDIR=$od OVS_DBDIR=$od
		ovsdb-tool create "$od/conf.db" /usr/share/openvswitch/vswitch.ovsschema
		ovsdb-server "$od/conf.db" --remote="punix:$od/db.sock" \
			--pidfile="$od/ovsdb.pid" --detach --log-file="$od/ovsdb.log"
		$vs --no-wait init
		$vs --no-wait set Open_vSwitch . other_config:dpdk-init=true \
			other_config:dpdk-socket-mem=512 \
			other_config:dpdk-socket-limit=512 \
			other_config:dpdk-lcore-mask=0x2 \
			other_config:pmd-cpu-mask=0x1 \
			"other_config:dpdk-extra=\"--no-pci --file-prefix=vzcbovs\""
		"$vswitchd" "unix:$od/db.sock" --pidfile="$od/vswitchd.pid" --detach \
			--unixctl="$od/vswitchd.ctl" --log-file="$od/vswitchd.log"
		$vs add-br br0 -- set bridge br0 datapath_type=netdev
		for i in 0 1; do
			# shellcheck disable=SC2086
			$vs add-port br0 p$i -- set Interface p$i type=dpdk \
				"options:dpdk-devargs=net_${drv}$i,iface=$od/p$i.sock" $mtu
		done
		ovs-ofctl del-flows br0
		ovs-ofctl add-flow br0 "in_port=p0,actions=output:p1"
		ovs-ofctl add-flow br0 "in_port=p1,actions=drop"
	) > "$od/setup.log" 2>&1 || { cat "$od/setup.log" >&2; ovs_down; return 1; }
	rm -f "$dir/pr.cmd" "$dir/pe.cmd"; mkfifo "$dir/pr.cmd" "$dir/pe.cmd"
	# shellcheck disable=SC2086
	stdbuf -oL dpdk-testpmd --lcores='0@1,1@1' $hugemem --single-file-segments \
		--file-prefix=vzcbpr --no-pci \
		--vdev "net_virtio_user0,path=$od/p1.sock,queues=1" -- -i \
		--forward-mode=rxonly --mbuf-size=$ms \
		--max-pkt-len=$((size > 1518 ? 9018 : 1518)) \
		--total-num-mbufs=16384 < "$dir/pr.cmd" > "$od/pr.log" 2>&1 &
	prx=$!
	exec 5> "$dir/pr.cmd"
	vzc_wait_for "$od/pr.log" 30 "Checking link statuses" ||
		{ vzc_kill "$prx"; ovs_down; return 1; }
	echo start >&5
	# shellcheck disable=SC2086
	stdbuf -oL dpdk-testpmd --lcores='0@1,1@1' $hugemem --single-file-segments \
		--file-prefix=vzcbpe --no-pci \
		--vdev "net_virtio_user0,path=$od/p0.sock,queues=1" -- -i \
		--forward-mode=txonly --mbuf-size=$ms --txpkts="$size" \
		--total-num-mbufs=$nsend < "$dir/pe.cmd" > "$od/pe.log" 2>&1 &
	peer=$!
	exec 4> "$dir/pe.cmd"
	vzc_wait_for "$od/pe.log" 30 "Checking link statuses" ||
		{ vzc_kill "$prx" "$peer"; peer=; ovs_down; return 1; }
	sleep 0.5
	echo start >&4
	sleep "$warmup"
	ctl=$od/vswitchd.ctl
	ovs-appctl -t "$ctl" dpif-netdev/pmd-stats-clear >/dev/null 2>&1
	echo "clear fwd stats all" >&5
	r0=$(ovs_pkts p0 rx) t0=$(ovs_pkts p1 tx)
	perf_pid=
	if [ -n "${PROF_OUT:-}" ]; then
		# OVS's PMD thread only (named pmd-c00/id:N), as in measure.
		pmd=$(grep -l '^pmd' /proc/"$(cat "$od/vswitchd.pid")"/task/*/comm \
			2>/dev/null | head -n 1)
		pmd=${pmd%/comm}
		[ -z "$pmd" ] || {
			perf record -q -e cpu-clock -F 4999 -t "${pmd##*/}" \
				-o "$PROF_OUT" -- sleep "$secs" >/dev/null 2>&1 &
			perf_pid=$!
		}
	fi
	sleep "$secs"
	r1=$(ovs_pkts p0 rx) t1=$(ovs_pkts p1 tx)
	[ -z "$perf_pid" ] || wait "$perf_pid"
	echo "show fwd stats all" >&5
	ovs-appctl -t "$ctl" dpif-netdev/pmd-stats-show > "$od/pmd.txt" 2>&1
	c=$(sed -n 's/.*processing cycles per packet: *\([0-9.]*\).*/\1/p' \
		"$od/pmd.txt" | head -n 1)
	vzc_wait_for "$od/pr.log" 10 "Accumulated forward statistics" || true
	sleep 0.3
	d=$(awk '/Accumulated forward statistics/ { a = 1 }
		a && /RX-packets:/ { print $2; exit }' "$od/pr.log")
	echo quit >&4; echo quit >&5; exec 4>&- 5>&-
	wait "$peer" "$prx" 2>/dev/null; peer=
	ovs_down
	awk -v r0="${r0:-nan}" -v r1="${r1:-nan}" -v t0="${t0:-nan}" \
		-v t1="${t1:-nan}" -v d="${d:-nan}" -v s="$secs" -v c="${c:-nan}" 'BEGIN {
		printf "%.4f %.4f %.4f %s\n", (r1 - r0) / s / 1e6,
		       (t1 - t0) / s / 1e6, d / s / 1e6, c }'
}
if [ -z "${BENCH_SKIP_OVS:-}" ] && [ -x "$vswitchd" ]; then
	echo "driver,size,pair,rx_mpps,tx_mpps,delivered_mpps,pmd_cycles_per_packet" > "$ovs_csv"
	# shellcheck disable=SC2086
	for size in ${BENCH_OVS_SIZES:-64 1518 9000}; do
		for p in $(seq 1 "$side_pairs"); do
			for drv in vhost vhostzc; do
				r=$(ovs_one "$drv" "$size") || r="nan nan nan nan"
				set -- $r
				echo "$drv,$size,$p,$1,$2,$3,$4" | tee -a "$ovs_csv"
			done
		done
	done
fi

# Profiles of the backend's forwarding lcore (perf, cpu-clock), one run per
# configuration DRIVER:MODE:SIZE: where the cycles of a packet go.
prof_txt=$out/profiles.txt
if [ -z "${BENCH_SKIP_PROFILE:-}" ]; then
	command -v perf >/dev/null || apt-get install -y -q linux-perf >/dev/null
	: > "$prof_txt"
	for cfg in ${BENCH_PROFILE:-vhost:rxonly:64 vhostzc:rxonly:64 \
		vhost:rxonly:1518 vhostzc:rxonly:1518 vhost:rxonly:9000 \
		vhostzc:rxonly:9000 ovs:vhost:64 ovs:vhostzc:64 \
		ovs:vhost:1518 ovs:vhostzc:1518}; do
		IFS=: read -r drv mode size ring <<< "$cfg"
		if [ "$drv" = ovs ]; then
			# ovs:DRIVER:SIZE: OVS's PMD thread, two ports of DRIVER.
			[ -x "$vswitchd" ] || continue
			drv=$mode mode=ovs
			set -- $(PROF_OUT=$dir/perf.data ovs_one "$drv" "$size")
			hdr="=== $drv in OVS $size B: $1 Mpps received, $4 PMD cycles/packet"
		else
			peer_args=
			[ "${ring:-split}" = packed ] && peer_args=",packed_vq=1"
			set -- $(PROF_OUT=$dir/perf.data measure "$drv" "$mode" "$size")
			peer_args=
			hdr="=== $drv $mode $size B ${ring:-split}: $1 Mpps, $3 cycles/packet"
			[ -s "$dir/perf.data.bursts" ] &&
				hdr="$hdr
backend $(cat "$dir/perf.data.bursts")"
		fi
		rm -f "$dir/perf.data.bursts"
		{
			echo "$hdr"
			perf report -i "$dir/perf.data" --stdio --no-children \
				--sort dso,symbol --percent-limit 1.5 2>/dev/null |
				grep -v -e '^#' -e '^$' | sed 's/[ -]*$//'
		} | tee -a "$prof_txt"
	done
fi

# Memory: resident and hugepage use per port, queues=1 and 8, no peer.
mem_csv=$out/memory.csv
if [ -z "${BENCH_SKIP_MEM:-}" ]; then
	echo "driver,queues,ports,rss_kib,huge_kib" > "$mem_csv"
	for drv in vhost vhostzc; do
		for q in 1 8; do
			for n in 1 8; do
				args=()
				for i in $(seq 0 $((n - 1))); do
					args+=(--vdev "net_${drv}$i,iface=$dir/m$i.sock,queues=$q")
				done
				rm -f "$dir/be.cmd"; mkfifo "$dir/be.cmd"
				h0=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
				# shellcheck disable=SC2086
				stdbuf -oL dpdk-testpmd --lcores='0@0,1@0' $hugemem --file-prefix=vzcmem \
					--no-pci "${args[@]}" -- -i \
					--rxq=$q --txq=$q --total-num-mbufs=16384 \
					< "$dir/be.cmd" > "$dir/mem.log" 2>&1 &
				be=$!
				exec 3> "$dir/be.cmd"
				vzc_wait_for "$dir/mem.log" 30 "Checking link statuses"
				sleep 1
				rss=$(awk '/^VmRSS/ {print $2}' /proc/$be/status)
				h1=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
				echo "$drv,$q,$n,$rss,$(( (h0 - h1) * 2048 ))" | tee -a "$mem_csv"
				echo quit >&3; exec 3>&-; wait "$be"; be=
			done
		done
	done
fi

# 64 ports of net_vhostzc in one process, each with its own virtio-user
# peer port (in one peer process), all passing traffic: as many as the
# DPDK build allows (Debian's 22.11 has RTE_MAX_ETHPORTS 32).
many=$out/64ports.txt
max_ports=$(sed -n 's/^#define RTE_MAX_ETHPORTS \([0-9]*\)/\1/p' \
	/usr/include/*/dpdk/rte_build_config.h /usr/include/dpdk/rte_build_config.h \
	2>/dev/null | head -n 1)
nports=$(( ${max_ports:-64} < 64 ? ${max_ports:-64} : 64 ))
if [ -z "${BENCH_SKIP_64:-}" ]; then
	bargs=() pargs=()
	for i in $(seq 0 $((nports - 1))); do
		bargs+=(--vdev "net_vhostzc$i,iface=$dir/p$i.sock")
		pargs+=(--vdev "net_virtio_user$i,path=$dir/p$i.sock,queues=1")
	done
	rm -f "$dir/be.cmd" "$dir/pe.cmd"; mkfifo "$dir/be.cmd" "$dir/pe.cmd"
	# shellcheck disable=SC2086
	stdbuf -oL dpdk-testpmd --lcores='0@0,1@0' $hugemem --file-prefix=vzc64b \
		--no-pci "${bargs[@]}" -- -i --forward-mode=rxonly \
		--total-num-mbufs=131072 < "$dir/be.cmd" > "$dir/b64.log" 2>&1 &
	be=$!
	exec 3> "$dir/be.cmd"
	vzc_wait_for "$dir/b64.log" 60 "Checking link statuses"
	sleep 1
	echo start >&3
	# shellcheck disable=SC2086
	stdbuf -oL dpdk-testpmd --lcores='0@1,1@1' $hugemem --single-file-segments \
		--file-prefix=vzc64p --no-pci "${pargs[@]}" -- -i \
		--forward-mode=txonly --txpkts=1518 --total-num-mbufs=131072 \
		< "$dir/pe.cmd" > "$dir/p64.log" 2>&1 &
	peer=$!
	exec 4> "$dir/pe.cmd"
	vzc_wait_for "$dir/p64.log" 120 "Checking link statuses"
	sleep 2
	echo start >&4
	sleep 5
	echo "stop" >&4
	sleep 1
	echo "show port stats all" >&3
	echo "show port xstats all" >&3
	sleep 3
	echo quit >&4; echo quit >&3; exec 3>&- 4>&-
	wait "$peer" "$be" 2>/dev/null; be= peer=
	awk '
		/NIC statistics for port/ { port = $(NF - 1) }
		/RX-packets:.*RX-missed/ { rx[port] = $2 }
		/^ *rx_zc_packets:/ { zc += $2 }
		END {
			n = 0; moving = 0
			for (p in rx) { n++; if (rx[p] > 0) moving++ }
			printf "ports: %d, ports that received traffic: %d, zero-copy packets: %d\n", n, moving, zc
		}' "$dir/b64.log" | tee "$many"
	echo "RTE_MAX_ETHPORTS of this DPDK build: ${max_ports:-unknown}" | tee -a "$many"
fi

python3 "$top/scripts/bench_report.py" "$out" "$secs" "$pairs" "$warmup" "$side_pairs"
