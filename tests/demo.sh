#!/bin/sh
# SPDX-License-Identifier: ISC
# demo.sh BUILDDIR -- a guided tour of rpt on the sample bulletins; `make demo` runs it.
# Exits 0 only when every tool did what the README says, so it doubles as a smoke test.
set -eu

B=${1:?usage: sh tests/demo.sh BUILDDIR}
root=$(cd "$(dirname "$0")/.." && pwd)
case $B in /*) bin=$B/bin ;; *) bin=$root/$B/bin ;; esac
for t in rpt-keygen rpt-pack rpt-verify rpt-list rpt-extract; do
    if [ ! -x "$bin/$t" ]; then
        echo "demo: $bin/$t is missing; build the tools first with: make" >&2
        exit 2
    fi
done
PATH=$bin:$PATH
export PATH

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rpt-demo.XXXXXX")
if [ -n "${RPT_DEMO_KEEP:-}" ]; then
    trap 'echo "demo: files kept in $tmp"' EXIT
else
    trap 'rm -rf "$tmp"' EXIT
fi
trap 'exit 130' INT TERM
cd "$tmp"

step() { printf '\n== %s\n' "$*"; }
say() { printf '%s\n' "$*"; }
die() { printf 'demo: FAILED: %s\n' "$*" >&2; exit 1; }
# show CMD...: echo a command as one would type it, quoting what needs it.
show() {
    line='$'
    for a in "$@"; do
        case $a in
            '' | *[!A-Za-z0-9_./=:@%+,-]*) a="'$a'" ;;
        esac
        line="$line $a"
    done
    printf '%s\n' "$line"
}
# expect STATUS CMD...: show and run CMD; stop the demo if it exits otherwise.
expect() {
    want=$1; shift
    show "$@"
    got=0
    "$@" || got=$?
    say "(exit status $got)"
    [ "$got" = "$want" ] || die "expected exit status $want from '$*', got $got"
}
# json_num FIELD: the first numeric FIELD in the JSON on standard input.
json_num() {
    tr ',{}' '\n\n\n' | sed -n "s/^[[:space:]]*\"$1\"[[:space:]]*:[[:space:]]*\([0-9][0-9]*\).*/\1/p" | head -n 1
}
# bytes FILE OFFSET COUNT: copy COUNT bytes of FILE from OFFSET to standard output.
bytes() { dd if="$1" bs=1 skip="$2" count="$3" 2>/dev/null; }
# poke FILE OFFSET: overwrite FILE at OFFSET with standard input, keeping its length.
poke() { dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null; }
# byte_at FILE OFFSET: the byte at OFFSET as a decimal number.
byte_at() { od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' \n'; }
# put_byte FILE OFFSET VALUE
put_byte() { printf "\\$(printf %o "$3")" | poke "$1" "$2"; }

step "0. the sample bulletins"
# Packing takes a file's issued time from its mtime, so give each copy the
# time on its "Issued:" line; a fresh checkout would otherwise date them all today.
cp -R "$root/tests/bulletins" bulletins
find bulletins -type f | sort | while IFS= read -r f; do
    stamp=$(sed -n '2,6s/^Issued: \([0-9]\{4\}\)-\([0-9]\{2\}\)-\([0-9]\{2\}\)T\([0-9]\{2\}\):\([0-9]\{2\}\):\([0-9]\{2\}\)Z$/\1\2\3\4\5.\6/p' "$f")
    if [ -n "$stamp" ]; then TZ=UTC0 touch -t "$stamp" "$f"; fi
done
n=$(find bulletins -type f | wc -l | tr -d ' ')
size=$(find bulletins -type f -exec cat {} + | wc -c | tr -d ' ')
say "$n bulletins, $size bytes, in $tmp/bulletins/, for example:"
say "$ head -n 5 bulletins/interior/2026-03-02-narcotics-crackdown.txt"
head -n 5 bulletins/interior/2026-03-02-narcotics-crackdown.txt

step "1. make a throwaway key"
say "(-W: no passphrase, for this demo only; a real secret key is encrypted and kept offline)"
expect 0 rpt-keygen -W -c "rpt demo key" -p demo.pub -s demo.key
say "$ cat demo.pub"
cat demo.pub

