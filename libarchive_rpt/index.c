/* index.c -- INDX segments: entries in record order and a lookup table of
 * (name hash, entry position) sorted for binary search; plus the SEAL and
 * TRLR bodies, which locate and authenticate them. */
#include "index.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

int rpt_ib_add(rpt_ibuilder *ib, const uint8_t *name, size_t name_len, uint64_t offset,
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
    if (rpt_buf_put(&ib->names, name, name_len)) return RPT_E_NOMEM;
    e->offset = offset;
    e->stored = stored;
    e->size = size;
    e->issued = issued;
    memcpy(e->digest, digest, RPT_DIGEST_BYTES);
    ib->n++;
    return RPT_OK;
}

void rpt_ib_free(rpt_ibuilder *ib) {
    rpt_buf_free(&ib->names);
    free(ib->e);
    memset(ib, 0, sizeof *ib);
}

uint32_t rpt_name_hash(const uint8_t *name, size_t len) {
    uint8_t h[32];
    crypto_generichash(h, sizeof h, name, len, NULL, 0);
    return rpt_le32_load(h);
}

static int cmp_lookup(const void *a, const void *b) {
    const uint8_t *x = a, *y = b;
    uint32_t hx = rpt_le32_load(x), hy = rpt_le32_load(y);
    if (hx != hy) return hx < hy ? -1 : 1;
    uint32_t px = rpt_le32_load(x + 4), py = rpt_le32_load(y + 4);
    return px < py ? -1 : px > py;
}

int rpt_index_encode(rpt_buf *body, const rpt_ibuilder *ib, uint64_t first,
                     const rpt_segref *older, size_t n_older, const uint64_t *aux,
                     size_t n_aux) {
    rpt_buf ents = {0};
    uint8_t *lk = NULL;
    int rc = RPT_OK;
    if (ib->n && !(lk = malloc(ib->n * 8))) return RPT_E_NOMEM;
    for (size_t i = 0; !rc && i < ib->n; i++) {
        const rpt_ientry *e = &ib->e[i];
        const uint8_t *nm = ib->names.p + e->name_off;
        if (ents.len > UINT32_MAX) {
            rc = RPT_E_LIMIT;
            break;
        }
        rpt_le32_store(lk + 8 * i, rpt_name_hash(nm, e->name_len));
        rpt_le32_store(lk + 8 * i + 4, (uint32_t)ents.len);
        rc = rpt_buf_str(&ents, nm, e->name_len);
        rc = rc ? rc : rpt_buf_varint(&ents, e->offset);
        rc = rc ? rc : rpt_buf_varint(&ents, e->stored);
        rc = rc ? rc : rpt_buf_varint(&ents, e->size);
        rc = rc ? rc : rpt_buf_u64(&ents, (uint64_t)e->issued);
        rc = rc ? rc : rpt_buf_put(&ents, e->digest, RPT_DIGEST_BYTES);
    }
    if (!rc && ib->n) qsort(lk, ib->n, 8, cmp_lookup);
    rc = rc ? rc : rpt_buf_varint(body, ib->n);
    rc = rc ? rc : rpt_buf_varint(body, first);
    rc = rc ? rc : rpt_buf_varint(body, n_older);
    for (size_t i = 0; !rc && i < n_older; i++) {
        rc = rpt_buf_u64(body, older[i].offset);
        rc = rc ? rc : rpt_buf_put(body, older[i].digest, RPT_DIGEST_BYTES);
    }
    rc = rc ? rc : rpt_buf_varint(body, n_aux);
    for (size_t i = 0; !rc && i < n_aux; i++) rc = rpt_buf_u64(body, aux[i]);
    rc = rc ? rc : rpt_buf_str(body, ents.p, ents.len);
    rc = rc ? rc : rpt_buf_put(body, lk, ib->n * 8);
    free(lk);
    rpt_buf_free(&ents);
    return rc;
}

/* ----- parsing ----- */
static int entry_at(const uint8_t *ents, size_t len, size_t pos, rpt_ient *out, size_t *end) {
    rpt_cur c = {ents, len, pos};
    int rc = rpt_cur_str(&c, RPT_NAME_MAX, &out->name, &out->name_len);
    rc = rc ? rc : rpt_cur_varint(&c, &out->offset);
    rc = rc ? rc : rpt_cur_varint(&c, &out->stored);
    rc = rc ? rc : rpt_cur_varint(&c, &out->size);
    uint64_t is = 0;
    rc = rc ? rc : rpt_cur_u64(&c, &is);
    rc = rc ? rc : rpt_cur_bytes(&c, RPT_DIGEST_BYTES, &out->digest);
    out->issued = (int64_t)is;
    if (end) *end = c.pos;
    return rc;
}

