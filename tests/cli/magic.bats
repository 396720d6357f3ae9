#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# format/rpt.magic: what file(1) says of rpt archives, and of what is not one.

load helper

MAGIC=$BATS_TEST_DIRNAME/../../format/rpt.magic
VECTORS=$BATS_TEST_DIRNAME/../../format/vectors

setup() {
    command -v file >/dev/null || skip "file(1) is not installed"
    common_setup
}

# what FILE -- file(1)'s description with only rpt.magic loaded; warnings
# about the magic file itself end up in the output too, and fail the match.
what() { file -b -m "$MAGIC" "$1" 2>&1; }

@test "magic: every golden vector, with its generation count" {
    for v in "$VECTORS"/*.rpt; do
        case ${v##*/} in
        bad-*) continue ;; # negative vectors: damaged on purpose
        appended.rpt|two-segments.rpt) n="2 generations" ;;
        *) n="1 generation" ;;
        esac
        run what "$v"
        [ "$output" = "rpt signed bulletin archive, version 1.0, $n" ]
    done
}

@test "magic: the generation count follows appends" {
    "$PACK" -q -s k.sec -o a.rpt b/weather.txt
    run what a.rpt
    [ "$output" = "rpt signed bulletin archive, version 1.0, 1 generation" ]
    "$PACK" -q -s k.sec -o a.rpt --append b/narcotics.txt
    run what a.rpt
    [ "$output" = "rpt signed bulletin archive, version 1.0, 2 generations" ]
    "$PACK" -q -s k.sec -o a.rpt --append b/court
    run what a.rpt
    [ "$output" = "rpt signed bulletin archive, version 1.0, 3 generations" ]
}

@test "magic: a piped archive reads the same" {
    "$PACK" -q -s k.sec -o - b > p.rpt
    run what p.rpt
    [ "$output" = "rpt signed bulletin archive, version 1.0, 1 generation" ]
}

@test "magic: MIME type and extension" {
    run file -b --mime-type -m "$MAGIC" "$VECTORS/one.rpt"
    [ "$output" = "application/vnd.rpt" ]
    run file -b --extension -m "$MAGIC" "$VECTORS/one.rpt"
    [ "$output" = "rpt" ]
}

@test "magic: an incomplete tail or a cut archive has no trailer at the end" {
    { cat "$VECTORS/appended.rpt"; printf 'RECD\1\0\0\0'; } > tail.rpt
    run what tail.rpt
    [ "$output" = "rpt signed bulletin archive, version 1.0, no trailer at the end (incomplete append or truncated)" ]
    head -c 1000 "$VECTORS/appended.rpt" > cut.rpt
    run what cut.rpt
    [ "$output" = "rpt signed bulletin archive, version 1.0, no trailer at the end (incomplete append or truncated)" ]
}

@test "magic: a trailer with generation 0 is damaged" {
    python3 - "$VECTORS/one.rpt" g0.rpt <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
d[-16:-12] = bytes(4)
open(sys.argv[2], 'wb').write(d)
PY
    run what g0.rpt
    [ "$output" = "rpt signed bulletin archive, version 1.0, damaged trailer" ]
}

@test "magic: another major version is named, and unsupported" {
    python3 - "$VECTORS/one.rpt" v2.rpt <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
d[0] = 0x82
open(sys.argv[2], 'wb').write(d)
PY
    run what v2.rpt
    [ "$output" = "rpt signed bulletin archive, major version 2 (unsupported)" ]
}

@test "magic: not rpt: a Crystal Reports (OLE2) file, a bit-stripped magic, text" {
    printf '\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1%0500d' 0 > crystal.rpt
    run what crystal.rpt
    [[ "$output" != *rpt* ]]
    { printf '\x01'; tail -c +2 "$VECTORS/one.rpt"; } > stripped.rpt
    run what stripped.rpt
    [[ "$output" != *rpt* ]]
    run what b/weather.txt
    [[ "$output" != *rpt* ]]
}
