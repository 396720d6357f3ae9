#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# rpt-extract: verified writes, safety inside -C DIR, names, globs, -O,
# salvage, trust, and every exit status.

load helper

setup() {
    common_setup
    "$PACK" -q -0 -s k.sec -o a.rpt b
}

@test "extract all under -C DIR, mtimes set to issued" {
    run "$EXTRACT" -p k.pub -C out a.rpt
    [ "$status" -eq 0 ]
    diff -r b out/b
    [ "$(date -u -r out/b/narcotics.txt +%FT%TZ)" = 2024-05-01T09:00:00Z ]
    [ "$(date -u -r out/b/court/notice-17.txt +%FT%TZ)" = 2024-05-03T12:00:00Z ]
    [ -z "$(find out -name '.rpt-*')" ]
}

@test "extract defaults to the current directory" {
    mkdir here && cd here
    "$EXTRACT" -q -p ../k.pub ../a.rpt
    [ -f b/weather.txt ]
}

@test "extract named records; every missing name is listed and nothing written" {
    run "$EXTRACT" -p k.pub -C out a.rpt b/weather.txt
    [ "$status" -eq 0 ]
    [ -f out/b/weather.txt ] && [ ! -e out/b/narcotics.txt ]
    run "$EXTRACT" -C out2 a.rpt b/narcotics.txt gone1 gone2
    [ "$status" -eq 2 ]
    [[ "$output" == *"'gone1'"* && "$output" == *"'gone2'"* ]]
    [ ! -e out2/b ]
}

@test "extract --glob matches shell patterns" {
    run "$EXTRACT" -p k.pub -C out --glob a.rpt 'b/court/*' '*/w?ather.txt'
    [ "$status" -eq 0 ]
    [ -f out/b/court/notice-17.txt ] && [ -f out/b/weather.txt ] && [ ! -e out/b/narcotics.txt ]
    run "$EXTRACT" -C out3 --glob a.rpt 'nothing*'
    [ "$status" -eq 2 ]
}

@test "extract -O writes payloads to standard output" {
    run "$EXTRACT" -p k.pub -O a.rpt b/weather.txt
    [ "$status" -eq 0 ]
    [ "$output" = "$(cat b/weather.txt)" ]
    "$EXTRACT" -p k.pub -O a.rpt b/narcotics.txt b/weather.txt > both
    cat b/narcotics.txt b/weather.txt | cmp - both
}

@test "extract never overwrites without -f; -f replaces" {
    mkdir -p out/b; echo mine > out/b/weather.txt
    run "$EXTRACT" -C out a.rpt
    [ "$status" -eq 2 ]
    [[ "$output" == *"exists"*"-f"* ]]
    [ "$(cat out/b/weather.txt)" = mine ]
    [ -f out/b/narcotics.txt ]
    run "$EXTRACT" -p k.pub -f -C out a.rpt
    [ "$status" -eq 0 ]
    cmp b/weather.txt out/b/weather.txt
}

@test "extract does not follow a symlink inside -C DIR (directory)" {
    mkdir -p out victim
    ln -s ../victim out/b
    run "$EXTRACT" -C out a.rpt
    [ "$status" -eq 2 ]
    [[ "$output" == *"symbolic link"* ]]
    [ -z "$(ls victim)" ]
}

@test "extract neither writes through nor replaces a symlink in place of a file, even with -f" {
    mkdir -p out/b
    echo precious > target
    ln -s ../../target out/b/weather.txt
    run "$EXTRACT" -C out a.rpt b/weather.txt
    [ "$status" -eq 2 ]
    [ "$(cat target)" = precious ]
    run "$EXTRACT" -p k.pub -f -C out a.rpt b/weather.txt
    [ "$status" -eq 2 ]
    [[ "$output" == *"'b/weather.txt' is a symbolic link, not a regular file; record not extracted"* ]]
    [ "$(cat target)" = precious ]
    [ -L out/b/weather.txt ]
}

