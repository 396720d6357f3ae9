/* SPDX-License-Identifier: ISC */
/* index.c -- INDX segments: entries in record order and a lookup table of
 * (name hash, entry position) sorted for binary search; plus the SEAL and
 * TRLR bodies, which locate and authenticate them. */
#include "index.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int rpti_ib_add(rpt_ibuilder *ib, const uint8_t *name, size_t name_len, uint64_t offset,
               uint64_t stored, uint64_t size, int64_t issued, const uint8_t *digest) {
    if (ib->n == ib->cap) {
        size_t nc = ib->cap ? ib->cap * 2 : 256;
        rpt_ientry *ne = realloc(ib->e, nc * sizeof *ne);
        if (!ne) return RPT_E_NOMEM;
        ib->e = ne;
        ib->cap = nc;
    }
    rpt_ientry *e = &ib->e[ib->n];
    e->name_off = ib->names.len;
    e->name_len = name_len;
    if (rpti_buf_put(&ib->names, name, name_len)) return RPT_E_NOMEM;
    e->offset = offset;
    e->stored = stored;
    e->size = size;
    e->issued = issued;
    memcpy(e->digest, digest, RPT_DIGEST_BYTES);
    ib->n++;
    return RPT_OK;
}

void rpti_ib_free(rpt_ibuilder *ib) {
    rpti_buf_free(&ib->names);
    free(ib->e);
    memset(ib, 0, sizeof *ib);
}

uint32_t rpti_name_hash(const uint8_t *name, size_t len) {
    uint8_t h[32];
    crypto_generichash(h, sizeof h, name, len, NULL, 0);
    return rpti_le32_load(h);
}

static int cmp_lookup(const void *a, const void *b) {
    const uint8_t *x = a, *y = b;
    uint32_t hx = rpti_le32_load(x), hy = rpti_le32_load(y);
    if (hx != hy) return hx < hy ? -1 : 1;
    uint32_t px = rpti_le32_load(x + 4), py = rpti_le32_load(y + 4);
    return px < py ? -1 : px > py;
}

int rpti_index_entry_put(rpt_buf *b, const uint8_t *name, size_t name_len, uint64_t offset,
                         uint64_t stored, uint64_t size, int64_t issued, const uint8_t *digest) {
    int rc = rpti_buf_str(b, name, name_len);
    rc = rc ? rc : rpti_buf_varint(b, offset);
    rc = rc ? rc : rpti_buf_varint(b, stored);
    rc = rc ? rc : rpti_buf_varint(b, size);
    rc = rc ? rc : rpti_buf_u64(b, (uint64_t)issued);
    return rc ? rc : rpti_buf_put(b, digest, RPT_DIGEST_BYTES);
}

int rpti_index_header(rpt_buf *body, uint64_t n, uint64_t first, const rpt_segref *older,
                      size_t n_older, const uint64_t *aux, size_t n_aux, uint64_t entries_len,
                      const uint8_t *digests, size_t nb, uint8_t root[RPT_DIGEST_BYTES]) {
    int rc = rpti_buf_varint(body, n);
    rc = rc ? rc : rpti_buf_varint(body, first);
    rc = rc ? rc : rpti_buf_varint(body, n_older);
    for (size_t i = 0; !rc && i < n_older; i++) {
        rc = rpti_buf_u64(body, older[i].offset);
        rc = rc ? rc : rpti_buf_put(body, older[i].root, RPT_DIGEST_BYTES);
    }
    rc = rc ? rc : rpti_buf_varint(body, n_aux);
    for (size_t i = 0; !rc && i < n_aux; i++) rc = rpti_buf_u64(body, aux[i]);
    rc = rc ? rc : rpti_buf_varint(body, entries_len);
    rc = rc ? rc : rpti_buf_varint(body, RPT_INDEX_BLOCK);
    rc = rc ? rc : rpti_buf_varint(body, nb);
    rc = rc ? rc : rpti_buf_put(body, digests, nb * RPT_DIGEST_BYTES);
    if (!rc) crypto_generichash(root, RPT_DIGEST_BYTES, body->p, body->len, NULL, 0);
    return rc;
}

int rpti_lookup_sort(uint8_t *lk, uint64_t n) {
    if (n) qsort(lk, (size_t)n, 8, cmp_lookup);
    return RPT_OK;
}

