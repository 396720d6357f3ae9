/* SPDX-License-Identifier: ISC */
/* append.c -- what an append checks before it writes or cuts a byte,
 * besides the seal chain and its trust, which the reader's one seal check
 * does (reader.c): that the signer's key id is free, and that the tail it
 * would cut holds no sealed generation. */
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

/* The trusted key with this id, or NULL. Deciding whether a tail holds a
 * sealed generation, any key that verifies a seal there counts: cutting
 * is what must not happen by mistake. */
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
