# SPDX-License-Identifier: ISC
"""Archives written through the binding read back through it and pass
the tools; appends add a generation; failures discard cleanly."""
import os

import pytest

import rpt
from conftest import copy_of, list_json, tool

BULLETINS = {
    "press/2024-05-01-narcotics.txt": b"Ministry of the Interior: 41 arrests\n\nDetails follow.\n",
    "press/2024-05-02-weather.txt": "Sturmwarnung f\u00fcr die K\u00fcste\n".encode("utf-8"),
    "court/notice-17.bin": bytes(range(256)) * 3,
    "empty.txt": b"",
}


def write_sample(path, key, **kw):
    with rpt.Writer(path, key, **kw) as w:
        for i, (name, data) in enumerate(sorted(BULLETINS.items())):
            w.add(name, data, issued=1714554000 + i * 3600, title="title %d" % i,
                  source="Court of Examplia" if name.startswith("court/") else None,
                  media_type="application/octet-stream" if name.endswith(".bin") else None,
                  meta={"seq": str(i), "lang": "de" if "weather" in name else "en"})
    return path


def test_write_then_read_back(tmp_path, other_key):
    pub, sec = other_key
    archive = write_sample(str(tmp_path / "new.rpt"), sec, created=1700000000,
                           archive_id=bytes(range(16)), software="pytest", key_comment="k1")
    with rpt.Reader(archive, trust=[pub]) as r:
        got = {rec.name: rec for rec in r}
        info = r.info()
    assert {n: g.data for n, g in got.items()} == BULLETINS
    rec = got["court/notice-17.bin"]
    assert (rec.issued, rec.title, rec.source, rec.media_type, rec.meta, rec.trusted) == (
        1714554000, "title 0", "Court of Examplia", "application/octet-stream",
        {"seq": "0", "lang": "en"}, True)
    assert got["press/2024-05-02-weather.txt"].media_type == "text/plain; charset=utf-8"
    assert got["empty.txt"].data == b"" and got["empty.txt"].size == 0
    assert (info.created, info.archive_id, info.software) == (1700000000, bytes(range(16)),
                                                               "pytest")
    assert info.keys[0][0] == rpt.PublicKey.load(pub) and info.keys[0][1] == "k1"


def test_what_the_binding_writes_the_tools_accept(tmp_path, other_key):
    pub, sec = other_key
    archive = write_sample(str(tmp_path / "new.rpt"), sec)
    tool("rpt-verify", "-q", "-p", pub, archive)
    out = tmp_path / "out"
    tool("rpt-extract", "-q", "-p", pub, "-C", out, archive)
    for name, data in BULLETINS.items():
        assert (out / name).read_bytes() == data
    listed = {x["name"]: x for x in list_json(archive)}
    assert listed["press/2024-05-02-weather.txt"]["meta"] == {"seq": "3", "lang": "de"}
    assert listed["court/notice-17.bin"]["source"] == "Court of Examplia"


def test_append_adds_a_generation(packed, tmp_path):
    archive = copy_of(packed, tmp_path)
    before = list_json(archive)
    # one thread: records are written as they are added, so count at once
    with rpt.Writer.append(archive, packed["sec"], threads=1) as w:
        w.add("bulletins/late/2026-04-01-addendum.txt", b"Addendum: one more arrest.\n",
              issued=1775000000, title="Addendum")
        assert w.records == 1 and w.bytes_written > 0
    tool("rpt-verify", "-q", "-p", packed["pub"], archive)
    after = list_json(archive)
    assert after[:len(before)] == before and len(after) == len(before) + 1
    with rpt.Reader(archive, trust=[packed["pub"]]) as r:
        assert len(r.info().generations) == 2
        assert r["bulletins/late/2026-04-01-addendum.txt"].data == b"Addendum: one more arrest.\n"
        assert r.verify().generations == 2


def test_records_by_a_key_not_trusted_come_with_the_exception(packed, tmp_path, other_key):
    # The newest seal is by the trusted key; the first generation's seal
    # and records are by another one. Every seal a reader relies on must
    # be trusted, so each read says so and hands back the record, whose
    # own signature is valid; trusting both keys reads everything.
    archive = str(tmp_path / "mixed.rpt")
    write_sample(archive, other_key[1])
    with rpt.Writer.append(archive, packed["sec"], trusted=[other_key[0]]) as w:
        w.add("late.txt", b"late\n")
    with rpt.Reader(archive, trust=[packed["pub"]]) as r:
        with pytest.raises(rpt.Untrusted) as e:
            r.read("empty.txt")
    assert e.value.record is not None and e.value.record.name == "empty.txt"
    assert e.value.record.key_id == rpt.PublicKey.load(other_key[0]).id
    assert "seal of generation 1" in str(e.value)
    with rpt.Reader(archive, trust=[packed["pub"], other_key[0]]) as r:
        assert r["late.txt"].trusted and r["empty.txt"].trusted


