#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Build and install a minimal DPDK from a source tree into a prefix, for
# building and testing net_vhostzc against another DPDK release: shared
# libraries, the driver SDK headers, dpdk-testpmd, and the libraries and
# drivers our tests use. Does nothing when PREFIX already holds a build of
# the same tree (its VERSION and, for a git tree, its commit).
#
# usage: build-dpdk.sh SRC_DIR PREFIX
#   SRC_DIR: an unpacked DPDK release (a Debian source package's tree,
#            a release tarball or a git work tree)
set -eu
src=$(cd "${1:?usage: $0 SRC_DIR PREFIX}" && pwd)
prefix=${2:?usage: $0 SRC_DIR PREFIX}
[ -f "$src/VERSION" ] && [ -f "$src/meson.build" ] ||
	{ echo "$src is not a DPDK source tree" >&2; exit 1; }
id="$(cat "$src/VERSION") $(git -C "$src" rev-parse HEAD 2>/dev/null || echo tree)"
[ "$(cat "$prefix/.vhostzc-dpdk" 2>/dev/null)" = "$id" ] && exit 0

# DPDK's build scripts need a python3 with elftools: Debian's.
export PATH="/usr/bin:$PATH"
b=$prefix.build
rm -rf "$b" "$prefix"
# Only what the tests need; disable_apps would override enable_apps.
meson setup "$b" "$src" --prefix="$prefix" --libdir=lib \
	-Dbuildtype=release -Ddefault_library=shared \
	-Denable_driver_sdk=true -Dtests=false -Denable_docs=false \
	-Dexamples= -Denable_apps=test-pmd \
	-Denable_libs=vhost,cryptodev,dmadev \
	-Denable_drivers=bus/vdev,bus/pci,mempool/ring,net/virtio,net/vhost,net/ring,net/null,net/e1000 \
	>"$prefix.log" 2>&1 || { tail -n 30 "$prefix.log" >&2; exit 1; }
ninja -C "$b" >>"$prefix.log" 2>&1 || { tail -n 30 "$prefix.log" >&2; exit 1; }
meson install -C "$b" --quiet >>"$prefix.log" 2>&1
rm -rf "$b"
echo "$id" > "$prefix/.vhostzc-dpdk"
echo "DPDK $(cat "$src/VERSION") in $prefix"
