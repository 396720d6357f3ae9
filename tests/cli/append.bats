#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# rpt-pack --append: it never destroys a sealed generation, it builds only
# on seals by keys it trusts, and --dict none means no dictionary.

load helper

setup() {
    common_setup
    "$PACK" -q -s k.sec -o a.rpt b/weather.txt
    "$PACK" -q -s k.sec -o a.rpt --append b/narcotics.txt
}

@test "append refuses to cut a tail that holds a sealed generation (damaged newest trailer)" {
    tamper a.rpt TRLR last
    before=$(sha256sum < a.rpt)
    run "$PACK" -s k.sec -o a.rpt --append b/court/notice-17.txt
    [ "$status" -eq 3 ]
    [[ "$output" == *"seal of generation 2"*"Nothing was cut"* ]]
    [ "$(sha256sum < a.rpt)" = "$before" ]
    # the same with the trailer's CRC left wrong
    "$PACK" -q -s k.sec -o c.rpt b/weather.txt
    "$PACK" -q -s k.sec -o c.rpt --append b/narcotics.txt
    python3 -c "
import sys; d = bytearray(open('c.rpt','rb').read()); d[-20] ^= 1; open('c.rpt','wb').write(d)"
    before=$(sha256sum < c.rpt)
    run "$PACK" -s k.sec -o c.rpt --append b/court/notice-17.txt
    [ "$status" -eq 3 ]
    [ "$(sha256sum < c.rpt)" = "$before" ]
}

@test "append still cuts an unfinished append that holds no seal" {
    size1=$(stat -c %s a.rpt)
    "$PACK" -q -s k.sec -o a.rpt --append b/court/notice-17.txt
    # cut the third generation inside its records: no seal was written
    truncate -s $((size1 + 60)) a.rpt
    run "$PACK" -s k.sec -o a.rpt --append b/court/notice-17.txt
    [ "$status" -eq 0 ]
    "$VERIFY" -q -p k.pub a.rpt
    [ "$("$LIST" a.rpt | wc -l)" -eq 3 ]
}

@test "append builds only on seals by its own key or a key given with -p/-P" {
    "$KEYGEN" -q -W -p other.pub -s other.sec
    before=$(sha256sum < a.rpt)
    run "$PACK" -s other.sec -o a.rpt --append b/court/notice-17.txt
    [ "$status" -eq 4 ]
    [[ "$output" == *"not trusted"*"-p"* ]]
    [ "$(sha256sum < a.rpt)" = "$before" ]
    run "$PACK" -s other.sec -p k.pub -o a.rpt --append b/court/notice-17.txt
    [ "$status" -eq 0 ]
    # generation 3 is other's now: k must be told, here as base64
    mkdir more && echo x > more/x.txt
    run "$PACK" -s k.sec -o a.rpt --append more/x.txt
    [ "$status" -eq 4 ]
    run "$PACK" -s k.sec -P "$(tail -n 1 other.pub)" -o a.rpt --append more/x.txt
    [ "$status" -eq 0 ]
    "$VERIFY" -q -p k.pub -p other.pub a.rpt
}

@test "append -p is refused without --append" {
    run "$PACK" -s k.sec -p k.pub -o new.rpt b
    [ "$status" -eq 2 ]
    [[ "$output" == *"--append"* ]]
}

@test "append --dict none compresses the new records without the archive's dictionaries" {
    cat b/narcotics.txt b/weather.txt > dict.bin
    "$PACK" -q -s k.sec -o d.rpt --dict dict.bin b/narcotics.txt
    cp b/weather.txt again.txt
    "$PACK" -q -s k.sec -o d.rpt --append --dict none again.txt
    run "$LIST" -l --json d.rpt again.txt
    [ "$status" -eq 0 ]
    [[ "$output" == *'"method":1'* || "$output" == *'"method":0'* ]]
    # without --dict none an append may use them
    cp b/weather.txt third.txt
    "$PACK" -q -s k.sec -o d.rpt --append third.txt
    run "$LIST" -l --json d.rpt third.txt
    [[ "$output" == *'"method":2'* ]]
}

@test "a second appender gets exit 5 at once, or waits with --wait" {
    "$PACK" -q -f -s k.sec -o a.rpt b
    echo one > one.txt
    echo two > two.txt
    flock -x a.rpt sleep 3 &
    holder=$!
    sleep 0.3
    run "$PACK" -q -s k.sec -o a.rpt --append one.txt
    [ "$status" -eq 5 ]
    [[ "$output" == *"being appended to by another process"* ]]
    run "$PACK" -q -s k.sec -o a.rpt --append --wait=1 one.txt
    [ "$status" -eq 5 ]
    [[ "$output" == *"waited too long"* ]]
    "$PACK" -q -s k.sec -o a.rpt --append --wait=20 one.txt # the holder lets go after 3 s
    wait "$holder"
    "$PACK" -q -s k.sec -o a.rpt --append --wait two.txt
    run "$LIST" a.rpt
    [[ "$output" == *one.txt* && "$output" == *two.txt* ]]
    run "$PACK" -q -s k.sec -o c.rpt --wait b
    [ "$status" -eq 2 ]
    [[ "$output" == *"--wait is for --append"* ]]
}

@test "readers during an append see the newest complete generation and say an append is under way" {
    "$PACK" -q -f -s k.sec -o a.rpt b
    cp a.rpt sealed.rpt
    # what an appender has written so far: a record's first bytes
    head -c 60 a.rpt | tail -c 44 >> a.rpt
    flock -x a.rpt sleep 4 &
    holder=$!
    sleep 0.3
    run "$VERIFY" -p k.pub a.rpt
    [ "$status" -eq 0 ]
    [[ "$output" == *"another process is appending to it; checked as of generation 1"* ]]
    [[ "$output" == *"3 records checked: 3 ok"* ]]
    run "$LIST" a.rpt
    [ "$status" -eq 0 ]
    [[ "$output" == *"another process is appending"* && "$output" == *narcotics.txt* ]]
    run "$EXTRACT" -q -p k.pub -C out a.rpt
    [ "$status" -eq 0 ]
    cmp b/weather.txt out/b/weather.txt
    wait "$holder"
    # the same bytes with no appender holding the lock are a damaged tail
    run "$VERIFY" -p k.pub a.rpt
    [ "$status" -eq 3 ]
    run "$LIST" a.rpt
    [ "$status" -eq 3 ]
}

@test "rpt-verify during a real, slow append exits 0" {
    "$PACK" -q -f -s k.sec -o a.rpt b
    mkdir -p big
    for i in $(seq 1 16); do head -c 3000000 /dev/urandom | base64 > "big/f$i.txt"; done
    "$PACK" -q -j1 -9 -s k.sec -o a.rpt --append big &
    appender=$!
    sleep 0.5
    run "$VERIFY" -p k.pub a.rpt
    wait "$appender"
    [ "$status" -eq 0 ]
    "$VERIFY" -q -p k.pub a.rpt
}
