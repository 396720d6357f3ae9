#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Finding records: --since, --until, --grep, -E and --sort in rpt-list and
# rpt-extract alike; rpt-list from a pipe; rpt-extract --tar; rpt-verify
# over several archives.

load helper

setup() {
    common_setup
    "$PACK" -q -s k.sec -o a.rpt --source "Press office" b
}

# mk_sample -- the sample bulletins of tests/bulletins in s.rpt, each
# issued at the last second of the day its name starts with, so a bound
# that dropped the end of a day would lose it.
mk_sample() {
    cp -r "$BATS_TEST_DIRNAME/../bulletins" s
    for f in s/*/*.txt; do
        d=${f##*/}
        touch -d "${d:0:10} 23:59:59Z" "$f"
    done
    "$PACK" -q -s k.sec -o s.rpt s
}

# names -- the record names of a short listing on standard input, sorted.
names() { sed -E 's/^ *[0-9]+  [^ ]+  //' | sort; }

@test "select: --since 2026-03-01 --until 2026-03-31 lists exactly the March bulletins" {
    mk_sample
    run "$LIST" --since 2026-03-01 --until 2026-03-31 s.rpt
    [ "$status" -eq 0 ]
    got=$(names <<< "$output")
    want=$(cd s && ls -d */2026-03-* | sed 's|^|s/|' | sort)
    [ -n "$want" ]
    [ "$got" = "$want" ]
    # the same month as one reduced ISO 8601 date
    run "$LIST" --since 2026-03 --until 2026-03 s.rpt
    [ "$(names <<< "$output")" = "$want" ]
}

@test "select: a date-only --until covers its whole day; a date-time is exact; --since is inclusive" {
    mk_sample
    run "$LIST" --until 2026-01-14 s.rpt
    [ "$(names <<< "$output")" = "s/meteo/2026-01-14-storm-warning.txt" ]
    run "$LIST" --until 2026-01-14T23:59:58Z s.rpt
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    run "$LIST" --since 2026-03-05T23:59:59Z s.rpt
    [ "$(names <<< "$output")" = "s/roads/2026-03-05-vellan-bridge-closure.txt" ]
    run "$LIST" --since 2026-03-06T00:59:59+01:00 s.rpt
    [ "$(names <<< "$output")" = "s/roads/2026-03-05-vellan-bridge-closure.txt" ]
    run "$LIST" --since 2027 s.rpt
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    run "$LIST" --since 2026 --until 2026 s.rpt
    [ "${#lines[@]}" -eq 13 ]
}

@test "select: bad dates and contradictions are usage errors" {
    for d in 2026-13 2026-02-30 26-03-01 2026-03-01T25:00 yesterday ''; do
        run "$LIST" --since "$d" a.rpt
        [ "$status" -eq 2 ]
        [[ "$output" == *"--since"*"ISO 8601"* ]]
    done
    run "$LIST" --since 2026-04 --until 2026-03 a.rpt
    [ "$status" -eq 2 ]
    [[ "$output" == *"--since is after --until"* ]]
    run "$EXTRACT" --until nope a.rpt
    [ "$status" -eq 2 ]
    run "$LIST" --info --since 2026 a.rpt
    [ "$status" -eq 2 ]
}

@test "select: --grep is a case-blind fixed string on title, name and source" {
    mk_sample
    # title
    run "$LIST" --grep 'OPERATION lantern' s.rpt
    [ "$(names <<< "$output")" = "$(printf 's/interior/2026-03-02-narcotics-crackdown.txt\ns/interior/2026-03-03-correction-narcotics-figures.txt')" ]
    # name only ("vellan-bridge" is not in any title)
    run "$LIST" --grep vellan-bridge s.rpt
    [ "$(names <<< "$output")" = "s/roads/2026-03-05-vellan-bridge-closure.txt" ]
    # source
    run "$LIST" --grep 'press OFFICE' a.rpt
    [ "${#lines[@]}" -eq 3 ]
    # a fixed string: '.' is a dot, not any character
    run "$LIST" --grep 'narcotics.crackdown' s.rpt
    [ -z "$output" ]
    # case folds beyond ASCII: the title says "Cap Aurèle"
    run "$LIST" --grep 'CAP AURÈLE' s.rpt
    [ "$(names <<< "$output")" = "s/coastguard/2026-01-29-wreck-navigation-notice.txt" ]
    run "$LIST" --grep '' s.rpt
    [ "$status" -eq 2 ]
}

