#!/bin/sh
# SPDX-License-Identifier: ISC
# manlinks.sh install|uninstall DIR PAGE... -- one small page per function
# documented in a section 3 page, holding `.so man3/PAGE`, so that
# `man rpt_reader_open_path` finds rpt_reader(3). Each page names its
# functions on a comment line: .\" names: rpt_a rpt_b ...
set -eu
mode=$1 dir=$2
shift 2
for page in "$@"; do
    base=$(basename "$page")
    for fn in $(sed -n 's/^\.\\" names: //p' "$page"); do
        [ "$fn.3" = "$base" ] && continue
        case $mode in
            install) printf '.so man3/%s\n' "$base" > "$dir/$fn.3" ;;
            uninstall) rm -f "$dir/$fn.3" ;;
        esac
    done
done
