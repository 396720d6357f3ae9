/* SPDX-License-Identifier: ISC */
/* reader.h -- the reader's state, shared by reader.c (random access
 * through the trailer), scan.c (one sequential pass: pipes, verify,
 * salvage) and writer.c (append reads the archive it extends). */
#ifndef RPT_READER_H
#define RPT_READER_H

#include "index.h"

#include <stdio.h>
#include "record.h"

/* One chunk read into memory. */
typedef struct rpt_chunk {
    uint64_t offset;
    uint32_t type;
    uint32_t len;     /* body length */
    uint8_t *body;    /* points into the reader's chunk buffer, or NULL when */
    int spilled;      /* the body is in the reader's spill file at offset + 8 */
    const uint8_t *raw; /* the whole chunk, framing included */
    size_t raw_len;
} rpt_chunk;

/* What checking one record needs of its own: a verifier thread has one,
 * and so has the reader. */
typedef struct rpt_work {
    rpt_zctx z;
    rpt_buf payload;
    rpt_buf strings;
    rpt_meta *meta;
    size_t meta_cap;
} rpt_work;

int rpti_work_init(rpt_work *wk);
void rpti_work_free(rpt_work *wk);

/* The one set of record names both readers keep for duplicates (spec
 * 4.4 rule 6): a 96-bit digest of each name and its record's number
 * (check.c). */
#define RPTI_NAME_ID 12
typedef struct rpti_name {
    uint8_t id[RPTI_NAME_ID]; /* all zero: a free slot */
    uint32_t number;
} rpti_name;

typedef struct rpti_nameset {
    rpti_name *slot;      /* open addressing */
    size_t n, n_slots;
} rpti_nameset;

/* Adds name for record number. *first is the number of an earlier record
 * with the same name, or UINT64_MAX when the name is new (then it is
 * added). Returns RPT_OK or RPT_E_NOMEM. */
int rpti_names_add(rpti_nameset *s, const uint8_t *name, size_t len, uint64_t number,
                   uint64_t *first);
void rpti_names_free(rpti_nameset *s);

#define RPTI_SEEN_BYTES 16

/* What a sequential pass remembers of each INDX chunk it has seen. */
typedef struct rpt_seen_seg {
    uint64_t offset, first, n;
    uint8_t digest[RPT_DIGEST_BYTES];
} rpt_seen_seg;

typedef struct rpt_scan {
    uint64_t pos;          /* next chunk's offset */
    int in_gen, done, stop;
    uint32_t gen;          /* generations completed */
    /* every record seen so far, in order: its offset and a digest of
     * what its index entry must say (scan.c seen_print) */
    uint8_t (*seen)[RPTI_SEEN_BYTES];
    uint64_t n_seen;
    size_t cap_seen;
    rpt_seen_seg *segs;
    size_t n_segs, cap_segs;
    uint64_t gen_index_off, gen_seal_off, last_trailer, last_trailer_end;
    uint8_t gen_index_digest[RPT_DIGEST_BYTES];
    uint8_t gen_d[RPT_DIGEST_BYTES]; /* D of this generation's INDX */
    uint8_t prev_seal[RPT_DIGEST_BYTES];
    uint64_t gen_seal_end;
    uint32_t seal_generation; /* what this generation's seal claims, */
    uint64_t seal_count;      /* which its trailer must repeat */
    int index_damaged, seal_damaged; /* reported already: not again */
    rpti_nameset names;
    uint64_t lost;         /* salvage: bytes skipped */
    struct rpti_reported { uint64_t number, offset, stored; } *damaged; /* increasing */
    size_t n_damaged, cap_damaged;
    const struct rpt_reader *names_from; /* names damaged records by index */
    /* what each ended generation's index, seal and trailer came to, for
     * rpt_reader_sealed(): records before end, and RPT_OK or a failure */
    struct rpt_verdict { uint64_t end; int status; } *verdicts;
    size_t n_verdicts, cap_verdicts;
    int gen_status;        /* first failure of this generation's own chunks */
    int gen_sealed;        /* its seal checked in full: D, chain, signature, trust */
} rpt_scan;

