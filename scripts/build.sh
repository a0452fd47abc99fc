#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Configure (once) and build in BUILD_DIR (default: build).
# Extra arguments go to `meson setup`.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
b=${BUILD_DIR:-$top/build}
if [ ! -f "$b/build.ninja" ]; then
	meson setup "$b" "$top" "$@" >/dev/null
fi
ninja -C "$b" >/dev/null
echo "build: $b/drivers/net/vhostzc/librte_net_vhostzc.so"
