/* SPDX-License-Identifier: ISC */
/* pool.h -- the one thread pool (pool.c): an ordered ring of slots that
 * workers fill in parallel and the caller retires in submission order.
 * The writer compresses and signs records with it; the verifier checks
 * them. Slots are the caller's array; the pool only says which is whose. */
#ifndef RPT_POOL_H
#define RPT_POOL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rpti_pool {
    size_t n_slots;          /* the caller's ring has this many */
    uint64_t head, tail;     /* oldest not retired; next to submit */
    uint64_t take;           /* next for a worker */
    unsigned char *done;     /* per slot */
    pthread_t *thr;
    size_t n_thr;
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
    int quit;
    /* run(ctx, slot, state) does slot's work on a worker thread; init()
     * and end() make and drop one worker's own state (may be NULL). */
    void (*run)(void *ctx, size_t slot, void *state);
    void *(*init)(void *ctx);
    void (*end)(void *state);
    void *ctx;
} rpti_pool;

/* Starts up to threads workers over n_slots slots. Returns the number
 * started: 0 when there is no point (threads < 2) or none could be had,
 * and the caller then does the work itself. */
size_t rpti_pool_start(rpti_pool *p, size_t n_slots, unsigned threads,
                       void (*run)(void *, size_t, void *), void *(*init)(void *),
                       void (*end)(void *), void *ctx);
/* Whether every slot is in use: retire the oldest before submitting. */
int rpti_pool_full(const rpti_pool *p);
/* The slot the next submission goes to, for the caller to fill. */
size_t rpti_pool_next(const rpti_pool *p);
/* Hands the filled next slot to the workers. */
void rpti_pool_submit(rpti_pool *p);
/* Whether anything is submitted and not retired. */
int rpti_pool_busy(const rpti_pool *p);
/* The oldest slot, once its work is done: waits when wait is non-zero,
 * else returns SIZE_MAX when it is not done yet. */
size_t rpti_pool_oldest(rpti_pool *p, int wait);
/* Frees the oldest slot for reuse. */
void rpti_pool_retire(rpti_pool *p);
/* Stops and joins the workers (work in flight finishes first). */
void rpti_pool_stop(rpti_pool *p);

#endif
