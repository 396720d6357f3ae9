/* SPDX-License-Identifier: ISC */
/* detect.c -- metadata from the bulletins themselves, for rpt-pack: the
 * header block of an RFC 5322 message (with RFC 2047 words through
 * iconv), a text's first line, a date in a file name. */
#include "detect.h"
#include "fe.h"

#include <errno.h>
#include <iconv.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int detect_mode_parse(const char *s, detect_mode *out) {
    static const char *const names[] = {"auto", "mail", "text", "none"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (detect_mode)i;
            return 0;
        }
    return -1;
}

/* ---------------------------------------------------------------- growing buffers */

/* fe_text (fe.c) is the growing buffer; a byte at a time here. */
static void gb_byte(fe_text *b, uint8_t c) { fe_text_put(b, &c, 1); }

/* ---------------------------------------------------------------- text */

static int is_wsp(uint8_t c) { return c == ' ' || c == '\t'; }
static int is_space(uint8_t c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_len(const uint8_t *s, size_t n) {
    if (s[0] < 0x80) return 1;
    for (size_t l = 2; l <= 4 && l <= n; l++)
        if (fe_utf8_text(s, l)) return l;
    return 0;
}

/* Copies the n bytes at s into out as UTF-8: valid sequences as they
 * are, any other byte as the ISO-8859-1 character of that value (the
 * most common charset of unlabelled 8-bit headers). */
static void put_as_utf8(fe_text *out, const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        size_t l = utf8_len(s + i, n - i);
        if (l) {
            fe_text_put(out, s + i, l);
            i += l;
        } else {
            gb_byte(out, (uint8_t)(0xc0 | s[i] >> 6));
            gb_byte(out, (uint8_t)(0x80 | (s[i] & 0x3f)));
            i++;
        }
    }
}

/* Controls become spaces, the ends are trimmed, and the text is cut to
 * max bytes at a character boundary. Works in place on UTF-8. */
static void tidy(char *s, size_t max) {
    uint8_t *p = (uint8_t *)s;
    size_t n = strlen(s), a = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x20 || p[i] == 0x7f) p[i] = ' ';
        /* C1 controls, U+0080..U+009F, are 0xC2 0x80..0x9F */
        if (p[i] == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f) p[i + 1] = 0xa0;
    }
    while (a < n && p[a] == ' ') a++;
    while (n > a && p[n - 1] == ' ') n--;
    if (n - a > max) {
        n = a + max;
        while (n > a && (p[n] & 0xc0) == 0x80) n--;
        while (n > a && p[n - 1] == ' ') n--;
    }
    memmove(s, s + a, n - a);
    s[n - a] = '\0';
}

char *detect_text_title(const uint8_t *p, size_t n) {
    size_t i = 0;
    if (!fe_utf8_text(p, n)) return NULL;
    if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) i = 3; /* BOM */
    while (i < n) {
        size_t s = i, e;
        while (i < n && p[i] != '\n') i++;
        e = i++;
        while (s < e && is_space(p[s])) s++;
        while (e > s && is_space(p[e - 1])) e--;
        if (e == s) continue;
        fe_text b = {0};
        fe_text_put(&b, p + s, e - s);
        char *t = fe_text_take(&b);
        tidy(t, DETECT_LINE_TITLE_MAX);
        return t;
    }
    return NULL;
}

/* ---------------------------------------------------------------- RFC 2047 */

/* Converts n bytes in charset (an RFC 2231 "*language" tail is dropped)
 * to UTF-8 onto out. A byte iconv cannot convert becomes U+FFFD. Returns
 * 0, or -1 when iconv does not know the charset (out is untouched). */
