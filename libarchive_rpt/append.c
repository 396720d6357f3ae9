/* append.c -- what an append checks before it writes or cuts a byte: that
 * the signer's key id is free, that every earlier generation was sealed,
 * in an unbroken chain, by a key the appender trusts, and that the tail
 * it would cut holds no sealed generation. */
#include "append.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

int rpti_append_check_key(const rpt_reader *r, const rpt_pubkey *own, char *err) {
    for (size_t i = 0; i < r->n_keys; i++) {
        const rpt_pubkey *k = &r->keys[i].key;
        if (memcmp(k->id, own->id, RPT_KEY_ID_BYTES) != 0) continue;
        if (sodium_memcmp(k->pk, own->pk, RPT_PUBLIC_KEY_BYTES) == 0) return RPT_OK;
        char hex[17];
        rpt_key_id_hex(own->id, hex);
        return rpti_seterr(err, RPT_E_KEY,
                           "the archive already lists key id %s with another public key: "
                           "records signed with this key would be checked against that one "
                           "and fail; sign with a key that has another id",
                           hex);
    }
    return RPT_OK;
}

static int seal_signed_by(const uint8_t archive_id[RPT_ARCHIVE_ID_BYTES], const rpt_seal *s,
                          const uint8_t *pk) {
    uint8_t msg[108];
    rpti_seal_message(msg, archive_id, s);
    return crypto_sign_verify_detached(s->sig, msg, sizeof msg, pk) == 0;
}

/* The trusted key with this id (spec 7.6: it wins over the one listed),
 * or NULL. */
static const uint8_t *trusted_key(const rpti_sealers *t, const uint8_t *id) {
    if (memcmp(t->own.id, id, RPT_KEY_ID_BYTES) == 0) return t->own.pk;
    for (size_t i = 0; i < t->n_trusted; i++)
        if (memcmp(t->trusted[i].id, id, RPT_KEY_ID_BYTES) == 0) return t->trusted[i].pk;
    return NULL;
}

static const uint8_t *listed_key(const rpt_reader *r, const uint8_t *id) {
    for (size_t i = 0; i < r->n_keys; i++)
        if (memcmp(r->keys[i].key.id, id, RPT_KEY_ID_BYTES) == 0) return r->keys[i].key.pk;
    return NULL;
}

static int check_sealer(const rpt_reader *r, const rpti_sealers *t, const rpt_seal *s, char *err) {
    char hex[17];
    const uint8_t *tk = trusted_key(t, s->key_id);
    const uint8_t *pk = tk ? tk : listed_key(r, s->key_id);
    rpt_key_id_hex(s->key_id, hex);
    if (!pk || !seal_signed_by(r->archive_id, s, pk))
        return rpti_seterr(err, RPT_E_BADSIG,
                           "seal of generation %u: signature does not verify with key %s",
                           s->generation, hex);
    if (!tk)
        return rpti_seterr(err, RPT_E_UNTRUSTED,
                           "generation %u was sealed by key %s, which is not trusted: an append "
                           "builds only on seals by its own key or by a key it is given to trust",
                           s->generation, hex);
    return RPT_OK;
}

/* The root of the INDX at off: BLAKE2b-256 of its header (spec 4.6). */
static int index_root(rpt_reader *r, uint64_t off, uint8_t root[RPT_DIGEST_BYTES], char *err) {
    uint8_t h[8];
    int rc = rpti_src_read(r, off, h, sizeof h);
    if (rc == RPT_E_IO) return rpti_seterr(err, rc, "%s", r->err);
    uint32_t len = rpti_le32_load(h + 4);
    if (rc || rpti_le32_load(h) != RPT_T_INDX || len > rpti_chunk_cap(RPT_T_INDX) ||
        (uint64_t)len + RPT_CHUNK_OVERHEAD > r->file_size - off)
        return rpti_seterr(err, RPT_E_FORMAT, "no index chunk at offset %llu",
                           (unsigned long long)off);
    rpt_segment seg;
    rc = rpti_segment_open(&seg, r->fd, off, len, err);
    if (!rc) memcpy(root, seg.root, RPT_DIGEST_BYTES);
    rpti_segment_free(&seg);
    return rc;
}

/* Bytes of the KEYS and DICT chunks that come before off: what the D of
 * a generation whose index is at off covers. */
