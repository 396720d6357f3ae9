#!/bin/sh
# SPDX-License-Identifier: ISC
# abi.sh check|update LIBRARY -- compares the shared library's ABI with the
# committed baseline abi/libarchive_rpt.abi (abidw/abidiff from Debian's
# abigail-tools). `check` fails on any change to what the baseline has (a
# removed or changed function, a struct that changed size or layout); an
# added function passes. Refresh the baseline with `make abi-baseline`
# after a deliberate change. The baseline is taken from the library built with
# the default flags (-O2 -g): abidw needs the debug information.
set -eu
mode=${1:?usage: abi.sh check|update LIBRARY} lib=${2:?usage: abi.sh check|update LIBRARY}
top=$(cd "$(dirname "$0")/.." && pwd)
base=$top/abi/libarchive_rpt.abi
tmp=$(mktemp "${TMPDIR:-/tmp}/rpt-abi.XXXXXX")
trap 'rm -f "$tmp"' EXIT
abidw --headers-dir "$top/include" --drop-private-types --no-corpus-path --out-file "$tmp" "$lib"
case $mode in
    update)
        mkdir -p "$top/abi"
        cp "$tmp" "$base" && chmod 644 "$base"
        echo "abi.sh: baseline written to abi/libarchive_rpt.abi"
        exit 0 ;;
    check) ;;
    *) echo "usage: abi.sh check|update LIBRARY" >&2; exit 2 ;;
esac
[ -f "$base" ] || { echo "abi.sh: no baseline $base; run: make abi-baseline" >&2; exit 1; }
st=0
abidiff --no-added-syms "$base" "$tmp" > "$tmp.report" 2>&1 || st=$?
# abidiff's status is a bit field: 1 error, 2 usage, 4 ABI change,
# 8 incompatible ABI change.
if [ $((st & 3)) -ne 0 ]; then
    cat "$tmp.report" >&2; rm -f "$tmp.report"
    echo "abi.sh: abidiff failed (status $st)" >&2; exit 1
fi
if [ $((st & 12)) -ne 0 ]; then
    # Added functions are left out of the report (--no-added-syms), so
    # what remains changed an existing function or type: a program built
    # against the baseline could break.
    cat "$tmp.report" >&2; rm -f "$tmp.report"
    echo "abi.sh: INCOMPATIBLE ABI change against abi/libarchive_rpt.abi: undo it, or bump the soname and refresh the baseline (make abi-baseline)" >&2
    exit 1
fi
rm -f "$tmp.report"
echo "abi.sh: ABI compatible with abi/libarchive_rpt.abi"
