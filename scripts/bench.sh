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
# --record-core-cycles. EAL chooses the IOVA mode (BENCH_IOVA=pa|va forces
# one for the matrix). Then net_vhostzc with IOVA as PA beside IOVA as VA
# (rxonly and io, same run, alternating with net_vhost), memory per port,
# and 64 ports in one process.
#
# usage: bench.sh [OUTDIR]      (default doc/bench)
# env:   BENCH_MODES BENCH_SIZES BENCH_PAIRS BENCH_WARMUP BENCH_SECS
#        BENCH_IOVA BENCH_IOVA_SIZES BENCH_SKIP_IOVA=1
#        BENCH_SKIP_MEM=1 BENCH_SKIP_64=1 BENCH_ZC_ARGS (extra devargs)
#        BENCH_SKIP_MATRIX=1 (keep OUTDIR/results.csv, redo the rest)
#        BENCH_SKIP_FORMATS=1 BENCH_FORMAT_SIZES
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/test/lib.sh"
out=${1:-$top/doc/bench}
modes=${BENCH_MODES:-rxonly io macswap}
sizes=${BENCH_SIZES:-64 128 256 512 1024 1518 4096 9000}
pairs=${BENCH_PAIRS:-3}
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
be= peer=
cleanup() {
	exec 3>&- 4>&- 2>/dev/null
	vzc_kill "$peer" "$be"
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT INT TERM

hugemem="--in-memory"
free_huge=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
[ "${free_huge:-0}" -ge 512 ] || hugemem="--no-huge -m 1024 --no-shconf"

# run_one DRIVER MODE SIZE [pa|va] -> "mpps cycles iova-mode"
# (without the 4th argument EAL chooses the IOVA mode)
run_one() {
	local drv=$1 mode=$2 size=$3 iova=${4:-} vdev bmode pmode pstart ms=2048
	if [ "$drv" = vhostzc ]; then
		vdev="net_vhostzc0,iface=$dir/b.sock$zc_args"
	else
		vdev="net_vhost0,iface=$dir/b.sock"
	fi
	case $mode in
	rxonly) bmode=rxonly; pmode=txonly; pstart=start ;;
	io) bmode=io; pmode=io; pstart="start tx_first 8" ;;
	macswap) bmode=macswap; pmode=io; pstart="start tx_first 8" ;;
	esac
	[ "$size" -gt 1900 ] && ms=10240
	rm -f "$dir/b.sock" "$dir/be.cmd" "$dir/pe.cmd"
	mkfifo "$dir/be.cmd" "$dir/pe.cmd"
	# shellcheck disable=SC2086
	stdbuf -oL dpdk-testpmd --lcores='0@0,1@0' $hugemem --file-prefix=vzcbbe \
		${iova:+--iova-mode=$iova} --no-pci --vdev "$vdev" -- -i \
		--forward-mode=$bmode --record-core-cycles \
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
		--total-num-mbufs=32768 \
		< "$dir/pe.cmd" > "$dir/pe.log" 2>&1 &
	peer=$!
	exec 4> "$dir/pe.cmd"
	# The prompt has no newline (unflushed): wait for the line before it.
	vzc_wait_for "$dir/pe.log" 20 "Checking link statuses" || return 1
	sleep 0.5
	echo "$pstart" >&4
	sleep "$warmup"
	echo "clear fwd stats all" >&3
	sleep "$secs"
	echo "show fwd stats all" >&3
	vzc_wait_for "$dir/be.log" 10 "Accumulated forward statistics" || true
	sleep 0.3
	echo "quit" >&4
	echo "quit" >&3
	exec 3>&- 4>&-
	wait "$peer" "$be" 2>/dev/null
	be= peer=
	# The first statistics block is the measured window ("show fwd
	# stats"); the cycles line follows it (or the one printed at quit).
	awk -v secs="$secs" '
		/Accumulated forward statistics/ && !seen { acc = 1; seen = 1 }
		acc && /RX-packets:/ { pk = $2; acc = 0 }
		seen && cy == "" && /cycles\/packet=/ { sub(/.*packet=/, ""); cy = $1 }
		/Selected IOVA mode/ { io = tolower($NF); gsub(/\047/, "", io) }
		END { printf "%.4f %s %s\n", pk / secs / 1e6, cy == "" ? "nan" : cy,
		      io == "" ? "unknown" : io }
	' "$dir/be.log"
}

# measure DRIVER MODE SIZE [pa|va] -> "mpps gbps cycles iova-mode"
measure() {
	local r
	r=$(run_one "$@") || r="nan nan unknown"
	# shellcheck disable=SC2086
	set -- $r "$3"
	echo "$1 $(awk -v m="$1" -v s="$4" 'BEGIN {printf "%.3f", m * s * 8 / 1000}') $2 $3"
}

csv=$out/results.csv
[ -n "${BENCH_SKIP_MATRIX:-}" ] && modes=
[ -n "$modes" ] && echo "driver,mode,size,pair,mpps,gbps,cycles_per_packet,iova" > "$csv"
# shellcheck disable=SC2086
for mode in $modes; do
	for size in $sizes; do
		for p in $(seq 1 "$pairs"); do
			for drv in vhost vhostzc; do
				set -- $(measure "$drv" "$mode" "$size" "${BENCH_IOVA:-}")
				echo "$drv,$mode,$size,$p,$1,$2,$3,$4" | tee -a "$csv"
			done
		done
	done
done

# net_vhostzc lending with physical addresses beside virtual ones: the
# IOVA lookup is the only difference on this rig (no device reads them).
iova_csv=$out/iova.csv
if [ -z "${BENCH_SKIP_IOVA:-}" ]; then
	echo "driver,iova,mode,size,pair,mpps,gbps,cycles_per_packet" > "$iova_csv"
	# shellcheck disable=SC2086
	for mode in rxonly io; do
		for size in $iova_sizes; do
			for p in $(seq 1 "$pairs"); do
				for cfg in vhost:pa vhostzc:pa vhostzc:va; do
					drv=${cfg%:*}
					set -- $(measure "$drv" "$mode" "$size" "${cfg#*:}")
					echo "$drv,$4,$mode,$size,$p,$1,$2,$3" | tee -a "$iova_csv"
				done
			done
		done
	done
fi

# Ring formats: split beside packed for both drivers, and net_vhost with
# IN_ORDER (which it offers and net_vhostzc does not) beside without: what
# IN_ORDER buys a virtio-user guest here, the case for offering it. The
# configurations alternate within each round; virtio-user's devargs pick
# the format (packed_vq) and in_order (its default is on: off written out).
fmt_csv=$out/formats.csv
if [ -z "${BENCH_SKIP_FORMATS:-}" ]; then
	echo "driver,ring,in_order,mode,size,pair,mpps,gbps,cycles_per_packet" > "$fmt_csv"
	# shellcheck disable=SC2086
	for mode in rxonly io; do
		for size in $format_sizes; do
			for p in $(seq 1 "$pairs"); do
				for cfg in vhost:split:0 vhost:split:1 vhost:packed:0 \
					vhost:packed:1 vhostzc:split:0 vhostzc:packed:0; do
					IFS=: read -r drv ring io <<< "$cfg"
					peer_args=",in_order=$io"
					[ "$ring" = packed ] && peer_args="$peer_args,packed_vq=1"
					set -- $(measure "$drv" "$mode" "$size")
					echo "$drv,$ring,$io,$mode,$size,$p,$1,$2,$3" | tee -a "$fmt_csv"
				done
			done
		done
	done
	peer_args=
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

python3 "$top/scripts/bench_report.py" "$out" "$secs" "$pairs" "$warmup"
