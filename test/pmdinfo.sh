#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# dpdk-pmdinfo.py on the built plugin prints the driver's name and its
# devargs, and those are exactly the devargs the nics guide documents
# (the string is made from the list the driver parses, so the guide is
# what can drift: this catches it).
#
# usage: pmdinfo.sh PMD_SO GUIDE_RST
set -u
pmd=$1 guide=$2
tool=$(command -v dpdk-pmdinfo.py) || { echo "dpdk-pmdinfo.py missing"; exit 1; }
# Debian's script needs pyelftools from Debian's python, not another one.
py=/usr/bin/python3
[ -x "$py" ] || py=python3
"$py" "$tool" "$pmd" > "${TMPDIR:-/tmp}/pmdinfo.$$" || exit 1
"$py" - "${TMPDIR:-/tmp}/pmdinfo.$$" "$guide" <<'PY'
import json, re, sys
info = json.load(open(sys.argv[1]))
ok = True
drv = [d for d in info if d.get("name") == "net_vhostzc"]
if len(drv) != 1:
    print(f"FAIL: one net_vhostzc entry expected, got {info}")
    sys.exit(1)
keys = [p.split("=")[0] for p in drv[0].get("params", "").split()]
# Device arguments in the guide: ``key`` at the start of a definition line.
text = open(sys.argv[2]).read()
m = re.search(r"^Device arguments\n-+\n(.*?)\n[^\n]+\n-+\n", text, re.S | re.M)
sec = m.group(1) if m else ""
doc = re.findall(r"^``([a-z_-]+)``", sec, re.M)
doc += re.findall(r"^``[a-z_-]+``, ``([a-z_-]+)``", sec, re.M)
print("pmdinfo params:", " ".join(keys))
for k in keys:
    if k not in doc:
        print(f"FAIL: devarg {k} not documented in the guide")
        ok = False
for k in doc:
    if k not in keys:
        print(f"FAIL: the guide documents {k}, the driver does not take it")
        ok = False
print("pmdinfo: 1 passed, 0 failed" if ok else "pmdinfo: 0 passed, 1 failed")
sys.exit(0 if ok else 1)
PY
rc=$?
rm -f "${TMPDIR:-/tmp}/pmdinfo.$$"
exit $rc
