# SPDX-License-Identifier: ISC
"""The C interface of libarchive_rpt, seen through ctypes.

Every struct here mirrors include/archive_rpt.h field for field, in the
same order with the same C types; tests/test_abi.py compiles a probe
against the header and compares sizes and offsets, so a header change
the binding misses fails a test. The library is found and loaded on first
use, not at import, so `import rpt` works on a machine without it.
"""
import ctypes
import ctypes.util
import os
import threading

# The header version this binding mirrors; a library of the same major
# (the soname's number: libarchive_rpt.so.1) is compatible.
VERSION_MAJOR = 1
VERSION_MINOR = 0
VERSION_PATCH = 0

# Sizes from the header.
KEY_ID_BYTES = 8
PUBLIC_KEY_BYTES = 32
DIGEST_BYTES = 32
ARCHIVE_ID_BYTES = 16
DICT_MAX = 32768
DICT_NONE = 0xFFFFFFFF
INT64_MIN = -(1 << 63)

# Return codes.
OK = 0
EOF = 1
E_IO = -1
E_NOMEM = -2
E_ARG = -3
E_FORMAT = -4
E_TRUNCATED = -5
E_LIMIT = -6
E_UNSUPPORTED = -7
E_NOSEAL = -8
E_BADSIG = -9
E_DIGEST = -10
E_UNTRUSTED = -11
E_NAME = -12
E_DUPLICATE = -13
E_NOTFOUND = -14
E_KEY = -15
E_PASSPHRASE = -16
E_EXISTS = -17
E_CRYPTO = -18
E_BUSY = -19

OPEN_SALVAGE = 1
READ_NO_PAYLOAD = 1
READ_NO_VERIFY = 2

METHOD_STORED = 0
METHOD_DEFLATE = 1
METHOD_DEFLATE_DICT = 2

_c_char_p = ctypes.c_char_p
_u8p = ctypes.POINTER(ctypes.c_uint8)


class rpt_pubkey(ctypes.Structure):
    _fields_ = [
        ("id", ctypes.c_uint8 * KEY_ID_BYTES),
        ("pk", ctypes.c_uint8 * PUBLIC_KEY_BYTES),
    ]


class rpt_meta(ctypes.Structure):
    _fields_ = [
        ("key", _c_char_p),
        ("value", _c_char_p),
    ]


class rpt_record_info(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_size_t),  # sizeof this struct: the fields we know of
        ("name", _c_char_p),
        ("issued", ctypes.c_int64),
        ("title", _c_char_p),
        ("source", _c_char_p),
        ("media_type", _c_char_p),
        ("n_meta", ctypes.c_size_t),
        ("meta", ctypes.POINTER(rpt_meta)),
    ]


class rpt_record(ctypes.Structure):
    _fields_ = [
        ("number", ctypes.c_uint64),
        ("offset", ctypes.c_uint64),
        ("stored", ctypes.c_uint64),
        ("size", ctypes.c_uint64),
        ("name", _c_char_p),
        ("issued", ctypes.c_int64),
        ("title", _c_char_p),
        ("source", _c_char_p),
        ("media_type", _c_char_p),
        ("n_meta", ctypes.c_size_t),
        ("meta", ctypes.POINTER(rpt_meta)),
        ("method", ctypes.c_int),
        ("dict", ctypes.c_uint32),
        ("key_id", ctypes.c_uint8 * KEY_ID_BYTES),
        ("digest", ctypes.c_uint8 * DIGEST_BYTES),
        ("data", _u8p),
        ("data_len", ctypes.c_size_t),
        ("trusted", ctypes.c_int),
        ("reserved", ctypes.c_uint64 * 6),
    ]


class rpt_writer_options(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_size_t),  # set by rpt_writer_options_init_size()
        ("level", ctypes.c_int),
        ("threads", ctypes.c_uint),
        ("created", ctypes.c_int64),
        ("archive_id", _u8p),
        ("software", _c_char_p),
        ("key_comment", _c_char_p),
        ("trusted", ctypes.POINTER(rpt_pubkey)),  # other sealers an append may build on
        ("n_trusted", ctypes.c_size_t),
        ("lock_wait", ctypes.c_int),  # append: seconds to wait for another appender
    ]


class rpt_verify_event(ctypes.Structure):
    _fields_ = [
        ("status", ctypes.c_int),
        ("rec", ctypes.POINTER(rpt_record)),
        ("detail", _c_char_p),
    ]


class rpt_verify_summary(ctypes.Structure):
    _fields_ = [
        ("records", ctypes.c_uint64),
        ("ok", ctypes.c_uint64),
        ("damaged", ctypes.c_uint64),
        ("tampered", ctypes.c_uint64),
        ("untrusted", ctypes.c_uint64),
        ("generations", ctypes.c_uint64),
        ("archive_status", ctypes.c_int),
        ("reserved", ctypes.c_uint64 * 6),
    ]


