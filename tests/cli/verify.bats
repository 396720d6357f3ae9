#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# rpt-verify: every exit status, keys from files and base64, pipes, JSON.

load helper

setup() {
    common_setup
    "$PACK" -q -0 -s k.sec -o a.rpt b
}

@test "verify: good archive with -p exits 0 and prints a summary" {
    run "$VERIFY" -p k.pub a.rpt
    [ "$status" -eq 0 ]
    [[ "$output" == *"3 records checked: 3 ok, 0 damaged, 0 tampered, 0 untrusted; 1 seal"* ]]
}

@test "verify: -P BASE64 trusts like -p" {
    run "$VERIFY" -P "$(sed -n 2p k.pub)" a.rpt
    [ "$status" -eq 0 ]
    run "$VERIFY" -P not-a-key a.rpt
    [ "$status" -eq 2 ]
}

@test "verify: without a key it says so plainly and exits 4" {
    run "$VERIFY" a.rpt
    [ "$status" -eq 4 ]
    [[ "$output" == *"no key was trusted"* ]]
    [[ "$output" == *"3 ok"* ]]
}

@test "verify: a wrong -p key exits 4, naming the signer" {
    "$KEYGEN" -q -W -p other.pub -s other.sec
    run "$VERIFY" -p other.pub a.rpt
    [ "$status" -eq 4 ]
    [[ "$output" == *"3 untrusted"* ]]
    [[ "$output" == *"$(sed -n 's/.*key //p' k.pub | head -1)"* ]]
    run "$VERIFY" -p other.pub -p k.pub a.rpt
    [ "$status" -eq 0 ]
}

@test "verify: a flipped payload byte with intact framing is tampering: exit 1" {
    tamper a.rpt "212 kg"
    run "$VERIFY" -p k.pub a.rpt
    [ "$status" -eq 1 ]
    [[ "$output" == *"record "*"'b/narcotics.txt' at offset "*"tampered"* ]]
    [[ "$output" == *"1 tampered"* ]]
}

@test "verify: a flipped byte that breaks a CRC is damage: exit 3" {
    flip a.rpt "212 kg"
    run "$VERIFY" -p k.pub a.rpt
    [ "$status" -eq 3 ]
    [[ "$output" == *"damaged"* ]]
}

@test "verify: a truncated archive exits 3, from a file and from a pipe" {
    cut_tail a.rpt 10
    run "$VERIFY" -p k.pub a.rpt
    [ "$status" -eq 3 ]
    run sh -c "\"$VERIFY\" -p k.pub - < a.rpt"
    [ "$status" -eq 3 ]
    head -c 100 a.rpt > short.rpt
    run "$VERIFY" -p k.pub short.rpt
    [ "$status" -eq 3 ]
}

@test "verify: an incomplete tail after an earlier generation exits 3" {
    "$PACK" -q -s k.sec -o a.rpt --append --stdin-name late.txt <<< "late bulletin"
    printf 'RECDpartial' >> a.rpt
    run "$VERIFY" -p k.pub a.rpt
    [ "$status" -eq 3 ]
    [[ "$output" == *"after the last trailer"* ]]
}

@test "verify: pipes in one pass, tampered pipe exits 1" {
    run sh -c "\"$PACK\" -q -s k.sec -o - b | \"$VERIFY\" -p k.pub -"
    [ "$status" -eq 0 ]
    [[ "$output" == *"(stdin): 3 records checked"* ]]
    tamper a.rpt "212 kg"
    run sh -c "\"$VERIFY\" -p k.pub - < a.rpt"
    [ "$status" -eq 1 ]
}

@test "verify: --json prints one object per record and a summary" {
    run "$VERIFY" --json -p k.pub a.rpt
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 4 ]
    echo "$output" | python3 -c '
import json, sys
objs = [json.loads(l) for l in sys.stdin]
assert [o["name"] for o in objs[:3]] == ["b/court/notice-17.txt", "b/narcotics.txt", "b/weather.txt"]
assert all(o["status"] == "ok" for o in objs[:3])
s = objs[-1]
assert s["summary"] and s["records"] == 3 and s["ok"] == 3 and s["exit"] == 0, s'
    tamper a.rpt "212 kg"
    run "$VERIFY" --json -p k.pub a.rpt
    [ "$status" -eq 1 ]
    echo "$output" | grep '"name":"b/narcotics.txt"' | grep -q '"status":"tampered"'
}

@test "verify: -q prints nothing when all is well" {
    run "$VERIFY" -q -p k.pub a.rpt
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

@test "verify: usage and I/O errors exit 2" {
    run "$VERIFY"
    [ "$status" -eq 2 ]
    run "$VERIFY" -p k.pub - -
    [ "$status" -eq 2 ]
    run "$VERIFY" -p k.pub no-such.rpt
    [ "$status" -eq 2 ]
    run "$VERIFY" -p no-such.pub a.rpt
    [ "$status" -eq 2 ]
    run "$VERIFY" -p k.sec a.rpt
    [ "$status" -eq 2 ]
}

@test "verify: not an archive at all exits 3" {
    echo "just text" > x.rpt
    run "$VERIFY" -p k.pub x.rpt
    [ "$status" -eq 3 ]
}
