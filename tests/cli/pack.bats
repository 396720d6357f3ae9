#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# rpt-pack: inputs, names, metadata, compression, threads, pipes, append.

load helper

setup() { common_setup; }

names() { "$LIST" "$1" | awk '{print $3}'; }

@test "pack a directory: sorted walk, normalised names, summary" {
    run "$PACK" -s k.sec -o a.rpt ./b//
    [ "$status" -eq 0 ]
    [[ "$output" == *"3 records"*"in,"*"archive ("*"%)"* ]]
    run names a.rpt
    [ "$output" = "$(printf 'b/court/notice-17.txt\nb/narcotics.txt\nb/weather.txt')" ]
    run "$VERIFY" -q -p k.pub a.rpt
    [ "$status" -eq 0 ]
}

@test "pack walks in byte order, not the locale's" {
    mkdir o; for n in B a _c Z; do echo "$n" > "o/$n"; done
    LC_ALL=en_US.UTF-8 "$PACK" -q -s k.sec -o a.rpt o
    run names a.rpt
    [ "$output" = "$(printf 'o/B\no/Z\no/_c\no/a')" ]
}

@test "pack refuses '..' and a leading '/' and writes nothing" {
    mkdir -p sub; echo x > sub/x
    run "$PACK" -s k.sec -o a.rpt ../"$(basename "$T")"/b
    [ "$status" -eq 2 ]
    [[ "$output" == *"'..'"* ]]
    [ ! -e a.rpt ]
    run "$PACK" -s k.sec -o a.rpt "$T/b/weather.txt"
    [ "$status" -eq 2 ]
    [[ "$output" == *"leading '/'"* ]]
    [ ! -e a.rpt ]
    run "$PACK" -s k.sec -o a.rpt --stdin-name ../evil < /dev/null
    [ "$status" -eq 2 ]
    run "$PACK" -s k.sec -o a.rpt --stdin-name /etc/evil < /dev/null
    [ "$status" -eq 2 ]
    [ ! -e a.rpt ]
}

@test "pack: two inputs with one name are an error naming both" {
    run "$PACK" -s k.sec -o a.rpt b/weather.txt ./b/weather.txt
    [ "$status" -eq 2 ]
    [[ "$output" == *"'b/weather.txt' and './b/weather.txt'"* || "$output" == *"'./b/weather.txt' and 'b/weather.txt'"* ]]
    [ ! -e a.rpt ]
}

@test "pack refuses an existing archive without -f, replaces it with -f" {
    "$PACK" -q -s k.sec -o a.rpt b/weather.txt
    before=$(sha256sum < a.rpt)
    run "$PACK" -s k.sec -o a.rpt b
    [ "$status" -eq 2 ]
    [[ "$output" == *"exists"* ]]
    [ "$(sha256sum < a.rpt)" = "$before" ]
    run "$PACK" -q -f -s k.sec -o a.rpt b
    [ "$status" -eq 0 ]
    [ "$("$LIST" a.rpt | wc -l)" -eq 3 ]
}

@test "pack skips symlinks with a note unless --follow" {
    ln -s narcotics.txt b/link.txt
    run "$PACK" -s k.sec -o a.rpt b
    [ "$status" -eq 0 ]
    [[ "$output" == *"skipping symbolic link 'b/link.txt'"* ]]
    run names a.rpt
    [[ "$output" != *link* ]]
    run "$PACK" -q --follow -s k.sec -o c.rpt b
    [ "$status" -eq 0 ]
    names c.rpt | grep -qx b/link.txt
}

@test "pack --follow survives a symlink loop" {
    ln -s .. b/court/up
    run "$PACK" -q --follow -s k.sec -o a.rpt b
    [ "$status" -eq 0 ]
}

@test "pack -T FILE and -T - read more paths" {
    printf 'b/weather.txt\n\nb/court\n' > list
    run "$PACK" -q -s k.sec -o a.rpt -T list
    [ "$status" -eq 0 ]
    [ "$(names a.rpt)" = "$(printf 'b/weather.txt\nb/court/notice-17.txt')" ]
    echo b/narcotics.txt | "$PACK" -q -s k.sec -o c.rpt -T - b/weather.txt
    [ "$(names c.rpt)" = "$(printf 'b/weather.txt\nb/narcotics.txt')" ]
    run "$PACK" -s k.sec -o d.rpt -T missing-list
    [ "$status" -eq 2 ]
}

