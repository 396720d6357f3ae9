/* SPDX-License-Identifier: ISC */
/* check.c -- the record layer: one check for each thing an archive holds
 * (chunk framing, HEAD/KEYS/DICT, a record, an index entry, the index's
 * coverage, a seal, trust, the set of names). The random-access reader
 * (reader.c) and the sequential pass (scan.c) both call these, so the
 * two can never disagree about what is valid or how it fails. */
#include "place.h"
#include "reader.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* ----- chunk framing ----- */
uint32_t rpti_indx_spill_min = 4u << 20;

/* A large INDX body goes through a buffer into the spill file, with its
 * CRC computed on the way: at a million records it is some 100 MB. A
 * reader only reads, so that file is made in TMPDIR, never next to an
 * archive that may be on read-only media or in someone else's directory. */
static int read_spilled(rpt_reader *r, uint64_t off, const uint8_t h[8], rpt_chunk *c,
                        const char *ts) {
    uint8_t buf[65536];
    if (r->spill < 0 && (r->spill = rpti_scratch_open(NULL, r->spill_dir)) < 0)
        return rpti_seterr(r->err, RPT_E_IO, "cannot make a scratch file for the index in '%s': %s",
                           r->spill_dir, strerror(errno));
    int fd = r->spill;
    if (ftruncate(fd, 0) != 0)
        return rpti_seterr(r->err, RPT_E_IO, "cannot empty the index's scratch file in '%s': %s",
                           r->spill_dir, strerror(errno));
    uLong crc = crc32(0L, h, 4);
    uint64_t at = off + 8, end = off + 8 + c->len;
    while (at < end) {
        size_t n = end - at < sizeof buf ? (size_t)(end - at) : sizeof buf;
        int rc = rpti_src_read(r, at, buf, n);
        if (rc == RPT_E_TRUNCATED)
            return rpti_seterr(r->err, rc, "archive ends inside chunk '%s' at offset %llu", ts,
                               (unsigned long long)off);
        if (rc) return rc;
        crc = crc32(crc, buf, (uInt)n);
        for (size_t done = 0; done < n;) {
            ssize_t w = pwrite(fd, buf + done, n - done, (off_t)(at + done));
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0)
                return rpti_seterr(r->err, RPT_E_IO,
                                   "cannot write the index to its scratch file in '%s': %s",
                                   r->spill_dir, strerror(w < 0 ? errno : ENOSPC));
            done += (size_t)w;
        }
        at += n;
    }
    int rc = rpti_src_read(r, end, buf, 4);
    if (rc == RPT_E_TRUNCATED)
        return rpti_seterr(r->err, rc, "archive ends inside chunk '%s' at offset %llu", ts,
                           (unsigned long long)off);
    if (rc) return rc;
    c->body = NULL;
    c->spilled = 1;
    c->raw = NULL;
    c->raw_len = (size_t)c->len + 12;
    if (rpti_le32_load(buf) != (uint32_t)crc)
        return rpti_seterr(r->err, RPT_E_FORMAT, "chunk '%s' at offset %llu: CRC mismatch", ts,
                           (unsigned long long)off);
    return RPT_OK;
}

int rpti_read_chunk(rpt_reader *r, uint64_t off, rpt_chunk *c) {
    return rpti_read_chunk_ex(r, off, c, NULL);
}

