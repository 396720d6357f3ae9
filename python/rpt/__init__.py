# SPDX-License-Identifier: ISC
"""rpt: read and write rpt signed bulletin archives from Python.

A ctypes binding over libarchive_rpt (no compiler needed). The library is
loaded on first use: from $RPT_LIBRARY if set, else where
ctypes.util.find_library('archive_rpt') finds it, else libarchive_rpt.so.1.

    import rpt
    with rpt.Reader("bulletins.rpt", trust=["demo.pub"]) as r:
        for rec in r:
            print(rec.name, rec.issued, len(rec.data))
        text = r["bulletins/meteo/2026-01-14-storm-warning.txt"].data

    with rpt.Writer("new.rpt", "demo.key") as w:
        w.add("a/b.txt", b"...", title="A bulletin")
"""
from ._ffi import (LibraryNotFound, DICT_MAX, DICT_NONE, METHOD_STORED, METHOD_DEFLATE,
                   METHOD_DEFLATE_DICT)
from .errors import (Error, Authenticity, BadSignature, DigestMismatch, Damaged, Untrusted,
                     IOFailure, InvalidArgument, InvalidName, Duplicate, NotFound, BadKey,
                     BadPassphrase, Exists, strerror)
from .keys import PublicKey, SecretKey
from .reader import Reader, Record, VerifyEvent, Verification, ArchiveInfo, Generation
from .writer import Writer, train_dict

__version__ = "1.0.0"


def library_version():
    """The version of the loaded libarchive_rpt, e.g. "1.0.0"."""
    from . import _ffi
    return _ffi.lib().rpt_version().decode("ascii")


def check_name(name):
    """Raises InvalidName unless name is a valid, safe record name."""
    from . import _ffi
    from .errors import make_error
    b = name.encode("utf-8")
    rc = _ffi.lib().rpt_name_check(b, len(b))
    if rc != _ffi.OK:
        raise make_error(rc, "record name %r: %s" % (name, strerror(rc)))


__all__ = [
    "Error", "Authenticity", "BadSignature", "DigestMismatch", "Damaged", "Untrusted",
    "IOFailure", "InvalidArgument", "InvalidName", "Duplicate", "NotFound", "BadKey",
    "BadPassphrase", "Exists", "LibraryNotFound", "PublicKey", "SecretKey", "Reader",
    "Record", "VerifyEvent", "Verification", "ArchiveInfo", "Generation", "Writer",
    "DICT_MAX", "DICT_NONE", "METHOD_STORED", "METHOD_DEFLATE", "METHOD_DEFLATE_DICT",
    "library_version", "check_name", "strerror", "train_dict",
]