int rpti_index_encode(rpt_buf *body, rpt_buf *data_out, const rpt_ibuilder *ib, uint64_t first,
                     const rpt_segref *older, size_t n_older, const uint64_t *aux,
                     size_t n_aux, uint8_t root[RPT_DIGEST_BYTES]) {
    rpt_buf data = {0}, dig = {0};
    uint8_t *lk = NULL;
    uint64_t n_marks = (ib->n + RPT_INDEX_MARK_EVERY - 1) / RPT_INDEX_MARK_EVERY;
    uint32_t *marks = NULL;
    int rc = RPT_OK;
    if (ib->n && (!(lk = malloc(ib->n * 8)) || !(marks = malloc(n_marks * 4)))) {
        free(lk);
        return RPT_E_NOMEM;
    }
    /* the data area: entries, then the lookup table, then the marks */
    for (size_t i = 0; !rc && i < ib->n; i++) {
        const rpt_ientry *e = &ib->e[i];
        const uint8_t *nm = ib->names.p + e->name_off;
        if (data.len > UINT32_MAX) {
            rc = RPT_E_LIMIT;
            break;
        }
        if (i % RPT_INDEX_MARK_EVERY == 0) marks[i / RPT_INDEX_MARK_EVERY] = (uint32_t)data.len;
        rpti_le32_store(lk + 8 * i, rpti_name_hash(nm, e->name_len));
        rpti_le32_store(lk + 8 * i + 4, (uint32_t)i);
        rc = rpti_index_entry_put(&data, nm, e->name_len, e->offset, e->stored, e->size, e->issued,
                                  e->digest);
    }
    uint64_t entries_len = data.len;
    if (!rc) rpti_lookup_sort(lk, ib->n);
    rc = rc ? rc : rpti_buf_put(&data, lk, ib->n * 8);
    for (uint64_t j = 0; !rc && j < n_marks; j++) rc = rpti_buf_u32(&data, marks[j]);
    free(lk);
    free(marks);
    /* the header, ending with a digest of each block of the data area */
    size_t nb = (data.len + RPT_INDEX_BLOCK - 1) / RPT_INDEX_BLOCK;
    for (size_t b = 0; !rc && b < nb; b++) {
        uint8_t d[RPT_DIGEST_BYTES];
        size_t at = b * RPT_INDEX_BLOCK;
        size_t len = data.len - at < RPT_INDEX_BLOCK ? data.len - at : RPT_INDEX_BLOCK;
        crypto_generichash(d, sizeof d, data.p + at, len, NULL, 0);
        rc = rpti_buf_put(&dig, d, sizeof d);
    }
    rc = rc ? rc : rpti_index_header(body, ib->n, first, older, n_older, aux, n_aux, entries_len,
                                     dig.p, nb, root);
    rpti_buf_free(&dig);
    /* the data area is handed over, not copied */
    if (rc) rpti_buf_free(&data);
    else *data_out = data;
    return rc;
}

/* ----- parsing ----- */

/* The header: everything up to the end of the block digests. Returns
 * RPT_OK with *h_len, RPT_E_TRUNCATED when more bytes are needed (have
 * is less than the header), or RPT_E_FORMAT / RPT_E_LIMIT. */