int rpti_read_chunk_ex(rpt_reader *r, uint64_t off, rpt_chunk *c, int *eof) {
    uint8_t h[8];
    char ts[5];
    int rc;
    if (eof) {
        /* the clean end of the data falls between chunks */
        *eof = 0;
        rc = rpti_src_read(r, off, h, 1);
        if (rc == RPT_E_TRUNCATED) {
            *eof = 1;
            return rc;
        }
        rc = rc ? rc : rpti_src_read(r, off + 1, h + 1, 7);
    } else {
        rc = rpti_src_read(r, off, h, 8);
    }
    if (rc == RPT_E_TRUNCATED)
        return rpti_seterr(r->err, rc, "archive ends inside a chunk header at offset %llu",
                           (unsigned long long)off);
    if (rc) return rc;
    c->offset = off;
    c->type = rpti_le32_load(h);
    c->len = rpti_le32_load(h + 4);
    rpti_type_str(c->type, ts);
    if (!rpti_chunk_type_valid(c->type))
        return rpti_seterr(r->err, RPT_E_FORMAT, "no valid chunk at offset %llu (type bytes '%s')",
                           (unsigned long long)off, ts);
    uint32_t cap = rpti_chunk_cap(c->type);
    if (cap == 0)
        return rpti_seterr(r->err, RPT_E_UNSUPPORTED,
                           "unknown critical chunk '%s' at offset %llu: a newer rpt is needed", ts,
                           (unsigned long long)off);
    if (c->len > cap)
        return rpti_seterr(r->err, RPT_E_LIMIT,
                           "chunk '%s' at offset %llu claims %u bytes, over its cap of %u", ts,
                           (unsigned long long)off, c->len, cap);
    if (!r->seq && r->file_size && (uint64_t)c->len + 12 > r->file_size - off)
        return rpti_seterr(r->err, RPT_E_TRUNCATED,
                           "chunk '%s' at offset %llu runs past the end of the file", ts,
                           (unsigned long long)off);
    c->spilled = 0;
    if (c->type == RPT_T_INDX && c->len > rpti_indx_spill_min) return read_spilled(r, off, h, c, ts);
    r->cbuf.len = 0;
    if (rpti_buf_reserve(&r->cbuf, (size_t)c->len + 12))
        return rpti_seterr(r->err, RPT_E_NOMEM, "out of memory for a %u-byte chunk", c->len);
    memcpy(r->cbuf.p, h, 8);
    rc = rpti_src_read(r, off + 8, r->cbuf.p + 8, (size_t)c->len + 4);
    if (rc == RPT_E_TRUNCATED)
        return rpti_seterr(r->err, rc, "archive ends inside chunk '%s' at offset %llu", ts,
                           (unsigned long long)off);
    if (rc) return rc;
    r->cbuf.len = (size_t)c->len + 12;
    c->body = r->cbuf.p + 8;
    c->raw = r->cbuf.p;
    c->raw_len = r->cbuf.len;
    if (rpti_le32_load(c->body + c->len) != rpti_chunk_crc(c->type, c->body, c->len))
        return rpti_seterr(r->err, RPT_E_FORMAT, "chunk '%s' at offset %llu: CRC mismatch", ts,
                           (unsigned long long)off);
    return RPT_OK;
}

/* ----- header, keys, dictionaries ----- */
int rpti_take_head(rpt_reader *r, const rpt_chunk *c) {
    if (c->type != RPT_T_HEAD)
        return rpti_seterr(r->err, RPT_E_FORMAT, "the first chunk is not HEAD");
    rpt_cur cu = {c->body, c->len, 0};
    uint8_t major, minor;
    const uint8_t *id, *sw, *cr;
    size_t swl;
    if (rpti_cur_u8(&cu, &major) || rpti_cur_u8(&cu, &minor) || rpti_cur_bytes(&cu, 16, &id) ||
        rpti_cur_bytes(&cu, 8, &cr) || rpti_cur_str(&cu, 4096, &sw, &swl))
        return rpti_seterr(r->err, RPT_E_FORMAT, "HEAD chunk is malformed");
    if (major != RPT_FORMAT_MAJOR)
        return rpti_seterr(r->err, RPT_E_UNSUPPORTED, "format version %u.%u: this reader knows %d.x",
                           major, minor, RPT_FORMAT_MAJOR);
    r->major = major;
    r->minor = minor;
    memcpy(r->archive_id, id, 16);
    r->created = (int64_t)rpti_le64_load(cr);
    if (!rpti_utf8_valid(sw, swl) || memchr(sw, 0, swl))
        return rpti_seterr(r->err, RPT_E_FORMAT, "HEAD: the software name is not UTF-8 text");
    free(r->software);
    r->software = malloc(swl + 1);
    if (!r->software) return rpti_seterr(r->err, RPT_E_NOMEM, "out of memory");
    memcpy(r->software, sw, swl);
    r->software[swl] = 0;
    r->head_chunk.len = 0;
    if (rpti_buf_put(&r->head_chunk, c->raw, c->raw_len))
        return rpti_seterr(r->err, RPT_E_NOMEM, "out of memory");
    return RPT_OK;
}

