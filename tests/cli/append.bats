#!/usr/bin/env bats
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
