#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
#
# Seed corpora for the fuzz targets, so that libFuzzer starts from inputs
# with valid structure (rings and memory tables that work, chains that
# walk, packets that are received) rather than from nothing: single
# descriptors, chains, indirect tables, wraps of the 16-bit indices,
# malformed chains next to good ones, zero-copy with every layout and
# IOVA mode, held mbufs, re-posted heads, memory table changes, stops.
# The encoders below write the input formats fuzz_ring.c and fuzz_rx.c
# read (fx_setup / run_ops there); change them together.
#
# usage: gen-corpus.py [OUT_DIR]   (default: the corpus/ next to this file)
import os
import struct
import sys

U8, U16, U32, U64 = "<B", "<H", "<I", "<Q"


def p(fmt, *v):
    return struct.pack(fmt, *v)


# ---- fuzz_ring.c ----
class Ring:
    """One fuzz_ring input: a ring, a memory table, then operations."""

    def __init__(self, size_log2, regions, desc_region=False, event_idx=False,
                 last_avail=0, used_idx=0, sig_used=0, sig_valid=0,
                 avail_flags=0, used_event=0, avail_n=0, packed_size=0):
        # regions: (kind, size, extra placement bytes). packed_size: a
        # packed ring of that many slots; then last_avail is the avail
        # position (bit 15: wrap), used_idx the slots in flight, sig_used
        # the window already put, avail_flags/used_event the driver event
        # area's flags and off_wrap.
        assert 1 <= len(regions) <= 8
        self.packed = packed_size != 0
        b = p(U8, size_log2 & 15)
        b += p(U8, (len(regions) - 1) | (8 if desc_region else 0) |
               (16 if event_idx else 0) | (32 if self.packed else 0))
        if self.packed:
            b += p(U16, packed_size - 1)
        for kind, size, extra in regions:
            b += p(U8, kind) + p(U16, size - 1) + extra
        b += p(U16, last_avail) + p(U16, used_idx) + p(U16, sig_used)
        b += p(U8, sig_valid) + p(U16, avail_flags) + p(U16, used_event)
        b += p(U16, avail_n)
        self.b = b

    @staticmethod
    def addr(region, off):
        return p(U8, region & 7) + p(U16, off)

    @staticmethod
    def near_end(region, back):
        return p(U8, (region & 7) | 8) + p(U16, back)

    @staticmethod
    def raw_addr(a):
        return p(U8, 0xf8) + p(U64, a)

    @staticmethod
    def ln(n):
        if n < 256:
            return p(U8, 0) + p(U8, n)
        if n < 65536:
            return p(U8, 1) + p(U16, n)
        return p(U8, 2) + p(U32, n)

    def desc(self, i, addr, n, flags=0, nxt=0, av=0):
        # packed: nxt is the buffer id, av bit 0 AVAIL, bit 1 USED
        self.b += p(U8, 0) + p(U16, i) + addr + self.ln(n) + p(U8, flags) + \
            p(U16, nxt)
        if self.packed:
            self.b += p(U8, av)
        return self

    def make_avail(self, n, buf_id):
        # packed: the next n slots become one available chain
        self.b += p(U8, 2) + p(U8, n - 1) + p(U16, buf_id)
        return self

    def base(self, a, u):
        self.b += p(U8, 8) + p(U16, a) + p(U16, u)
        return self

    def table(self, region, off, entries):
        # entries: (addr_bytes, len, flags, next)
        self.b += p(U8, 1) + p(U8, region) + p(U16, off) + p(U8, len(entries))
        for a, n, fl, nx in entries:
            self.b += a + self.ln(n) + p(U8, fl) + p(U8, nx)
        return self

    def avail(self, slot, head):
        self.b += p(U8, 2) + p(U16, slot) + p(U16, head)
        return self

    def idx(self, v):
        self.b += p(U8, 3) + p(U16, v)
        return self

    def run(self, n, untake=0):
        self.b += p(U8, 4) + p(U8, n) + p(U8, untake)
        return self

    def copy(self, head, steps):
        self.b += p(U8, 5) + p(U16, head)
        for off, n in steps:
            self.b += p(U32, off) + p(U32, n)
        return self

    def notify(self, flags, used_event):
        self.b += p(U8, 6) + p(U16, flags) + p(U16, used_event)
        return self


