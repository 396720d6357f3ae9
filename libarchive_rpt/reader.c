/* reader.c -- opening an archive: magic and header, the trailer found from
 * the end (or by looking back past an incomplete append), the seal, the
 * index segments, keys and dictionaries; then lookups and verified reads. */
#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ----- bytes from the source ----- */
int rpti_src_read(rpt_reader *r, uint64_t off, void *buf, size_t n) {
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t got = r->seq ? read(r->fd, p, n) : pread(r->fd, p, n, (off_t)off);
        if (got < 0) {
            if (errno == EINTR) continue;
            return rpti_seterr(r->err, RPT_E_IO, "read error at offset %llu: %s",
                              (unsigned long long)off, strerror(errno));
        }
        if (got == 0) return RPT_E_TRUNCATED;
        p += got;
        n -= (size_t)got;
        off += (uint64_t)got;
    }
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
        return rpti_seterr(r->err, RPT_E_LIMIT, "chunk '%s' at offset %llu claims %u bytes, over its cap of %u",
                          ts, (unsigned long long)off, c->len, cap);
    if (!r->seq && r->file_size && (uint64_t)c->len + 12 > r->file_size - off)
        return rpti_seterr(r->err, RPT_E_TRUNCATED, "chunk '%s' at offset %llu runs past the end of the file",
                          ts, (unsigned long long)off);
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

static int add_key(rpt_reader *r, const uint8_t *id, const uint8_t *pk, const uint8_t *cm,
                   size_t cml) {
    for (size_t i = 0; i < r->n_keys; i++)
        if (memcmp(r->keys[i].key.id, id, 8) == 0) {
            if (memcmp(r->keys[i].key.pk, pk, 32) != 0)
                return rpti_seterr(r->err, RPT_E_FORMAT, "two different keys share one key id");
            return RPT_OK;
        }
    rpt_key_info *nk = realloc(r->keys, (r->n_keys + 1) * sizeof *nk);
    if (!nk) return RPT_E_NOMEM;
    r->keys = nk;
    char *s = malloc(cml + 1);
    if (!s) return RPT_E_NOMEM;
    memcpy(s, cm, cml);
    s[cml] = 0;
    memcpy(nk[r->n_keys].key.id, id, 8);
    memcpy(nk[r->n_keys].key.pk, pk, 32);
    nk[r->n_keys].comment = s;
    r->n_keys++;
    return RPT_OK;
}

int rpti_take_aux(rpt_reader *r, const rpt_chunk *c) {
    rpt_cur cu = {c->body, c->len, 0};
    int rc;
    if (c->type == RPT_T_KEYS) {
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
            if ((rc = add_key(r, id, pk, cm, cml))) return rc == RPT_E_NOMEM ?
                rpti_seterr(r->err, rc, "out of memory") : rc;
        }
    } else if (c->type == RPT_T_DICT) {
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
        rpt_dict *nd = realloc(r->dicts, (k + 1) * sizeof *nd);
        if (nd) r->dicts = nd;
        uint32_t *ns = realloc(r->dict_sizes, (k + 1) * sizeof *ns);
        if (ns) r->dict_sizes = ns;
        uint8_t(*ni)[32] = realloc(r->dict_ids, (k + 1) * sizeof *ni);
        if (ni) r->dict_ids = ni;
        uint8_t *copy = malloc(dl);
        if (!nd || !ns || !ni || !copy) {
            free(copy);
            return rpti_seterr(r->err, RPT_E_NOMEM, "out of memory");
        }
        memcpy(copy, d, dl);
        nd[k].number = (uint32_t)k;
        nd[k].data = copy;
        nd[k].len = dl;
        ns[k] = (uint32_t)dl;
        memcpy(ni[k], id, 32);
        r->n_dicts++;
    } else {
        return rpti_seterr(r->err, RPT_E_FORMAT, "expected a KEYS or DICT chunk at offset %llu",
                          (unsigned long long)c->offset);
    }
    uint64_t *na = realloc(r->aux_off, (r->n_aux + 1) * sizeof *na);
    if (na) r->aux_off = na; /* realloc freed the old block: keep the new one */
    if (!na || rpti_buf_put(&r->aux, c->raw, c->raw_len))
        return rpti_seterr(r->err, RPT_E_NOMEM, "out of memory");
    na[r->n_aux++] = c->offset;
    return RPT_OK;
}

