# SPDX-License-Identifier: BSD-3-Clause
# Shared by the shell-driven tests: memory choice and process cleanup.

# EAL memory arguments: hugepages when enough are free, else plain memory.
vzc_eal_mem() {
	free_huge=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
	if [ -z "${VHOSTZC_NO_HUGE:-}" ] && [ "${free_huge:-0}" -ge 512 ] &&
		grep -q hugetlbfs /proc/mounts; then
		echo "--in-memory --single-file-segments -m 512"
	else
		echo "--no-huge -m 1024 --no-shconf"
	fi
}

# Kill the given PIDs (and wait for them), ignoring ones already gone.
vzc_kill() {
	for p in "$@"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null || true
	done
	for p in "$@"; do
		[ -n "$p" ] && wait "$p" 2>/dev/null || true
	done
}

# Wait up to $2 seconds for file $1 to contain pattern $3.
vzc_wait_for() {
	i=0
	while [ "$i" -lt "$(($2 * 10))" ]; do
		grep -aq -- "$3" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# Test result bookkeeping for the shell tests: vzc_check CONDITION MESSAGE
# (CONDITION is eval'ed), then vzc_summary NAME prints "N passed, N failed"
# and returns non-zero on any failure.
vzc_pass=0
vzc_fail=0
vzc_check() {
	if eval "$1"; then
		vzc_pass=$((vzc_pass + 1))
	else
		vzc_fail=$((vzc_fail + 1))
		echo "FAIL: $2"
	fi
}
vzc_summary() {
	echo "$1: $vzc_pass passed, $vzc_fail failed"
	[ "$vzc_fail" = 0 ]
}

# Boot the test guest (QEMU TCG, 256 MiB shared memfd on 2 MB hugepages, virtio-net over
# vhost-user) in the foreground: vzc_guest LOG SOCK MAC "KERNEL ARGS"
# [extra qemu args...]. Assets from scripts/guest-assets.sh in
# ${VHOSTZC_GUEST_DIR:-/var/cache/vhostzc-guest}; killed after 300 s;
# pinned to CPU $VZC_GUEST_CPU when set.
vzc_guest() {
	log=$1 sock=$2 mac=$3 args=$4
	shift 4
	a=${VHOSTZC_GUEST_DIR:-/var/cache/vhostzc-guest}
	# shellcheck disable=SC2086
	${VZC_GUEST_CPU:+taskset -c $VZC_GUEST_CPU} timeout 300 qemu-system-x86_64 -machine q35,accel=tcg -cpu max \
		-m 256 -smp 1 -nographic -no-reboot \
		-object memory-backend-memfd,id=mem,size=256M,share=on,hugetlb=on,hugetlbsize=2M \
		-numa node,memdev=mem \
		-kernel "$a/vmlinuz" -initrd "$a/initrd.gz" \
		-append "console=ttyS0 quiet panic=-1 $args" \
		-chardev "socket,id=c0,path=$sock" \
		-netdev vhost-user,id=n0,chardev=c0 \
		-device "virtio-net-pci,netdev=n0,mac=$mac,romfile=,vectors=0${VZC_GUEST_NET:-}" \
		"$@" > "$log" 2>&1
}

# Start dpdk-testpmd with net_vhostzc0 (server socket DIR/sock) answering
# pings (icmpecho) on CPU 0, its commands on fd 3, its output in
# DIR/testpmd.log; sets tp_pid. vzc_icmpecho_start DIR PMD_SO
vzc_icmpecho_start() {
	mkfifo "$1/cmd"
	# shellcheck disable=SC2046
	taskset -c 0 stdbuf -oL dpdk-testpmd --lcores='0@0,1@0' \
		$(vzc_eal_mem) --no-pci -d "$2" \
		--vdev "net_vhostzc0,iface=$1/sock" -- -i \
		--forward-mode=icmpecho --total-num-mbufs=8192 \
		< "$1/cmd" > "$1/testpmd.log" 2>&1 &
	tp_pid=$!
	exec 3> "$1/cmd"
	echo "start" >&3
	vzc_wait_for "$1/testpmd.log" 30 "icmpecho packet forwarding" && return 0
	echo "testpmd did not start:"
	cat "$1/testpmd.log"
	return 1
}
