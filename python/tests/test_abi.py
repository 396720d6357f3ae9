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
NOT_MACROS = {"INT64_MIN", "SUPPORTED_MAJOR"}


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


def test_writer_options_init_fills_exactly_the_python_struct():
    # Without a compiler: let the library fill a buffer larger than the
    # struct, pre-set to a pattern. It must write inside the Python size
    # and must write the struct's last field, or the sizes disagree.
    size = ctypes.sizeof(_ffi.rpt_writer_options)
    buf = (ctypes.c_uint8 * (2 * size))(*([0xA5] * (2 * size)))
    rpt.library_version()  # loads the library
    _ffi.lib().rpt_writer_options_init(ctypes.cast(buf, ctypes.POINTER(_ffi.rpt_writer_options)))
    assert bytes(buf[size:]) == b"\xA5" * size, "the C struct is larger than the Python one"
    opt = _ffi.rpt_writer_options.from_buffer_copy(bytes(buf[:size]))
    assert opt.level == -1 and opt.threads == 0 and opt.created == _ffi.INT64_MIN
    last, _ = _ffi.rpt_writer_options._fields_[-1]
    off = getattr(_ffi.rpt_writer_options, last).offset
    assert bytes(buf[off:size]) != b"\xA5" * (size - off), "the C struct is smaller"


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
