#!/bin/sh
# SPDX-License-Identifier: ISC
# python.sh BUILDDIR -- runs the Python binding's pytest suite (python/tests)
# against BUILDDIR's shared library and tools; `make test-python` calls it.
# It uses Debian's /usr/bin/python3 and python3-pytest, as CI does, not
# whichever python3 comes first on PATH; PYTHON overrides that.
set -eu

B=${1:?usage: sh tests/python.sh BUILDDIR}
root=$(cd "$(dirname "$0")/.." && pwd)
case $B in /*) ;; *) B=$root/$B ;; esac
py=${PYTHON:-/usr/bin/python3}
[ -x "$py" ] || py=python3

RPT_LIBRARY=$B/lib/libarchive_rpt.so.1
RPT_BIN=$B/bin
for f in "$RPT_LIBRARY" "$RPT_BIN/rpt-pack"; do
    if [ ! -e "$f" ]; then
        echo "python.sh: $f is missing; build it first with: make B=${1} lib tools" >&2
        exit 2
    fi
done
if ! "$py" -m pytest --version >/dev/null 2>&1; then
    echo "python.sh: $py has no pytest; install it with: apt-get install python3-pytest" >&2
    exit 2
fi
# No .pyc or .pytest_cache left in the source tree.
PYTHONDONTWRITEBYTECODE=1
export RPT_LIBRARY RPT_BIN PYTHONDONTWRITEBYTECODE
cd "$root/python"
exec "$py" -m pytest -q -p no:cacheprovider tests
