/* SPDX-License-Identifier: ISC */
/* fe_safe.c -- text from an archive or a command line, made safe to show a
 * person: a terminal obeys control sequences and bidi overrides, so a
 * record name could set the window title or show one name as another. */
#include "fe.h"

#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at p (1-4) and its code point, or 0
 * when the bytes are not one: overlong forms, surrogates and values past
 * U+10FFFF are invalid, as RFC 3629 says. */
static size_t utf8_decode(const uint8_t *p, size_t n, uint32_t *cp) {
    uint8_t c = p[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) { *cp = c; return 1; }
    if (c >= 0xC2 && c <= 0xDF) len = 2, v = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, v = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, v = c & 0x07, min = 0x10000;
    else return 0;
    if (len > n) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        v = v << 6 | (p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

/* Code points a terminal acts on instead of showing: C0, DEL, C1, the
 * bidi controls (embeddings, overrides, isolates, marks) and the line and
 * paragraph separators. */
static int is_hidden(uint32_t cp) {
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || cp == 0x200E ||
           cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
           cp == 0x2028 || cp == 0x2029;
}

/* Writes the escaped form of the n bytes at s to out (when not NULL) and
 * returns its length. A byte that is not UTF-8 becomes \xHH, a hidden code point \u or \x
 * with its number, and a backslash \\, so every escape reads one way. */
static size_t escape(const char *s, size_t n, char *out) {
    const uint8_t *p = (const uint8_t *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = utf8_decode(p + i, n - i, &cp);
        char tmp[12];
        size_t t;
        if (len == 0) t = (size_t)snprintf(tmp, sizeof tmp, "\\x%02x", p[i]), len = 1;
        else if (cp == '\\') t = (size_t)snprintf(tmp, sizeof tmp, "\\\\");
        else if (is_hidden(cp) && cp < 0x80) t = (size_t)snprintf(tmp, sizeof tmp, "\\x%02x", cp);
        else if (is_hidden(cp)) t = (size_t)snprintf(tmp, sizeof tmp, "\\u%04x", cp);
        else t = 0;
        if (t == 0) {
            if (out) memcpy(out + o, p + i, len);
            o += len;
        } else {
            if (out) memcpy(out + o, tmp, t);
            o += t;
        }
        i += len;
    }
    return o;
}

void fe_put_safe(FILE *f, const char *s, size_t n) {
    size_t need = escape(s, n, NULL);
    if (need == n) { /* nothing to escape: the common case */
        fwrite(s, 1, n, f);
        return;
    }
    char *buf = malloc(need);
    if (!buf) { /* no memory to show it safely: show nothing of it */
        fputs("(?)", f);
        return;
    }
    escape(s, n, buf);
    fwrite(buf, 1, need, f);
    free(buf);
}

void fe_print_safe(FILE *f, const char *s) { fe_put_safe(f, s ? s : "", s ? strlen(s) : 0); }

/* Four slots, so one message can show up to four archive strings. */
#define SAFE_SLOTS 4
static char *safe_slot[SAFE_SLOTS];
static size_t safe_cap[SAFE_SLOTS];
static unsigned safe_next;

const char *fe_safe(const char *s) {
    if (!s) return "";
    size_t n = strlen(s), need = escape(s, n, NULL);
    unsigned k = safe_next++ % SAFE_SLOTS;
    if (safe_cap[k] < need + 1) {
        char *p = realloc(safe_slot[k], need + 1);
        if (!p) return "(?)";
        safe_slot[k] = p;
        safe_cap[k] = need + 1;
    }
    escape(s, n, safe_slot[k]);
    safe_slot[k][need] = '\0';
    return safe_slot[k];
}
