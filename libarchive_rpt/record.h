/* SPDX-License-Identifier: ISC */
/* record.h -- record encoding shared by the writer and the reader: a
 * compression context per thread and the dictionaries in use. */
#ifndef RPT_RECORD_H
#define RPT_RECORD_H

#include "internal.h"

#include <zlib.h>

typedef struct rpt_dict {
    uint32_t number;
    const uint8_t *data;
    size_t len;
} rpt_dict;

/* One per thread: reusing the zlib streams saves their setup per record. */
typedef struct rpt_zctx {
    z_stream def, inf;
    int def_ok, inf_ok, level;
    rpt_buf tmp, best;
} rpt_zctx;

int rpti_zctx_init(rpt_zctx *z, int level);
void rpti_zctx_end(rpt_zctx *z);

/* Which dictionaries rpti_record_build() tries. */
#define RPT_TRY_ALL (-1)
#define RPT_TRY_NONE (-2)

/* Builds a whole RECD chunk into chunk (its contents are replaced). only
 * is RPT_TRY_ALL (each dictionary, or plain deflate when there are none),
 * RPT_TRY_NONE (plain deflate) or a dictionary's index in dicts. */
int rpti_record_build(rpt_buf *chunk, rpt_zctx *z, const rpt_record_info *info,
                     const uint8_t *data, size_t len, const rpt_dict *dicts,
                     size_t n_dicts, int only, const struct rpt_seckey *sk, char *err);

/* Inflates a parsed record's payload into out (d: its dictionary or NULL). */
int rpti_record_inflate(rpt_zctx *z, const rpt_recinfo *ri, const rpt_dict *d,
                       rpt_buf *out, char *err);

#endif
