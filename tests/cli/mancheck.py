# SPDX-License-Identifier: ISC
"""mancheck.py HEADER MANDIR -- checks the section 3 manuals against the header.

- Every function the header exports is listed on exactly one page's
  '.\\" names:' line, and every listed name is exported.
- No page lists its own name (the install makes man3/NAME.3 a .so link
  for each listed name, which would overwrite the page).
- Each page's SYNOPSIS holds each listed function's prototype exactly as
  the header declares it (whitespace aside).
- For each function, the paragraphs of RETURN VALUES that mention it (or
  no function at all) name every RPT_E_* code that the header's comment
  says it can return.

Prints one line per problem and exits 1 if there is any.
"""
import os
import re
import sys


def header_functions(text):
    """{name: (prototype, codes in its comment)} for every RPT_EXPORT
    function and every static inline one (the header's own wrappers)."""
    out = {}
    for m in re.finditer(r'^RPT_EXPORT\s+([^;]*?\b(rpt_\w+)\s*\([^;]*\))[^;]*;',
                         text, re.M | re.S):
        proto = ' '.join(m.group(1).split()) + ';'
        out[m.group(2)] = (proto, comment_codes(text, m.start()))
    for m in re.finditer(r'^static inline\s+([^;{]*?\b(rpt_\w+)\s*\([^;{]*\))\s*\{',
                         text, re.M | re.S):
        proto = ' '.join(m.group(1).split()) + ';'
        out[m.group(2)] = (proto, comment_codes(text, m.start()))
    return out


def comment_codes(text, at):
    """The RPT_E_* codes that the comment right above position at says
    are returned; #define lines may stand between comment and prototype."""
    before = text[:at].rstrip()
    while True:
        last = before.rsplit('\n', 1)[-1].strip()
        if last.startswith('#define'):
            before = before.rsplit('\n', 1)[0].rstrip()
            continue
        break
    if not before.endswith('*/'):
        return set()
    comment = before[before.rfind('/*'):]
    # only what it returns: "a seal signed by another key reports
    # RPT_E_UNTRUSTED" in rpt_reader_trust's comment is about later calls
    m = re.search(r'\bReturns?\b', comment)
    return set(re.findall(r'RPT_E_[A-Z]+', comment[m.start():])) if m else set()


def roff_plain(text):
    """The words of roff source, without font escapes and requests."""
    text = re.sub(r'\\f[BIRP]', '', text)
    text = text.replace('\\-', '-').replace('\\(dq', '"').replace('\\e', '\\')
    text = re.sub(r'^\.(B|I|BR|IR|RB|BI|IB)\s+', '', text, flags=re.M)
    text = re.sub(r'^\.[A-Za-z]+.*$', '', text, flags=re.M)
    return ' '.join(text.split())


def section(page, name):
    m = re.search(r'^\.SH ' + name + r'\s*$(.*?)(?=^\.SH |\Z)', page, re.M | re.S)
    return m.group(1) if m else ''


def what_returns_says(returns, name, listed):
    """The paragraphs of RETURN VALUES about name: those that mention it,
    and those that mention none of the page's functions (they apply to
    all)."""
    said = []
    for block in re.split(r'^\.(?:TP|PP)\s*$', returns, flags=re.M):
        mentions = set(re.findall(r'\brpt_\w+', block)) & set(listed)
        if name in mentions or not mentions:
            said.append(block)
    return '\n'.join(said)


def main():
    header, mandir = sys.argv[1], sys.argv[2]
    funcs = header_functions(open(header, encoding='utf-8').read())
    problems = []
    if len(funcs) < 10:
        problems.append('%s: found only %d exported functions' % (header, len(funcs)))
    seen = {}
    for fn in sorted(os.listdir(mandir)):
        if not fn.endswith('.3'):
            continue
        path = os.path.join(mandir, fn)
        page = open(path, encoding='utf-8').read()
        names = re.findall(r'^\.\\" names:(.*)$', page, re.M)
        if len(names) != 1:
            problems.append('%s: needs exactly one names line' % path)
            continue
        listed = names[0].split()
        synopsis = roff_plain(section(page, 'SYNOPSIS'))
        returns = section(page, 'RETURN VALUES')
        for name in listed:
            if name == fn[:-2]:
                problems.append('%s: lists its own name %s' % (path, name))
            if name not in funcs:
                problems.append('%s: %s is not exported by the header' % (path, name))
                continue
            if name in seen:
                problems.append('%s: %s is also on %s' % (path, name, seen[name]))
            seen[name] = path
            proto, codes = funcs[name]
            if ' '.join(proto.split()) not in synopsis:
                problems.append('%s: SYNOPSIS lacks the prototype: %s' % (path, proto))
            said = what_returns_says(returns, name, listed)
            for code in sorted(codes):
                if not re.search(r'\b' + code + r'\b', said):
                    problems.append('%s: RETURN VALUES does not name %s for %s' % (path, code, name))
    for name in sorted(set(funcs) - set(seen)):
        problems.append('%s: no page lists %s' % (mandir, name))
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