struct rpt_reader {
    rpti_failure fail;     /* sticky: set once, every later call returns it */
    char err[RPT_ERRLEN];  /* the detail of the last verdict that is not fatal */
    int fd, seq;
    unsigned flags;
    uint64_t file_size;
    /* header */
    rpt_buf head_chunk;
    int major, minor;
    uint8_t archive_id[RPT_ARCHIVE_ID_BYTES];
    int64_t created;
    char *software;
    /* keys and dictionaries, with the bytes the seal covers; key_at and
     * dict_at are the offsets of the chunks that define them, so a record
     * or seal uses only what comes before it (spec 4.2, 4.5.2) */
    rpt_key_info *keys;
    uint64_t *key_at;
    size_t n_keys, cap_keys, cap_key_at;
    rpt_dict *dicts;
    uint32_t *dict_sizes;
    uint8_t (*dict_ids)[RPT_DIGEST_BYTES];
    uint64_t *dict_at;
    size_t n_dicts, cap_dicts[4];
    rpt_buf aux;           /* every KEYS and DICT chunk, whole, in order */
    uint64_t *aux_off;
    size_t n_aux, cap_aux;
    /* random access */
    rpt_segment *segs;     /* older first */
    size_t n_segs;
    uint64_t count;
    rpt_seal seal;
    uint8_t seal_digest[RPT_DIGEST_BYTES];
    rpt_trailer trailer;
    uint64_t trailer_offset, tail_bytes;
    int tail_status;       /* how the tail fails (spec 7.2), RPT_OK: none */
    uint32_t tail_seals;   /* SEAL chunks in the tail: generations not opened */
    int appending;            /* another process held the append lock at open */
    uint64_t appending_bytes; /* what it had written after the newest trailer */
    char tail_detail[RPT_ERRLEN];
    rpt_generation *gens;
    size_t n_gens, cap_gens;
    int chain_trust;       /* 0 unchecked, 1 every seal trusted, or a code */
    char chain_detail[RPT_ERRLEN];
    uint64_t next_i;       /* rpt_reader_next in random-access mode */
    rpti_nameset names;    /* names of entries met in order, for duplicates */
    uint64_t names_next;   /* the entry the name set expects next */
    /* trust */
    rpt_pubkey *trusted;
    size_t n_trusted, cap_trusted;
    /* scratch */
    rpt_work w;
    rpt_buf cbuf;          /* the current chunk */
    int spill;             /* a large INDX chunk, at its own offset (sparse), or -1 */
    char spill_dir[RPT_ERRLEN]; /* where that scratch file is */
    rpt_scan scan;
};

/* Caps on an INDX's lists, for random access and sequential reading. */
#define RPT_MAX_OLDER_SEGMENTS 63
#define RPT_MAX_AUX_CHUNKS 1535

/* A reader with nothing open yet, and the start every reader shares:
 * magic and HEAD, leaving the sequential pass just after them. */
rpt_reader *rpti_reader_new(void);
int rpti_read_start(rpt_reader *r);

/* Reads n bytes at off (pread), or sequentially in fd mode. Returns
 * RPT_OK, RPT_E_TRUNCATED (end of data) or RPT_E_IO. */
int rpti_src_read(rpt_reader *r, uint64_t off, void *buf, size_t n);

/* ----- the record layer (check.c): one check for each thing, used by
 * the random-access reader, the sequential pass and the writer's append.
 * Each writes its detail into r->err, or into detail. */

/* Frames the chunk at off into r->cbuf and checks it: type letters,
 * critical type known, cap, length within the file, CRC. With eof
 * non-NULL, *eof = 1 when the data ends exactly at off. */
int rpti_read_chunk(rpt_reader *r, uint64_t off, rpt_chunk *c);
int rpti_read_chunk_ex(rpt_reader *r, uint64_t off, rpt_chunk *c, int *eof);
/* INDX chunks longer than this are read into the spill file, not into
 * memory (a variable so that tests can make every INDX take that way). */
extern uint32_t rpti_indx_spill_min;

/* Parses HEAD / KEYS / DICT bodies into the reader (also keeps aux). */
int rpti_take_head(rpt_reader *r, const rpt_chunk *c);
int rpti_take_aux(rpt_reader *r, const rpt_chunk *c);

