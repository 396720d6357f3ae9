#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# man/: the manual pages are lint-free, the section 3 pages match the header,
# and the programs in their EXAMPLES compile and do what the pages say.

load helper

TOP=$BATS_TEST_DIRNAME/../..

setup() { common_setup; }

# example PAGE -- the C program in PAGE's EXAMPLES, as plain text.
example() {
    python3 - "$TOP/man/$1" <<'PY'
import re, sys
page = open(sys.argv[1], encoding='utf-8').read()
ex = page[page.index('.SH EXAMPLES'):]
for block in re.findall(r'^\.nf\n(.*?)^\.fi$', ex, re.M | re.S):
    if 'int main' in block:
        block = block.replace('\\e', '\\').replace('\\-', '-').replace('\\(dq', '"')
        sys.stdout.write(block)
        break
else:
    sys.exit('no program in ' + sys.argv[1])
PY
}

# build PAGE -- compiles PAGE's example into ./PAGE against the built library.
build() {
    local lib=$RPT_BIN/../lib/libarchive_rpt.a
    [ -f "$lib" ] || skip "no static library at $lib"
    example "$1" > "$1.c"
    # a sanitizer build's library needs the same runtime in the program
    local san=""
    if nm "$lib" 2>/dev/null | grep -q __asan_init; then
        san="-fsanitize=address,undefined"
    fi
    ${CC:-cc} -std=c11 -Wall -Wextra -Werror $san -I"$TOP/include" -o "$1" "$1.c" \
        "$lib" -lsodium -lz -lpthread
}

@test "man: every page is free of man and mandoc warnings" {
    command -v man >/dev/null || skip "man (man-db) is not installed"
    for p in "$TOP"/man/*.[135]; do
        run man --warnings -l -E UTF-8 "$p"
        [ "$status" -eq 0 ]
        run sh -c 'man --warnings -l -E UTF-8 "$1" 2>&1 >/dev/null' _ "$p"
        if [ -n "$output" ]; then echo "$p: $output"; return 1; fi
    done
    command -v mandoc >/dev/null || skip "mandoc is not installed"
    for p in "$TOP"/man/*.[35]; do
        run mandoc -T lint "$p"
        if [ -n "$output" ]; then echo "$output"; return 1; fi
    done
}

@test "man: the section 3 pages list every exported function, with its prototype and return codes" {
    run python3 "$BATS_TEST_DIRNAME/mancheck.py" "$TOP/include/archive_rpt.h" "$TOP/man"
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "man: each NAME line gives whatis an entry per function" {
    command -v lexgrog >/dev/null || skip "lexgrog (man-db) is not installed"
    for p in "$TOP"/man/*.3; do
        names=$(sed -n 's/^\.\\" names: //p' "$p")
        run lexgrog "$p"
        [ "$status" -eq 0 ]
        for n in $names; do
            [[ "$output" == *"\"$n - "* ]] || { echo "$p: whatis lacks $n"; return 1; }
        done
    done
}

@test "man: the examples of libarchive_rpt(3), rpt_keys(3) and rpt_dict(3) run" {
    build libarchive_rpt.3
    run ./libarchive_rpt.3
    [ "$status" -eq 0 ]
    [[ "$output" == "libarchive_rpt "[0-9]*.[0-9]*.[0-9]* ]]
    build rpt_keys.3
    run ./rpt_keys.3
    [ "$status" -eq 0 ]
    [[ "$output" == "key id "[0-9A-F]* ]]
    # the key it made is one that minisign-compatible tools take
    "$PACK" -q -s press.key --passphrase-file <(printf 'correct horse battery staple') \
        -o k.rpt b/weather.txt
    run "$VERIFY" -q -p press.pub k.rpt
    [ "$status" -eq 0 ]
    build rpt_dict.3
    run ./rpt_dict.3
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^[0-9]+\ bytes$ ]]
    [ -s interior.dict ]
}

@test "man: the examples of rpt_writer(3), rpt_reader(3) and rpt_verify(3) run" {
    build rpt_writer.3
    build rpt_reader.3
    build rpt_verify.3
    "$KEYGEN" -q -W -p press.pub -s press.key
    run ./rpt_writer.3
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^2\ records,\ [0-9]+\ bytes$ ]]
    run "$VERIFY" -q -p press.pub notices.rpt
    [ "$status" -eq 0 ]
    run ./rpt_reader.3 press.pub notices.rpt meteo/gale.txt
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf '        37  meteo/gale.txt\n        25  courts/hearing.txt\nGale warning for the northern coast.')" ]
    run ./rpt_verify.3 press.pub notices.rpt
    [ "$status" -eq 0 ]
    [ "$output" = "2 records: 2 ok, 0 damaged, 0 tampered, 0 untrusted; 1 seals" ]
    # and they fail as the pages say: another key is not trusted
    run ./rpt_verify.3 k.pub notices.rpt
    [ "$status" -eq 1 ]
    [[ "$output" == *"0 ok"*"2 untrusted"* ]]
    run ./rpt_reader.3 k.pub notices.rpt meteo/gale.txt
    [ "$status" -eq 1 ]
    [[ "$output" == *"not trusted"* ]]
}
