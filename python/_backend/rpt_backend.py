# SPDX-License-Identifier: ISC
"""A PEP 517 build backend for the rpt package, with no dependencies.

pip builds a package in an isolated environment into which it installs
the backend's requirements from an index; setuptools would need PyPI.
This backend needs nothing but the standard library, so
`pip install --no-index ./python` works offline. It builds a pure-Python
wheel (PEP 427), an sdist, and an editable wheel (PEP 660) that points at
this directory. Metadata comes from pyproject.toml's [project] table; the
version from rpt/__init__.py, its one home.
"""
import base64
import hashlib
import io
import os
import re
import tarfile
import time
import zipfile

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "rpt"
SDIST_FILES = ("pyproject.toml", "README.md")
SDIST_DIRS = ("rpt", "_backend", "tests")


def _project():
    with open(os.path.join(HERE, "pyproject.toml"), "rb") as f:
        raw = f.read()
    try:
        import tomllib  # Python 3.11+
        project = tomllib.loads(raw.decode("utf-8"))["project"]
    except ImportError:
        project = _project_fallback(raw.decode("utf-8"))
    with open(os.path.join(HERE, PACKAGE, "__init__.py"), encoding="utf-8") as f:
        project["version"] = re.search(r'^__version__ = "([^"]+)"', f.read(), re.M).group(1)
    return project


def _project_fallback(text):
    """The `key = "string"` lines of [project], for Pythons without tomllib."""
    table = re.search(r"^\[project\]\n(.*?)(?=^\[|\Z)", text, re.M | re.S).group(1)
    return dict(re.findall(r'^([\w-]+)\s*=\s*"([^"]*)"', table, re.M))


def _metadata(p):
    lines = ["Metadata-Version: 2.1", "Name: " + p["name"], "Version: " + p["version"]]
    if p.get("description"):
        lines.append("Summary: " + p["description"])
    if p.get("requires-python"):
        lines.append("Requires-Python: " + p["requires-python"])
    lic = p.get("license")
    if isinstance(lic, dict):
        lic = lic.get("text")
    if lic:
        lines.append("License: " + lic)
    readme = os.path.join(HERE, "README.md")
    body = ""
    if os.path.exists(readme):
        lines.append("Description-Content-Type: text/markdown")
        with open(readme, encoding="utf-8") as f:
            body = "\n" + f.read()
    return ("\n".join(lines) + "\n" + body).encode("utf-8")


def _stamp():
    """Fixed timestamps (SOURCE_DATE_EPOCH, else 1980) for reproducible builds."""
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "315532800"))
    return max(epoch, 315532800)


def _package_files():
    out = []
    for root, dirs, files in os.walk(os.path.join(HERE, PACKAGE)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                full = os.path.join(root, name)
                out.append((os.path.relpath(full, HERE).replace(os.sep, "/"), full))
    return out


class _Wheel:
    """A wheel being written: each file is recorded for RECORD (PEP 376)."""

    def __init__(self, path):
        self.zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED)
        self.record = []
        self.date = time.gmtime(_stamp())[:6]

    def add(self, arcname, data):
        info = zipfile.ZipInfo(arcname, self.date)
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        self.record.append("%s,sha256=%s,%d" % (arcname, digest.decode("ascii"), len(data)))

    def finish(self, dist_info):
        record = dist_info + "/RECORD"
        self.record.append(record + ",,")
        info = zipfile.ZipInfo(record, self.date)
        info.external_attr = 0o644 << 16
        self.zip.writestr(info, "\n".join(self.record) + "\n")
        self.zip.close()


def _build(wheel_directory, files):
    p = _project()
    dist = "%s-%s" % (p["name"].replace("-", "_"), p["version"])
    basename = dist + "-py3-none-any.whl"
    wheel = _Wheel(os.path.join(wheel_directory, basename))
    for arcname, data in files:
        wheel.add(arcname, data)
    dist_info = dist + ".dist-info"
    wheel.add(dist_info + "/METADATA", _metadata(p))
    wheel.add(dist_info + "/WHEEL", b"Wheel-Version: 1.0\nGenerator: rpt_backend\n"
                                    b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    wheel.finish(dist_info)
    return basename


def _read(path):
    with open(path, "rb") as f:
        return f.read()


# -- PEP 517 hooks ------------------------------------------------------
def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _build(wheel_directory, [(a, _read(f)) for a, f in _package_files()])


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    # PEP 660: a .pth line puts this directory on sys.path, so edits show at once.
    return _build(wheel_directory, [("_rpt_editable.pth", (HERE + "\n").encode("utf-8"))])


def build_sdist(sdist_directory, config_settings=None):
    p = _project()
    base = "%s-%s" % (p["name"], p["version"])
    path = os.path.join(sdist_directory, base + ".tar.gz")
    entries = [(n, os.path.join(HERE, n)) for n in SDIST_FILES]
    for d in SDIST_DIRS:
        for root, dirs, files in os.walk(os.path.join(HERE, d)):
            dirs[:] = sorted(x for x in dirs if x not in ("__pycache__", ".pytest_cache"))
            entries += [(os.path.relpath(os.path.join(root, n), HERE), os.path.join(root, n))
                        for n in sorted(files) if not n.endswith(".pyc")]
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for arcname, data in [("PKG-INFO", _metadata(p))] + [(a, _read(f)) for a, f in entries]:
            info = tarfile.TarInfo("%s/%s" % (base, arcname.replace(os.sep, "/")))
            info.size, info.mtime, info.mode = len(data), _stamp(), 0o644
            tar.addfile(info, io.BytesIO(data))
    return base + ".tar.gz"