@test "select: -E makes --grep a regular expression; a bad one is a usage error" {
    mk_sample
    run "$LIST" -E --grep '^(orange|appeal) ' s.rpt
    [ "$(names <<< "$output")" = "$(printf 's/meteo/2026-01-14-storm-warning.txt\ns/police/2026-02-18-witness-appeal.txt')" ]
    run "$LIST" --regex --grep 'narcotics.crackdown' s.rpt
    [ "${#lines[@]}" -eq 1 ]
    run "$LIST" -E --grep '(' s.rpt
    [ "$status" -eq 2 ]
    [[ "$output" == *"--grep '('"* ]]
    run "$LIST" -E s.rpt
    [ "$status" -eq 2 ]
}

@test "select: --sort issued, name and size; archive order by default" {
    mk_sample
    run "$LIST" --sort issued s.rpt
    [ "$status" -eq 0 ]
    got=$(sed -E 's/^ *[0-9]+  ([^ ]+)  .*/\1/' <<< "$output")
    [ "$got" = "$(sort <<< "$got")" ]
    [ "${lines[0]##* }" = "s/meteo/2026-01-14-storm-warning.txt" ]
    run "$LIST" --sort size s.rpt
    sizes=$(awk '{print $1}' <<< "$output")
    [ "$sizes" = "$(sort -n <<< "$sizes")" ]
    run "$LIST" --sort name --grep narcotics s.rpt
    [ "${lines[0]##* }" = "s/interior/2026-03-02-narcotics-crackdown.txt" ]
    run "$LIST" s.rpt
    [ "${lines[0]##* }" = "s/coastguard/2026-01-29-wreck-navigation-notice.txt" ]
    run "$LIST" --sort date s.rpt
    [ "$status" -eq 2 ]
    [[ "$output" == *"issued, name or size"* ]]
    # -l and --json sort alike
    run "$LIST" -l --sort issued --since 2026-03 s.rpt
    [[ "${lines[1]}" == 2026-03-01* ]]
    [[ "${lines[5]}" == 2026-03-05* ]]
    run "$LIST" --json --sort size s.rpt
    python3 -c 'import json,sys; s=[json.loads(l)["size"] for l in sys.stdin]; assert s==sorted(s) and len(s)==13, s' <<< "$output"
}

@test "list -l on a terminal cuts the title to its width; piped, it is whole" {
    command -v script >/dev/null || skip "script(1) is not installed"
    run script -qec "stty cols 80; '$LIST' -l a.rpt" /dev/null
    [ "$status" -eq 0 ]
    line=$(grep weather <<< "$output" | tr -d '\r')
    [[ "$line" == *"  Weather warning: "*"…" ]]
    [ "$(printf '%s' "$line" | wc -m)" -eq 80 ]
    run "$LIST" -l a.rpt
    [[ "$output" == *"Weather warning: strong winds on the northern coast" ]]
}

@test "list - reads a pipe in one verified pass, as rpt-list ARCHIVE lists" {
    want=$("$LIST" a.rpt)
    run "$LIST" - < a.rpt
    [ "$status" -eq 0 ]
    [ "$output" = "$want" ]
    run sh -c "cat a.rpt | '$LIST' -l --grep narcotics -"
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 2 ]
    [[ "${lines[1]}" == 2024-05-01*b/narcotics.txt*"41 arrests"* ]]
    run sh -c "cat a.rpt | '$LIST' --json - b/weather.txt nope"
    [ "$status" -eq 2 ]
    [[ "$output" == *'"name":"b/weather.txt"'* ]]
    [[ "$output" == *"no record named 'nope'"* ]]
    run "$LIST" --info - < a.rpt
    [ "$status" -eq 2 ]
}

@test "list -: a forged record is not listed (exit 1); a pipe cut before the seal lists nothing (exit 3)" {
    cp a.rpt f.rpt
    tamper f.rpt "41 arrests"
    run sh -c "cat f.rpt | '$LIST' - 2>err"
    [ "$status" -eq 1 ]
    [ "$(names <<< "$output")" = "$(printf 'b/court/notice-17.txt\nb/weather.txt')" ]
    grep -q "record 1 'b/narcotics.txt'.*not listed" err
    cp a.rpt t.rpt
    cut_tail t.rpt 200
    run sh -c "'$LIST' - < t.rpt 2>err"
    [ "$status" -eq 3 ]
    [ -z "$output" ]
    [ "$(grep -c 'not listed' err)" -eq 3 ]
}