void rpti_key_lookup(const rpt_reader *r, const uint8_t *id, const uint8_t **pk, int *trusted) {
    *pk = NULL;
    *trusted = 0;
    for (size_t i = 0; i < r->n_trusted; i++)
        if (memcmp(r->trusted[i].id, id, 8) == 0) {
            *pk = r->trusted[i].pk;
            *trusted = 1;
            return;
        }
    for (size_t i = 0; i < r->n_keys; i++)
        if (memcmp(r->keys[i].key.id, id, 8) == 0) {
            *pk = r->keys[i].key.pk;
            return;
        }
}

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

int rpti_record_check(const rpt_reader *r, rpt_work *wk, const rpt_recinfo *ri, int inflate_only,
                     char *err) {
    const rpt_dict *d = NULL;
    if (ri->method == RPT_METHOD_DEFLATE_DICT) {
        if (ri->dict >= r->n_dicts)
            return rpti_seterr(err, RPT_E_FORMAT, "uses dictionary %u, which the archive lacks", ri->dict);
        d = &r->dicts[ri->dict];
    }
    int rc = rpti_record_inflate(&wk->z, ri, d, &wk->payload, err);
    if (rc || inflate_only) return rc;
    uint8_t msg[80];
    const uint8_t *pk;
    int trusted;
    char hex[17];
    rpti_record_sigmsg(msg, ri->meta, ri->meta_len, wk->payload.p, wk->payload.len);
    rpti_key_lookup(r, ri->key_id, &pk, &trusted);
    rpt_key_id_hex(ri->key_id, hex);
    if (!pk) return rpti_seterr(err, RPT_E_BADSIG, "signed by key %s, which is not in the archive", hex);
    if (crypto_sign_verify_detached(ri->sig, msg, sizeof msg, pk) != 0)
        return rpti_seterr(err, RPT_E_BADSIG, "signature does not verify with key %s", hex);
    if (r->n_trusted && !trusted)
        return rpti_seterr(err, RPT_E_UNTRUSTED, "valid signature by key %s, which is not trusted", hex);
    return RPT_OK;
}