static int add_key(rpt_reader *r, uint64_t at, const uint8_t *id, const uint8_t *pk,
                   const uint8_t *cm, size_t cml) {
    for (size_t i = 0; i < r->n_keys; i++)
        if (memcmp(r->keys[i].key.id, id, 8) == 0) {
            if (memcmp(r->keys[i].key.pk, pk, 32) != 0)
                return rpti_seterr(r->err, RPT_E_FORMAT, "two different keys share one key id");
            return RPT_OK;
        }
    if (rpti_grow(&r->keys, &r->cap_keys, r->n_keys + 1, sizeof *r->keys) ||
        rpti_grow(&r->key_at, &r->cap_key_at, r->n_keys + 1, sizeof *r->key_at))
        return rpti_seterr(r->err, RPT_E_NOMEM, "out of memory");
    char *s = malloc(cml + 1);
    if (!s) return rpti_seterr(r->err, RPT_E_NOMEM, "out of memory");
    memcpy(s, cm, cml);
    s[cml] = 0;
    rpt_key_info *k = &r->keys[r->n_keys];
    memcpy(k->key.id, id, 8);
    memcpy(k->key.pk, pk, 32);
    k->comment = s;
    r->key_at[r->n_keys++] = at;
    return RPT_OK;
}

static int take_keys(rpt_reader *r, const rpt_chunk *c) {
    rpt_cur cu = {c->body, c->len, 0};
    uint64_t n;
    if (rpti_cur_varint(&cu, &n) || n > c->len / 41)
        return rpti_seterr(r->err, RPT_E_FORMAT, "KEYS chunk at offset %llu is malformed",
                           (unsigned long long)c->offset);
    for (uint64_t i = 0; i < n; i++) {
        const uint8_t *id, *pk, *cm;
        size_t cml;
        if (rpti_cur_bytes(&cu, 8, &id) || rpti_cur_bytes(&cu, 32, &pk) ||
            rpti_cur_str(&cu, 4096, &cm, &cml) || !rpti_utf8_valid(cm, cml) || memchr(cm, 0, cml))
            return rpti_seterr(r->err, RPT_E_FORMAT, "KEYS chunk at offset %llu is malformed",
                               (unsigned long long)c->offset);
        int rc = add_key(r, c->offset, id, pk, cm, cml);
        if (rc) return rc;
    }
    return RPT_OK;
}

static int take_dict(rpt_reader *r, const rpt_chunk *c) {
    rpt_cur cu = {c->body, c->len, 0};
    uint64_t num;
    const uint8_t *id, *d;
    size_t dl;
    if (rpti_cur_varint(&cu, &num) || rpti_cur_bytes(&cu, 32, &id) ||
        rpti_cur_str(&cu, RPT_DICT_MAX, &d, &dl) || dl == 0)
        return rpti_seterr(r->err, RPT_E_FORMAT, "DICT chunk at offset %llu is malformed",
                           (unsigned long long)c->offset);
    if (num != r->n_dicts || r->n_dicts >= RPT_MAX_DICTS)
        return rpti_seterr(r->err, RPT_E_FORMAT, "DICT chunk at offset %llu has number %llu, expected %zu",
                           (unsigned long long)c->offset, (unsigned long long)num, r->n_dicts);
    uint8_t h[32];
    crypto_generichash(h, 32, d, dl, NULL, 0);
    if (memcmp(h, id, 32) != 0)
        return rpti_seterr(r->err, RPT_E_FORMAT, "dictionary %llu does not match its id",
                           (unsigned long long)num);
    size_t k = r->n_dicts;
    uint8_t *copy = NULL;
    if (rpti_grow(&r->dicts, &r->cap_dicts[0], k + 1, sizeof *r->dicts) ||
        rpti_grow(&r->dict_sizes, &r->cap_dicts[1], k + 1, sizeof *r->dict_sizes) ||
        rpti_grow(&r->dict_ids, &r->cap_dicts[2], k + 1, sizeof *r->dict_ids) ||
        rpti_grow(&r->dict_at, &r->cap_dicts[3], k + 1, sizeof *r->dict_at) ||
        !(copy = malloc(dl)))
        return rpti_seterr(r->err, RPT_E_NOMEM, "out of memory");
    memcpy(copy, d, dl);
    r->dicts[k].number = (uint32_t)k;
    r->dicts[k].data = copy;
    r->dicts[k].len = dl;
    r->dict_sizes[k] = (uint32_t)dl;
    memcpy(r->dict_ids[k], id, 32);
    r->dict_at[k] = c->offset;
    r->n_dicts++;
    return RPT_OK;
}

