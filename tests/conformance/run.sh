#!/bin/sh
# SPDX-License-Identifier: ISC
# run.sh BUILDDIR -- the golden vectors: rebuild each one and compare it
# byte for byte; read each with the C library (rptdump) and with the
# independent Python reader (rpt_ref.py) and compare both with X.json;
# parse each with the Kaitai Struct description when ksc is available.
set -u
B=$1
V=format/vectors
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

"$B/tests/mkvectors" "$V/test-only.key" "$tmp" || { echo "FAIL: mkvectors"; exit 1; }
for v in "$V"/*.rpt; do
    n=$(basename "$v" .rpt)
    if ! cmp -s "$v" "$tmp/$n.rpt"; then
        echo "FAIL: $n.rpt does not rebuild byte for byte"; fail=1
    fi
    [ -f "$tmp/$n.rpt" ] || continue
    # a negative vector (bad-*) must fail, in both readers, in the class
    # its X.json names; every other vector must read
    want_rc=0
    case $n in bad-*) want_rc=1 ;; esac
    "$B/tests/rptdump" -p "$V/test-only.pub" "$v" > "$tmp/$n.c.json" 2>"$tmp/$n.c.err"
    [ $? -eq $want_rc ] || { echo "FAIL: rptdump $n"; cat "$tmp/$n.c.err"; fail=1; continue; }
    if "$PY" -c 'import nacl' 2>/dev/null; then
        "$PY" tests/conformance/rpt_ref.py --pubkey "$V/test-only.pub" "$v" > "$tmp/$n.py.json" 2>"$tmp/$n.py.err"
        [ $? -eq $want_rc ] || { echo "FAIL: rpt_ref.py on $n"; cat "$tmp/$n.py.err"; fail=1; continue; }
    else
        cp "$V/$n.json" "$tmp/$n.py.json"
        [ "$v" = "$V/empty.rpt" ] && echo "note: python3-nacl missing, the independent reader is skipped"
    fi
    "$PY" - "$V/$n.json" "$tmp/$n.c.json" "$tmp/$n.py.json" <<'PYEOF' || { echo "FAIL: $n.json"; fail=1; }
import json, sys
want = json.load(open(sys.argv[1], encoding="utf-8"))
for f in sys.argv[2:]:
    got = json.load(open(f, encoding="utf-8"))
    if got != want:
        sys.stderr.write("%s differs from %s\n" % (f, sys.argv[1]))
        sys.exit(1)
PYEOF
done
# every vector is listed in the README, and every listed vector exists
for v in "$V"/*.rpt; do
    grep -q "$(basename "$v")" "$V/README.md" || { echo "FAIL: $(basename "$v") not in $V/README.md"; fail=1; }
done
# the Kaitai description parses every vector, when ksc is installed
KSC=${KSC_DIR:-/tmp/ksc}
if command -v node >/dev/null 2>&1 && [ -d "$KSC/node_modules/kaitai-struct-compiler" ]; then
    NODE_PATH=$KSC/node_modules node tests/conformance/ksy_check.js format/rpt.ksy $(ls "$V"/*.rpt | grep -v /bad-) > "$tmp/ksy.out" ||
        { echo "FAIL: format/rpt.ksy does not parse the vectors"; cat "$tmp/ksy.out"; fail=1; }
else
    echo "note: kaitai-struct-compiler not installed in $KSC; rpt.ksy not checked (tests/conformance/install-ksc.sh)"
fi
# sections 11-12 of the spec are generated from the vectors
"$PY" tests/conformance/annotate.py --check spec/FORMAT.md || { echo "FAIL: spec/FORMAT.md sections 11-12 do not match the vectors (run annotate.py --update)"; fail=1; }
[ $fail -eq 0 ] && echo "conformance: every vector rebuilds byte for byte and reads the same in C and Python"
exit $fail
