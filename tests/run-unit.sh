#!/bin/sh
# SPDX-License-Identifier: ISC
# run-unit.sh BUILDDIR TEST... -- runs each unit test program from the
# repository root; exit 77 means skipped (and says why); any other
# non-zero status fails the run.
set -u
shift
fail=0
for t in "$@"; do
    "$t"
    rc=$?
    if [ $rc -eq 77 ]; then echo "  (skipped: $t)"
    elif [ $rc -ne 0 ]; then echo "FAIL: $t (exit $rc)"; fail=1; fi
done
exit $fail
