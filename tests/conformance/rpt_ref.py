#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""rpt_ref.py -- an independent reader for rpt v1 archives.

Written from spec/FORMAT.md alone, not from the C library, so that the two
can disagree. It checks everything the specification makes checkable and
prints the archive's contents as JSON (sorted keys), or exits non-zero
with one line saying what failed and where.

usage: rpt_ref.py [--allow-tail] [--pubkey FILE.pub]... ARCHIVE.rpt

  --allow-tail  accept bytes after the last valid trailer (an interrupted
                append) and report them as "tail_bytes"; without it they
                are a failure.
  --pubkey      trust only these minisign public keys: every record and
                seal must be signed by one of them.

Needs Python 3 (hashlib.blake2b, zlib) and PyNaCl for Ed25519; on Debian:
apt-get install python3-nacl, then run with /usr/bin/python3.
Exit status: 0 valid, 1 invalid archive, 2 usage or environment. An
invalid archive is printed as {"error": CLASS}, CLASS naming the class of
failure of FORMAT.md 7.7: damaged, unsupported, limit, truncated, noseal,
digest, badsig or untrusted.
"""

import argparse
import base64
import hashlib
import json
import sys
import zlib

try:
    import nacl.exceptions
    import nacl.signing
except ImportError:  # pragma: no cover
    sys.stderr.write("rpt_ref: PyNaCl is missing (Debian: apt-get install "
                     "python3-nacl; run with /usr/bin/python3)\n")
    sys.exit(2)

MAGIC_TAIL = b"RPT\r\n\x1a\n"
MAJOR, MINOR = 1, 0
CHUNK_OVERHEAD = 12
TRAILER_BYTES = 48
TRAILER_BODY = 36
SEAL_BODY = 148
CAPS = {
    b"HEAD": 8192,
    b"KEYS": 1 << 20,
    b"DICT": 32768 + 64,
    b"RECD": (64 << 20) + (2 << 20),
    b"INDX": 1 << 30,
    b"SEAL": 4096,
    b"TRLR": TRAILER_BODY,
}
ANCILLARY_CAP = 16 << 20
INDX_BLOCK_MIN = 4096
INDX_BLOCK_MAX = 16 << 20
DICT_MAX = 32768
DICTS_MAX = 255
NAME_MAX = 4096
TEXT_MAX = 4096
META_PAIRS_MAX = 256
META_KEY_MAX = 256
META_VALUE_MAX = 65536
METADATA_MAX = 1 << 20
PAYLOAD_MAX = 64 << 20
DEFAULT_MEDIA_TYPE = "text/plain; charset=utf-8"
RECORD_PREFIX = b"RPT-RECORD-V1\0\0\0"
SEAL_PREFIX = b"RPT-SEAL-V1\0\0\0\0\0"
ZERO32 = bytes(32)


def merges(older_n, new_n):
    """The append merge rule (FORMAT.md 4.6.3): is the newest older live
    segment, of older_n entries, merged into a new one of new_n entries?"""
    return older_n < 2 * new_n


class Invalid(Exception):
    """The archive breaks the specification; the message says where, and
    cls the class of failure (FORMAT.md 7.7)."""

    def __init__(self, msg, cls="damaged"):
        super().__init__(msg)
        self.cls = cls


def b2b256(*parts):
    h = hashlib.blake2b(digest_size=32)
    for p in parts:
        h.update(p)
    return h.digest()


def b2b512(*parts):
    h = hashlib.blake2b(digest_size=64)
    for p in parts:
        h.update(p)
    return h.digest()


def key_hex(key_id):
    return "%016X" % int.from_bytes(key_id, "little")


def ed25519_ok(pk, sig, msg):
    try:
        nacl.signing.VerifyKey(pk).verify(msg, sig)
        return True
    except (nacl.exceptions.BadSignatureError, ValueError,
            nacl.exceptions.CryptoError):
        return False


class Cur:
    """A bounds-checked cursor over one chunk body."""

    def __init__(self, data, where):
        self.d = data
        self.pos = 0
        self.where = where

    def fail(self, what, cls="damaged"):
        raise Invalid("%s: %s" % (self.where, what), cls)

    def take(self, n, what):
        if n > len(self.d) - self.pos:
            self.fail("%s runs past the end of the chunk" % what)
        b = self.d[self.pos:self.pos + n]
        self.pos += n
        return b

    def u8(self, what):
        return self.take(1, what)[0]

    def u32(self, what):
        return int.from_bytes(self.take(4, what), "little")

    def u64(self, what):
        return int.from_bytes(self.take(8, what), "little")

    def i64(self, what):
        return int.from_bytes(self.take(8, what), "little", signed=True)

    def varint(self, what):
        value = 0
        for i in range(10):
            b = self.u8(what)
            value |= (b & 0x7F) << (7 * i)
            if not b & 0x80:
                if i > 0 and b == 0:
                    self.fail("%s: over-long varint" % what)
                if i == 9 and b > 1:
                    self.fail("%s: varint exceeds 2^64-1" % what)
                return value
        self.fail("%s: varint longer than 10 bytes" % what)

    def blob(self, cap, what):
        n = self.varint(what + " length")
        if n > cap:
            self.fail("%s is %d bytes, over the cap of %d" % (what, n, cap), "limit")
        return self.take(n, what)

    def text(self, cap, what):
        b = self.blob(cap, what)
        if b"\0" in b:
            self.fail("%s contains a NUL byte" % what)
        try:
            return b.decode("utf-8")
        except UnicodeDecodeError:
            self.fail("%s is not valid UTF-8" % what)

    def rest(self):
        """Fields a later minor version may add: ignored, but covered by
        the CRC and by the digests."""
        r = self.d[self.pos:]
        self.pos = len(self.d)
        return r


def check_name(name):
    """Record name rules (FORMAT.md 4.4); returns None or the reason."""
    raw = name.encode("utf-8")
    if not 1 <= len(raw) <= NAME_MAX:
        return "length must be 1..%d bytes" % NAME_MAX
    for ch in name:
        if ord(ch) < 0x20 or ord(ch) == 0x7F or 0x80 <= ord(ch) <= 0x9F or 0x202A <= ord(ch) <= 0x202E or 0x2066 <= ord(ch) <= 0x2069:
            return "contains a control character"
    if "\\" in name:
        return "contains a backslash"
    if name.startswith("/"):
        return "starts with '/'"
    if name.endswith("/"):
        return "ends with '/'"
    for comp in name.split("/"):
        if comp == "":
            return "has an empty component"
        if comp in (".", ".."):
            return "has a '%s' component" % comp
    return None


class Chunk:
    def __init__(self, off, ctype, body, raw):
        self.off, self.type, self.body, self.raw = off, ctype, body, raw

    @property
    def end(self):
        return self.off + len(self.raw)

    def name(self):
        return self.type.decode("ascii")


def read_chunk(data, off, end, check_crc=True):
    """Reads and checks the framing of the chunk at off; the file is
    considered to end at end. Unknown critical types stop the reader."""
    if end - off < CHUNK_OVERHEAD:
        raise Invalid("offset %d: truncated chunk header" % off, "truncated")
    ctype = data[off:off + 4]
    if not all(0x41 <= c <= 0x5A or 0x61 <= c <= 0x7A for c in ctype):
        raise Invalid("offset %d: chunk type %r is not four ASCII letters"
                      % (off, ctype))
    length = int.from_bytes(data[off + 4:off + 8], "little")
    critical = 0x41 <= ctype[0] <= 0x5A
    if critical and ctype not in CAPS:
        raise Invalid("offset %d: unknown critical chunk %s: unsupported"
                      % (off, ctype.decode()), "unsupported")
    cap = CAPS.get(ctype, ANCILLARY_CAP)
    if length > cap:
        raise Invalid("offset %d: %s chunk length %d over the cap of %d"
                      % (off, ctype.decode(), length, cap), "limit")
    if ctype == b"TRLR" and length != TRAILER_BODY:
        raise Invalid("offset %d: TRLR body must be exactly %d bytes"
                      % (off, TRAILER_BODY))
    if ctype == b"SEAL" and length < SEAL_BODY:
        raise Invalid("offset %d: SEAL body shorter than %d bytes"
                      % (off, SEAL_BODY))
    total = CHUNK_OVERHEAD + length
    if end - off < total:
        raise Invalid("offset %d: %s chunk of %d bytes is truncated"
                      % (off, ctype.decode(), total), "truncated")
    body = data[off + 8:off + 8 + length]
    crc = int.from_bytes(data[off + 8 + length:off + total], "little")
    if check_crc and zlib.crc32(body, zlib.crc32(ctype)) != crc:
        raise Invalid("offset %d: %s chunk CRC mismatch" % (off, ctype.decode()))
    return Chunk(off, ctype, body, data[off:off + total])


def parse_trailer(ch):
    c = Cur(ch.body, "TRLR at %d" % ch.off)
    t = {"index": c.u64("index offset"), "seal": c.u64("seal offset"),
         "prev": c.u64("previous trailer offset"),
         "generation": c.u32("generation"), "count": c.u64("record count")}
    return t


def parse_seal(ch):
    c = Cur(ch.body, "SEAL at %d" % ch.off)
    s = {"generation": c.u32("generation"), "count": c.u64("record count"),
         "D": c.take(32, "D"), "prev": c.take(32, "prev"),
         "key_id": c.take(8, "key id"), "sig": c.take(64, "signature")}
    c.rest()
    return s


def trailer_at(data, off, end):
    """A valid trailer at off for a file ending at end, or None: type,
    length, CRC, offsets inside the file, and agreement with its SEAL."""
    if off < 8 or end - off != TRAILER_BYTES:
        return None
    try:
        ch = read_chunk(data, off, end)
        if ch.type != b"TRLR":
            return None
        t = parse_trailer(ch)
        if not (8 <= t["index"] < off and 8 <= t["seal"] < off
                and t["prev"] < off):
            return None
        seal = read_chunk(data, t["seal"], off)
        if seal.type != b"SEAL":
            return None
        s = parse_seal(seal)
        if s["generation"] != t["generation"] or s["count"] != t["count"]:
            return None
        return t
    except Invalid:
        return None


def find_end(data):
    """Where the complete part of the file ends: after the last 48 bytes if
    they are a valid trailer, else after the last valid trailer found by
    scanning backwards. Returns (end, trailer)."""
    n = len(data)
    t = trailer_at(data, n - TRAILER_BYTES, n)
    if t is not None:
        return n, t
    pos = data.rfind(b"TRLR", 0, n - TRAILER_BYTES + 4)
    while pos >= 8:
        t = trailer_at(data, pos, pos + TRAILER_BYTES)
        if t is not None:
            return pos + TRAILER_BYTES, t
        pos = data.rfind(b"TRLR", 0, pos)
    raise Invalid("no valid trailer: not a complete archive", "noseal")


class Reader:
    def __init__(self, data, trusted):
        self.data = data
        self.trusted = trusted          # None or {key_id: pk}
        self.head = None                # the HEAD chunk
        self.archive_id = None
        self.keys = {}                  # key_id -> (pk, comment)
        self.key_order = []
        self.dicts = []                 # dictionary bytes by number
        self.aux = []                   # offsets of KEYS and DICT chunks
        self.records = []               # in record-number order
        self.names = set()
        self.segments = {}              # INDX offset -> (chunk, first, entries, root)
        self.live = []                  # live segment offsets, older first
        self.generation = 0
        self.prev_seal = None           # previous SEAL chunk bytes
        self.prev_trailer = 0
        self.count_at_seal = 0          # records sealed by earlier generations

    # ---------------------------------------------------------------- keys
    def signer(self, key_id, where):
        """The signer's key from a KEYS chunk before the signed chunk
        (FORMAT.md 4.2): a trusted key the archive does not list there does
        not stand in for it. Trust is decided after the signature verifies
        (7.6); call trust() then."""
        if key_id not in self.keys:
            raise Invalid("%s: key %s is not in any earlier KEYS chunk"
                          % (where, key_hex(key_id)), "badsig")
        return self.keys[key_id][0]

    def trust(self, key_id, where):
        pk = self.keys[key_id][0]
        if self.trusted is not None and self.trusted.get(key_id) != pk:
            raise Invalid("%s: signed by key %s, which is not trusted"
                          % (where, key_hex(key_id)), "untrusted")

    # ------------------------------------------------------------ chunks
    def do_head(self, ch):
        c = Cur(ch.body, "HEAD at %d" % ch.off)
        major, minor = c.u8("major"), c.u8("minor")
        if major != MAJOR:
            c.fail("major version %d: unsupported" % major, "unsupported")
        self.archive_id = c.take(16, "archive id")
        self.created = c.i64("created")
        self.software = c.text(len(ch.body), "software")
        self.minor = minor
        c.rest()
        self.head = ch

    def do_keys(self, ch):
        c = Cur(ch.body, "KEYS at %d" % ch.off)
        count = c.varint("count")
        if count > len(ch.body) // 41:
            c.fail("count %d cannot fit in the chunk" % count)
        for i in range(count):
            kid = c.take(8, "key %d id" % i)
            pk = c.take(32, "key %d public key" % i)
            comment = c.text(len(ch.body), "key %d comment" % i)
            if kid in self.keys:
                c.fail("key %s listed twice" % key_hex(kid))
            self.keys[kid] = (pk, comment)
            self.key_order.append(kid)
        c.rest()
        self.aux.append(ch.off)

    def do_dict(self, ch):
        c = Cur(ch.body, "DICT at %d" % ch.off)
        number = c.varint("number")
        if len(self.dicts) >= DICTS_MAX:
            c.fail("more than %d DICT chunks" % DICTS_MAX)
        if number != len(self.dicts):
            c.fail("dictionary number %d, expected %d" % (number, len(self.dicts)))
        did = c.take(32, "dictionary id")
        d = c.blob(DICT_MAX, "dictionary")
        if not d:
            c.fail("empty dictionary")
        if b2b256(d) != did:
            c.fail("dictionary id is not the BLAKE2b-256 of its bytes")
        c.rest()
        self.dicts.append(d)
        self.aux.append(ch.off)

    def do_recd(self, ch):
        num = len(self.records)
        c = Cur(ch.body, "RECD %d at %d" % (num, ch.off))
        name = c.text(NAME_MAX, "name")
        c.where = "RECD %d %r at %d" % (num, name, ch.off)
        why = check_name(name)
        if why:
            c.fail("unsafe name: " + why)
        if name in self.names:
            c.fail("duplicate name")
        issued = c.i64("issued")
        title = c.text(TEXT_MAX, "title")
        source = c.text(TEXT_MAX, "source")
        media = c.text(TEXT_MAX, "media type")
        n_meta = c.varint("metadata pair count")
        if n_meta > META_PAIRS_MAX:
            c.fail("%d metadata pairs, over the cap of %d" % (n_meta, META_PAIRS_MAX),
                   "limit")
        meta = {}
        for i in range(n_meta):
            k = c.text(META_KEY_MAX, "metadata key %d" % i)
            v = c.text(META_VALUE_MAX, "metadata value %d" % i)
            if not k:
                c.fail("metadata key %d is empty" % i)
            if k in meta:
                c.fail("metadata key %r repeated" % k)
            meta[k] = v
        size = c.varint("size")
        if size > PAYLOAD_MAX:
            c.fail("size %d over the cap of %d" % (size, PAYLOAD_MAX), "limit")
        m_bytes = ch.body[:c.pos]
        if len(m_bytes) > METADATA_MAX:
            c.fail("metadata section of %d bytes over the cap" % len(m_bytes), "limit")
        method = c.u8("method")
        dnum = None
        if method == 2:
            dnum = c.varint("dictionary number")
            if dnum >= len(self.dicts):
                c.fail("dictionary %d does not precede the record" % dnum)
        elif method > 2:
            c.fail("compression method %d: unsupported" % method, "unsupported")
        kid = c.take(8, "key id")
        sig = c.take(64, "signature")
        stored = c.blob(len(ch.body), "payload")
        c.rest()
        if method == 0:
            if len(stored) != size:
                c.fail("stored payload is %d bytes, size says %d" % (len(stored), size))
            payload = stored
        else:
            try:
                z = (zlib.decompressobj(-15, zdict=self.dicts[dnum])
                     if method == 2 else zlib.decompressobj(-15))
                payload = z.decompress(stored, size + 1)
            except zlib.error as e:
                c.fail("payload does not inflate: %s" % e)
            if len(payload) != size:
                c.fail("payload inflates to more than size %d bytes" % size
                       if len(payload) > size else
                       "payload inflates to %d bytes, size says %d" % (len(payload), size))
            if not z.eof or z.unused_data or z.unconsumed_tail:
                c.fail("deflate stream does not end exactly at the payload's end")
        pk = self.signer(kid, c.where)
        msg = RECORD_PREFIX + b2b512(m_bytes, payload)
        assert len(msg) == 80
        if not ed25519_ok(pk, sig, msg):
            c.fail("signature does not verify with key %s" % key_hex(kid), "badsig")
        self.trust(kid, c.where)
        self.names.add(name)
        self.records.append({
            "number": num, "offset": ch.off, "stored": len(ch.raw),
            "digest": b2b256(ch.raw), "name": name, "issued": issued,
            "title": title, "source": source,
            "media_type": media or DEFAULT_MEDIA_TYPE, "meta": meta,
            "size": size, "method": method, "dict": dnum,
            "key_id": key_hex(kid),
            "payload_blake2b256": b2b256(payload).hex()})

    def parse_indx_header(self, ch):
        """The INDX header H (FORMAT.md 4.6): everything a random-access
        reader needs before it reads any block of the data area."""
        body = ch.body
        c = Cur(body, "INDX at %d" % ch.off)
        n = c.varint("entry count")
        first = c.varint("first record number")
        s = c.varint("segment count")
        if s > len(body) // 40:
            c.fail("segment count %d cannot fit" % s)
        segs = [(c.u64("segment offset"), c.take(32, "segment root"))
                for _ in range(s)]
        a = c.varint("KEYS/DICT offset count")
        if a > len(body) // 8:
            c.fail("KEYS/DICT offset count %d cannot fit" % a)
        aux = [c.u64("KEYS/DICT offset") for _ in range(a)]
        elen = c.varint("entries length")
        bsize = c.varint("block size")
        if not INDX_BLOCK_MIN <= bsize <= INDX_BLOCK_MAX:
            c.fail("block size %d outside %d..%d"
                   % (bsize, INDX_BLOCK_MIN, INDX_BLOCK_MAX))
        nb = c.varint("block count")
        if nb > len(body) // 32:
            c.fail("block count %d cannot fit" % nb)
        blocks = [c.take(32, "block %d digest" % i) for i in range(nb)]
        hlen = c.pos
        dlen = len(body) - hlen
        if n > elen // 45:
            c.fail("%d entries cannot fit in %d bytes" % (n, elen))
        want = elen + 8 * n + 4 * ((n + 63) // 64)
        if dlen != want:
            c.fail("data area is %d bytes; %d entries in %d bytes of entries "
                   "need %d" % (dlen, n, elen, want))
        if nb != (dlen + bsize - 1) // bsize:
            c.fail("%d block digests for %d bytes of data in blocks of %d"
                   % (nb, dlen, bsize))
        return {"n": n, "first": first, "segs": segs, "aux": aux,
                "elen": elen, "bsize": bsize, "blocks": blocks,
                "hlen": hlen, "root": b2b256(body[:hlen])}

    def indx_data(self, ch, h, lo=0, hi=None):
        """Bytes [lo, hi) of the data area, each block touched checked
        against its digest in the header."""
        body, bs, hl = ch.body, h["bsize"], h["hlen"]
        dlen = len(body) - hl
        hi = dlen if hi is None else hi
        for b in range(lo // bs, (hi + bs - 1) // bs):
            blk = body[hl + b * bs:hl + min((b + 1) * bs, dlen)]
            if b2b256(blk) != h["blocks"][b]:
                raise Invalid("INDX at %d: block %d does not match its digest"
                              % (ch.off, b), "digest")
        return body[hl + lo:hl + hi]

    def parse_indx(self, ch):
        """The whole INDX: header, every block, and every check of the
        data area (FORMAT.md 7.3)."""
        h = self.parse_indx_header(ch)
        n, elen = h["n"], h["elen"]
        area = self.indx_data(ch, h)
        where = "INDX at %d" % ch.off
        e = Cur(area[:elen], where + " entries")
        entries = []
        for i in range(n):
            pos = e.pos
            nm = e.text(NAME_MAX, "entry %d name" % i)
            why = check_name(nm)
            if why:
                e.fail("entry %d name %r is unsafe: %s" % (i, nm, why))
            entries.append({"pos": pos, "name": nm,
                            "offset": e.varint("entry %d offset" % i),
                            "stored": e.varint("entry %d stored" % i),
                            "size": e.varint("entry %d size" % i),
                            "issued": e.i64("entry %d issued" % i),
                            "digest": e.take(32, "entry %d digest" % i)})
        if e.pos != elen:
            e.fail("entries length %d but %d entries take %d bytes" % (elen, n, e.pos))
        c = Cur(area[elen:], where + " lookup and marks")
        lookup = [(c.u32("lookup hash"), c.u32("lookup number")) for _ in range(n)]
        marks = [c.u32("mark %d" % j) for j in range((n + 63) // 64)]
        if c.pos != len(area) - elen:
            c.fail("bytes left after the marks")
        if lookup != sorted(lookup):
            c.fail("lookup table is not sorted by (hash, number)")
        if sorted(k for _, k in lookup) != list(range(n)):
            c.fail("lookup numbers are not each entry number exactly once")
        for hsh, k in lookup:
            want = int.from_bytes(b2b256(entries[k]["name"].encode())[:4], "little")
            if hsh != want:
                c.fail("lookup hash for %r is wrong" % entries[k]["name"])
        for j, m in enumerate(marks):
            if m != entries[64 * j]["pos"]:
                c.fail("mark %d is %d, entry %d starts at %d"
                       % (j, m, 64 * j, entries[64 * j]["pos"]))
        h.update({"entries": entries, "lookup": lookup, "marks": marks})
        return h

    def do_indx(self, ch):
        where = "INDX at %d (generation %d)" % (ch.off, self.generation + 1)
        ix = self.parse_indx(ch)
        if ix["aux"] != self.aux:
            raise Invalid("%s: KEYS/DICT offsets %s, expected %s"
                          % (where, ix["aux"], self.aux), "digest")
        # Older segments: a prefix of the previous generation's live list,
        # each unchanged since it was written.
        refs = [off for off, _ in ix["segs"]]
        if refs != self.live[:len(refs)]:
            raise Invalid("%s: older segments %s are not a prefix of the "
                          "live segments %s" % (where, refs, self.live), "digest")
        for off, root in ix["segs"]:
            if self.segments[off][3] != root:
                raise Invalid("%s: root of the segment at %d does not match"
                              % (where, off), "digest")
        # The merge rule: the segments dropped were exactly those merged.
        new = len(self.records) - self.count_at_seal
        dropped = self.live[len(refs):]
        size = new
        for off in reversed(dropped):
            seg_n = len(self.segments[off][2])
            if not merges(seg_n, size):
                raise Invalid("%s: segment at %d (%d entries) was merged "
                              "against the merge rule" % (where, off, seg_n))
            size += seg_n
        if refs and merges(len(self.segments[refs[-1]][2]), size):
            raise Invalid("%s: segment at %d should have been merged"
                          % (where, refs[-1]))
        # Coverage: live segments hold records 0..count-1 in order.
        nxt = 0
        for off in refs:
            _, first, ents, _ = self.segments[off]
            if first != nxt:
                raise Invalid("%s: segment at %d starts at record %d, expected %d"
                              % (where, off, first, nxt), "digest")
            nxt += len(ents)
        if ix["first"] != nxt:
            raise Invalid("%s: first record %d, expected %d" % (where, ix["first"], nxt), "digest")
        if nxt + len(ix["entries"]) != len(self.records):
            raise Invalid("%s: segments cover %d records, the archive has %d"
                          % (where, nxt + len(ix["entries"]), len(self.records)), "digest")
        for i, en in enumerate(ix["entries"]):
            rec = self.records[nxt + i]
            for f in ("name", "offset", "stored", "issued", "digest", "size"):
                if en[f] != rec[f]:
                    raise Invalid("%s: entry %d (%r) %s does not match record %d"
                                  % (where, i, en["name"], f, rec["number"]), "digest")
        self.segments[ch.off] = (ch, ix["first"], ix["entries"], ix["root"])
        self.live = refs + [ch.off]
        return ix

    def digest_d(self, aux, root):
        """D: HEAD, every KEYS/DICT chunk in aux order, then the root of
        this generation's INDX (its header's BLAKE2b-256)."""
        h = hashlib.blake2b(digest_size=32)
        h.update(self.head.raw)
        for off in aux:
            h.update(read_chunk(self.data, off, len(self.data)).raw)
        h.update(root)
        return h.digest()

    def do_seal(self, ch, indx, root):
        s = parse_seal(ch)
        where = "SEAL at %d" % ch.off
        gen = self.generation + 1
        if s["generation"] != gen:
            raise Invalid("%s: generation %d, expected %d" % (where, s["generation"], gen), "digest")
        if s["count"] != len(self.records):
            raise Invalid("%s: record count %d, the archive has %d"
                          % (where, s["count"], len(self.records)), "digest")
        if self.digest_d(self.aux, root) != s["D"]:
            raise Invalid("%s: D does not match HEAD, KEYS/DICT and the INDX root"
                          % where, "digest")
        want_prev = b2b256(self.prev_seal) if self.prev_seal else ZERO32
        if s["prev"] != want_prev:
            raise Invalid("%s: prev does not match the previous seal" % where, "digest")
        pk = self.signer(s["key_id"], where)
        msg = (SEAL_PREFIX + self.archive_id + gen.to_bytes(4, "little")
               + s["count"].to_bytes(8, "little") + s["D"] + s["prev"])
        assert len(msg) == 108
        if not ed25519_ok(pk, s["sig"], msg):
            raise Invalid("%s: signature does not verify with key %s"
                          % (where, key_hex(s["key_id"])), "badsig")
        self.trust(s["key_id"], where)
        return s

    def do_trlr(self, ch, indx, seal):
        t = parse_trailer(ch)
        where = "TRLR at %d" % ch.off
        s = parse_seal(seal)  # a seal wrong about these was reported already
        want = {"index": indx.off, "seal": seal.off, "prev": self.prev_trailer,
                "generation": s["generation"], "count": s["count"]}
        for f, v in want.items():
            if t[f] != v:
                raise Invalid("%s: %s is %d, expected %d" % (where, f, t[f], v))

    # ---------------------------------------------------- sequential pass
    def sequential(self, end):
        data = self.data
        if data[1:8] != MAGIC_TAIL or data[0] & 0x80 == 0:
            raise Invalid("not an rpt archive (bad magic)")
        if data[0] != 0x80 | MAJOR:
            raise Invalid("format major version %d: unsupported" % (data[0] & 0x7F), "unsupported")
        off = 8
        first = read_chunk(data, off, end)
        if first.type != b"HEAD":
            raise Invalid("offset 8: the first chunk is %s, not HEAD" % first.name())
        self.do_head(first)
        off = first.end
        state, indx, seal, root = "pre", None, None, None
        while off < end:
            ch = read_chunk(data, off, end)
            t = ch.type
            if 0x61 <= t[0] <= 0x7A:        # ancillary: CRC checked, skipped
                pass
            elif t in (b"KEYS", b"DICT"):
                if state != "pre":
                    raise Invalid("offset %d: %s after the records of a generation"
                                  % (off, t.decode()))
                (self.do_keys if t == b"KEYS" else self.do_dict)(ch)
            elif t == b"RECD":
                if state not in ("pre", "recs"):
                    raise Invalid("offset %d: RECD out of place" % off)
                state = "recs"
                self.do_recd(ch)
            elif t == b"INDX":
                if state not in ("pre", "recs"):
                    raise Invalid("offset %d: INDX out of place" % off)
                root = self.do_indx(ch)["root"]
                state, indx = "indx", ch
            elif t == b"SEAL":
                if state != "indx":
                    raise Invalid("offset %d: SEAL not after an INDX" % off)
                self.do_seal(ch, indx, root)
                state, seal = "seal", ch
            elif t == b"TRLR":
                if state != "seal":
                    raise Invalid("offset %d: TRLR not after a SEAL" % off)
                self.do_trlr(ch, indx, seal)
                self.generation += 1
                self.count_at_seal = len(self.records)
                self.prev_seal = seal.raw
                self.prev_trailer = ch.off
                state = "pre"
            else:
                raise Invalid("offset %d: %s chunk out of place" % (off, t.decode()))
            off = ch.end
        if state != "pre" or self.generation == 0:
            raise Invalid("the archive does not end with a trailer", "truncated")

    # ------------------------------------------------- random-access view
    def random_access(self, end, trailer):
        """Trailer -> seal -> index header -> root -> D -> segments ->
        records, the way a random-access reader goes (FORMAT.md 7.1): no
        INDX CRC, no whole-chunk hash; the header's root is checked
        through the sealed D and each block read is checked against its
        digest.  The result is compared with the sequential pass."""
        data = self.data
        seal = parse_seal(read_chunk(data, trailer["seal"], end))
        ix_ch = read_chunk(data, trailer["index"], end, check_crc=False)
        if ix_ch.type != b"INDX":
            raise Invalid("trailer: index offset does not point to an INDX")
        h = self.parse_indx_header(ix_ch)
        if self.digest_d(h["aux"], h["root"]) != seal["D"]:
            raise Invalid("trailer view: the index root does not match D", "digest")
        heads = []
        for off, root in h["segs"]:
            seg = read_chunk(data, off, end, check_crc=False)
            if seg.type != b"INDX":
                raise Invalid("trailer view: segment at %d is not an INDX" % off)
            sh = self.parse_indx_header(seg)
            if sh["root"] != root:
                raise Invalid("trailer view: segment at %d does not match its root"
                              % off, "digest")
            heads.append((seg, sh))
        heads.append((ix_ch, h))
        entries = []
        for seg, sh in heads:
            entries += self.parse_indx(seg)["entries"]
        if len(entries) != seal["count"]:
            raise Invalid("trailer view: %d index entries, seal says %d"
                          % (len(entries), seal["count"]), "digest")
        for i, en in enumerate(entries):
            rc = read_chunk(data, en["offset"], end)
            if rc.type != b"RECD" or len(rc.raw) != en["stored"] \
                    or b2b256(rc.raw) != en["digest"]:
                raise Invalid("trailer view: record %d %r does not match its "
                              "index entry" % (i, en["name"]), "digest")
            if self.records[i]["offset"] != en["offset"]:
                raise Invalid("trailer view: record %d is not the %d-th in the file"
                              % (i, i), "digest")
        # One lookup by name, touching only the blocks it needs.
        if entries:
            self.lookup_one(heads[-1][0], heads[-1][1])

    def lookup_one(self, ch, h):
        """Find the segment's last entry by name through the marks and
        the lookup table, reading only the blocks those bytes lie in."""
        n, elen = h["n"], h["elen"]
        if n == 0:
            return
        lk_lo = elen
        marks = self.indx_data(ch, h, elen + 8 * n, elen + 8 * n + 4 * ((n + 63) // 64))
        want = n - 1
        j = want // 64
        start = int.from_bytes(marks[4 * j:4 * j + 4], "little")
        stop = (int.from_bytes(marks[4 * j + 4:4 * j + 8], "little")
                if 4 * j + 8 <= len(marks) else elen)
        e = Cur(self.indx_data(ch, h, start, stop), "INDX at %d" % ch.off)
        for _ in range(want - 64 * j + 1):
            nm = e.text(NAME_MAX, "name")
            e.varint("offset"), e.varint("stored"), e.varint("size")
            e.i64("issued"), e.take(32, "digest")
        hsh = int.from_bytes(b2b256(nm.encode())[:4], "little")
        lo, hi = 0, n
        while lo < hi:
            mid = (lo + hi) // 2
            b = self.indx_data(ch, h, lk_lo + 8 * mid, lk_lo + 8 * mid + 8)
            if (int.from_bytes(b[:4], "little"), int.from_bytes(b[4:], "little")) \
                    < (hsh, want):
                lo = mid + 1
            else:
                hi = mid
        if lo >= n or self.indx_data(ch, h, lk_lo + 8 * lo, lk_lo + 8 * lo + 8) \
                != hsh.to_bytes(4, "little") + want.to_bytes(4, "little"):
            raise Invalid("trailer view: lookup of %r by name fails" % nm)


def load_pubkey(path):
    with open(path, "rb") as f:
        lines = f.read().decode("utf-8").splitlines()
    line = [l for l in lines if l and not l.startswith("untrusted comment:")][0]
    raw = base64.b64decode(line.strip(), validate=True)
    if len(raw) != 42 or raw[:2] != b"Ed":
        raise ValueError("not a minisign Ed25519 public key")
    return raw[2:10], raw[10:]


def main(argv):
    ap = argparse.ArgumentParser(description="independent rpt v1 reader")
    ap.add_argument("--allow-tail", action="store_true")
    ap.add_argument("--pubkey", action="append", default=[])
    ap.add_argument("archive")
    args = ap.parse_args(argv)
    trusted = None
    try:
        if args.pubkey:
            trusted = dict(load_pubkey(p) for p in args.pubkey)
        with open(args.archive, "rb") as f:
            data = f.read()
    except (OSError, ValueError, IndexError) as e:
        sys.stderr.write("rpt_ref: %s\n" % e)
        return 2
    r = Reader(data, trusted)
    try:
        if len(data) < 8 or data[1:8] != MAGIC_TAIL:
            raise Invalid("not an rpt archive (bad magic)")
        try:
            end, trailer = find_end(data)
        except Invalid:
            # Say what is wrong, not only that no trailer fits: the
            # chunk-by-chunk pass usually names the damaged chunk.
            Reader(data, trusted).sequential(len(data))
            raise
        tail = len(data) - end
        if tail and not args.allow_tail:
            # The tail is classed the way a pass over the whole file
            # meets it (FORMAT.md 7.2): damage, or an append that did
            # not finish (truncated).
            Reader(data, trusted).sequential(len(data))
            raise Invalid("incomplete tail of %d bytes after the trailer at "
                          "offset %d" % (tail, end - TRAILER_BYTES))
        r.sequential(end)
        r.random_access(end, trailer)
    except Invalid as e:
        sys.stderr.write("rpt_ref: %s: %s\n" % (args.archive, e))
        sys.stdout.write(json.dumps({"error": e.cls}) + "\n")
        return 1
    out = {
        "archive_id": r.archive_id.hex(),
        "created": r.created,
        "software": r.software,
        "generations": r.generation,
        "keys": [{"key_id": key_hex(k), "public_key": r.keys[k][0].hex(),
                  "comment": r.keys[k][1]} for k in r.key_order],
        "records": [{f: rec[f] for f in (
            "name", "issued", "title", "source", "media_type", "meta", "size",
            "method", "dict", "key_id", "payload_blake2b256")}
            for rec in r.records],
    }
    if args.allow_tail:
        out["tail_bytes"] = tail
    sys.stdout.buffer.write((json.dumps(out, sort_keys=True, indent=2,
                                        ensure_ascii=False) + "\n").encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
