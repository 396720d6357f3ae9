#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# rpt-list: short, long, JSON and --info forms; names; damaged archives.

load helper

setup() {
    common_setup
    "$PACK" -q -s k.sec -o a.rpt --source "Press office" --meta lang=en b
}

@test "list: short form gives size, issued date and name" {
    run "$LIST" a.rpt
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 3 ]
    [[ "${lines[1]}" =~ ^\ +[0-9]+\ +2024-05-01T09:00:00Z\ +b/narcotics.txt$ ]]
}

@test "list -l: a header, then one line a record: issued date, size, key id, name, title" {
    id=$(sed -n 's/.*key //p' k.pub | head -1)
    run "$LIST" -l a.rpt
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 4 ]
    [[ "${lines[0]}" =~ ^ISSUED\ +SIZE\ +KEY\ ID\ +NAME\ +TITLE$ ]]
    [[ "${lines[3]}" =~ ^2024-05-02\ +130\ +$id\ +b/weather.txt\ +Weather\ warning:\ strong\ winds\ on\ the\ northern\ coast$ ]]
    # the columns line up: every title starts where the header's TITLE does
    col=$(awk '{print index($0, "TITLE"); exit}' <<< "$output")
    for i in 1 2 3; do [ "${lines[$i]:$((col - 3)):2}" = "  " ]; done
    # the README's example: grep finds the record, not only its title
    run sh -c "'$LIST' -l a.rpt | grep -i narcotics"
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == 2024-05-01*b/narcotics.txt*"41 arrests"* ]]
}

@test "list --json has every required field" {
    run "$LIST" --json a.rpt
    [ "$status" -eq 0 ]
    echo "$output" | python3 -c '
import json, sys, re
for l in sys.stdin:
    o = json.loads(l)
    for k in ("name","size","stored","offset","issued","title","source","media_type","meta","key_id","digest"):
        assert k in o, k
    assert re.fullmatch(r"[0-9A-F]{16}", o["key_id"])
    assert re.fullmatch(r"[0-9a-f]{64}", o["digest"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", o["issued"])
    assert o["meta"] == {"lang": "en"} and o["source"] == "Press office"
    assert o["size"] > 0 and o["stored"] > 0 and o["offset"] >= 8'
}

@test "list NAME... restricts; every missing name is reported, exit 2" {
    run "$LIST" a.rpt b/weather.txt
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 1 ]
    run "$LIST" a.rpt b/weather.txt nope1 nope2
    [ "$status" -eq 2 ]
    [[ "$output" == *"'nope1'"* ]]
    [[ "$output" == *"'nope2'"* ]]
}

@test "list --info shows id, created, version, keys, dictionaries, generations, totals" {
    SOURCE_DATE_EPOCH=1714521600 "$PACK" -q -s k.sec -o r.rpt b
    "$PACK" -q -s k.sec -o r.rpt --append --stdin-name extra.txt <<< extra
    run "$LIST" --info r.rpt
    [ "$status" -eq 0 ]
    [[ "$output" =~ archive\ id:\ +[0-9a-f]{32} ]]
    [[ "$output" == *"created:      2024-05-01T00:00:00Z"* ]]
    [[ "$output" == *"format:       rpt 1.0"* ]]
    [[ "$output" == *"keys:         1"* ]]
    [[ "$output" == *"dictionaries: 0"* ]]
    [[ "$output" == *"generations:  2"* ]]
    [[ "$output" == *"records:      4"* ]]
    [[ "$output" == *"incomplete tail: 0 bytes"* ]]
    run "$LIST" --info --json r.rpt
    [ "$status" -eq 0 ]
    echo "$output" | python3 -c '
import json, sys
o = json.loads(sys.stdin.read())
assert o["records"] == 4 and len(o["generations"]) == 2 and o["version"] == "1.0", o'
    run "$LIST" --info r.rpt extra.txt
    [ "$status" -eq 2 ]
}

@test "list: truncated archive exits 3, not an archive exits 3, missing file 2" {
    cp a.rpt t.rpt; cut_tail t.rpt 5
    run "$LIST" t.rpt
    [ "$status" -eq 3 ]
    echo nonsense > n.rpt
    run "$LIST" n.rpt
    [ "$status" -eq 3 ]
    run "$LIST" none.rpt
    [ "$status" -eq 2 ]
    run "$LIST"
    [ "$status" -eq 2 ]
}

@test "list -l on a record with a broken CRC reports it and exits 3" {
    "$PACK" -q -f -0 -s k.sec -o a.rpt b
    flip a.rpt "212 kg"
    run "$LIST" a.rpt
    [ "$status" -eq 0 ]
    run "$LIST" -l a.rpt
    [ "$status" -eq 3 ]
    [[ "$output" == *"b/weather.txt"* ]]
}

@test "list refuses an index its seal does not vouch for, and -l a forged record" {
    cp a.rpt forged-title.rpt
    tamper forged-title.rpt "41 arrests"
    run "$LIST" -l forged-title.rpt
    [ "$status" -eq 1 ]
    [[ "$output" == *"index entry's digest does not match the record"* ]]
    # the short form reads no record: it still lists (the index is sealed)
    run "$LIST" forged-title.rpt
    [ "$status" -eq 0 ]
    # a forged index entry: its block no longer matches the digest the
    # sealed index header lists, so it is refused, not shown
    cp a.rpt forged-index.rpt
    tamper forged-index.rpt b/weather.txt last # the last copy is in the INDX
    run "$LIST" forged-index.rpt
    [ "$status" -eq 1 ]
    [[ "$output" == *"index"*"altered"* ]]
    [[ "$output" != *"weather"* ]]
}