static size_t aux_before(const rpt_reader *r, uint64_t off) {
    size_t len = 0;
    for (size_t i = 0; i < r->n_aux && r->aux_off[i] < off; i++)
        len += RPT_CHUNK_OVERHEAD + rpti_le32_load(r->aux.p + len + 4);
    return len;
}

/* One generation's seal; prev is the digest of the seal before it (zero
 * before generation 1) and becomes this seal's. */
static int check_generation(rpt_reader *r, const rpt_generation *g, const rpti_sealers *t,
                            uint8_t prev[RPT_DIGEST_BYTES], char *err) {
    rpt_chunk c;
    rpt_trailer tr;
    rpt_seal s;
    uint8_t root[RPT_DIGEST_BYTES], d[RPT_DIGEST_BYTES];
    int rc = rpti_read_chunk(r, g->trailer_offset, &c);
    if (rc) return rpti_seterr(err, rc, "trailer of generation %u: %s", g->number, r->err);
    if (c.type != RPT_T_TRLR || rpti_trailer_parse(c.body, c.len, &tr))
        return rpti_seterr(err, RPT_E_FORMAT, "trailer of generation %u is malformed", g->number);
    if ((rc = index_root(r, tr.index_offset, root, err))) return rc;
    if ((rc = rpti_read_chunk(r, g->seal_offset, &c)))
        return rpti_seterr(err, rc, "seal of generation %u: %s", g->number, r->err);
    if (c.type != RPT_T_SEAL || rpti_seal_parse(c.body, c.len, &s))
        return rpti_seterr(err, RPT_E_FORMAT, "seal of generation %u is malformed", g->number);
    if (sodium_memcmp(s.prev, prev, RPT_DIGEST_BYTES) != 0)
        return rpti_seterr(err, RPT_E_DIGEST,
                           "seal of generation %u does not name the previous seal: the chain is broken",
                           g->number);
    crypto_generichash(prev, RPT_DIGEST_BYTES, c.raw, c.raw_len, NULL, 0);
    rpti_seal_d(r->head_chunk.p, r->head_chunk.len, r->aux.p, aux_before(r, tr.index_offset), root, d);
    if (sodium_memcmp(d, s.d, RPT_DIGEST_BYTES) != 0)
        return rpti_seterr(err, RPT_E_DIGEST,
                           "seal of generation %u: the header, keys, dictionaries or index do not "
                           "match its digest",
                           g->number);
    return check_sealer(r, t, &s, err);
}

int rpti_append_check_sealers(rpt_reader *r, const rpti_sealers *t, char *err) {
    uint8_t prev[RPT_DIGEST_BYTES] = {0};
    for (size_t i = 0; i < r->n_gens; i++) {
        int rc = check_generation(r, &r->gens[i], t, prev, err);
        if (rc) return rc;
    }
    return RPT_OK;
}

/* ----- the tail ----- */

/* Public keys met in KEYS chunks of the tail: a generation there may be
 * sealed by a key that only it lists. */
typedef struct tail_keys {
    rpt_pubkey *k;
    size_t n, cap;
} tail_keys;

static int tail_keys_take(tail_keys *tk, const rpt_chunk *c) {
    rpt_cur cu = {c->body, c->len, 0};
    uint64_t n;
    if (rpti_cur_varint(&cu, &n) || n > c->len / 41) return RPT_OK; /* not keys after all */
    for (uint64_t i = 0; i < n; i++) {
        const uint8_t *id, *pk, *cm;
        size_t cml;
        if (rpti_cur_bytes(&cu, RPT_KEY_ID_BYTES, &id) ||
            rpti_cur_bytes(&cu, RPT_PUBLIC_KEY_BYTES, &pk) || rpti_cur_str(&cu, 4096, &cm, &cml))
            return RPT_OK;
        if (tk->n == tk->cap) {
            size_t nc = tk->cap ? tk->cap * 2 : 8;
            rpt_pubkey *nk = realloc(tk->k, nc * sizeof *nk);
            if (!nk) return RPT_E_NOMEM;
            tk->k = nk;
            tk->cap = nc;
        }
        memcpy(tk->k[tk->n].id, id, RPT_KEY_ID_BYTES);
        memcpy(tk->k[tk->n].pk, pk, RPT_PUBLIC_KEY_BYTES);
        tk->n++;
    }
    return RPT_OK;
}

