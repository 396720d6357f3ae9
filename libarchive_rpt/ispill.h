/* SPDX-License-Identifier: ISC */
/* ispill.h -- a generation's index entries kept in an unnamed scratch
 * file while its records are written, then streamed into its INDX. */
#ifndef RPT_ISPILL_H
#define RPT_ISPILL_H

#include "index.h"

/* Memory per entry is six bytes (its name hash and encoded length); the
 * entries themselves, some 100 bytes each, wait in a scratch file
 * (rpti_scratch_open), written a buffer at a time. */
typedef struct rpti_ispill {
    int fd;              /* encoded entries in record order, or -1 */
    char *near;          /* the archive's path, for where the file goes, or NULL */
    uint64_t n;          /* entries added */
    uint64_t bytes;      /* their encoded bytes, in the file and held */
    uint64_t in_file;    /* of which in the file */
    uint32_t *hash;      /* each entry's name hash */
    uint16_t *len;       /* each entry's encoded length */
    size_t cap;
    rpt_buf held;        /* encoded entries not yet in the file */
    rpt_buf one;         /* one encoded older entry, when writing */
    int err;             /* errno of the first failed file operation */
    const char *doing;   /* what failed: "make a scratch file for the index"... */
    char dir[RPT_ERRLEN]; /* where the file is, or was to be made */
} rpti_ispill;

/* Up to this many encoded bytes are held in memory before they go to the
 * file: a small archive never makes one (a variable for the tests). */
extern size_t rpti_ispill_hold;

/* Readies sp; near is the archive's path (copied) when it has one.
 * RPT_OK or RPT_E_NOMEM. */
int rpti_ispill_init(rpti_ispill *sp, const char *near);

/* Adds an entry. RPT_OK, RPT_E_NOMEM or RPT_E_IO (sp->err, sp->doing and
 * sp->dir say why). */
int rpti_ispill_add(rpti_ispill *sp, const uint8_t *name, size_t name_len, uint64_t offset,
                    uint64_t stored, uint64_t size, int64_t issued, const uint8_t *digest);

void rpti_ispill_free(rpti_ispill *sp);

/* Where the INDX chunk's bytes go, in order. */
typedef int (*rpti_sink)(void *ctx, const uint8_t *p, size_t n);

/* What one INDX chunk is made of: the entries of the older segments
 * merged into it (olds, in order), then those spilled; first numbers
 * the first of them. refs and aux are listed in its header. */
typedef struct rpti_indx_plan {
    rpt_segment *const *olds;
    size_t n_olds;
    uint64_t first;
    const rpt_segref *refs;
    size_t n_refs;
    const uint64_t *aux;
    size_t n_aux;
} rpti_indx_plan;

/* Writes the whole INDX chunk (frame, body, CRC) to out: one pass to
 * digest the data area's blocks, one to write it, so neither the data
 * area nor the entries are ever in memory whole. Gives its root. Returns
 * RPT_OK, RPT_E_LIMIT (too large for one chunk), RPT_E_NOMEM, RPT_E_IO
 * (the scratch file; sp->err) or what out or an older segment
 * returned. */
int rpti_ispill_write_indx(rpti_ispill *sp, const rpti_indx_plan *plan, rpti_sink out, void *ctx,
                           uint8_t root[RPT_DIGEST_BYTES]);

#endif
