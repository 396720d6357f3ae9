#!/usr/bin/env bats
# Passphrase prompts and the progress line, driven on real terminals:
# tmux for typed passphrases, script(1) for what stderr shows.

load helper

setup() {
    common_setup
    SOCK=$T/tmux.sock
}

teardown() { tmux -S "$SOCK" kill-server 2>/dev/null || true; }

tm() { TERM=xterm tmux -S "$SOCK" "$@"; }

# wait_screen TEXT -- waits up to 10 s for TEXT on the tmux screen.
wait_screen() {
    for _ in $(seq 1 100); do
        tm capture-pane -p | grep -qF -- "$1" && return 0
        sleep 0.1
    done
    echo "screen never showed '$1':"; tm capture-pane -p
    return 1
}

run_in_tmux() {
    tm new-session -d -x 200 -y 50 "cd '$T' && $1; echo EXIT=\$?; sleep 60"
}

@test "keygen asks twice without echo; the key works for pack on a terminal" {
    run_in_tmux "'$KEYGEN' -p e.pub -s e.sec"
    wait_screen "Passphrase for the new key:"
    tm send-keys 'tr0ub4dor' Enter
    wait_screen "Passphrase (again):"
    tm send-keys 'tr0ub4dor' Enter
    wait_screen "EXIT=0"
    run tm capture-pane -p
    [[ "$output" != *tr0ub4dor* ]]
    tm kill-server
    SOCK=$T/tmux2.sock # a fresh server: the old one may still be going away
    run_in_tmux "'$PACK' -s e.sec -o a.rpt b"
    wait_screen "Passphrase for e.sec:"
    tm send-keys 'tr0ub4dor' Enter
    wait_screen "EXIT=0"
    run tm capture-pane -p
    [[ "$output" != *tr0ub4dor* ]]
    "$VERIFY" -q -p e.pub a.rpt
}

@test "keygen on a terminal: passphrases that differ are refused" {
    run_in_tmux "'$KEYGEN' -p e.pub -s e.sec"
    wait_screen "Passphrase for the new key:"
    tm send-keys 'one' Enter
    wait_screen "again"
    tm send-keys 'two' Enter
    wait_screen "EXIT=2"
    tm capture-pane -p | grep -q "do not match"
    [ ! -e e.sec ]
}

@test "pack on a terminal: a wrong passphrase exits 2, the terminal echoes again" {
    printf 'right\n' > pass
    "$KEYGEN" -q --passphrase-file pass -p e.pub -s e.sec
    run_in_tmux "'$PACK' -s e.sec -o a.rpt b; echo PACK=\$?; stty -a | grep -c ' echo '"
    wait_screen "Passphrase for e.sec:"
    tm send-keys 'wrong' Enter
    wait_screen "EXIT=0"
    tm capture-pane -p | grep -q "wrong passphrase"
    tm capture-pane -p | grep -qx "PACK=2"
    tm capture-pane -p | grep -qx "1"
    [ ! -e a.rpt ]
}

@test "an encrypted key without a terminal or passphrase file exits 2" {
    printf 'right\n' > pass
    "$KEYGEN" -q --passphrase-file pass -p e.pub -s e.sec
    run setsid "$PACK" -s e.sec -o a.rpt b < /dev/null
    [ "$status" -eq 2 ]
    [[ "$output" == *"--passphrase-file"* ]]
}

@test "an unencrypted key asks nothing, even without a terminal" {
    run setsid "$PACK" -q -s k.sec -o a.rpt b < /dev/null
    [ "$status" -eq 0 ]
}

@test "progress shows on a terminal when the job passes a second; -q silences it" {
    run script -qec "sh -c '(sleep 1.5; printf \"slow bulletin\\n\") | \"$PACK\" -s k.sec -o a.rpt --stdin-name slow.txt'" /dev/null
    [ "$status" -eq 0 ]
    [[ "$output" == *"1/1 records"*"/s"* ]]
    [[ "$output" == *"1 record,"*"archive ("* ]]
    run script -qec "sh -c '(sleep 1.5; printf \"slow bulletin\\n\") | \"$PACK\" -q -s k.sec -o c.rpt --stdin-name slow.txt'" /dev/null
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

@test "no progress line when stderr is not a terminal, or the job is quick" {
    run sh -c "(sleep 1.5; echo slow) | \"$PACK\" -s k.sec -o a.rpt --stdin-name slow.txt 2>&1"
    [ "$status" -eq 0 ]
    [[ "$output" != *"records,"* ]]
    run script -qec "\"$PACK\" -s k.sec -o c.rpt b" /dev/null
    [ "$status" -eq 0 ]
    [[ "$output" != *"/3 records"* ]]
}

@test "TERM=dumb: no progress line redrawn in place, the summary stays" {
    run script -qec "sh -c '(sleep 1.5; printf \"slow bulletin\\n\") | TERM=dumb \"$PACK\" -s k.sec -o a.rpt --stdin-name slow.txt'" /dev/null
    [ "$status" -eq 0 ]
    [[ "$output" != *"1/1 records"* ]]
    [[ "$output" == *"1 record,"*"archive ("* ]]
}
