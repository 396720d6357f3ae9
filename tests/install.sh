#!/bin/sh
# SPDX-License-Identifier: ISC
# install.sh BUILDDIR -- what a packager does: stage `make install` under a
# DESTDIR, build examples/rpt-cat.c against it through pkg-config (shared
# and static) and run both, check what the libraries export, then
# `make uninstall` and check that nothing is left. Also checks that a
# user's CFLAGS, CPPFLAGS and LDFLAGS add to the flags the build needs.
set -eu

B=${1:?usage: sh tests/install.sh BUILDDIR}
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rpt-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/stage
fails=0
ok() { printf 'ok   %s\n' "$*"; }
bad() { printf 'FAIL %s\n' "$*" >&2; fails=$((fails + 1)); }
check() { # check DESCRIPTION COMMAND...
    d=$1; shift
    if "$@"; then ok "$d"; else bad "$d"; fi
}
cd "$top"
version=$(sed -n 's/^#define RPT_VERSION_STRING "\(.*\)"/\1/p' include/archive_rpt.h)

# -- user flags add to the required ones (dry run: nothing is rebuilt)
cmds=$(make -s -n -B B="$tmp/flags" CFLAGS=-O1 CPPFLAGS=-D_FORTIFY_SOURCE=2 \
    LDFLAGS=-Wl,-z,relro "$tmp/flags/lib/libarchive_rpt.so.$version" 2>&1)
for f in -std=c11 -D_GNU_SOURCE -Wall -Wextra -Iinclude -O1 -D_FORTIFY_SOURCE=2 \
    -Wl,-z,relro -Wl,--version-script=libarchive_rpt/libarchive_rpt.map; do
    case $cmds in
        *" $f "* | *" $f") ok "make CFLAGS/CPPFLAGS/LDFLAGS keeps $f" ;;
        *) bad "make CFLAGS/CPPFLAGS/LDFLAGS lost $f" ;;
    esac
done

# -- staged install into a custom layout
make -s B="$B" install PREFIX=/usr DESTDIR="$stage" LIBDIR=/usr/lib/x86_64-test \
    MANDIR=/usr/share/man >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; exit 1; }
for f in usr/bin/rpt-pack usr/bin/rpt-verify usr/include/archive_rpt.h \
    usr/lib/x86_64-test/libarchive_rpt.a usr/lib/x86_64-test/libarchive_rpt.so.1 \
    usr/lib/x86_64-test/libarchive_rpt.so usr/lib/x86_64-test/pkgconfig/libarchive_rpt.pc \
    usr/share/man/man1/rpt-pack.1 usr/share/man/man3/rpt_reader.3 \
    usr/share/man/man3/rpt_reader_open_path.3 usr/share/man/man5/rpt.5 \
    usr/share/rpt/rpt.magic usr/share/bash-completion/completions/rpt-verify \
    usr/share/zsh/site-functions/_rpt; do
    check "installed /$f" test -e "$stage/$f"
done
lib=$stage/usr/lib/x86_64-test

# -- what the libraries export: the public API only
extra=$(nm -g --defined-only "$lib/libarchive_rpt.a" | awk 'NF == 3 && $3 !~ /^rpt_/ {print $3}')
check "the static archive exports only rpt_* (extra: ${extra:-none})" test -z "$extra"
extra=$(nm -D --defined-only "$lib/libarchive_rpt.so.1" |
    awk '$3 !~ /^rpt_.*@@RPT_1\.0$/ && $3 != "RPT_1.0" {print $3}')
check "the shared library exports only versioned rpt_* (extra: ${extra:-none})" test -z "$extra"
soname=$(objdump -p "$lib/libarchive_rpt.so.1" | awk '$1 == "SONAME" {print $2}')
check "soname is libarchive_rpt.so.1 (got $soname)" test "$soname" = libarchive_rpt.so.1

# -- a program built through pkg-config, shared and static
export PKG_CONFIG_SYSROOT_DIR="$stage" PKG_CONFIG_LIBDIR="$lib/pkgconfig:$(pkg-config --variable pc_path pkg-config)"
cflags=$(pkg-config --cflags libarchive_rpt)
check "pkg-config --modversion is the header's version" \
    test "$(pkg-config --modversion libarchive_rpt)" = "$version"
${CC:-cc} -Wall -Wextra -Werror examples/rpt-cat.c $cflags $(pkg-config --libs libarchive_rpt) \
    -o "$tmp/cat-shared"
${CC:-cc} -Wall -Wextra -Werror -static examples/rpt-cat.c $cflags \
    $(pkg-config --static --libs libarchive_rpt) -o "$tmp/cat-static"
check "the shared example links libarchive_rpt.so.1" \
    sh -c "objdump -p '$tmp/cat-shared' | grep -q 'NEEDED *libarchive_rpt.so.1'"
check "the static example needs no shared libarchive_rpt" \
    sh -c "! objdump -p '$tmp/cat-static' | grep -q 'NEEDED *libarchive_rpt'"

bin=$stage/usr/bin
"$bin/rpt-keygen" -q -W -p "$tmp/k.pub" -s "$tmp/k.sec"
"$bin/rpt-keygen" -q -W -p "$tmp/other.pub" -s "$tmp/other.sec"
(cd tests && "$bin/rpt-pack" -q -s "$tmp/k.sec" -o "$tmp/b.rpt" bulletins)
name=bulletins/interior/2026-03-02-narcotics-crackdown.txt
for kind in shared static; do
    run="$tmp/cat-$kind"
    LD_LIBRARY_PATH=$lib "$run" "$tmp/k.pub" "$tmp/b.rpt" > "$tmp/list.$kind"
    check "$kind example lists all $(find tests/bulletins -type f | wc -l) bulletins" \
        test "$(wc -l < "$tmp/list.$kind")" -eq "$(find tests/bulletins -type f | wc -l)"
    LD_LIBRARY_PATH=$lib "$run" "$tmp/k.pub" "$tmp/b.rpt" "$name" > "$tmp/one.$kind"
    check "$kind example extracts $name byte for byte" cmp -s "$tmp/one.$kind" "tests/$name"
    st=0; LD_LIBRARY_PATH=$lib "$run" "$tmp/other.pub" "$tmp/b.rpt" "$name" > /dev/null 2>&1 || st=$?
    check "$kind example refuses a key that did not sign (exit $st, want 4)" test "$st" -eq 4
done

# -- uninstall leaves nothing behind
make -s B="$B" uninstall PREFIX=/usr DESTDIR="$stage" LIBDIR=/usr/lib/x86_64-test \
    MANDIR=/usr/share/man >"$tmp/uninstall.log" 2>&1 || { cat "$tmp/uninstall.log"; exit 1; }
left=$(cd "$stage" 2>/dev/null && find . -mindepth 1 | head -n 5)
check "make uninstall leaves nothing behind (left: ${left:-nothing})" test -z "$left"

[ "$fails" -eq 0 ] || { echo "install.sh: $fails check(s) failed" >&2; exit 1; }
echo "install.sh: all checks passed"