static int convert(fe_text *out, const char *charset, size_t charset_len, const uint8_t *s, size_t n) {
    char cs[64];
    size_t cl = strcspn(charset, "*?");
    if (cl > charset_len) cl = charset_len;
    if (cl == 0 || cl >= sizeof cs) return -1;
    memcpy(cs, charset, cl);
    cs[cl] = '\0';
    iconv_t cd = iconv_open("UTF-8", cs);
    if (cd == (iconv_t)-1) return -1;
    char *in = (char *)s;
    size_t left = n;
    char chunk[256];
    for (;;) {
        char *o = chunk;
        size_t room = sizeof chunk;
        size_t r = left ? iconv(cd, &in, &left, &o, &room) : iconv(cd, NULL, NULL, &o, &room);
        int e = errno;
        fe_text_put(out, chunk, sizeof chunk - room);
        if (r != (size_t)-1) {
            if (!left) break;
            continue;
        }
        if (e == E2BIG) continue;
        /* EILSEQ or EINVAL: a byte that is not of this charset */
        fe_text_put(out, "\xef\xbf\xbd", 3);
        in++;
        left--;
        if (!left) {
            o = chunk;
            room = sizeof chunk;
            iconv(cd, NULL, NULL, &o, &room);
            fe_text_put(out, chunk, sizeof chunk - room);
            break;
        }
    }
    iconv_close(cd);
    return 0;
}

