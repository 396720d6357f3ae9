#!/usr/bin/env bats
# completions/: the bash and zsh completions offer each tool's options, as
# its --help lists them, and complete key files, archives and record names.

load helper

BASH_COMP=$BATS_TEST_DIRNAME/../../completions/bash/rpt
ZSH_DIR=$BATS_TEST_DIRNAME/../../completions/zsh
TOOLS="rpt-keygen rpt-pack rpt-verify rpt-list rpt-extract"

setup() {
    common_setup
    "$PACK" -q -s k.sec -o a.rpt b
    mkdir out
}

# bcomp WORD... -- what the bash completion offers for the command line
# WORD... (the last one is the word being completed), one a line, sorted.
# The completion function is the one the file registers for the tool.
bcomp() {
    (
        set +e
        # shellcheck source=/dev/null
        source "$BASH_COMP"
        local spec func
        spec=$(complete -p "${1##*/}") || exit 1
        func=${spec#*-F }
        func=${func%% *}
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        COMP_LINE="$*"
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        "$func" "${1##*/}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf '%s\n' "${COMPREPLY[@]}" | sort -u
    )
}

# help_longs TOOL -- the long options TOOL --help lists, sorted.
help_longs() { "$RPT_BIN/$1" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u; }

# help_shorts TOOL -- the short options TOOL --help lists ("-0 ... -9" too).
help_shorts() {
    "$RPT_BIN/$1" --help | {
        while IFS= read -r line; do
            if [[ $line =~ ^\ +(-[A-Za-z0-9]), ]]; then
                echo "${BASH_REMATCH[1]}"
            elif [[ $line =~ ^\ +-0\ \.\.\.\ -9 ]]; then
                printf -- '-%d\n' 0 1 2 3 4 5 6 7 8 9
            fi
        done
        # "-h, --help ...;  -V, --version" shares a line
        "$RPT_BIN/$1" --help | grep -q -- '-V, --version' && echo -V
    } | sort -u
}

@test "bash: completing '--' offers exactly each tool's long options from --help" {
    for t in $TOOLS; do
        want=$(help_longs "$t")
        [ -n "$want" ]
        got=$(bcomp "$t" --)
        if [ "$got" != "$want" ]; then
            echo "$t: completion offers:"; echo "$got"
            echo "$t --help lists:"; echo "$want"
            return 1
        fi
    done
}

@test "bash: completing '-' offers each tool's short options from --help" {
    for t in $TOOLS; do
        want=$(help_shorts "$t")
        [ -n "$want" ]
        got=$(bcomp "$t" - | grep -E '^-[^-]$' || true)
        if [ "$got" != "$want" ]; then
            echo "$t: completion offers:"; echo "$got"
            echo "$t --help lists:"; echo "$want"
            return 1
        fi
    done
}

@test "bash: key files by kind, archives, directories" {
    mkdir sub
    run bcomp rpt-verify -p ''
    [ "$output" = "$(printf 'b\nk.pub\nout\nsub')" ]
    run bcomp rpt-verify --public = ''
    [ "$output" = "$(printf 'b\nk.pub\nout\nsub')" ]
    run bcomp rpt-pack -s ''
    [ "$output" = "$(printf 'b\nk.sec\nout\nsub')" ]
    run bcomp rpt-keygen --secret ''
    [ "$output" = "$(printf 'b\nk.sec\nout\nsub')" ]
    run bcomp rpt-verify -p k.pub ''
    [ "$output" = "$(printf 'a.rpt\nb\nout\nsub')" ]
    run bcomp rpt-extract -C ''
    [ "$output" = "$(printf 'b\nout\nsub')" ]
    run bcomp rpt-pack --dict ''
    [[ "$output" == *auto*none* ]]
}

@test "bash: record names come from the archive, after any options" {
    # a tool run by its path finds rpt-list next to it
    run bcomp "$RPT_BIN/rpt-list" --json a.rpt b/n
    [ "$output" = "b/narcotics.txt" ]
    # otherwise rpt-list comes from PATH
    run bcomp rpt-list a.rpt b/n
    [ "$output" = "" ]
    PATH=$RPT_BIN:$PATH
    run bcomp rpt-extract a.rpt ''
    [ "$output" = "$(printf 'b/court/notice-17.txt\nb/narcotics.txt\nb/weather.txt')" ]
    run bcomp rpt-extract -p k.pub -C out --glob a.rpt b/c
    [ "$output" = "b/court/notice-17.txt" ]
    run bcomp rpt-extract --public = k.pub a.rpt b/w
    [ "$output" = "b/weather.txt" ]
    run bcomp rpt-list -l a.rpt b/n
    [ "$output" = "b/narcotics.txt" ]
    # standard input and a file that is no archive give no names
    run bcomp rpt-extract - ''
    [ "$output" = "" ]
    run bcomp rpt-list b/weather.txt ''
    [ "$output" = "" ]
}

@test "zsh: _rpt parses" {
    command -v zsh >/dev/null || skip "zsh is not installed"
    run zsh -n "$ZSH_DIR/_rpt"
    [ "$status" -eq 0 ]
    [ "$output" = "" ]
    head -1 "$ZSH_DIR/_rpt" | grep -qx "#compdef $TOOLS"
}

@test "zsh: each tool's function names exactly the long options of its --help" {
    for t in $TOOLS; do
        body=$(awk -v f="_$t() {" '$0 == f, /^}/' "$ZSH_DIR/_rpt")
        [ -n "$body" ]
        got=$(grep -oE -- '--[a-z][a-z-]*' <<< "$body" | sort -u)
        want=$(help_longs "$t")
        if [ "$got" != "$want" ]; then
            echo "$t: _rpt names:"; echo "$got"
            echo "$t --help lists:"; echo "$want"
            return 1
        fi
    done
}

# zcomp WORDS -- the matches an interactive zsh offers for WORDS<Tab>.
zcomp() {
    PATH=$RPT_BIN:$PATH zsh -f "$BATS_TEST_DIRNAME/zcomp.zsh" "$ZSH_DIR" "$T/hits" "$1" || return
    grep -v "^$" "$T/hits" | sort -u
}

@test "zsh: completing in a terminal offers options, keys and record names" {
    command -v zsh >/dev/null || skip "zsh is not installed"
    zsh -fc 'zmodload zsh/zpty' 2>/dev/null || skip "zsh has no zpty module"
    run zcomp 'rpt-verify --'
    [ "$output" = "$(help_longs rpt-verify)" ]
    run zcomp 'rpt-verify -p '
    [ "$output" = "$(printf 'b\nk.pub\nout')" ]
    run zcomp 'rpt-extract a.rpt b/court/'
    [[ "$output" == *"notice-17.txt"* ]]
    [[ "$output" != *"weather"* ]]
}
