/* SPDX-License-Identifier: ISC */
/* ispill.c -- a generation's index entries wait in an unnamed scratch
 * file, encoded as the INDX will hold them, and are streamed into it. */
#include "ispill.h"
#include "place.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

size_t rpti_ispill_hold = 64u << 10;

static int io_fail(rpti_ispill *sp, const char *doing) {
    if (!sp->err) {
        sp->err = errno ? errno : EIO;
        sp->doing = doing;
    }
    return RPT_E_IO;
}

int rpti_ispill_init(rpti_ispill *sp, const char *near) {
    memset(sp, 0, sizeof *sp);
    sp->fd = -1;
    if (near && !(sp->near = strdup(near))) return RPT_E_NOMEM;
    return RPT_OK;
}

/* The held entries to the end of the file, made on first use. */
static int flush_held(rpti_ispill *sp) {
    if (sp->fd < 0 && (sp->fd = rpti_scratch_open(sp->near, sp->dir)) < 0)
        return io_fail(sp, "make a scratch file for the index");
    for (size_t done = 0; done < sp->held.len;) {
        ssize_t k = write(sp->fd, sp->held.p + done, sp->held.len - done);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            if (k == 0) errno = ENOSPC;
            return io_fail(sp, "write the index to its scratch file");
        }
        done += (size_t)k;
    }
    sp->in_file += sp->held.len;
    sp->held.len = 0;
    return RPT_OK;
}

int rpti_ispill_add(rpti_ispill *sp, const uint8_t *name, size_t name_len, uint64_t offset,
                    uint64_t stored, uint64_t size, int64_t issued, const uint8_t *digest) {
    if (sp->err) return RPT_E_IO;
    if (sp->n == sp->cap) {
        size_t nc = sp->cap ? sp->cap * 2 : 1024;
        uint32_t *h = realloc(sp->hash, nc * sizeof *h);
        if (!h) return RPT_E_NOMEM;
        sp->hash = h;
        uint16_t *l = realloc(sp->len, nc * sizeof *l);
        if (!l) return RPT_E_NOMEM;
        sp->len = l;
        sp->cap = nc;
    }
    size_t was = sp->held.len;
    if (rpti_index_entry_put(&sp->held, name, name_len, offset, stored, size, issued, digest)) {
        sp->held.len = was;
        return RPT_E_NOMEM;
    }
    size_t len = sp->held.len - was;
    /* a name is at most RPT_NAME_MAX bytes, so an entry fits 16 bits */
    if (len > UINT16_MAX) {
        sp->held.len = was;
        return RPT_E_LIMIT;
    }
    sp->hash[sp->n] = rpti_name_hash(name, name_len);
    sp->len[sp->n] = (uint16_t)len;
    sp->bytes += len;
    sp->n++;
    /* the entry is counted either way: a failed write is sticky */
    return sp->held.len > rpti_ispill_hold ? flush_held(sp) : RPT_OK;
}

void rpti_ispill_free(rpti_ispill *sp) {
    if (sp->fd >= 0) close(sp->fd);
    free(sp->near);
    free(sp->hash);
    free(sp->len);
    rpti_buf_free(&sp->held);
    rpti_buf_free(&sp->one);
    memset(sp, 0, sizeof *sp);
    sp->fd = -1;
}

/* ----- the two sinks: block digests, then the file with its CRC ----- */
typedef struct blockhash {
    crypto_generichash_state st;
    size_t fill;
    rpt_buf dig;
} blockhash;

static int bh_put(void *ctx, const uint8_t *p, size_t n) {
    blockhash *bh = ctx;
    while (n > 0) {
        if (bh->fill == 0) crypto_generichash_init(&bh->st, NULL, 0, RPT_DIGEST_BYTES);
        size_t take = RPT_INDEX_BLOCK - bh->fill < n ? RPT_INDEX_BLOCK - bh->fill : n;
        crypto_generichash_update(&bh->st, p, take);
        bh->fill += take;
        p += take;
        n -= take;
        if (bh->fill == RPT_INDEX_BLOCK) {
            uint8_t d[RPT_DIGEST_BYTES];
            crypto_generichash_final(&bh->st, d, sizeof d);
            bh->fill = 0;
            if (rpti_buf_put(&bh->dig, d, sizeof d)) return RPT_E_NOMEM;
        }
    }
    return RPT_OK;
}

static int bh_finish(blockhash *bh) {
    if (bh->fill == 0) return RPT_OK;
    uint8_t d[RPT_DIGEST_BYTES];
    crypto_generichash_final(&bh->st, d, sizeof d);
    bh->fill = 0;
    return rpti_buf_put(&bh->dig, d, sizeof d);
}

typedef struct crcout {
    rpti_sink out;
    void *ctx;
    uLong crc;
} crcout;

static int crc_put(void *ctx, const uint8_t *p, size_t n) {
    crcout *c = ctx;
    c->crc = crc32(c->crc, p, (uInt)n); /* pieces are small: at most a block */
    return c->out(c->ctx, p, n);
}

/* ----- the data area: entries, lookup table, marks ----- */
typedef struct area {
    rpti_ispill *sp;
    const rpti_indx_plan *plan;
    uint64_t n;          /* entries in all */
    uint8_t *lk;         /* 8 bytes an entry */
    uint8_t *marks;      /* 4 bytes every RPT_INDEX_MARK_EVERY entries */
    uint64_t n_marks;
    uint64_t entries_len;
    uint8_t *io;         /* a buffer for the scratch file */
} area;

#define IO_BYTES RPT_INDEX_BLOCK