class rpt_key_info(ctypes.Structure):
    _fields_ = [
        ("key", rpt_pubkey),
        ("comment", _c_char_p),
    ]


class rpt_generation(ctypes.Structure):
    _fields_ = [
        ("number", ctypes.c_uint32),
        ("records", ctypes.c_uint64),
        ("seal_offset", ctypes.c_uint64),
        ("trailer_offset", ctypes.c_uint64),
        ("key_id", ctypes.c_uint8 * KEY_ID_BYTES),
    ]


class rpt_archive_info(ctypes.Structure):
    _fields_ = [
        ("major", ctypes.c_int),
        ("minor", ctypes.c_int),
        ("archive_id", ctypes.c_uint8 * ARCHIVE_ID_BYTES),
        ("created", ctypes.c_int64),
        ("software", _c_char_p),
        ("n_keys", ctypes.c_size_t),
        ("keys", ctypes.POINTER(rpt_key_info)),
        ("n_dicts", ctypes.c_size_t),
        ("dict_sizes", ctypes.POINTER(ctypes.c_uint32)),
        ("dict_ids", ctypes.POINTER(ctypes.c_uint8 * DIGEST_BYTES)),
        ("n_generations", ctypes.c_size_t),
        ("generations", ctypes.POINTER(rpt_generation)),
        ("file_size", ctypes.c_uint64),
        ("tail_bytes", ctypes.c_uint64),
        ("index_bytes", ctypes.c_uint64),
        ("tail_status", ctypes.c_int32),   # RPT_OK, or how the tail fails
        ("tail_seals", ctypes.c_uint32),   # seals in the tail: newer generations
        ("appending", ctypes.c_int32),     # another process was appending at open
        ("pad_", ctypes.c_uint32),
        ("appending_bytes", ctypes.c_uint64),
        ("reserved", ctypes.c_uint64 * 5),
    ]


# Every struct the binding mirrors, by its C name, for the layout test.
STRUCTS = (rpt_pubkey, rpt_meta, rpt_record_info, rpt_record, rpt_writer_options,
           rpt_verify_event, rpt_verify_summary, rpt_key_info, rpt_generation,
           rpt_archive_info)

rpt_verify_cb = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(rpt_verify_event),
                                 ctypes.c_void_p)

# Opaque handles are plain void pointers; the classes in reader.py,
# writer.py and keys.py own them.
_handle = ctypes.c_void_p
_handlep = ctypes.POINTER(ctypes.c_void_p)
_errbuf = ctypes.c_char_p  # a caller-owned buffer, filled by the library
_size = ctypes.c_size_t
_int = ctypes.c_int
_uint = ctypes.c_uint
_u64 = ctypes.c_uint64
_u32p = ctypes.POINTER(ctypes.c_uint32)
_u64p = ctypes.POINTER(ctypes.c_uint64)