static int parse_header(rpt_segment *s, const uint8_t *p, size_t have, uint32_t body_len,
                        size_t *h_len) {
    rpt_cur c = {p, have, 0};
    uint64_t n_older, n_aux, bs, nb;
    int rc = rpti_cur_varint(&c, &s->n);
    rc = rc ? rc : rpti_cur_varint(&c, &s->first);
    rc = rc ? rc : rpti_cur_varint(&c, &n_older);
    if (rc) return rc;
    if (n_older > body_len / 40) return RPT_E_FORMAT;
    if (c.len - c.pos < n_older * 40) return RPT_E_TRUNCATED;
    c.pos += (size_t)n_older * 40;
    if ((rc = rpti_cur_varint(&c, &n_aux))) return rc;
    if (n_aux > body_len / 8) return RPT_E_FORMAT;
    if (c.len - c.pos < n_aux * 8) return RPT_E_TRUNCATED;
    c.pos += (size_t)n_aux * 8;
    rc = rpti_cur_varint(&c, &s->entries_len);
    rc = rc ? rc : rpti_cur_varint(&c, &bs);
    rc = rc ? rc : rpti_cur_varint(&c, &nb);
    if (rc) return rc;
    if (bs < RPT_INDEX_BLOCK_MIN || bs > RPT_INDEX_BLOCK_MAX || nb > body_len / 32)
        return RPT_E_FORMAT;
    if (c.len - c.pos < nb * 32) return RPT_E_TRUNCATED;
    *h_len = c.pos + (size_t)nb * 32;
    if (*h_len > body_len) return RPT_E_FORMAT;
    /* the data area must be exactly entries, lookup and marks, in blocks */
    s->block_size = (uint32_t)bs;
    s->nb = (size_t)nb;
    s->data_len = body_len - *h_len;
    s->n_marks = (s->n + RPT_INDEX_MARK_EVERY - 1) / RPT_INDEX_MARK_EVERY;
    if (s->n > s->entries_len / 45 || s->entries_len > UINT32_MAX ||
        s->data_len != s->entries_len + 8 * s->n + 4 * s->n_marks ||
        nb != (s->data_len + bs - 1) / bs)
        return RPT_E_FORMAT;
    /* the lists, now that they are known to be there */
    rpt_cur l = {p, have, 0};
    uint64_t skip;
    (void)rpti_cur_varint(&l, &skip);
    (void)rpti_cur_varint(&l, &skip);
    (void)rpti_cur_varint(&l, &skip);
    s->older = calloc(n_older ? n_older : 1, sizeof *s->older);
    s->aux = calloc(n_aux ? n_aux : 1, sizeof *s->aux);
    s->bdig = malloc((nb ? nb : 1) * RPT_DIGEST_BYTES);
    s->blk = calloc(nb ? nb : 1, sizeof *s->blk);
    if (!s->older || !s->aux || !s->bdig || !s->blk) return RPT_E_NOMEM;
    s->n_older = (size_t)n_older;
    for (size_t i = 0; i < s->n_older; i++) {
        const uint8_t *d;
        (void)rpti_cur_u64(&l, &s->older[i].offset);
        (void)rpti_cur_bytes(&l, RPT_DIGEST_BYTES, &d);
        memcpy(s->older[i].root, d, RPT_DIGEST_BYTES);
    }
    (void)rpti_cur_varint(&l, &skip);
    s->n_aux = (size_t)n_aux;
    for (size_t i = 0; i < s->n_aux; i++) (void)rpti_cur_u64(&l, &s->aux[i]);
    memcpy(s->bdig, p + *h_len - (size_t)nb * 32, (size_t)nb * 32);
    crypto_generichash(s->root, RPT_DIGEST_BYTES, p, *h_len, NULL, 0);
    return RPT_OK;
}

/* n bytes at off, however many calls it takes: RPT_OK, RPT_E_TRUNCATED
 * (the file ends first) or RPT_E_IO with errno set. */
static int read_at(int fd, void *buf, size_t n, uint64_t off) {
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t got = pread(fd, p, n, (off_t)off);
        if (got < 0) {
            if (errno == EINTR) continue;
            return RPT_E_IO;
        }
        if (got == 0) return RPT_E_TRUNCATED;
        p += got;
        n -= (size_t)got;
        off += (uint64_t)got;
    }
    return RPT_OK;
}

const char *rpti_segment_why(const rpt_segment *s, int rc) {
    if (rc == RPT_E_NOMEM) return "cannot be read: out of memory";
    if (rc == RPT_E_IO) return s->io_error[0] ? s->io_error : "cannot be read";
    return "is damaged or altered";
}

static int header_err(int rc, uint64_t off, char *err) {
    if (rc == RPT_E_NOMEM) return rpti_seterr(err, rc, "out of memory");
    return rpti_seterr(err, rc == RPT_E_LIMIT ? RPT_E_LIMIT : RPT_E_FORMAT,
                      "index chunk at offset %llu: its header is malformed", (unsigned long long)off);
}

