# SPDX-License-Identifier: ISC
"""Reading an archive: records by number or name, iteration, verification."""
import ctypes
import datetime
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from . import _ffi
from .errors import Untrusted, InvalidArgument, make_error, error_class
from .keys import PublicKey, _Owned, fsencode, key_id_hex


def _text(b):
    # The library checks that every string it returns is well-formed UTF-8.
    return b.decode("utf-8") if b is not None else ""


@dataclass(frozen=True)
class Record:
    """One record as read back: metadata, and the payload unless asked not
    to read it. Everything is copied out of the library's memory."""
    number: int
    offset: int
    stored: int
    size: int
    name: str
    issued: int
    title: str
    source: str
    media_type: str
    meta: Dict[str, str]
    method: int
    dict: int
    key_id: bytes
    digest: bytes
    data: Optional[bytes] = field(repr=False)
    trusted: bool = False

    @property
    def key_id_hex(self):
        """The signer's key id as minisign prints it."""
        return key_id_hex(self.key_id)

    @property
    def issued_datetime(self):
        """issued as an aware datetime in UTC."""
        return datetime.datetime.fromtimestamp(self.issued, datetime.timezone.utc)


def _record(c):
    meta = {}
    for i in range(c.n_meta):
        meta[_text(c.meta[i].key)] = _text(c.meta[i].value)
    data = ctypes.string_at(c.data, c.data_len) if c.data else None
    return Record(number=c.number, offset=c.offset, stored=c.stored, size=c.size,
                  name=_text(c.name), issued=c.issued, title=_text(c.title),
                  source=_text(c.source), media_type=_text(c.media_type), meta=meta,
                  method=c.method, dict=c.dict, key_id=bytes(c.key_id),
                  digest=bytes(c.digest), data=data, trusted=bool(c.trusted))


@dataclass(frozen=True)
class VerifyEvent:
    """What verify() reports for one record (record set) or for the
    archive (record None): status is OK (0) or an RPT_E_* code."""
    status: int
    record: Optional[Record]
    detail: str

    @property
    def ok(self):
        return self.status == _ffi.OK


@dataclass
class Verification:
    """The outcome of Reader.verify(): rpt_verify_summary's counts, the
    library's worst status, and every event that was not OK."""
    status: int = _ffi.OK
    records: int = 0
    ok: int = 0
    damaged: int = 0
    tampered: int = 0
    untrusted: int = 0
    generations: int = 0
    archive_status: int = _ffi.OK
    tail_bytes: int = 0
    trusted_keys: int = 0
    problems: List[VerifyEvent] = field(default_factory=list)

    @property
    def exit_status(self):
        """What rpt-verify exits with for this archive and these keys."""
        worst = error_class(self.status).exit_status if self.status != _ffi.OK else 0
        if self.tail_bytes and worst in (0, 1, 4):
            worst = 3
        if self.trusted_keys == 0 and worst == 0:
            worst = 4
        return worst


@dataclass(frozen=True)
class Generation:
    number: int
    records: int
    seal_offset: int
    trailer_offset: int
    key_id: bytes


@dataclass(frozen=True)
class ArchiveInfo:
    """What rpt_reader_info() reports of the archive."""
    version: Tuple[int, int]
    archive_id: bytes
    created: int
    software: str
    keys: List[Tuple[PublicKey, str]]
    dictionaries: List[Tuple[int, bytes]]  # (size, BLAKE2b-256 id) by number
    generations: List[Generation]
    file_size: int
    tail_bytes: int
    index_bytes: int
    tail_status: int = 0      # 0, or the RPT_E_* code of the tail (spec 7.2)
    tail_seals: int = 0       # seals in the tail: the generation read is not the newest
    appending: bool = False   # another process was appending as the archive was opened
    appending_bytes: int = 0  # what that append had written, not read