NEXT, WRITE, INDIRECT = 1, 2, 4
R64K = (0, 65536, b"")                    # after nothing: at 0x100000


def ring_seeds():
    s = {}
    r = Ring(4, [R64K], avail_n=1)
    s["single"] = r.avail(0, 5).desc(5, Ring.addr(0, 0x1000), 1500).b
    r = Ring(4, [R64K], avail_n=1)
    s["chain3"] = (r.avail(0, 3).desc(3, Ring.addr(0, 0x100), 12, NEXT, 9)
                   .desc(9, Ring.addr(0, 0x8000), 100, NEXT, 0)
                   .desc(0, Ring.addr(0, 0x200), 188).copy(3, [(12, 288)]).b)
    r = Ring(4, [R64K], avail_n=1)
    s["indirect"] = (r.avail(0, 2).desc(2, Ring.addr(0, 0x4000), 48, INDIRECT)
                     .table(0, 0x4000, [(Ring.addr(0, 0x100), 12, NEXT, 1),
                                        (Ring.addr(0, 0x200), 1000, NEXT, 2),
                                        (Ring.addr(0, 0x800), 500, 0, 0)]).b)
    # Indirect table at an odd address, and one naming itself.
    r = Ring(4, [R64K], avail_n=2)
    s["indirect-odd"] = (r.avail(0, 1).avail(1, 2)
                         .desc(1, Ring.addr(0, 0x4001), 32, INDIRECT)
                         .table(0, 0x4001, [(Ring.addr(0, 0x10), 7, NEXT, 1),
                                            (Ring.addr(0, 0x30), 9, NEXT, 0)])
                         .desc(2, Ring.addr(0, 0x5000), 16, INDIRECT)
                         .table(0, 0x5000, [(Ring.addr(0, 0x5000), 16, 4, 0)])
                         .b)
    # Two regions GPA-adjacent: a buffer split across them.
    r = Ring(3, [R64K, (0, 4096, b"")], avail_n=1)
    s["split-regions"] = (r.avail(0, 0).desc(0, Ring.near_end(0, 100), 300)
                          .copy(0, [(50, 200)]).b)
    # Overlapping and aliasing regions, one wrapping past 2^64.
    r = Ring(5, [R64K, (3, 8192, p(U8, 0) + p(U16, 0x800)),
                 (4, 4096, p(U8, 0) + p(U16, 0x1000)),
                 (2, 8192, p(U64, 0xffffffffffffe000)),
                 (0, 4096, b"")], avail_n=3)
    s["odd-table"] = (r.avail(0, 1).avail(1, 2).avail(2, 3)
                      .desc(1, Ring.addr(1, 0x10), 2000)
                      .desc(2, Ring.addr(3, 0x1000), 0x1800)
                      .desc(3, Ring.addr(2, 0x10), 64).b)
    # The descriptor table is guest memory: an indirect table over it.
    r = Ring(4, [(1, 256, p(U32, 0x300))], desc_region=True, avail_n=1)
    s["desc-in-memory"] = (r.avail(0, 4).desc(0, Ring.addr(0, 0x80), 16,
                                              NEXT, 1)
                           .desc(1, Ring.addr(0, 0xf0), 16)
                           .desc(4, Ring.addr(0, 0), 256, INDIRECT).b)
    # Index wraps at 2^16, with EVENT_IDX suppression.
    r = Ring(3, [R64K], event_idx=True, last_avail=0xfffe, used_idx=0xfffd,
             sig_used=0xfff0, sig_valid=1, used_event=0xfffe, avail_n=4)
    for i in range(4):
        r.avail((0xfffe + i) & 0xffff, i).desc(i, Ring.addr(0, 0x100 * i),
                                               60 + i)
    s["wrap-event-idx"] = r.run(2).notify(0, 2).run(2).b
    r = Ring(3, [R64K], avail_flags=1, avail_n=2)
    s["no-interrupt"] = (r.avail(0, 0).avail(1, 1)
                         .desc(0, Ring.addr(0, 0), 10)
                         .desc(1, Ring.addr(0, 16), 10).run(1).notify(0, 0).b)
    # Malformed next to good: loop, bad index, bad address, write-only,
    # zero length, too long, nested indirect, runaway avail index.
    r = Ring(4, [R64K], avail_n=8)
    for i in range(8):
        r.avail(i, i)
    r.desc(0, Ring.addr(0, 0), 100, NEXT, 0)
    r.desc(1, Ring.addr(0, 0), 100, NEXT, 999)
    r.desc(2, Ring.raw_addr(0x1000), 100)
    r.desc(3, Ring.addr(0, 0), 100, WRITE)
    r.desc(4, Ring.addr(0, 0), 0)
    r.desc(5, Ring.addr(0, 0), 0x20001)
    r.desc(6, Ring.addr(0, 0x100), 16, INDIRECT)
    r.table(0, 0x100, [(Ring.addr(0, 0x200), 16, 4, 0)])
    r.desc(7, Ring.addr(0, 0x300), 1500)
    s["malformed"] = r.run(8).idx(0x4000).run(8).b
    # More than VZC_MAX_IOV pieces: walked in steps.
    r = Ring(7, [R64K], avail_n=1)
    r.avail(0, 0)
    for i in range(100):
        r.desc(i, Ring.addr(0, 64 + 17 * i), 15, NEXT if i < 99 else 0, i + 1)
    s["long-chain"] = r.copy(0, [(0, 960), (10, 500)]).b
    # A self loop in a large ring: walked until the ring's size.
    r = Ring(15, [R64K], avail_n=2)
    s["loop-large"] = (r.avail(0, 7).avail(1, 7)
                       .desc(7, Ring.addr(0, 0x10), 1, NEXT, 7).b)
    # The largest packet, and one byte more.
    r = Ring(2, [(0, 65536, b""), (0, 65536, b"")], avail_n=2)
    s["max-len"] = (r.avail(0, 0).avail(1, 1)
                    .desc(0, Ring.addr(0, 0), 0x20000)
                    .desc(1, Ring.addr(0, 0), 0x20000, NEXT, 2)
                    .desc(2, Ring.addr(1, 0), 1).b)
    # Untaking (out of mbufs) and taking again; ring bases set.
    r = Ring(3, [R64K], avail_n=3)
    for i in range(3):
        r.avail(i, i).desc(i, Ring.addr(0, 0x100 * i), 100 + i)
    s["untake-base"] = r.run(3, 0x5).base(0xfff0, 0xfff0).avail(0, 2).idx(
        0xfff1).run(1, 1).b
    # Packed rings (avail position 0x8000: slot 0, wrap counter 1, as a
    # ring starts): odd sizes, chains of slots, wraps, indirect tables,
    # event suppression, hostile bases.
    r = Ring(0, [R64K], packed_size=5, last_avail=0x8000)
    for i in range(5):
        r.desc(i, Ring.addr(0, 0x100 * i), 60 + i)
    s["packed-chains"] = (r.make_avail(1, 0).make_avail(3, 1).run(4)
                          .make_avail(2, 2).make_avail(1, 3).run(4, 2).b)
    r = Ring(0, [R64K], packed_size=3, last_avail=0x8002, used_idx=1)
    for i in range(3):
        r.desc(i, Ring.addr(0, 0x40 * i), 20)
    s["packed-wrap"] = (r.make_avail(2, 1).run(8).make_avail(2, 2).run(8)
                        .make_avail(3, 0).run(8).b)
    r = Ring(0, [R64K], packed_size=16, last_avail=0x8000)
    r.desc(0, Ring.addr(0, 0x4000), 48, INDIRECT)
    r.table(0, 0x4000, [(Ring.addr(0, 0x100), 12, 0, 0),
                        (Ring.addr(0, 0x200), 1000, 2, 0),
                        (Ring.addr(0, 0x800), 500, 0, 0)])
    s["packed-indirect"] = r.make_avail(1, 5).run(2).b
    r = Ring(0, [R64K], packed_size=16, last_avail=0x8000)
    r.desc(0, Ring.addr(0, 0x4001), 32, INDIRECT)
    r.table(0, 0x4001, [(Ring.addr(0, 0x100), 12, 0, 0),
                        (Ring.addr(0, 0x200), 100, 0, 0)])
    s["packed-indirect-odd"] = r.make_avail(1, 5).run(1).b
    r = Ring(0, [R64K], packed_size=8, last_avail=0x8000, sig_valid=1,
             sig_used=0, avail_flags=2, used_event=0x8003)
    for i in range(8):
        r.desc(i, Ring.addr(0, 0x80 * i), 30)
    s["packed-event"] = (r.make_avail(1, 0).make_avail(1, 1).run(2)
                         .notify(2, 0x8005).make_avail(4, 2).run(1)
                         .notify(1, 0).make_avail(1, 3).run(1)
                         .notify(2, 0x0001).make_avail(2, 4).run(1).b)
    r = Ring(0, [R64K], packed_size=4, last_avail=0x8000)
    r.desc(0, Ring.addr(0, 0), 10, NEXT, 1, av=1)
    r.desc(1, Ring.addr(0, 0), 10, 0, 1, av=2)
    s["packed-malformed"] = (r.run(2).base(0x7fff, 0xffff).make_avail(2, 9)
                             .run(2).base(2, 0x8001).run(1).b)
    r = Ring(0, [R64K], desc_region=True, packed_size=32768)
    r.desc(32767, Ring.addr(0, 0x10), 16, 0, 1).desc(0, Ring.addr(0, 0x20), 16)
    s["packed-32768"] = (r.base(0x7fff, 0x7fff).make_avail(2, 5).run(2).b)
    # Ring sizes from 1 to 32768, and invalid ones.
    for lg in (0, 1, 8, 12, 15):
        r = Ring(lg, [R64K], avail_n=1)
        s["size-%u" % (1 << lg)] = (r.avail(0, 0)
                                    .desc(0, Ring.addr(0, 0), 64).b)
    for raw in (0, 3, 65536, 0x10000000):
        s["size-raw-%x" % raw] = p(U8, 0x80) + p(U32, raw)
    return s