int rpt_segment_parse(rpt_segment *s, int full, char *err) {
    if (s->chunk_len < RPT_CHUNK_OVERHEAD)
        return rpt_seterr(err, RPT_E_FORMAT, "index chunk too short");
    rpt_cur c = {s->chunk + 8, s->chunk_len - RPT_CHUNK_OVERHEAD, 0};
    uint64_t n_older, n_aux;
    int rc = rpt_cur_varint(&c, &s->n);
    rc = rc ? rc : rpt_cur_varint(&c, &s->first);
    rc = rc ? rc : rpt_cur_varint(&c, &n_older);
    if (rc) goto bad;
    /* each count is checked against the bytes that are there before
     * anything is allocated for it */
    if (n_older > (c.len - c.pos) / 40) goto trunc;
    s->older = calloc(n_older ? n_older : 1, sizeof *s->older);
    if (!s->older) return rpt_seterr(err, RPT_E_NOMEM, "out of memory");
    s->n_older = (size_t)n_older;
    for (size_t i = 0; i < s->n_older; i++) {
        const uint8_t *d;
        rc = rpt_cur_u64(&c, &s->older[i].offset);
        rc = rc ? rc : rpt_cur_bytes(&c, RPT_DIGEST_BYTES, &d);
        if (rc) goto bad;
        memcpy(s->older[i].digest, d, RPT_DIGEST_BYTES);
    }
    if ((rc = rpt_cur_varint(&c, &n_aux))) goto bad;
    if (n_aux > (c.len - c.pos) / 8) goto trunc;
    s->aux = calloc(n_aux ? n_aux : 1, sizeof *s->aux);
    if (!s->aux) return rpt_seterr(err, RPT_E_NOMEM, "out of memory");
    s->n_aux = (size_t)n_aux;
    for (size_t i = 0; i < s->n_aux; i++)
        if ((rc = rpt_cur_u64(&c, &s->aux[i]))) goto bad;
    if ((rc = rpt_cur_str(&c, SIZE_MAX, &s->entries, &s->entries_len))) goto bad;
    if (s->entries_len > UINT32_MAX) goto bad;
    /* an entry takes at least 44 bytes; a lookup slot 8 */
    if (s->n > s->entries_len / 44 || s->n > (c.len - c.pos) / 8) goto trunc;
    if (rpt_cur_bytes(&c, (size_t)s->n * 8, &s->lookup)) goto trunc;
    s->pos = malloc((s->n ? s->n : 1) * sizeof *s->pos);
    if (!s->pos) return rpt_seterr(err, RPT_E_NOMEM, "out of memory");
    size_t p = 0;
    for (uint64_t k = 0; k < s->n; k++) {
        rpt_ient e;
        s->pos[k] = (uint32_t)p;
        if (entry_at(s->entries, s->entries_len, p, &e, &p))
            return rpt_seterr(err, RPT_E_FORMAT, "index entry %llu is malformed",
                              (unsigned long long)(s->first + k));
        /* names are checked here in a full check, and otherwise when an
         * entry is handed out (rpt_segment_entry): opening an archive to
         * extract one record need not look at every name */
        if (full && rpt_name_check((const char *)e.name, e.name_len))
            return rpt_seterr(err, RPT_E_FORMAT, "index entry %llu has an unsafe name",
                              (unsigned long long)(s->first + k));
    }
    if (p != s->entries_len)
        return rpt_seterr(err, RPT_E_FORMAT, "index entries: %zu stray bytes",
                          s->entries_len - p);
    /* the lookup table must name each entry exactly once, in order. A
     * quick open skips this: a wrong slot can only make a lookup miss,
     * since rpt_segment_find() compares the names it lands on. */
    if (!full) return RPT_OK;
    uint8_t *seen = calloc(s->n ? s->n : 1, 1);
    if (!seen) return rpt_seterr(err, RPT_E_NOMEM, "out of memory");
    for (uint64_t k = 0; k < s->n; k++) {
        const uint8_t *l = s->lookup + 8 * k;
        uint32_t pos = rpt_le32_load(l + 4);
        /* binary search over the positions, which increase */
        size_t lo = 0, hi = (size_t)s->n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (s->pos[mid] < pos) lo = mid + 1; else hi = mid;
        }
        if (lo >= s->n || s->pos[lo] != pos || seen[lo]) {
            free(seen);
            return rpt_seterr(err, RPT_E_FORMAT, "index lookup slot %llu points at no entry",
                              (unsigned long long)k);
        }
        seen[lo] = 1;
        if (k && cmp_lookup(l - 8, l) >= 0) {
            free(seen);
            return rpt_seterr(err, RPT_E_FORMAT, "index lookup table is not sorted");
        }
        if (full) {
            rpt_ient e;
            entry_at(s->entries, s->entries_len, pos, &e, NULL);
            if (rpt_name_hash(e.name, e.name_len) != rpt_le32_load(l)) {
                free(seen);
                return rpt_seterr(err, RPT_E_FORMAT, "index lookup hash of '%.*s' is wrong",
                                  (int)(e.name_len > 100 ? 100 : e.name_len), e.name);
            }
        }
    }
    free(seen);
    return RPT_OK;
