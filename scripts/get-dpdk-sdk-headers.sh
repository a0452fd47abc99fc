#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Debian builds DPDK without the driver SDK headers an out-of-tree PMD needs.
# Fetch them from the Debian source package of exactly the installed libdpdk-dev
# version and copy only those headers into OUTDIR. Nothing is committed.
#
# usage: get-dpdk-sdk-headers.sh OUTDIR
set -eu
out=${1:?usage: $0 OUTDIR}
headers="lib/ethdev/ethdev_driver.h lib/ethdev/ethdev_vdev.h \
	drivers/bus/vdev/bus_vdev_driver.h lib/eal/include/dev_driver.h \
	lib/eal/include/bus_driver.h"

ok=1
for h in $headers; do
	[ -f "$out/$(basename "$h")" ] || ok=0
done
[ "$ok" = 1 ] && exit 0

ver=$(dpkg-query -W -f='${Version}' libdpdk-dev 2>/dev/null || true)
if [ -z "$ver" ]; then
	echo "libdpdk-dev is not installed (apt-get install libdpdk-dev)" >&2
	exit 1
fi
upstream=${ver%-*}
upstream=${upstream#*:}

cache=${VHOSTZC_SDK_CACHE:-/var/cache/vhostzc-dpdk-src}
mkdir -p "$cache/lists/partial"
chmod 755 "$cache"
cd "$cache"

if ! ls dpdk_"$upstream".orig.tar.* >/dev/null 2>&1; then
	# A deb-src list derived from the machine's own deb sources, kept private
	# so the system's apt configuration is left untouched.
	src=/etc/apt/sources.list.d/debian.sources
	if [ -f "$src" ]; then
		sed 's/^Types: deb$/Types: deb-src/' "$src" > src.sources
		opts="-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$cache/parts"
		mkdir -p parts
		cp src.sources parts/src.sources
	else
		sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > src.list
		opts="-o Dir::Etc::SourceList=$cache/src.list -o Dir::Etc::SourceParts=/dev/null"
	fi
	# shellcheck disable=SC2086
	apt-get -q $opts -o Dir::State::Lists="$cache/lists" update >/dev/null
	# shellcheck disable=SC2086
	apt-get -q $opts -o Dir::State::Lists="$cache/lists" \
		source --download-only "dpdk=$ver" >/dev/null 2>&1
fi

tarball=$(ls dpdk_"$upstream".orig.tar.* | head -n 1)
mkdir -p "$out"
top=$(tar tf "$tarball" | head -n 1 | cut -d/ -f1)
for h in $headers; do
	tar xf "$tarball" -O "$top/$h" > "$out/$(basename "$h")"
done
echo "driver SDK headers for DPDK $upstream in $out"
