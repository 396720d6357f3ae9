/* SPDX-License-Identifier: ISC */
/* ahead.c -- see ahead.h. Workers take the records in the caller's order
 * from a ring of slots, each into the slot of its turn; the caller takes
 * the slots back in that order, so what it writes and says is the same,
 * in the same order, as when it reads every record itself. */
#include "ahead.h"
#include "select.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Records and payload bytes read ahead and not yet taken: enough to keep
 * a core busy, few enough that memory stays flat at any archive size. */
#define AHEAD_SLOTS 64
#define AHEAD_BYTES (8u << 20)
/* A slot keeps its payload buffer for the next record up to this size
 * (64 of them: 4 MiB), and frees a larger one once it is taken. */
#define AHEAD_KEEP (64u << 10)
#define AHEAD_MAX_WORKERS 4
/* How far a worker lowers its priority below the caller's (give_way). */
#define AHEAD_NICER 5
/* Below this many records a second open and a thread do not pay. */
#define AHEAD_MIN_RECORDS 16
typedef struct slot {
    int done;        /* filled, waiting for the caller */
    int own;         /* record 0: the caller reads it (see ahead.h) */
    int rc;          /* rpt_reader_read()'s */
    rpt_record *rec; /* its metadata (fe_record_copy), or NULL */
    uint8_t *data;   /* its payload */
    size_t cap;      /* data's size */
    char *why;       /* the reader's words on failure */
} slot;

typedef struct worker {
    fe_ahead *a;
    rpt_reader *r;
    pthread_t thr;
} worker;

struct fe_ahead {
    pthread_mutex_t mu;
    pthread_cond_t cv_room, cv_done;
    slot ring[AHEAD_SLOTS];
    const uint64_t *order;
    uint64_t n, take, give; /* records; next for a worker; next to give back */
    int held;               /* the caller has slot give */
    size_t bytes;           /* payload bytes in done slots */
    int quit;
    unsigned flags;
    rpt_reader *r;          /* the caller's, for record 0 */
    worker w[AHEAD_MAX_WORKERS];
    size_t n_w;
};

/* A slot's record, payload and words go; a large payload buffer too, so
 * that big records do not keep their size in every slot for the rest of
 * the run. */
static void slot_clear(slot *s) {
    free(s->rec);
    free(s->why);
    s->rec = NULL;
    s->why = NULL;
    if (s->cap > AHEAD_KEEP) {
        free(s->data);
        s->data = NULL;
        s->cap = 0;
    }
}

/* Fills s with record i as w's reader gives it: owned copies, since the
 * reader's pointers last only until its next call. */
static void slot_fill(worker *w, slot *s, uint64_t i) {
    rpt_record rec;
    /* the record is filled only as far as the read got (see rpt-extract) */
    memset(&rec, 0, sizeof rec);
    int rc = rpt_reader_read(w->r, i, w->a->flags, &rec);
    /* without the words, the caller says "out of memory" (fe_ahead_next)
     * but keeps the reader's code, and with it the exit status */
    if (rc != RPT_OK) s->why = strdup(rpt_reader_error(w->r));
    if (rc == RPT_OK || (rc == RPT_E_UNTRUSTED && rec.name)) {
        if (rec.data_len > s->cap) {
            free(s->data);
            s->cap = 0;
            if ((s->data = malloc(rec.data_len))) s->cap = rec.data_len;
        }
        if ((rec.data_len && !s->data) || !(s->rec = fe_record_copy(&rec))) {
            /* nothing of the reader's buffers may reach the caller */
            rc = RPT_E_NOMEM;
            free(s->why);
            s->why = NULL;
        } else {
            if (rec.data_len) memcpy(s->data, rec.data, rec.data_len);
            s->rec->data = rec.data ? s->data : NULL;
            s->rec->data_len = rec.data_len;
        }
    }
    s->rc = rc;
}

/* Whether a worker may take the next record: the ring has room and the
 * payloads waiting are under the cap (one is always allowed). */
