# SPDX-License-Identifier: ISC
# helper.bash -- shared setup for the rpt CLI tests: paths to the tools,
# a throwaway key pair, a few tiny bulletins, and byte surgery on archives.

: "${RPT_BIN:?set RPT_BIN to the directory holding rpt-pack and friends}"
PACK=$RPT_BIN/rpt-pack
VERIFY=$RPT_BIN/rpt-verify
LIST=$RPT_BIN/rpt-list
EXTRACT=$RPT_BIN/rpt-extract
KEYGEN=$RPT_BIN/rpt-keygen

common_setup() {
    T=$BATS_TEST_TMPDIR
    cd "$T" || return 1
    unset SOURCE_DATE_EPOCH
    "$KEYGEN" -q -W -p "$T/k.pub" -s "$T/k.sec"
    mk_bulletins "$T/b"
}

# mk_bulletins DIR -- a handful of short press bulletins, one in a subdirectory.
mk_bulletins() {
    mkdir -p "$1/court"
    cat > "$1/narcotics.txt" <<'T'
Ministry of the Interior: 41 arrests in coastal narcotics operation

The Ministry reports that a joint operation seized 212 kg of cannabis resin
and closed three storage sites. Investigations continue.
T
    cat > "$1/weather.txt" <<'T'

   Weather warning: strong winds on the northern coast
Gusts of 90 km/h are expected from Tuesday evening. Secure loose objects.
T
    cat > "$1/court/notice-17.txt" <<'T'
Court notice 17/2024: hearing moved to 3 June
The hearing in the matter of the port authority is moved to 3 June, 10:00.
T
    touch -d '2024-05-01 09:00:00Z' "$1/narcotics.txt"
    touch -d '2024-05-02 10:30:00Z' "$1/weather.txt"
    touch -d '2024-05-03 12:00:00Z' "$1/court/notice-17.txt"
}

# tamper ARCHIVE NEEDLE [last] -- flips one bit in the first byte of the
# first (or last) NEEDLE and fixes the enclosing chunk's CRC, so the
# framing stays intact and only a signature or digest can notice.
# tamper ARCHIVE @TYPE -- the same on the last byte of the first chunk
# of that TYPE's body.
tamper() {
    python3 - "$1" "$2" "${3:-first}" <<'PY'
import sys, zlib, struct
path, needle, which = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
d = bytearray(open(path, 'rb').read())
if needle.startswith(b'@'):
    off = 8
    while d[off:off + 4] != needle[1:]:
        off += struct.unpack_from('<I', d, off + 4)[0] + 12
    at = off + 8 + struct.unpack_from('<I', d, off + 4)[0] - 1
else:
    at = d.rfind(needle) if which == 'last' else d.find(needle)
assert at > 0, "needle not found"
d[at] ^= 1
off = 8
while off + 12 <= len(d):
    n = struct.unpack_from('<I', d, off + 4)[0]
    end = off + 8 + n
    if off <= at < end:
        crc = zlib.crc32(bytes(d[off:off + 4]) + bytes(d[off + 8:end])) & 0xffffffff
        struct.pack_into('<I', d, end, crc)
        break
    off = end + 4
open(path, 'wb').write(d)
PY
}

# flip ARCHIVE NEEDLE -- flips one bit and leaves the CRC wrong (damage).
flip() {
    python3 - "$1" "$2" <<'PY'
import sys
path, needle = sys.argv[1], sys.argv[2].encode()
d = bytearray(open(path, 'rb').read())
at = d.find(needle)
assert at > 0, "needle not found"
d[at] ^= 1
open(path, 'wb').write(d)
PY
}

# cut ARCHIVE BYTES -- removes the last BYTES bytes.
cut_tail() {
    local size
    size=$(stat -c %s "$1")
    truncate -s $((size - $2)) "$1"
}
