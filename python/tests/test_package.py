# SPDX-License-Identifier: ISC
"""The package builds and installs offline: the in-tree PEP 517 backend
makes a valid, reproducible wheel and sdist, and pip installs it with
--no-index into a fresh virtual environment."""
import base64
import csv
import hashlib
import io
import os
import subprocess
import sys
import tarfile
import zipfile

import pytest

import rpt
from conftest import PYDIR

sys.path.insert(0, os.path.join(PYDIR, "_backend"))
import rpt_backend  # noqa: E402


def test_wheel_is_valid_and_reproducible(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    name = rpt_backend.build_wheel(str(a))
    assert name == "rpt-%s-py3-none-any.whl" % rpt.__version__
    assert rpt_backend.build_wheel(str(b)) == name
    assert (a / name).read_bytes() == (b / name).read_bytes()
    with zipfile.ZipFile(str(a / name)) as z:
        names = z.namelist()
        dist = "rpt-%s.dist-info/" % rpt.__version__
        assert {"rpt/__init__.py", "rpt/_ffi.py", "rpt/reader.py", "rpt/writer.py",
                dist + "METADATA", dist + "WHEEL", dist + "RECORD"} <= set(names)
        assert not [n for n in names if n.endswith(".pyc") or n.startswith("tests/")]
        rows = list(csv.reader(io.StringIO(z.read(dist + "RECORD").decode())))
        assert sorted(r[0] for r in rows) == sorted(names)
        for path, digest, size in rows:
            if path == dist + "RECORD":
                assert digest == size == ""
                continue
            data = z.read(path)
            want = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            assert (digest, int(size)) == ("sha256=" + want.decode(), len(data))
        meta = z.read(dist + "METADATA").decode()
        assert "Name: rpt\n" in meta and "Version: %s\n" % rpt.__version__ in meta
        assert "Root-Is-Purelib: true" in z.read(dist + "WHEEL").decode()


def test_sdist_builds_a_wheel_on_its_own(tmp_path):
    name = rpt_backend.build_sdist(str(tmp_path))
    with tarfile.open(str(tmp_path / name)) as t:
        t.extractall(str(tmp_path / "x"))
    top = tmp_path / "x" / name[:-len(".tar.gz")]
    assert (top / "PKG-INFO").exists() and (top / "_backend" / "rpt_backend.py").exists()
    out = subprocess.run(
        [sys.executable, "-c",
         "import sys, rpt_backend; print(rpt_backend.build_wheel(sys.argv[1]))", str(tmp_path)],
        cwd=str(top / "_backend"), stdout=subprocess.PIPE, check=True)
    assert out.stdout.decode().strip() == "rpt-%s-py3-none-any.whl" % rpt.__version__


def venv_available():
    import importlib.util
    return all(importlib.util.find_spec(m) for m in ("venv", "ensurepip"))


@pytest.mark.skipif(not venv_available(), reason="python3-venv is not installed")
def test_pip_installs_offline_into_a_fresh_venv(tmp_path, packed):
    env_dir = str(tmp_path / "venv")
    subprocess.run([sys.executable, "-m", "venv", env_dir], check=True)
    py = os.path.join(env_dir, "bin", "python")
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    env.pop("PYTHONPATH", None)
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-index", PYDIR], env=env,
                   check=True)
    # from outside the source tree, so the installed copy is the one imported
    code = ("import rpt, sys; r = rpt.Reader(sys.argv[1], trust=[sys.argv[2]]); "
            "print(rpt.__file__); print(len(list(r)))")
    out = subprocess.run([py, "-c", code, packed["archive"], packed["pub"]], env=env,
                         cwd=str(tmp_path), stdout=subprocess.PIPE, check=True)
    where, count = out.stdout.decode().split()
    assert where.startswith(env_dir) and count == "13"
