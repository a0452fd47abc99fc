#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# The whole test suite on a fresh Debian 12 machine (as root): installs what
# is missing, reserves hugepages, builds and installs the PMD, runs every
# meson test suite
# (unit, integration, e2e); then builds again with AddressSanitizer and
# UndefinedBehaviorSanitizer and runs the unit and integration suites under
# them. Ends with one "N passed, N failed" line over both runs.
# Extra arguments go to both `meson test` runs (e.g. a test name).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/setup.sh" || exit 1
BUILD_DIR=$top/build "$top/scripts/build.sh" || exit 1
# Installed into DPDK's PMD directory like a user would: the Open vSwitch
# test relies on EAL loading it from there.
meson install -C "$top/build" --quiet >/dev/null || exit 1
BUILD_DIR=$top/build-asan "$top/scripts/build.sh" -Dbuildtype=debug \
	-Db_sanitize=address,undefined -Db_lundef=false || exit 1
cd "$top"

status=0
echo "=== tests"
meson test -C build --print-errorlogs --num-processes 1 "$@" || status=1
echo "=== tests under ASan + UBSan (unit, integration)"
meson test -C build-asan --print-errorlogs --num-processes 1 \
	--suite unit --suite integration "$@" || status=1

python3 - build/meson-logs/testlog.json build-asan/meson-logs/testlog.json <<'PY'
import json, sys
ok = bad = skip = 0
for path in sys.argv[1:]:
    for line in open(path):
        r = json.loads(line)["result"]
        if r in ("OK", "EXPECTEDFAIL"):
            ok += 1
        elif r == "SKIP":
            skip += 1
        else:
            bad += 1
print(f"test.sh: {ok} passed, {bad} failed" + (f", {skip} skipped" if skip else ""))
PY
exit $status
