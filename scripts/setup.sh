#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Prepare a Debian 12 machine: packages, hugepages, the guest image for the
# end-to-end test. Safe to run again; does only what is missing. Needs root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)

pkgs="dpdk dpdk-dev libdpdk-dev meson ninja-build pkg-config libnuma-dev gcc
	qemu-system-x86 busybox-static cpio zstd xz-utils openvswitch-switch-dpdk
	python3-pyelftools clang"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	apt-get install -y -q $missing >/dev/null 2>&1 || {
		apt-get update -q >/dev/null
		apt-get install -y -q $missing >/dev/null
	}
fi

# 2 MB hugepages: 1024 of them (2 GiB) when the kernel gives them, else the
# tests fall back to --no-huge on their own.
want=${VHOSTZC_HUGEPAGES:-1024}
have=$(awk '/^HugePages_Total/ {print $2}' /proc/meminfo)
if [ "${have:-0}" -lt "$want" ]; then
	echo "$want" > /proc/sys/vm/nr_hugepages 2>/dev/null || true
fi
if ! grep -q '^[^ ]* /dev/hugepages hugetlbfs' /proc/mounts; then
	mkdir -p /dev/hugepages
	mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null || true
fi
echo "setup: $(awk '/^HugePages_Free/ {print $2}' /proc/meminfo) free hugepages"

# The end-to-end test boots this; the demo does not need it.
if [ -z "${VHOSTZC_SKIP_GUEST:-}" ]; then
	"$here/guest-assets.sh" "${VHOSTZC_GUEST_DIR:-/var/cache/vhostzc-guest}"
fi
