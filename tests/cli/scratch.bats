#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Scratch files: where pack, verify and extract put what does not fit in
# memory. Not in /tmp regardless (glibc's tmpfile), which is often a small
# RAM disk: next to the archive being written, else in TMPDIR; and a TMPDIR
# that cannot be used is an error naming it, not a silent fall back.

load helper

setup() {
    common_setup
    mkdir tmp
}

# Enough records that the writer spills its index entries (over 64 KiB).
mk_many() {
    mkdir -p many
    for i in $(seq 1 2000); do echo "bulletin $i" > "many/bulletin-$i.txt"; done
}

@test "pack -o - spills its index into TMPDIR, and says so when TMPDIR is unusable" {
    mk_many
    run sh -c "TMPDIR=/nonexistent \"$PACK\" -q -s k.sec -o - many > out.rpt"
    [ "$status" -eq 2 ]
    [[ "$output" == *"scratch file"*"'/nonexistent'"* ]]
    TMPDIR=$T/tmp "$PACK" -q -s k.sec -o - many > out.rpt
    "$VERIFY" -q -p k.pub out.rpt
    [ -z "$(ls -A tmp)" ]
}

@test "pack -o FILE spills next to the archive, whatever TMPDIR says" {
    mk_many
    TMPDIR=/nonexistent "$PACK" -q -s k.sec -o a.rpt many
    "$VERIFY" -q -p k.pub a.rpt
    TMPDIR=/nonexistent "$PACK" -q -s k.sec --append -o a.rpt b
    "$VERIFY" -q -p k.pub a.rpt
    [ "$(ls -A | grep -c rpt-)" -eq 0 ]
}

@test "extract -O from a pipe holds records in TMPDIR, and says so when it cannot" {
    "$PACK" -q -s k.sec -o a.rpt b
    run sh -c "TMPDIR=/nonexistent \"$EXTRACT\" -p k.pub -O - < a.rpt > all.out"
    [ "$status" -eq 2 ]
    [[ "$output" == *"scratch file in '/nonexistent'"*TMPDIR* ]]
    TMPDIR=$T/tmp "$EXTRACT" -q -p k.pub -O - < a.rpt > all.out
    cat b/court/notice-17.txt b/narcotics.txt b/weather.txt | cmp - all.out
    [ -z "$(ls -A tmp)" ]
}
