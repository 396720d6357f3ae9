#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Text from an archive or a command line never reaches a terminal raw: C0,
# DEL and C1 controls, bidi controls and invalid UTF-8 show as visible
# escapes in every tool's human-readable output; --json stays exact.

load helper

setup() {
    common_setup
    ESC=$'\e]0;pwned\a'        # OSC: sets the window title
    CSI=$'\xc2\x9b2J'          # U+009B CSI as a C1 code point: clears the screen
    RLO=$'\xe2\x80\xaetxt.exe' # U+202E: shows "exe.txt"
    LRI=$'\xe2\x81\xa6'        # U+2066, an isolate
}

# raw FILE -- fails, showing the offending bytes, when FILE holds any
# control a terminal would act on (C0 but tab and newline, DEL, C1, bidi)
# or a byte that is not UTF-8.
raw_free() {
    python3 - "$1" <<'PY'
import re, sys
data = open(sys.argv[1], "rb").read()
bad = re.search(rb"[\x00-\x08\x0b-\x1f\x7f]", data)
try:
    text = data.decode("utf-8")
except UnicodeDecodeError as e:
    sys.exit("invalid UTF-8 at %d: %r" % (e.start, data[max(0, e.start - 20):e.start + 20]))
hidden = re.search("[\x80-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]", text)
if bad or hidden:
    sys.exit("raw control in output: %r" % (bad.group(0) if bad else hidden.group(0)))
PY
}

mk_hostile() {
    "$PACK" -q -s k.sec -o h.rpt --title "Title $ESC $CSI" --source "Source $RLO" \
        --media-type "text/plain$LRI" --meta "lang=$ESC" --meta "note$LRI=x" b
}

@test "rpt-list -l and --info escape titles" {
    mk_hostile
    "$LIST" -l h.rpt > out 2>&1
    raw_free out
    grep -qF 'Title \x1b]0;pwned\x07 \u009b2J' out
    "$LIST" --info h.rpt > info 2>&1
    raw_free info
}

@test "--json stays exact: the same strings, JSON-escaped, no visible-escape text" {
    mk_hostile
    "$LIST" --json h.rpt > out.json
    python3 - "$ESC" "$RLO" <<'PY'
import json, sys
esc, rlo = sys.argv[1], sys.argv[2]
recs = [json.loads(l) for l in open("out.json")]
flat = recs if isinstance(recs[0], dict) and "name" in recs[0] else recs[0]
titles = {r["title"] for r in flat if "title" in r}
assert any(esc in t for t in titles), titles
assert any(rlo in r.get("source", "") for r in flat)
PY
}

@test "names from the command line are escaped in every tool's messages" {
    mk_hostile
    run "$EXTRACT" -p k.pub -C out h.rpt "no$ESC$CSI$RLO"
    [ "$status" -ne 0 ]
    printf '%s' "$output" > o1; raw_free o1
    [[ "$output" == *'\x1b]0;pwned\x07'* ]]
    "$LIST" h.rpt "x$ESC" > o2 2>&1 || true
    raw_free o2
    cp h.rpt "evil$ESC.rpt"
    "$VERIFY" -p k.pub "evil$ESC.rpt" > o3 2>&1
    raw_free o3
    [[ "$(cat o3)" == *'evil\x1b]0;pwned\x07.rpt'* ]]
    run "$PACK" -s k.sec -o "x.rpt" "missing$RLO"
    printf '%s' "$output" > o4; raw_free o4
}

@test "invalid UTF-8 in an archive path shows as \\x escapes" {
    mk_hostile
    cp h.rpt $'bad\xff\xfe.rpt'
    "$VERIFY" -q $'bad\xff\xfe.rpt' > o 2>&1 || true
    truncate -s 100 $'bad\xff\xfe.rpt'
    "$VERIFY" -p k.pub $'bad\xff\xfe.rpt' > o 2>&1 || true
    raw_free o
    grep -qF 'bad\xff\xfe.rpt' o
}

@test "a backslash reads as \\\\, so an escape in a message is never ambiguous" {
    mkdir -p c
    printf 'x\n' > "c/back\\x1b$ESC.txt"
    run "$PACK" -s k.sec -o c.rpt c
    [ "$status" -eq 2 ]
    printf '%s' "$output" > o; raw_free o
    [[ "$output" == *'c/back\\x1b\x1b]0;pwned\x07.txt'* ]]
}

@test "a message escapes a path once: a backslash is \\\\, not \\\\\\\\ (rpt-extract --tar, scratch files)" {
    "$PACK" -q -s k.sec -o a.rpt b
    touch 'x\y.tar'
    run "$EXTRACT" -q -p k.pub --tar 'x\y.tar' a.rpt
    [ "$status" -eq 2 ]
    [[ "$output" == *"'x\\\\y.tar' exists"* ]]
    [[ "$output" != *'x\\\\y'* ]]
    run sh -c "TMPDIR='/nonexistent\\dir' \"$EXTRACT\" -p k.pub -O - < a.rpt > all.out"
    [ "$status" -eq 2 ]
    [[ "$output" == *"'/nonexistent\\\\dir'"* ]]
    [[ "$output" != *'\\\\dir'* ]]
}
