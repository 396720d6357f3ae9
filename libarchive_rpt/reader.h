/* reader.h -- the reader's state, shared by reader.c (random access
 * through the trailer), scan.c (one sequential pass: pipes, verify,
 * salvage) and writer.c (append reads the archive it extends). */
#ifndef RPT_READER_H
#define RPT_READER_H

#include "index.h"
#include "record.h"

/* One chunk read into memory. */
typedef struct rpt_chunk {
    uint64_t offset;
    uint32_t type;
    uint32_t len;     /* body length */
    uint8_t *body;    /* points into the reader's chunk buffer */
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

/* What a sequential pass remembers of each INDX chunk it has seen. */
typedef struct rpt_seen_seg {
    uint64_t offset, first, n;
    uint8_t digest[RPT_DIGEST_BYTES];
} rpt_seen_seg;

typedef struct rpt_scan {
    uint64_t pos;          /* next chunk's offset */
    int in_gen, done, stop;
    uint32_t gen;          /* generations completed */
    rpt_ibuilder seen;     /* every record seen so far, in order */
    rpt_seen_seg *segs;
    size_t n_segs, cap_segs;
    uint64_t gen_index_off, gen_seal_off, last_trailer, last_trailer_end;
    uint8_t gen_index_digest[RPT_DIGEST_BYTES];
    uint8_t gen_d[RPT_DIGEST_BYTES]; /* D of this generation's INDX */
    uint8_t prev_seal[RPT_DIGEST_BYTES];
    uint64_t gen_seal_end;
    int index_damaged, seal_damaged; /* reported already: not again */
    uint64_t *names_hash;  /* open addressing set of record numbers + 1 */
    size_t names_cap;
    int pending_status;    /* an archive-level failure to report */
    char pending_detail[RPT_ERRLEN];
    uint64_t lost;         /* salvage: bytes skipped */
    uint64_t *damaged;     /* records reported (damaged or forged), increasing */
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
    char err[RPT_ERRLEN];
    int fd, seq;
    unsigned flags;
    uint64_t file_size;
    /* header */
    rpt_buf head_chunk;
    int major, minor;
    uint8_t archive_id[RPT_ARCHIVE_ID_BYTES];
    int64_t created;
    char *software;
    /* keys and dictionaries, with the bytes the seal covers */
    rpt_key_info *keys;
    size_t n_keys;
    rpt_dict *dicts;
    uint32_t *dict_sizes;
    uint8_t (*dict_ids)[RPT_DIGEST_BYTES];
    size_t n_dicts;
    rpt_buf aux;           /* every KEYS and DICT chunk, whole, in order */
    uint64_t *aux_off;
    size_t n_aux;
    /* random access */
    rpt_segment *segs;     /* older first */
    size_t n_segs;
    uint64_t count;
    rpt_seal seal;
    uint8_t seal_digest[RPT_DIGEST_BYTES];
    rpt_trailer trailer;
    uint64_t trailer_offset, tail_bytes;
    rpt_generation *gens;
    size_t n_gens;
    int seal_trust;        /* the seal's signer is in the trusted set */
    uint64_t next_i;       /* rpt_reader_next in random-access mode */
    /* trust */
    rpt_pubkey *trusted;
    size_t n_trusted;
    /* scratch */
    rpt_work w;
    rpt_buf cbuf;          /* the current chunk */
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

/* Reads the chunk at off into r->cbuf: framing, cap, CRC. */
int rpti_read_chunk(rpt_reader *r, uint64_t off, rpt_chunk *c);
/* The same; with eof non-NULL, *eof = 1 when the data ends exactly at off. */
int rpti_read_chunk_ex(rpt_reader *r, uint64_t off, rpt_chunk *c, int *eof);

/* Parses HEAD / KEYS / DICT bodies into the reader (also keeps aux). */
int rpti_take_head(rpt_reader *r, const rpt_chunk *c);
int rpti_take_aux(rpt_reader *r, const rpt_chunk *c);

/* Looks up the key for id; sets *pk (NULL: unknown) and *trusted. */
void rpti_key_lookup(const rpt_reader *r, const uint8_t *id, const uint8_t **pk, int *trusted);

/* Verifies a parsed record: dictionary, inflate, signature, trust. On
 * success or RPT_E_UNTRUSTED the payload is in wk->payload. Reads r's
 * keys and dictionaries only, so threads may share r. */
int rpti_record_check(const rpt_reader *r, rpt_work *wk, const rpt_recinfo *ri,
                     int inflate_only, char *err);

/* Fills out from a parsed record (copies strings into wk->strings).
 * Returns RPT_OK or RPT_E_NOMEM. */
int rpti_record_fill(rpt_work *wk, const rpt_recinfo *ri, rpt_record *out);

/* The seal's D: BLAKE2b-256 of HEAD, the aux chunks and the root of the
 * generation's INDX (the digest of its header). */
void rpti_seal_digest_d(const rpt_reader *r, const uint8_t root[RPT_DIGEST_BYTES],
                       uint8_t d[RPT_DIGEST_BYTES]);

/* Checks the newest seal (random access): D, signature, trust. */
int rpti_reader_check_seal(rpt_reader *r);

/* scan.c */
int rpti_scan_next(rpt_reader *r, rpt_record *out, rpt_verify_cb cb, void *ctx,
                  rpt_verify_summary *sum);
void rpti_scan_free(rpt_scan *s);

#endif