@test "-f never replaces a FIFO or a device; a regular file it does, and the rest still come out" {
    mkdir -p out/b
    mkfifo out/b/weather.txt
    run "$EXTRACT" -p k.pub -f -C out a.rpt
    [ "$status" -eq 2 ]
    [[ "$output" == *"'b/weather.txt' is a FIFO, not a regular file"* ]]
    [ -p out/b/weather.txt ]
    cmp b/narcotics.txt out/b/narcotics.txt
    # a device where a file goes (as root, -C /dev would otherwise replace
    # /dev/null); making one needs root
    if [ "$(id -u)" = 0 ] && mkdir -p dev/b && mknod dev/b/weather.txt c 1 3 2>/dev/null; then
        run "$EXTRACT" -p k.pub -f -C dev a.rpt b/weather.txt
        [ "$status" -eq 2 ]
        [[ "$output" == *"a device or socket, not a regular file"* ]]
        [ -c dev/b/weather.txt ]
    fi
    echo old > out/b/narcotics.txt
    run "$EXTRACT" -p k.pub -f -C out a.rpt b/narcotics.txt
    [ "$status" -eq 0 ]
    cmp b/narcotics.txt out/b/narcotics.txt
}

@test "extract refuses a directory where a file goes" {
    mkdir -p out/b/weather.txt
    run "$EXTRACT" -f -C out a.rpt b/weather.txt
    [ "$status" -eq 2 ]
}

@test "extract: a tampered record is not written and exits 1; others are" {
    tamper a.rpt "212 kg"
    run "$EXTRACT" -p k.pub -C out a.rpt
    [ "$status" -eq 1 ]
    [ ! -e out/b/narcotics.txt ]
    [ -f out/b/weather.txt ]
}

@test "extract: a wrong -p key exits 4 and writes nothing" {
    "$KEYGEN" -q -W -p other.pub -s other.sec
    run "$EXTRACT" -p other.pub -C out a.rpt
    [ "$status" -eq 4 ]
    [[ "$output" == *"not trusted"* ]]
    [ -z "$(find out -type f)" ]
}

@test "extract without -p verifies against the archive's own keys, says so and exits 4 like verify" {
    run "$EXTRACT" -C out a.rpt
    [ "$status" -eq 4 ]
    [[ "$output" == *"no key was trusted"* ]]
    diff -r b out/b
    run "$VERIFY" a.rpt
    [ "$status" -eq 4 ]
    note=$(printf '%s\n' "$output" | grep -o "no key was trusted.*")
    run "$EXTRACT" -C out2 - < a.rpt
    [ "$status" -eq 4 ]
    [[ "$output" == *"$note"* ]]
    run "$EXTRACT" -q -O a.rpt b/weather.txt
    [ "$status" -eq 4 ]
}

@test "extract --no-verify says so" {
    run "$EXTRACT" --no-verify -C out a.rpt
    [ "$status" -eq 4 ]
    [[ "$output" == *"NOT checked"* ]]
    run "$EXTRACT" --no-verify -p k.pub -C out a.rpt
    [ "$status" -eq 2 ]
}

@test "extract: truncated archive exits 3; --salvage recovers intact records, exit 3" {
    cut_tail a.rpt 30
    run "$EXTRACT" -p k.pub -C out a.rpt
    [ "$status" -eq 3 ]
    [[ "$output" == *"--salvage"* ]]
    run "$EXTRACT" --salvage -p k.pub -C out a.rpt
    [ "$status" -eq 3 ]
    [[ "$output" == *"salvage: 3 records recovered"* ]]
    diff -r b out/b
}

@test "extract --salvage skips a damaged record and keeps the rest" {
    flip a.rpt "212 kg"
    run "$EXTRACT" --salvage -p k.pub -C out a.rpt
    [ "$status" -eq 3 ]
    [ ! -e out/b/narcotics.txt ]
    [ -f out/b/weather.txt ] && [ -f out/b/court/notice-17.txt ]
}

@test "extract --salvage on an intact archive exits 0" {
    run "$EXTRACT" --salvage -p k.pub -C out a.rpt
    [ "$status" -eq 0 ]
    [[ "$output" == *"3 records recovered; 0 damaged bytes"* ]]
}

@test "extract from a pipe, names and all" {
    run sh -c "\"$EXTRACT\" -p k.pub -C out - b/weather.txt missing.txt < a.rpt"
    [ "$status" -eq 2 ]
    [[ "$output" == *"'missing.txt'"* ]]
    [ -f out/b/weather.txt ]
    tamper a.rpt "212 kg"
    run sh -c "\"$EXTRACT\" -p k.pub -C out2 - < a.rpt"
    [ "$status" -eq 1 ]
    [ ! -e out2/b/narcotics.txt ]
}