# ---- fuzz_rx.c ----
class Rx:
    """One fuzz_rx input: a guest, then operations."""

    def __init__(self, size_log2=8, linear=False, event_idx=False,
                 hdr10=False, zc=True, mem=0, vlan_strip=False,
                 sw_csum=False, min_len=512, max_lent=0, base=0, end=0,
                 budget_pages=0):
        r = (size_log2 & 15) | (0x10 if linear else 0) | \
            (0x20 if event_idx else 0) | (0x40 if hdr10 else 0) | \
            (0 if zc else 0x80)
        m = mem | (0x20 if vlan_strip else 0) | (0x40 if sw_csum else 0)
        self.b = p(U8, r) + p(U8, m) + p(U8, min_len // 4) + \
            p(U8, max_lent) + p(U16, base) + p(U8, end) + p(U8, budget_pages)

    @staticmethod
    def slot(i):
        return p(U8, 3) + p(U16, i)      # a 16 KiB buffer slot

    @staticmethod
    def at(off):
        return p(U8, 0) + p(U32, off)

    @staticmethod
    def near_2m(k, d):                   # 2 MiB * (1 + k) - 2048 + d
        return p(U8, 1 | (k << 2)) + p(U16, d)

    def packet(self, head, where, plen, tmpl=1, pieces=1, own_hdr=False,
               post=True, seed=1, vflags=0, gso=0, vrest=b"\0" * 8,
               raw=bytes(range(64))):
        big = plen > 65535
        shape = (1 if own_hdr else 0) | ((pieces - 1) << 1) | \
            (0 if post else 0x40) | (0x80 if big else 0)
        self.b += p(U8, 1) + p(U16, head) + where
        # Past 64 KiB: u16 v and u8 extra, plen = 2 * v + extra.
        self.b += p(U16, plen // 2 if big else plen)
        self.b += p(U8, tmpl) + p(U8, shape) + p(U8, seed)
        if big:
            self.b += p(U8, plen % 2)
        self.b += p(U8, vflags) + p(U8, gso) + vrest
        if tmpl & 7 == 7:               # the frame's first 64 bytes
            self.b += raw
        return self

    def desc(self, i, gpa_bytes, n, flags=0, nxt=0):
        self.b += p(U8, 0) + p(U16, i) + gpa_bytes + Ring.ln(n) + \
            p(U8, flags) + p(U16, nxt)
        return self

    @staticmethod
    def gpa(off):
        return p(U8, 0) + p(U8, 0) + p(U32, off)

    @staticmethod
    def raw_gpa(a):
        return p(U8, 0xf0) + p(U64, a)

    def indirect(self, head, where, entries, post=True, nxt=0):
        self.b += p(U8, 2) + p(U16, head) + where + p(U8, len(entries)) + \
            p(U8, 0 if post else 4)
        for a, n, fl, nx in entries:
            self.b += a + Ring.ln(n) + p(U8, fl) + p(U8, nx)
        self.b += p(U16, nxt)
        return self

    def post(self, head):
        self.b += p(U8, 3) + p(U16, head)
        return self

    def idx_add(self, n):
        self.b += p(U8, 4) + p(U16, n)
        return self

    def burst(self, nb, decisions=()):
        # decisions: per packet 0 free now, 1/2 after that many bursts,
        # 3 at the end.
        self.b += p(U8, 5) + p(U8, nb) + bytes(decisions)
        return self

    def reclaim(self):
        self.b += p(U8, 6)
        return self

    def remap(self, mem):
        self.b += p(U8, 8) + p(U8, mem)
        return self

    def bytes(self, where, data):
        self.b += p(U8, 7) + where + p(U8, len(data)) + data
        return self

    def free(self, which):
        self.b += p(U8, 9) + p(U8, which)
        return self

    def notify(self, flags, used_event):
        self.b += p(U8, 10) + p(U16, flags) + p(U16, used_event)
        return self

    def time_passes(self):
        self.b += p(U8, 12)
        return self


IN_ORDER = 4                             # Rx(end=...) bit: VIRTIO_F_IN_ORDER
VA, PA, PA_SPLIT, NO_IOVA, VA_DMA = 0, 1, 2, 3, 4
REG2, REG4 = 8, 16
V4TCP, V4UDP, V6TCP, V6UDP, RAW, ARP = 1, 2, 3, 4, 0, 6
VLAN, QINQ = 8, 16


def rx_seeds():
    s = {}
    # Sizes around every decision point (copy, zc-min-len, the head).
    x = Rx()
    for i, n in enumerate((64, 511, 512, 1518, 9000)):
        x.packet(i, Rx.slot(i), n, V4TCP, seed=i)
    s["sizes"] = x.burst(8, (0, 1, 3, 2, 0)).burst(0).b
    for lin in (False, True):
        name = "linear" if lin else "zc-head"
        x = Rx(linear=lin, min_len=0)
        x.packet(5, Rx.slot(5), 1518, V4UDP).packet(6, Rx.slot(6), 9000)
        x.packet(7, Rx.slot(7), 2000, V4TCP, pieces=2, own_hdr=True)
        s[name] = x.burst(3, (3, 0, 1)).burst(1).b
    # Chains and indirect tables.
    x = Rx()
    x.packet(10, Rx.slot(10), 3000, V6TCP, pieces=3, own_hdr=True)
    x.indirect(20, Rx.slot(30), [(Rx.gpa(31 << 14), 112, 1, 1),
                                 (Rx.gpa((31 << 14) + 112), 2900, 1, 2),
                                 (Rx.gpa((31 << 14) + 3012), 2000, 0, 0)])
    s["chains"] = x.burst(4, (3, 3)).reclaim().b
    # A chain of more pieces than one walk step.
    x = Rx(min_len=0)
    x.packet(40, Rx.slot(40), 1500, V4TCP, pieces=16, own_hdr=True)
    x.packet(60, Rx.slot(41), 6000, V4UDP, pieces=16)
    s["many-pieces"] = x.burst(4, (0, 0)).b
    x = Rx(size_log2=8)
    x.b += b""
    for i in range(100):
        x.desc(11 + i, Rx.gpa((50 << 14) + 64 + 17 * i), 15,
               1 if i < 99 else 0, 12 + i)
    x.desc(10, Rx.gpa(50 << 14), 12, 1, 11).post(10)
    s["long-chain"] = x.burst(2, (0,)).b
    # The lending cap, and a ring running low.
    x = Rx(max_lent=4, min_len=0)
    for i in range(10):
        x.packet(i, Rx.slot(i), 2000, V4UDP, seed=i)
    s["cap"] = x.burst(10, (3,) * 10).burst(1).b
    x = Rx(size_log2=5, max_lent=32, min_len=0)
    for i in range(30):
        x.packet(i, Rx.slot(i), 1500, seed=i)
    s["ring-low"] = x.burst(16, (3,) * 16).burst(16, (0,) * 14).b
    # Malformed chains; a head re-posted while lent; runaway index.
    x = Rx()
    x.desc(1, Rx.gpa(1 << 14), 100, 1, 999).post(1)
    x.desc(2, Rx.raw_gpa(0x1000), 100).post(2)
    x.desc(3, Rx.gpa(3 << 14), 0).post(3)
    x.desc(4, Rx.gpa(4 << 14), 12).post(4)
    x.packet(5, Rx.slot(5), 1000)
    x.post(5000)
    x.burst(8, (3,)).post(5).burst(1).packet(5, Rx.slot(5), 64)
    x.burst(1).idx_add(300).burst(8).idx_add(65536 - 300).burst(8)
    s["malformed"] = x.b
    # IOVA modes: PA over hugepages in and out of order, none, DMA-mapped.
    for mode, name in ((PA, "pa"), (PA_SPLIT, "pa-split"),
                       (NO_IOVA, "no-iova"), (VA_DMA, "va-dma")):
        for lin in (False, True):
            x = Rx(mem=mode, linear=lin, min_len=0)
            x.packet(1, Rx.near_2m(0, 100), 4000, V4TCP)
            x.packet(2, Rx.slot(3), 4000, V4UDP)
            s["iova-%s%s" % (name, "-linear" if lin else "")] = \
                x.burst(2, (0, 3)).b
    # Two and four regions: buffers across region boundaries.
    for mem, name in ((REG2, "regions2"), (REG4 | PA_SPLIT, "regions4-pa")):
        x = Rx(mem=mem, min_len=0)
        x.packet(1, Rx.near_2m(0, 0), 8000, V6UDP, pieces=2)
        x.packet(2, Rx.near_2m(1, 2040), 3000, V4TCP)
        s[name] = x.burst(2, (1, 3)).burst(1).b
    # Offloads: checksum, GSO, VLAN strip, on both layouts.
    for lin in (False, True):
        x = Rx(linear=lin, vlan_strip=True, sw_csum=True, min_len=0)
        x.packet(1, Rx.slot(1), 1500, V4TCP | VLAN, vflags=1, seed=3)
        x.packet(2, Rx.slot(2), 1500, V6UDP, vflags=1, seed=4)
        x.packet(3, Rx.slot(3), 9000, V4TCP, vflags=2, gso=1,
                 vrest=p(U16, 54) + p(U16, 1448) + b"\0" * 4)
        x.packet(4, Rx.slot(4), 600, V4UDP | QINQ, vflags=1)
        x.packet(5, Rx.slot(5), 300, ARP, vflags=2)
        s["offloads%s" % ("-linear" if lin else "")] = \
            x.burst(8, (0, 0, 3, 0, 0)).b
    # Memory tables changing while chains are lent, past the generations.
    x = Rx(min_len=0)
    for i in range(10):
        x.packet(i, Rx.slot(i), 2000, seed=i).burst(1, (3,))
        x.remap((VA, PA, REG2, VA_DMA)[i % 4])
    s["remap"] = x.packet(20, Rx.slot(20), 2000).burst(1).b
    # Stops: with mbufs held (frozen within a budget), after freeing.
    for end, budget, name in ((1, 0, "stop-held"), (1, 1, "stop-budget"),
                              (2, 0, "stop-freed")):
        x = Rx(end=end, budget_pages=budget, min_len=0)
        x.packet(0, Rx.slot(0), 1500).packet(1, Rx.at((0 << 14) + 2048), 1500)
        x.packet(2, Rx.slot(1), 1500)
        s[name] = x.burst(3, (3, 3, 0)).b
    x = Rx(mem=PA, end=1, min_len=0)
    s["stop-pa"] = x.packet(0, Rx.slot(0), 3000).burst(1, (3,)).b
    # Index wraps, EVENT_IDX, a one-entry ring, the largest ring.
    x = Rx(size_log2=4, base=0xfffa, event_idx=True, min_len=0)
    for i in range(12):
        x.packet(i % 16, Rx.slot(i), 700, seed=i)
    s["wrap"] = x.notify(0, 0xfffd).burst(6, (1,) * 6).burst(6, (0,) * 6).b
    x = Rx(size_log2=0)
    s["ring1"] = x.packet(0, Rx.slot(0), 1500).burst(1, (1,)).packet(
        0, Rx.slot(1), 200).burst(1, (0,)).burst(1).b
    x = Rx(size_log2=15, min_len=0)
    s["ring32k"] = x.packet(32767, Rx.slot(2), 1500).post(32767).burst(
        4, (0,)).b
    # Copy only: zero-copy off; a 10-byte header; the largest packets.
    x = Rx(zc=False, hdr10=True)
    s["copy-only"] = x.packet(1, Rx.slot(1), 9000, pieces=4).burst(1).b
    x = Rx(min_len=0)
    x.packet(1, Rx.at(0), 131072 - 12, pieces=3)
    x.packet(5, Rx.at(200 << 10), 131072 - 11)
    s["max-len"] = x.burst(2, (3,)).b
    # Offloads asked for on a frame the parser stops early in (QinQ, then
    # ARP), after one it parses to L4: its L3/L4 lengths must be 0.
    x = Rx(size_log2=4, min_len=0)
    x.packet(0, Rx.slot(1), 100, V4TCP, vflags=2)
    x.packet(1, Rx.slot(2), 100, ARP | QINQ, vflags=2)
    s["hdr-lens"] = x.burst(2, (0, 0)).b
    # IPv6 with a 2 KiB hop-by-hop header: an L3 length past the mbuf's
    # 9-bit l3_len.
    ip6 = bytes(12) + b"\x86\xdd" + b"\x60\0\0\0" + p(">H", 2100) + \
        b"\x00\x40" + bytes(15) + b"\x01" + bytes(15) + b"\x02" + \
        b"\x11\xff" + bytes(8)
    x = Rx(min_len=0)
    s["ipv6-long-ext"] = x.packet(1, Rx.slot(1), 2200, 7, vflags=2,
                                  raw=ip6).burst(1, (0,)).b
    # A 2-byte frame copied into an mbuf whose byte 12 and 13 are 0x8100
    # from its previous packet (the second segment of a copied one).
    x = Rx(size_log2=4, vlan_strip=True, zc=False)
    x.packet(0, Rx.slot(1), 2100, RAW)
    x.bytes(Rx.at((1 << 14) + 12 + 2048 + 12), b"\x81\x00")
    x.burst(1, (0,))
    s["vlan-short"] = x.packet(1, Rx.slot(2), 2, RAW).burst(1, (0,)).b
    # IN_ORDER: frees out of order; copies behind a lent chain; a chain
    # held until the ring runs low, and one held past zc-hold-us (op 12),
    # handed back early, its buffer re-posted (copied: frozen page) and
    # freed at last; a stop with the order queue part done.
    x = Rx(size_log2=4, end=IN_ORDER, min_len=0)
    for i in range(6):
        x.packet(i, Rx.slot(i), 1500, seed=i)
    s["inorder-shuffle"] = x.burst(6, (2, 0, 3, 1, 0, 2)).burst(0).burst(
        0).burst(0).b
    x = Rx(size_log2=4, end=IN_ORDER)
    x.packet(0, Rx.slot(0), 1500)
    for i in range(1, 4):
        x.packet(i, Rx.slot(i), 64)
    s["inorder-copies"] = x.burst(4, (1, 0, 0, 0)).burst(0).burst(0).b
    x = Rx(size_log2=3, end=IN_ORDER)
    x.packet(0, Rx.slot(0), 1500).burst(1, (3,))
    for i in range(10):
        x.packet(1 + i % 7, Rx.slot(1 + i % 7), 64).burst(1, (0,))
    x.time_passes().packet(0, Rx.slot(0), 1500, seed=9).burst(1, (0,))
    s["inorder-ring-low"] = x.burst(0).b
    # (A burst starts the held chain's clock; op 12 then lets it run out.)
    x = Rx(size_log2=4, end=IN_ORDER, min_len=0)
    x.packet(0, Rx.slot(0), 2000).packet(1, Rx.slot(1), 100)
    x.burst(2, (3, 0)).burst(0).time_passes().burst(0)
    x.bytes(Rx.at((0 << 14) + 100), b"\xee" * 32)
    x.packet(0, Rx.slot(0), 2000, seed=5).burst(1, (0,)).time_passes()
    s["inorder-hold"] = x.packet(2, Rx.slot(0), 2000, seed=6).burst(
        1, (0,)).b
    x = Rx(size_log2=4, end=IN_ORDER | 1, min_len=0)
    for i in range(5):
        x.packet(i, Rx.slot(i), 1500 if i % 2 == 0 else 64, seed=i)
    s["inorder-stop"] = x.burst(5, (3, 0, 0, 0, 3)).b
    x = Rx(size_log2=4, end=IN_ORDER | 2, mem=PA, min_len=0)
    x.packet(0, Rx.slot(0), 3000).burst(1, (3,)).burst(0).time_passes()
    x.burst(0)
    s["inorder-pa"] = x.remap(VA).packet(1, Rx.slot(1), 3000).burst(
        1, (0,)).b
    return s


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")
    for target, seeds in (("ring", ring_seeds()), ("rx", rx_seeds())):
        d = os.path.join(out, target)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        print("%s: %u seeds, %u bytes" % (d, len(seeds),
                                          sum(len(v) for v in seeds.values())))


if __name__ == "__main__":
    main()
