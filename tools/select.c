/* SPDX-License-Identifier: ISC */
/* select.c -- the record filters and orders rpt-list and rpt-extract share:
 * issued-date bounds, a case-blind text or regex search, and sorting. */
#include "select.h"
#include "fe.h"

#include <getopt.h>
#include <locale.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

/* The compiled --grep. Case folding and regular expressions follow
 * C.UTF-8, whatever the user's locale: titles are UTF-8 (spec 4.4), so
 * "élection" finds "ÉLECTION". Without that locale, ASCII letters alone
 * fold. */
typedef struct pattern {
    locale_t utf8;      /* (locale_t)0 when C.UTF-8 is missing */
    regex_t re;
    int compiled;
    wchar_t *folded;    /* the fixed string, lower case */
    wchar_t *buf;       /* scratch for the text searched */
    size_t buf_cap;
} pattern;

static int all_digits(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

/* A bound from DATE. A year, a month or a day names a span: its first
 * second is the lower bound, its last the upper one; anything finer is
 * one instant, as fe_time_parse() reads it. Returns 0 or -1. */
static int parse_bound(const char *s, int upper, int64_t *out) {
    size_t n = strlen(s);
    char buf[32];
    int64_t start, next;
    int y, m;
    if (n == 4 && all_digits(s, 4)) {
        y = atoi(s);
        snprintf(buf, sizeof buf, "%04d-01-01", y);
        if (fe_time_parse(buf, &start)) return -1;
        snprintf(buf, sizeof buf, "%04d-01-01", y + 1);
    } else if (n == 7 && all_digits(s, 4) && s[4] == '-' && all_digits(s + 5, 2)) {
        y = atoi(s);
        m = atoi(s + 5);
        snprintf(buf, sizeof buf, "%.7s-01", s);
        if (fe_time_parse(buf, &start)) return -1;
        snprintf(buf, sizeof buf, "%04d-%02d-01", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
    } else if (n == 10 && s[4] == '-' && s[7] == '-') {
        if (fe_time_parse(s, &start)) return -1;
        *out = upper ? start + 86400 - 1 : start;
        return 0;
    } else {
        return fe_time_parse(s, out);
    }
    if (!upper) {
        *out = start;
        return 0;
    }
    if (y == 9999) { /* no next year to parse */
        *out = INT64_MAX;
        return 0;
    }
    if (fe_time_parse(buf, &next)) return -1;
    *out = next - 1;
    return 0;
}

int fe_select_option(fe_select *s, int opt, const char *arg) {
    switch (opt) {
    case FE_OPT_SINCE:
    case FE_OPT_UNTIL: {
        int upper = opt == FE_OPT_UNTIL;
        int64_t t;
        if (parse_bound(arg, upper, &t))
            fe_usage_error("--%s '%s': not an ISO 8601 date (2026-03-02, 2026-03, "
                           "2026-03-02T14:00Z, @SECONDS)", upper ? "until" : "since", fe_safe(arg));
        if (upper) s->until = t, s->has_until = 1;
        else s->since = t, s->has_since = 1;
        return 1;
    }
    case FE_OPT_GREP:
        if (!*arg) fe_usage_error("--grep needs a non-empty pattern");
        s->grep = arg;
        return 1;
    case 'E':
        s->regex = 1;
        return 1;
    case FE_OPT_SORT:
        if (strcmp(arg, "issued") == 0) s->sort = FE_SORT_ISSUED;
        else if (strcmp(arg, "name") == 0) s->sort = FE_SORT_NAME;
        else if (strcmp(arg, "size") == 0) s->sort = FE_SORT_SIZE;
        else fe_usage_error("--sort '%s': sort by issued, name or size", fe_safe(arg));
        return 1;
    default:
        return 0;
    }
}

/* s as wide characters, lower case, in p->buf-like storage *dst. Returns
 * 0, or -1 when s is not valid UTF-8 (or the locale is missing). */
static int fold(pattern *p, const char *s, wchar_t **dst, size_t *cap) {
    size_t n = strlen(s) + 1, len;
    mbstate_t st;
    const char *src = s;
    if (p->utf8 == (locale_t)0) return -1;
    if (*cap < n) {
        wchar_t *w = realloc(*dst, n * sizeof *w);
        if (!w) fe_die(FE_EXIT_USAGE, "out of memory");
        *dst = w;
        *cap = n;
    }
    locale_t old = uselocale(p->utf8);
    memset(&st, 0, sizeof st);
    len = mbsrtowcs(*dst, &src, n, &st);
    if (len != (size_t)-1)
        for (size_t i = 0; i < len; i++) (*dst)[i] = (wchar_t)towlower((wint_t)(*dst)[i]);
    uselocale(old);
    return len == (size_t)-1 ? -1 : 0;
}

void fe_select_ready(fe_select *s) {
    pattern *p;
    if (s->has_since && s->has_until && s->since > s->until)
        fe_usage_error("--since is after --until: no record could match");
    if (s->regex && !s->grep) fe_usage_error("-E makes --grep's pattern a regular expression; "
                                             "no --grep was given");
    if (!s->grep) return;
    if (!(p = calloc(1, sizeof *p))) fe_die(FE_EXIT_USAGE, "out of memory");
    s->impl = p;
    p->utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    if (s->regex) {
        locale_t old = p->utf8 ? uselocale(p->utf8) : (locale_t)0;
        int rc = regcomp(&p->re, s->grep, REG_EXTENDED | REG_ICASE | REG_NOSUB);
        if (old) uselocale(old);
        if (rc != 0) {
            char why[200];
            regerror(rc, &p->re, why, sizeof why);
            fe_usage_error("--grep '%s': %s", fe_safe(s->grep), why);
        }
        p->compiled = 1;
    } else {
        size_t cap = 0;
        if (fold(p, s->grep, &p->folded, &cap) != 0) {
            free(p->folded); /* ASCII folding from here on */
            p->folded = NULL;
        }
    }
}

int fe_select_needs_meta(const fe_select *s) { return s->grep != NULL; }

int fe_select_filters(const fe_select *s) { return s->has_since || s->has_until || s->grep; }

/* Whether text holds the pattern. */
static int found_in(pattern *p, const fe_select *s, const char *text) {
    if (!text || !*text) return 0;
    if (p->compiled) {
        locale_t old = p->utf8 ? uselocale(p->utf8) : (locale_t)0;
        int rc = regexec(&p->re, text, 0, NULL, 0);
        if (old) uselocale(old);
        return rc == 0;
    }
    if (p->folded && fold(p, text, &p->buf, &p->buf_cap) == 0)
        return wcsstr(p->buf, p->folded) != NULL;
    return strcasestr(text, s->grep) != NULL;
}

int fe_select_match(fe_select *s, const rpt_record *rec) {
    if (s->has_since && rec->issued < s->since) return 0;
    if (s->has_until && rec->issued > s->until) return 0;
    if (s->grep) {
        pattern *p = s->impl;
        return found_in(p, s, rec->title) || found_in(p, s, rec->name) ||
               found_in(p, s, rec->source);
    }
    return 1;
}

int fe_select_cmp(const fe_select *s, const rpt_record *a, const rpt_record *b) {
    int c = 0;
    switch (s->sort) {
    case FE_SORT_ISSUED: c = (a->issued > b->issued) - (a->issued < b->issued); break;
    case FE_SORT_NAME: c = strcmp(a->name, b->name); break;
    case FE_SORT_SIZE: c = (a->size > b->size) - (a->size < b->size); break;
    default: break;
    }
    if (c) return c;
    return (a->number > b->number) - (a->number < b->number);
}

void fe_select_free(fe_select *s) {
    pattern *p = s->impl;
    if (!p) return;
    if (p->compiled) regfree(&p->re);
    if (p->utf8) freelocale(p->utf8);
    free(p->folded);
    free(p->buf);
    free(p);
    s->impl = NULL;
}

/* Copies the string at *field to *at and points *field there. */
static void move_str(const char **field, char **at) {
    size_t n = *field ? strlen(*field) + 1 : 1;
    memcpy(*at, *field ? *field : "", n);
    *field = *at;
    *at += n;
}

rpt_record *fe_record_copy(const rpt_record *rec) {
    size_t strs = 0, head = sizeof *rec + rec->n_meta * sizeof(rpt_meta);
    const char *const text[] = {rec->name, rec->title, rec->source, rec->media_type};
    for (size_t i = 0; i < sizeof text / sizeof *text; i++) strs += (text[i] ? strlen(text[i]) : 0) + 1;
    for (size_t i = 0; i < rec->n_meta; i++)
        strs += strlen(rec->meta[i].key) + strlen(rec->meta[i].value) + 2;
    rpt_record *c = malloc(head + strs);
    if (!c) return NULL;
    rpt_meta *meta = (rpt_meta *)(c + 1);
    char *at = (char *)c + head;
    *c = *rec;
    c->data = NULL;
    c->data_len = 0;
    c->meta = rec->n_meta ? meta : NULL;
    move_str(&c->name, &at);
    move_str(&c->title, &at);
    move_str(&c->source, &at);
    move_str(&c->media_type, &at);
    for (size_t i = 0; i < rec->n_meta; i++) {
        meta[i] = rec->meta[i];
        move_str(&meta[i].key, &at);
        move_str(&meta[i].value, &at);
    }
    return c;
}

rpt_record *fe_record_dup(const rpt_record *rec) {
    rpt_record *c = fe_record_copy(rec);
    if (!c) fe_die(FE_EXIT_USAGE, "out of memory");
    return c;
}

void fe_picks_add(fe_picks *p, const rpt_record *rec) {
    fe_grow(&p->v, &p->cap, p->n + 1, sizeof *p->v, 64);
    p->v[p->n++] = fe_record_dup(rec);
}

/* qsort() has no context argument in C11: the order in force. */
static const fe_select *sort_by;

static int cmp_picks(const void *a, const void *b) {
    return fe_select_cmp(sort_by, *(rpt_record *const *)a, *(rpt_record *const *)b);
}

void fe_picks_sort(fe_picks *p, const fe_select *s) {
    if (s->sort == FE_SORT_NONE || p->n < 2) return;
    sort_by = s;
    qsort(p->v, p->n, sizeof *p->v, cmp_picks);
    sort_by = NULL;
}

void fe_picks_free(fe_picks *p) {
    for (size_t i = 0; i < p->n; i++) free(p->v[i]);
    free(p->v);
    p->v = NULL;
    p->n = p->cap = 0;
}
