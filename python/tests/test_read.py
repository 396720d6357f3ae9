# SPDX-License-Identifier: ISC
"""What the binding reads matches what the tools say, field by field and
byte by byte, on the sample bulletins."""
import base64
import datetime
import json
import os
import subprocess

import pytest

import rpt
from conftest import list_json, tool


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def as_listed(rec):
    """A Record in the shape of one line of rpt-list --json."""
    return {"number": rec.number, "name": rec.name, "size": rec.size, "stored": rec.stored,
            "offset": rec.offset, "issued": iso(rec.issued), "title": rec.title,
            "source": rec.source, "media_type": rec.media_type, "meta": rec.meta,
            "key_id": rec.key_id_hex, "method": rec.method, "digest": rec.digest.hex()}


def test_records_match_rpt_list_json(packed):
    listed = list_json(packed["archive"])
    with rpt.Reader(packed["archive"], trust=[packed["pub"]]) as r:
        records = list(r)
        assert len(r) == len(listed)
    assert len(records) == 13
    for rec, want in zip(records, listed):
        assert as_listed(rec) == want
        assert rec.trusted is True
        assert rec.source == "Government Press Office"
        assert rec.meta == {"collection": "sample"}


def test_payloads_match_rpt_extract_and_the_originals(packed, tmp_path):
    tool("rpt-extract", "-q", "-p", packed["pub"], "-C", tmp_path, packed["archive"])
    seen = 0
    with rpt.Reader(packed["archive"], trust=[packed["pub"]]) as r:
        for rec in r:
            with open(os.path.join(str(tmp_path), rec.name), "rb") as f:
                assert rec.data == f.read()
            with open(os.path.join(packed["dir"], rec.name), "rb") as f:
                assert rec.data == f.read()
            assert len(rec.data) == rec.size
            seen += 1
    extracted = sum(len(files) for _, _, files in os.walk(str(tmp_path)))
    assert seen == extracted == 13


def test_open_one_by_name_matches_rpt_extract_to_stdout(packed):
    name = "bulletins/interior/2026-03-02-narcotics-crackdown.txt"
    out = tool("rpt-extract", "-p", packed["pub"], "-O", packed["archive"], name).stdout
    with rpt.Reader(packed["archive"], trust=[packed["pub"]]) as r:
        assert name in r and "bulletins/no-such.txt" not in r
        rec = r[name]
        assert rec.data == out
        assert r.read(r.find(name)) == rec
        assert as_listed(rec) == list_json(packed["archive"], name)[0]
        # rpt-pack's default title is the first non-empty line
        assert rec.title == out.decode("utf-8").splitlines()[0]
        assert rec.title.startswith("Operation Lantern: 41 arrests")


def test_metadata_only_read_and_index_entries(packed):
    listed = list_json(packed["archive"])
    with rpt.Reader(packed["archive"]) as r:
        meta = r.read(3, payload=False)
        assert meta.data is None and as_listed(meta) == listed[3]
        assert r.names() == [x["name"] for x in listed]
        for entry, want in zip(r.entries(), listed):
            assert (entry.number, entry.name, entry.size, entry.stored, entry.offset,
                    iso(entry.issued), entry.digest.hex()) == (
                want["number"], want["name"], want["size"], want["stored"], want["offset"],
                want["issued"], want["digest"])
            assert entry.data is None


def test_no_trusted_key_reads_but_marks_untrusted(packed):
    with rpt.Reader(packed["archive"]) as r:
        assert [rec.trusted for rec in r] == [False] * 13


def test_trust_by_base64_key_and_by_key_object(packed):
    with open(packed["pub"]) as f:
        b64 = f.read().splitlines()[1]
    by_text = rpt.PublicKey.parse(b64)
    assert by_text == rpt.PublicKey.load(packed["pub"])
    assert len(base64.b64decode(b64)) == 42 and by_text.key == base64.b64decode(b64)[10:]
    for key in (b64, by_text, b64.encode()):
        with rpt.Reader(packed["archive"], trust=[key]) as r:
            assert all(rec.trusted for rec in r)


