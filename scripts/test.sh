#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# The whole test suite on a fresh Debian 12 machine (as root): installs what
# is missing, reserves hugepages, builds, and runs every meson test suite
# (unit, integration, e2e).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/setup.sh"
BUILD_DIR=$top/build "$top/scripts/build.sh"
cd "$top"
meson test -C build --print-errorlogs --num-processes 1 "$@"