/* Entry position k, encoded: its lookup pair and mark, when filling. */
static int note(area *a, uint64_t k, uint32_t hash, uint64_t at) {
    if (at > UINT32_MAX) return RPT_E_LIMIT;
    rpti_le32_store(a->lk + 8 * k, hash);
    rpti_le32_store(a->lk + 8 * k + 4, (uint32_t)k);
    if (k % RPT_INDEX_MARK_EVERY == 0)
        rpti_le32_store(a->marks + 4 * (k / RPT_INDEX_MARK_EVERY), (uint32_t)at);
    return RPT_OK;
}

static int old_entries(area *a, int fill, rpti_sink put, void *ctx, uint64_t *k, uint64_t *at) {
    rpt_buf *one = &a->sp->one;
    for (size_t s = 0; s < a->plan->n_olds; s++) {
        rpt_segment *seg = a->plan->olds[s];
        for (uint64_t i = 0; i < seg->n; i++, (*k)++) {
            rpt_ient e;
            int rc = rpti_segment_entry(seg, i, &e);
            if (rc) return rc;
            if (fill && (rc = note(a, *k, rpti_name_hash(e.name, e.name_len), *at))) return rc;
            one->len = 0;
            if (rpti_index_entry_put(one, e.name, e.name_len, e.offset, e.stored, e.size, e.issued,
                                     e.digest))
                return RPT_E_NOMEM;
            if ((rc = put(ctx, one->p, one->len))) return rc;
            *at += one->len;
        }
    }
    return RPT_OK;
}

/* The file's entries, then those still held. */
static int new_entries(area *a, int fill, rpti_sink put, void *ctx, uint64_t k, uint64_t at) {
    rpti_ispill *sp = a->sp;
    for (uint64_t i = 0; fill && i < sp->n; i++) {
        int rc = note(a, k + i, sp->hash[i], at);
        if (rc) return rc;
        at += sp->len[i];
    }
    for (uint64_t off = 0; off < sp->in_file;) {
        size_t want = sp->in_file - off < IO_BYTES ? (size_t)(sp->in_file - off) : IO_BYTES;
        ssize_t got = pread(sp->fd, a->io, want, (off_t)off);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            if (got == 0) errno = EIO; /* the file is shorter than written */
            return io_fail(sp, "read the index back from its scratch file");
        }
        int rc = put(ctx, a->io, (size_t)got);
        if (rc) return rc;
        off += (uint64_t)got;
    }
    return sp->held.len ? put(ctx, sp->held.p, sp->held.len) : RPT_OK;
}

/* The data area into put; fill computes the lookup table and marks on
 * the way (the first pass), which the second pass then repeats. */
static int data_area(area *a, int fill, rpti_sink put, void *ctx) {
    uint64_t k = 0, at = 0;
    int rc = old_entries(a, fill, put, ctx, &k, &at);
    rc = rc ? rc : new_entries(a, fill, put, ctx, k, at);
    if (rc) return rc;
    if (fill) {
        a->entries_len = at + a->sp->bytes;
        if (a->entries_len > UINT32_MAX) return RPT_E_LIMIT;
        rpti_lookup_sort(a->lk, a->n);
    }
    rc = put(ctx, a->lk, (size_t)(8 * a->n));
    return rc ? rc : put(ctx, a->marks, (size_t)(4 * a->n_marks));
}

static int write_chunk(area *a, const rpt_buf *head, rpti_sink out, void *ctx) {
    uint64_t body = head->len + a->entries_len + 8 * a->n + 4 * a->n_marks;
    if (body > rpti_chunk_cap(RPT_T_INDX)) return RPT_E_LIMIT;
    uint8_t fr[8];
    rpti_le32_store(fr, RPT_T_INDX);
    rpti_le32_store(fr + 4, (uint32_t)body);
    crcout c = {out, ctx, crc32(0L, fr, 4)};
    int rc = out(ctx, fr, sizeof fr);
    rc = rc ? rc : crc_put(&c, head->p, head->len);
    rc = rc ? rc : data_area(a, 0, crc_put, &c);
    if (rc) return rc;
    rpti_le32_store(fr, (uint32_t)c.crc);
    return out(ctx, fr, 4);
}

int rpti_ispill_write_indx(rpti_ispill *sp, const rpti_indx_plan *plan, rpti_sink out, void *ctx,
                           uint8_t root[RPT_DIGEST_BYTES]) {
    area a = {sp, plan, sp->n, NULL, NULL, 0, 0, NULL};
    for (size_t s = 0; s < plan->n_olds; s++) a.n += plan->olds[s]->n;
    a.n_marks = (a.n + RPT_INDEX_MARK_EVERY - 1) / RPT_INDEX_MARK_EVERY;
    if (a.n > (rpti_chunk_cap(RPT_T_INDX) / 45)) return RPT_E_LIMIT;
    blockhash bh;
    memset(&bh, 0, sizeof bh);
    rpt_buf head = {0};
    int rc = RPT_OK;
    a.lk = malloc(a.n ? (size_t)a.n * 8 : 1);
    a.marks = malloc(a.n_marks ? (size_t)a.n_marks * 4 : 1);
    a.io = malloc(IO_BYTES);
    if (!a.lk || !a.marks || !a.io) rc = RPT_E_NOMEM;
    rc = rc ? rc : data_area(&a, 1, bh_put, &bh);
    rc = rc ? rc : bh_finish(&bh);
    rc = rc ? rc : rpti_index_header(&head, a.n, plan->first, plan->refs, plan->n_refs, plan->aux,
                                     plan->n_aux, a.entries_len, bh.dig.p,
                                     bh.dig.len / RPT_DIGEST_BYTES, root);
    rc = rc ? rc : write_chunk(&a, &head, out, ctx);
    rpti_buf_free(&bh.dig);
    rpti_buf_free(&head);
    free(a.lk);
    free(a.marks);
    free(a.io);
    return rc;
}