@test "pack --stdin-name packs standard input as one record" {
    printf 'Port closure notice\nThe port closes at noon.\n' |
        "$PACK" -q -s k.sec -o a.rpt --stdin-name notices/port.txt --issued 2024-05-04T08:00:00Z
    run "$LIST" --json a.rpt
    [[ "$output" == *'"name":"notices/port.txt"'* ]]
    [[ "$output" == *'"issued":"2024-05-04T08:00:00Z"'* ]]
    [[ "$output" == *'"title":"Port closure notice"'* ]]
    run "$PACK" -s k.sec -o c.rpt --stdin-name x -T - < /dev/null
    [ "$status" -eq 2 ]
}

@test "pack metadata: issued from mtime, --issued forms, title rules, source, media type, meta" {
    "$PACK" -q -s k.sec -o a.rpt b
    run "$LIST" --json a.rpt b/weather.txt
    [[ "$output" == *'"issued":"2024-05-02T10:30:00Z"'* ]]
    [[ "$output" == *'"title":"Weather warning: strong winds on the northern coast"'* ]]
    [[ "$output" == *'"media_type":"text/plain; charset=utf-8"'* ]]
    [[ "$output" == *'"meta":{}'* ]]
    for t in 2024-05-01 "2024-05-01 00:00" 2024-05-01T02:00+02:00 2024-04-30T22:00:00-0200 @1714521600 2024-05-01T00:00:00.5Z; do
        "$PACK" -q -f -s k.sec -o c.rpt --issued "$t" b/weather.txt
        run "$LIST" --json c.rpt
        [[ "$output" == *'"issued":"2024-05-01T00:00:00Z"'* ]] || { echo "$t: $output"; false; }
    done
    "$PACK" -q -f -s k.sec -o c.rpt --title "Given title" --source "Ministry of Interior" \
        --media-type text/markdown --meta lang=en --meta "ref=MOI/2024/117" b/weather.txt
    run "$LIST" --json c.rpt
    [[ "$output" == *'"title":"Given title","source":"Ministry of Interior","media_type":"text/markdown","meta":{"lang":"en","ref":"MOI/2024/117"}'* ]]
    "$PACK" -q -f -s k.sec -o c.rpt --no-title b/weather.txt
    run "$LIST" --json c.rpt
    [[ "$output" == *'"title":""'* ]]
}

@test "pack title: at most 200 bytes, cut at a UTF-8 boundary; binary gets none" {
    python3 -c 'import sys; sys.stdout.write("é" * 150 + "\nbody\n")' > long.txt
    printf '\x00\x01\x02binary\xff' > blob.bin
    "$PACK" -q -s k.sec -o a.rpt long.txt blob.bin
    run "$LIST" --json a.rpt long.txt
    title=$(echo "$output" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["title"])')
    [ "$(printf %s "$title" | wc -c)" -eq 200 ]
    run "$LIST" --json a.rpt blob.bin
    [[ "$output" == *'"title":""'* ]]
    [[ "$output" == *'"media_type":"application/octet-stream"'* ]]
}

@test "pack bad metadata and options exit 2" {
    run "$PACK" -s k.sec -o a.rpt --issued yesterday b
    [ "$status" -eq 2 ]
    run "$PACK" -s k.sec -o a.rpt --issued 2024-02-30 b
    [ "$status" -eq 2 ]
    run "$PACK" -s k.sec -o a.rpt --meta novalue b
    [ "$status" -eq 2 ]
    run "$PACK" -s k.sec -o a.rpt --meta =v b
    [ "$status" -eq 2 ]
    run "$PACK" -s k.sec -o a.rpt --meta a=1 --meta a=2 b
    [ "$status" -eq 2 ]
    run "$PACK" -s k.sec -o a.rpt --title x --no-title b
    [ "$status" -eq 2 ]
    run "$PACK" -s k.sec -o a.rpt -j lots b
    [ "$status" -eq 2 ]
    run "$PACK" -o a.rpt b
    [ "$status" -eq 2 ]
    run "$PACK" -s k.sec b
    [ "$status" -eq 2 ]
    run "$PACK" -s k.sec -o a.rpt
    [ "$status" -eq 2 ]
    run "$PACK" -s k.sec -o a.rpt no-such-file
    [ "$status" -eq 2 ]
    run "$PACK" -s no-such.sec -o a.rpt b
    [ "$status" -eq 2 ]
    run "$PACK" -s k.pub -o a.rpt b
    [ "$status" -eq 2 ]
    run "$PACK" -s k.sec -o - --append b
    [ "$status" -eq 2 ]
    run "$PACK" -s k.sec -o a.rpt --dict no-such-dict b
    [ "$status" -eq 2 ]
    SOURCE_DATE_EPOCH=soon run "$PACK" -s k.sec -o a.rpt b
    [ "$status" -eq 2 ]
    [ ! -e a.rpt ]
}

