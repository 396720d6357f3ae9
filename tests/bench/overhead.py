#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""overhead.py ARCHIVE -- where an archive's bytes go: per-record framing,
metadata, signature, payload, and the index, as totals and per record.
Reads the chunks directly (spec/FORMAT.md), trusting nothing but framing."""
import struct
import sys


def varint(b, i):
    v = s = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << s
        s += 7
        if not c & 0x80:
            return v, i


def main(path):
    data = open(path, "rb").read()
    pos, tot = 8, {}
    n = 0

    def add(k, v):
        tot[k] = tot.get(k, 0) + v

    add("magic", 8)
    while pos + 12 <= len(data):
        typ = data[pos:pos + 4].decode("latin-1")
        ln = struct.unpack_from("<I", data, pos + 4)[0]
        body = data[pos + 8:pos + 8 + ln]
        if typ == "RECD":
            n += 1
            add("record framing (type, length, CRC)", 12)
            i = 0
            for field in ("name", None, "title", "source", "media type"):
                if field is None:
                    add("metadata: issued time", 8)
                    i += 8
                    continue
                l, j = varint(body, i)
                add("metadata: " + field, j - i + l)
                i = j + l
            start = i
            m, i = varint(body, i)
            for _ in range(2 * m):
                l, i = varint(body, i)
                i += l
            add("metadata: extra pairs", i - start)
            start = i
            _, i = varint(body, i)
            add("metadata: size", i - start)
            method = body[i]
            i += 1
            start = i
            if method == 2:
                _, i = varint(body, i)
            add("method and dictionary number", 1 + i - start)
            add("signer key id", 8)
            add("signature", 64)
            i += 72
            l, j = varint(body, i)
            add("payload length", j - i)
            add("payload (compressed)", l)
        else:
            add(typ + " chunks", ln + 12)
        pos += ln + 12
    total = len(data)
    print("%s: %d bytes, %d records" % (path, total, n))
    for k, v in sorted(tot.items(), key=lambda kv: -kv[1]):
        print("  %-38s %10d  %7.1f per record  %5.1f%%" % (k, v, v / max(n, 1), 100.0 * v / total))
    over = total - tot.get("payload (compressed)", 0)
    print("  %-38s %10d  %7.1f per record  %5.1f%%" % ("everything but payload", over, over / max(n, 1), 100.0 * over / total))


if __name__ == "__main__":
    main(sys.argv[1])