int rpti_record_fill(rpt_work *wk, const rpt_recinfo *ri, rpt_record *out) {
    rpt_buf *s = &wk->strings;
    s->len = 0;
    if (ri->n_meta > wk->meta_cap) {
        rpt_meta *nm = realloc(wk->meta, (size_t)ri->n_meta * sizeof *nm);
        if (!nm) return RPT_E_NOMEM;
        wk->meta = nm;
        wk->meta_cap = (size_t)ri->n_meta;
    }
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

void rpti_seal_digest_d(const rpt_reader *r, const uint8_t root[RPT_DIGEST_BYTES],
                       uint8_t d[RPT_DIGEST_BYTES]) {
    rpti_seal_d(r->head_chunk.p, r->head_chunk.len, r->aux.p, r->aux.len, root, d);
}

/* ----- opening ----- */
rpt_reader *rpti_reader_new(void) {
    rpt_reader *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->fd = -1;
    if (rpti_work_init(&r->w)) {
        free(r);
        return NULL;
    }
    return r;
}

int rpti_read_start(rpt_reader *r) {
    uint8_t m[RPT_MAGIC_BYTES];
    int rc = rpti_src_read(r, 0, m, sizeof m);
    if (rc == RPT_E_TRUNCATED)
        return rpti_seterr(r->err, RPT_E_FORMAT, "not an rpt archive: shorter than its magic bytes");
    if (rc) return rc;
    if (memcmp(m + 1, rpti_magic + 1, 7) != 0 || !(m[0] & 0x80))
        return rpti_seterr(r->err, RPT_E_FORMAT, "not an rpt archive (bad magic bytes)");
    if (m[0] != rpti_magic[0])
        return rpti_seterr(r->err, RPT_E_UNSUPPORTED, "rpt format major version %d: this reader knows %d",
                          m[0] & 0x7f, RPT_FORMAT_MAJOR);
    rpt_chunk c;
    if ((rc = rpti_read_chunk(r, RPT_MAGIC_BYTES, &c))) return rc;
    if ((rc = rpti_take_head(r, &c))) return rc;
    r->scan.pos = RPT_MAGIC_BYTES + c.raw_len;
    return RPT_OK;
}

/* A trailer candidate at off: framing, CRC, offsets that point back into
 * the file, and a seal at its seal offset that agrees with it. */
static int trailer_at(rpt_reader *r, uint64_t off, rpt_trailer *t, rpt_seal *s) {
    uint8_t b[RPT_TRAILER_BYTES];
    if (off < RPT_MAGIC_BYTES) return RPT_E_NOSEAL;
    int rc = rpti_src_read(r, off, b, sizeof b);
    if (rc) return rc == RPT_E_IO ? rc : RPT_E_NOSEAL; /* a failed read is not a bad trailer */
    if (rpti_le32_load(b) != RPT_T_TRLR || rpti_le32_load(b + 4) != RPT_TRAILER_BODY ||
        rpti_le32_load(b + 44) != rpti_chunk_crc(RPT_T_TRLR, b + 8, RPT_TRAILER_BODY) ||
        rpti_trailer_parse(b + 8, RPT_TRAILER_BODY, t))
        return RPT_E_NOSEAL;
    if (t->seal_offset >= off || t->index_offset >= t->seal_offset ||
        t->index_offset < RPT_MAGIC_BYTES || t->prev_trailer >= t->index_offset)
        return RPT_E_NOSEAL;
    rpt_chunk c;
    if ((rc = rpti_read_chunk(r, t->seal_offset, &c)) == RPT_E_IO || rc == RPT_E_NOMEM) return rc;
    if (rc || c.type != RPT_T_SEAL ||
        rpti_seal_parse(c.body, c.len, s) || s->generation != t->generation ||
        s->count != t->count || t->seal_offset + c.raw_len != off)
        return RPT_E_NOSEAL;
    return RPT_OK;
}

/* The newest valid trailer: the last 48 bytes, or else looking back. */
static int find_trailer(rpt_reader *r) {
    uint64_t size = r->file_size;
    rpt_trailer t;
    rpt_seal s;
    int rc = size >= RPT_TRAILER_BYTES ? trailer_at(r, size - RPT_TRAILER_BYTES, &t, &s) : RPT_E_NOSEAL;
    if (rc == RPT_E_IO || rc == RPT_E_NOMEM) return rc; /* never an older generation instead */
    if (rc == RPT_OK) {
        r->trailer_offset = size - RPT_TRAILER_BYTES;
    } else {
        /* An append that crashed, or a damaged end: look back for the last
         * position holding "TRLR" and length 36 that checks out. */
        static const uint8_t pat[8] = {'T', 'R', 'L', 'R', RPT_TRAILER_BODY, 0, 0, 0};
        uint8_t blk[65536 + 8];
        int found = 0;
        uint64_t end = size;
        while (end > RPT_MAGIC_BYTES && !found) {
            uint64_t start = end > 65536 + RPT_MAGIC_BYTES ? end - 65536 : RPT_MAGIC_BYTES;
            size_t n = (size_t)(end - start);
            size_t extra = (size_t)(size - end < 7 ? size - end : 7);
            if ((rc = rpti_src_read(r, start, blk, n + extra)) == RPT_E_IO) return rc;
            if (rc) break;
            for (size_t i = n; i-- > 0 && !found;) {
                if (i + 8 > n + extra || memcmp(blk + i, pat, 8) != 0) continue;
                if ((rc = trailer_at(r, start + i, &t, &s)) == RPT_E_IO || rc == RPT_E_NOMEM) return rc;
                if (rc == RPT_OK) {
                    r->trailer_offset = start + i;
                    found = 1;
                }
            }
            end = start;
        }
        if (!found)
            return rpti_seterr(r->err, RPT_E_NOSEAL,
                              "no valid trailer: the archive is truncated or was never sealed");
    }
    r->trailer = t;
    r->seal = s;
    r->tail_bytes = size - r->trailer_offset - RPT_TRAILER_BYTES;
    return RPT_OK;
}

/* Opens an INDX for random access: its framing and header only. Its
 * CRC covers the whole chunk and is left to a full verification; what
 * is used of the data area is checked block by block against the
 * digests in the header, which the seal covers through the root. */
static int load_segment(rpt_reader *r, uint64_t off, rpt_segment *seg) {
    uint8_t h[8];
    int rc = rpti_src_read(r, off, h, 8);
    if (rc) return rc == RPT_E_TRUNCATED ? rpti_seterr(r->err, RPT_E_FORMAT, "no index chunk at offset %llu",
                                                      (unsigned long long)off)
                                         : rc;
    uint32_t len = rpti_le32_load(h + 4);
    if (rpti_le32_load(h) != RPT_T_INDX)
        return rpti_seterr(r->err, RPT_E_FORMAT, "no index chunk at offset %llu", (unsigned long long)off);
    if (len > rpti_chunk_cap(RPT_T_INDX))
        return rpti_seterr(r->err, RPT_E_LIMIT, "index chunk at offset %llu claims %u bytes, over its cap",
                          (unsigned long long)off, len);
    if ((uint64_t)len + 12 > r->file_size - off)
        return rpti_seterr(r->err, RPT_E_TRUNCATED, "index chunk at offset %llu runs past the end of the file",
                          (unsigned long long)off);
    return rpti_segment_open(seg, r->fd, off, len, r->err);
}

static int load_index(rpt_reader *r) {
    rpt_segment top;
    memset(&top, 0, sizeof top);
    int rc = load_segment(r, r->trailer.index_offset, &top);
    if (rc) {
        rpti_segment_free(&top);
        return rc;
    }
    if (top.n_older > RPT_MAX_OLDER_SEGMENTS || top.n_aux > RPT_MAX_AUX_CHUNKS) {
        rpti_segment_free(&top);
        return rpti_seterr(r->err, RPT_E_LIMIT, "index lists too many segments or chunks");
    }
    r->segs = calloc(top.n_older + 1, sizeof *r->segs);
    if (!r->segs) {
        rpti_segment_free(&top);
        return rpti_seterr(r->err, RPT_E_NOMEM, "out of memory");
    }
    r->n_segs = top.n_older + 1;
    r->segs[top.n_older] = top;
    const rpt_segment *t = &r->segs[top.n_older];
    uint64_t expect_first = 0;
    for (size_t i = 0; i < r->n_segs; i++) {
        rpt_segment *s = &r->segs[i];
        if (i < t->n_older) {
            if (t->older[i].offset >= t->offset)
                return rpti_seterr(r->err, RPT_E_FORMAT, "index segment reference points forward");
            if ((rc = load_segment(r, t->older[i].offset, s))) return rc;
            if (sodium_memcmp(s->root, t->older[i].root, 32) != 0)
                return rpti_seterr(r->err, RPT_E_DIGEST, "index segment at offset %llu does not match its digest",
                                  (unsigned long long)s->offset);
        }
        if (s->first != expect_first)
            return rpti_seterr(r->err, RPT_E_FORMAT, "index segments do not cover the records in order");
        expect_first += s->n;
    }
    if (expect_first != r->trailer.count)
        return rpti_seterr(r->err, RPT_E_FORMAT, "index lists %llu records, trailer says %llu",
                          (unsigned long long)expect_first, (unsigned long long)r->trailer.count);
    r->count = expect_first;
    /* keys and dictionaries, where the index says they are */
    for (size_t i = 0; i < t->n_aux; i++) {
        rpt_chunk c;
        if (t->aux[i] >= t->offset || (i && t->aux[i] <= t->aux[i - 1]))
            return rpti_seterr(r->err, RPT_E_FORMAT, "index lists keys or dictionaries out of order");
        if ((rc = rpti_read_chunk(r, t->aux[i], &c))) return rc;
        if ((rc = rpti_take_aux(r, &c))) return rc;
    }
    return RPT_OK;
}

static int load_generations(rpt_reader *r) {
    uint64_t off = r->trailer_offset;
    rpt_trailer t = r->trailer;
    rpt_seal s = r->seal;
    size_t cap = 0;
    for (;;) {
        if (r->n_gens == cap) {
            cap = cap ? cap * 2 : 4;
            rpt_generation *ng = realloc(r->gens, cap * sizeof *ng);
            if (!ng) return rpti_seterr(r->err, RPT_E_NOMEM, "out of memory");
            r->gens = ng;
        }
        rpt_generation *g = &r->gens[r->n_gens++];
        g->number = t.generation;
        g->records = t.count;
        g->seal_offset = t.seal_offset;
        g->trailer_offset = off;
        memcpy(g->key_id, s.key_id, 8);
        if (t.prev_trailer == 0) break;
        uint64_t prev = t.prev_trailer;
        uint32_t gen = t.generation;
        int rc = trailer_at(r, prev, &t, &s);
        if (rc == RPT_E_IO || rc == RPT_E_NOMEM) return rc;
        if (rc || t.generation + 1 != gen)
            return rpti_seterr(r->err, RPT_E_FORMAT, "the trailer of generation %u is damaged", gen - 1);
        off = prev;
    }
    if (r->gens[r->n_gens - 1].number != 1)
        return rpti_seterr(r->err, RPT_E_FORMAT, "the chain of trailers does not reach generation 1");
    /* oldest first */
    for (size_t i = 0; i < r->n_gens / 2; i++) {
        rpt_generation x = r->gens[i];
        r->gens[i] = r->gens[r->n_gens - 1 - i];
        r->gens[r->n_gens - 1 - i] = x;
    }
    return RPT_OK;
}

int rpti_reader_check_seal(rpt_reader *r) {
    uint8_t d[32], msg[108];
    const rpt_segment *t = &r->segs[r->n_segs - 1];
    rpti_seal_digest_d(r, t->root, d);
    if (sodium_memcmp(d, r->seal.d, 32) != 0)
        return rpti_seterr(r->err, RPT_E_DIGEST, "seal of generation %u: the header, keys, dictionaries or index do not match its digest",
                          r->seal.generation);
    rpti_seal_message(msg, r->archive_id, &r->seal);
    const uint8_t *pk;
    int trusted;
    char hex[17];
    rpti_key_lookup(r, r->seal.key_id, &pk, &trusted);
    rpt_key_id_hex(r->seal.key_id, hex);
    if (!pk || crypto_sign_verify_detached(r->seal.sig, msg, sizeof msg, pk) != 0)
        return rpti_seterr(r->err, RPT_E_BADSIG, "seal of generation %u: signature does not verify with key %s",
                          r->seal.generation, hex);
    if (r->n_trusted && !trusted)
        return rpti_seterr(r->err, RPT_E_UNTRUSTED, "seal of generation %u: signed by key %s, which is not trusted",
                          r->seal.generation, hex);
    return RPT_OK;
}

int rpt_reader_open_path(rpt_reader **out, const char *path, unsigned flags) {
    if (!out) return RPT_E_ARG;
    rpt_reader *r = *out = rpti_reader_new();
    if (!r) return RPT_E_NOMEM;
    if (!path) return rpti_seterr(r->err, RPT_E_ARG, "no path given");
    r->flags = flags;
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) return rpti_seterr(r->err, RPT_E_IO, "cannot open '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(r->fd, &st) != 0 || !S_ISREG(st.st_mode))
        return rpti_seterr(r->err, RPT_E_IO, "'%s' is not a regular file", path);
    r->file_size = (uint64_t)st.st_size;
    int rc = rpti_read_start(r);
    if (flags & RPT_OPEN_SALVAGE) {
        /* salvage never fails on damage: the scan resynchronises */
        if (rc == RPT_E_IO || rc == RPT_E_NOMEM) return rc; /* with its words */
        r->err[0] = 0;
        if (rc != RPT_OK) r->scan.pos = RPT_MAGIC_BYTES;
        return RPT_OK;
    }
    if (rc) return rc;
    if ((rc = find_trailer(r))) return rc;
    if ((rc = load_index(r))) return rc;
    if ((rc = load_generations(r))) return rc;
    if (r->seal.generation != r->n_gens)
        return rpti_seterr(r->err, RPT_E_FORMAT, "seal says generation %u, the chain has %zu",
                          r->seal.generation, r->n_gens);
    rpt_chunk c;
    if ((rc = rpti_read_chunk(r, r->trailer.seal_offset, &c))) return rc;
    crypto_generichash(r->seal_digest, 32, c.raw, c.raw_len, NULL, 0);
    /* The index is used only once the seal vouches for it: a lookup must
     * not miss a record that an attacker dropped from the index. Whether
     * the sealer is trusted is known only after rpt_reader_trust(), so
     * reads check that (seal_trust below). */
    return rpti_reader_check_seal(r);
}

int rpt_reader_open_fd(rpt_reader **out, int fd, unsigned flags) {
    if (!out) return RPT_E_ARG;
    rpt_reader *r = *out = rpti_reader_new();
    if (!r) return RPT_E_NOMEM;
    if (fd < 0) return rpti_seterr(r->err, RPT_E_ARG, "bad descriptor");
    if (flags & RPT_OPEN_SALVAGE)
        return rpti_seterr(r->err, RPT_E_ARG, "salvage needs a file, not a stream");
    r->fd = dup(fd);
    if (r->fd < 0) return rpti_seterr(r->err, RPT_E_IO, "dup: %s", strerror(errno));
    r->seq = 1;
    r->flags = flags;
    return rpti_read_start(r);
}

int rpt_reader_trust(rpt_reader *r, const rpt_pubkey *pk) {
    if (!r || !pk) return RPT_E_ARG;
    r->seal_trust = 0; /* to be checked again against the new set */
    rpt_pubkey *nt = realloc(r->trusted, (r->n_trusted + 1) * sizeof *nt);
    if (!nt) return rpti_seterr(r->err, RPT_E_NOMEM, "out of memory");
    r->trusted = nt;
    nt[r->n_trusted++] = *pk;
    return RPT_OK;
}

uint64_t rpt_reader_count(const rpt_reader *r) { return r && !r->seq ? r->count : 0; }

static rpt_segment *seg_of(rpt_reader *r, uint64_t i, uint64_t *k) {
    size_t lo = 0, hi = r->n_segs;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->segs[mid].first <= i) lo = mid; else hi = mid;
    }
    *k = i - r->segs[lo].first;
    return &r->segs[lo];
}

