/* SPDX-License-Identifier: ISC */
/* ahead.h -- records read, verified and inflated ahead of the caller on
 * other cores, and handed back in the caller's order: rpt-extract writes
 * one file while the next records are being checked. Each worker has a
 * reader of its own (a reader handle is for one thread at a time). */
#ifndef RPT_AHEAD_H
#define RPT_AHEAD_H

#include "fe.h"

#include <stdint.h>

typedef struct fe_ahead fe_ahead;

/* Starts reading records order[0..n) of the archive r has open, with
 * rpt_reader_read()'s flags and the keys r trusts. order must
 * outlive the fe_ahead. The caller must have asked r for every entry in
 * order from 0 already, when names that come twice are to be caught: the
 * workers never read record 0, which is what starts that check (spec
 * 4.4), so they hold no name set of their own; fe_ahead_next() reads
 * record 0 through r. Returns NULL when reading ahead is of no use (one
 * core, few records) or cannot be had (no thread, no memory, no second
 * handle on the archive): the caller then reads the
 * records itself, as it would have. */
fe_ahead *fe_ahead_start(rpt_reader *r, unsigned flags, const uint64_t *order, uint64_t n);

/* The next record of order, waiting for it: what rpt_reader_read()
 * returned for it, with *rec filled as that fills it, and *why the
 * reader's words when it is not RPT_OK. Both stay valid until the next
 * call or fe_ahead_stop(). Not to be called more than n times. */
int fe_ahead_next(fe_ahead *a, rpt_record *rec, const char **why);

/* Stops the workers (each finishes the record in hand) and frees it all.
 * NULL is allowed. */
void fe_ahead_stop(fe_ahead *a);

#endif