/* Whether any key with the seal's id (trusted, the signer's own, listed
 * in the archive or in the tail) makes its signature verify. */
static int seal_verifies(const rpt_reader *r, const rpti_sealers *t, const tail_keys *tk,
                         const rpt_seal *s) {
    const uint8_t *pk = trusted_key(t, s->key_id);
    if (pk && seal_signed_by(r->archive_id, s, pk)) return 1;
    pk = listed_key(r, s->key_id);
    if (pk && seal_signed_by(r->archive_id, s, pk)) return 1;
    for (size_t i = 0; i < tk->n; i++)
        if (memcmp(tk->k[i].id, s->key_id, RPT_KEY_ID_BYTES) == 0 &&
            seal_signed_by(r->archive_id, s, tk->k[i].pk))
            return 1;
    return 0;
}

/* A KEYS or SEAL chunk that may begin at off. Sets *sealed when it is a
 * seal that verifies. Anything that is not a whole, intact chunk there
 * is no seal and is passed over. */
static int tail_candidate(rpt_reader *r, const rpti_sealers *t, tail_keys *tk, uint64_t off,
                          int *sealed, rpt_seal *s, char *err) {
    rpt_chunk c;
    int rc = rpti_read_chunk(r, off, &c);
    if (rc == RPT_E_IO || rc == RPT_E_NOMEM) return rpti_seterr(err, rc, "%s", r->err);
    if (rc) return RPT_OK;
    if (c.type == RPT_T_KEYS) {
        rc = tail_keys_take(tk, &c);
        return rc ? rpti_seterr(err, rc, "out of memory") : RPT_OK;
    }
    if (c.type == RPT_T_SEAL && rpti_seal_parse(c.body, c.len, s) == RPT_OK)
        *sealed = seal_verifies(r, t, tk, s);
    return RPT_OK;
}

int rpti_append_check_tail(rpt_reader *r, const rpti_sealers *t, char *err) {
    enum { BLOCK = 65536 };
    uint64_t start = r->trailer_offset + RPT_TRAILER_BYTES, pos = start, found = 0;
    tail_keys tk = {NULL, 0, 0};
    rpt_seal s;
    int rc = RPT_OK, sealed = 0;
    uint8_t *blk = malloc(BLOCK);
    if (!blk) return rpti_seterr(err, RPT_E_NOMEM, "out of memory");
    /* every place the type letters occur, not only where the framing
     * leads: the damage that hid the trailer may have broken it too */
    while (!rc && !sealed && pos + RPT_CHUNK_OVERHEAD <= r->file_size) {
        size_t n = (size_t)(r->file_size - pos < BLOCK ? r->file_size - pos : BLOCK);
        if ((rc = rpti_src_read(r, pos, blk, n))) {
            rc = rpti_seterr(err, RPT_E_IO, "cannot read the tail at offset %llu: %s",
                             (unsigned long long)pos, rc == RPT_E_IO ? r->err : "it ends early");
            break;
        }
        for (size_t i = 0; !rc && !sealed && i + 4 <= n; i++) {
            uint32_t type = rpti_le32_load(blk + i);
            if (type != RPT_T_KEYS && type != RPT_T_SEAL) continue;
            rc = tail_candidate(r, t, &tk, pos + i, &sealed, &s, err);
            if (sealed) found = pos + i;
        }
        pos += n - 3; /* type letters may straddle two blocks */
    }
    free(blk);
    free(tk.k);
    if (rc || !sealed) return rc;
    char hex[17];
    rpt_key_id_hex(s.key_id, hex);
    return rpti_seterr(err, RPT_E_FORMAT,
                       "the %llu bytes after the trailer of generation %u hold a seal of "
                       "generation %u (offset %llu, key %s) whose signature verifies: a sealed "
                       "generation whose trailer is damaged, not an unfinished append. Nothing "
                       "was cut. rpt-verify shows the damage and rpt-extract --salvage recovers "
                       "its records; to give that generation up, cut the file to %llu bytes",
                       (unsigned long long)(r->file_size - start), r->seal.generation,
                       s.generation, (unsigned long long)found, hex, (unsigned long long)start);
}