int rpti_segment_open(rpt_segment *s, int fd, uint64_t chunk_off, uint32_t body_len, char *err) {
    memset(s, 0, sizeof *s);
    s->offset = chunk_off;
    s->body_len = body_len;
    s->fd = fd;
    /* the header's size is known only once its counts are read: read a
     * little, then the rest */
    size_t have = body_len < 65536 ? body_len : 65536, h_len = 0;
    uint8_t *p = malloc(have ? have : 1);
    int rc = p ? RPT_OK : RPT_E_NOMEM, read_failed = 0;
    for (;;) {
        if (!rc && have && (rc = read_at(fd, p, have, chunk_off + 8))) {
            read_failed = 1;
            if (rc == RPT_E_IO)
                rpti_seterr(err, rc, "cannot read the index at offset %llu: %s",
                           (unsigned long long)chunk_off, strerror(errno));
            else
                rpti_seterr(err, rc, "the index at offset %llu runs past the end of the file",
                           (unsigned long long)chunk_off);
        }
        if (rc) break;
        free(s->older);
        free(s->aux);
        free(s->bdig);
        free(s->blk);
        s->older = NULL;
        s->aux = NULL;
        s->bdig = NULL;
        s->blk = NULL;
        rc = parse_header(s, p, have, body_len, &h_len);
        if (rc != RPT_E_TRUNCATED || have == body_len) break;
        /* more header: it is at most body_len */
        size_t want = have * 4 > body_len ? body_len : have * 4;
        uint8_t *np = realloc(p, want);
        if (!np) {
            rc = RPT_E_NOMEM;
            break;
        }
        p = np;
        have = want;
        rc = RPT_OK;
    }
    free(p);
    if (read_failed) return rc;
    if (rc) return header_err(rc, chunk_off, err);
    s->data_off = chunk_off + 8 + h_len;
    return RPT_OK;
}

/* At most RPT_INDEX_CACHE_BYTES of blocks stay loaded, the oldest
 * dropped first: a listing of a million records reads every block once,
 * and a lookup touches a handful. A pointer into a block stays valid
 * until ring_cap more blocks are loaded; every caller copies at once. */
static int cache_room(rpt_segment *s) {
    if (!s->ring) {
        size_t cap = RPT_INDEX_CACHE_BYTES / s->block_size;
        s->ring_cap = cap < 4 ? 4 : cap;
        if (!(s->ring = malloc(s->ring_cap * sizeof *s->ring))) return RPT_E_NOMEM;
    }
    if (s->ring_n == s->ring_cap) {
        size_t old = s->ring[s->ring_at]; /* the ring is full: at is the oldest */
        free(s->blk[old]);
        s->blk[old] = NULL;
        s->ring_n--;
    }
    return RPT_OK;
}

/* Block b of the data area, loaded and checked on first use. */
static int block(rpt_segment *s, size_t b, const uint8_t **out) {
    if (s->data) {
        *out = s->data + (uint64_t)b * s->block_size;
        return RPT_OK;
    }
    if (!s->blk[b]) {
        uint64_t at = (uint64_t)b * s->block_size;
        size_t len = (size_t)(s->data_len - at < s->block_size ? s->data_len - at : s->block_size);
        uint8_t *p = malloc(len ? len : 1), d[RPT_DIGEST_BYTES];
        if (!p) return RPT_E_NOMEM;
        int rc = read_at(s->fd, p, len, s->data_off + at);
        if (rc) {
            snprintf(s->io_error, sizeof s->io_error, "cannot be read: %s",
                     rc == RPT_E_IO ? strerror(errno) : "the file ends early");
            free(p);
            return rc;
        }
        crypto_generichash(d, sizeof d, p, len, NULL, 0);
        if (sodium_memcmp(d, s->bdig[b], sizeof d) != 0) {
            free(p);
            return RPT_E_DIGEST;
        }
        if (cache_room(s)) {
            free(p);
            return RPT_E_NOMEM;
        }
        s->blk[b] = p;
        s->ring[s->ring_at] = b;
        s->ring_at = (s->ring_at + 1) % s->ring_cap;
        s->ring_n++;
    }
    *out = s->blk[b];
    return RPT_OK;
}

/* Copies len bytes of the data area at off into dst. */
static int data_read(rpt_segment *s, uint64_t off, size_t len, uint8_t *dst) {
    if (off > s->data_len || len > s->data_len - off) return RPT_E_FORMAT;
    while (len > 0) {
        size_t b = (size_t)(off / s->block_size), in = (size_t)(off % s->block_size);
        size_t blen = (size_t)(s->data_len - (uint64_t)b * s->block_size < s->block_size
                                   ? s->data_len - (uint64_t)b * s->block_size
                                   : s->block_size);
        size_t n = blen - in < len ? blen - in : len;
        const uint8_t *p;
        int rc = block(s, b, &p);
        if (rc) return rc;
        memcpy(dst, p + in, n);
        dst += n;
        off += n;
        len -= n;
    }
    return RPT_OK;
}

