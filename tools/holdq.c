/* SPDX-License-Identifier: ISC */
/* holdq.c -- see holdq.h. A record is stored as its fixed fields, then
 * the name's length and bytes, in this process's own byte order: the
 * file is unnamed and lives only as long as the run. */
#include "holdq.h"
#include "fe.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIXED (5 * 8 + 40 + 4)

static void reserve(holdq *q, size_t n) {
    if (n <= q->cap) return;
    size_t cap = q->cap ? q->cap : 256;
    while (cap < n) cap *= 2;
    uint8_t *b = realloc(q->buf, cap);
    if (!b) fe_die(FE_EXIT_USAGE, "out of memory");
    q->buf = b;
    q->cap = cap;
}

static void fail(const char *what) {
    fe_die(FE_EXIT_USAGE, "cannot %s the list of held records (a temporary file): %s", what,
           errno ? strerror(errno) : "short read");
}

void holdq_push(holdq *q, const held *h, const char *name) {
    size_t name_len = strlen(name);
    if (name_len > UINT32_MAX) fe_die(FE_EXIT_USAGE, "a record name too long to hold");
    uint32_t n32 = (uint32_t)name_len;
    reserve(q, FIXED + name_len);
    uint8_t *p = q->buf;
    memcpy(p, &h->number, 8);
    memcpy(p + 8, &h->issued, 8);
    memcpy(p + 16, &h->size, 8);
    memcpy(p + 24, &h->off, 8);
    memcpy(p + 32, &h->len, 8);
    memcpy(p + 40, h->tmp, 40);
    memcpy(p + 80, &n32, 4);
    memcpy(p + FIXED, name, name_len);
    if (!q->f) {
        char where[PATH_MAX];
        q->f = q->near ? fe_scratch_near(q->near, where, sizeof where) : fe_scratch();
        if (!q->f)
            fe_die(FE_EXIT_USAGE, "cannot make a scratch file in '%s': %s (TMPDIR chooses where)",
                   where, strerror(errno));
    }
    size_t total = FIXED + name_len;
    for (size_t done = 0; done < total;) {
        errno = 0;
        ssize_t w = pwrite(fileno(q->f), p + done, total - done, (off_t)(q->w + done));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) fail("write");
        done += (size_t)w;
    }
    q->w += total;
    q->n++;
}

/* Reads n bytes at off into the buffer. */
static void read_at(holdq *q, uint64_t off, size_t n) {
    reserve(q, n);
    for (size_t done = 0; done < n;) {
        errno = 0;
        ssize_t got = pread(fileno(q->f), q->buf + done, n - done, (off_t)(off + done));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) fail("read back");
        done += (size_t)got;
    }
}

const held *holdq_peek(holdq *q) {
    if (q->have_head) return &q->head;
    if (q->n == 0) return NULL;
    held *h = &q->head;
    uint32_t n32;
    read_at(q, q->r, FIXED);
    memcpy(&h->number, q->buf, 8);
    memcpy(&h->issued, q->buf + 8, 8);
    memcpy(&h->size, q->buf + 16, 8);
    memcpy(&h->off, q->buf + 24, 8);
    memcpy(&h->len, q->buf + 32, 8);
    memcpy(h->tmp, q->buf + 40, 40);
    h->tmp[39] = '\0';
    memcpy(&n32, q->buf + 80, 4);
    if (!(h->name = malloc((size_t)n32 + 1))) fe_die(FE_EXIT_USAGE, "out of memory");
    read_at(q, q->r + FIXED, n32);
    memcpy(h->name, q->buf, n32);
    h->name[n32] = '\0';
    q->head_end = q->r + FIXED + n32;
    q->have_head = 1;
    return h;
}

void holdq_pop(holdq *q) {
    if (!holdq_peek(q)) return;
    free(q->head.name);
    q->head.name = NULL;
    q->have_head = 0;
    q->r = q->head_end;
    if (--q->n == 0) {
        q->r = q->w = 0;
        if (ftruncate(fileno(q->f), 0) != 0) fail("empty");
    }
}

uint64_t holdq_count(const holdq *q) { return q->n; }

void holdq_free(holdq *q) {
    if (q->have_head) free(q->head.name);
    if (q->f) fclose(q->f);
    free(q->buf);
    memset(q, 0, sizeof *q);
}
