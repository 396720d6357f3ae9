# SPDX-License-Identifier: ISC
"""Shared fixtures: the library and tools under test, a key pair made by
rpt-keygen, and the sample bulletins packed by rpt-pack.

RPT_LIBRARY names libarchive_rpt.so.1 and RPT_BIN the directory of the
tools; both default to the repository's build/ directory.
"""
import json
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PYDIR = os.path.dirname(HERE)
ROOT = os.path.dirname(PYDIR)
BULLETINS = os.path.join(ROOT, "tests", "bulletins")

os.environ.setdefault("RPT_LIBRARY", os.path.join(ROOT, "build", "lib", "libarchive_rpt.so.1"))
BIN = os.environ.get("RPT_BIN") or os.path.join(ROOT, "build", "bin")
if PYDIR not in sys.path:
    sys.path.insert(0, PYDIR)


def tool(name, *args, check=True, **kw):
    """Runs build/bin/NAME with args; returns the CompletedProcess."""
    path = os.path.join(BIN, name)
    if not os.access(path, os.X_OK):
        pytest.fail("%s is missing: build the tools (make) or set RPT_BIN" % path)
    env = dict(os.environ)
    env.pop("SOURCE_DATE_EPOCH", None)
    p = subprocess.run([path] + [str(a) for a in args], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env, **kw)
    if check and p.returncode != 0:
        pytest.fail("%s %s: exit %d: %s" % (name, " ".join(map(str, args)), p.returncode,
                                            p.stderr.decode(errors="replace")))
    return p


def list_json(archive, *names):
    """rpt-list --json, one dict per record."""
    out = tool("rpt-list", "--json", archive, *names).stdout.decode("utf-8")
    return [json.loads(line) for line in out.splitlines()]


def keygen(directory, stem):
    """An unencrypted key pair made by rpt-keygen: (pub path, secret path)."""
    pub, sec = os.path.join(directory, stem + ".pub"), os.path.join(directory, stem + ".key")
    tool("rpt-keygen", "-q", "-W", "-p", pub, "-s", sec)
    return pub, sec


@pytest.fixture(scope="session")
def packed(tmp_path_factory):
    """The sample bulletins packed with rpt-pack, with the key that signed
    them. Tests must not modify these files: copy them first."""
    d = tmp_path_factory.mktemp("packed")
    pub, sec = keygen(str(d), "k")
    shutil.copytree(BULLETINS, str(d / "bulletins"))
    archive = str(d / "bulletins.rpt")
    tool("rpt-pack", "-q", "-s", sec, "-o", archive, "--source", "Government Press Office",
         "--meta", "collection=sample", "bulletins", cwd=str(d))
    return {"dir": str(d), "pub": pub, "sec": sec, "archive": archive,
            "bulletins": str(d / "bulletins")}


@pytest.fixture(scope="session")
def other_key(tmp_path_factory):
    """A second key pair, trusted by nobody."""
    return keygen(str(tmp_path_factory.mktemp("other")), "other")


def copy_of(packed, tmp_path, name="copy.rpt"):
    """A private copy of the packed archive, to damage."""
    dst = os.path.join(str(tmp_path), name)
    shutil.copyfile(packed["archive"], dst)
    return dst


def tamper(path, needle, fix_crc=True):
    """Flips one bit in the first byte of needle in the archive at path. With
    fix_crc, recomputes the enclosing chunk's CRC (a forger's change, which
    only a digest or signature can notice); without, leaves it (damage).
    Chunks are type(4) length(4, little-endian) body crc(4) after the
    8-byte magic; the CRC covers type and body (spec/FORMAT.md)."""
    import struct
    import zlib
    with open(path, "rb") as f:
        d = bytearray(f.read())
    at = d.find(needle)
    assert at > 8, "needle %r not found" % needle
    d[at] ^= 1
    off = 8
    while fix_crc and off + 12 <= len(d):
        end = off + 8 + struct.unpack_from("<I", d, off + 4)[0]
        if off <= at < end:
            crc = zlib.crc32(bytes(d[off:off + 4]) + bytes(d[off + 8:end]))
            struct.pack_into("<I", d, end, crc)
            break
        off = end + 4
    with open(path, "wb") as f:
        f.write(d)
