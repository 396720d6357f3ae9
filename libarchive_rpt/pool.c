/* SPDX-License-Identifier: ISC */
/* pool.c -- the one thread pool of the library, for the writer and the
 * verifier alike: work runs in parallel, results are taken in order. */
#include "pool.h"

#include <stdlib.h>
#include <string.h>

static void *worker(void *arg) {
    rpti_pool *p = arg;
    void *state = p->init ? p->init(p->ctx) : NULL;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->quit && p->take == p->tail) pthread_cond_wait(&p->cv_work, &p->mu);
        if (p->take == p->tail) break;
        size_t slot = (size_t)(p->take++ % p->n_slots);
        pthread_mutex_unlock(&p->mu);
        p->run(p->ctx, slot, state);
        pthread_mutex_lock(&p->mu);
        p->done[slot] = 1;
        pthread_cond_broadcast(&p->cv_done);
    }
    pthread_mutex_unlock(&p->mu);
    if (p->end) p->end(state);
    return NULL;
}

size_t rpti_pool_start(rpti_pool *p, size_t n_slots, unsigned threads,
                       void (*run)(void *, size_t, void *), void *(*init)(void *),
                       void (*end)(void *), void *ctx) {
    memset(p, 0, sizeof *p);
    if (threads < 2 || n_slots == 0) return 0;
    p->n_slots = n_slots;
    p->run = run;
    p->init = init;
    p->end = end;
    p->ctx = ctx;
    p->done = calloc(n_slots, 1);
    p->thr = calloc(threads, sizeof *p->thr);
    if (!p->done || !p->thr) {
        free(p->done);
        free(p->thr);
        memset(p, 0, sizeof *p);
        return 0;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv_work, NULL);
    pthread_cond_init(&p->cv_done, NULL);
    for (unsigned i = 0; i < threads; i++) {
        if (pthread_create(&p->thr[i], NULL, worker, p) != 0) break;
        p->n_thr++;
    }
    if (p->n_thr == 0) rpti_pool_stop(p);
    return p->n_thr;
}

int rpti_pool_full(const rpti_pool *p) { return p->tail - p->head >= p->n_slots; }
size_t rpti_pool_next(const rpti_pool *p) { return (size_t)(p->tail % p->n_slots); }
int rpti_pool_busy(const rpti_pool *p) { return p->head < p->tail; }

void rpti_pool_submit(rpti_pool *p) {
    pthread_mutex_lock(&p->mu);
    p->done[p->tail % p->n_slots] = 0;
    p->tail++;
    pthread_cond_signal(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
}

size_t rpti_pool_oldest(rpti_pool *p, int wait) {
    size_t slot = (size_t)(p->head % p->n_slots);
    pthread_mutex_lock(&p->mu);
    while (wait && !p->done[slot]) pthread_cond_wait(&p->cv_done, &p->mu);
    int done = p->done[slot];
    pthread_mutex_unlock(&p->mu);
    return done ? slot : SIZE_MAX;
}

void rpti_pool_retire(rpti_pool *p) { p->head++; }

void rpti_pool_stop(rpti_pool *p) {
    if (p->thr && p->n_slots) {
        pthread_mutex_lock(&p->mu);
        p->quit = 1;
        pthread_cond_broadcast(&p->cv_work);
        pthread_mutex_unlock(&p->mu);
        for (size_t i = 0; i < p->n_thr; i++) pthread_join(p->thr[i], NULL);
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv_work);
        pthread_cond_destroy(&p->cv_done);
    }
    free(p->done);
    free(p->thr);
    memset(p, 0, sizeof *p);
}
