#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# The acceptance check of issue 10 on real mail: ../shared/corpus/mail
# packed with no metadata options gives every message that has a Date and
# a Subject that date and that title (Python's email package decodes the
# headers independently). Skipped, saying so, where the corpus is absent;
# RPT_CORPUS names another copy.

load helper

setup() {
    common_setup
    CORPUS=${RPT_CORPUS:-$BATS_TEST_DIRNAME/../../../shared/corpus}
    [ -d "$CORPUS/mail" ] || skip "no corpus at $CORPUS (set RPT_CORPUS)"
}

@test "corpus mail: every message with Date and Subject gets that date and title" {
    "$PACK" -q -s k.sec -o mail.rpt -C "$CORPUS" mail
    "$LIST" --json mail.rpt > mail.json
    run python3 - "$CORPUS/mail" mail.json <<'PY'
import datetime, email.header, email.utils, json, os, re, sys
corpus, listing = sys.argv[1], sys.argv[2]
recs = {}
for line in open(listing, encoding='utf-8'):
    if line.strip():
        o = json.loads(line)
        recs[o['name']] = o

def header(raw, name):
    """The first field called name, unfolded, its raw 8-bit bytes read as
    UTF-8 when they are that and as ISO-8859-1 otherwise (as rpt-pack)."""
    head = raw.split(b'\n\n', 1)[0].split(b'\r\n\r\n', 1)[0]
    lines = head.split(b'\n')
    if lines and lines[0].startswith(b'From '):
        lines = lines[1:]
    for i, l in enumerate(lines):
        k, sep, v = l.partition(b':')
        if sep and k.strip().lower() == name:
            for more in lines[i + 1:]:
                if more[:1] not in (b' ', b'\t'):
                    break
                v += more
            v = v.replace(b'\r', b'')
            try:
                return v.decode('utf-8')
            except UnicodeDecodeError:
                return v.decode('latin-1')
    return None

norm = lambda s: re.sub(r'\s+', ' ', s).strip()
both = got = 0
for name in sorted(os.listdir(corpus)):
    raw = open(os.path.join(corpus, name), 'rb').read()
    date, subject = header(raw, b'date'), header(raw, b'subject')
    if date is None or subject is None:
        continue
    both += 1
    r = recs['mail/' + name]
    want_title = norm(str(email.header.make_header(email.header.decode_header(subject))))
    try:
        t = email.utils.parsedate_to_datetime(date.strip())
        want_issued = t.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
    except (TypeError, ValueError):
        want_issued = None  # Python cannot read it either: not counted against rpt
    if norm(r['title']) == want_title and want_issued in (None, r['issued']) \
            and r['media_type'] == 'message/rfc822':
        got += 1
    else:
        print('MISMATCH', name, repr(r['issued']), repr(want_issued), repr(r['title']), repr(want_title))
print(f'{both} records carry a Date and a Subject; {got} got that date and title')
sys.exit(0 if both == got and both > 0 else 1)
PY
    echo "$output" >&3
    [ "$status" -eq 0 ]
    [[ "$output" == *"records carry a Date and a Subject"* ]]
}