static int hexval(uint8_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* One encoded word "=?charset?B|Q?text?=" at s (n bytes on). */
typedef struct eword {
    const char *charset;
    size_t charset_len;
    char enc;
    const char *text;
    size_t text_len;
    size_t len; /* of the whole word */
} eword;

static int parse_eword(const char *s, size_t n, eword *w) {
    size_t i = 2, c0, t0;
    if (n < 8 || s[0] != '=' || s[1] != '?') return 0;
    c0 = i;
    while (i < n && s[i] != '?' && !is_space((uint8_t)s[i])) i++;
    if (i == c0 || i + 3 > n || s[i] != '?' || s[i + 2] != '?') return 0;
    w->charset = s + c0;
    w->charset_len = i - c0;
    w->enc = (char)(s[i + 1] & ~0x20);
    if (w->enc != 'B' && w->enc != 'Q') return 0;
    i += 3;
    t0 = i;
    while (i + 1 < n && !(s[i] == '?' && s[i + 1] == '=') && !is_space((uint8_t)s[i])) i++;
    if (i + 1 >= n || s[i] != '?' || s[i + 1] != '=') return 0;
    w->text = s + t0;
    w->text_len = i - t0;
    w->len = i + 2;
    return 1;
}

/* The bytes an encoded word stands for, onto raw. Returns 0 or -1. */
static int decode_eword(const eword *w, fe_text *raw) {
    if (w->enc == 'Q') {
        for (size_t i = 0; i < w->text_len; i++) {
            uint8_t c = (uint8_t)w->text[i];
            int h, l;
            if (c == '_') c = ' ';
            else if (c == '=' && i + 2 < w->text_len && (h = hexval((uint8_t)w->text[i + 1])) >= 0 &&
                     (l = hexval((uint8_t)w->text[i + 2])) >= 0) {
                c = (uint8_t)(h << 4 | l);
                i += 2;
            }
            gb_byte(raw, c);
        }
        return 0;
    }
    size_t cap = w->text_len / 4 * 3 + 3, len = 0;
    uint8_t *bin = malloc(cap);
    if (!bin) return -1;
    /* padding is often missing in the wild: try both ways */
    if (sodium_base642bin(bin, cap, w->text, w->text_len, NULL, &len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        size_t tl = w->text_len;
        while (tl > 0 && w->text[tl - 1] == '=') tl--;
        if (sodium_base642bin(bin, cap, w->text, tl, NULL, &len, NULL,
                              sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0) {
            free(bin);
            return -1;
        }
    }
    fe_text_put(raw, bin, len);
    free(bin);
    return 0;
}

/* Adjacent encoded words in one charset are joined before conversion: a
 * character may be split between them. */
typedef struct pending {
    fe_text raw;
    const char *charset;
    size_t charset_len;
    const char *source; /* the encoded words as written, if iconv fails */
    size_t source_len;
} pending;

static void flush(pending *pd, fe_text *out) {
    if (!pd->charset) return;
    if (convert(out, pd->charset, pd->charset_len, (const uint8_t *)pd->raw.p, pd->raw.n) != 0)
        put_as_utf8(out, (const uint8_t *)pd->source, pd->source_len);
    pd->raw.n = 0;
    pd->charset = NULL;
}

static void decode_words(const char *u, size_t m, fe_text *out) {
    pending pd = {{0}, NULL, 0, NULL, 0};
    int last_was_word = 0;
    size_t i = 0;
    while (i < m) {
        eword w;
        if (parse_eword(u + i, m - i, &w)) {
            size_t before = pd.raw.n;
            if (pd.charset && (pd.charset_len != w.charset_len ||
                               strncasecmp(pd.charset, w.charset, w.charset_len) != 0))
                flush(&pd, out), before = 0;
            if (decode_eword(&w, &pd.raw) != 0) {
                pd.raw.n = before;
                flush(&pd, out);
                put_as_utf8(out, (const uint8_t *)u + i, w.len);
                last_was_word = 0;
            } else {
                if (!pd.charset) {
                    pd.charset = w.charset;
                    pd.charset_len = w.charset_len;
                    pd.source = u + i;
                }
                pd.source_len = (size_t)(u + i + w.len - pd.source);
                last_was_word = 1;
            }
            i += w.len;
            continue;
        }
        if (is_space((uint8_t)u[i])) {
            size_t j = i;
            while (j < m && is_space((uint8_t)u[j])) j++;
            /* space between two encoded words is not text (RFC 2047 6.2) */
            if (last_was_word && j < m && parse_eword(u + j, m - j, &w)) {
                i = j;
                continue;
            }
            flush(&pd, out);
            put_as_utf8(out, (const uint8_t *)u + i, j - i);
            i = j;
            last_was_word = 0;
            continue;
        }
        size_t j = i + 1;
        while (j < m && !is_space((uint8_t)u[j]) && !(u[j] == '=' && j + 1 < m && u[j + 1] == '?')) j++;
        flush(&pd, out);
        put_as_utf8(out, (const uint8_t *)u + i, j - i);
        i = j;
        last_was_word = 0;
    }
    flush(&pd, out);
    free(pd.raw.p);
}

char *detect_header_text(const char *s, size_t n, size_t max) {
    fe_text unfolded = {0}, out = {0};
    /* unfolding (RFC 5322 2.2.3): a line break before white space goes */
    for (size_t i = 0; i < n; i++)
        if (s[i] != '\r' && s[i] != '\n') gb_byte(&unfolded, (uint8_t)s[i]);
    decode_words(unfolded.p ? unfolded.p : "", unfolded.n, &out);
    free(unfolded.p);
    char *t = fe_text_take(&out);
    tidy(t, max);
    return t;
}

/* ---------------------------------------------------------------- dates */

typedef struct scan {
    const char *s;
    size_t n, i;
} scan;

/* Skips folding white space and (nested) comments: CFWS. */
static void skip_cfws(scan *c) {
    int depth = 0;
    while (c->i < c->n) {
        char ch = c->s[c->i];
        if (depth > 0 && ch == '\\' && c->i + 1 < c->n) c->i += 2;
        else if (ch == '(') depth++, c->i++;
        else if (ch == ')' && depth > 0) depth--, c->i++;
        else if (depth > 0 || is_space((uint8_t)ch)) c->i++;
        else break;
    }
}

static size_t scan_alpha(scan *c, char *w, size_t cap) {
    size_t k = 0;
    while (c->i < c->n && ((c->s[c->i] | 0x20) >= 'a' && (c->s[c->i] | 0x20) <= 'z')) {
        if (k + 1 < cap) w[k++] = c->s[c->i];
        c->i++;
    }
    w[k] = '\0';
    return k;
}

/* Reads 1..max digits. Returns how many, 0 when none. */
static int scan_num(scan *c, int max, int *v) {
    int k = 0;
    *v = 0;
    while (c->i < c->n && k < max && c->s[c->i] >= '0' && c->s[c->i] <= '9') {
        *v = *v * 10 + (c->s[c->i] - '0');
        c->i++;
        k++;
    }
    return k;
}

static int month_of(const char *w) {
    static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    if (strlen(w) < 3) return -1;
    for (int m = 0; m < 12; m++)
        if (strncasecmp(w, months + 3 * m, 3) == 0) return m;
    return -1;
}

/* Offset in seconds east of UTC of an obsolete zone name; an unknown name
 * (military letters included, which RFC 5322 says to treat so) is 0. */
static int zone_of(const char *w) {
    static const struct { const char *name; int hours; } zones[] = {
        {"UT", 0}, {"GMT", 0}, {"Z", 0}, {"EST", -5}, {"EDT", -4}, {"CST", -6},
        {"CDT", -5}, {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++)
        if (strcasecmp(w, zones[i].name) == 0) return zones[i].hours * 3600;
    return 0;
}

static int days_in_month(int y, int m) {
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d[m] + (m == 1 && leap);
}

static int utc_seconds(int y, int mon, int d, int h, int mi, int s, int64_t *out) {
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (y < 1 || y > 9999 || mon < 0 || mon > 11 || d < 1 || d > days_in_month(y, mon) ||
        h > 23 || mi > 59 || s > 60)
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mon;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s == 60 ? 59 : s; /* a leap second: Unix time has none */
    *out = (int64_t)timegm(&tm);
    return 0;
}

int detect_mail_date(const char *s, size_t n, int64_t *out) {
    scan c = {s, n, 0};
    char w[16];
    int day, year, h, mi, sec = 0, nd, mon;
    int64_t t, off = 0;

    skip_cfws(&c);
    if (scan_alpha(&c, w, sizeof w)) { /* day of week: not checked */
        skip_cfws(&c);
        if (c.i < c.n && c.s[c.i] == ',') c.i++;
        skip_cfws(&c);
    }
    if (!scan_num(&c, 2, &day)) return -1;
    skip_cfws(&c);
    if (!scan_alpha(&c, w, sizeof w) || (mon = month_of(w)) < 0) return -1;
    skip_cfws(&c);
    nd = scan_num(&c, 4, &year);
    if (nd < 2) return -1;
    if (nd == 2) year += year < 50 ? 2000 : 1900; /* obs-year, RFC 5322 4.3 */
    else if (nd == 3) year += 1900;
    skip_cfws(&c);
    if (!scan_num(&c, 2, &h)) return -1;
    skip_cfws(&c);
    if (c.i >= c.n || c.s[c.i++] != ':') return -1;
    skip_cfws(&c);
    if (scan_num(&c, 2, &mi) != 2) return -1;
    skip_cfws(&c);
    if (c.i < c.n && c.s[c.i] == ':') {
        c.i++;
        skip_cfws(&c);
        if (scan_num(&c, 2, &sec) != 2) return -1;
        skip_cfws(&c);
    }
    if (c.i < c.n && (c.s[c.i] == '+' || c.s[c.i] == '-')) {
        int sign = c.s[c.i++] == '-' ? -1 : 1, hhmm;
        if (scan_num(&c, 4, &hhmm) != 4 || hhmm % 100 > 59) return -1;
        off = sign * (int64_t)(hhmm / 100 * 3600 + hhmm % 100 * 60);
    } else if (scan_alpha(&c, w, sizeof w)) {
        off = zone_of(w);
    }
    skip_cfws(&c);
    if (c.i != c.n) return -1;
    if (utc_seconds(year, mon, day, h, mi, sec, &t) != 0) return -1;
    *out = t - off;
    return 0;
}

int detect_date_from_name(const char *format, const char *name, int64_t *out) {
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_mday = 1;
    if (!strptime(name, format, &tm)) return -1;
    return utc_seconds(tm.tm_year + 1900, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min,
                       tm.tm_sec, out);
}

int detect_mbox_from_date(const char *line, size_t n, int64_t *out) {
    char buf[128];
    struct tm tm;
    size_t i = 5;
    if (n < 5 || memcmp(line, "From ", 5) != 0) return -1;
    while (i < n && line[i] == ' ') i++;
    while (i < n && line[i] != ' ') i++; /* the envelope sender */
    while (i < n && line[i] == ' ') i++;
    if (n - i >= sizeof buf) return -1;
    memcpy(buf, line + i, n - i);
    buf[n - i] = '\0';
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(buf, "%a %b %d %H:%M:%S %Y", &tm);
    if (!end) return -1;
    return utc_seconds(tm.tm_year + 1900, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min,
                       tm.tm_sec, out);
}

/* ---------------------------------------------------------------- mail */

typedef struct field {
    const char *v; /* the raw value, folding included; NULL: absent */
    size_t n;
} field;

typedef struct headers {
    field date, subject, from, message_id;
    int count;    /* header fields seen */
    int complete; /* the block ended with an empty line or the bytes did */
    int from_line; /* it started with an mbox "From " line */
} headers;

static field *wanted(headers *h, const uint8_t *name, size_t n) {
    static const struct { const char *name; size_t off; } want[] = {
        {"date", offsetof(headers, date)},
        {"subject", offsetof(headers, subject)},
        {"from", offsetof(headers, from)},
        {"message-id", offsetof(headers, message_id)}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (strlen(want[i].name) == n && strncasecmp(want[i].name, (const char *)name, n) == 0)
            return (field *)((char *)h + want[i].off);
    return NULL;
}

/* Reads the header block as far as it goes; the first of each wanted
 * field counts, as most readers do. */
static void parse_headers(const uint8_t *p, size_t n, headers *h) {
    size_t i = 0;
    field *cur = NULL;
    memset(h, 0, sizeof *h);
    if (n >= 5 && memcmp(p, "From ", 5) == 0) { /* mbox separator, not a field */
        while (i < n && p[i] != '\n') i++;
        i++;
        h->from_line = 1;
    }
    while (i < n) {
        size_t s = i, e = i, k;
        while (e < n && p[e] != '\n') e++;
        i = e + 1;
        if (e > s && p[e - 1] == '\r') e--;
        if (e == s) {
            h->complete = 1;
            return;
        }
        if (is_wsp(p[s])) { /* a folded line continues the field before */
            if (!h->count) return;
            if (cur) cur->n = (size_t)((const char *)p + e - cur->v);
            continue;
        }
        for (k = s; k < e && p[k] > 32 && p[k] < 127 && p[k] != ':'; k++) {}
        size_t name_end = k;
        while (k < e && is_wsp(p[k])) k++; /* obs-optional */
        if (name_end == s || k >= e || p[k] != ':') return;
        h->count++;
        cur = wanted(h, p + s, name_end - s);
        if (cur && cur->v) cur = NULL;
        if (cur) {
            cur->v = (const char *)p + k + 1;
            cur->n = e - (k + 1);
        }
    }
    h->complete = 1;
}

static int looks_like_mail(const headers *h) {
    if (!h->from.v && !h->date.v) return 0;
    return h->from_line ? h->count >= 1 : h->complete && h->count >= 2;
}

static void fill_from_mail(const headers *h, detected *out) {
    if (h->date.v && detect_mail_date(h->date.v, h->date.n, &out->issued) == 0)
        out->have_issued = 1;
    if (h->subject.v) out->title = detect_header_text(h->subject.v, h->subject.n, RPT_TEXT_MAX);
    if (h->from.v) out->source = detect_header_text(h->from.v, h->from.n, RPT_TEXT_MAX);
    if (h->message_id.v) {
        fe_text b = {0};
        put_as_utf8(&b, (const uint8_t *)h->message_id.v, h->message_id.n);
        out->message_id = fe_text_take(&b);
        tidy(out->message_id, RPT_META_VALUE_MAX);
        if (!*out->message_id) {
            free(out->message_id);
            out->message_id = NULL;
        }
    }
}

void detect_content(const uint8_t *p, size_t n, detect_mode mode, detected *out) {
    headers h;
    memset(out, 0, sizeof *out);
    if (mode == DETECT_NONE) return;
    if (mode != DETECT_TEXT) {
        parse_headers(p, n, &h);
        if (mode == DETECT_MAIL || looks_like_mail(&h)) {
            out->is_mail = 1;
            fill_from_mail(&h, out);
            return;
        }
    }
    out->title = detect_text_title(p, n);
}

void detect_free(detected *d) {
    free(d->title);
    free(d->source);
    free(d->message_id);
    memset(d, 0, sizeof *d);
}
