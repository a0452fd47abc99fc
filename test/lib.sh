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
