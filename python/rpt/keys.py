# SPDX-License-Identifier: ISC
"""minisign-compatible keys: public keys to trust, secret keys to sign."""
import ctypes
import os

from . import _ffi
from .errors import BadKey, InvalidArgument, make_error

_ERR_BYTES = 512


def fsencode(path):
    """A path (str, bytes or os.PathLike) as the bytes the C library wants."""
    return os.fsencode(path)


def key_id_hex(key_id):
    """The key id as minisign prints it: 16 upper-case hex digits."""
    raw = (ctypes.c_uint8 * _ffi.KEY_ID_BYTES).from_buffer_copy(bytes(key_id))
    out = ctypes.create_string_buffer(17)
    _ffi.lib().rpt_key_id_hex(raw, out)
    return out.value.decode("ascii")


def _detail(err, path):
    """The library's text for a key file failure; it names the file."""
    text = err.value.decode("utf-8", "replace")
    return text if os.fsdecode(path) in text else "%s: %s" % (os.fsdecode(path), text)


class PublicKey:
    """An Ed25519 public key with its minisign key id. Plain data."""

    __slots__ = ("_c",)

    def __init__(self, c_key):
        self._c = c_key

    @classmethod
    def load(cls, path):
        """Reads a minisign .pub file."""
        c_key = _ffi.rpt_pubkey()
        err = ctypes.create_string_buffer(_ERR_BYTES)
        rc = _ffi.lib().rpt_pubkey_load(fsencode(path), ctypes.byref(c_key), err, _ERR_BYTES)
        if rc != _ffi.OK:
            raise make_error(rc, _detail(err, path))
        return cls(c_key)

    @classmethod
    def parse(cls, text):
        """Parses the text of a .pub file, or the bare base64 line alone."""
        if isinstance(text, str):
            text = text.encode("utf-8")
        c_key = _ffi.rpt_pubkey()
        err = ctypes.create_string_buffer(_ERR_BYTES)
        rc = _ffi.lib().rpt_pubkey_parse(text, len(text), ctypes.byref(c_key), err, _ERR_BYTES)
        if rc != _ffi.OK:
            raise make_error(rc, "public key: %s" % err.value.decode("utf-8", "replace"))
        return cls(c_key)

    @classmethod
    def coerce(cls, key):
        """A PublicKey from a PublicKey, a SecretKey (its public half), a
        path to a .pub file (os.PathLike, or a str naming a file that
        exists) or a base64 key (str or bytes)."""
        if isinstance(key, PublicKey):
            return key
        if isinstance(key, SecretKey):
            return key.public
        if isinstance(key, os.PathLike) or (isinstance(key, str) and os.path.isfile(key)):
            return cls.load(key)
        if isinstance(key, (str, bytes)):
            try:
                return cls.parse(key)
            except BadKey as e:
                if isinstance(key, bytes):
                    raise
                raise BadKey(e.code, "'%s' is neither a key file nor a base64 public key: %s"
                             % (key, e.detail)) from None
        raise TypeError("not a public key, key file or base64 key: %r" % (key,))

    @property
    def id(self):
        """The 8 key id bytes, as stored."""
        return bytes(self._c.id)

    @property
    def id_hex(self):
        """The key id as minisign prints it."""
        return key_id_hex(self._c.id)

    @property
    def key(self):
        """The 32 bytes of the Ed25519 public key."""
        return bytes(self._c.pk)

    def __eq__(self, other):
        return isinstance(other, PublicKey) and (self.id, self.key) == (other.id, other.key)

    def __hash__(self):
        return hash((self.id, self.key))

    def __repr__(self):
        return "<rpt.PublicKey %s>" % self.id_hex


