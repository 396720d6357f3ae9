#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Every reading tool tells the same truth: for each negative vector in
# format/vectors/, rpt-verify (on the file and over a pipe), rpt-extract,
# rpt-list -l and rpt-list exit with the class its bad-X.json names (spec
# 7.7). A random-access tool that cannot see a problem (spec 7.1: a chunk
# no index entry points at; a plain listing reads no record; rpt-list
# takes no trusted key) exits 0, and the vector says so here.

load helper

VEC=$BATS_TEST_DIRNAME/../../format/vectors

setup() {
    T=$BATS_TEST_TMPDIR
    cd "$T" || return 1
}

# The exit status of a class: the same in every tool's man page.
class_exit() {
    case $1 in
    digest | badsig) echo 1 ;;
    untrusted) echo 4 ;;
    *) echo 3 ;;
    esac
}

# agree NAME TOOL... -- the TOOLs listed (extract, list-l, list) see the
# problem and exit as rpt-verify does; the others exit 0.
agree() {
    local v=$VEC/$1.rpt pub=$VEC/test-only.pub want got tool
    shift
    want=$(class_exit "$(sed -n 's/.*"error": "\([a-z]*\)".*/\1/p' "${v%.rpt}.json")")
    run "$VERIFY" -p "$pub" "$v"
    echo "verify: $status $output"
    [ "$status" -eq "$want" ]
    run "$VERIFY" -p "$pub" - < "$v"
    echo "verify -: $status $output"
    [ "$status" -eq "$want" ]
    for tool in extract list-l list; do
        case $tool in
        extract) run "$EXTRACT" -p "$pub" -C "out-$1" "$v" ;;
        list-l) run "$LIST" -l "$v" ;;
        list) run "$LIST" "$v" ;;
        esac
        echo "$tool: $status $output"
        if [[ " $* " == *" $tool "* ]]; then
            [ "$status" -eq "$want" ]
            [ -n "$output" ] # and says why
        else
            [ "$status" -eq 0 ]
        fi
    done
}

@test "agree: a dictionary defined after the record that uses it" {
    agree bad-dict-after extract list-l
}

@test "agree: one name twice in a generation" {
    agree bad-duplicate extract list-l list
}

@test "agree: one name in two generations; -O NAME finds it twice" {
    agree bad-duplicate-append extract list-l list
    run "$EXTRACT" -p "$VEC/test-only.pub" -O "$VEC/bad-duplicate-append.rpt" a/same.txt
    [ "$status" -eq 3 ]
    [[ "$output" == *"two records are named 'a/same.txt'"* ]]
}

@test "agree: a record signed by a key listed only in a later KEYS chunk" {
    agree bad-key-later extract list-l
}

@test "agree: a record signed by a key in no KEYS chunk" {
    agree bad-key-missing extract list-l
}

@test "agree: a seal signed by a key in no KEYS chunk" {
    agree bad-seal-key-missing extract list-l list
}

@test "agree: compression method 3 is unsupported, not damage" {
    agree bad-method extract list-l
    run "$VERIFY" -p "$VEC/test-only.pub" "$VEC/bad-method.rpt"
    [[ "$output" == *"unknown compression method 3"* ]]
}

@test "agree: an unknown critical chunk is unsupported; random access does not see it" {
    agree bad-critical
    run "$VERIFY" "$VEC/bad-critical.rpt"
    [[ "$output" == *"unknown critical chunk 'ZZZZ'"* ]]
}

@test "agree: a wrong stored length in an index entry is a digest mismatch everywhere" {
    agree bad-stored extract list-l
}

@test "agree: a seal's wrong generation is a digest mismatch, its matching trailer is not damage" {
    agree bad-seal-generation extract list-l list
    run "$VERIFY" -p "$VEC/test-only.pub" - < "$VEC/bad-seal-generation.rpt"
    [[ "$output" != *"trailer"* ]]
}

@test "agree: a seal's wrong count is a digest mismatch" {
    agree bad-seal-count extract list-l list
}

@test "agree: junk after the last trailer is reported by every tool" {
    agree bad-tail-junk extract list-l list
    run "$LIST" --json "$VEC/bad-tail-junk.rpt"
    [ "$status" -eq 3 ]
    [[ "$output" == *"not part of the sealed archive"* ]]
}

@test "agree: an append that did not finish is reported by every tool as truncated" {
    agree bad-tail-append extract list-l list
    run "$LIST" "$VEC/bad-tail-append.rpt"
    [[ "$output" == *"a/sealed.txt"* ]]
    [[ "$output" != *"a/never-sealed.txt"* ]]
    [[ "$output" == *"incomplete generation"* ]]
}

@test "agree: a flipped byte in the newest trailer does not silently serve the older generation" {
    agree bad-newest-trailer extract list-l list
    run "$LIST" "$VEC/bad-newest-trailer.rpt"
    [[ "$output" == *"not the newest"* ]]
    run "$EXTRACT" -p "$VEC/test-only.pub" -C x "$VEC/bad-newest-trailer.rpt"
    [[ "$output" == *"not the newest"* ]]
}

@test "agree: replay -- a generation sealed by an untrusted key is not extracted under -p" {
    agree bad-replay extract
    [ ! -e out-bad-replay/a/replayed.txt ]
    run "$EXTRACT" -p "$VEC/test-only.pub" -C y "$VEC/bad-replay.rpt" a/replayed.txt
    [ "$status" -eq 4 ]
    [ ! -e y/a/replayed.txt ]
    [[ "$output" == *"seal of generation 2"* ]]
}