def test_an_exception_in_the_block_leaves_no_archive(tmp_path, other_key):
    target = tmp_path / "never.rpt"
    with pytest.raises(RuntimeError):
        with rpt.Writer(str(target), other_key[1]) as w:
            w.add("a.txt", b"a")
            raise RuntimeError("stop")
    assert os.listdir(str(tmp_path)) == []


def test_a_failed_append_leaves_the_earlier_generation(packed, tmp_path):
    archive = copy_of(packed, tmp_path)
    with open(archive, "rb") as f:
        original = f.read()
    with pytest.raises(rpt.Duplicate) as e:
        with rpt.Writer.append(archive, packed["sec"]) as w:
            w.add("new.txt", b"new")
            w.add(list_json(archive)[0]["name"], b"a second copy")
    assert e.value.code == -13
    with open(archive, "rb") as f:
        assert f.read() == original


def test_bad_names_and_existing_output(tmp_path, other_key):
    target = str(tmp_path / "a.rpt")
    for bad in ("../escape.txt", "/abs.txt", "a//b", ""):
        with pytest.raises(rpt.InvalidName) as e:
            with rpt.Writer(target, other_key[1], overwrite=True) as w:
                w.add(bad, b"x")
        assert e.value.code == -12 and isinstance(e.value, ValueError)
        with pytest.raises(rpt.InvalidName):
            rpt.check_name(bad)
    rpt.check_name("a/b.txt")
    write_sample(target, other_key[1])
    with pytest.raises(rpt.Exists) as e:
        rpt.Writer(target, other_key[1])
    assert e.value.code == -17
    write_sample(target, other_key[1], overwrite=True)


def test_encrypted_key_with_passphrase(tmp_path):
    pub, sec = str(tmp_path / "e.pub"), str(tmp_path / "e.key")
    with rpt.SecretKey.generate() as sk:
        sk.save(pub, sec, passphrase="correct horse", comment="encrypted test key")
        public = sk.public
    assert rpt.SecretKey.is_encrypted(sec)
    assert rpt.PublicKey.load(pub) == public
    with pytest.raises(rpt.BadPassphrase) as e:
        rpt.SecretKey.load(sec, "wrong")
    assert e.value.code == -16
    with pytest.raises(rpt.BadPassphrase):
        rpt.Writer(str(tmp_path / "x.rpt"), sec)  # none given
    assert not os.path.exists(str(tmp_path / "x.rpt"))
    archive = write_sample(str(tmp_path / "x.rpt"), sec, passphrase=b"correct horse")
    tool("rpt-verify", "-q", "-p", pub, archive)


def test_a_secret_key_object_is_reusable(tmp_path, other_key):
    pub, sec = other_key
    assert not rpt.SecretKey.is_encrypted(sec)
    with rpt.SecretKey.load(sec) as sk:
        assert sk.public == rpt.PublicKey.load(pub)
        write_sample(str(tmp_path / "1.rpt"), sk)
        write_sample(str(tmp_path / "2.rpt"), sk)  # the writer did not free it
    with pytest.raises(rpt.InvalidArgument):
        sk.public


def test_write_to_a_pipe_then_read_it_back(tmp_path, other_key):
    pub, sec = other_key
    path = str(tmp_path / "piped.rpt")
    with open(path, "wb") as f:
        with rpt.Writer.to_fd(f, sec, threads=1) as w:
            w.add("one.txt", b"one\n", issued=0)
    with open(path, "rb") as f, rpt.Reader.from_fd(f, trust=[pub]) as r:
        assert [(x.name, x.data, x.issued) for x in r] == [("one.txt", b"one\n", 0)]
    tool("rpt-verify", "-q", "-p", pub, path)


def test_dictionaries(tmp_path, other_key):
    pub, sec = other_key
    common = b"Ministry of the Interior press office bulletin. " * 40
    path = str(tmp_path / "dict.rpt")
    with rpt.Writer(path, sec) as w:
        n = w.add_dict(common)
        w.add("a.txt", common + b"a", dictionary=n)
        w.add("b.txt", common + b"b", dictionary=rpt.DICT_NONE)
        w.add("c.txt", b"x" * 10)
    with rpt.Reader(path, trust=[pub]) as r:
        recs = list(r)
        assert r.info().dictionaries[0][0] == len(common)
    assert recs[0].method == rpt.METHOD_DEFLATE_DICT and recs[0].dict == n
    assert recs[1].method == rpt.METHOD_DEFLATE
    assert [x.data for x in recs] == [common + b"a", common + b"b", b"x" * 10]


def test_append_refuses_to_build_on_a_seal_it_does_not_trust(packed, tmp_path, other_key):
    archive = str(tmp_path / "theirs.rpt")
    write_sample(archive, other_key[1])
    before = open(archive, "rb").read()
    with pytest.raises(rpt.Untrusted) as e:
        with rpt.Writer.append(archive, packed["sec"]) as w:
            w.add("late.txt", b"late\n")
    assert e.value.code == -11
    assert open(archive, "rb").read() == before