@test "pack: empty directory or only specials is 'nothing to pack'" {
    mkdir empty; mkfifo empty/fifo
    run "$PACK" -s k.sec -o a.rpt empty
    [ "$status" -eq 2 ]
    [[ "$output" == *"not a regular file"* ]]
    [[ "$output" == *"nothing to pack"* ]]
}

@test "pack levels -0 and -9 and --dict none|FILE|auto all verify and round-trip" {
    mkdir many
    for i in $(seq 1 40); do
        { echo "Bulletin $i of the Ministry of Agriculture"; for j in $(seq 1 60); do
            echo "Line $j: grain prices in region $((i % 7)) were stable this week, said the office."; done; } > many/$i.txt
    done
    "$PACK" -q -0 -s k.sec -o l0.rpt many
    "$PACK" -q -9 --dict none -s k.sec -o l9.rpt many
    "$PACK" -q -s k.sec -o auto.rpt many
    head -c 20000 many/1.txt > dict.bin
    "$PACK" -q --dict dict.bin -s k.sec -o file.rpt many
    for a in l0 l9 auto file; do "$VERIFY" -q -p k.pub $a.rpt; done
    [ "$(stat -c %s l9.rpt)" -lt "$(stat -c %s l0.rpt)" ]
    "$LIST" --info auto.rpt | grep -q '^dictionaries: 1'
    "$LIST" --info file.rpt | grep -q '^dictionaries: 1'
    "$LIST" --info l9.rpt | grep -q '^dictionaries: 0'
    "$LIST" --json auto.rpt | grep -q '"method":2'
    "$EXTRACT" -q -p k.pub -C out auto.rpt
    diff -r many out/many
}

@test "pack is byte-identical for -j1, -j2, -j8 with SOURCE_DATE_EPOCH" {
    mkdir many
    for i in $(seq 1 30); do seq 1 $((i * 50)) | sed "s/^/bulletin $i line /" > many/$i.txt; done
    export SOURCE_DATE_EPOCH=1714521600
    "$PACK" -q -j1 -s k.sec -o j1.rpt many
    "$PACK" -q -j2 -s k.sec -o j2.rpt many
    "$PACK" -q --threads 8 -s k.sec -o j8.rpt many
    "$PACK" -q -s k.sec -o - many > jdef.rpt
    cmp j1.rpt j2.rpt
    cmp j1.rpt j8.rpt
    cmp j1.rpt jdef.rpt
    "$LIST" --info j1.rpt | grep -q 'created:      2024-05-01T00:00:00Z'
}

@test "pack without SOURCE_DATE_EPOCH makes a fresh archive id each time" {
    "$PACK" -q -s k.sec -o a.rpt b
    "$PACK" -q -s k.sec -o c.rpt b
    [ "$("$LIST" --info --json a.rpt | cut -c1-50)" != "$("$LIST" --info --json c.rpt | cut -c1-50)" ]
}

@test "pack -o - writes to a pipe; verify - and extract - read one" {
    "$PACK" -q -s k.sec -o - b | "$VERIFY" -q -p k.pub -
    "$PACK" -q -s k.sec -o - b | "$EXTRACT" -q -p k.pub -C out -
    diff -r b out/b
}

@test "pack -o - refuses a terminal" {
    run script -qec "$PACK -s k.sec -o - b" /dev/null
    [ "$status" -eq 2 ]
    [[ "$output" == *"terminal"* ]]
}

@test "pack --append adds a sealed generation; duplicates refused; bad archive refused" {
    "$PACK" -q -s k.sec -o a.rpt b/weather.txt
    run "$PACK" -s k.sec -o a.rpt --append b/narcotics.txt
    [ "$status" -eq 0 ]
    [[ "$output" == *"appended 1 record"* ]]
    "$VERIFY" -q -p k.pub a.rpt
    "$LIST" --info a.rpt | grep -q '^generations:  2'
    [ "$("$LIST" a.rpt | wc -l)" -eq 2 ]
    before=$(sha256sum < a.rpt)
    run "$PACK" -s k.sec -o a.rpt --append b/weather.txt
    [ "$status" -eq 2 ]
    [[ "$output" == *"already in"* ]]
    [ "$(sha256sum < a.rpt)" = "$before" ]
    run "$PACK" -s k.sec -o missing.rpt --append b/weather.txt
    [ "$status" -eq 2 ]
    echo garbage > bad.rpt
    run "$PACK" -s k.sec -o bad.rpt --append b/weather.txt
    [ "$status" -eq 3 ]
}

