#!/bin/sh
# SPDX-License-Identifier: ISC
# deps.sh build|test|bench -- make sure the Debian packages rpt needs are
# present. As root a missing package is installed with apt-get; otherwise
# the exact command is printed and the build stops. Only `make demo`,
# `make test` and `make bench` call this; `make` and `make install` never
# install anything.
set -u
what=${1:-build}
missing=""
need() { # need PACKAGE CHECK...
    pkg=$1; shift
    if ! "$@" >/dev/null 2>&1; then missing="$missing $pkg"; fi
}
has_header() { printf '#include <%s>\nint main(void){return 0;}\n' "$1" | ${CC:-cc} -x c - -o /dev/null -fsyntax-only; }
need make command -v make
need gcc command -v cc
need libsodium-dev has_header sodium.h
need zlib1g-dev has_header zlib.h
need pkg-config command -v pkg-config
need binutils command -v objcopy
if [ "$what" = test ]; then
    need clang command -v clang
    need bats command -v bats
    need minisign command -v minisign
    need python3 command -v python3
    need tmux command -v tmux
    need bsdutils command -v script
    need abigail-tools command -v abidiff
    need python3-pytest /usr/bin/python3 -m pytest --version
    need python3-venv /usr/bin/python3 -c 'import ensurepip'
    need file command -v file
    need zsh command -v zsh
    need mandoc command -v mandoc
    need man-db command -v man
    need licensecheck command -v licensecheck
fi
if [ "$what" = bench ]; then
    need hyperfine command -v hyperfine
    need time test -x /usr/bin/time
    need pigz command -v pigz
    need zip command -v zip
    need unzip command -v unzip
    need minisign command -v minisign
    need gnuplot-nox command -v gnuplot
    need python3 command -v python3
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "deps: installing$missing" >&2
    if [ ! -d /var/lib/apt/lists/partial ] || [ -z "$(ls /var/lib/apt/lists 2>/dev/null | grep -v lock)" ]; then
        apt-get update -qq >&2
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >&2 || {
        apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >&2; } || exit 2
    exit 0
fi
echo "rpt needs these Debian packages:$missing" >&2
echo "install them with:  sudo apt-get install -y$missing" >&2
exit 2