class Reader(_Owned):
    """An open archive.

    Reader(path) opens a file for random access: len(), lookups by name
    or number, iteration in archive order. Reader.from_fd() reads a pipe in
    one sequential pass. trust is an iterable of keys (PublicKey, .pub
    file paths, base64 keys); once one is given, a record or seal signed
    by any other key raises Untrusted. Close it with close() or a with
    block; records read stay valid after that.
    """

    def __init__(self, path, trust=(), salvage=False):
        self._keep = None
        self._sequential = False
        self._open(lambda h, flags: _ffi.lib().rpt_reader_open_path(
            ctypes.byref(h), fsencode(path), flags), os.fsdecode(path), salvage, trust)

    @classmethod
    def from_fd(cls, fd, trust=(), salvage=False):
        """Reads an archive from a descriptor or a file object (a pipe) in
        one pass: iterate it, or verify() it. The caller keeps the file
        open for as long as the reader is used, and closes it after."""
        self = cls.__new__(cls)
        self._keep = fd  # keeps a file object from being collected and closed
        self._sequential = True
        num = fd if isinstance(fd, int) else fd.fileno()
        self._open(lambda h, flags: _ffi.lib().rpt_reader_open_fd(ctypes.byref(h), num, flags),
                   "descriptor %d" % num, salvage, trust)
        return self

    def _open(self, opener, what, salvage, trust):
        self._h = None
        self._salvage = bool(salvage)
        self._trusted = 0
        self.name = what
        h = ctypes.c_void_p()
        rc = opener(h, _ffi.OPEN_SALVAGE if salvage else 0)
        if rc != _ffi.OK:
            detail = _ffi.lib().rpt_reader_error(h) if h else b""
            if h:
                _ffi.lib().rpt_reader_free(h)
            raise make_error(rc, "%s: %s" % (what, _text(detail) or _text(
                _ffi.lib().rpt_strerror(rc))))
        self._h = h
        try:
            for key in trust:
                self.trust(key)
        except BaseException:
            self.close()
            raise

    # -- lifecycle -----------------------------------------------------
    def close(self):
        """Frees the reader. Safe to call twice."""
        h, self._h = self._h, None
        if h:
            _ffi.lib().rpt_reader_free(h)

    def _handle(self):
        if not self._h:
            raise InvalidArgument(_ffi.E_ARG, "%s: the reader was closed" % self.name)
        return self._h

    def _fail(self, rc, record=None):
        err = make_error(rc, _ffi.lib().rpt_reader_error(self._h))
        if isinstance(err, Untrusted):
            err.record = record
        return err

    # -- trust ---------------------------------------------------------
    def trust(self, key):
        """Adds a trusted key: a PublicKey, a .pub file or a base64 key."""
        pk = PublicKey.coerce(key)
        rc = _ffi.lib().rpt_reader_trust(self._handle(), ctypes.byref(pk._c))
        if rc != _ffi.OK:
            raise self._fail(rc)
        self._trusted += 1

    @property
    def trusted_keys(self):
        """How many keys were trusted."""
        return self._trusted

    # -- random access -------------------------------------------------
    def __len__(self):
        """Records in the archive (random access), or 0 when not known."""
        return _ffi.lib().rpt_reader_count(self._handle())

    def entry(self, number):
        """What the index says of record number, without reading the record:
        number, offset, stored, size, name, issued and digest."""
        c = _ffi.rpt_record()
        rc = _ffi.lib().rpt_reader_entry(self._handle(), number, ctypes.byref(c))
        if rc != _ffi.OK:
            raise self._fail(rc)
        return _record(c)

    def entries(self):
        """Every index entry in order (see entry())."""
        for i in range(len(self)):
            yield self.entry(i)

    def names(self):
        """The names of the records, in archive order."""
        return [e.name for e in self.entries()]

    def find(self, name):
        """The number of the record called name; NotFound when none."""
        i = ctypes.c_uint64()
        rc = _ffi.lib().rpt_reader_find(self._handle(), name.encode("utf-8"), ctypes.byref(i))
        if rc != _ffi.OK:
            raise self._fail(rc)
        return i.value

    def read(self, which, payload=True, verify=True):
        """Reads one record, by name (str) or number (int), checked against
        the index and its signature verified unless verify is False."""
        number = self.find(which) if isinstance(which, str) else which
        flags = (0 if payload else _ffi.READ_NO_PAYLOAD) | (0 if verify else _ffi.READ_NO_VERIFY)
        c = _ffi.rpt_record()
        rc = _ffi.lib().rpt_reader_read(self._handle(), number, flags, ctypes.byref(c))
        if rc == _ffi.E_UNTRUSTED:
            # a record is filled in only when its own signer was the
            # problem, not an untrusted seal found before it was read
            raise self._fail(rc, _record(c) if c.name else None)
        if rc != _ffi.OK:
            raise self._fail(rc)
        return _record(c)

    def __getitem__(self, which):
        return self.read(which)

    def __contains__(self, name):
        try:
            self.find(name)
        except LookupError:
            return False
        return True

    # -- iteration -----------------------------------------------------
    def records(self, payload=True, verify=True):
        """Every record in archive order, each verified before it is
        returned (unless verify is False). A random-access reader can be
        iterated again; a sequential or salvage reader makes one pass."""
        if self._sequential or self._salvage:
            if not payload or not verify:
                raise InvalidArgument(_ffi.E_ARG, "%s: a sequential or salvage pass always "
                                      "reads and verifies" % self.name)
            while True:
                rec = self.next()
                if rec is None:
                    return
                yield rec
        else:
            for i in range(len(self)):
                yield self.read(i, payload, verify)

    def __iter__(self):
        return self.records()

    def next(self):
        """The next record in file order (rpt_reader_next), or None at the end."""
        c = _ffi.rpt_record()
        rc = _ffi.lib().rpt_reader_next(self._handle(), ctypes.byref(c))
        if rc == _ffi.EOF:
            return None
        if rc == _ffi.E_UNTRUSTED:
            raise self._fail(rc, _record(c) if c.name else None)
        if rc != _ffi.OK:
            raise self._fail(rc)
        return _record(c)

    @property
    def salvage_lost(self):
        """Bytes a salvage scan has skipped as damaged so far."""
        return _ffi.lib().rpt_reader_salvage_lost(self._handle())

    # -- whole-archive checks ------------------------------------------
    def verify(self, callback=None, check=True):
        """Checks every CRC, digest, signature and seal (rpt_reader_verify),
        going on past bad records. callback, if given, gets each
        VerifyEvent and may return a true value to stop. With check, raises
        what rpt-verify would fail for (the worst problem; Untrusted when no
        key was trusted; Damaged for an incomplete tail) with the
        Verification as its .verification; otherwise returns it."""
        result = Verification(trusted_keys=self._trusted)
        raised = []

        def on_event(ev_p, _ctx):
            ev = ev_p.contents
            try:
                event = VerifyEvent(ev.status, _record(ev.rec.contents) if ev.rec else None,
                                    _text(ev.detail) or _text(_ffi.lib().rpt_strerror(ev.status)))
                if not event.ok:
                    result.problems.append(event)
                return 1 if callback and callback(event) else 0
            except BaseException as e:  # an exception must not cross the C frames
                raised.append(e)
                return 1

        summary = _ffi.rpt_verify_summary()
        rc = _ffi.lib().rpt_reader_verify(self._handle(), _ffi.rpt_verify_cb(on_event), None,
                                          ctypes.byref(summary))
        if raised:
            raise raised[0]
        for name, _ in _ffi.rpt_verify_summary._fields_:
            setattr(result, name, getattr(summary, name))
        result.status = rc
        result.tail_bytes = self.info().tail_bytes if not self._salvage else 0
        if check:
            self._check(result)
        return result

    def _check(self, result):
        err = None
        if result.status != _ffi.OK:
            detail = next((p.detail for p in result.problems if p.status == result.status),
                          _text(_ffi.lib().rpt_reader_error(self._h)))
            err = make_error(result.status, "%s: %s" % (self.name, detail))
        if result.tail_bytes and (err is None or err.exit_status in (1, 4)):
            err = make_error(_ffi.E_TRUNCATED, "%s: %d bytes after the last trailer: an "
                             "incomplete generation" % (self.name, result.tail_bytes))
        if err is None and result.trusted_keys == 0:
            err = make_error(_ffi.E_UNTRUSTED, "%s: no key was trusted: the signatures match "
                             "the archive's own keys, which prove nothing" % self.name)
        if err is not None:
            err.verification = result
            raise err

    def info(self):
        """The archive's id, creation, keys, dictionaries and generations."""
        c = _ffi.rpt_archive_info()
        rc = _ffi.lib().rpt_reader_info(self._handle(), ctypes.byref(c))
        if rc != _ffi.OK:
            raise self._fail(rc)
        return ArchiveInfo(
            version=(c.major, c.minor), archive_id=bytes(c.archive_id), created=c.created,
            software=_text(c.software),
            keys=[(PublicKey(_copy_pubkey(c.keys[i].key)), _text(c.keys[i].comment))
                  for i in range(c.n_keys)],
            dictionaries=[(c.dict_sizes[i], bytes(c.dict_ids[i])) for i in range(c.n_dicts)],
            generations=[Generation(g.number, g.records, g.seal_offset, g.trailer_offset,
                                    bytes(g.key_id))
                         for g in (c.generations[i] for i in range(c.n_generations))],
            file_size=c.file_size, tail_bytes=c.tail_bytes, index_bytes=c.index_bytes,
            tail_status=c.tail_status, tail_seals=c.tail_seals, appending=bool(c.appending),
            appending_bytes=c.appending_bytes)

    def __repr__(self):
        return "<rpt.Reader %s%s>" % (self.name, "" if self._h else " closed")


def _copy_pubkey(c_key):
    out = _ffi.rpt_pubkey()
    ctypes.memmove(ctypes.byref(out), ctypes.byref(c_key), ctypes.sizeof(out))
    return out