static int room(const fe_ahead *a) {
    return a->take - a->give < AHEAD_SLOTS &&
           (a->bytes < AHEAD_BYTES || a->take == a->give + (uint64_t)a->held);
}

/* Whether to wake the workers waiting for room: only once the ring is
 * half empty, so that they fill it in a run instead of being woken (a
 * context switch each) for every record the caller takes. */
static int half_empty(const fe_ahead *a) {
    return a->take - a->give <= AHEAD_SLOTS / 2 && (a->bytes <= AHEAD_BYTES / 2 || a->take == a->give);
}

/* The caller, writing files in order, is the one thread that everything
 * waits on. Workers that crowd it out of a core (with as many workers as
 * cores, they would) leave the ring full and a core idle while it
 * catches up; so a worker gives way to it, a few steps of niceness. A
 * nice value is a thread's own on Linux only. Measured: extracting the
 * 2,618-record bench set on two cores, 147.7 ms before, 137.6 ms after. */
static void give_way(void) {
#ifdef __linux__
    errno = 0;
    int nice_now = getpriority(PRIO_PROCESS, 0);
    if (nice_now == -1 && errno != 0) return;
    int nicer = nice_now + AHEAD_NICER > 19 ? 19 : nice_now + AHEAD_NICER;
    (void)setpriority(PRIO_PROCESS, 0, nicer); /* 0: this thread, on Linux */
#endif
}