int rpti_take_aux(rpt_reader *r, const rpt_chunk *c) {
    int rc;
    if (c->type == RPT_T_KEYS) rc = take_keys(r, c);
    else if (c->type == RPT_T_DICT) rc = take_dict(r, c);
    else
        return rpti_seterr(r->err, RPT_E_FORMAT, "expected a KEYS or DICT chunk at offset %llu",
                           (unsigned long long)c->offset);
    if (rc) return rc;
    if (rpti_grow(&r->aux_off, &r->cap_aux, r->n_aux + 1, sizeof *r->aux_off) ||
        rpti_buf_put(&r->aux, c->raw, c->raw_len))
        return rpti_seterr(r->err, RPT_E_NOMEM, "out of memory");
    r->aux_off[r->n_aux++] = c->offset;
    return RPT_OK;
}

void rpti_seal_digest_d(const rpt_reader *r, const uint8_t root[RPT_DIGEST_BYTES],
                        uint8_t d[RPT_DIGEST_BYTES]) {
    rpti_seal_d(r->head_chunk.p, r->head_chunk.len, r->aux.p, r->aux.len, root, d);
}

/* ----- keys and trust ----- */
void rpti_key_lookup(const rpt_reader *r, const uint8_t *id, uint64_t before,
                     const uint8_t **pk, int *trusted) {
    *pk = NULL;
    *trusted = 0;
    for (size_t i = 0; i < r->n_keys; i++)
        if (memcmp(r->keys[i].key.id, id, 8) == 0 && r->key_at[i] < before) {
            *pk = r->keys[i].key.pk;
            break;
        }
    if (!*pk) return;
    for (size_t i = 0; i < r->n_trusted; i++)
        if (memcmp(r->trusted[i].id, id, 8) == 0 && sodium_memcmp(r->trusted[i].pk, *pk, 32) == 0)
            *trusted = 1;
}

int rpti_trust_check(const rpt_reader *r, const uint8_t *id, uint64_t before, const char *what,
                     char *detail) {
    const uint8_t *pk;
    int trusted;
    char hex[17];
    if (!r->n_trusted) return RPT_OK;
    rpti_key_lookup(r, id, before, &pk, &trusted);
    if (trusted) return RPT_OK;
    rpt_key_id_hex(id, hex);
    return rpti_seterr(detail, RPT_E_UNTRUSTED, "%svalid signature by key %s, which is not trusted",
                       what, hex);
}

/* The signer's key, from a KEYS chunk before the signed chunk (spec 4.2):
 * a trusted key the archive does not list cannot stand in for it, so
 * every reader, with or without trusted keys, reaches the same verdict. */
static int signer_key(const rpt_reader *r, const uint8_t *id, uint64_t before, const char *what,
                      const uint8_t **pk, char *detail) {
    int trusted;
    char hex[17];
    rpti_key_lookup(r, id, before, pk, &trusted);
    if (*pk) return RPT_OK;
    rpt_key_id_hex(id, hex);
    return rpti_seterr(detail, RPT_E_BADSIG, "%ssigned by key %s, which no KEYS chunk before it lists",
                       what, hex);
}