@test "extract usage and I/O errors exit 2" {
    run "$EXTRACT"
    [ "$status" -eq 2 ]
    run "$EXTRACT" -C out no-such.rpt
    [ "$status" -eq 2 ]
    run "$EXTRACT" -p no-such.pub -C out a.rpt
    [ "$status" -eq 2 ]
    : > notadir
    run "$EXTRACT" -C notadir a.rpt
    [ "$status" -eq 2 ]
    run "$EXTRACT" --no-verify -C out - < a.rpt
    [ "$status" -eq 2 ]
}

@test "extract -v names the files" {
    run "$EXTRACT" -p k.pub -v -C out a.rpt
    [ "$status" -eq 0 ]
    [[ "$output" == *"b/narcotics.txt"* ]]
}

@test "extract: a damaged index block is reported, never taken for a missing record" {
    cp a.rpt blk.rpt
    # flip the last byte of the INDX body (its marks) and fix the CRC:
    # only the block digests in the sealed index header can tell
    tamper blk.rpt @INDX
    run "$EXTRACT" -p k.pub -C out1 blk.rpt
    [ "$status" -eq 1 ]
    [[ "$output" == *"altered"* ]]
    run "$EXTRACT" -p k.pub -C out2 blk.rpt b/weather.txt
    [ "$status" -eq 1 ]
    [[ "$output" != *"no record named"* ]]
    run "$LIST" blk.rpt b/weather.txt
    [ "$status" -eq 1 ]
    run "$VERIFY" -p k.pub blk.rpt
    [ "$status" -eq 1 ]
}

@test "extract from a pipe writes nothing its generation's seal does not cover" {
    mkdir late && echo "a later bulletin" > late/later.txt
    "$PACK" -q -s k.sec -o a.rpt --append late
    # the second generation's seal signature changed, its CRC made right
    python3 - a.rpt <<'PY'
import sys, zlib, struct
p = sys.argv[1]; d = bytearray(open(p, 'rb').read())
at = d.rfind(b'SEAL'); n = struct.unpack_from('<I', d, at + 4)[0]
d[at + 8 + n - 1] ^= 1
struct.pack_into('<I', d, at + 8 + n, zlib.crc32(bytes(d[at:at + 4]) + bytes(d[at + 8:at + 8 + n])) & 0xffffffff)
open(p, 'wb').write(d)
PY
    run sh -c "\"$EXTRACT\" -p k.pub -C out - < a.rpt"
    [ "$status" -eq 1 ]
    diff -r b out/b                      # generation 1: sealed, extracted
    [ ! -e out/late/later.txt ] && [ -z "$(find out -name '.rpt-*')" ]
    [[ "$output" == *"seal of generation 2"* ]]
    [[ "$output" == *"later.txt': not extracted: its generation's seal"* ]]
    [[ "$output" != *"signed by a key that is not trusted"* ]]
    run sh -c "\"$EXTRACT\" -p k.pub -O - < a.rpt > all.out"
    [ "$status" -eq 1 ]
    cat b/court/notice-17.txt b/narcotics.txt b/weather.txt | cmp - all.out
}

@test "extract -f from a pipe looks again at what came to stand at a name while its record was held" {
    mkdir -p out/b/court
    # all but the last byte: every record is read and held under a
    # temporary name, waiting for the seal; then a FIFO and a regular file
    # appear at two of the names, and the last byte comes
    run env N="$(stat -c %s a.rpt)" bash -c '{
        head -c $((N - 1)) a.rpt
        for _ in $(seq 200); do
            [ "$(find out -name ".rpt-*" | wc -l)" -eq 3 ] && break
            sleep 0.05
        done
        mkfifo out/b/weather.txt
        echo old > out/b/narcotics.txt
        tail -c 1 a.rpt
    } | "$0" -p k.pub -f -C out -' "$EXTRACT"
    [ "$status" -eq 2 ]
    [[ "$output" == *"'b/weather.txt' is a FIFO, not a regular file"* ]]
    [ -p out/b/weather.txt ]
    cmp b/narcotics.txt out/b/narcotics.txt
    cmp b/court/notice-17.txt out/b/court/notice-17.txt
    [ -z "$(find out -name '.rpt-*')" ]
}

