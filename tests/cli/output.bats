#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# What rpt-pack writes: only ever a regular file, refused before any work
# when it cannot be; created as the umask says; and no temporary left
# behind by SIGINT, SIGTERM or SIGHUP.

load helper

setup() { common_setup; }

@test "-f never replaces a FIFO, a symbolic link, a directory or a device" {
    mkfifo fifo
    run "$PACK" -f -s k.sec -o fifo b
    [ "$status" -eq 2 ]
    [[ "$output" == *"'fifo' is a FIFO, not a regular file"* ]]
    [ -p fifo ]
    echo keep > target
    ln -s target link
    run "$PACK" -f -s k.sec -o link b
    [ "$status" -eq 2 ]
    [[ "$output" == *"a symbolic link, not a regular file"* ]]
    [ -L link ] && [ "$(cat target)" = keep ]
    run "$PACK" -f -s k.sec -o /dev/null b
    [ "$status" -eq 2 ]
    [[ "$output" == *"a device or socket, not a regular file"* ]]
    [ -c /dev/null ]
    "$PACK" -q -s k.sec -o - b > piped.rpt # standard output stays the way
    "$VERIFY" -q -p k.pub piped.rpt
}

@test "a bad output is refused before any work: before the inputs are read" {
    mkdir outdir
    run "$PACK" -f -s k.sec -o outdir b does-not-exist
    [ "$status" -eq 2 ]
    [[ "$output" == *"'outdir' is a directory, not a regular file"* ]]
    [[ "$output" != *"does-not-exist"* ]]
    [ -z "$(ls outdir)" ]
}

@test "the archive's mode follows the umask, as tar's and zip's do" {
    (umask 077 && "$PACK" -q -s k.sec -o private.rpt b)
    [ "$(stat -c %a private.rpt)" = 600 ]
    (umask 022 && "$PACK" -q -s k.sec -o shared.rpt b)
    [ "$(stat -c %a shared.rpt)" = 644 ]
    (umask 077 && "$PACK" -q -f -s k.sec -o shared.rpt b) # a replacement too
    [ "$(stat -c %a shared.rpt)" = 600 ]
}

@test "an append to an archive through a symbolic link appends to its target" {
    "$PACK" -q -s k.sec -o real.rpt b
    ln -s real.rpt alias.rpt
    echo late > late.txt
    "$PACK" -q -s k.sec -o alias.rpt --append late.txt
    [ -L alias.rpt ]
    run "$LIST" real.rpt
    [[ "$output" == *late.txt* ]]
}

# big_inputs -- enough work that a pack takes a second or more.
big_inputs() {
    mkdir -p big
    for i in $(seq 1 24); do
        head -c 3000000 /dev/urandom | base64 > "big/f$i.txt"
    done
}

@test "SIGINT, SIGTERM and SIGHUP during a pack leave nothing behind" {
    big_inputs
    for sig in INT TERM HUP; do
        # a shell starts background jobs with SIGINT ignored; undo that,
        # as a terminal's Ctrl-C would find it
        perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV' \
            "$PACK" -q -j1 -9 -s k.sec -o "killed-$sig.rpt" big &
        pid=$!
        sleep 0.4
        kill -s "$sig" "$pid"
        st=0
        wait "$pid" || st=$?
        [ "$st" -gt 128 ] # died of the signal, as it should
        [ ! -e "killed-$sig.rpt" ]
        left=$(ls -A | grep -v -x -e k.pub -e k.sec -e b -e big || true)
        [ -z "$left" ] || { echo "left behind: $left"; return 1; }
    done
}

@test "a pack killed outright (SIGKILL) leaves no named temporary either" {
    big_inputs
    "$PACK" -q -j1 -9 -s k.sec -o killed.rpt big &
    pid=$!
    sleep 0.4
    kill -KILL "$pid"
    wait "$pid" || true
    left=$(ls -A | grep -v -x -e k.pub -e k.sec -e b -e big || true)
    [ -z "$left" ] || { echo "left behind: $left"; return 1; }
}
