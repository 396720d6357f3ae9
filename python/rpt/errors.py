# SPDX-License-Identifier: ISC
"""Exceptions carrying libarchive_rpt's RPT_E_* codes.

The classes follow the tools' exit statuses: Authenticity (1), Damaged
(3), Untrusted (4); the rest (usage, I/O, keys, names, memory: exit 2)
get a class per code where a script would want to catch that one alone.
"""
from . import _ffi


class Error(Exception):
    """A failure reported by libarchive_rpt.

    code is the library's negative RPT_E_* value, detail its text for this
    failure (what, where), and str() of the exception is that text.
    """

    exit_status = 2  # what the rpt tools exit with for this kind of failure

    def __init__(self, code, detail=""):
        self.code = code
        self.detail = detail or strerror(code)
        super().__init__(self.detail)

    @property
    def reason(self):
        """The library's short description of code (rpt_strerror)."""
        return strerror(self.code)

    def __repr__(self):
        return "%s(%d, %r)" % (type(self).__name__, self.code, self.detail)


class Authenticity(Error):
    """A signature or digest does not match: the bytes were changed."""
    exit_status = 1


class BadSignature(Authenticity):
    """RPT_E_BADSIG: an Ed25519 signature does not verify."""


class DigestMismatch(Authenticity):
    """RPT_E_DIGEST: a BLAKE2b digest does not match."""


class Damaged(Error):
    """The archive is damaged, truncated, over a limit or unsupported."""
    exit_status = 3


class Untrusted(Error):
    """RPT_E_UNTRUSTED: a valid signature by a key that is not trusted.

    record holds the record when a read got that far (its signature is
    valid, only the signer is unknown), else None.
    """
    exit_status = 4

    def __init__(self, code, detail="", record=None):
        super().__init__(code, detail)
        self.record = record


class IOFailure(Error):
    """RPT_E_IO: a read, write, open, rename or sync failed."""


class InvalidArgument(Error, ValueError):
    """RPT_E_ARG: an invalid argument, or a call out of order."""


class InvalidName(Error, ValueError):
    """RPT_E_NAME: an unsafe or invalid record name, or invalid metadata."""


class Duplicate(Error):
    """RPT_E_DUPLICATE: two records with the same name."""


class NotFound(Error, LookupError):
    """RPT_E_NOTFOUND: no record by that name (or number)."""


class BadKey(Error):
    """RPT_E_KEY: a key file or key is malformed or unsupported."""


class BadPassphrase(Error):
    """RPT_E_PASSPHRASE: wrong or missing passphrase for an encrypted key."""


class Exists(Error):
    """RPT_E_EXISTS: the output exists and overwriting was not asked."""


_BY_CODE = {
    _ffi.E_IO: IOFailure,
    _ffi.E_ARG: InvalidArgument,
    _ffi.E_FORMAT: Damaged,
    _ffi.E_TRUNCATED: Damaged,
    _ffi.E_LIMIT: Damaged,
    _ffi.E_UNSUPPORTED: Damaged,
    _ffi.E_NOSEAL: Damaged,
    _ffi.E_BADSIG: BadSignature,
    _ffi.E_DIGEST: DigestMismatch,
    _ffi.E_UNTRUSTED: Untrusted,
    _ffi.E_NAME: InvalidName,
    _ffi.E_DUPLICATE: Duplicate,
    _ffi.E_NOTFOUND: NotFound,
    _ffi.E_KEY: BadKey,
    _ffi.E_PASSPHRASE: BadPassphrase,
    _ffi.E_EXISTS: Exists,
}


def error_class(code):
    """The exception class for an RPT_E_* code."""
    return _BY_CODE.get(code, Error)


def strerror(code):
    """rpt_strerror(code): a short English description of a code."""
    return _ffi.lib().rpt_strerror(code).decode("utf-8", "replace")


def make_error(code, detail=b""):
    """The exception for code, with the library's detail text (bytes or str)."""
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", "replace")
    return error_class(code)(code, detail)