@test "extract from a pipe drops what comes before a seal that never arrives" {
    cut_tail a.rpt 200
    run sh -c "\"$EXTRACT\" -p k.pub -C out - < a.rpt"
    [ "$status" -eq 3 ]
    [ -z "$(find out -type f)" ]
    [[ "$output" == *"not extracted"* ]]
}

@test "extract --salvage says which records no valid seal covers, with the class as exit status" {
    cp a.rpt forged.rpt
    tamper forged.rpt @SEAL
    run "$EXTRACT" --salvage -p k.pub -C out forged.rpt
    [ "$status" -eq 1 ]
    [[ "$output" == *"3 records recovered"* ]]
    [[ "$output" == *"3 of the records recovered are NOT covered by a valid seal"* ]]
    cp a.rpt index.rpt
    tamper index.rpt @INDX
    run "$EXTRACT" --salvage -p k.pub -C out2 index.rpt
    [ "$status" -ne 0 ]
    [[ "$output" == *"NOT covered by a valid seal"* ]]
    run "$EXTRACT" --salvage -p k.pub -C out3 a.rpt
    [ "$status" -eq 0 ]
    [[ "$output" != *"NOT covered"* ]]
}

@test "-C a/b/c creates the missing directories, as mkdir -p" {
    "$PACK" -q -f -s k.sec -o a.rpt b
    run "$EXTRACT" -p k.pub -C deep/er/still a.rpt
    [ "$status" -eq 0 ]
    cmp b/narcotics.txt deep/er/still/b/narcotics.txt
}

@test "extract says what it did in one line; -q and -O keep quiet" {
    "$PACK" -q -f -s k.sec -o a.rpt b
    run "$EXTRACT" -p k.pub -C out a.rpt
    [ "$status" -eq 0 ]
    [[ "$output" == *"3 records, "*" extracted under 'out' in "*" s"* ]]
    run "$EXTRACT" -q -p k.pub -C out2 a.rpt
    [ -z "$output" ]
    run "$EXTRACT" -p k.pub -O a.rpt b/weather.txt
    [[ "$output" != *"extracted under"* ]]
}

@test "unnamed files take their names by descriptor, or through /proc where the kernel refuses that" {
    strace -qq -o /dev/null true 2>/dev/null || skip "strace cannot trace here (absent, or ptrace not allowed)"
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    n=$(find b -type f | wc -l)
    strace -f -qq -e trace=linkat -o t1 "$EXTRACT" -q -p k.pub -C o1 a.rpt
    if [ "$(grep -c 'AT_EMPTY_PATH) = 0' t1 || true)" -ne "$n" ]; then
        # a kernel before 6.10, without CAP_DAC_READ_SEARCH: one refusal,
        # then /proc for every file
        [ "$(grep -c 'AT_EMPTY_PATH) = -1' t1)" -eq 1 ]
    fi
    # a refusal, as an older kernel gives it, is taken once and for all
    strace -f -qq -e trace=linkat -e inject=linkat:error=ENOENT:when=1 -o t2 \
        "$EXTRACT" -q -p k.pub -C o2 a.rpt
    [ "$(grep -c 'AT_EMPTY_PATH' t2)" -eq 1 ]
    [ "$(grep -c '"/proc/self/fd/[0-9]*", .*AT_SYMLINK_FOLLOW) = 0' t2)" -eq "$n" ]
    diff -r b o1/b
    diff -r b o2/b
    [ -z "$(find o1 o2 -name '.rpt-*')" ]
}

# syncs FILE -- how many of each sync call an strace -o FILE shows: "F S"
syncs() {
    echo "$(grep -c 'fsync(' "$1" || true) $(grep -c 'syncfs(' "$1" || true)"
}