@test "extract: --since, --until, --grep and --sort choose as rpt-list does" {
    mk_sample
    run "$EXTRACT" -p k.pub -C out --since 2026-03-01 --until 2026-03-31 s.rpt
    [ "$status" -eq 0 ]
    [ "$(cd out && find . -type f | sed 's|^\./||' | sort)" = "$("$LIST" --since 2026-03 --until 2026-03 s.rpt | names)" ]
    run "$EXTRACT" -p k.pub -O --grep correction s.rpt
    [ "$status" -eq 0 ]
    [ "$output" = "$(cat s/interior/2026-03-03-correction-narcotics-figures.txt)" ]
    # from a pipe, in --sort's order
    run sh -c "cat s.rpt | '$EXTRACT' -p k.pub -O --sort size --grep narcotics - | head -1"
    [ "$output" = "$(head -1 s/interior/2026-03-03-correction-narcotics-figures.txt)" ]
    run sh -c "'$EXTRACT' -p k.pub -O --sort name --grep narcotics s.rpt | head -1"
    [ "$output" = "$(head -1 s/interior/2026-03-02-narcotics-crackdown.txt)" ]
    # NAMEs and filters together: the intersection
    run "$EXTRACT" -p k.pub -O --glob --since 2026-03-03 s.rpt 's/interior/*'
    [ "$output" = "$(cat s/interior/2026-03-03-correction-narcotics-figures.txt)" ]
    run "$EXTRACT" -p k.pub -C none --grep 'no such words' s.rpt
    [ "$status" -eq 0 ]
    [[ "$output" == *"no record matches"* ]]
    run "$EXTRACT" -p k.pub -O --salvage --sort name s.rpt
    [ "$status" -eq 2 ]
}

# tar_out -- skips the test in a build without libarchive, where --tar
# only says so (exit 2).
tar_out() {
    command -v tar >/dev/null || skip "tar is not installed"
    if "$EXTRACT" --tar - none.rpt 2>&1 | grep -q "built without libarchive"; then
        skip "built without libarchive"
    fi
}

# tar_names TAR -- the tar's names and mtimes (UTC) as tar(1) lists them.
tar_names() { TZ=UTC tar tvf "$1" | awk '{print $4 "T" $5 "  " $6}'; }

@test "--tar never replaces a FIFO or a symbolic link, and its file follows the umask" {
    tar_out
    mkfifo f.tar
    run "$EXTRACT" -p k.pub -f --tar f.tar a.rpt
    [ "$status" -eq 2 ]
    [[ "$output" == *"'f.tar' is a FIFO, not a regular file"* ]]
    [ -p f.tar ]
    echo keep > target && ln -s target l.tar
    run "$EXTRACT" -p k.pub -f --tar l.tar a.rpt
    [ "$status" -eq 2 ]
    [[ "$output" == *"'l.tar' is a symbolic link, not a regular file"* ]]
    [ -L l.tar ] && [ "$(cat target)" = keep ]
    (umask 077 && "$EXTRACT" -q -p k.pub --tar private.tar a.rpt)
    [ "$(stat -c %a private.tar)" = 600 ]
    (umask 022 && "$EXTRACT" -q -p k.pub --tar shared.tar a.rpt)
    [ "$(stat -c %a shared.tar)" = 644 ]
}

@test "libarchive is loaded only by a run that uses it" {
    tar_out
    strace -qq -o /dev/null true 2>/dev/null || skip "strace cannot trace here (absent, or ptrace not allowed)"
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    if command -v readelf >/dev/null; then
        for t in "$PACK" "$VERIFY" "$LIST" "$EXTRACT"; do
            readelf -d "$t" | grep -q NEEDED
            [ "$(readelf -d "$t" | grep -c 'NEEDED.*libarchive' || true)" -eq 0 ]
        done
    fi
    strace -f -qq -e trace=openat -o t1 "$EXTRACT" -q -p k.pub -C o a.rpt
    [ "$(grep -c 'libarchive' t1 || true)" -eq 0 ]
    strace -f -qq -e trace=openat -o t2 "$EXTRACT" -q -p k.pub --tar o.tar a.rpt
    grep -q 'libarchive\.so.* = [0-9]' t2
    [ "$(tar_names o.tar | wc -l)" -eq "$(find b -type f | wc -l)" ]
}

