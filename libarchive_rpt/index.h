/* SPDX-License-Identifier: ISC */
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

int rpti_ib_add(rpt_ibuilder *ib, const uint8_t *name, size_t name_len, uint64_t offset,
               uint64_t stored, uint64_t size, int64_t issued, const uint8_t *digest);
void rpti_ib_free(rpt_ibuilder *ib);

typedef struct rpt_segref {
    uint64_t offset;
    uint8_t root[RPT_DIGEST_BYTES]; /* BLAKE2b-256 of that INDX's header */
} rpt_segref;

/* Bytes of one index block, whose BLAKE2b-256 the header lists. */
#define RPT_INDEX_BLOCK 16384u
#define RPT_INDEX_BLOCK_MIN 4096u
#define RPT_INDEX_BLOCK_MAX (16u << 20)
/* Loaded index blocks a segment keeps, at most (index.c cache_room). */
#define RPT_INDEX_CACHE_BYTES (4u << 20)
/* Entries between two marks (positions of every 64th entry). */
#define RPT_INDEX_MARK_EVERY 64u

/* Encodes an INDX body for the entries of ib, numbered from first: its
 * header is appended to head, and its data area is given in *data (the
 * caller frees it); the body is head then data. Gives the root:
 * BLAKE2b-256 of the header (spec 4.6). */
int rpti_index_encode(rpt_buf *head, rpt_buf *data, const rpt_ibuilder *ib, uint64_t first,
                     const rpt_segref *older, size_t n_older, const uint64_t *aux,
                     size_t n_aux, uint8_t root[RPT_DIGEST_BYTES]);

/* One entry of a data area, appended to b (spec 4.6). */
int rpti_index_entry_put(rpt_buf *b, const uint8_t *name, size_t name_len, uint64_t offset,
                         uint64_t stored, uint64_t size, int64_t issued, const uint8_t *digest);

/* An INDX header, appended to body, for n entries numbered from first
 * whose data area holds entries_len bytes of entries and has the nb
 * block digests given; root is BLAKE2b-256 of the header. */
int rpti_index_header(rpt_buf *body, uint64_t n, uint64_t first, const rpt_segref *older,
                      size_t n_older, const uint64_t *aux, size_t n_aux, uint64_t entries_len,
                      const uint8_t *digests, size_t nb, uint8_t root[RPT_DIGEST_BYTES]);

/* Sorts n lookup pairs (name hash, position; 8 bytes each) in place. */
int rpti_lookup_sort(uint8_t *lk, uint64_t n);

/* The lookup hash of a name: BLAKE2b-256's first four bytes, little-endian. */
uint32_t rpti_name_hash(const uint8_t *name, size_t len);

/* A parsed segment. Its data area (entries, lookup, marks) is either all
 * in memory (data) or read block by block from fd on demand, each block
 * checked against its digest in the header before use. */
typedef struct rpt_segment {
    uint64_t offset;                 /* of the INDX chunk */
    uint32_t body_len;
    uint8_t root[RPT_DIGEST_BYTES];
    uint64_t n, first;
    size_t n_older;
    rpt_segref *older;
    size_t n_aux;
    uint64_t *aux;
    uint64_t entries_len, data_len, n_marks;
    uint32_t block_size;
    size_t nb;
    uint8_t (*bdig)[RPT_DIGEST_BYTES];
    /* where the data area is */
    const uint8_t *data;             /* in memory (not owned), or NULL */
    int fd;
    uint64_t data_off;               /* its file offset, for fd */
    uint8_t **blk;                   /* nb blocks, loaded and checked */
    size_t *ring, ring_cap, ring_n, ring_at; /* which are loaded, oldest first */
    /* the next entry's place, so reading in order costs one parse each */
    uint64_t cur_k, cur_pos;
    uint8_t scratch[RPT_NAME_MAX + 128];
    char io_error[128];              /* why the last block read failed */
} rpt_segment;

/* One entry as parsed. name points into the segment's scratch and is
 * valid until the next call on the segment. */
typedef struct rpt_ient {
    const uint8_t *name;
    size_t name_len;
    uint64_t offset, stored, size;
    int64_t issued;
    const uint8_t *digest;
} rpt_ient;

/* Opens the INDX whose body (body_len bytes) starts at file offset
 * body_off: reads and parses its header only, and computes the root. */
int rpti_segment_open(rpt_segment *s, int fd, uint64_t chunk_off, uint32_t body_len,
                     char *err);

/* Parses a whole INDX body in memory (not copied: it must outlive s)
 * and checks all of it: every block digest, every entry and name, the
 * marks and the lookup table. */
int rpti_segment_check(rpt_segment *s, const uint8_t *body, size_t len, uint64_t chunk_off,
                      char *err);

/* The same checks for an INDX chunk whose body lies in the file fd at
 * chunk_off + 8, read block by block: the data area is never in memory
 * whole. The segment then reads its entries from fd. */
int rpti_segment_check_fd(rpt_segment *s, int fd, uint64_t chunk_off, uint32_t len, char *err);

void rpti_segment_free(rpt_segment *s);

/* Entry k. Returns RPT_OK, RPT_E_NOTFOUND (k out of range), RPT_E_FORMAT
 * (a malformed entry or unsafe name), RPT_E_DIGEST (a block does not
 * match its digest), RPT_E_IO or RPT_E_NOMEM. */
int rpti_segment_entry(rpt_segment *s, uint64_t k, rpt_ient *out);

/* Finds name; RPT_OK with *k, RPT_E_NOTFOUND, or an error as above.
 * *twice = 1 when the segment holds the name more than once. */
int rpti_segment_find(rpt_segment *s, const uint8_t *name, size_t len, uint64_t *k, int *twice);

/* Words for an error code from the two calls above, to follow "index
 * entry N" or "the index segment at offset N": damage, or a read that
 * failed (with the system's reason), or no memory. */
const char *rpti_segment_why(const rpt_segment *s, int rc);

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

void rpti_seal_message(uint8_t msg[108], const uint8_t archive_id[16], const rpt_seal *s);
/* The seal's D (spec 5.3): BLAKE2b-256 of the HEAD chunk, the KEYS and
 * DICT chunks in order, and the root of the generation's INDX. */
void rpti_seal_d(const uint8_t *head, size_t head_len, const uint8_t *aux, size_t aux_len,
                const uint8_t root[RPT_DIGEST_BYTES], uint8_t d[RPT_DIGEST_BYTES]);
int rpti_seal_encode(rpt_buf *b, const rpt_seal *s);   /* the whole chunk */
int rpti_seal_parse(const uint8_t *body, size_t len, rpt_seal *s);
int rpti_trailer_encode(rpt_buf *b, const rpt_trailer *t); /* the whole chunk */
int rpti_trailer_parse(const uint8_t *body, size_t len, rpt_trailer *t);

#endif
