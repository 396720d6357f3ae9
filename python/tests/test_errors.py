# SPDX-License-Identifier: ISC
"""Failures come out as exceptions with the library's codes, of the class
that matches the tools' exit status for the same archive."""
import os
import subprocess
import sys

import pytest

import rpt
from conftest import PYDIR, copy_of, tamper, tool

NAME = "bulletins/interior/2026-03-02-narcotics-crackdown.txt"


def extract_status(archive, pub, name):
    return tool("rpt-extract", "-p", pub, "-O", archive, name, check=False).returncode


def test_forged_title_raises_authenticity_like_the_tools(packed, tmp_path):
    forged = copy_of(packed, tmp_path)
    tamper(forged, b"41 arrests")
    assert extract_status(forged, packed["pub"], NAME) == 1
    with rpt.Reader(forged, trust=[packed["pub"]]) as r:
        with pytest.raises(rpt.Authenticity) as e:
            r.read(NAME)
    # the one record check verifies the signature before the record is
    # compared with its sealed index entry: either way, authenticity
    assert type(e.value) in (rpt.BadSignature, rpt.DigestMismatch)
    assert e.value.code in (-9, -10) and e.value.exit_status == 1
    assert NAME in str(e.value) and e.value.detail == str(e.value)
    assert e.value.reason == rpt.strerror(e.value.code)


def test_forged_record_fails_iteration_and_verify(packed, tmp_path):
    forged = copy_of(packed, tmp_path)
    tamper(forged, b"41 arrests")
    assert tool("rpt-verify", "-q", "-p", packed["pub"], forged, check=False).returncode == 1
    with rpt.Reader(forged, trust=[packed["pub"]]) as r:
        with pytest.raises(rpt.Authenticity):
            list(r)
    with rpt.Reader(forged, trust=[packed["pub"]]) as r:
        with pytest.raises(rpt.Authenticity) as e:
            r.verify()
        v = e.value.verification
        assert v.tampered == 1 and v.ok == 12 and v.exit_status == 1
        assert [p.record.name for p in v.problems] == [NAME]


def test_forged_record_in_a_pipe_fails_its_signature(packed, tmp_path):
    # Read sequentially, no index digest is known before the record: the
    # signature is what catches the change.
    forged = copy_of(packed, tmp_path)
    tamper(forged, b"41 arrests")
    with open(forged, "rb") as f, rpt.Reader.from_fd(f, trust=[packed["pub"]]) as r:
        with pytest.raises(rpt.Authenticity) as e:
            list(r)
    assert e.value.code in (-9, -10)


def test_flipped_bit_raises_damaged(packed, tmp_path):
    damaged = copy_of(packed, tmp_path)
    tamper(damaged, b"41 arrests", fix_crc=False)
    assert extract_status(damaged, packed["pub"], NAME) == 3
    with rpt.Reader(damaged, trust=[packed["pub"]]) as r:
        with pytest.raises(rpt.Damaged) as e:
            r.read(NAME)
    assert e.value.code == -4 and e.value.exit_status == 3


def test_truncated_archive_cannot_open(packed, tmp_path):
    cut = copy_of(packed, tmp_path)
    with open(cut, "r+b") as f:
        f.truncate(100)
    with pytest.raises(rpt.Damaged) as e:
        rpt.Reader(cut)
    assert e.value.code in (-4, -5, -8) and cut in str(e.value)


def test_untrusted_key_raises_untrusted_with_the_record(packed, other_key):
    assert extract_status(packed["archive"], other_key[0], NAME) == 4
    with rpt.Reader(packed["archive"], trust=[other_key[0]]) as r:
        with pytest.raises(rpt.Untrusted) as e:
            r.read(NAME)
    assert e.value.code == -11 and e.value.exit_status == 4
    # the seal is by a key nobody trusts; the record is read and attached
    # (its own signature is valid), and the words say it is the seal
    assert e.value.record is not None and e.value.record.name == NAME
    assert "seal" in str(e.value)
    with rpt.Reader(packed["archive"], trust=[other_key[0]]) as r:
        with pytest.raises(rpt.Untrusted):
            r.verify()