/* ----- records ----- */
int rpti_work_init(rpt_work *wk) {
    memset(wk, 0, sizeof *wk);
    return rpti_zctx_init(&wk->z, 0);
}

void rpti_work_free(rpt_work *wk) {
    rpti_zctx_end(&wk->z);
    rpti_buf_free(&wk->payload);
    rpti_buf_free(&wk->strings);
    free(wk->meta);
    memset(wk, 0, sizeof *wk);
}

/* Copies a parsed record's metadata into wk->strings and points out at
 * them. Returns RPT_OK or RPT_E_NOMEM. */
static int record_fill(rpt_work *wk, const rpt_recinfo *ri, rpt_record *out) {
    rpt_buf *s = &wk->strings;
    s->len = 0;
    if (rpti_grow(&wk->meta, &wk->meta_cap, (size_t)ri->n_meta, sizeof *wk->meta))
        return RPT_E_NOMEM;
    /* offsets first, pointers after: the buffer may move while it grows */
    size_t off[4 + 2 * RPT_META_MAX];
    const uint8_t *src[4] = {ri->name, ri->title, ri->source, ri->media};
    size_t len[4] = {ri->name_len, ri->title_len, ri->source_len, ri->media_len};
    int rc = 0;
    for (int i = 0; i < 4; i++) {
        off[i] = s->len;
        rc |= rpti_buf_put(s, src[i], len[i]) | rpti_buf_u8(s, 0);
    }
    rpt_cur c = {ri->extras, ri->extras_len, 0};
    for (uint64_t i = 0; i < ri->n_meta; i++) {
        const uint8_t *k, *v;
        size_t kl, vl;
        (void)rpti_cur_str(&c, RPT_META_KEY_MAX, &k, &kl);
        (void)rpti_cur_str(&c, RPT_META_VALUE_MAX, &v, &vl);
        off[4 + 2 * i] = s->len;
        rc |= rpti_buf_put(s, k, kl) | rpti_buf_u8(s, 0);
        off[5 + 2 * i] = s->len;
        rc |= rpti_buf_put(s, v, vl) | rpti_buf_u8(s, 0);
    }
    if (rc) return RPT_E_NOMEM;
    const char *base = (const char *)s->p;
    out->name = base + off[0];
    out->title = base + off[1];
    out->source = base + off[2];
    out->media_type = ri->media_len ? base + off[3] : RPT_DEFAULT_MEDIA_TYPE;
    for (uint64_t i = 0; i < ri->n_meta; i++) {
        wk->meta[i].key = base + off[4 + 2 * i];
        wk->meta[i].value = base + off[5 + 2 * i];
    }
    out->n_meta = (size_t)ri->n_meta;
    out->meta = wk->meta;
    out->issued = ri->issued;
    out->size = ri->size;
    out->method = ri->method;
    out->dict = ri->dict;
    memcpy(out->key_id, ri->key_id, 8);
    return RPT_OK;
}

/* The dictionary of a method-2 record: one a DICT chunk before it defines. */
static int record_dict(const rpt_reader *r, const rpt_recinfo *ri, uint64_t offset,
                       const rpt_dict **d, char *detail) {
    *d = NULL;
    if (ri->method != RPT_METHOD_DEFLATE_DICT) return RPT_OK;
    if (ri->dict >= r->n_dicts || r->dict_at[ri->dict] >= offset)
        return rpti_seterr(detail, RPT_E_FORMAT, "uses dictionary %u, which no DICT chunk before it defines",
                           ri->dict);
    *d = &r->dicts[ri->dict];
    return RPT_OK;
}