static int random_ok(rpt_reader *r) {
    if (r->seq || !r->segs)
        return rpti_seterr(r->err, RPT_E_ARG, "lookups need an archive opened by path, not salvage or a stream");
    return RPT_OK;
}

int rpt_reader_entry(rpt_reader *r, uint64_t i, rpt_record *out) {
    if (!r || !out) return RPT_E_ARG;
    int rc = random_ok(r);
    if (rc) return rc;
    if (i >= r->count) return rpti_seterr(r->err, RPT_E_NOTFOUND, "no record %llu", (unsigned long long)i);
    uint64_t k;
    rpt_segment *s = seg_of(r, i, &k);
    rpt_ient e;
    if ((rc = rpti_segment_entry(s, k, &e))) return rpti_seterr(r->err, rc, "index entry %llu %s",
                                                               (unsigned long long)i, rpti_segment_why(s, rc));
    memset(out, 0, sizeof *out);
    r->w.strings.len = 0;
    if (rpti_buf_put(&r->w.strings, e.name, e.name_len) || rpti_buf_u8(&r->w.strings, 0))
        return rpti_seterr(r->err, RPT_E_NOMEM, "out of memory");
    out->number = i;
    out->offset = e.offset;
    out->stored = e.stored;
    out->size = e.size;
    out->name = (const char *)r->w.strings.p;
    out->title = out->source = "";
    out->media_type = "";
    out->issued = e.issued;
    memcpy(out->digest, e.digest, 32);
    return RPT_OK;
}