def test_missing_name_raises_notfound(packed):
    with rpt.Reader(packed["archive"]) as r:
        with pytest.raises(rpt.NotFound) as e:
            r.read("bulletins/no/such.txt")
        assert e.value.code == -14 and isinstance(e.value, LookupError)
        with pytest.raises(rpt.NotFound):
            r.read(13)
        with pytest.raises(LookupError):
            r["bulletins/no/such.txt"]


def test_missing_archive_raises_io(tmp_path):
    with pytest.raises(rpt.IOFailure) as e:
        rpt.Reader(str(tmp_path / "nothing.rpt"))
    assert e.value.code == -1 and "nothing.rpt" in str(e.value)


def test_bad_public_key(tmp_path):
    with pytest.raises(rpt.BadKey) as e:
        rpt.PublicKey.parse("not a key")
    assert e.value.code == -15
    bad = tmp_path / "bad.pub"
    bad.write_text("untrusted comment: x\nAAAA\n")
    with pytest.raises(rpt.BadKey):
        rpt.PublicKey.load(str(bad))
    with pytest.raises(rpt.IOFailure):
        rpt.PublicKey.load(str(tmp_path / "missing.pub"))


def test_closed_handles_refuse_use(packed):
    r = rpt.Reader(packed["archive"])
    r.close()
    r.close()
    with pytest.raises(rpt.InvalidArgument) as e:
        len(r)
    assert e.value.code == -3
    with pytest.raises(rpt.InvalidArgument):
        r.read(0)


def test_every_code_has_a_class_and_text():
    for code in range(-18, 0):
        err = rpt.errors.make_error(code)
        assert isinstance(err, rpt.Error) and err.code == code
        assert str(err) == rpt.strerror(code) != ""
    assert rpt.errors.error_class(-99) is rpt.Error


def run_python(code, **env):
    full = dict(os.environ, PYTHONPATH=PYDIR, **env)
    return subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=full)


def test_missing_library_is_a_clear_error(tmp_path):
    missing = str(tmp_path / "libarchive_rpt.so.1")
    p = run_python("import rpt\n"
                   "try:\n    rpt.library_version()\n"
                   "except rpt.LibraryNotFound as e:\n    print(e)\n",
                   RPT_LIBRARY=missing)
    assert p.returncode == 0, p.stderr
    out = p.stdout.decode()
    assert missing in out and "RPT_LIBRARY" in out


def test_import_needs_no_library():
    p = run_python("import rpt; print(rpt.__version__)", RPT_LIBRARY="/nonexistent/lib.so")
    assert p.returncode == 0 and p.stdout.decode().strip() == rpt.__version__


def test_salvage_skips_the_damaged_record(packed, tmp_path):
    damaged = copy_of(packed, tmp_path)
    tamper(damaged, b"41 arrests", fix_crc=False)
    with rpt.Reader(damaged, trust=[packed["pub"]], salvage=True) as r:
        names = [rec.name for rec in r]
        assert r.salvage_lost > 0
    assert len(names) == 12 and NAME not in names


def test_with_blocks_free_their_handles_at_once(packed, tmp_path):
    with rpt.Reader(packed["archive"]) as r:
        assert r._h
    with rpt.SecretKey.load(packed["sec"]) as sk:
        with rpt.Writer(str(tmp_path / "w.rpt"), sk) as w:
            w.add("a.txt", b"a")
        assert w._h is None and w._key is None  # the writer let go of the key
        assert sk._h  # but did not free the caller's
    with rpt.Writer(str(tmp_path / "v.rpt"), packed["sec"]) as v:
        own = v._key
    assert r._h is None and sk._h is None and v._h is None and own._h is None
    with pytest.raises(rpt.InvalidArgument):
        w.add("b.txt", b"b")
