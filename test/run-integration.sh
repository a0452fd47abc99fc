#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Run an integration test binary with net_vhostzc0 and a virtio-user peer in
# one process, on hugepages when they are there, else on --no-huge memory.
#
# usage: run-integration.sh TEST_BINARY PMD_SO [extra EAL args...]
# VZC_PEER=0 or proc: no --vdev at all (the test probes by itself, and with
# proc spawns peer processes); the private socket directory is passed as
# VZC_SOCK_DIR either way.
set -eu
bin=$1
pmd=$2
shift 2

dir=$(mktemp -d "${VHOSTZC_RUN_DIR:-/run}/vhostzc-test.XXXXXX")
# EAL leaves a runtime directory per file prefix, and with shared memory
# (VZC_SHARED) hugepage files: ours and our peers' go.
export VZC_PREFIX="vzctest$$" VZC_PMD="$pmd"
hugedirs=$(awk '$3 == "hugetlbfs" {print $2}' /proc/mounts)
cleanup() {
	[ -n "${VZC_KEEP:-}" ] || rm -rf "$dir"; rm -rf /var/run/dpdk/"$VZC_PREFIX"*
	for h in $hugedirs; do
		rm -f "$h/$VZC_PREFIX"*
	done
}
trap cleanup EXIT INT TERM

free_huge=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
if [ -z "${VHOSTZC_NO_HUGE:-}" ] && [ "${free_huge:-0}" -ge 512 ] &&
	grep -q hugetlbfs /proc/mounts; then
	# Preallocated (-m): a heap that never grows needs no memory hotplug
	# write lock, which the in-process virtio-user peer holds for reading
	# while it waits for our replies.
	mem="--in-memory --single-file-segments -m 1024"
	# VZC_SHARED: secondary processes attach, so memory must be shared.
	# They map it at our addresses: EAL's default spot (below the
	# libraries, where ASLR puts a secondary's own ones too) failed about
	# one run in 18 under ASan ("Cannot get a virtual area at requested
	# address"); 32 TiB is above ASan's shadow and far from any mmap.
	[ -z "${VZC_SHARED:-}" ] ||
		mem="--single-file-segments -m 512 --base-virtaddr=0x200000000000"
	VZC_HUGE_OK=1
else
	mem="--no-huge -m 1536 --no-shconf"
fi

export VZC_SOCK_DIR="$dir"
# VZC_PEER=proc: the test spawns peer processes itself (VZC_PEER_BIN).
if [ -n "${VZC_HUGE_OK:-}" ]; then
	export VZC_HUGE=1 VZC_PEER_MEM="--in-memory --single-file-segments"
else
	export VZC_PEER_MEM="--no-huge -m 256 --no-shconf"
fi
if [ "${VZC_PEER:-1}" != 1 ]; then
	set -- "$@"
else
	set -- --vdev "net_vhostzc0,iface=$dir/sock${VZC_ZC_ARGS:-}" \
		--vdev "net_virtio_user0,path=$dir/sock,queues=1${VZC_PEER_ARGS:-}" "$@"
fi
# VZC_PRELOAD: a driver to load before ours (to prove name claiming).
preload=${VZC_PRELOAD:+-d $VZC_PRELOAD}
# EAL chooses the IOVA mode, as for a user; VZC_IOVA=pa|va forces one.
iova=${VZC_IOVA:+--iova-mode=$VZC_IOVA}
# A private runtime directory and no telemetry socket: tests never meet
# another DPDK process's files.
# shellcheck disable=SC2086
"$bin" -l "${VZC_LCORES:-0}" $iova --no-pci $mem $preload -d "$pmd" \
	--file-prefix "$VZC_PREFIX" --no-telemetry \
	--log-level=lib.eal:error --log-level=lib.vhost.config:error "$@"
