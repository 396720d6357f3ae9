/* SPDX-License-Identifier: ISC */
/* holdq.h -- rpt-extract's records held back from a pipe until the seal
 * of their generation checks. A generation may hold a million records;
 * what the extraction needs of each (its number, name, time, size and
 * where its bytes wait) is queued in an unnamed scratch file, not kept
 * in memory, so that memory stays flat however many there are. */
#ifndef RPT_HOLDQ_H
#define RPT_HOLDQ_H

#include <stdint.h>
#include <stdio.h>

/* One held record. */
typedef struct held {
    uint64_t number;   /* its number in the archive */
    int64_t issued;
    uint64_t size;     /* payload bytes */
    uint64_t off, len; /* -O, --tar: its bytes in the payload scratch file */
    char tmp[40];      /* files: the temporary leaf, next to where it goes */
    char *name;        /* the record's name, from holdq_peek: the queue's own */
} held;

typedef struct holdq {
    const char *near;  /* where to put the file first (fe_scratch_near), or NULL */
    FILE *f;           /* the queue; NULL until the first push */
    uint64_t w, r;     /* where the next push writes, the oldest is read */
    uint64_t n;        /* records queued */
    held head;         /* the oldest, once peeked (have_head) */
    int have_head;
    uint64_t head_end; /* where the record after it starts */
    uint8_t *buf;      /* one encoded record */
    size_t cap;
} holdq;

/* Queues a copy of h, with name as its name (h->name is not looked at).
 * The first push makes the scratch file: in q->near when that is set and
 * will take it, else in TMPDIR. An error making or writing it ends the
 * program (exit 2), naming the directory. */
void holdq_push(holdq *q, const held *h, const char *name);

/* The oldest record, or NULL when none is queued. It stays the queue's,
 * name and all, until holdq_pop(); peeking again costs nothing. */
const held *holdq_peek(holdq *q);

/* Removes the oldest record. The scratch file is emptied once nothing is
 * queued, so it never grows past one generation. */
void holdq_pop(holdq *q);

uint64_t holdq_count(const holdq *q);

void holdq_free(holdq *q);

#endif /* RPT_HOLDQ_H */
