#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check every frame of a pcap against the test pattern, byte for byte.

The pattern is vzc_pattern() of test/integration/vzc_pattern.h: bytes 0-3
carry the packet's sequence number, every other byte is a function of
(seq, offset). A frame a NIC failed to read by DMA goes out zero-filled
(QEMU's e1000e) and fails here; a frame count alone would not.

usage: check_frames.py PCAP SIZE[,SIZE...]
Prints "frames=N bad=N sizes=SIZE:N,..." and exits 1 on any bad frame.
"""
import struct
import sys


def pattern(seq, i):
    if i < 4:
        return (seq >> (8 * i)) & 0xFF
    return (seq * 13 + i * 5 + (i >> 9)) & 0xFF


def frame_ok(data, sizes):
    if len(data) not in sizes or len(data) < 4:
        return False
    seq = int.from_bytes(data[0:4], "little")
    return all(data[i] == pattern(seq, i) for i in range(4, len(data)))


def main():
    path, sizes = sys.argv[1], {int(s) for s in sys.argv[2].split(",")}
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 24:
        print("frames=0 bad=0 sizes= (no pcap header)")
        return 1
    magic = struct.unpack_from("<I", blob, 0)[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    off, frames, bad, seen = 24, 0, 0, {}
    while off + 16 <= len(blob):
        incl, orig = struct.unpack_from(endian + "II", blob, off + 8)
        data = blob[off + 16:off + 16 + incl]
        off += 16 + incl
        frames += 1
        if incl != orig or not frame_ok(data, sizes):
            bad += 1
            if bad <= 3:
                print(f"bad frame {frames}: {len(data)} B, starts "
                      f"{data[:16].hex()}")
        else:
            seen[len(data)] = seen.get(len(data), 0) + 1
    print(f"frames={frames} bad={bad} sizes="
          + ",".join(f"{k}:{v}" for k, v in sorted(seen.items())))
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