@test "pack -v names each record" {
    run "$PACK" -v -s k.sec -o a.rpt b
    [ "$status" -eq 0 ]
    [[ "$output" == *"b/narcotics.txt"* ]]
}

@test "pack -q prints nothing" {
    ln -s narcotics.txt b/link.txt
    run "$PACK" -q -s k.sec -o a.rpt b
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

@test "pack refuses a file over the record limit before writing" {
    truncate -s $((64 * 1024 * 1024 + 1)) big.bin
    run "$PACK" -s k.sec -o a.rpt big.bin b
    [ "$status" -eq 2 ]
    [[ "$output" == *"at most"* ]]
    [ ! -e a.rpt ]
}

@test "pack: a '..' or absolute operand is one error that points to -C" {
    mkdir -p in/texts
    for i in 1 2 3 4 5; do echo "text $i" > "in/texts/t$i.txt"; done
    mkdir work && cd work
    run "$PACK" -s ../k.sec -o a.rpt ../in/texts
    [ "$status" -eq 2 ]
    [ "$(grep -c "'\.\.'" <<< "$output")" -eq 1 ]
    [[ "$output" == *"-C ../in texts"* ]]
    [ ! -e a.rpt ]
    run "$PACK" -s ../k.sec -o a.rpt "$T/in/texts"
    [ "$status" -eq 2 ]
    [ "$(grep -c "leading '/'" <<< "$output")" -eq 1 ]
    [[ "$output" == *"-C $T/in texts"* ]]
    # the way out: -C, as in tar; -o and -s stay relative to here
    run "$PACK" -q -s ../k.sec -o a.rpt -C ../in texts
    [ "$status" -eq 0 ]
    [ "$("$LIST" a.rpt | awk '{print $3}' | tr '\n' ' ')" = "texts/t1.txt texts/t2.txt texts/t3.txt texts/t4.txt texts/t5.txt " ]
    run "$PACK" -q -s ../k.sec -o b.rpt -C ../nowhere texts
    [ "$status" -eq 2 ]
    [[ "$output" == *"nowhere"* ]]
}

@test "pack keeps a long list of inputs in a scratch file: every input packed, duplicates still found" {
    # 20,000 inputs are more than the 1 MiB rpt-pack keeps in memory, so the
    # list spills to an unnamed file beside the archive (tests/unit/test_inlist.c
    # checks where); a duplicate far down the list must still be caught
    mkdir -p many/d out
    (cd many/d && seq -f 'bulletin-%05g.txt' 1 20000 | xargs touch)
    echo one > many/d/bulletin-20000.txt
    seq -f 'many/d/bulletin-%05g.txt' 1 20000 > list.txt
    run "$PACK" -q -s k.sec -o out/a.rpt -T list.txt many/d/bulletin-19999.txt
    [ "$status" -eq 2 ]
    [[ "$output" == *"'many/d/bulletin-19999.txt' and 'many/d/bulletin-19999.txt' would both be stored as 'many/d/bulletin-19999.txt'"* ]]
    [ ! -e out/a.rpt ]
    [ -z "$(ls -A out)" ]
    run "$PACK" -q -s k.sec -o out/a.rpt -T list.txt
    [ "$status" -eq 0 ]
    [ "$(ls -A out)" = a.rpt ]
    run "$LIST" out/a.rpt
    [ "${#lines[@]}" -eq 20000 ]
    [[ "${lines[0]}" == *"many/d/bulletin-00001.txt"* ]]
    [[ "${lines[19999]}" == *"many/d/bulletin-20000.txt"* ]]
    run "$EXTRACT" -p k.pub -O out/a.rpt many/d/bulletin-20000.txt
    [ "$output" = one ]
}

@test "pack: a list of inputs that cannot spill is a clear error naming where, before any output" {
    # with -o - there is no archive directory, so the list spills to TMPDIR
    mkdir -p many/d
    (cd many/d && seq -f 'bulletin-%05g.txt' 1 20000 | xargs touch)
    TMPDIR=/nonexistent/tmp run "$PACK" -q -s k.sec -o - many
    [ "$status" -eq 2 ]
    # the one line said, and not a byte of archive on standard output
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == *"cannot keep the list of inputs in a scratch file in '/nonexistent/tmp'"* ]]
}
