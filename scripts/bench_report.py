#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Turn scripts/bench.sh output into doc/bench/results.md and PNG plots.

usage: bench_report.py OUTDIR SECONDS PAIRS WARMUP
"""

import csv
import os
import platform
import statistics
import subprocess
import sys


def cmd(*args):
    try:
        return subprocess.run(args, capture_output=True, text=True,
                              check=False).stdout.strip()
    except OSError:
        return ""


def med(vals):
    vals = [v for v in vals if v == v]  # drop NaN
    if not vals:
        return float("nan"), float("nan"), float("nan")
    return statistics.median(vals), min(vals), max(vals)


def fmt(t, digits=2):
    m, lo, hi = t
    if m != m:
        return "n/a"
    return f"{m:.{digits}f} ({lo:.{digits}f}-{hi:.{digits}f})"


def apart(a, b):
    """Whether two (median, min, max) ranges do not overlap: only then does
    the ratio of the medians say which is faster on this machine."""
    if a[0] != a[0] or b[0] != b[0]:
        return "n/a"
    return "yes" if a[2] < b[1] or b[2] < a[1] else "no"


MAX_WAIT = float(os.environ.get("BENCH_MAX_WAIT", "2"))
MAX_PEER = float(os.environ.get("BENCH_MAX_PEER", "1.5"))


def num(r, k):
    try:
        return float(r.get(k) or "nan")
    except ValueError:
        return float("nan")


def rounds(path, fallback):
    """How many rounds (the largest pair number) a CSV holds: a section
    kept from an earlier run says its own, not this run's."""
    try:
        n = max(int(r["pair"]) for r in csv.DictReader(open(path)))
    except (OSError, KeyError, ValueError):
        return fallback
    return str(n)


def drop_disturbed(rows, key):
    """Rows kept, rows left out. Out: a forwarding thread waited for its
    CPU or the hypervisor stole more than MAX_WAIT % of the window, or the
    peer needed more than MAX_PEER x the fewest cycles per packet of its
    key (cell and configuration): measured here, such runs are slowed from
    outside without waiting for any CPU."""
    best = {}
    for r in rows:
        pc = num(r, "peer_cycles_per_packet")
        if pc == pc:
            best[key(r)] = min(best.get(key(r), pc), pc)
    kept, out = [], []
    for r in rows:
        pc = num(r, "peer_cycles_per_packet")
        slow = pc == pc and pc > MAX_PEER * best[key(r)]
        (out if slow or disturbed(r, MAX_WAIT) else kept).append(r)
    return kept, out


def disturbed(r, max_wait):
    """A run whose forwarding threads were kept off their CPUs."""
    for k in ("be_wait_pct", "peer_wait_pct", "steal_pct"):
        try:
            if float(r.get(k) or "nan") > max_wait:
                return True
        except ValueError:
            pass
    return False


def ratio(a, b):
    return a / b if b and a == a and b == b else float("nan")