def test_info_matches_rpt_list_info_json(packed):
    want = json.loads(tool("rpt-list", "--info", "--json", packed["archive"]).stdout)
    with rpt.Reader(packed["archive"]) as r:
        info = r.info()
        records = list(r.entries())
    assert info.archive_id.hex() == want["archive_id"]
    assert "%d.%d" % info.version == want["version"]
    assert iso(info.created) == want["created"]
    assert info.software == want["software"]
    assert [{"key_id": k.id_hex, "comment": c} for k, c in info.keys] == want["keys"]
    assert [{"number": i, "size": s, "id": d.hex()} for i, (s, d) in
            enumerate(info.dictionaries)] == want["dictionaries"]
    assert [{"number": g.number, "records": g.records, "seal_offset": g.seal_offset,
             "trailer_offset": g.trailer_offset, "key_id": rpt.keys.key_id_hex(g.key_id)}
            for g in info.generations] == want["generations"]
    assert (len(records), sum(e.size for e in records), sum(e.stored for e in records)) == (
        want["records"], want["size"], want["stored"])
    assert (info.file_size, info.index_bytes, info.tail_bytes) == (
        want["file_size"], want["index_bytes"], want["tail_bytes"])
    assert info.file_size == os.path.getsize(packed["archive"])


def verify_summary(archive, *keys):
    p = tool("rpt-verify", "--json", *keys, archive, check=False)
    lines = [json.loads(x) for x in p.stdout.decode().splitlines()]
    assert lines[-1]["summary"] is True and lines[-1]["exit"] == p.returncode
    return lines[-1]


def test_verify_matches_rpt_verify(packed):
    want = verify_summary(packed["archive"], "-p", packed["pub"])
    events = []
    with rpt.Reader(packed["archive"], trust=[packed["pub"]]) as r:
        v = r.verify(callback=events.append)
    got = {k: getattr(v, k) for k in ("records", "ok", "damaged", "tampered", "untrusted",
                                      "generations", "tail_bytes", "trusted_keys")}
    got.update(summary=True, exit=v.exit_status)
    want.pop("archive", None)  # which archive, when rpt-verify is given several
    assert got == want
    assert v.status == 0 and v.problems == []
    assert [e.record.name for e in events if e.record] == list_json_names(packed["archive"])


def list_json_names(archive):
    return [x["name"] for x in list_json(archive)]


def test_verify_without_a_key_is_untrusted_like_rpt_verify(packed):
    want = verify_summary(packed["archive"])
    assert want["exit"] == 4
    with rpt.Reader(packed["archive"]) as r:
        with pytest.raises(rpt.Untrusted) as e:
            r.verify()
        assert e.value.code == -11 and e.value.exit_status == 4
        assert e.value.verification.exit_status == 4
        assert r.verify(check=False).ok == want["ok"] == 13


def test_verify_callback_can_stop_early(packed):
    seen = []
    with rpt.Reader(packed["archive"], trust=[packed["pub"]]) as r:
        v = r.verify(callback=lambda ev: seen.append(ev) or len(seen) == 2, check=False)
    assert len(seen) == 2 and v.records <= 3


def test_verify_callback_exception_propagates(packed):
    def boom(ev):
        raise KeyError("from the callback")
    with rpt.Reader(packed["archive"], trust=[packed["pub"]]) as r:
        with pytest.raises(KeyError, match="from the callback"):
            r.verify(callback=boom)


def test_sequential_read_from_a_pipe(packed):
    listed = list_json(packed["archive"])
    cat = subprocess.Popen(["cat", packed["archive"]], stdout=subprocess.PIPE)
    try:
        with rpt.Reader.from_fd(cat.stdout, trust=[packed["pub"]]) as r:
            records = list(r)
            with pytest.raises(rpt.InvalidArgument):
                r.find(listed[0]["name"])
    finally:
        cat.stdout.close()
        cat.wait()
    assert [as_listed(x) for x in records] == listed
    with rpt.Reader(packed["archive"]) as r:
        assert [x.data for x in records] == [x.data for x in r]
