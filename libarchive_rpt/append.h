/* SPDX-License-Identifier: ISC */
/* append.h -- the checks an append makes on the archive it extends before
 * it writes or cuts a byte (append.c). */
#ifndef RPT_APPEND_H
#define RPT_APPEND_H

#include "reader.h"

/* The keys whose seals an append may build on: the caller's trusted set
 * and the appender's own key. */
typedef struct rpti_sealers {
    const rpt_pubkey *trusted;
    size_t n_trusted;
    rpt_pubkey own;
} rpti_sealers;

/* Refuses (RPT_E_KEY) a signer whose key id the archive already lists
 * with another public key: its records would be checked against the
 * listed key and fail. */
int rpti_append_check_key(const rpt_reader *r, const rpt_pubkey *own, char *err);


/* The bytes after the last valid trailer may be cut only when they hold
 * no SEAL of this archive whose signature verifies, with a key the
 * archive or the tail itself lists, or with a key in t: such a seal
 * means a sealed generation whose trailer was damaged, not an append
 * that never finished. Returns RPT_OK (nothing sealed there),
 * RPT_E_FORMAT (a sealed generation found: detail in err), RPT_E_IO or
 * RPT_E_NOMEM. */
int rpti_append_check_tail(rpt_reader *r, const rpti_sealers *t, char *err);

#endif