/* Parses the entry at pos (entries area). */
static int entry_at(rpt_segment *s, uint64_t pos, rpt_ient *out, uint64_t *end) {
    if (pos >= s->entries_len) return RPT_E_FORMAT;
    size_t len = (size_t)(s->entries_len - pos < sizeof s->scratch ? s->entries_len - pos
                                                                   : sizeof s->scratch);
    int rc = data_read(s, pos, len, s->scratch);
    if (rc) return rc;
    rpt_cur c = {s->scratch, len, 0};
    uint64_t is = 0;
    rc = rpti_cur_str(&c, RPT_NAME_MAX, &out->name, &out->name_len);
    rc = rc ? rc : rpti_cur_varint(&c, &out->offset);
    rc = rc ? rc : rpti_cur_varint(&c, &out->stored);
    rc = rc ? rc : rpti_cur_varint(&c, &out->size);
    rc = rc ? rc : rpti_cur_u64(&c, &is);
    rc = rc ? rc : rpti_cur_bytes(&c, RPT_DIGEST_BYTES, &out->digest);
    out->issued = (int64_t)is;
    if (end) *end = pos + c.pos;
    return rc ? RPT_E_FORMAT : RPT_OK;
}

static int u32_at(rpt_segment *s, uint64_t off, uint32_t *v) {
    uint8_t b[4];
    int rc = data_read(s, off, 4, b);
    if (!rc) *v = rpti_le32_load(b);
    return rc;
}

int rpti_segment_entry(rpt_segment *s, uint64_t k, rpt_ient *out) {
    if (k >= s->n) return RPT_E_NOTFOUND;
    uint64_t pos, end;
    int rc;
    if (k == s->cur_k && s->cur_pos) {
        pos = s->cur_pos;
    } else {
        /* from the mark before k, parse forward */
        uint32_t m;
        uint64_t j = k / RPT_INDEX_MARK_EVERY;
        if ((rc = u32_at(s, s->entries_len + 8 * s->n + 4 * j, &m))) return rc;
        pos = m;
        for (uint64_t i = j * RPT_INDEX_MARK_EVERY; i < k; i++)
            if ((rc = entry_at(s, pos, out, &pos))) return rc;
    }
    if ((rc = entry_at(s, pos, out, &end))) return rc;
    if (rpt_name_check((const char *)out->name, out->name_len)) return RPT_E_FORMAT;
    s->cur_k = k + 1;
    s->cur_pos = end;
    return RPT_OK;
}

int rpti_segment_find(rpt_segment *s, const uint8_t *name, size_t len, uint64_t *k, int *twice) {
    uint32_t h = rpti_name_hash(name, len), v;
    uint64_t lk = s->entries_len;
    size_t lo = 0, hi = (size_t)s->n;
    int rc, found = 0;
    *twice = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((rc = u32_at(s, lk + 8 * (uint64_t)mid, &v))) return rc;
        if (v < h) lo = mid + 1; else hi = mid;
    }
    for (; lo < s->n; lo++) {
        uint32_t num;
        if ((rc = u32_at(s, lk + 8 * (uint64_t)lo, &v))) return rc;
        if (v != h) break;
        if ((rc = u32_at(s, lk + 8 * (uint64_t)lo + 4, &num))) return rc;
        rpt_ient e;
        if (num >= s->n) continue; /* a bad slot is no match; verify says so */
        if ((rc = rpti_segment_entry(s, num, &e))) {
            if (rc == RPT_E_FORMAT) continue;
            return rc;
        }
        if (e.name_len == len && memcmp(e.name, name, len) == 0) {
            /* names are unique: look on, so a second one is not missed */
            if (found) {
                *twice = 1;
                return RPT_OK;
            }
            *k = num;
            found = 1;
        }
    }
    return found ? RPT_OK : RPT_E_NOTFOUND;
}