# name: (restype, argtypes)
PROTOTYPES = {
    "rpt_version": (_c_char_p, []),
    "rpt_init": (_int, []),
    "rpt_strerror": (_c_char_p, [_int]),
    "rpt_key_id_hex": (None, [_u8p, ctypes.c_char_p]),
    "rpt_pubkey_parse": (_int, [_c_char_p, _size, ctypes.POINTER(rpt_pubkey), _errbuf, _size]),
    "rpt_pubkey_load": (_int, [_c_char_p, ctypes.POINTER(rpt_pubkey), _errbuf, _size]),
    "rpt_seckey_is_encrypted": (_int, [_c_char_p, ctypes.POINTER(_int), _errbuf, _size]),
    "rpt_seckey_load": (_int, [_c_char_p, _c_char_p, _size, _handlep, _errbuf, _size]),
    "rpt_seckey_generate": (_int, [_handlep]),
    "rpt_seckey_from_seed": (_int, [_u8p, _u8p, _handlep]),
    "rpt_seckey_public": (None, [_handle, ctypes.POINTER(rpt_pubkey)]),
    "rpt_seckey_save": (_int, [_handle, _c_char_p, _c_char_p, _c_char_p, _size, _c_char_p,
                               _int, _errbuf, _size]),
    "rpt_seckey_free": (None, [_handle]),
    "rpt_writer_options_init_size": (None, [ctypes.POINTER(rpt_writer_options), _size]),
    "rpt_writer_open_path": (_int, [_handlep, _c_char_p, _int, _handle,
                                    ctypes.POINTER(rpt_writer_options)]),
    "rpt_writer_open_fd": (_int, [_handlep, _int, _handle, ctypes.POINTER(rpt_writer_options)]),
    "rpt_writer_open_append": (_int, [_handlep, _c_char_p, _handle,
                                      ctypes.POINTER(rpt_writer_options)]),
    "rpt_writer_add_dict": (_int, [_handle, ctypes.c_void_p, _size, _u32p]),
    "rpt_writer_add": (_int, [_handle, ctypes.POINTER(rpt_record_info), ctypes.c_void_p, _size]),
    "rpt_writer_add_using": (_int, [_handle, ctypes.POINTER(rpt_record_info), ctypes.c_void_p,
                                    _size, ctypes.c_uint32]),
    "rpt_writer_close": (_int, [_handle]),
    "rpt_writer_records": (_u64, [_handle]),
    "rpt_writer_bytes": (_u64, [_handle]),
    "rpt_writer_error": (_c_char_p, [_handle]),
    "rpt_writer_temp_path": (ctypes.c_char_p, [_handle]),
    "rpt_writer_free": (None, [_handle]),
    "rpt_name_check": (_int, [_c_char_p, _size]),
    "rpt_dict_train": (_int, [ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(_size), _size,
                               _u8p, _size, ctypes.POINTER(_size)]),
    "rpt_reader_open_path": (_int, [_handlep, _c_char_p, _uint]),
    "rpt_reader_open_fd": (_int, [_handlep, _int, _uint]),
    "rpt_reader_open_twin": (_int, [_handlep, _handle]),
    "rpt_reader_trust": (_int, [_handle, ctypes.POINTER(rpt_pubkey)]),
    "rpt_reader_count": (_u64, [_handle]),
    "rpt_reader_entry": (_int, [_handle, _u64, ctypes.POINTER(rpt_record)]),
    "rpt_reader_find": (_int, [_handle, _c_char_p, _u64p]),
    "rpt_reader_read": (_int, [_handle, _u64, _uint, ctypes.POINTER(rpt_record)]),
    "rpt_reader_next": (_int, [_handle, ctypes.POINTER(rpt_record)]),
    "rpt_reader_salvage_lost": (_u64, [_handle]),
    "rpt_reader_sealed": (ctypes.c_int, [_handle, _u64]),
    "rpt_reader_verify": (_int, [_handle, rpt_verify_cb, ctypes.c_void_p,
                                 ctypes.POINTER(rpt_verify_summary)]),
    "rpt_reader_info": (_int, [_handle, ctypes.POINTER(rpt_archive_info)]),
    "rpt_reader_error": (_c_char_p, [_handle]),
    "rpt_reader_free": (None, [_handle]),
}


class LibraryNotFound(ImportError):
    """libarchive_rpt could not be loaded; the message says where it looked."""


def _candidates():
    """Where to look, in order: RPT_LIBRARY, the linker's search, the soname."""
    env = os.environ.get("RPT_LIBRARY")
    if env:
        # An explicit choice is the only one tried: falling back to another
        # copy would hide a mistake in the variable.
        return [("RPT_LIBRARY", env)]
    found = ctypes.util.find_library("archive_rpt")
    out = []
    if found:
        out.append(("ctypes.util.find_library('archive_rpt')", found))
    out.append(("the soname", "libarchive_rpt.so.%d" % VERSION_MAJOR))
    return out


def _load():
    tried = []
    for how, name in _candidates():
        try:
            lib = ctypes.CDLL(name)
        except OSError as e:
            tried.append("%s %r: %s" % (how, name, e))
            continue
        _declare(lib, name)
        return lib
    raise LibraryNotFound(
        "rpt: cannot load libarchive_rpt (tried " + "; ".join(tried) + "). Build it with "
        "`make lib` and set RPT_LIBRARY to the path of libarchive_rpt.so.%d, or install it "
        "where the dynamic linker finds it." % VERSION_MAJOR)


def _declare(lib, name):
    for fn, (restype, argtypes) in PROTOTYPES.items():
        try:
            f = getattr(lib, fn)
        except AttributeError:
            raise LibraryNotFound("rpt: %s has no symbol %s: not a compatible libarchive_rpt"
                                  % (name, fn)) from None
        f.restype = restype
        f.argtypes = argtypes
    version = lib.rpt_version().decode("ascii", "replace")
    if version.split(".")[0] != str(VERSION_MAJOR):
        raise LibraryNotFound("rpt: %s is version %s; this binding needs %d.x"
                              % (name, version, VERSION_MAJOR))
    if lib.rpt_init() != OK:
        raise LibraryNotFound("rpt: %s: rpt_init() failed (libsodium could not start)" % name)


_lib = None
_lock = threading.Lock()


def lib():
    """The loaded library, with every prototype declared and rpt_init() done."""
    global _lib
    if _lib is None:
        with _lock:
            if _lib is None:
                _lib = _load()
    return _lib