class _Owned:
    """A library handle freed by close(): in a with block at its end, and
    otherwise when the object is collected."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if getattr(self, "_h", None):
            try:
                self.close()
            except Exception:  # at interpreter exit the library may be gone
                pass


class SecretKey(_Owned):
    """A secret key, held in the library's wiped memory.

    Free it with close() or a with block; a Writer keeps the key it was
    given alive while it needs it.
    """

    def __init__(self, handle):
        self._h = handle

    @classmethod
    def load(cls, path, passphrase=None):
        """Loads a minisign secret key file. passphrase (str or bytes) is
        needed only when the file is encrypted; BadPassphrase otherwise."""
        if isinstance(passphrase, str):
            passphrase = passphrase.encode("utf-8")
        h = ctypes.c_void_p()
        err = ctypes.create_string_buffer(_ERR_BYTES)
        rc = _ffi.lib().rpt_seckey_load(fsencode(path), passphrase,
                                        len(passphrase) if passphrase else 0,
                                        ctypes.byref(h), err, _ERR_BYTES)
        if rc != _ffi.OK:
            raise make_error(rc, _detail(err, path))
        return cls(h)

    @classmethod
    def from_seed(cls, seed, key_id):
        """The key pair for a 32-byte seed with an 8-byte key id: for test
        vectors and deterministic tests only, never for real signing."""
        if len(seed) != 32 or len(key_id) != _ffi.KEY_ID_BYTES:
            raise InvalidArgument(_ffi.E_ARG, "from_seed wants 32 seed bytes and 8 id bytes")
        h = ctypes.c_void_p()
        rc = _ffi.lib().rpt_seckey_from_seed((ctypes.c_uint8 * 32).from_buffer_copy(seed),
                                             (ctypes.c_uint8 * 8).from_buffer_copy(key_id),
                                             ctypes.byref(h))
        if rc != _ffi.OK:
            raise make_error(rc)
        return cls(h)

    @staticmethod
    def is_encrypted(path):
        """True when the secret key file at path needs a passphrase."""
        enc = ctypes.c_int()
        err = ctypes.create_string_buffer(_ERR_BYTES)
        rc = _ffi.lib().rpt_seckey_is_encrypted(fsencode(path), ctypes.byref(enc), err,
                                                _ERR_BYTES)
        if rc != _ffi.OK:
            raise make_error(rc, _detail(err, path))
        return bool(enc.value)

    @classmethod
    def generate(cls):
        """A new random key pair."""
        h = ctypes.c_void_p()
        rc = _ffi.lib().rpt_seckey_generate(ctypes.byref(h))
        if rc != _ffi.OK:
            raise make_error(rc)
        return cls(h)

    def save(self, pub_path, sec_path, passphrase=None, comment=None, overwrite=False):
        """Writes the key pair as minisign files; the secret one encrypted
        when passphrase is given."""
        if isinstance(passphrase, str):
            passphrase = passphrase.encode("utf-8")
        if isinstance(comment, str):
            comment = comment.encode("utf-8")
        err = ctypes.create_string_buffer(_ERR_BYTES)
        rc = _ffi.lib().rpt_seckey_save(self._handle(), fsencode(pub_path), fsencode(sec_path),
                                        passphrase, len(passphrase) if passphrase else 0,
                                        comment, int(bool(overwrite)), err, _ERR_BYTES)
        if rc != _ffi.OK:
            raise make_error(rc, err.value)

    @property
    def public(self):
        """The public half, as a PublicKey."""
        c_key = _ffi.rpt_pubkey()
        _ffi.lib().rpt_seckey_public(self._handle(), ctypes.byref(c_key))
        return PublicKey(c_key)

    def _handle(self):
        if not self._h:
            raise InvalidArgument(_ffi.E_ARG, "the secret key was closed")
        return self._h

    def close(self):
        """Wipes and frees the key. Safe to call twice."""
        h, self._h = self._h, None
        if h:
            _ffi.lib().rpt_seckey_free(h)

    def __repr__(self):
        return "<rpt.SecretKey %s>" % (self.public.id_hex if self._h else "closed")