/* Every block against its digest, before anything in them is used. */
static int check_blocks(rpt_segment *s, char *err) {
    for (size_t b = 0; b < s->nb; b++) {
        uint8_t d[RPT_DIGEST_BYTES];
        const uint8_t *p;
        int rc = RPT_OK;
        if (s->data) {
            uint64_t at = (uint64_t)b * s->block_size;
            size_t bl = (size_t)(s->data_len - at < s->block_size ? s->data_len - at : s->block_size);
            crypto_generichash(d, sizeof d, s->data + at, bl, NULL, 0);
            if (sodium_memcmp(d, s->bdig[b], sizeof d) != 0) rc = RPT_E_DIGEST;
        } else {
            rc = block(s, b, &p); /* checks it as it loads it */
        }
        if (rc == RPT_E_DIGEST)
            return rpti_seterr(err, RPT_E_DIGEST, "index at offset %llu: block %zu does not match its digest",
                               (unsigned long long)s->offset, b);
        if (rc)
            return rpti_seterr(err, rc, "index at offset %llu %s", (unsigned long long)s->offset,
                               rpti_segment_why(s, rc));
    }
    return RPT_OK;
}

/* Entries in order, each name safe, the marks where they belong; gives
 * each entry's name hash for the lookup table's check. */
static int check_entries(rpt_segment *s, uint32_t *hash, char *err) {
    uint64_t p = 0;
    for (uint64_t k = 0; k < s->n; k++) {
        rpt_ient e;
        uint64_t at = p;
        uint32_t mark;
        int rc = entry_at(s, p, &e, &p);
        if (rc == RPT_E_IO || rc == RPT_E_NOMEM) return rpti_seterr(err, rc, "index: %s", rpti_segment_why(s, rc));
        if (rc || rpt_name_check((const char *)e.name, e.name_len))
            return rpti_seterr(err, RPT_E_FORMAT, "index entry %llu is malformed or has an unsafe name",
                               (unsigned long long)(s->first + k));
        hash[k] = rpti_name_hash(e.name, e.name_len);
        if (k % RPT_INDEX_MARK_EVERY != 0) continue;
        rc = u32_at(s, s->entries_len + 8 * s->n + 4 * (k / RPT_INDEX_MARK_EVERY), &mark);
        if (rc == RPT_E_IO || rc == RPT_E_NOMEM) return rpti_seterr(err, rc, "index: %s", rpti_segment_why(s, rc));
        if (rc || mark != at)
            return rpti_seterr(err, RPT_E_FORMAT, "index mark %llu is wrong",
                               (unsigned long long)(k / RPT_INDEX_MARK_EVERY));
    }
    if (p != s->entries_len)
        return rpti_seterr(err, RPT_E_FORMAT, "index entries: %llu stray bytes",
                           (unsigned long long)(s->entries_len - p));
    return RPT_OK;
}

/* The lookup table names each entry once, sorted, with its hash. */
static int check_lookup(rpt_segment *s, const uint32_t *hash, uint8_t *seen, char *err) {
    uint8_t prev[8], l[8];
    for (uint64_t k = 0; k < s->n; k++) {
        int rc = data_read(s, s->entries_len + 8 * k, 8, l);
        if (rc) return rpti_seterr(err, rc, "index: %s", rpti_segment_why(s, rc));
        uint32_t num = rpti_le32_load(l + 4);
        if (num >= s->n || seen[num])
            return rpti_seterr(err, RPT_E_FORMAT, "index lookup slot %llu is wrong", (unsigned long long)k);
        if (k && cmp_lookup(prev, l) >= 0)
            return rpti_seterr(err, RPT_E_FORMAT, "index lookup table is not sorted");
        if (hash[num] != rpti_le32_load(l))
            return rpti_seterr(err, RPT_E_FORMAT, "index lookup slot %llu has the wrong hash",
                               (unsigned long long)k);
        seen[num] = 1;
        memcpy(prev, l, sizeof prev);
    }
    return RPT_OK;
}

/* All of a parsed segment's data area; 5 bytes an entry of memory,
 * whether the area is in memory or read from a file block by block. */
static int check_data(rpt_segment *s, char *err) {
    int rc = check_blocks(s, err);
    if (rc) return rc;
    uint32_t *hash = malloc((s->n ? s->n : 1) * sizeof *hash);
    uint8_t *seen = calloc(s->n ? s->n : 1, 1);
    if (!hash || !seen) rc = rpti_seterr(err, RPT_E_NOMEM, "out of memory");
    rc = rc ? rc : check_entries(s, hash, err);
    rc = rc ? rc : check_lookup(s, hash, seen, err);
    free(hash);
    free(seen);
    s->cur_k = s->cur_pos = 0;
    return rc;
}

