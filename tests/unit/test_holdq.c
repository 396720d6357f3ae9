/* SPDX-License-Identifier: ISC */
/* test_holdq.c -- rpt-extract's queue of records held for their seal
 * (tools/holdq.c): what goes in comes out, oldest first, fields and names
 * intact, however pushes and pops interleave; the scratch file is emptied
 * whenever the queue is. */
#include "testlib.h"

#include "holdq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Record i: its fields and a name of a length that varies with i (empty
 * up to 3 KB). */
static held make(uint64_t i, char *name, size_t cap) {
    held h;
    memset(&h, 0, sizeof h);
    h.number = i;
    h.issued = (int64_t)i * 3600 - 86400;
    h.size = i * 7;
    h.off = i * 1000;
    h.len = i % 13;
    snprintf(h.tmp, sizeof h.tmp, ".rpt-%08llx.tmp", (unsigned long long)i);
    size_t n = (size_t)(i * 37 % 3000);
    if (n >= cap) n = cap - 1;
    for (size_t k = 0; k < n; k++) name[k] = (char)('a' + (i + k) % 26);
    name[n] = '\0';
    return h;
}

static int same(const held *got, uint64_t i) {
    char name[4096];
    held want = make(i, name, sizeof name);
    return got && got->number == want.number && got->issued == want.issued &&
           got->size == want.size && got->off == want.off && got->len == want.len &&
           strcmp(got->tmp, want.tmp) == 0 && strcmp(got->name, name) == 0;
}

static long file_size(holdq *q) {
    struct stat st;
    return q->f && fstat(fileno(q->f), &st) == 0 ? (long)st.st_size : -1;
}

static void push(holdq *q, uint64_t i) {
    char name[4096];
    held h = make(i, name, sizeof name);
    holdq_push(q, &h, name);
}

int main(void) {
    holdq q;
    memset(&q, 0, sizeof q);
    CHECK(holdq_peek(&q) == NULL);
    holdq_pop(&q); /* on an empty queue: nothing */
    CHECK(q.f == NULL); /* no file until something is held */

    /* 2,000 in, then all out in order; peeking twice gives the same */
    for (uint64_t i = 0; i < 2000; i++) push(&q, i);
    CHECK(holdq_count(&q) == 2000);
    CHECK(file_size(&q) > 2000 * 80);
    for (uint64_t i = 0; i < 2000; i++) {
        const held *h = holdq_peek(&q);
        CHECK(same(h, i));
        CHECK(holdq_peek(&q) == h);
        holdq_pop(&q);
    }
    CHECK(holdq_peek(&q) == NULL);
    CHECK_EQ_INT(file_size(&q), 0); /* emptied with the queue */

    /* interleaved: push three, pop two, until 3,000 went in */
    uint64_t in = 0, out = 0;
    while (in < 3000) {
        for (int k = 0; k < 3 && in < 3000; k++) push(&q, in++);
        for (int k = 0; k < 2 && out < in; k++) {
            CHECK(same(holdq_peek(&q), out));
            holdq_pop(&q);
            out++;
        }
    }
    CHECK(holdq_count(&q) == in - out);
    while (out < in) {
        CHECK(same(holdq_peek(&q), out));
        holdq_pop(&q);
        out++;
    }
    CHECK_EQ_INT(file_size(&q), 0);

    /* a peeked record left queued at free: nothing leaks (ASan) */
    push(&q, 5);
    CHECK(same(holdq_peek(&q), 5));
    holdq_free(&q);
    CHECK(q.f == NULL && q.buf == NULL);
    return t_done("test_holdq");
}