int rpti_record_verify(const rpt_reader *r, rpt_work *wk, const uint8_t *raw, size_t raw_len,
                       uint64_t offset, unsigned flags, rpt_record *out, int *parsed,
                       char *detail) {
    rpt_recinfo ri;
    const rpt_dict *d;
    const uint8_t *pk = NULL;
    memset(out, 0, sizeof *out);
    *parsed = 0;
    detail[0] = 0;
    out->offset = offset;
    out->stored = raw_len;
    out->name = out->title = out->source = out->media_type = "";
    crypto_generichash(out->digest, 32, raw, raw_len, NULL, 0);
    int rc = rpti_record_parse(raw + 8, raw_len - 12, &ri, detail);
    if (rc) return rc == RPT_E_NAME ? RPT_E_FORMAT : rc;
    if (record_fill(wk, &ri, out)) return rpti_seterr(detail, RPT_E_NOMEM, "out of memory");
    *parsed = 1;
    if ((rc = record_dict(r, &ri, offset, &d, detail))) return rc;
    if (!(flags & RPT_READ_NO_VERIFY) && (rc = signer_key(r, ri.key_id, offset, "", &pk, detail)))
        return rc;
    int trusted;
    rpti_key_lookup(r, ri.key_id, offset, &pk, &trusted);
    out->trusted = trusted;
    if (flags & RPT_READ_NO_PAYLOAD) return RPT_OK;
    if ((rc = rpti_record_inflate(&wk->z, &ri, d, &wk->payload, detail))) return rc;
    out->data = wk->payload.p ? wk->payload.p : (const uint8_t *)"";
    out->data_len = wk->payload.len;
    if (flags & RPT_READ_NO_VERIFY) return RPT_OK;
    uint8_t msg[80];
    char hex[17];
    rpti_record_sigmsg(msg, ri.meta, ri.meta_len, wk->payload.p, wk->payload.len);
    if (crypto_sign_verify_detached(ri.sig, msg, sizeof msg, pk) != 0) {
        rpt_key_id_hex(ri.key_id, hex);
        return rpti_seterr(detail, RPT_E_BADSIG, "signature does not verify with key %s", hex);
    }
    return rpti_trust_check(r, ri.key_id, offset, "", detail);
}

/* ----- index ----- */
int rpti_entry_check(const rpt_ient *e, const uint8_t *name, size_t name_len, uint64_t offset,
                     uint64_t stored, uint64_t size, int64_t issued, const uint8_t *digest,
                     char *detail) {
    const char *what = NULL;
    if (e->name_len != name_len || memcmp(e->name, name, name_len) != 0) what = "name";
    else if (e->offset != offset) what = "offset";
    else if (e->stored != stored) what = "stored length";
    else if (e->size != size) what = "size";
    else if (e->issued != issued) what = "issue time";
    else if (digest && sodium_memcmp(e->digest, digest, RPT_DIGEST_BYTES) != 0) what = "digest";
    if (!what) return RPT_OK;
    return rpti_seterr(detail, RPT_E_DIGEST, "the index entry's %s does not match the record", what);
}

int rpti_index_covers(const rpti_span *spans, size_t n_spans, uint64_t total, uint64_t index_off,
                      char *detail) {
    uint64_t next = 0;
    for (size_t i = 0; i < n_spans; i++) {
        if (spans[i].first != next)
            return rpti_seterr(detail, RPT_E_DIGEST,
                               "index at offset %llu: its segments do not cover the records in order (segment %zu starts at record %llu, expected %llu)",
                               (unsigned long long)index_off, i, (unsigned long long)spans[i].first,
                               (unsigned long long)next);
        next += spans[i].n;
    }
    if (next != total)
        return rpti_seterr(detail, RPT_E_DIGEST,
                           "index at offset %llu covers %llu records, but the archive has %llu",
                           (unsigned long long)index_off, (unsigned long long)next,
                           (unsigned long long)total);
    return RPT_OK;
}