@test "durability: new files left to the system, --sync waits once, --sync-each per file, a replaced file always" {
    strace -qq -o /dev/null true 2>/dev/null || skip "strace cannot trace here (absent, or ptrace not allowed)"
    # LeakSanitizer cannot run under ptrace; the syncs are the same without it
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    "$PACK" -q -f -s k.sec -o a.rpt b
    n=$(find b -type f | wc -l)
    T="strace -f -qq -e trace=fsync,fdatasync,syncfs"
    $T -o t1 "$EXTRACT" -q -p k.pub -C o1 a.rpt
    [ "$(syncs t1)" = "0 0" ]
    $T -o t2 "$EXTRACT" -q --sync -p k.pub -C o2 a.rpt
    [ "$(syncs t2)" = "0 1" ]
    $T -o t3 "$EXTRACT" -q --sync-each -p k.pub -C o3 a.rpt
    [ "$(syncs t3)" = "$n 0" ]
    # -f over two files that are there: those two are on disk before they
    # replace what was there; the new ones are not waited for
    rm o1/b/weather.txt o1/b/court/notice-17.txt
    $T -o t4 "$EXTRACT" -q -f -p k.pub -C o1 a.rpt
    [ "$(syncs t4)" = "$((n - 2)) 0" ]
    # from a pipe with -f, every held file: a file may come to stand at its
    # name before the seal arrives
    $T -o t5 "$EXTRACT" -q -f -p k.pub -C o5 - < a.rpt
    [ "$(syncs t5)" = "$n 0" ]
    $T -o t6 "$EXTRACT" -q -p k.pub -C o6 - < a.rpt
    [ "$(syncs t6)" = "0 0" ]
    for o in o1 o2 o3 o5 o6; do diff -r b $o/b; done
}

@test "durability faults: a failed --sync is exit 2; a replacement that cannot reach the disk leaves the old file" {
    strace -qq -o /dev/null true 2>/dev/null || skip "strace cannot trace here (absent, or ptrace not allowed)"
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    run strace -f -qq -o /dev/null -e trace=syncfs -e inject=syncfs:error=EIO \
        "$EXTRACT" -q --sync -p k.pub -C o1 a.rpt
    [ "$status" -eq 2 ]
    [[ "$output" == *"cannot make the extracted files durable in 'o1': Input/output error"* ]]
    mkdir -p o2/b && echo old > o2/b/weather.txt
    run strace -f -qq -o /dev/null -e trace=fsync -e inject=fsync:error=EIO \
        "$EXTRACT" -q -f -p k.pub -C o2 a.rpt b/weather.txt
    [ "$status" -eq 2 ]
    [[ "$output" == *"cannot extract 'b/weather.txt' into 'o2': Input/output error"* ]]
    [ "$(cat o2/b/weather.txt)" = old ]
    [ -z "$(find o2 -name '.rpt-*')" ]
}

@test "extracted files follow the umask" {
    "$PACK" -q -f -s k.sec -o a.rpt b
    (umask 077 && "$EXTRACT" -q -p k.pub -C private a.rpt)
    [ "$(stat -c %a private/b/weather.txt)" = 600 ]
    (umask 002 && "$EXTRACT" -q -p k.pub -C shared a.rpt) # a group's shared folder
    [ "$(stat -c %a shared/b/weather.txt)" = 664 ]
}

