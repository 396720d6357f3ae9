# SPDX-License-Identifier: ISC
"""The ctypes mirror of include/archive_rpt.h matches the header: the same
structs with the same fields at the same offsets, the same constants, and
every exported function declared. A header change the binding misses
fails here, not in an archivist's script."""
import ctypes
import os
import re
import shutil
import subprocess

import pytest

import rpt
from rpt import _ffi
from conftest import ROOT

HEADER = os.path.join(os.environ.get("RPT_INCLUDE") or os.path.join(ROOT, "include"),
                      "archive_rpt.h")
# Python constant names that are not RPT_* macros of the header.
NOT_MACROS = {"INT64_MIN"}


def header():
    with open(HEADER, encoding="utf-8") as f:
        return f.read()


def c_struct_fields(text, name):
    """The field names of typedef struct name { ... } in declaration order."""
    m = re.search(r"typedef struct %s \{(.*?)\} %s;" % (name, name), text, re.S)
    assert m, "struct %s is not in the header" % name
    body = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S)
    names = []
    for decl in body.split(";"):
        decl = decl.strip()
        if not decl:
            continue
        # "int major, minor" declares two; "const uint8_t (*dict_ids)[N]" one
        fn = re.match(r".*\(\s*\*\s*(\w+)\s*\)", decl)
        if fn:
            names.append(fn.group(1))
            continue
        head, *rest = decl.split(",")
        names.append(re.search(r"(\w+)\s*(\[[^\]]*\])?\s*$", head).group(1))
        names += [r.strip().lstrip("*").strip() for r in rest]
    return names


def python_constants():
    return {"RPT_" + k: v for k, v in vars(_ffi).items()
            if re.fullmatch(r"[A-Z][A-Z0-9_]*", k) and isinstance(v, int) and k not in NOT_MACROS}


def test_struct_fields_match_the_header_by_name_and_order():
    text = header()
    for cls in _ffi.STRUCTS:
        assert [f[0] for f in cls._fields_] == c_struct_fields(text, cls.__name__), cls.__name__


def test_every_public_struct_is_mirrored():
    declared = set(re.findall(r"typedef struct (rpt_\w+) \{", header()))
    assert declared == {cls.__name__ for cls in _ffi.STRUCTS}


def test_every_exported_function_is_declared():
    exported = set(re.findall(r"RPT_EXPORT[^;(]*?\b(rpt_\w+)\s*\(", header()))
    assert exported and exported == set(_ffi.PROTOTYPES)


def test_constants_match_the_header_macros():
    text = header()
    for name, value in python_constants().items():
        m = re.search(r"#define %s\s+(.+?)\s*(/\*.*)?$" % name, text, re.M)
        assert m, "%s is not defined in the header" % name
        expr = m.group(1).replace("UINT32_MAX", "0xFFFFFFFF")
        expr = re.sub(r"(\d+)u\b", r"\1", expr)
        assert eval(expr, {}) == value, name  # the header's values are integer literals


SENTINEL = 0xA5


def filled_extent(cls, call):
    """How many bytes the library writes when it fills a cls: call gets a
    pointer into a sentinel-filled buffer twice cls's Python size."""
    size = ctypes.sizeof(cls)
    buf = (ctypes.c_uint8 * (2 * size))(*([SENTINEL] * (2 * size)))
    call(ctypes.cast(buf, ctypes.POINTER(cls)))
    touched = [i for i in range(2 * size) if buf[i] != SENTINEL]
    return touched[-1] + 1 if touched else 0


