#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""annotate.py -- the generated parts of spec/FORMAT.md (sections 11, 12).

Reads the golden vectors in format/vectors/ and writes annotated hex dumps
and worked examples between marker pairs in the specification:

    <!-- HEXDUMP:empty -->  ...generated...  <!-- /HEXDUMP:empty -->

usage: annotate.py --update SPEC.md   rewrite every generated block
       annotate.py --check SPEC.md    exit 1, naming the block, if any
                                      block differs from the vectors

A begin marker with no end marker is a block not generated yet: --update
fills it in, --check reports it. Python 3 standard library only (hashlib
for BLAKE2b, zlib for CRC-32); signatures are shown, not verified: the
conformance run verifies them with rpt_ref.py and the C library.
Exit status: 0 ok, 1 a block differs, 2 usage or unreadable input.
"""

import argparse
import base64
import datetime
import hashlib
import os
import re
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(HERE, "..", "..", "format", "vectors")
WIDTH = 16  # hex bytes per dump line


class Damaged(Exception):
    pass


# ----- bytes ---------------------------------------------------------------

def b2(data):
    return hashlib.blake2b(data, digest_size=32).digest()


def b5(data):
    return hashlib.blake2b(data, digest_size=64).digest()


def hexs(data):
    return " ".join("%02x" % x for x in data)


def key_id_text(kid):
    """As minisign prints it: the 8 bytes read as a little-endian u64."""
    return "%016X" % int.from_bytes(kid, "little")


def when(t):
    d = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=t)
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def varint_at(buf, pos):
    """(value, next position); the canonical-form rules of spec 1."""
    val = 0
    for i in range(10):
        if pos + i >= len(buf):
            raise Damaged("varint runs past the end")
        byte = buf[pos + i]
        if i == 9 and byte > 1:
            raise Damaged("varint over 2^64-1")
        val |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            if i and byte == 0:
                raise Damaged("over-long varint")
            return val, pos + i + 1
    raise Damaged("varint over 10 bytes")


class Chunk:
    def __init__(self, data, off):
        if off + 12 > len(data):
            raise Damaged("chunk header past the end at %d" % off)
        self.off = off
        self.type = data[off:off + 4].decode("latin-1")
        self.len = int.from_bytes(data[off + 4:off + 8], "little")
        self.end = off + 12 + self.len
        if self.end > len(data):
            raise Damaged("chunk %s at %d runs past the end" % (self.type, off))
        self.body_off = off + 8
        self.body = data[off + 8:off + 8 + self.len]
        self.raw = data[off:self.end]
        self.crc = int.from_bytes(data[self.end - 4:self.end], "little")
        if self.crc != zlib.crc32(data[off:off + 4] + self.body):
            raise Damaged("chunk %s at %d: CRC mismatch" % (self.type, off))


def chunks(data):
    if data[1:8] != b"RPT\r\n\x1a\n" or data[0] != 0x81:
        raise Damaged("bad magic")
    out, off = [], 8
    while off < len(data):
        c = Chunk(data, off)
        out.append(c)
        off = c.end
    return out


def load(name):
    path = os.path.join(VECTORS, name)
    with open(path, "rb") as f:
        return f.read()


def public_key():
    with open(os.path.join(VECTORS, "test-only.pub"), encoding="utf-8") as f:
        raw = base64.b64decode(f.read().splitlines()[1])
    if len(raw) != 42 or raw[:2] != b"Ed":
        raise Damaged("test-only.pub is not a minisign Ed25519 public key")
    return raw[2:10], raw[10:42]


# ----- annotated dumps -----------------------------------------------------

class Dump:
    """Lines of 'offset  hex  what', a field per line; long fields wrap."""

    def __init__(self, data):
        self.data = data
        self.lines = []

    def field(self, off, n, what):
        b = self.data[off:off + n]
        if n == 0:
            self.lines.append("%04x  %-*s  %s" % (off, WIDTH * 3 - 1, "", what))
            return
        for i in range(0, n, WIDTH):
            self.lines.append(("%04x  %-*s  %s" % (off + i, WIDTH * 3 - 1,
                                                   hexs(b[i:i + WIDTH]),
                                                   what if i == 0 else "")).rstrip())

    def note(self, text):
        self.lines.append("%4s  %s" % ("", text))

    def blank(self):
        self.lines.append("")


class Body:
    """A cursor over one chunk body that annotates each field it reads."""

    def __init__(self, dump, chunk):
        self.d = dump
        self.c = chunk
        self.pos = chunk.body_off
        self.end = chunk.body_off + chunk.len
        self.data = dump.data

    def take(self, n, what):
        if self.pos + n > self.end:
            raise Damaged("%s runs past the end of %s" % (what, self.c.type))
        off = self.pos
        self.pos += n
        self.d.field(off, n, what)
        return self.data[off:off + n]

    def raw(self, n):
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def u8(self, name, show=None):
        v = self.data[self.pos]
        self.take(1, "%s %s" % (name, show(v) if show else v))
        return v

    def u32(self, name):
        v = int.from_bytes(self.data[self.pos:self.pos + 4], "little")
        self.take(4, "%s %d (u32)" % (name, v))
        return v

    def u64(self, name, show=None):
        v = int.from_bytes(self.data[self.pos:self.pos + 8], "little")
        self.take(8, "%s %s (u64)" % (name, show(v) if show else v))
        return v

    def i64(self, name):
        v = int.from_bytes(self.data[self.pos:self.pos + 8], "little", signed=True)
        self.take(8, "%s %d (i64) = %s" % (name, v, when(v)))
        return v

    def varint(self, name, show=None):
        v, nxt = varint_at(self.data, self.pos)
        self.take(nxt - self.pos, "%s %s (varint)" % (name, show(v) if show else v))
        return v

    def text(self, name, empty="empty"):
        n, nxt = varint_at(self.data, self.pos)
        self.take(nxt - self.pos, "%s: length %d (varint)%s" % (name, n, "" if n else ", " + empty))
        if n:
            s = self.data[nxt:nxt + n].decode("utf-8")
            self.take(n, "%s %s" % (name, quote(s)))
            return s
        return ""

    def blob(self, name, what=""):
        n, nxt = varint_at(self.data, self.pos)
        self.take(nxt - self.pos, "%s: length %d (varint)" % (name, n))
        b = self.data[nxt:nxt + n]
        self.take(n, name + (" " + what if what else ""))
        return b

    def fixed(self, n, name):
        return self.take(n, name)


def quote(s):
    out = s if len(s) <= 48 else s[:45] + "..."
    return '"' + out.replace("\n", "\\n") + '"'


def dump_magic(d):
    d.field(0, 8, "magic: 0x81 (0x80 | major 1), \"RPT\", CR LF, ^Z, LF")


def dump_header(d, c, what):
    d.blank()
    d.field(c.off, 4, "type '%s'%s" % (c.type, " -- " + what if what else ""))
    d.field(c.off + 4, 4, "length %d" % c.len)


def dump_crc(d, c, body_pos):
    if body_pos < c.end - 4:
        d.field(body_pos, c.end - 4 - body_pos, "later minor-version fields (ignored)")
    d.field(c.end - 4, 4, "crc 0x%08X: CRC-32 of type and body" % c.crc)


class Archive:
    """What the dumps need to know across chunks."""

    def __init__(self, data):
        self.data = data
        self.chunks = chunks(data)
        self.head = self.chunks[0]
        self.aux = []          # KEYS and DICT chunks, in order
        self.recds = []
        self.seals = []
        for c in self.chunks:
            if c.type in ("KEYS", "DICT"):
                self.aux.append(c)
            elif c.type == "RECD":
                self.recds.append(c)
            elif c.type == "SEAL":
                self.seals.append(c)
        self.archive_id = self.head.body[2:18]
        self.rec_no = {c.off: i for i, c in enumerate(self.recds)}
        self.by_off = {c.off: c for c in self.chunks}


def dump_head(b):
    b.u8("major")
    b.u8("minor")
    b.fixed(16, "archive_id")
    b.i64("created")
    b.text("software")


def dump_keys(b):
    n = b.varint("count")
    for i in range(n):
        kid = b.data[b.pos:b.pos + 8]
        b.fixed(8, "key %d: key_id %s" % (i, key_id_text(kid)))
        b.fixed(32, "key %d: public_key (Ed25519)" % i)
        b.text("key %d: comment" % i)


def dump_dict(b):
    b.varint("number")
    dict_id = b.data[b.pos:b.pos + 32]
    b.pos += 32
    n, nxt = varint_at(b.data, b.pos)
    ok = "ok" if b2(b.data[nxt:nxt + n]) == dict_id else "MISMATCH"
    b.pos -= 32
    b.fixed(32, "dict_id = BLAKE2b-256(dictionary): %s" % ok)
    b.blob("dictionary")


def dump_recd(b):
    b.text("name")
    b.i64("issued")
    b.text("title", "no title")
    b.text("source", "no source")
    b.text("media_type", "meaning text/plain; charset=utf-8")
    n = b.varint("n_meta")
    for i in range(n):
        b.text("meta %d key" % i)
        b.text("meta %d value" % i)
    size = b.varint("size")
    b.d.note("(end of the metadata section M: %d bytes)" % (b.pos - b.c.body_off))
    method = b.u8("method", lambda v: {0: "0 = stored", 1: "1 = raw deflate",
                                        2: "2 = raw deflate with a dictionary"}.get(v, v))
    if method == 2:
        b.varint("dict")
    kid = b.data[b.pos:b.pos + 8]
    b.fixed(8, "key_id %s" % key_id_text(kid))
    b.fixed(64, "signature (Ed25519, 5.1)")
    what = {0: "(stored: the %d-byte payload itself)" % size,
            1: "(raw deflate, inflates to %d bytes)" % size,
            2: "(raw deflate with the dictionary, inflates to %d bytes)" % size}[method]
    b.blob("payload", what)


def dump_indx(b, arc):
    hdr = parse_indx_header(b.c)
    n = b.varint("n (entries)")
    b.varint("first (record number)")
    s = b.varint("s (older live segments)")
    for i in range(s):
        off = b.u64("segment %d: offset" % i, lambda v: "0x%x" % v)
        seg = arc.by_off.get(off)
        ok = ("ok" if seg is not None and seg.type == "INDX"
              and parse_indx_header(seg)["root"] == b.data[b.pos:b.pos + 32] else "MISMATCH")
        b.fixed(32, "segment %d: root of that INDX: %s" % (i, ok))
    a = b.varint("a (KEYS and DICT chunks)")
    for i in range(a):
        off = int.from_bytes(b.data[b.pos:b.pos + 8], "little")
        t = arc.by_off[off].type if off in arc.by_off else "?"
        b.u64("aux %d: offset" % i, lambda v: "0x%x (%s)" % (v, t))
    elen = b.varint("entries_len")
    bsize = b.varint("block_size")
    nb = b.varint("nb (blocks of the data area)")
    data_at = b.pos + 32 * nb
    data_len = b.end - data_at
    for i in range(nb):
        blk = b.data[data_at + i * bsize:data_at + min((i + 1) * bsize, data_len)]
        ok = "ok" if b2(blk) == b.data[b.pos:b.pos + 32] else "MISMATCH"
        b.fixed(32, "block %d: BLAKE2b-256 of data bytes %d..%d: %s"
                % (i, i * bsize, i * bsize + len(blk) - 1, ok))
    b.d.note("root = BLAKE2b-256 of the header above (0x%04x..0x%04x): %s"
             % (b.c.body_off, data_at - 1, hexs(hdr["root"][:8]) + " ..."))
    b.d.note("data area: %d bytes = entries_len %d + 8 x %d + 4 x %d"
             % (data_len, elen, n, (n + 63) // 64))
    start = b.pos
    poss = []
    for k in range(n):
        poss.append(b.pos - start)
        name = b.text("entry %d name" % k)
        off = b.varint("entry %d offset" % k, lambda v: "0x%x" % v)
        b.varint("entry %d stored" % k)
        b.varint("entry %d size" % k)
        b.i64("entry %d issued" % k)
        rec = arc.by_off.get(off)
        ok = "ok" if rec is not None and b2(rec.raw) == b.data[b.pos:b.pos + 32] else "MISMATCH"
        b.fixed(32, "entry %d digest = BLAKE2b-256(RECD chunk): %s" % (k, ok))
    if b.pos - start != elen:
        raise Damaged("entries_len")
    for k in range(n):
        h = int.from_bytes(b.data[b.pos:b.pos + 4], "little")
        num = int.from_bytes(b.data[b.pos + 4:b.pos + 8], "little")
        nm = hdr["names"][num] if num < n else "?"
        ok = "ok" if num < n and int.from_bytes(b2(nm.encode())[:4], "little") == h else "MISMATCH"
        b.fixed(4, "lookup %d: hash 0x%08x = BLAKE2b-256(%s)[0:4]: %s"
                % (k, h, quote(nm), ok))
        b.fixed(4, "lookup %d: number %d" % (k, num))
    for j in range((n + 63) // 64):
        m = int.from_bytes(b.data[b.pos:b.pos + 4], "little")
        ok = "ok" if m == poss[64 * j] else "MISMATCH"
        b.fixed(4, "mark %d: entry %d starts at byte %d of entries: %s" % (j, 64 * j, m, ok))


def seal_d(arc, seal_chunk, indx):
    hdr = parse_indx_header(indx)
    parts = arc.head.raw + b"".join(arc.by_off[o].raw for o in hdr["aux"]) + hdr["root"]
    return b2(parts)


def dump_seal(b, arc):
    gen = b.u32("generation")
    b.u64("count (records)")
    idx = [c for c in arc.chunks if c.type == "INDX"][gen - 1]
    ok = "ok" if seal_d(arc, b.c, idx) == b.data[b.pos:b.pos + 32] else "MISMATCH"
    b.fixed(32, "D (5.3): %s" % ok)
    prev = b.data[b.pos:b.pos + 32]
    if gen == 1:
        b.fixed(32, "prev: zero (generation 1)" if prev == bytes(32) else "prev: NOT ZERO")
    else:
        old = arc.seals[gen - 2]
        b.fixed(32, "prev = BLAKE2b-256(SEAL at 0x%x): %s"
                % (old.off, "ok" if b2(old.raw) == prev else "MISMATCH"))
    kid = b.data[b.pos:b.pos + 8]
    b.fixed(8, "key_id %s" % key_id_text(kid))
    b.fixed(64, "signature (Ed25519, 5.4)")


def dump_trlr(b):
    b.u64("index_offset", lambda v: "0x%x" % v)
    b.u64("seal_offset", lambda v: "0x%x" % v)
    b.u64("prev_trailer", lambda v: "0x%x" % v)
    b.u32("generation")
    b.u64("count")


def dump_chunk(d, arc, c, what=""):
    dump_header(d, c, what)
    b = Body(d, c)
    if c.type == "HEAD":
        dump_head(b)
    elif c.type == "KEYS":
        dump_keys(b)
    elif c.type == "DICT":
        dump_dict(b)
    elif c.type == "RECD":
        dump_recd(b)
    elif c.type == "INDX":
        dump_indx(b, arc)
    elif c.type == "SEAL":
        dump_seal(b, arc)
    elif c.type == "TRLR":
        dump_trlr(b)
    else:
        b.fixed(c.len, "body (ancillary: CRC checked, then skipped)")
    dump_crc(d, c, b.pos)


def fence(lines):
    while lines and not lines[0]:
        lines = lines[1:]
    return "```text\n" + "\n".join(lines) + "\n```\n"


# ----- INDX header fields, for the append example --------------------------

def parse_indx_header(c):
    """The INDX header fields, its root, and the entry names."""
    body, pos = c.body, 0
    h = {}
    h["n"], pos = varint_at(body, pos)
    h["first"], pos = varint_at(body, pos)
    s, pos = varint_at(body, pos)
    h["segments"] = []
    for _ in range(s):
        h["segments"].append((int.from_bytes(body[pos:pos + 8], "little"), body[pos + 8:pos + 40]))
        pos += 40
    a, pos = varint_at(body, pos)
    h["aux"] = [int.from_bytes(body[pos + 8 * i:pos + 8 * i + 8], "little") for i in range(a)]
    pos += 8 * a
    h["entries_len"], pos = varint_at(body, pos)
    h["block_size"], pos = varint_at(body, pos)
    nb, pos = varint_at(body, pos)
    h["blocks"] = [body[pos + 32 * i:pos + 32 * i + 32] for i in range(nb)]
    pos += 32 * nb
    h["header_len"] = pos
    h["root"] = b2(body[:pos])
    h["entries_at"] = pos
    names = []
    ents = body[pos:pos + h["entries_len"]]
    p = 0
    for _ in range(h["n"]):
        ln, p = varint_at(ents, p)
        nm = ents[p:p + ln].decode("utf-8")
        p += ln
        for _ in range(3):
            _, p = varint_at(ents, p)
        p += 8 + 32
        names.append(nm)
    h["names"] = names
    return h


def recd_fields(c):
    """(M, name, size, method, key_id, signature, payload) of a RECD chunk."""
    body = c.body
    pos = 0
    ln, pos = varint_at(body, pos)
    name = body[pos:pos + ln].decode("utf-8")
    pos += ln + 8
    for _ in range(3):
        ln, pos = varint_at(body, pos)
        pos += ln
    n_meta, pos = varint_at(body, pos)
    for _ in range(2 * n_meta):
        ln, pos = varint_at(body, pos)
        pos += ln
    size, pos = varint_at(body, pos)
    m = body[:pos]
    method = body[pos]
    pos += 1
    if method == 2:
        _, pos = varint_at(body, pos)
    kid = body[pos:pos + 8]
    sig = body[pos + 8:pos + 72]
    pos += 72
    ln, pos = varint_at(body, pos)
    stored = body[pos:pos + ln]
    if method == 0:
        payload = stored
    elif method == 1:
        z = zlib.decompressobj(-15)
        payload = z.decompress(stored) + z.flush()
    else:
        raise Damaged("the worked example needs a record without a dictionary")
    if len(payload) != size:
        raise Damaged("payload size")
    return m, name, size, method, kid, sig, payload


def hexblock(label, data, lines, indent="  "):
    lines.append("%s (%d bytes):" % (label, len(data)))
    for i in range(0, len(data), WIDTH):
        lines.append("%s%04x  %s" % (indent, i, hexs(data[i:i + WIDTH])))


# ----- the blocks ----------------------------------------------------------

def block_empty():
    data = load("empty.rpt")
    arc = Archive(data)
    d = Dump(data)
    dump_magic(d)
    for c in arc.chunks:
        dump_chunk(d, arc, c)
    intro = ("`format/vectors/empty.rpt`, %d bytes: offset (hexadecimal), the bytes, "
             "and what they are.\n\n" % len(data))
    return intro + fence(d.lines)


def block_one_stored():
    data = load("stored.rpt")
    arc = Archive(data)
    rec = arc.recds[0]
    d = Dump(data)
    dump_chunk(d, arc, rec, "record 0")
    intro = ("`format/vectors/stored.rpt` (%d bytes) holds magic, HEAD, KEYS, one RECD, "
             "INDX, SEAL and TRLR; the first three are as in section 11. Its record, "
             "written at level 0 (method 0), is the RECD chunk at offset 0x%x:\n\n"
             % (len(data), rec.off))
    return intro + fence(d.lines)


def block_record_message():
    data = load("stored.rpt")
    arc = Archive(data)
    rec = arc.recds[0]
    m, name, size, method, kid, sig, payload = recd_fields(rec)
    pub_id, pub = public_key()
    digest = b5(m + payload)
    msg = b"RPT-RECORD-V1\0\0\0" + digest
    lines = []
    hexblock("M, the metadata section of record 0 '%s'" % name, m, lines)
    lines.append("")
    lines.append("P, the uncompressed payload: %d bytes (method %d: the stored bytes "
                 "at 0x%x)" % (len(payload), method, rec.off + 8 + len(rec.body) - len(payload)))
    lines.append("")
    hexblock("BLAKE2b-512(M || P)", digest, lines)
    lines.append("")
    hexblock("message = \"RPT-RECORD-V1\" 00 00 00 || BLAKE2b-512(M || P)", msg, lines)
    lines.append("")
    lines.append("key_id:     %s  (bytes %s)" % (key_id_text(kid), hexs(kid)))
    hexblock("signature", sig, lines)
    lines.append("")
    lines.append("test-only public key %s (format/vectors/test-only.pub):" % key_id_text(pub_id))
    lines.append("  " + hexs(pub[:16]))
    lines.append("  " + hexs(pub[16:]))
    intro = ("The signature of the record in section 12.1, computed as in 5.1. "
             "Ed25519-Verify(public key, message, signature) with the test-only "
             "public key accepts it (the conformance run checks this with "
             "`tests/conformance/rpt_ref.py` and the C library).\n\n")
    if pub_id != kid:
        raise Damaged("the record is not signed by the test-only key")
    return intro + fence(lines)


def block_seal_message():
    data = load("empty.rpt")
    arc = Archive(data)
    indx = [c for c in arc.chunks if c.type == "INDX"][0]
    seal = arc.seals[0]
    hdr = parse_indx_header(indx)
    parts = [arc.head] + [arc.by_off[o] for o in hdr["aux"]]
    d = b2(b"".join(c.raw for c in parts) + hdr["root"])
    sb = seal.body
    gen = int.from_bytes(sb[0:4], "little")
    count = int.from_bytes(sb[4:12], "little")
    if sb[12:44] != d:
        raise Damaged("D of empty.rpt does not match its seal")
    prev = sb[44:76]
    msg = (b"RPT-SEAL-V1\0\0\0\0\0" + arc.archive_id + gen.to_bytes(4, "little")
           + count.to_bytes(8, "little") + d + prev)
    lines = ["D = BLAKE2b-256 of these bytes, in this order:"]
    for c in parts:
        lines.append("  %-4s at 0x%04x, %3d bytes (0x%04x..0x%04x), the whole chunk"
                     % (c.type, c.off, len(c.raw), c.off, c.end - 1))
    ho = indx.body_off
    lines.append("  root of the INDX at 0x%04x, 32 bytes: BLAKE2b-256 of its header,"
                 % indx.off)
    lines.append("    %d bytes (0x%04x..0x%04x)" % (hdr["header_len"], ho, ho + hdr["header_len"] - 1))
    lines.append("")
    hexblock("root", hdr["root"], lines)
    lines.append("")
    hexblock("D", d, lines)
    lines.append("")
    lines.append("prev: 32 zero bytes (generation 1)" if prev == bytes(32)
                 else "prev: " + hexs(prev))
    lines.append("")
    lines.append("message (108 bytes):")
    fields = [(0, 16, "\"RPT-SEAL-V1\" 00 00 00 00 00"),
              (16, 16, "archive_id"),
              (32, 4, "generation %d (u32)" % gen),
              (36, 8, "count %d (u64)" % count),
              (44, 32, "D"),
              (76, 32, "prev")]
    for off, n, what in fields:
        for i in range(0, n, WIDTH):
            lines.append(("  %04x  %-*s  %s" % (off + i, WIDTH * 3 - 1,
                                                hexs(msg[off + i:off + min(n, i + WIDTH)]),
                                                what if i == 0 else "")).rstrip())
    lines.append("")
    kid = sb[76:84]
    lines.append("key_id:     %s" % key_id_text(kid))
    hexblock("signature = Ed25519-Sign(test-only secret key, message)", sb[84:148], lines)
    intro = ("The seal of `format/vectors/empty.rpt` (section 11), computed as in 5.3 "
             "and 5.4. Its INDX lists one aux chunk, the KEYS chunk.\n\n")
    return intro + fence(lines)


def describe(arc, c, gen):
    if c.type == "HEAD":
        return "header"
    if c.type == "KEYS":
        return "signer keys"
    if c.type == "DICT":
        return "dictionary %d" % varint_at(c.body, 0)[0]
    if c.type == "RECD":
        name = recd_fields(c)[1]
        return "record %d '%s'" % (arc.rec_no[c.off], name)
    if c.type == "INDX":
        h = parse_indx_header(c)
        return "index: n %d, first %d, %d older segment(s)" % (h["n"], h["first"], len(h["segments"]))
    if c.type == "SEAL":
        return "seal of generation %d, count %d" % (int.from_bytes(c.body[0:4], "little"),
                                                    int.from_bytes(c.body[4:12], "little"))
    if c.type == "TRLR":
        return "trailer of generation %d" % int.from_bytes(c.body[24:28], "little")
    return "ancillary"


def block_append():
    data = load("appended.rpt")
    arc = Archive(data)
    lines = ["offset  type  length  generation  what",
             "0x0000  magic      8"]
    gen = 1
    for c in arc.chunks:
        lines.append("0x%04x  %-4s  %6d  %10d  %s" % (c.off, c.type, c.len, gen, describe(arc, c, gen)))
        if c.type == "TRLR":
            gen += 1
    lines.append("0x%04x  end of file (%d bytes)" % (len(data), len(data)))
    indxs = [c for c in arc.chunks if c.type == "INDX"]
    trlrs = [c for c in arc.chunks if c.type == "TRLR"]
    if len(indxs) != 2 or len(arc.seals) != 2 or len(trlrs) != 2:
        raise Damaged("appended.rpt should have two generations")
    h1 = parse_indx_header(indxs[0])
    h2 = parse_indx_header(indxs[1])
    gen2_records = len(arc.recds) - h1["n"]
    out = [fence(lines)]

    d = Dump(data)
    c = indxs[1]
    dump_header(d, c, "generation 2")
    b = Body(d, c)
    b.varint("n (entries)")
    b.varint("first (record number)")
    s = b.varint("s (older live segments)")
    for i in range(s):
        b.u64("segment %d: offset" % i, lambda v: "0x%x" % v)
        b.fixed(32, "segment %d: root" % i)
    a = b.varint("a (KEYS and DICT chunks)")
    for i in range(a):
        off = int.from_bytes(b.data[b.pos:b.pos + 8], "little")
        b.u64("aux %d: offset" % i, lambda v: "0x%x (%s)" % (v, arc.by_off[v].type))
    b.varint("entries_len")
    b.varint("block_size")
    nb = b.varint("nb (blocks of the data area)")
    for i in range(nb):
        b.fixed(32, "block %d: BLAKE2b-256 of that block" % i)
    d.note("end of the header; the data area follows")
    d.note("entries, in record order: " + ", ".join("%d '%s'" % (h2["first"] + i, n)
                                                    for i, n in enumerate(h2["names"])))
    d.note("then %d lookup slots and %d mark(s)" % (h2["n"], (h2["n"] + 63) // 64))
    out.append("\nThe second INDX, its header up to the data area. Generation 2 adds %d records. The "
               "merge rule (4.6.2) starts the new segment with those %d entries; the newest "
               "older live segment, the INDX of generation 1 at 0x%x, holds %d entr%s, and "
               "%d < 2 x %d, so its entries are copied in front and it is dropped. No older "
               "segment is left, so s = %d and the segment covers records %d..%d:\n\n"
               % (gen2_records, gen2_records, indxs[0].off, h1["n"], "y" if h1["n"] == 1 else "ies",
                  h1["n"], gen2_records, len(h2["segments"]), h2["first"], h2["first"] + h2["n"] - 1))
    if h2["segments"] or h1["n"] >= 2 * gen2_records:
        raise Damaged("the append example expects the first segment to be merged")
    out.append(fence(d.lines))

    s1, s2 = arc.seals
    prev = s2.body[44:76]
    lines = ["BLAKE2b-256 of the first SEAL chunk (0x%04x..0x%04x, %d bytes):"
             % (s1.off, s1.end - 1, len(s1.raw))]
    lines.append("  " + hexs(b2(s1.raw)[:16]))
    lines.append("  " + hexs(b2(s1.raw)[16:]))
    lines.append("prev in the second SEAL (at 0x%04x + 8 + 44 = 0x%04x):" % (s2.off, s2.off + 52))
    lines.append("  " + hexs(prev[:16]))
    lines.append("  " + hexs(prev[16:]))
    lines.append("equal: %s" % ("yes" if prev == b2(s1.raw) else "NO"))
    out.append("\nThe chain of seals (4.7): `prev` in the second SEAL is the digest of the "
               "whole first SEAL chunk.\n\n")
    out.append(fence(lines))

    d = Dump(data)
    dump_chunk(d, arc, trlrs[1], "generation 2")
    out.append("\nThe second TRLR points back at the first, at 0x%x:\n\n" % trlrs[0].off)
    out.append(fence(d.lines))
    intro = ("`format/vectors/appended.rpt`, %d bytes, two generations: one record, then "
             "an append of two more. Cutting the file at 0x%x, the end of the first TRLR, "
             "gives the one-generation archive as it was before the append.\n\n"
             % (len(data), trlrs[0].end))
    return intro + "".join(out)


BLOCKS = {
    ("HEXDUMP", "empty"): block_empty,
    ("HEXDUMP", "one-stored"): block_one_stored,
    ("EXAMPLE", "record-message"): block_record_message,
    ("EXAMPLE", "seal-message"): block_seal_message,
    ("HEXDUMP", "append"): block_append,
}

BEGIN = re.compile(r"<!-- (HEXDUMP|EXAMPLE):([a-z0-9-]+) -->")


def process(text, update):
    """Returns (new text, list of blocks that differ)."""
    out, pos, differ, seen = [], 0, [], set()
    for m in BEGIN.finditer(text):
        if m.start() < pos:
            continue
        kind, name = m.group(1), m.group(2)
        key = (kind, name)
        label = "%s:%s" % key
        if key not in BLOCKS:
            raise SystemExit("annotate.py: unknown block %s" % label)
        seen.add(key)
        end_marker = "<!-- /%s -->" % label
        want = "\n" + BLOCKS[key]() + "\n"
        e = text.find(end_marker, m.end())
        nxt = BEGIN.search(text, m.end())
        if e < 0 or (nxt and nxt.start() < e):
            differ.append(label + " (no end marker: not generated yet)")
            out.append(text[pos:m.end()] + want + end_marker)
            pos = m.end()
            continue
        if text[m.end():e] != want:
            differ.append(label)
        out.append(text[pos:m.end()] + want + end_marker)
        pos = e + len(end_marker)
    out.append(text[pos:])
    for key in BLOCKS:
        if key not in seen:
            differ.append("%s:%s (marker missing)" % key)
    return "".join(out), differ


def main():
    global VECTORS
    ap = argparse.ArgumentParser(description="Generate spec/FORMAT.md sections 11-12 from the vectors.")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--update", metavar="SPEC", help="rewrite the generated blocks in SPEC")
    g.add_argument("--check", metavar="SPEC", help="exit 1 if a generated block in SPEC is stale")
    ap.add_argument("--vectors", default=VECTORS, help="the vectors folder (default: format/vectors)")
    args = ap.parse_args()
    VECTORS = args.vectors
    spec = args.update or args.check
    try:
        with open(spec, encoding="utf-8") as f:
            text = f.read()
        new, differ = process(text, bool(args.update))
    except (OSError, Damaged, UnicodeDecodeError) as e:
        sys.stderr.write("annotate.py: %s\n" % e)
        return 2
    if args.update:
        if new != text:
            with open(spec, "w", encoding="utf-8") as f:
                f.write(new)
        missing = [x for x in differ if "marker missing" in x]
        for x in missing:
            sys.stderr.write("annotate.py: %s: block %s\n" % (spec, x))
        return 1 if missing else 0
    for x in differ:
        sys.stderr.write("annotate.py: %s: block %s differs from format/vectors "
                         "(run tests/conformance/annotate.py --update %s)\n" % (spec, x, spec))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