static void *work(void *arg) {
    worker *w = arg;
    fe_ahead *a = w->a;
    give_way();
    pthread_mutex_lock(&a->mu);
    for (;;) {
        while (!a->quit && a->take < a->n && !room(a)) pthread_cond_wait(&a->cv_room, &a->mu);
        if (a->quit || a->take >= a->n) break;
        uint64_t k = a->take++;
        slot *s = &a->ring[k % AHEAD_SLOTS];
        pthread_mutex_unlock(&a->mu);
        s->own = a->order[k] == 0;
        if (!s->own) slot_fill(w, s, a->order[k]);
        pthread_mutex_lock(&a->mu);
        s->done = 1;
        if (s->rec && s->rec->data) a->bytes += s->rec->data_len;
        pthread_cond_broadcast(&a->cv_done);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

/* Whether the twin sees the archive as r does. A twin reads the same open
 * file (rpt_reader_open_twin), but bytes overwritten in place since r
 * opened would give it another index: records must be numbered and
 * sealed alike before a worker takes one. */
static int same_archive(rpt_reader *mine, rpt_reader *theirs) {
    rpt_archive_info x, y;
    if (rpt_reader_info(mine, &x) != RPT_OK || rpt_reader_info(theirs, &y) != RPT_OK) return 0;
    if (memcmp(x.archive_id, y.archive_id, sizeof x.archive_id) != 0 ||
        x.n_generations != y.n_generations || x.n_generations == 0 ||
        x.file_size != y.file_size || rpt_reader_count(mine) != rpt_reader_count(theirs))
        return 0;
    const rpt_generation *g = &x.generations[x.n_generations - 1],
                         *h = &y.generations[y.n_generations - 1];
    return g->records == h->records && g->seal_offset == h->seal_offset &&
           g->trailer_offset == h->trailer_offset &&
           memcmp(g->key_id, h->key_id, sizeof g->key_id) == 0;
}

/* A reader of its own for a worker, trusting the keys r trusts; NULL
 * when it cannot be had. */
static rpt_reader *open_twin(rpt_reader *r) {
    rpt_reader *t = NULL;
    if (rpt_reader_open_twin(&t, r) != RPT_OK || !same_archive(r, t)) {
        rpt_reader_free(t);
        return NULL;
    }
    return t;
}

/* Opens the workers' readers, then starts the workers with every signal
 * blocked: the handlers that remove temporary files (fe_temp.c) run on
 * the main thread only. The opening (an index load each) is done first,
 * so that an interrupt is not held up while it runs. */
static void start_workers(fe_ahead *a, size_t want) {
    size_t opened = 0;
    while (opened < want && (a->w[opened].r = open_twin(a->r))) opened++;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    while (a->n_w < opened) {
        worker *w = &a->w[a->n_w];
        w->a = a;
        if (pthread_create(&w->thr, NULL, work, w) != 0) break;
        a->n_w++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    for (size_t i = a->n_w; i < opened; i++) {
        rpt_reader_free(a->w[i].r);
        a->w[i].r = NULL;
    }
}

/* The one read-ahead running, for stop_at_exit. */
static fe_ahead *running;

/* fe_die() and exit() on the main thread run the exit handlers while the
 * workers may be inside the library: they are stopped first, so that
 * nothing is torn down under them. */
static void stop_at_exit(void) { fe_ahead_stop(running); }

fe_ahead *fe_ahead_start(rpt_reader *r, unsigned flags, const uint64_t *order, uint64_t n) {
    unsigned cpus = fe_cpu_count();
    /* one worker per core: checking a record costs more than writing its
     * file, so the caller waits on them more than they on it */
    size_t want = cpus > 1 ? cpus : 0;
    if (want > AHEAD_MAX_WORKERS) want = AHEAD_MAX_WORKERS;
    if (want == 0 || n < AHEAD_MIN_RECORDS) return NULL;
    fe_ahead *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    if (pthread_mutex_init(&a->mu, NULL) != 0) {
        free(a);
        return NULL;
    }
    pthread_cond_init(&a->cv_room, NULL);
    pthread_cond_init(&a->cv_done, NULL);
    a->order = order;
    a->n = n;
    a->flags = flags;
    a->r = r;
    start_workers(a, want);
    if (a->n_w == 0) {
        fe_ahead_stop(a);
        return NULL;
    }
    static int registered;
    if (!registered) registered = atexit(stop_at_exit) == 0;
    running = a;
    return a;
}

/* Gives back the slot the caller had, so a worker can fill it again
 * (until then it counts as in use: room() leaves it alone). */
static void give_back(fe_ahead *a) {
    if (!a->held) return;
    slot *s = &a->ring[a->give % AHEAD_SLOTS];
    if (s->rec && s->rec->data) a->bytes -= s->rec->data_len;
    slot_clear(s);
    s->done = 0;
    a->held = 0;
    a->give++;
    if (half_empty(a)) pthread_cond_broadcast(&a->cv_room);
}

int fe_ahead_next(fe_ahead *a, rpt_record *rec, const char **why) {
    pthread_mutex_lock(&a->mu);
    give_back(a);
    slot *s = &a->ring[a->give % AHEAD_SLOTS];
    uint64_t i = a->order[a->give];
    while (!s->done) pthread_cond_wait(&a->cv_done, &a->mu);
    a->held = 1;
    pthread_mutex_unlock(&a->mu);
    *why = "";
    if (s->own) {
        int rc = rpt_reader_read(a->r, i, a->flags, rec);
        if (rc != RPT_OK) *why = rpt_reader_error(a->r);
        return rc;
    }
    if (s->rec) *rec = *s->rec;
    if (s->why) *why = s->why;
    else if (s->rc != RPT_OK) *why = rpt_strerror(RPT_E_NOMEM);
    return s->rc;
}

void fe_ahead_stop(fe_ahead *a) {
    if (!a) return;
    if (running == a) running = NULL;
    pthread_mutex_lock(&a->mu);
    a->quit = 1;
    pthread_cond_broadcast(&a->cv_room);
    pthread_mutex_unlock(&a->mu);
    for (size_t i = 0; i < a->n_w; i++) {
        pthread_join(a->w[i].thr, NULL);
        rpt_reader_free(a->w[i].r);
    }
    for (size_t k = 0; k < AHEAD_SLOTS; k++) {
        slot_clear(&a->ring[k]);
        free(a->ring[k].data);
    }
    pthread_cond_destroy(&a->cv_room);
    pthread_cond_destroy(&a->cv_done);
    pthread_mutex_destroy(&a->mu);
    free(a);
}