/* The archive's key for id, listed in a KEYS chunk before offset
 * `before` (NULL: none), and whether the caller trusts it: a trusted key
 * with the same id and the same public key (spec 7.6). */
void rpti_key_lookup(const rpt_reader *r, const uint8_t *id, uint64_t before,
                     const uint8_t **pk, int *trusted);

/* Checks one RECD chunk (raw, framing included, at offset) in the order
 * of spec 7.3: parse with the name rules, the dictionary defined before
 * it, inflate and size, the key listed before it, the signature, trust.
 * flags are RPT_READ_*: NO_PAYLOAD stops before inflating, NO_VERIFY
 * skips the key, signature and trust. Fills out as far as it got (digest
 * always; *parsed = 1 once the metadata are in out) with strings and
 * payload in wk. Returns RPT_OK, RPT_E_UNTRUSTED (out complete) or the
 * first failure's code. Reads r's keys and dictionaries only, so
 * verifier threads may share r. */
int rpti_record_verify(const rpt_reader *r, rpt_work *wk, const uint8_t *raw, size_t raw_len,
                       uint64_t offset, unsigned flags, rpt_record *out, int *parsed,
                       char *detail);

/* Compares an index entry with the record it covers: name, offset,
 * stored, size, issued and (with digest non-NULL) the digest. Every
 * disagreement is RPT_E_DIGEST (spec 7.7). */
int rpti_entry_check(const rpt_ient *e, const uint8_t *name, size_t name_len, uint64_t offset,
                     uint64_t stored, uint64_t size, int64_t issued, const uint8_t *digest,
                     char *detail);

/* The index segments (first, n), older first, must cover records
 * 0..total-1 in order; RPT_E_DIGEST otherwise. */
typedef struct rpti_span {
    uint64_t first, n;
} rpti_span;
int rpti_index_covers(const rpti_span *spans, size_t n_spans, uint64_t total, uint64_t index_off,
                      char *detail);

/* What a seal must agree with. d and prev may be NULL when the caller
 * has already reported why they cannot match. */
typedef struct rpti_seal_expect {
    uint32_t generation;
    uint64_t count;
    const uint8_t *d;
    const uint8_t *prev;
    uint64_t offset;       /* of the SEAL chunk: its key comes before */
} rpti_seal_expect;
/* Checks a seal in the order of spec 7.3: generation and count, D, prev
 * (RPT_E_DIGEST), the key listed before it and the signature
 * (RPT_E_BADSIG), trust (RPT_E_UNTRUSTED). */
int rpti_seal_check(const rpt_reader *r, const rpt_seal *sl, const rpti_seal_expect *x,
                    char *detail);

/* Whether the caller trusts the key that made a seal or record whose
 * signature already verified: RPT_OK or RPT_E_UNTRUSTED with a detail. */
int rpti_trust_check(const rpt_reader *r, const uint8_t *id, uint64_t before, const char *what,
                     char *detail);

/* The seal's D: BLAKE2b-256 of HEAD, the aux chunks and the root of the
 * generation's INDX (the digest of its header). */
void rpti_seal_digest_d(const rpt_reader *r, const uint8_t root[RPT_DIGEST_BYTES],
                        uint8_t d[RPT_DIGEST_BYTES]);

/* Checks the newest seal and every seal before it (random access): D,
 * the chain of prev digests, signatures and, once keys are trusted,
 * trust. The writer calls it before an append. */
int rpti_reader_check_seal(rpt_reader *r);

/* An rpt_reader_open_path() flag of the library's own: the caller holds
 * the append lock itself (the writer), so the lock says nothing about
 * another appender. */
#define RPTI_OPEN_LOCKED 0x80000000u

/* A fatal failure: kept on the handle, returned by every later call. */
int rpti_reader_fatal(rpt_reader *r, int code);

/* scan.c */
int rpti_scan_next(rpt_reader *r, rpt_record *out, rpt_verify_cb cb, void *ctx,
                  rpt_verify_summary *sum);
void rpti_scan_free(rpt_scan *s);

#endif