# Without a compiler, the library itself tells its struct sizes: it zeroes
# a whole struct it fills (rpt_record, rpt_archive_info and
# rpt_verify_summary end in zeroed reserved space), rejects a
# rpt_record_info whose size field is below its own, and writes the size
# and defaults into rpt_writer_options at the header's offsets.
def test_library_fills_exactly_the_python_structs(packed):
    with rpt.Reader(packed["archive"]) as r:
        h = r._h
        lib = _ffi.lib()
        assert filled_extent(_ffi.rpt_record, lambda p: lib.rpt_reader_entry(h, 0, p)) == \
            ctypes.sizeof(_ffi.rpt_record)
        assert filled_extent(_ffi.rpt_record, lambda p: lib.rpt_reader_read(h, 1, 0, p)) == \
            ctypes.sizeof(_ffi.rpt_record)
        assert filled_extent(_ffi.rpt_archive_info, lambda p: lib.rpt_reader_info(h, p)) == \
            ctypes.sizeof(_ffi.rpt_archive_info)
        assert filled_extent(_ffi.rpt_verify_summary, lambda p: lib.rpt_reader_verify(
            h, _ffi.rpt_verify_cb(lambda ev, ctx: 0), None, p)) == \
            ctypes.sizeof(_ffi.rpt_verify_summary)


def add_with_info_size(tmp_path, key, size):
    with open(str(tmp_path / ("size-%d.rpt" % size)), "wb") as f:
        w = rpt.Writer.to_fd(f, key)
        try:
            info = _ffi.rpt_record_info(size=size, name=b"a.txt", issued=0)
            return _ffi.lib().rpt_writer_add(w._h, ctypes.byref(info), b"a", 1)
        finally:
            w.discard()


def test_record_info_size_is_the_librarys(tmp_path, other_key):
    size = ctypes.sizeof(_ffi.rpt_record_info)
    with rpt.SecretKey.load(other_key[1]) as key:
        assert add_with_info_size(tmp_path, key, size) == _ffi.OK
        # one byte less is refused: the library's struct is not larger
        assert add_with_info_size(tmp_path, key, size - 1) == _ffi.E_ARG


def test_writer_options_defaults_land_on_the_python_fields():
    cls = _ffi.rpt_writer_options
    size = ctypes.sizeof(cls)
    buf = (ctypes.c_uint8 * size)(*([SENTINEL] * size))
    rpt.library_version()  # loads the library
    _ffi.lib().rpt_writer_options_init_size(ctypes.cast(buf, ctypes.POINTER(cls)), size)
    opt = cls.from_buffer_copy(bytes(buf))
    assert (opt.size, opt.level, opt.threads, opt.created) == (size, -1, 0, _ffi.INT64_MIN)
    assert not opt.archive_id and opt.software is None and opt.key_comment is None


def test_version_matches_the_library():
    assert rpt.library_version().split(".")[0] == str(_ffi.VERSION_MAJOR)


def compiler():
    cc = os.environ.get("CC", "cc")
    return shutil.which(cc)


def probe_source():
    lines = ["#include <stdio.h>", "#include <stddef.h>", "#include <stdint.h>",
             '#include "archive_rpt.h"', "int main(void) {"]
    for cls in _ffi.STRUCTS:
        n = cls.__name__
        lines.append('printf("%s sizeof %%zu\\n", sizeof(%s));' % (n, n))
        for f in cls._fields_:
            lines.append('printf("%s %s %%zu\\n", offsetof(%s, %s));' % (n, f[0], n, f[0]))
    for name in sorted(python_constants()):
        lines.append('printf("%s %%lld\\n", (long long)(%s));' % (name, name))
    lines += ["return 0;", "}"]
    return "\n".join(lines) + "\n"


@pytest.mark.skipif(compiler() is None, reason="no C compiler to probe the header with")
def test_layout_matches_a_compiled_probe(tmp_path):
    src, exe = tmp_path / "probe.c", tmp_path / "probe"
    src.write_text(probe_source())
    subprocess.run([compiler(), "-std=c11", "-I", os.path.dirname(HEADER), "-o", str(exe),
                    str(src)], check=True)
    seen = subprocess.run([str(exe)], stdout=subprocess.PIPE, check=True).stdout.decode()
    want = []
    for cls in _ffi.STRUCTS:
        n = cls.__name__
        want.append("%s sizeof %d" % (n, ctypes.sizeof(cls)))
        want += ["%s %s %d" % (n, f[0], getattr(cls, f[0]).offset) for f in cls._fields_]
    want += ["%s %d" % (k, v) for k, v in sorted(python_constants().items())]
    assert seen.splitlines() == want
