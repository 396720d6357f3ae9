/* SPDX-License-Identifier: ISC */
/* mbox.c -- cuts an mbox file into messages and undoes its ">From "
 * quoting (mboxrd), for rpt-pack --mbox. */
#include "mbox.h"
#include "detect.h"
#include "fe.h"

#include <stdlib.h>
#include <string.h>

static int is_from_line(const uint8_t *p, size_t n) { return n >= 5 && memcmp(p, "From ", 5) == 0; }

static size_t line_end(const uint8_t *p, size_t n, size_t i) {
    const uint8_t *nl = memchr(p + i, '\n', n - i);
    return nl ? (size_t)(nl - p) : n;
}

size_t mbox_split(const uint8_t *p, size_t n, mbox_msg **out, const char **why) {
    size_t count = 0, cap = 0, i = 0;
    mbox_msg *v = NULL;
    *out = NULL;
    if (!is_from_line(p, n)) {
        *why = "it does not start with a 'From ' line, as an mbox does";
        return 0;
    }
    while (i < n) { /* i is at a "From " line */
        size_t e = line_end(p, n, i), body = e < n ? e + 1 : n, j = body;
        mbox_msg m;
        memset(&m, 0, sizeof m);
        size_t ll = e - i - (e > i && p[e - 1] == '\r');
        m.have_date = detect_mbox_from_date((const char *)p + i, ll, &m.date) == 0;
        /* the next "From " after an empty line ends this message */
        while (j < n) {
            size_t le = line_end(p, n, j);
            size_t next = le < n ? le + 1 : n;
            if (next < n && (le == j || (le == j + 1 && p[j] == '\r')) && is_from_line(p + next, n - next)) {
                j = next;
                break;
            }
            j = next;
        }
        m.off = body;
        m.len = j - body;
        /* the empty line before the next "From " is the separator's */
        if (j < n || (m.len >= 2 && p[j - 1] == '\n' && p[j - 2] == '\n')) {
            if (m.len >= 1 && p[body + m.len - 1] == '\n') m.len--;
            if (m.len >= 1 && p[body + m.len - 1] == '\r') m.len--;
        }
        fe_grow(&v, &cap, count + 1, sizeof *v, 64);
        v[count++] = m;
        i = j;
    }
    *out = v;
    return count;
}

uint8_t *mbox_unquote(const uint8_t *p, size_t n, size_t *len) {
    uint8_t *q = malloc(n ? n : 1);
    size_t o = 0, i = 0;
    if (!q) fe_die(FE_EXIT_USAGE, "out of memory");
    while (i < n) {
        size_t k = i;
        while (k < n && p[k] == '>') k++;
        if (k > i && is_from_line(p + k, n - k)) i++; /* drop one '>' */
        size_t e = line_end(p, n, i);
        size_t next = e < n ? e + 1 : n;
        memcpy(q + o, p + i, next - i);
        o += next - i;
        i = next;
    }
    *len = o;
    return q;
}