trunc:
    rc = RPT_E_TRUNCATED;
bad:
    return rpt_seterr(err, RPT_E_FORMAT, "index chunk at offset %llu is malformed%s",
                      (unsigned long long)s->offset,
                      rc == RPT_E_TRUNCATED ? " (a count runs past its end)" : "");
}

void rpt_segment_free(rpt_segment *s) {
    free(s->chunk);
    free(s->older);
    free(s->aux);
    free(s->pos);
    memset(s, 0, sizeof *s);
}

int rpt_segment_entry(const rpt_segment *s, uint64_t k, rpt_ient *out) {
    if (k >= s->n) return RPT_E_NOTFOUND;
    if (entry_at(s->entries, s->entries_len, s->pos[k], out, NULL) ||
        rpt_name_check((const char *)out->name, out->name_len))
        return RPT_E_FORMAT;
    return RPT_OK;
}

int rpt_segment_find(const rpt_segment *s, const uint8_t *name, size_t len, uint64_t *k) {
    uint32_t h = rpt_name_hash(name, len);
    size_t lo = 0, hi = (size_t)s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rpt_le32_load(s->lookup + 8 * mid) < h) lo = mid + 1; else hi = mid;
    }
    for (; lo < s->n && rpt_le32_load(s->lookup + 8 * lo) == h; lo++) {
        uint32_t pos = rpt_le32_load(s->lookup + 8 * lo + 4);
        /* position -> entry number; a slot that points between entries
         * is no match (the table is checked in full only by verify) */
        size_t a = 0, b = (size_t)s->n;
        while (a < b) {
            size_t mid = a + (b - a) / 2;
            if (s->pos[mid] < pos) a = mid + 1; else b = mid;
        }
        if (a >= s->n || s->pos[a] != pos) continue;
        rpt_ient e;
        if (entry_at(s->entries, s->entries_len, pos, &e, NULL)) continue;
        if (e.name_len == len && memcmp(e.name, name, len) == 0) {
            *k = a;
            return RPT_OK;
        }
    }
    return RPT_E_NOTFOUND;
}

/* ----- seal and trailer ----- */
void rpt_seal_message(uint8_t msg[108], const uint8_t archive_id[16], const rpt_seal *s) {
    memcpy(msg, RPT_SEAL_PREFIX, RPT_PREFIX_BYTES);
    memcpy(msg + 16, archive_id, 16);
    rpt_le32_store(msg + 32, s->generation);
    rpt_le64_store(msg + 36, s->count);
    memcpy(msg + 44, s->d, 32);
    memcpy(msg + 76, s->prev, 32);
}

int rpt_seal_encode(rpt_buf *b, const rpt_seal *s) {
    uint8_t body[RPT_SEAL_BODY];
    rpt_le32_store(body, s->generation);
    rpt_le64_store(body + 4, s->count);
    memcpy(body + 12, s->d, 32);
    memcpy(body + 44, s->prev, 32);
    memcpy(body + 76, s->key_id, 8);
    memcpy(body + 84, s->sig, 64);
    return rpt_chunk_put(b, RPT_T_SEAL, body, sizeof body);
}

int rpt_seal_parse(const uint8_t *body, size_t len, rpt_seal *s) {
    if (len < RPT_SEAL_BODY) return RPT_E_FORMAT;
    s->generation = rpt_le32_load(body);
    s->count = rpt_le64_load(body + 4);
    memcpy(s->d, body + 12, 32);
    memcpy(s->prev, body + 44, 32);
    memcpy(s->key_id, body + 76, 8);
    memcpy(s->sig, body + 84, 64);
    return s->generation == 0 ? RPT_E_FORMAT : RPT_OK;
}

int rpt_trailer_encode(rpt_buf *b, const rpt_trailer *t) {
    uint8_t body[RPT_TRAILER_BODY];
    rpt_le64_store(body, t->index_offset);
    rpt_le64_store(body + 8, t->seal_offset);
    rpt_le64_store(body + 16, t->prev_trailer);
    rpt_le32_store(body + 24, t->generation);
    rpt_le64_store(body + 28, t->count);
    return rpt_chunk_put(b, RPT_T_TRLR, body, sizeof body);
}

int rpt_trailer_parse(const uint8_t *body, size_t len, rpt_trailer *t) {
    if (len != RPT_TRAILER_BODY) return RPT_E_FORMAT;
    t->index_offset = rpt_le64_load(body);
    t->seal_offset = rpt_le64_load(body + 8);
    t->prev_trailer = rpt_le64_load(body + 16);
    t->generation = rpt_le32_load(body + 24);
    t->count = rpt_le64_load(body + 28);
    return t->generation == 0 ? RPT_E_FORMAT : RPT_OK;
}