int rpt_reader_find(rpt_reader *r, const char *name, uint64_t *i) {
    if (!r || !name || !i) return RPT_E_ARG;
    int rc = random_ok(r);
    if (rc) return rc;
    size_t len = strlen(name);
    for (size_t s = r->n_segs; s-- > 0;) {
        uint64_t k;
        int rc2 = rpti_segment_find(&r->segs[s], (const uint8_t *)name, len, &k);
        if (rc2 == RPT_OK) {
            *i = r->segs[s].first + k;
            return RPT_OK;
        }
        if (rc2 != RPT_E_NOTFOUND)
            return rpti_seterr(r->err, rc2, "the index segment at offset %llu %s",
                              (unsigned long long)r->segs[s].offset, rpti_segment_why(&r->segs[s], rc2));
    }
    return rpti_seterr(r->err, RPT_E_NOTFOUND, "no record named '%.200s'", name);
}

int rpt_reader_read(rpt_reader *r, uint64_t i, unsigned flags, rpt_record *out) {
    if (!r || !out) return RPT_E_ARG;
    int rc = random_ok(r);
    if (rc) return rc;
    if (i >= r->count) return rpti_seterr(r->err, RPT_E_NOTFOUND, "no record %llu", (unsigned long long)i);
    if (!(flags & RPT_READ_NO_VERIFY) && r->n_trusted && !r->seal_trust) {
        /* with keys to trust, the index must be sealed by one of them */
        int st = rpti_reader_check_seal(r);
        if (st) return st;
        r->seal_trust = 1;
    }
    uint64_t k;
    rpt_segment *s = seg_of(r, i, &k);
    rpt_ient e;
    if ((rc = rpti_segment_entry(s, k, &e))) return rpti_seterr(r->err, rc, "index entry %llu %s",
                                                        (unsigned long long)i, rpti_segment_why(s, rc));
    char where[300];
    snprintf(where, sizeof where, "record %llu '%.*s' at offset %llu", (unsigned long long)i,
             (int)(e.name_len > 200 ? 200 : e.name_len), e.name, (unsigned long long)e.offset);
    rpt_chunk c;
    if (e.offset < RPT_MAGIC_BYTES || e.offset >= r->trailer.index_offset)
        return rpti_seterr(r->err, RPT_E_FORMAT, "%s: offset outside the records", where);
    if ((rc = rpti_read_chunk(r, e.offset, &c))) {
        char tmp[RPT_ERRLEN];
        snprintf(tmp, sizeof tmp, "%s", r->err);
        return rpti_seterr(r->err, rc, "%s: %s", where, tmp);
    }
    if (c.type != RPT_T_RECD || c.raw_len != e.stored)
        return rpti_seterr(r->err, RPT_E_FORMAT, "%s: the index does not point at a record chunk", where);
    memset(out, 0, sizeof *out);
    if (!(flags & RPT_READ_NO_VERIFY)) {
        crypto_generichash(out->digest, 32, c.raw, c.raw_len, NULL, 0);
        if (sodium_memcmp(out->digest, e.digest, 32) != 0)
            return rpti_seterr(r->err, RPT_E_DIGEST, "%s: the record does not match its index digest", where);
    } else {
        memcpy(out->digest, e.digest, 32);
    }
    rpt_recinfo ri;
    char perr[RPT_ERRLEN];
    if ((rc = rpti_record_parse(c.body, c.len, &ri, perr)))
        return rpti_seterr(r->err, rc == RPT_E_NAME ? RPT_E_FORMAT : rc, "%s: %s", where, perr);
    if (ri.name_len != e.name_len || memcmp(ri.name, e.name, e.name_len) != 0 || ri.size != e.size ||
        ri.issued != e.issued)
        return rpti_seterr(r->err, RPT_E_DIGEST, "%s: the record disagrees with its index entry", where);
    int status = RPT_OK;
    if (!(flags & RPT_READ_NO_PAYLOAD)) {
        status = rpti_record_check(r, &r->w, &ri, (flags & RPT_READ_NO_VERIFY) != 0, perr);
        if (status && status != RPT_E_UNTRUSTED) return rpti_seterr(r->err, status, "%s: %s", where, perr);
        if (status) rpti_seterr(r->err, status, "%s: %s", where, perr);
        out->data = r->w.payload.p ? r->w.payload.p : (const uint8_t *)"";
        out->data_len = r->w.payload.len;
    }
    if (rpti_record_fill(&r->w, &ri, out)) return rpti_seterr(r->err, RPT_E_NOMEM, "out of memory");
    const uint8_t *pk;
    rpti_key_lookup(r, ri.key_id, &pk, &out->trusted);
    out->number = i;
    out->offset = e.offset;
    out->stored = e.stored;
    return status;
}

