#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Options as a new user types them: a missing argument, a typo, an
# argument given to a flag, the wrong half of a key pair. One message
# each, exit 2, and a hint where there is one.

load helper

setup() { common_setup; }

@test "a missing argument is one message, not getopt's and then 'unknown option'" {
    for t in "$EXTRACT -p" "$VERIFY -p" "$PACK -s" "$KEYGEN -p"; do
        run $t
        [ "$status" -eq 2 ]
        [[ "$output" == *"option '-"?"' needs an argument"* ]]
        [[ "$output" != *"unknown option"* ]]
        [[ "$output" != *"requires an argument"* ]] # getopt's own message
        [ "$(printf '%s\n' "$output" | grep -c needs)" -eq 1 ]
    done
}

@test "a mistyped long option gets 'did you mean'" {
    run "$PACK" --sorce x
    [ "$status" -eq 2 ]
    [[ "$output" == *"unknown option '--sorce'; did you mean '--source'?"* ]]
    run "$LIST" --jsn a.rpt
    [ "$status" -eq 2 ]
    [[ "$output" == *"did you mean '--json'?"* ]]
    run "$VERIFY" --quite a.rpt
    [[ "$output" == *"did you mean '--quiet'?"* ]]
    run "$EXTRACT" --frobnicate a.rpt
    [ "$status" -eq 2 ]
    [[ "$output" == *"unknown option '--frobnicate'"* ]]
    [[ "$output" != *"did you mean"* ]]
    run "$VERIFY" -x a.rpt
    [ "$status" -eq 2 ]
    [[ "$output" == *"unknown option '-x'"* ]]
}

@test "an argument given to a flag is refused by name" {
    run "$PACK" --quiet=yes -s k.sec -o a.rpt b
    [ "$status" -eq 2 ]
    [[ "$output" == *"option '--quiet' takes no argument"* ]]
    [ ! -e a.rpt ]
}

@test "-s given the public key says which half it wants" {
    run "$PACK" -s k.pub -o a.rpt b
    [ "$status" -eq 2 ]
    [[ "$output" == *"'k.pub' is a public key; -s wants the secret key"* ]]
    [ ! -e a.rpt ]
}
