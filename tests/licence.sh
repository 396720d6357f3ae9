#!/bin/sh
# SPDX-License-Identifier: ISC
# licence.sh -- every file the project wrote carries its licence: an
# SPDX-License-Identifier: ISC line near the top, which Debian's
# licensecheck (what lintian and licence reviews use) reads as ISC, and the
# ISC text in LICENSE. Data (vectors, bulletins, results) is left out.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
command -v licensecheck >/dev/null 2>&1 || { echo "licence.sh: licensecheck missing (apt-get install -y licensecheck)" >&2; exit 2; }
fails=0
[ "$(licensecheck LICENSE | sed 's/^LICENSE: //')" = "ISC License" ] ||
    { echo "FAIL LICENSE is not read as the ISC licence" >&2; fails=$((fails + 1)); }
files=$(git ls-files -- '*.c' '*.h' '*.sh' '*.py' '*.bats' '*.bash' '*.js' '*.ksy' \
    '*.map' '*.in' '*.magic' '*.toml' 'Makefile' '.ci/run' 'man/*' 'completions/*')
n=0
for f in $files; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    if ! head -n 5 "$f" | grep -q 'SPDX-License-Identifier: ISC'; then
        echo "FAIL $f: no 'SPDX-License-Identifier: ISC' in its first lines" >&2
        fails=$((fails + 1))
        continue
    fi
    case $(licensecheck "$f") in
        *ISC*) ;;
        *) echo "FAIL $f: licensecheck does not read it as ISC: $(licensecheck "$f")" >&2
           fails=$((fails + 1)) ;;
    esac
done
[ "$fails" -eq 0 ] || { echo "licence.sh: $fails of $n files without the ISC licence" >&2; exit 1; }
echo "licence.sh: all $n source files and LICENSE are ISC"
