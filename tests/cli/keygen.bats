#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# rpt-keygen: key files, refusal to overwrite, passphrase files, usage.

load helper

setup() { T=$BATS_TEST_TMPDIR; cd "$T"; }

@test "keygen -W writes a minisign pair, prints the key id, secret mode 0600" {
    run "$KEYGEN" -W -p a.pub -s a.sec
    [ "$status" -eq 0 ]
    [[ "$output" =~ key\ id\ [0-9A-F]{16} ]]
    [ "$(stat -c %a a.sec)" = 600 ]
    head -1 a.pub | grep -q '^untrusted comment: '
    sed -n 2p a.pub | grep -Eq '^RW[A-Za-z0-9+/]{54}$'
    id=$(echo "$output" | sed -n 's/^key id //p')
    grep -q "$id" a.pub
}

@test "keygen refuses to overwrite without -f, overwrites with -f" {
    "$KEYGEN" -q -W -p a.pub -s a.sec
    before=$(cat a.pub)
    run "$KEYGEN" -W -p a.pub -s a.sec
    [ "$status" -eq 2 ]
    [[ "$output" == *"exists"*"-f"* ]]
    [ "$(cat a.pub)" = "$before" ]
    run "$KEYGEN" -W -f -p a.pub -s a.sec
    [ "$status" -eq 0 ]
    [ "$(cat a.pub)" != "$before" ]
}

@test "keygen --passphrase-file encrypts; pack needs that passphrase" {
    printf 'correct horse\n' > pass
    "$KEYGEN" -q --passphrase-file pass -p e.pub -s e.sec
    mk_bulletins b
    run "$PACK" -q -s e.sec --passphrase-file pass -o a.rpt b
    [ "$status" -eq 0 ]
    printf 'wrong\n' > bad
    run "$PACK" -q -s e.sec --passphrase-file bad -o c.rpt b
    [ "$status" -eq 2 ]
    [[ "$output" == *"wrong passphrase"* ]]
    [ ! -e c.rpt ]
}

@test "keygen -c puts the comment in the files" {
    "$KEYGEN" -q -W -c "press office 2024" -p a.pub -s a.sec
    grep -q 'press office 2024' a.pub
}

@test "keygen without a terminal and without -W or a passphrase file fails" {
    run setsid "$KEYGEN" -p a.pub -s a.sec < /dev/null
    [ "$status" -eq 2 ]
    [[ "$output" == *"--passphrase-file"* ]]
    [ ! -e a.sec ]
}

@test "keygen usage errors exit 2" {
    run "$KEYGEN" -W -p a.pub
    [ "$status" -eq 2 ]
    run "$KEYGEN" -W -s a.sec
    [ "$status" -eq 2 ]
    run "$KEYGEN" -W -p x -s x
    [ "$status" -eq 2 ]
    run "$KEYGEN" --bogus
    [ "$status" -eq 2 ]
    run "$KEYGEN" -W -p a.pub -s a.sec extra
    [ "$status" -eq 2 ]
    run "$KEYGEN" -W --passphrase-file p -p a.pub -s a.sec
    [ "$status" -eq 2 ]
    run "$KEYGEN" -W -p /nonexistent/dir/a.pub -s a.sec
    [ "$status" -eq 2 ]
}

@test "keygen empty passphrase is refused" {
    : > empty
    run "$KEYGEN" --passphrase-file empty -p a.pub -s a.sec
    [ "$status" -eq 2 ]
    [[ "$output" == *"-W"* ]]
}

@test "every tool: --help lists the exit codes, --version prints the version" {
    for t in rpt-keygen rpt-pack rpt-verify rpt-list rpt-extract; do
        run "$RPT_BIN/$t" --help
        [ "$status" -eq 0 ]
        [[ "$output" == Usage:* ]]
        [[ "$output" == *"Exit status: 0"*"1 a signature"*"2 usage"*"3 damaged"*"4 valid signatures"* ]]
        run "$RPT_BIN/$t" --version
        [ "$status" -eq 0 ]
        [[ "$output" =~ ^$t\ [0-9]+\.[0-9]+\.[0-9]+ ]]
        run "$RPT_BIN/$t" -h
        [ "$status" -eq 0 ]
        run "$RPT_BIN/$t" --no-such-option
        [ "$status" -eq 2 ]
    done
}

@test "every tool has a man page with the required sections" {
    for t in rpt-keygen rpt-pack rpt-verify rpt-list rpt-extract; do
        m=$BATS_TEST_DIRNAME/../../man/$t.1
        [ -f "$m" ]
        for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES "SEE ALSO"; do
            grep -q "^\.SH \"\?$s" "$m"
        done
        run man --warnings -l "$m"
        [ "$status" -eq 0 ]
    done
}
