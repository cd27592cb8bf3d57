#!/usr/bin/env python3
"""Writes seeds for the `geoip` fuzz target into fuzz/corpus/geoip/: small MaxMind DB files
(MaxMind DB File Format Specification 2.0) built by hand, one IPv4 tree and one IPv6 tree,
each with one network mapped to a country and continent. Run from the repository root."""

import os
import struct

MARKER = b"\xab\xcd\xefMaxMind.com"


def string(s):
    b = s.encode()
    return bytes([2 << 5 | len(b)]) + b


def map_(n):
    return bytes([7 << 5 | n])


def uint16(v):
    return bytes([5 << 5 | 2]) + struct.pack(">H", v)


def uint32(v):
    return bytes([6 << 5 | 4]) + struct.pack(">I", v)


def database(net, length, width, country, continent):
    """A tree of `length` nodes leading along `net` (`width` bits) to one record, 24-bit
    records; every branch off the path points to `node_count` (no data)."""
    node_count = length
    tree = b""
    for depth in range(length):
        bit = net[depth // 8] >> (7 - depth % 8) & 1
        on = node_count + 16 if depth + 1 == length else depth + 1
        left, right = (node_count, on) if bit else (on, node_count)
        tree += struct.pack(">I", left)[1:] + struct.pack(">I", right)[1:]
    data = map_(2) + string("country") + map_(1) + string("iso_code") + string(country)
    data += string("continent") + map_(1) + string("code") + string(continent)
    meta = map_(3) + string("node_count") + uint32(node_count)
    meta += string("record_size") + uint16(24) + string("ip_version") + uint16(width)
    return tree + bytes(16) + data + MARKER + meta


def main():
    out = "fuzz/corpus/geoip"
    os.makedirs(out, exist_ok=True)
    seeds = {
        "seed-v4-de-eu": database(bytes([10, 1, 0, 0]), 16, 4, "DE", "EU"),
        "seed-v6-jp-as": database(bytes([0x20, 0x01, 0x0D, 0xB8] + [0] * 12), 32, 6, "JP", "AS"),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
