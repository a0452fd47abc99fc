#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Unpack the source of DPDK release VERSION (e.g. 24.11 or 25.11) from
# Debian's source packages (trixie, unstable; any suite of the machine's
# own archive) into the cache and print the tree's path. Nothing is
# committed. Exits 1, saying why, when the archive has no such source.
#
# usage: get-dpdk-src.sh VERSION
set -eu
want=${1:?usage: $0 VERSION}
cache=${VHOSTZC_DPDK_CACHE:-/var/cache/vhostzc-dpdk}/debian-src
mkdir -p "$cache/lists/partial" "$cache/parts"
cd "$cache"

# A private deb-src list on the machine's own archive, naming the suites
# that carry newer DPDK releases; the system's apt setup is left alone.
uri=$(sed -n 's/^URIs: *\(.*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources \
	2>/dev/null | head -n 1)
[ -n "$uri" ] || uri=$(sed -n 's/^deb \([^ ]*\) .*/\1/p' /etc/apt/sources.list | head -n 1)
cat > parts/src.sources <<EOF
Types: deb-src
URIs: $uri
Suites: bookworm trixie sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
opts="-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$cache/parts -o Dir::State::Lists=$cache/lists"
# shellcheck disable=SC2086
apt-get -q $opts update >/dev/null
# shellcheck disable=SC2086
ver=$(apt-cache $opts showsrc dpdk | sed -n 's/^Version: //p' |
	grep -E "^([0-9]+:)?$want(\.[0-9]+)?-" | sort -V | tail -n 1)
[ -n "$ver" ] || { echo "no Debian source package of DPDK $want" >&2; exit 1; }
up=${ver%-*}
up=${up#*:}
if [ ! -f "dpdk-$up/VERSION" ]; then
	# shellcheck disable=SC2086
	apt-get -q $opts source --download-only "dpdk=$ver" >/dev/null 2>&1 || {
		echo "Debian's archive here does not serve the source of dpdk $ver" >&2
		exit 1
	}
	mkdir -p "dpdk-$up"
	tar xf "dpdk_$up.orig.tar."* -C "dpdk-$up" --strip-components=1
fi
echo "$cache/dpdk-$up"
