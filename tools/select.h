/* SPDX-License-Identifier: ISC */
/* select.h -- choosing and ordering records, shared by rpt-list and
 * rpt-extract: --since, --until, --grep, -E and --sort, one meaning in both. */
#ifndef RPT_SELECT_H
#define RPT_SELECT_H

#include "archive_rpt.h"

#include <stddef.h>
#include <stdint.h>

/* The option values the tools pass to fe_select_option(); past any
 * character getopt returns. */
enum { FE_OPT_SINCE = 0x1000, FE_OPT_UNTIL, FE_OPT_GREP, FE_OPT_SORT };

/* The long options, for a tool's struct option table. */
#define FE_SELECT_LONGOPTS                                                     \
    {"since", required_argument, NULL, FE_OPT_SINCE},                          \
    {"until", required_argument, NULL, FE_OPT_UNTIL},                          \
    {"grep", required_argument, NULL, FE_OPT_GREP},                            \
    {"regex", no_argument, NULL, 'E'},                                         \
    {"sort", required_argument, NULL, FE_OPT_SORT}

/* The lines each tool's --help shows for them. */
#define FE_SELECT_HELP                                                         \
    "      --since DATE   only records issued at or after DATE\n"              \
    "      --until DATE   only records issued at or before DATE; a date\n"     \
    "                     without a time includes that whole day (UTC)\n"      \
    "      --grep TEXT    only records whose title, name or source contains\n" \
    "                     TEXT, ignoring case\n"                               \
    "  -E, --regex        --grep's TEXT is a POSIX extended regular expression\n" \
    "      --sort KEY     order by issued, name or size (default: archive\n"   \
    "                     order)\n"

#define FE_SELECT_DATES                                                        \
    "DATE is ISO 8601 in UTC: 2026, 2026-03, 2026-03-02, 2026-03-02T14:00Z\n"   \
    "(with an offset, or @SECONDS). A year or month covers all of it.\n"

enum { FE_SORT_NONE = 0, FE_SORT_ISSUED, FE_SORT_NAME, FE_SORT_SIZE };

typedef struct fe_select {
    int has_since, has_until;
    int64_t since, until;   /* inclusive bounds on issued */
    const char *grep;       /* as given; NULL: no --grep */
    int regex;              /* -E */
    int sort;               /* FE_SORT_* */
    void *impl;             /* the compiled pattern (select.c) */
} fe_select;

/* Takes one of the options above (opt from fe_getopt(), arg its
 * argument). Returns 1 when opt was one of them, 0 when not; a bad
 * argument is a usage error (exit 2). */
int fe_select_option(fe_select *s, int opt, const char *arg);
/* After the options: checks them together and compiles the pattern. A
 * usage error exits 2. */
void fe_select_ready(fe_select *s);
/* 1 when a record must be read, not only its index entry, to be judged:
 * --grep looks at the title and source, which the index does not hold. */
int fe_select_needs_meta(const fe_select *s);
/* 1 when any filter is set. */
int fe_select_filters(const fe_select *s);
/* 1 when the record passes every filter. */
int fe_select_match(fe_select *s, const rpt_record *rec);
/* Orders two records by s->sort, then by number. */
int fe_select_cmp(const fe_select *s, const rpt_record *a, const rpt_record *b);
void fe_select_free(fe_select *s);

/* An owned copy of a record's metadata, no payload, in one allocation
 * (free() it): the reader's pointers last only until its next call.
 * NULL when memory runs out (fe_record_copy, safe on any thread), or dies
 * with exit 2 then (fe_record_dup). */
rpt_record *fe_record_copy(const rpt_record *rec);
rpt_record *fe_record_dup(const rpt_record *rec);

/* Records kept to be sorted, or until their seal is checked. */
typedef struct fe_picks {
    rpt_record **v;
    size_t n, cap;
} fe_picks;
void fe_picks_add(fe_picks *p, const rpt_record *rec);
void fe_picks_sort(fe_picks *p, const fe_select *s);
void fe_picks_free(fe_picks *p);

#endif /* RPT_SELECT_H */