step "2. pack the bulletins into one signed archive"
expect 0 rpt-pack -s demo.key -o bulletins.rpt --source "Government Press Office" bulletins
say "archive: $(wc -c < bulletins.rpt | tr -d ' ') bytes for $size bytes of bulletins"

step "3. verify the archive with the public key"
expect 0 rpt-verify -p demo.pub bulletins.rpt
say
say "Without -p, verify still checks every CRC, digest and signature against the"
say "keys stored in the archive, but nobody vouched for those keys: exit status 4."
expect 4 rpt-verify -q bulletins.rpt

step "4. list the archive"
expect 0 rpt-list -l bulletins.rpt
say
expect 0 rpt-list --info bulletins.rpt

step "5. pull out one bulletin by name"
name=bulletins/interior/2026-03-02-narcotics-crackdown.txt
say "$ rpt-extract -p demo.pub -O bulletins.rpt $name > extracted.txt"
rpt-extract -p demo.pub -O bulletins.rpt "$name" > extracted.txt || die "rpt-extract failed"
say "$ cmp extracted.txt $name"
cmp extracted.txt "$name" || die "the extracted bulletin differs from the original"
say "identical to the original; it reads:"
sed -n '1,4p' extracted.txt

step "6. flip one byte in the middle of a record, as a bad disk might"
victim=bulletins/meteo/2026-01-14-storm-warning.txt
json=$(rpt-list --json bulletins.rpt "$victim") || die "rpt-list --json failed"
offset=$(printf '%s\n' "$json" | json_num offset)
stored=$(printf '%s\n' "$json" | json_num stored)
[ -n "$offset" ] && [ -n "$stored" ] || die "no offset/stored for $victim in: $json"
pos=$((offset + stored / 2))
cp bulletins.rpt damaged.rpt
old=$(byte_at damaged.rpt "$pos")
new=$((old ^ 255))
put_byte damaged.rpt "$pos" "$new"
say "$victim: record at offset $offset, $stored bytes;"
say "byte $pos of damaged.rpt changed from $old to $new."
say "The chunk's CRC no longer matches: verify reports the record damaged (exit 3)"
say "and goes on checking the rest."
expect 3 rpt-verify -p demo.pub damaged.rpt

step "7. forge a bulletin: change its title and fix the CRC, as an attacker would"
# A CRC detects accidents, not intent: anyone can recompute it.  The signature
# is what a forger cannot redo without the secret key.
json=$(rpt-list --json bulletins.rpt "$name") || die "rpt-list --json failed"
offset=$(printf '%s\n' "$json" | json_num offset)
stored=$(printf '%s\n' "$json" | json_num stored)
[ -n "$offset" ] && [ -n "$stored" ] || die "no offset/stored for $name in: $json"
cp bulletins.rpt forged.rpt
# The title is stored as plain text near the start of the record.
hit=$(bytes forged.rpt "$offset" "$stored" | grep -aob '41 arrests' | head -n 1 | cut -d: -f1)
[ -n "$hit" ] || die "title text '41 arrests' not found in the record of $name"
pos=$((offset + hit))
put_byte forged.rpt "$pos" 57   # '4' -> '9': "41 arrests" becomes "91 arrests"
# CRC-32 over the chunk type and body (PNG's rule); gzip's trailer holds
# the same CRC-32, little-endian, as rpt stores it.
{ bytes forged.rpt "$offset" 4; bytes forged.rpt $((offset + 8)) $((stored - 12)); } \
    | gzip -c | tail -c 8 | dd bs=1 count=4 2>/dev/null > crc.bin
poke forged.rpt $((offset + stored - 4)) < crc.bin
say "$name: byte $pos changed, \"41 arrests\" now reads \"91 arrests\", CRC recomputed."
say "The framing is intact, but the signature no longer matches: exit 1 (tampered)."
expect 1 rpt-verify -p demo.pub forged.rpt
say
say "Extract checks each record before writing a byte of it, so it refuses too:"
say "$ rpt-extract -p demo.pub -O forged.rpt $name > forged.txt"
got=0
rpt-extract -p demo.pub -O forged.rpt "$name" > forged.txt || got=$?
say "(exit status $got)"
[ "$got" != 0 ] || die "rpt-extract accepted the forged record"
[ ! -s forged.txt ] || die "rpt-extract wrote $(wc -c < forged.txt) bytes of the forged record"
say "nothing was written."

step "done: the original archive verifies, and both kinds of change were caught."