def write_iova(out, header, pairs, warmup, secs):
    """iova.md from iova.csv: net_vhostzc with IOVA as PA beside VA."""
    ic = {}
    rows = list(csv.DictReader(open(os.path.join(out, "iova.csv"))))
    total = len(rows)
    rows, dropped = drop_disturbed(rows, lambda r: (
        r["mode"], r["size"], r["driver"], r["iova"]))
    for r in rows:
        c = ic.setdefault((r["mode"], int(r["size"]), r["driver"],
                           r["iova"]), {"mpps": [], "cyc": []})
        c["mpps"].append(float(r["mpps"]))
        c["cyc"].append(float(r["cycles_per_packet"]))
    lines = ["# net_vhostzc: IOVA as PA beside IOVA as VA", "",
             "Produced by `scripts/bench.sh` (raw numbers: `iova.csv`).", ""]
    lines += header  # machine_lines(): machine, DPDK, driver
    lines += [
        f"- Each cell: {pairs} rounds of the three configurations "
        f"alternating (net_vhost, net_vhostzc with `--iova-mode=pa`, "
        f"net_vhostzc with `--iova-mode=va`); {warmup} s warm-up, {secs} s "
        "measured; median (min-max). Same rig as results.md "
        "(backend on CPU 0, virtio-user peer on CPU 1).",
        "- With IOVA as PA net_vhostzc looks up each lent segment's "
        "physical address in a per-page table; with VA it uses the "
        "address itself. Nothing else differs.",
        f"- Disturbed runs left out: {len(dropped)} of {total} (as in "
        "results.md).", "",
        "| mode | size | net_vhost (PA) Mpps | net_vhostzc PA Mpps "
        "| net_vhostzc VA Mpps | PA/VA Mpps | net_vhostzc PA cyc/pkt "
        "| net_vhostzc VA cyc/pkt | PA/VA cyc/pkt |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for mode in ("rxonly", "io"):
        for s in sorted({k[1] for k in ic if k[0] == mode}):
            v = ic.get((mode, s, "vhost", "pa"))
            p = ic.get((mode, s, "vhostzc", "pa"))
            a = ic.get((mode, s, "vhostzc", "va"))
            if not (v and p and a):
                continue
            pm, am = med(p["mpps"]), med(a["mpps"])
            pc, ac = med(p["cyc"]), med(a["cyc"])
            lines.append(
                f"| {mode} | {s} | {fmt(med(v['mpps']))} | {fmt(pm)} "
                f"| {fmt(am)} | {ratio(pm[0], am[0]):.2f} "
                f"| {fmt(pc, 0)} | {fmt(ac, 0)} "
                f"| {ratio(pc[0], ac[0]):.2f} |")
    lines.append("")
    open(os.path.join(out, "iova.md"), "w").write("\n".join(lines))


def write_formats(out, header, pairs, warmup, secs):
    """formats.md from formats.csv: split beside packed, IN_ORDER on/off."""
    fc = {}
    rows = list(csv.DictReader(open(os.path.join(out, "formats.csv"))))
    total = len(rows)
    rows, dropped = drop_disturbed(rows, lambda r: (
        r["mode"], r["size"], r["driver"], r["ring"], r["in_order"]))
    for r in rows:
        c = fc.setdefault((r["mode"], int(r["size"]), r["driver"], r["ring"],
                           r["in_order"]), {"mpps": [], "cyc": []})
        c["mpps"].append(float(r["mpps"]))
        c["cyc"].append(float(r["cycles_per_packet"]))
    cfgs = [("vhost", "split", "0"), ("vhost", "split", "1"),
            ("vhost", "packed", "0"), ("vhost", "packed", "1"),
            ("vhostzc", "split", "0"), ("vhostzc", "split", "1"),
            ("vhostzc", "packed", "0"), ("vhostzc", "packed", "1")]
    name = {"vhost": "net_vhost", "vhostzc": "net_vhostzc"}
    lines = ["# Ring formats: split and packed, IN_ORDER on and off", "",
             "Produced by `scripts/bench.sh` (raw numbers: `formats.csv`).", ""]
    lines += header  # machine_lines(): machine, DPDK, driver
    lines += [
        f"- Each cell: {pairs} rounds of the configurations alternating; "
        f"{warmup} s warm-up, {secs} s measured; median (min-max) of the "
        "packets per second the backend received (what the guest managed "
        "to send). The virtio-user peer chooses the format (`packed_vq`) "
        "and `in_order`; both drivers offer IN_ORDER (net_vhostzc since "
        "0.2; a configuration not in the run shows n/a).",
        f"- Disturbed runs left out: {len(dropped)} of {total} (as in "
        "results.md; runs from before the check are all kept).", "",
        "| mode | size | " + " | ".join(
            f"{name[d]} {r}{' in_order' if i == '1' else ''} Mpps"
            for d, r, i in cfgs) + " | in_order gain (net_vhost split) |"
        " in_order gain (net_vhostzc split) | net_vhostzc/net_vhost "
        "(split, in_order) |",
        "|---|---:|" + "---:|" * (len(cfgs) + 3)]
    for mode in ("rxonly", "io"):
        for s in sorted({k[1] for k in fc if k[0] == mode}):
            cells = [fc.get((mode, s) + c) for c in cfgs]
            if not any(cells):
                continue
            m = [med(c["mpps"]) if c else med([]) for c in cells]
            lines.append(f"| {mode} | {s} | " + " | ".join(fmt(x) for x in m)
                         + f" | {ratio(m[1][0], m[0][0]):.2f}"
                         f" | {ratio(m[5][0], m[4][0]):.2f}"
                         f" | {ratio(m[5][0], m[1][0]):.2f} |")
    lines.append("")
    open(os.path.join(out, "formats.md"), "w").write("\n".join(lines))


def write_holding(out, header, pairs, warmup, secs):
    """holding.md from holding.csv: a backend that holds N packets."""
    path = os.path.join(out, "holding.csv")
    rows = list(csv.DictReader(open(path)))
    total = len(rows)
    rows, dropped = drop_disturbed(rows, lambda r: (
        r["size"], r["driver"], r["fifo"]))
    c = {}
    for r in rows:
        c.setdefault((int(r["size"]), r["driver"], int(r["fifo"])),
                     []).append(float(r["mpps"]))
    fifos = sorted({k[2] for k in c})
    lines = ["# Holding applications", "",
             "Produced by `scripts/bench.sh` (raw numbers: `holding.csv`). "
             "The backend is testpmd in noisy forwarding mode: every packet "
             "waits in a FIFO of N packets before it is sent back and freed "
             "(`--noisy-tx-sw-buffer-size`, flushed after 10 ms), as a NIC "
             "TX ring holds mbufs; N = 0 frees at once. The guest "
             "(virtio-user, txonly) sends; Mpps is what the backend "
             "received, i.e. what the guest managed to send.", ""]
    lines += header  # machine_lines(): machine, DPDK, driver
    lines += [f"- Each cell: {pairs} rounds, configurations alternating; "
              f"{warmup} s warm-up, {secs} s measured; median (min-max). "
              f"Disturbed runs left out: {len(dropped)} of {total}.", "",
              "| size | FIFO | net_vhost Mpps | net_vhostzc Mpps | "
              "net_vhostzc / net_vhost | net_vhostzc / its own FIFO 0 |",
              "|---:|---:|---:|---:|---:|---:|"]
    for s in sorted({k[0] for k in c}):
        z0 = med(c.get((s, "vhostzc", 0), []))
        for n in fifos:
            v = med(c.get((s, "vhost", n), []))
            z = med(c.get((s, "vhostzc", n), []))
            lines.append(f"| {s} | {n} | {fmt(v)} | {fmt(z)} | "
                         f"{ratio(z[0], v[0]):.2f} | {ratio(z[0], z0[0]):.2f} |")
    lines.append("")
    open(os.path.join(out, "holding.md"), "w").write("\n".join(lines))


def write_ovs(out, header, pairs, warmup, secs):
    """ovs.md from ovs.csv: two ports of each driver inside Open vSwitch."""
    c = {}
    for r in csv.DictReader(open(os.path.join(out, "ovs.csv"))):
        k = (int(r["size"]), r["driver"])
        for f in ("rx_mpps", "delivered_mpps", "pmd_cycles_per_packet"):
            v = num(r, f)
            if v == v:
                c.setdefault(k + (f,), []).append(v)
    want = {64: 1.0, 1518: 1.8, 9000: 4.0}
    ovs = cmd("ovs-vswitchd", "--version").splitlines()
    lines = ["# Open vSwitch: two ports of each driver", "",
             "Produced by `scripts/bench.sh` (raw numbers: `ovs.csv`). "
             "Debian's ovs-vswitchd-dpdk, one bridge (netdev datapath), two "
             "ports of the driver under test (`type=dpdk`, "
             "`dpdk-devargs=net_vhostzcN` or `net_vhostN`) and one flow "
             "p0 -> p1. A virtio-user testpmd sends (txonly) into p0, a "
             "second one receives (rxonly) from p1.", ""]
    lines += header  # machine_lines(): machine, DPDK, driver
    lines += [
        f"- Open vSwitch: {ovs[0] if ovs else 'unknown'}",
        "- CPUs: OVS's PMD thread alone on CPU 0 (`pmd-cpu-mask=0x1`); "
        "OVS's main thread and both virtio-user peers share CPU 1 "
        "(`dpdk-lcore-mask=0x2`, peers `--lcores=0@1,1@1`).",
        f"- Each cell: {pairs} rounds, drivers alternating; {warmup} s "
        f"warm-up, {secs} s measured; median (min-max). Received: packets "
        "OVS took from p0 per second (what the sending guest managed), "
        "read live with `ovs-ofctl dump-ports`; delivered: packets the "
        "receiving guest got; cycles: OVS PMD processing cycles per "
        "packet (`dpif-netdev/pmd-stats-show`). 1518 and 9000 B frames "
        "with `mtu_request=9000` on both ports.", "",
        "| size | net_vhost received Mpps | net_vhostzc received Mpps "
        "| ratio | wanted | met | net_vhost delivered Mpps "
        "| net_vhostzc delivered Mpps | net_vhost PMD cyc/pkt "
        "| net_vhostzc PMD cyc/pkt |",
        "|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|"]
    for s in sorted({k[0] for k in c}):
        def m(d, f, s=s):
            return med(c.get((s, d, f), []))
        a, b = m("vhost", "rx_mpps"), m("vhostzc", "rx_mpps")
        r = ratio(b[0], a[0])
        w = want.get(s)
        met = "n/a" if w is None or r != r else ("yes" if r >= w else "no")
        lines.append(
            f"| {s} | {fmt(a)} | {fmt(b)} | {r:.2f} | "
            f"{'>= %g' % w if w else '-'} | {met} | "
            f"{fmt(m('vhost', 'delivered_mpps'))} | "
            f"{fmt(m('vhostzc', 'delivered_mpps'))} | "
            f"{fmt(m('vhost', 'pmd_cycles_per_packet'), 0)} | "
            f"{fmt(m('vhostzc', 'pmd_cycles_per_packet'), 0)} |")
    lines.append("")
    open(os.path.join(out, "ovs.md"), "w").write("\n".join(lines))


def machine_lines():
    cpu = ""
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    ver = open(os.path.join(os.path.dirname(__file__), "..",
                            "VERSION")).read().strip()
    return [f"- Machine: {cpu}, {os.cpu_count()} CPUs, Linux "
            f"{platform.release()}",
            f"- DPDK: {cmd('pkg-config', '--modversion', 'libdpdk')} (Debian)",
            f"- net_vhostzc: {ver} (commit "
            f"{cmd('git', '-C', os.path.dirname(__file__), 'rev-parse', '--short', 'HEAD')}"
            "), default devargs"]


SIDE = (("iova.csv", "IOVA as PA beside IOVA as VA", "iova.md", write_iova),
        ("formats.csv", "Ring formats and IN_ORDER", "formats.md",
         write_formats),
        ("holding.csv", "Holding applications", "holding.md", write_holding),
        ("ovs.csv", "Open vSwitch", "ovs.md", write_ovs))


def main():
    out, secs, pairs, warmup = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    side_pairs = sys.argv[5] if len(sys.argv) > 5 else pairs
    if not os.path.exists(os.path.join(out, "results.csv")):
        # A partial run (BENCH_SKIP_MATRIX without a matrix kept): the
        # side reports alone.
        for f, _, md, write in SIDE:
            if os.path.exists(os.path.join(out, f)):
                write(out, machine_lines(),
                      rounds(os.path.join(out, f), side_pairs), warmup, secs)
                print(os.path.join(out, md))
        return
    rows = list(csv.DictReader(open(os.path.join(out, "results.csv"))))
    total = len(rows)
    rows, dropped = drop_disturbed(
        rows, lambda r: (r["mode"], r["size"], r["driver"]))
    cells = {}
    for r in rows:
        key = (r["mode"], int(r["size"]), r["driver"])
        c = cells.setdefault(key, {"mpps": [], "cyc": []})
        c["mpps"].append(float(r["mpps"]))
        c["cyc"].append(float(r["cycles_per_packet"]))
    modes = []
    for r in rows:
        if r["mode"] not in modes:
            modes.append(r["mode"])
    sizes = sorted({k[1] for k in cells})
    # Rows from before the iova column were measured with --iova-mode=va.
    matrix_iova = sorted({r.get("iova") or "va (forced)" for r in rows})

    lines = []
    header = [
        "# net_vhostzc vs net_vhost: benchmark results",
        "",
        "Produced by `scripts/bench.sh` (raw numbers: `results.csv`, "
        "`memory.csv`, `64ports.txt`; profiles: `profiles.txt`).",
        "",
    ] + machine_lines() + [
        f"- Each cell: {rounds(os.path.join(out, 'results.csv'), pairs)} "
        "pairs of runs, drivers alternating; "
        f"{warmup} s warm-up, {secs} s measured; median (min-max).",
        f"- IOVA mode of the backend: {', '.join(matrix_iova)}",
        f"- Disturbed runs left out: {len(dropped)} of {total} (a "
        f"forwarding thread waited for its CPU, or the hypervisor stole, "
        f"more than {MAX_WAIT:g} % of the window, or the peer needed more "
        f"than {MAX_PEER:g}x its fewest cycles per packet of that cell and "
        "driver; runs from before this check have no such record and are "
        "all kept)",
        "- Backend: `dpdk-testpmd --lcores=0@0,1@0 "
        "--vdev net_vhostzc0,iface=SOCK` (or `net_vhost0`), "
        "`--record-core-cycles`; peer: `dpdk-testpmd --lcores=0@1,1@1 "
        "--vdev net_virtio_user0,path=SOCK` "
        "(rxonly: peer txonly; io: both io, `start tx_first 8`; "
        "macswap: backend macswap, peer io).",
        "- Mpps: packets the backend received per second; Gbit/s: "
        "Mpps x frame size x 8; cycles/packet: backend forwarding "
        "lcore, from testpmd.",
        "",
    ]
    lines += header
    for mode in modes:
        lines += [f"## {mode}", "",
                  "| size | net_vhost Mpps | net_vhostzc Mpps | Mpps ratio "
                  "| net_vhost Gbit/s | net_vhostzc Gbit/s "
                  "| net_vhost cyc/pkt | net_vhostzc cyc/pkt "
                  "| cyc/pkt ratio | Mpps ranges apart |",
                  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
        for s in sizes:
            a = cells.get((mode, s, "vhost"))
            b = cells.get((mode, s, "vhostzc"))
            if a is None or b is None:
                continue
            am, bm = med(a["mpps"]), med(b["mpps"])
            ac, bc = med(a["cyc"]), med(b["cyc"])
            ag = tuple(x * s * 8 / 1000 for x in am)
            bg = tuple(x * s * 8 / 1000 for x in bm)
            lines.append(
                f"| {s} | {fmt(am)} | {fmt(bm)} | {ratio(bm[0], am[0]):.2f} "
                f"| {fmt(ag, 1)} | {fmt(bg, 1)} | {fmt(ac, 0)} | {fmt(bc, 0)} "
                f"| {ratio(bc[0], ac[0]):.2f} | {apart(am, bm)} |")
        lines.append("")

    def get(mode, size, drv, what):
        c = cells.get((mode, size, drv))
        return med(c[what])[0] if c else float("nan")

    def cyc_ratio(size):
        return ratio(get("rxonly", size, "vhostzc", "cyc"),
                     get("rxonly", size, "vhost", "cyc"))

    # The performance issue's targets that the matrix measures; holding
    # applications are in holding.md, Open vSwitch in ovs.md.
    targets = []
    for mode in modes:
        rs = [(ratio(get(mode, s, "vhostzc", "mpps"),
                     get(mode, s, "vhost", "mpps")), s) for s in sizes]
        rs = [r for r in rs if r[0] == r[0]]
        if rs:
            worst = min(rs)
            targets.append((f"{mode}: guest-visible Mpps ratio, lowest of "
                            f"{sizes[0]}-{sizes[-1]} B (at {worst[1]} B)",
                            ">= 1.00", worst[0], 1.00, "ge"))
    targets += [
        ("rxonly cyc/pkt ratio at 64 B", "<= 1.00", cyc_ratio(64), 1.00, "le"),
        ("rxonly cyc/pkt ratio at 1518 B", "<= 0.35", cyc_ratio(1518), 0.35,
         "le"),
        ("rxonly cyc/pkt ratio at 9000 B", "<= 0.15", cyc_ratio(9000), 0.15,
         "le"),
        ("net_vhostzc rxonly cyc/pkt 9000 B / 64 B", "<= 1.30",
         ratio(get("rxonly", 9000, "vhostzc", "cyc"),
               get("rxonly", 64, "vhostzc", "cyc")), 1.30, "le"),
    ]
    lines += ["## Targets", "", "| target | wanted | measured | met |",
              "|---|---|---:|---|"]
    for name, want, val, lim, op in targets:
        met = "n/a" if val != val else (
            "yes" if (val <= lim if op == "le" else val >= lim) else "no")
        lines.append(f"| {name} | {want} | {val:.2f} | {met} |")
    lines.append("")

    for f, title, md, write in SIDE:
        if os.path.exists(os.path.join(out, f)):
            lines += [f"## {title}", "",
                      f"Measured by the same `bench.sh` run: [{md}]({md}).",
                      ""]
            write(out, machine_lines(),
                  rounds(os.path.join(out, f), side_pairs), warmup, secs)

    mem = os.path.join(out, "memory.csv")
    if os.path.exists(mem):
        m = {}
        for r in csv.DictReader(open(mem)):
            m[(r["driver"], int(r["queues"]), int(r["ports"]))] = (
                int(r["rss_kib"]), int(r["huge_kib"]))
        lines += ["## Memory per port (no front-end attached)", "",
                  "Difference between 8 ports and 1 port, divided by 7.", "",
                  "| driver | queues | RSS KiB/port | hugepage KiB/port |",
                  "|---|---:|---:|---:|"]
        for drv in ("vhost", "vhostzc"):
            for q in (1, 8):
                a, b = m.get((drv, q, 1)), m.get((drv, q, 8))
                if a and b:
                    lines.append(f"| net_{drv} | {q} | {(b[0] - a[0]) / 7:.0f} "
                                 f"| {(b[1] - a[1]) / 7:.0f} |")
        lines += ["", "Once a front-end attaches, net_vhostzc also allocates "
                  "per receive queue a lending table (two 128-byte slots per "
                  "ring entry, a head map, a free list and the IN_ORDER "
                  "order queue) and two completion rings, about 80 KiB for a "
                  "256-entry ring, and maps the guest memory twice more, a "
                  "read view and a lend view (virtual address space only: "
                  "the pages are shared).", ""]
    many = os.path.join(out, "64ports.txt")
    if os.path.exists(many):
        text = open(many).read().strip().splitlines()
        lines += ["## 64 ports in one process", "",
                  "One backend testpmd with net_vhostzc ports, one peer "
                  "testpmd with as many virtio-user ports sending 1518 B for "
                  "5 s. Debian's DPDK 22.11 is built with RTE_MAX_ETHPORTS "
                  "32: no DPDK process, with any driver, can hold 64 ethdev "
                  "ports there, so the test runs the most the build allows. "
                  "net_vhostzc has no limit of its own below that (the vhost "
                  "library takes 1024 devices); a DPDK built with "
                  "`-Dmax_ethports=64` or more runs all 64.", ""]
        lines += ["    " + t for t in text] + [""]

    # Plots.
    plots = [
        ("rxonly_mpps.png", "rxonly: Mpps the guest sent", "Mpps", "rxonly",
         "mpps"),
        ("rxonly_cycles.png", "rxonly: backend CPU cycles per packet",
         "cycles/packet", "rxonly", "cyc"),
        ("io_mpps.png", "io loopback: Mpps", "Mpps", "io", "mpps"),
        ("macswap_mpps.png", "macswap: Mpps", "Mpps", "macswap", "mpps"),
    ]
    for png, title, ylabel, mode, what in plots:
        if mode not in modes:
            continue
        dat = os.path.join(out, f".{mode}.dat")
        with open(dat, "w") as f:
            for s in sizes:
                f.write(f"{s} {get(mode, s, 'vhost', what)} "
                        f"{get(mode, s, 'vhostzc', what)}\n")
        gp = (f"set terminal png size 800,500 noenhanced; set output '{os.path.join(out, png)}';"
              f"set title '{title}'; set xlabel 'packet size (bytes)';"
              f"set ylabel '{ylabel}'; set logscale x 2; set grid;"
              f"set key top left;"
              f"plot '{dat}' using 1:2 with linespoints title 'net_vhost',"
              f" '{dat}' using 1:3 with linespoints title 'net_vhostzc'")
        subprocess.run(["gnuplot", "-e", gp], check=False)
        os.unlink(dat)
        lines.append(f"![{title}]({png})")
        lines.append("")

    open(os.path.join(out, "results.md"), "w").write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
