/* index.h -- index segments (INDX chunks): building one in the writer,
 * parsing and searching one in the reader; seals and trailers. */
#ifndef RPT_INDEX_H
#define RPT_INDEX_H

#include "internal.h"

typedef struct rpt_ientry {
    size_t name_off;   /* into the builder's names buffer */
    size_t name_len;
    uint64_t offset, stored, size;
    int64_t issued;
    uint8_t digest[RPT_DIGEST_BYTES];
} rpt_ientry;

typedef struct rpt_ibuilder {
    rpt_buf names;
    rpt_ientry *e;
    size_t n, cap;
} rpt_ibuilder;

int rpt_ib_add(rpt_ibuilder *ib, const uint8_t *name, size_t name_len, uint64_t offset,
               uint64_t stored, uint64_t size, int64_t issued, const uint8_t *digest);
void rpt_ib_free(rpt_ibuilder *ib);

typedef struct rpt_segref {
    uint64_t offset;
    uint8_t digest[RPT_DIGEST_BYTES];
} rpt_segref;

/* Encodes an INDX body for the entries of ib, numbered from first. */
int rpt_index_encode(rpt_buf *body, const rpt_ibuilder *ib, uint64_t first,
                     const rpt_segref *older, size_t n_older, const uint64_t *aux,
                     size_t n_aux);

/* The lookup hash of a name: BLAKE2b-256's first four bytes, little-endian. */
uint32_t rpt_name_hash(const uint8_t *name, size_t len);

/* A parsed segment. The chunk bytes are owned by the segment. */
typedef struct rpt_segment {
    uint64_t offset;                 /* of the INDX chunk */
    uint8_t digest[RPT_DIGEST_BYTES]; /* of the whole chunk; set for
                                       * older segments only (reader.c) */
    uint8_t *chunk;
    size_t chunk_len;
    uint64_t n, first;
    size_t n_older;
    rpt_segref *older;
    size_t n_aux;
    uint64_t *aux;
    const uint8_t *entries;
    size_t entries_len;
    const uint8_t *lookup;
    uint32_t *pos;                   /* n entry positions */
} rpt_segment;

/* One entry as parsed. name points into the segment. */
typedef struct rpt_ient {
    const uint8_t *name;
    size_t name_len;
    uint64_t offset, stored, size;
    int64_t issued;
    const uint8_t *digest;
} rpt_ient;

/* Parses the INDX chunk in s->chunk (body at +8, length from framing).
 * Checks structure: exact lengths, canonical varints, lookup positions.
 * With full != 0 also checks the lookup table is sorted and every hash is
 * right (costs a hash per name). */
int rpt_segment_parse(rpt_segment *s, int full, char *err);
void rpt_segment_free(rpt_segment *s);
int rpt_segment_entry(const rpt_segment *s, uint64_t k, rpt_ient *out);
/* Finds name; returns RPT_OK with *k, or RPT_E_NOTFOUND. */
int rpt_segment_find(const rpt_segment *s, const uint8_t *name, size_t len, uint64_t *k);

/* ----- seal and trailer ----- */
typedef struct rpt_seal {
    uint32_t generation;
    uint64_t count;
    uint8_t d[RPT_DIGEST_BYTES];
    uint8_t prev[RPT_DIGEST_BYTES];
    uint8_t key_id[RPT_KEY_ID_BYTES];
    uint8_t sig[RPT_SIGNATURE_BYTES];
} rpt_seal;

typedef struct rpt_trailer {
    uint64_t index_offset, seal_offset, prev_trailer;
    uint32_t generation;
    uint64_t count;
} rpt_trailer;

void rpt_seal_message(uint8_t msg[108], const uint8_t archive_id[16], const rpt_seal *s);
int rpt_seal_encode(rpt_buf *b, const rpt_seal *s);   /* the whole chunk */
int rpt_seal_parse(const uint8_t *body, size_t len, rpt_seal *s);
int rpt_trailer_encode(rpt_buf *b, const rpt_trailer *t); /* the whole chunk */
int rpt_trailer_parse(const uint8_t *body, size_t len, rpt_trailer *t);

#endif