@test "a libarchive that cannot serve is 'unsupported', exit 2, nothing written; other runs do not mind" {
    tar_out
    command -v cc >/dev/null || skip "no C compiler to make a stand-in library"
    readelf -d "$EXTRACT" 2>/dev/null | grep -q 'NEEDED.*libasan' && skip "the sanitizer runtime loads its own libraries first"
    # a library under libarchive's file name, with none of its functions,
    # found first through LD_LIBRARY_PATH
    mkdir fake
    echo 'int rpt_fake_libarchive(void) { return 0; }' > fake/f.c
    cc -shared -fPIC -Wl,-soname,libarchive.so.13 -o fake/libarchive.so.13 fake/f.c
    export LD_LIBRARY_PATH=$PWD/fake
    run "$EXTRACT" -p k.pub --tar t.tar a.rpt
    [ "$status" -eq 2 ]
    [[ "$output" == *"--tar: unsupported: cannot load libarchive: "*"has no archive_"* ]]
    [ ! -e t.tar ] && [ -z "$(find . -name 't.tar*')" ]
    mkdir m && printf 'x\n' > m/one.txt && tar cf m.tar -C m one.txt
    run "$PACK" -s k.sec -o p.rpt --from-archive m.tar
    [ "$status" -eq 2 ]
    [[ "$output" == *"unsupported: libarchive cannot be loaded"* ]]
    [ ! -e p.rpt ]
    # everything else works as it did
    run "$EXTRACT" -q -p k.pub -C o a.rpt
    [ "$status" -eq 0 ]
    diff -r b o/b
}

@test "--tar --sync puts the tar's name on disk too; --sync has nothing to do on standard output" {
    tar_out
    run "$EXTRACT" -p k.pub --sync -O a.rpt
    [ "$status" -eq 2 ]
    [[ "$output" == *"-O and --tar - write to standard output"* ]]
    run "$EXTRACT" -p k.pub --sync-each --tar - a.rpt
    [ "$status" -eq 2 ]
    strace -qq -o /dev/null true 2>/dev/null || skip "strace cannot trace here (absent, or ptrace not allowed)"
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    mkdir d
    strace -f -qq -e trace=fsync,openat -o t "$EXTRACT" -q -p k.pub --sync --tar d/s.tar a.rpt
    # the tar, then its directory, opened as a directory just before
    [ "$(grep -c 'fsync(' t)" -eq 2 ]
    grep -q 'openat(AT_FDCWD, "d", O_RDONLY|O_CLOEXEC|O_DIRECTORY)' t
    [ "$(tar_names d/s.tar | wc -l)" -eq "$(find b -type f | wc -l)" ]
}

@test "extract --tar: a pax tar of the selected records, mtime = issued, the same bytes" {
    tar_out
    run "$EXTRACT" -p k.pub --tar b.tar a.rpt
    [ "$status" -eq 0 ]
    [ "$(tar_names b.tar)" = "$(printf '%s\n' '2024-05-03T12:00  b/court/notice-17.txt' \
        '2024-05-01T09:00  b/narcotics.txt' '2024-05-02T10:30  b/weather.txt')" ]
    if command -v file >/dev/null; then file b.tar | grep -q "POSIX tar archive"; fi
    mkdir x
    tar xf b.tar -C x
    diff -r b x/b
    # selected and sorted, to standard output, from a pipe
    "$EXTRACT" -p k.pub --tar - --sort issued --until 2024-05-02 - < a.rpt > s.tar
    [ "$(tar_names s.tar)" = "$(printf '%s\n' '2024-05-01T09:00  b/narcotics.txt' '2024-05-02T10:30  b/weather.txt')" ]
    # a name beyond ASCII and a date before 1970 survive (pax headers)
    mkdir -p old
    printf 'Annual message\n' > "old/1801-annual-mésage.txt"
    "$PACK" -q -s k.sec -o o.rpt --issued 1801-12-08 old
    "$EXTRACT" -p k.pub --tar o.tar o.rpt
    python3 -c '
import tarfile, sys
m = tarfile.open("o.tar").getmembers()[0]
assert m.name == "old/1801-annual-mésage.txt", m.name
assert m.mtime == -5303664000, m.mtime
assert tarfile.open("o.tar").extractfile(m).read() == b"Annual message\n"'
}