# mk_many DIR -- 40 bulletins over three directories and DIR itself, each
# with its own marker for tamper; the first in name order is the largest.
mk_many() {
    local d i
    for d in a b c; do
        mkdir -p "$1/$d"
        for i in $(seq -w 1 13); do
            { echo "Bulletin $d$i: marker-$d$i"; head -c $((4000 - 100 * 10#$i)) /dev/zero | tr '\0' 'x'; echo; } \
                >"$1/$d/f$i.txt"
        done
    done
    echo "Bulletin top: marker-top" >"$1/top.txt"
}

@test "extract everything: checked on other threads, yet written and reported in order, as one by one" {
    # 40 records: enough for the read-ahead; a name list or -O reads them one by one
    mk_many m
    "$PACK" -q -0 -s k.sec -o m.rpt m
    tamper m.rpt marker-a01 # record 0, which the main thread reads itself
    tamper m.rpt marker-b07
    tamper m.rpt marker-top # the last
    run "$EXTRACT" -q -p k.pub -C all m.rpt
    [ "$status" -eq 1 ]
    ahead=$output
    [ "$(grep -c 'not extracted' <<<"$output")" -eq 3 ]
    [[ "$(grep -o "'m/[a-z0-9/]*\.txt'" <<<"$output" | tr '\n' ' ')" == "'m/a/f01.txt' 'm/b/f07.txt' 'm/top.txt' " ]]
    [ "$(find all -type f | wc -l)" -eq 37 ]
    [ "$(diff -r m all/m | grep -c '^Only in m')" -eq 3 ]
    [ -z "$(diff -r m all/m | grep -v '^Only in m')" ]
    # the same names, asked for by name: read in turn on the main thread
    mapfile -t names < <("$LIST" m.rpt | awk '{ print $NF }')
    [ "${#names[@]}" -eq 40 ]
    run "$EXTRACT" -q -p k.pub -C named m.rpt "${names[@]}"
    [ "$status" -eq 1 ]
    [ "$output" = "$ahead" ]
    diff -r all named
    # --sort puts record 0 elsewhere than first; -v names the files in order
    run "$EXTRACT" -q -v --sort size -p k.pub -C s1 m.rpt
    [ "$status" -eq 1 ]
    sorted=$output
    [[ "$sorted" == *"m/top.txt"*"m/c/f13.txt"*"m/a/f02.txt"* ]]
    run "$EXTRACT" -q -v --sort size -p k.pub -C s2 m.rpt "${names[@]}"
    [ "$output" = "$sorted" ]
    # -O: the payloads in the same order either way
    "$EXTRACT" -q -p k.pub -O m.rpt >o1 2>/dev/null || true
    "$EXTRACT" -q -p k.pub -O m.rpt "${names[@]}" >o2 2>/dev/null || true
    cmp o1 o2
    [ "$(stat -c %s o1)" -gt 50000 ]
}

@test "extract everything: each directory made and opened once, not per file; records read ahead" {
    strace -qq -o /dev/null true 2>/dev/null || skip "strace cannot trace here (absent, or ptrace not allowed)"
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    mk_many m
    "$PACK" -q -0 -s k.sec -o m.rpt m
    strace -f -qq -e trace=mkdirat,openat,getrandom,pread64 -o t "$EXTRACT" -q -p k.pub -C o m.rpt
    diff -r m o/m
    # m, m/a, m/b, m/c: a few walks from the top, not one for each of 40 files
    [ "$(grep -c 'mkdirat(' t)" -le 8 ]
    [ "$(grep 'openat(' t | grep -c 'O_DIRECTORY')" -le 10 ]
    # temporary names count up from one random start
    [ "$(grep -c 'getrandom(' t || true)" -le 4 ]
    if [ "$(nproc)" -ge 2 ]; then
        # the records are read (and checked) on a thread of their own
        main=$(head -n 1 t | cut -d' ' -f1)
        [ "$(awk -v m="$main" '$1 != m && /pread64\(/' t | wc -l)" -ge 30 ]
    fi
}

@test "extract writes each file unnamed (O_TMPFILE) and links it in; -f renames a named temporary over" {
    strace -qq -o /dev/null true 2>/dev/null || skip "strace cannot trace here (absent, or ptrace not allowed)"
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    "$PACK" -q -f -s k.sec -o a.rpt b
    strace -f -qq -e trace=openat,linkat,renameat2,renameat,rename -o t1 "$EXTRACT" -q -p k.pub -C o a.rpt
    diff -r b o/b
    # where the file system has unnamed files (and /proc is there to name
    # them, for a kernel before 6.10 that will not link a descriptor)
    if [ -d /proc/self/fd ] &&
        python3 -c 'import os; os.close(os.open("o", os.O_TMPFILE | os.O_WRONLY, 0o600))' 2>/dev/null; then
        # nothing named until complete: a kill -9 leaves no temporary behind
        grep -q 'O_TMPFILE' t1
        [ "$(grep -c 'linkat(.*) = 0$' t1)" -eq 3 ]
        # (a "! cmd" line fails nothing under bats' set -e: counts instead)
        [ "$(grep -c '\.rpt-' t1 || true)" -eq 0 ]
        [ "$(grep -c 'rename' t1 || true)" -eq 0 ]
    fi
    # -f replaces: a named temporary, renamed over the old file
    echo old >o/b/weather.txt
    strace -f -qq -e trace=openat,linkat,renameat2,renameat,rename -o t2 "$EXTRACT" -q -f -p k.pub -C o a.rpt
    diff -r b o/b
    [ "$(grep -c 'rename' t2)" -eq 3 ]
    [ -z "$(find o -name '.rpt-*')" ]
}

@test "extract everything: big records do not pile up in the read-ahead (memory stays flat)" {
    # 72 records of 900 KB: the read-ahead holds at most 8 MiB of them, and
    # keeps no big buffer once a record is written
    mkdir big
    for i in $(seq -w 1 72); do head -c 900000 /dev/urandom >"big/r$i.bin"; done
    "$PACK" -q -0 -s k.sec -o big.rpt big
    /usr/bin/time -f %M -o rss "$EXTRACT" -q -p k.pub -C o big.rpt
    diff -r big o/big
    # under AddressSanitizer freed memory is held in quarantine: RSS says nothing
    if ! nm "$EXTRACT" 2>/dev/null | grep -q __asan_init; then
        [ "$(tail -n 1 rss)" -lt 40000 ] # KiB; 64 slots of 900 KB would be 57 MB
    fi
}

@test "extract from a pipe: what waits for the seal is not kept in memory (memory stays flat)" {
    command -v python3 >/dev/null || skip "python3 is not installed"
    # records with 2 KB names, as many as 4,000 or as few as 40 waiting for
    # one seal: the two runs must take about the same memory
    d=$(python3 -c "print('/'.join(['d%d' % i + 'x' * 240 for i in range(8)]))")
    for n in 40 4000; do
        mkdir -p "n$n/$d"
        python3 -c "
import os, sys
for i in range(int(sys.argv[2])):
    open(os.path.join(sys.argv[1], 'f%05d.txt' % i), 'w').write('bulletin %d\\n' % i)
" "n$n/$d" "$n"
        (cd "n$n" && "$PACK" -q -0 -s ../k.sec -o "../n$n.rpt" d0*)
        /usr/bin/time -f %M -o "rss$n" "$EXTRACT" -q -p k.pub -O - < "n$n.rpt" > "n$n.out"
        [ "$(wc -l < "n$n.out")" -eq "$n" ]
    done
    /usr/bin/time -f %M -o rss4000c "$EXTRACT" -q -p k.pub -C o - < n4000.rpt
    [ "$(find o -type f | wc -l)" -eq 4000 ]
    if ! nm "$EXTRACT" 2>/dev/null | grep -q __asan_init; then
        # KiB: held in memory, the 4,000 took 16 MB more; the reader's own
        # share (16 bytes a record seen, the index's 8 MB of names passing
        # through) is about 4.5 MB
        [ "$(tail -n 1 rss4000)" -lt "$(( $(tail -n 1 rss40) + 8000 ))" ]
        [ "$(tail -n 1 rss4000c)" -lt "$(( $(tail -n 1 rss40) + 8000 ))" ]
    fi
}

@test "extract everything to a full disk (-O > /dev/full) stops the read-ahead and says one line, exit 2" {
    [ -w /dev/full ] || skip "no /dev/full"
    mk_many m
    "$PACK" -q -s k.sec -o m.rpt m
    run sh -c "\"$EXTRACT\" -q -p k.pub -O m.rpt > /dev/full"
    [ "$status" -eq 2 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == *"cannot write to standard output: No space left on device"* ]]
}

@test "one core allowed (taskset -c 0): pack, verify and extract start no worker threads" {
    command -v taskset >/dev/null || skip "no taskset"
    strace -qq -o /dev/null true 2>/dev/null || skip "strace cannot trace here (absent, or ptrace not allowed)"
    [ "$(getconf _NPROCESSORS_ONLN)" -ge 2 ] || skip "one core online: nothing to tell apart"
    # LeakSanitizer cannot run under ptrace
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    mk_many m
    threads() { taskset -c 0 strace -f -qq -e trace=clone,clone3 -o st.txt "$@" >/dev/null; grep -c clone st.txt || true; }
    [ "$(threads "$PACK" -q -s k.sec -o m.rpt m)" -eq 0 ]
    [ "$(threads "$VERIFY" -q -p k.pub m.rpt)" -eq 0 ]
    [ "$(threads "$EXTRACT" -q -p k.pub -C out m.rpt)" -eq 0 ]
    [ "$(find out -type f | wc -l)" -eq 40 ]
    # and with both cores, the read-ahead does start threads
    rm -rf out
    strace -f -qq -e trace=clone,clone3 -o st.txt "$EXTRACT" -q -p k.pub -C out m.rpt
    [ "$(grep -c clone st.txt)" -ge 1 ]
}
