#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Configure (once) and build in BUILD_DIR (default: build), with warnings
# as errors: the driver and its tests build warning-free on every DPDK
# release we support. Extra arguments go to `meson setup`.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
b=${BUILD_DIR:-$top/build}
if [ ! -f "$b/build.ninja" ]; then
	meson setup "$b" "$top" -Dwerror=true "$@" >/dev/null
fi
ninja -C "$b" > "$b/ninja.log" 2>&1 || {
	grep -E -A4 "warning|error" "$b/ninja.log" | head -n 60
	exit 1
}
echo "build: $b/drivers/net/vhostzc/librte_net_vhostzc.so"
