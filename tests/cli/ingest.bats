#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# rpt-pack taking real collections in: metadata detected from mail and
# text, dates in file names, manifests, mbox files, tar and zip members,
# --exclude/--include and --keep-going.

load helper

setup() { common_setup; }

# meta ARCHIVE NAME FIELD -- one field of one record from rpt-list --json.
meta() {
    "$LIST" --json "$1" | python3 -c '
import json, sys
for line in sys.stdin:
    o = json.loads(line)
    if o["name"] == sys.argv[1]:
        v = o
        for k in sys.argv[2].split("."):
            v = v[k]
        print(v)
' "$2" "$3"
}

names() { "$LIST" "$1" | awk '{print $3}'; }

mk_mail() {
    mkdir -p mail
    printf '%s\n' \
        'From press@example.org  Mon Mar  2 09:00:00 2026' \
        'Return-Path: <press@example.org>' \
        'From: =?ISO-8859-1?Q?Minist=E8re_de_l=27Int=E9rieur?= <press@example.org>' \
        'Subject: =?UTF-8?B?TmFyY290aWNz?= operation:' \
        ' 41 arrests' \
        'Date: Mon, 2 Mar 2026 10:30:00 +0100 (CET)' \
        'Message-ID: <n41@example.org>' \
        '' \
        'The Ministry reports 41 arrests.' > mail/encoded.eml
    printf 'From: a@example.org\r\nDate: not a date\r\nTo: b@example.org\r\n\r\nNo subject here.\r\n' > mail/bare.eml
    printf 'From: a@example.org\nDate: 3 Mar 26 08:00 EST\nSubject: =?koi8-r?b?8NLJ18XU?=\n\n\xe9t\xe9 in Latin-1\n' > mail/koi8.eml
    touch -d '2026-11-28 12:00:00Z' mail/*.eml
}

@test "detect auto: mail headers give issued, title, source, media type, message-id" {
    mk_mail
    "$PACK" -q -s k.sec -o a.rpt mail
    [ "$(meta a.rpt mail/encoded.eml issued)" = "2026-03-02T09:30:00Z" ]
    [ "$(meta a.rpt mail/encoded.eml title)" = "Narcotics operation: 41 arrests" ]
    [ "$(meta a.rpt mail/encoded.eml source)" = "Ministère de l'Intérieur <press@example.org>" ]
    [ "$(meta a.rpt mail/encoded.eml media_type)" = "message/rfc822" ]
    [ "$(meta a.rpt mail/encoded.eml meta.message-id)" = "<n41@example.org>" ]
    # no Subject: no title (never the mbox line, never a header); a bad Date: the mtime
    [ "$(meta a.rpt mail/bare.eml title)" = "" ]
    [ "$(meta a.rpt mail/bare.eml issued)" = "2026-11-28T12:00:00Z" ]
    [ "$(meta a.rpt mail/bare.eml media_type)" = "message/rfc822" ]
    # an obsolete date, a KOI8-R subject, a body that is not UTF-8
    [ "$(meta a.rpt mail/koi8.eml issued)" = "2026-03-03T13:00:00Z" ]
    [ "$(meta a.rpt mail/koi8.eml title)" = "Привет" ]
    [ "$(meta a.rpt mail/koi8.eml media_type)" = "message/rfc822" ]
}

@test "detect: options win; text and none do not read mail headers" {
    mk_mail
    "$PACK" -q -s k.sec -o a.rpt --title T --source S --media-type text/x --issued @5 \
        --meta message-id=mine mail/encoded.eml
    [ "$(meta a.rpt mail/encoded.eml title)" = "T" ]
    [ "$(meta a.rpt mail/encoded.eml source)" = "S" ]
    [ "$(meta a.rpt mail/encoded.eml media_type)" = "text/x" ]
    [ "$(meta a.rpt mail/encoded.eml issued)" = "1970-01-01T00:00:05Z" ]
    [ "$(meta a.rpt mail/encoded.eml meta.message-id)" = "mine" ]
    "$PACK" -q -s k.sec -o t.rpt --detect text mail/encoded.eml
    [ "$(meta t.rpt mail/encoded.eml title)" = "From press@example.org  Mon Mar  2 09:00:00 2026" ]
    [ "$(meta t.rpt mail/encoded.eml issued)" = "2026-11-28T12:00:00Z" ]
    "$PACK" -q -s k.sec -o n.rpt --detect none mail/encoded.eml
    [ "$(meta n.rpt mail/encoded.eml title)" = "" ]
    [ "$(meta n.rpt mail/encoded.eml source)" = "" ]
    # a text is not a mail: its first line is its title, as before
    "$PACK" -q -s k.sec -o b.rpt --detect mail b/narcotics.txt
    [ "$(meta b.rpt b/narcotics.txt media_type)" = "message/rfc822" ]
    "$PACK" -q -s k.sec -o c.rpt b/narcotics.txt
    [ "$(meta c.rpt b/narcotics.txt media_type)" = "text/plain; charset=utf-8" ]
    run "$PACK" -s k.sec -o d.rpt --detect maybe b
    [ "$status" -eq 2 ]
    [[ "$output" == *"auto, mail, text or none"* ]]
}

@test "--issued-from-name reads a date at the start of the base name" {
    mkdir speeches
    echo "Annual message" > speeches/1962_annual_message.txt
    echo "Crackdown" > speeches/2026-03-02-narcotics-crackdown.txt
    echo "Undated" > speeches/undated.txt
    touch -d '2026-11-28 12:00:00Z' speeches/*
    "$PACK" -q -s k.sec -o y.rpt --issued-from-name %Y speeches
    [ "$(meta y.rpt speeches/1962_annual_message.txt issued)" = "1962-01-01T00:00:00Z" ]
    [ "$(meta y.rpt speeches/2026-03-02-narcotics-crackdown.txt issued)" = "2026-01-01T00:00:00Z" ]
    [ "$(meta y.rpt speeches/undated.txt issued)" = "2026-11-28T12:00:00Z" ]
    "$PACK" -q -s k.sec -o d.rpt --issued-from-name %Y-%m-%d speeches
    [ "$(meta d.rpt speeches/2026-03-02-narcotics-crackdown.txt issued)" = "2026-03-02T00:00:00Z" ]
    [ "$(meta d.rpt speeches/1962_annual_message.txt issued)" = "2026-11-28T12:00:00Z" ]
    "$PACK" -q -s k.sec -o i.rpt --issued-from-name %Y --issued 2000-01-01 speeches
    [ "$(meta i.rpt speeches/1962_annual_message.txt issued)" = "2000-01-01T00:00:00Z" ]
    run "$PACK" -s k.sec -o x.rpt --issued-from-name %m-%d speeches
    [ "$status" -eq 2 ]
    [[ "$output" == *"must read a year"* ]]
}

@test "--exclude and --include, repeatable, on base names and paths" {
    echo x > b/court/notes.md
    run names "$( "$PACK" -q -s k.sec -o a.rpt --exclude '*.md' --exclude court b; echo a.rpt)"
    [ "$output" = "$(printf 'b/narcotics.txt\nb/weather.txt')" ]
    "$PACK" -q -s k.sec -o i.rpt --include '*.md' --include 'court/notice-*' b
    run names i.rpt
    [ "$output" = "$(printf 'b/court/notes.md\nb/court/notice-17.txt')" ]
    "$PACK" -q -s k.sec -o e.rpt --include '*.txt' --exclude 'b/court/*' b
    run names e.rpt
    [ "$output" = "$(printf 'b/narcotics.txt\nb/weather.txt')" ]
    run "$PACK" -s k.sec -o n.rpt --include '*.pdf' b
    [ "$status" -eq 2 ]
    [[ "$output" == *"nothing to pack"* ]]
}

@test "--keep-going skips what cannot be a record, one cause a line, exit 6" {
    printf 'latin-1 name\n' > "b/caf$(printf '\351').txt"
    printf 'a backslash\n' > 'b/back\slash.txt'
    truncate -s $((64 * 1024 * 1024 + 1)) b/huge.bin
    # without it: each cause said once, nothing written, exit 2
    run "$PACK" -s k.sec -o a.rpt b
    [ "$status" -eq 2 ]
    [[ "$output" == *"'b/caf\\xe9.txt': the name is not valid UTF-8"* ]]
    [[ "$output" == *"'b/back\\\\slash.txt': the name holds a backslash"* ]]
    [[ "$output" == *"'b/huge.bin': 67108865 bytes; a record holds at most 67108864 bytes"* ]]
    [[ "$output" != *"control characters, backslash"* ]]
    [[ "$output" == *"nothing was written"* ]]
    [ ! -e a.rpt ]
    run "$PACK" -s k.sec -o a.rpt --keep-going b
    [ "$status" -eq 6 ]
    [ "$(grep -c '^rpt-pack: skipped ' <<< "$output")" -eq 3 ]
    [[ "$output" == *"3 records"*"; 3 inputs skipped"* ]]
    run names a.rpt
    [ "$output" = "$(printf 'b/court/notice-17.txt\nb/narcotics.txt\nb/weather.txt')" ]
    "$VERIFY" -q -p k.pub a.rpt
    # only bad inputs: nothing to pack, exit 2
    run "$PACK" -s k.sec -o only.rpt -k b/huge.bin
    [ "$status" -eq 2 ]
    [[ "$output" == *"every input was skipped"* ]]
}

@test "--keep-going skips an unreadable file" {
    [ "$(id -u)" != 0 ] || skip "root reads every file"
    echo secret > b/closed.txt
    chmod 000 b/closed.txt
    if cat b/closed.txt >/dev/null 2>&1; then skip "this user reads a mode-000 file (root with CAP_DAC_OVERRIDE)"; fi
    run "$PACK" -s k.sec -o a.rpt -k b
    [ "$status" -eq 6 ]
    [[ "$output" == *"skipped 'b/closed.txt': cannot read it: Permission denied"* ]]
}

@test "--manifest CSV: metadata per record, RFC 4180 quoting, relative to the manifest" {
    mkdir cat
    echo "First" > cat/one.txt
    echo "Second" > cat/two.txt
    cat > cat/list.csv <<'CSV'
path,name,issued,title,source,media_type,meta.shelf
one.txt,press/one,2026-03-02,"Title, with ""quotes""",Ministry,,A1
two.txt,,@86400,"A title
on two lines",,text/x-note,
CSV
    "$PACK" -q -s k.sec -o a.rpt --manifest cat/list.csv
    run names a.rpt
    [ "$output" = "$(printf 'press/one\ntwo.txt')" ]
    [ "$(meta a.rpt press/one issued)" = "2026-03-02T00:00:00Z" ]
    [ "$(meta a.rpt press/one title)" = 'Title, with "quotes"' ]
    [ "$(meta a.rpt press/one source)" = "Ministry" ]
    [ "$(meta a.rpt press/one meta.shelf)" = "A1" ]
    [ "$(meta a.rpt two.txt issued)" = "1970-01-02T00:00:00Z" ]
    [ "$(meta a.rpt two.txt title)" = $'A title\non two lines' ]
    [ "$(meta a.rpt two.txt media_type)" = "text/x-note" ]
    # options still win over the manifest
    "$PACK" -q -s k.sec -o b.rpt --title Mine --manifest cat/list.csv
    [ "$(meta b.rpt press/one title)" = "Mine" ]
}

@test "--manifest JSON Lines, with a meta object" {
    echo "Body" > one.txt
    cat > m.jsonl <<'J'
{"path": "one.txt", "name": "j/one", "issued": 1772409600, "title": "Caf\u00e9 \ud83d\ude00", "meta": {"shelf": "B2"}, "source": null}

J
    "$PACK" -q -s k.sec -o a.rpt --manifest m.jsonl
    [ "$(meta a.rpt j/one issued)" = "2026-03-02T00:00:00Z" ]
    [ "$(meta a.rpt j/one title)" = "Café 😀" ]
    [ "$(meta a.rpt j/one meta.shelf)" = "B2" ]
}

@test "--manifest: malformed rows are an error naming the line; nothing written" {
    echo x > one.txt
    bad() { # bad FILE CONTENT EXPECTED
        printf '%s' "$2" > "$1"
        run "$PACK" -s k.sec -o a.rpt --manifest "$1"
        [ "$status" -eq 2 ] || { echo "$1: status $status"; return 1; }
        [[ "$output" == *"$3"* ]] || { echo "$1: $output"; return 1; }
        [ ! -e a.rpt ]
    }
    bad f.csv $'path,title\none.txt,a,b\n' "line 2: 3 fields; the header has 2"
    bad f.csv $'path,title\none.txt,"open\n' "line 2: a quoted field is not closed"
    bad f.csv $'path,title\none.txt,a"b\n' "line 2: a quote inside a field"
    bad f.csv $'path,colour\none.txt,red\n' "line 1: unknown column 'colour'"
    bad f.csv $'name,title\nx,y\n' "line 1: no 'path' column"
    bad f.csv $'path,path\na,b\n' "column 'path' is named twice"
    bad f.csv $'path,issued\none.txt,2026-02-30\n' "line 2: issued '2026-02-30' is not ISO 8601"
    bad f.csv $'path,title\n\none.txt,\xff\n' "line 3: the title is not UTF-8"
    bad f.jsonl $'{"path": "one.txt"}\n{"path": "one.txt", "titel": "x"}\n' "line 2: unknown key 'titel'"
    bad f.jsonl $'{"path": "one.txt"}\n\n{"path": "one.txt"\n' "line 3: ',' or '}' was expected"
    bad f.jsonl $'{"name": "x"}\n' "line 1: no \"path\""
    bad f.jsonl $'{"path": "\\ud800"}\n' "line 1: a lone UTF-16 surrogate"
    bad f.jsonl $'{"path": "one.txt", "issued": 1.5}\n' "line 1: \"issued\" wants whole seconds"
    bad f.jsonl $'{"path": "one.txt"} x\n' "line 1: text after the object"
    run "$PACK" -s k.sec -o a.rpt --manifest nowhere.csv
    [ "$status" -eq 2 ]
    [[ "$output" == *"manifest 'nowhere.csv': No such file or directory"* ]]
}

@test "--manifest: missing files and duplicate names" {
    echo x > one.txt
    printf 'path,name\none.txt,\nmissing.txt,\none.txt,dup\nmissing2.txt,dup\n' > m.csv
    run "$PACK" -s k.sec -o a.rpt --manifest m.csv
    [ "$status" -eq 2 ]
    [[ "$output" == *"manifest 'm.csv' line 3: 'missing.txt': No such file or directory"* ]]
    [[ "$output" == *"manifest 'm.csv' line 5: 'missing2.txt': No such file or directory"* ]]
    [ ! -e a.rpt ]
    printf 'path,name\none.txt,\none.txt,one.txt\n' > d.csv
    run "$PACK" -s k.sec -o a.rpt --manifest d.csv
    [ "$status" -eq 2 ]
    [[ "$output" == *"'d.csv line 2' and 'd.csv line 3' would both be stored as 'one.txt'"* ]]
    run "$PACK" -s k.sec -o a.rpt -k --manifest m.csv
    [ "$status" -eq 6 ]
    [[ "$output" == *"skipped manifest 'm.csv' line 3"* ]]
    run names a.rpt
    [ "$output" = "$(printf 'one.txt\ndup')" ]
}

@test "--mbox: a record per message, BASENAME/NNNNNN, mboxrd quoting undone" {
    cat > list.mbox <<'M'
From a@example.org Mon Mar  2 09:00:00 2026
From: a@example.org
Subject: First
Date: Mon, 2 Mar 2026 10:00:00 +0000

Body one.
>From here on, quoted.

From b@example.org Tue Mar  3 09:00:00 2026
From: b@example.org
Subject: Second

Body two.

M
    "$PACK" -q -s k.sec -o a.rpt --mbox list.mbox
    run names a.rpt
    [ "$output" = "$(printf 'list.mbox/000001\nlist.mbox/000002')" ]
    [ "$(meta a.rpt list.mbox/000001 title)" = "First" ]
    [ "$(meta a.rpt list.mbox/000001 issued)" = "2026-03-02T10:00:00Z" ]
    # no Date: the time of the "From " line
    [ "$(meta a.rpt list.mbox/000002 issued)" = "2026-03-03T09:00:00Z" ]
    mkdir out
    "$EXTRACT" -q -p k.pub -C out a.rpt
    printf 'From: a@example.org\nSubject: First\nDate: Mon, 2 Mar 2026 10:00:00 +0000\n\nBody one.\nFrom here on, quoted.\n' > want1
    cmp want1 out/list.mbox/000001
    printf 'From: b@example.org\nSubject: Second\n\nBody two.\n' > want2
    cmp want2 out/list.mbox/000002
    echo "not mail" > plain.mbox
    run "$PACK" -s k.sec -o b.rpt --mbox plain.mbox
    [ "$status" -eq 2 ]
    [[ "$output" == *"does not start with a 'From ' line"* ]]
}

# has_libarchive -- whether this rpt-pack has libarchive: built with it,
# and able to load it.
has_libarchive() {
    ! "$PACK" -s k.sec -o x.rpt --from-archive /dev/null 2>&1 | grep -q "unsupported"
}

@test "--from-archive without libarchive: 'unsupported', exit 2, nothing written" {
    ! has_libarchive || skip "built with libarchive"
    run "$PACK" -s k.sec -o a.rpt --from-archive in.tar
    [ "$status" -eq 2 ]
    [[ "$output" == *"unsupported: built without libarchive"* ]]
    [ ! -e a.rpt ]
}

# mk_archive KIND FILE NAME... -- a tar or zip with one short member per NAME.
mk_archive() {
    python3 - "$@" <<'PY'
import io, sys, tarfile, zipfile
kind, path, names = sys.argv[1], sys.argv[2], sys.argv[3:]
if kind == 'zip':
    with zipfile.ZipFile(path, 'w') as z:
        for n in names:
            z.writestr(zipfile.ZipInfo(n, date_time=(2026, 3, 2, 9, 30, 0)), 'member ' + n + '\n')
else:
    with tarfile.open(path, 'w', format=tarfile.PAX_FORMAT) as t:
        for n in names:
            data = ('member ' + n + '\n').encode()
            ti = tarfile.TarInfo(n)
            ti.size, ti.mtime = len(data), 1772443800
            t.addfile(ti, io.BytesIO(data))
PY
}

@test "--from-archive: tar and zip members are records, issued at their mtime" {
    has_libarchive || skip "built without libarchive"
    mk_archive tar in.tar news/a.txt news/b.txt
    "$PACK" -q -s k.sec -o t.rpt --from-archive in.tar
    run names t.rpt
    [ "$output" = "$(printf 'news/a.txt\nnews/b.txt')" ]
    [ "$(meta t.rpt news/a.txt issued)" = "2026-03-02T09:30:00Z" ]
    [ "$(meta t.rpt news/a.txt title)" = "member news/a.txt" ]
    mk_archive zip in.zip z/one.txt
    "$PACK" -q -s k.sec -o z.rpt --from-archive in.zip
    [ "$(names z.rpt)" = "z/one.txt" ]
    gzip -k in.tar
    "$PACK" -q -s k.sec -o g.rpt --from-archive - < in.tar.gz
    [ "$(names g.rpt | wc -l)" -eq 2 ]
    # detection still wins over the member's mtime
    mkdir m && printf 'From: a@b\nDate: 1 Jan 2020 00:00 +0000\nSubject: S\n\nx\n' > m/x.eml
    tar -cf mail.tar m
    "$PACK" -q -s k.sec -o m.rpt --from-archive mail.tar
    [ "$(meta m.rpt m/x.eml issued)" = "2020-01-01T00:00:00Z" ]
}

@test "--from-archive refuses members with unsafe names, or skips them with -k" {
    has_libarchive || skip "built without libarchive"
    for kind in tar zip; do
        mk_archive $kind evil.$kind ok.txt ../up.txt /abs.txt "ctl$(printf '\033')x.txt"
        run "$PACK" -s k.sec -o e.rpt --from-archive evil.$kind
        [ "$status" -eq 2 ]
        [[ "$output" == *"member '../up.txt' of 'evil.$kind': a '..' component"* ]]
        [[ "$output" == *"member '/abs.txt' of 'evil.$kind': absolute path"* ]]
        [[ "$output" == *"member 'ctl\\x1bx.txt' of 'evil.$kind': the name holds a control character"* ]]
        [ ! -e e.rpt ]
        run "$PACK" -s k.sec -o e.rpt -k --from-archive evil.$kind
        [ "$status" -eq 6 ]
        [ "$(names e.rpt)" = "ok.txt" ]
        rm e.rpt
    done
    echo "not an archive" > junk.tar
    run "$PACK" -s k.sec -o j.rpt --from-archive junk.tar
    [ "$status" -eq 2 ]
    [[ "$output" == *"cannot read archive 'junk.tar'"* ]]
}

@test "KEYS comment: from the secret key file, or from -c" {
    "$KEYGEN" -q -W -c "Ministry press office" -p c.pub -s c.sec
    "$PACK" -q -s c.sec -o a.rpt b
    "$LIST" --info --json a.rpt | grep -q '"comment":"Ministry press office"'
    "$PACK" -q -s c.sec -c "Desk 4" -o b.rpt b
    "$LIST" --info --json b.rpt | grep -q '"comment":"Desk 4"'
    # minisign's generic comment says nothing of the key: not kept
    "$PACK" -q -s k.sec -o c.rpt b
    "$LIST" --info --json c.rpt | grep -q '"comment":""'
}