int rpti_segment_check(rpt_segment *s, const uint8_t *body, size_t len, uint64_t chunk_off,
                      char *err) {
    memset(s, 0, sizeof *s);
    s->offset = chunk_off;
    s->body_len = (uint32_t)len;
    size_t h_len;
    int rc = parse_header(s, body, len, (uint32_t)len, &h_len);
    if (rc) return header_err(rc == RPT_E_TRUNCATED ? RPT_E_FORMAT : rc, chunk_off, err);
    s->data = body + h_len;
    return check_data(s, err);
}

int rpti_segment_check_fd(rpt_segment *s, int fd, uint64_t chunk_off, uint32_t len, char *err) {
    int rc = rpti_segment_open(s, fd, chunk_off, len, err);
    return rc ? rc : check_data(s, err);
}

void rpti_segment_free(rpt_segment *s) {
    for (size_t b = 0; s->blk && b < s->nb; b++) free(s->blk[b]);
    free(s->blk);
    free(s->ring);
    free(s->bdig);
    free(s->older);
    free(s->aux);
    memset(s, 0, sizeof *s);
}

/* ----- seal and trailer ----- */
void rpti_seal_message(uint8_t msg[108], const uint8_t archive_id[16], const rpt_seal *s) {
    memcpy(msg, RPT_SEAL_PREFIX, RPT_PREFIX_BYTES);
    memcpy(msg + 16, archive_id, 16);
    rpti_le32_store(msg + 32, s->generation);
    rpti_le64_store(msg + 36, s->count);
    memcpy(msg + 44, s->d, 32);
    memcpy(msg + 76, s->prev, 32);
}

void rpti_seal_d(const uint8_t *head, size_t head_len, const uint8_t *aux, size_t aux_len,
                const uint8_t root[RPT_DIGEST_BYTES], uint8_t d[RPT_DIGEST_BYTES]) {
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, RPT_DIGEST_BYTES);
    crypto_generichash_update(&st, head, head_len);
    crypto_generichash_update(&st, aux, aux_len);
    crypto_generichash_update(&st, root, RPT_DIGEST_BYTES);
    crypto_generichash_final(&st, d, RPT_DIGEST_BYTES);
}

int rpti_seal_encode(rpt_buf *b, const rpt_seal *s) {
    uint8_t body[RPT_SEAL_BODY];
    rpti_le32_store(body, s->generation);
    rpti_le64_store(body + 4, s->count);
    memcpy(body + 12, s->d, 32);
    memcpy(body + 44, s->prev, 32);
    memcpy(body + 76, s->key_id, 8);
    memcpy(body + 84, s->sig, 64);
    return rpti_chunk_put(b, RPT_T_SEAL, body, sizeof body);
}

int rpti_seal_parse(const uint8_t *body, size_t len, rpt_seal *s) {
    if (len < RPT_SEAL_BODY) return RPT_E_FORMAT;
    s->generation = rpti_le32_load(body);
    s->count = rpti_le64_load(body + 4);
    memcpy(s->d, body + 12, 32);
    memcpy(s->prev, body + 44, 32);
    memcpy(s->key_id, body + 76, 8);
    memcpy(s->sig, body + 84, 64);
    return s->generation == 0 ? RPT_E_FORMAT : RPT_OK;
}

int rpti_trailer_encode(rpt_buf *b, const rpt_trailer *t) {
    uint8_t body[RPT_TRAILER_BODY];
    rpti_le64_store(body, t->index_offset);
    rpti_le64_store(body + 8, t->seal_offset);
    rpti_le64_store(body + 16, t->prev_trailer);
    rpti_le32_store(body + 24, t->generation);
    rpti_le64_store(body + 28, t->count);
    return rpti_chunk_put(b, RPT_T_TRLR, body, sizeof body);
}

int rpti_trailer_parse(const uint8_t *body, size_t len, rpt_trailer *t) {
    if (len != RPT_TRAILER_BODY) return RPT_E_FORMAT;
    t->index_offset = rpti_le64_load(body);
    t->seal_offset = rpti_le64_load(body + 8);
    t->prev_trailer = rpti_le64_load(body + 16);
    t->generation = rpti_le32_load(body + 24);
    t->count = rpti_le64_load(body + 28);
    return t->generation == 0 ? RPT_E_FORMAT : RPT_OK;
}
