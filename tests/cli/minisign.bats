#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Interop with the real minisign: its keys sign rpt archives, and rpt's
# keys sign and verify files with minisign.

load helper

setup() {
    common_setup
    command -v minisign >/dev/null || skip "minisign is not installed"
}

@test "a minisign -G -W pair packs and verifies with rpt" {
    minisign -G -W -p m.pub -s m.sec > /dev/null
    run "$PACK" -q -s m.sec -o a.rpt b
    [ "$status" -eq 0 ]
    run "$VERIFY" -p m.pub a.rpt
    [ "$status" -eq 0 ]
    run "$VERIFY" -P "$(sed -n 2p m.pub)" a.rpt
    [ "$status" -eq 0 ]
    "$EXTRACT" -q -p m.pub -C out a.rpt
    diff -r b out/b
    # minisign 0.11 prints the key number without leading zeros; rpt
    # always shows 16 digits
    id=$(printf '%016X' "0x$(sed -n 's/.*minisign public key //p' m.pub)")
    "$LIST" --json a.rpt | grep -q "\"key_id\":\"$id\""
}

@test "an encrypted minisign key packs with --passphrase-file" {
    printf 'pw\npw\n' | minisign -G -p m.pub -s m.sec > /dev/null 2>&1
    printf 'pw\n' > pass
    run "$PACK" -q -s m.sec --passphrase-file pass -o a.rpt b
    [ "$status" -eq 0 ]
    "$VERIFY" -q -p m.pub a.rpt
}

@test "an rpt-keygen -W pair signs and verifies with minisign" {
    "$KEYGEN" -q -W -p r.pub -s r.sec
    echo "Notice of public consultation" > notice.txt
    minisign -S -s r.sec -m notice.txt > /dev/null
    run minisign -V -p r.pub -m notice.txt
    [ "$status" -eq 0 ]
    echo tampered >> notice.txt
    run minisign -V -p r.pub -m notice.txt
    [ "$status" -ne 0 ]
}

@test "an encrypted rpt-keygen key signs with minisign" {
    printf 'hunter2\n' > pass
    "$KEYGEN" -q --passphrase-file pass -p r.pub -s r.sec
    echo "Road closure" > notice.txt
    echo hunter2 | minisign -S -s r.sec -m notice.txt > /dev/null 2>&1
    run minisign -V -p r.pub -m notice.txt
    [ "$status" -eq 0 ]
}

@test "a minisign key is untrusted for an archive signed by an rpt key: exit 4" {
    minisign -G -W -p m.pub -s m.sec > /dev/null
    "$PACK" -q -s k.sec -o a.rpt b
    run "$VERIFY" -p m.pub a.rpt
    [ "$status" -eq 4 ]
}