@test "extract --tar: a tampered record gets no member and exits 1; the rest are written" {
    tar_out
    cp a.rpt f.rpt
    tamper f.rpt "41 arrests"
    run "$EXTRACT" -p k.pub --tar f.tar f.rpt
    [ "$status" -eq 1 ]
    [[ "$output" == *"record 1 'b/narcotics.txt'"*"not extracted"* ]]
    [ "$(tar tf f.tar)" = "$(printf 'b/court/notice-17.txt\nb/weather.txt')" ]
    run sh -c "'$EXTRACT' -p k.pub --tar - - < f.rpt > p.tar"
    [ "$status" -eq 1 ]
    [ "$(tar tf p.tar)" = "$(printf 'b/court/notice-17.txt\nb/weather.txt')" ]
}

@test "extract --tar: an existing FILE needs -f; -O, -C and --no-verify do not apply" {
    tar_out
    echo keep > b.tar
    run "$EXTRACT" -p k.pub --tar b.tar a.rpt
    [ "$status" -eq 2 ]
    [[ "$output" == *"exists; use -f"* ]]
    [ "$(cat b.tar)" = keep ]
    run "$EXTRACT" -p k.pub -f --tar b.tar a.rpt
    [ "$status" -eq 0 ]
    [ "$(tar tf b.tar | wc -l)" -eq 3 ]
    run "$EXTRACT" -p k.pub --tar c.tar -O a.rpt
    [ "$status" -eq 2 ]
    run "$EXTRACT" -p k.pub --tar c.tar -C out a.rpt
    [ "$status" -eq 2 ]
    run "$EXTRACT" --tar c.tar --no-verify a.rpt
    [ "$status" -eq 2 ]
    [ ! -e c.tar ]
    # a missing archive leaves no tar behind, not even a temporary one
    run "$EXTRACT" -p k.pub --tar c.tar none.rpt
    [ "$status" -eq 2 ]
    [ -z "$(ls | grep '^c\.tar')" ]
}

@test "verify: several archives, each reported, a total line; the worst status wins" {
    "$PACK" -q -s k.sec -o c.rpt b/court
    run "$VERIFY" -p k.pub a.rpt c.rpt
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "a.rpt: 3 records checked: 3 ok"* ]]
    [[ "${lines[1]}" == "c.rpt: 1 records checked: 1 ok"* ]]
    [[ "${lines[2]}" == "total: 2 archives, 4 records checked: 4 ok, 0 damaged, 0 tampered, 0 untrusted; 2 seals" ]]
    cp a.rpt f.rpt
    tamper f.rpt "41 arrests"
    cp a.rpt t.rpt
    cut_tail t.rpt 5
    run "$VERIFY" -p k.pub f.rpt a.rpt
    [ "$status" -eq 1 ]
    run "$VERIFY" -p k.pub f.rpt t.rpt a.rpt
    [ "$status" -eq 3 ]
    run "$VERIFY" -p k.pub f.rpt none.rpt
    [ "$status" -eq 2 ]
    [[ "$output" == *"total: 2 archives (1 could not be read)"* ]]
    run sh -c "'$VERIFY' -p k.pub c.rpt - < a.rpt"
    [ "$status" -eq 0 ]
    [[ "$output" == *"(stdin): 3 records checked"* ]]
    run "$VERIFY" -p k.pub - -
    [ "$status" -eq 2 ]
    run "$VERIFY" --json -p k.pub a.rpt c.rpt
    python3 -c '
import json, sys
objs = [json.loads(l) for l in sys.stdin]
sums = [o for o in objs if o.get("summary")]
assert [s["archive"] for s in sums] == ["a.rpt", "c.rpt"], sums
assert objs[-1]["total"] and objs[-1]["archives"] == 2 and objs[-1]["records"] == 4 and objs[-1]["exit"] == 0' <<< "$output"
}

@test "extract --tar without libarchive: 'unsupported', exit 2, nothing written" {
    run "$EXTRACT" -p k.pub --tar u.tar a.rpt
    [[ "$output" == *"built without libarchive"* ]] || skip "built with libarchive"
    [ "$status" -eq 2 ]
    [[ "$output" == *"--tar: unsupported: built without libarchive"* ]]
    [ ! -e u.tar ]
}