int rpt_reader_next(rpt_reader *r, rpt_record *out) {
    if (!r || !out) return RPT_E_ARG;
    if (!r->seq && !(r->flags & RPT_OPEN_SALVAGE)) {
        if (r->next_i >= r->count) return 1;
        return rpt_reader_read(r, r->next_i++, 0, out);
    }
    return rpti_scan_next(r, out, NULL, NULL, NULL);
}

uint64_t rpt_reader_salvage_lost(const rpt_reader *r) { return r ? r->scan.lost : 0; }

int rpt_reader_info(rpt_reader *r, rpt_archive_info *out) {
    if (!r || !out) return RPT_E_ARG;
    memset(out, 0, sizeof *out);
    out->major = r->major;
    out->minor = r->minor;
    memcpy(out->archive_id, r->archive_id, 16);
    out->created = r->created;
    out->software = r->software ? r->software : "";
    out->n_keys = r->n_keys;
    out->keys = r->keys;
    out->n_dicts = r->n_dicts;
    out->dict_sizes = r->dict_sizes;
    out->dict_ids = (const uint8_t(*)[RPT_DIGEST_BYTES])r->dict_ids;
    out->n_generations = r->n_gens;
    out->generations = r->gens;
    out->file_size = r->file_size;
    out->tail_bytes = r->tail_bytes;
    for (size_t i = 0; i < r->n_segs; i++) out->index_bytes += r->segs[i].body_len + 12u;
    return RPT_OK;
}

const char *rpt_reader_error(const rpt_reader *r) { return r ? r->err : "out of memory"; }

void rpt_reader_free(rpt_reader *r) {
    if (!r) return;
    if (r->fd >= 0) close(r->fd);
    rpti_buf_free(&r->head_chunk);
    free(r->software);
    for (size_t i = 0; i < r->n_keys; i++) free((char *)r->keys[i].comment);
    free(r->keys);
    for (size_t i = 0; i < r->n_dicts; i++) free((void *)r->dicts[i].data);
    free(r->dicts);
    free(r->dict_sizes);
    free(r->dict_ids);
    rpti_buf_free(&r->aux);
    free(r->aux_off);
    for (size_t i = 0; i < r->n_segs; i++) rpti_segment_free(&r->segs[i]);
    free(r->segs);
    free(r->gens);
    free(r->trusted);
    rpti_work_free(&r->w);
    rpti_buf_free(&r->cbuf);
    rpti_scan_free(&r->scan);
    free(r);
}
