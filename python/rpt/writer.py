# SPDX-License-Identifier: ISC
"""Writing an archive: a new one, or a new sealed generation appended."""
import ctypes
import os
import time

from . import _ffi
from .errors import InvalidArgument, make_error
from .keys import PublicKey, SecretKey, fsencode


def _opt_text(s):
    return s.encode("utf-8") if isinstance(s, str) else s


class Writer:
    """A writer for a new archive (Writer(path, key)), an append
    (Writer.append(path, key)) or a pipe (Writer.to_fd(fd, key)).

    key is a SecretKey or the path of a minisign secret key file, with
    passphrase when that file is encrypted. In a with block the archive is
    closed (index, seal, trailer, fsync, rename) when the block ends
    normally, and discarded when it raises: a new archive leaves no file,
    an append leaves the earlier generation as it was.
    """

    def __init__(self, path, key, passphrase=None, overwrite=False, level=-1, threads=0,
                 created=None, archive_id=None, software=None, key_comment=None):
        self._init(key, passphrase, level, threads, created, archive_id, software, key_comment)
        self.name = os.fsdecode(path)
        self._open(lambda h: _ffi.lib().rpt_writer_open_path(
            ctypes.byref(h), fsencode(path), int(bool(overwrite)), self._key._handle(),
            ctypes.byref(self._opt)))

    @classmethod
    def append(cls, path, key, passphrase=None, level=-1, threads=0, key_comment=None,
               trusted=()):
        """Opens an existing archive to add a new sealed generation. The
        archive's seal chain and index are verified first, and every earlier
        generation must be sealed by key's own public key or by one of
        trusted (PublicKey, .pub paths or base64 keys): an append never
        builds on a generation sealed by someone it does not trust."""
        self = cls.__new__(cls)
        self._init(key, passphrase, level, threads, None, None, None, key_comment)
        keys = [PublicKey.coerce(k) for k in trusted]
        if keys:
            self._trusted = (_ffi.rpt_pubkey * len(keys))(*[k._c for k in keys])
            self._opt.trusted = ctypes.cast(self._trusted, ctypes.POINTER(_ffi.rpt_pubkey))
            self._opt.n_trusted = len(keys)
        self.name = os.fsdecode(path)
        self._open(lambda h: _ffi.lib().rpt_writer_open_append(
            ctypes.byref(h), fsencode(path), self._key._handle(), ctypes.byref(self._opt)))
        return self

    @classmethod
    def to_fd(cls, fd, key, passphrase=None, level=-1, threads=0, created=None,
              archive_id=None, software=None, key_comment=None):
        """Writes a new archive to a descriptor or file object in one pass,
        never seeking; the caller keeps it open until close() and closes it."""
        self = cls.__new__(cls)
        self._init(key, passphrase, level, threads, created, archive_id, software, key_comment)
        num = fd if isinstance(fd, int) else fd.fileno()
        self._fd_owner = fd
        self.name = "descriptor %d" % num
        self._open(lambda h: _ffi.lib().rpt_writer_open_fd(
            ctypes.byref(h), num, self._key._handle(), ctypes.byref(self._opt)))
        return self

    def _init(self, key, passphrase, level, threads, created, archive_id, software,
              key_comment):
        self._h = None
        self._own_key = not isinstance(key, SecretKey)
        # the library needs the key for as long as the writer lives
        self._key = SecretKey.load(key, passphrase) if self._own_key else key
        opt = _ffi.rpt_writer_options()
        # the header's rpt_writer_options_init() is this call, inlined
        _ffi.lib().rpt_writer_options_init_size(ctypes.byref(opt), ctypes.sizeof(opt))
        opt.level = level
        opt.threads = threads
        if created is not None:
            opt.created = created
        if archive_id is not None:
            if len(archive_id) != _ffi.ARCHIVE_ID_BYTES:
                self._drop_key()
                raise InvalidArgument(_ffi.E_ARG, "archive_id must be %d bytes"
                                      % _ffi.ARCHIVE_ID_BYTES)
            self._archive_id = (ctypes.c_uint8 * _ffi.ARCHIVE_ID_BYTES).from_buffer_copy(
                archive_id)
            opt.archive_id = ctypes.cast(self._archive_id, ctypes.POINTER(ctypes.c_uint8))
        if software is not None:
            opt.software = _opt_text(software)
        if key_comment is not None:
            opt.key_comment = _opt_text(key_comment)
        self._opt = opt

    def _open(self, opener):
        h = ctypes.c_void_p()
        rc = opener(h)
        if rc != _ffi.OK:
            detail = _ffi.lib().rpt_writer_error(h) if h else b""
            if h:
                _ffi.lib().rpt_writer_free(h)
            self._drop_key()
            raise make_error(rc, "%s: %s" % (self.name, (detail or _ffi.lib().rpt_strerror(rc))
                                             .decode("utf-8", "replace")))
        self._h = h

    def _drop_key(self):
        key, self._key = getattr(self, "_key", None), None
        if key is not None and self._own_key:
            key.close()

    def _handle(self):
        if not self._h:
            raise InvalidArgument(_ffi.E_ARG, "%s: the writer was closed" % self.name)
        return self._h

    def _fail(self, rc):
        return make_error(rc, "%s: %s" % (self.name, _ffi.lib().rpt_writer_error(self._h)
                                          .decode("utf-8", "replace")))

    # -- adding --------------------------------------------------------
    def add_dict(self, dictionary):
        """Adds a preset dictionary (bytes, at most 32 KiB) before the first
        record. Returns its number."""
        number = ctypes.c_uint32()
        rc = _ffi.lib().rpt_writer_add_dict(self._handle(), bytes(dictionary), len(dictionary),
                                            ctypes.byref(number))
        if rc != _ffi.OK:
            raise self._fail(rc)
        return number.value

    def add(self, name, data, issued=None, title=None, source=None, media_type=None,
            meta=None, dictionary=None):
        """Adds one record: name (path-like, unique), data (bytes), issued
        (seconds since the epoch; default now), optional title, source,
        media type (default text/plain; charset=utf-8) and meta, a dict of
        extra str keys and values. dictionary picks one dictionary number
        (or rpt.DICT_NONE) instead of trying them all."""
        data = bytes(data)
        pairs = list((meta or {}).items())
        c_meta = (_ffi.rpt_meta * max(len(pairs), 1))()
        for i, (k, v) in enumerate(pairs):
            c_meta[i].key = k.encode("utf-8")
            c_meta[i].value = v.encode("utf-8")
        info = _ffi.rpt_record_info(
            size=ctypes.sizeof(_ffi.rpt_record_info), name=name.encode("utf-8"),
            issued=int(time.time()) if issued is None else issued,
            title=_opt_text(title), source=_opt_text(source), media_type=_opt_text(media_type),
            n_meta=len(pairs), meta=ctypes.cast(c_meta, ctypes.POINTER(_ffi.rpt_meta)))
        if dictionary is None:
            rc = _ffi.lib().rpt_writer_add(self._handle(), ctypes.byref(info), data, len(data))
        else:
            rc = _ffi.lib().rpt_writer_add_using(self._handle(), ctypes.byref(info), data,
                                                 len(data), dictionary)
        if rc != _ffi.OK:
            raise self._fail(rc)

    @property
    def records(self):
        """Records added so far in this generation, with worker threads
        too (bytes_written lags behind them until close())."""
        return _ffi.lib().rpt_writer_records(self._handle())

    @property
    def bytes_written(self):
        """Bytes written so far (for an append, only the bytes it adds)."""
        return _ffi.lib().rpt_writer_bytes(self._handle())

    # -- finishing -----------------------------------------------------
    def close(self):
        """Writes the index, seal and trailer, syncs, renames into place,
        and frees the writer. On failure the output is discarded and the
        error raised."""
        h = self._handle()
        rc = _ffi.lib().rpt_writer_close(h)
        err = self._fail(rc) if rc != _ffi.OK else None
        self.discard()
        if err:
            raise err

    def discard(self):
        """Frees the writer; if it was not closed, a new archive leaves no
        file and an append is cut back to the earlier generation. Safe to
        call twice."""
        h, self._h = self._h, None
        if h:
            _ffi.lib().rpt_writer_free(h)
        self._drop_key()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None and self._h:
            self.close()
        else:
            self.discard()

    def __del__(self):
        if getattr(self, "_h", None) or getattr(self, "_key", None):
            try:
                self.discard()
            except Exception:  # at interpreter exit the library may be gone
                pass

    def __repr__(self):
        return "<rpt.Writer %s%s>" % (self.name, "" if self._h else " closed")


def train_dict(samples, capacity=_ffi.DICT_MAX):
    """Trains a preset dictionary of at most capacity bytes from samples
    (a list of bytes), for Writer.add_dict(). Deterministic; b"" when the
    samples are too small to be worth one."""
    samples = [bytes(x) for x in samples]
    n = len(samples)
    bufs = [ctypes.create_string_buffer(x, len(x)) for x in samples]
    ptrs = (ctypes.c_void_p * max(n, 1))(*[ctypes.cast(b, ctypes.c_void_p) for b in bufs])
    sizes = (ctypes.c_size_t * max(n, 1))(*[len(x) for x in samples])
    out = (ctypes.c_uint8 * max(capacity, 1))()
    out_len = ctypes.c_size_t()
    rc = _ffi.lib().rpt_dict_train(ptrs, sizes, n, out, capacity, ctypes.byref(out_len))
    if rc != _ffi.OK:
        raise make_error(rc, "training a dictionary: %s" % _ffi.lib().rpt_strerror(rc).decode())
    return bytes(out[:out_len.value])