/* ----- seals ----- */
int rpti_seal_check(const rpt_reader *r, const rpt_seal *sl, const rpti_seal_expect *x,
                    char *detail) {
    uint8_t msg[108];
    const uint8_t *pk;
    char what[64], hex[17];
    snprintf(what, sizeof what, "seal of generation %u: ", sl->generation);
    if (sl->generation != x->generation || sl->count != x->count)
        return rpti_seterr(detail, RPT_E_DIGEST,
                           "seal at offset %llu claims generation %u with %llu records; the archive has generation %u with %llu",
                           (unsigned long long)x->offset, sl->generation, (unsigned long long)sl->count,
                           x->generation, (unsigned long long)x->count);
    if (x->d && sodium_memcmp(x->d, sl->d, 32) != 0)
        return rpti_seterr(detail, RPT_E_DIGEST,
                           "%sthe header, keys, dictionaries or index do not match its digest", what);
    if (x->prev && sodium_memcmp(x->prev, sl->prev, 32) != 0)
        return rpti_seterr(detail, RPT_E_DIGEST,
                           "%sit does not name the previous seal: the chain is broken", what);
    int rc = signer_key(r, sl->key_id, x->offset, what, &pk, detail);
    if (rc) return rc;
    rpti_seal_message(msg, r->archive_id, sl);
    if (crypto_sign_verify_detached(sl->sig, msg, sizeof msg, pk) != 0) {
        rpt_key_id_hex(sl->key_id, hex);
        return rpti_seterr(detail, RPT_E_BADSIG, "%ssignature does not verify with key %s", what, hex);
    }
    return rpti_trust_check(r, sl->key_id, x->offset, what, detail);
}

/* ----- names ----- */
/* A name is kept as 12 bytes of its BLAKE2b digest, never all zero, and
 * its record's number: 16 bytes whatever its length. Two names with the same 96-bit digest are taken for one:
 * among a billion names the odds of that are below 2^-36. */
static void name_id(const uint8_t *name, size_t len, uint8_t id[RPTI_NAME_ID]) {
    crypto_generichash(id, RPTI_NAME_ID, name, len, NULL, 0);
    id[0] |= 1;
}

static size_t slot_of(const uint8_t id[RPTI_NAME_ID], size_t n_slots) {
    return (size_t)(rpti_le64_load(id + 4) % n_slots);
}

static int names_rehash(rpti_nameset *s, size_t want) {
    rpti_name *ns = calloc(want, sizeof *ns);
    if (!ns) return RPT_E_NOMEM;
    for (size_t i = 0; i < s->n_slots; i++) {
        if (!s->slot[i].id[0]) continue;
        size_t h = slot_of(s->slot[i].id, want);
        while (ns[h].id[0]) h = h + 1 == want ? 0 : h + 1;
        ns[h] = s->slot[i];
    }
    free(s->slot);
    s->slot = ns;
    s->n_slots = want;
    return RPT_OK;
}

int rpti_names_add(rpti_nameset *s, const uint8_t *name, size_t len, uint64_t number,
                   uint64_t *first) {
    *first = UINT64_MAX;
    /* at most three quarters full; grown by half, not doubled, so that a
     * million names take 24 MB and not 32 */
    if ((s->n + 1) * 4 > s->n_slots * 3 &&
        names_rehash(s, s->n_slots ? s->n_slots + s->n_slots / 2 : 1024))
        return RPT_E_NOMEM;
    uint8_t id[RPTI_NAME_ID];
    name_id(name, len, id);
    size_t h = slot_of(id, s->n_slots);
    for (; s->slot[h].id[0]; h = h + 1 == s->n_slots ? 0 : h + 1) {
        if (memcmp(s->slot[h].id, id, sizeof id) == 0) {
            *first = s->slot[h].number;
            return RPT_OK;
        }
    }
    memcpy(s->slot[h].id, id, sizeof id);
    /* an index holds fewer than 2^32 records (its data area is at most
     * 4 GiB); beyond that the number said in a message saturates */
    s->slot[h].number = number < UINT32_MAX ? (uint32_t)number : UINT32_MAX;
    s->n++;
    return RPT_OK;
}

void rpti_names_free(rpti_nameset *s) {
    free(s->slot);
    memset(s, 0, sizeof *s);
}
