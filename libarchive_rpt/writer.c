/* SPDX-License-Identifier: ISC */
/* writer.c -- building an archive in one pass: header, keys, dictionaries,
 * records compressed and signed by a pool of workers but written in call
 * order (so any thread count gives the same bytes), then index, seal and
 * trailer; a temporary file renamed into place, or an append that leaves
 * the earlier generation intact until the new trailer is down. */
#include "append.h"
#include "ispill.h"
#include "place.h"
#include "pool.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


enum { MODE_PATH, MODE_FD, MODE_APPEND };

typedef struct job {
    int only; /* which dictionaries to try (record.h) */
    rpt_record_info info;
    rpt_meta *meta;
    char *strings;
    uint8_t *data;
    size_t len;
    rpt_buf chunk;
    int rc;
    char err[RPT_ERRLEN];
} job;

struct rpt_writer {
    rpti_failure fail; /* the first failure; every later call returns its code */
    int mode, fd, started, closed;
    int closing; /* rpt_writer_close() began: no more records */
    rpti_place place; /* MODE_PATH: the temporary and the final name */
    const rpt_seckey *sk;
    int level;
    uint8_t archive_id[RPT_ARCHIVE_ID_BYTES];
    int64_t created;
    char *software, *key_comment;
    uint64_t pos;
    /* dictionaries: the archive's earlier ones first (append), then new */
    rpt_dict *dicts;
    size_t n_dicts, n_dicts_old;
    /* what the seal's digest covers */
    rpt_buf head_chunk, aux;
    uint64_t *aux_off;
    size_t n_aux, cap_aux;
    /* this generation's records, and the names of every record */
    rpti_ispill ib;
    uint64_t accepted; /* records rpt_writer_add*() took: ib.n lags with workers */
    uint64_t base;
    /* open addressing: BLAKE2b-128 of each name, so that a million names
     * take 24 MB, not their bytes twice over; all zero is a free slot */
    rpti_nameset names;  /* every name this writer has added */
    uint64_t n_named;
    /* append */
    rpt_reader *old;
    uint64_t old_size, prev_trailer;
    uint32_t gen;
    uint8_t prev_seal[RPT_DIGEST_BYTES];
    uint8_t index_root[RPT_DIGEST_BYTES]; /* of this generation's INDX */
    /* workers (pool.c); ring[i] is the pool's slot i, NULL without them */
    rpti_pool pool;
    job *ring;
    rpt_zctx z;
    rpt_buf chunk;
};

/* ----- output ----- */
static int out_write(rpt_writer *w, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t k = write(w->fd, p, n);
        if (k < 0) {
            if (errno == EINTR) continue;
            return rpti_fail(&w->fail, RPT_E_IO, "write error at offset %llu: %s",
                              (unsigned long long)w->pos, strerror(errno));
        }
        p += k;
        n -= (size_t)k;
        w->pos += (uint64_t)k;
    }
    return RPT_OK;
}

static int nomem(rpt_writer *w) {
    return rpti_fail(&w->fail, RPT_E_NOMEM, "out of memory");
}

/* Keeps a detail that a helper formatted into its own buffer; a helper
 * that set none still leaves words behind. */
static int fail_with(rpt_writer *w, int rc, const char *detail) {
    return rpti_fail(&w->fail, rc, "%s", detail[0] ? detail : rpt_strerror(rc));
}

/* A call refused before it changed anything (a bad argument, a closed
 * writer): it says why, and the writer stays usable. Only called on a
 * writer that has not failed, so no failure's text is overwritten, and
 * a later failure's text replaces this one. */
static int refuse(rpt_writer *w, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int refuse(rpt_writer *w, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->fail.msg, sizeof w->fail.msg, fmt, ap);
    va_end(ap);
    return code;
}

/* Where every public call on a live handle starts: a failed writer
 * answers with its first failure, a closed one accepts nothing more. */
static int usable(rpt_writer *w) {
    if (rpti_failed(&w->fail)) return rpti_failed(&w->fail);
    if (w->closed || w->closing) return refuse(w, RPT_E_ARG, "the writer is closed");
    return RPT_OK;
}

/* ----- names already used: the readers' name set (check.c) ----- */
static int name_claim(rpt_writer *w, const char *name) {
    size_t len = strlen(name);
    if (w->old) {
        uint64_t i;
        int rc = rpt_reader_find(w->old, name, &i);
        if (rc == RPT_OK)
            return rpti_fail(&w->fail, RPT_E_DUPLICATE, "'%.200s' is already in the archive (record %llu)",
                              name, (unsigned long long)i);
        if (rc != RPT_E_NOTFOUND)
            return rpti_fail(&w->fail, rc, "cannot check '%.200s' against the archive: %s", name,
                              rpt_reader_error(w->old));
    }
    uint64_t first;
    if (rpti_names_add(&w->names, (const uint8_t *)name, len, w->n_named, &first)) return nomem(w);
    if (first != UINT64_MAX)
        return rpti_fail(&w->fail, RPT_E_DUPLICATE, "two records named '%.200s'", name);
    w->n_named++;
    return RPT_OK;
}

/* ----- the start of a generation: header, keys, dictionaries ----- */
static int put_chunk(rpt_writer *w, uint32_t type, const rpt_buf *body, int aux) {
    w->chunk.len = 0;
    uint64_t off = w->pos;
    if (rpti_chunk_put(&w->chunk, type, body->p, body->len)) return nomem(w);
    if (aux) {
        if (rpti_grow(&w->aux_off, &w->cap_aux, w->n_aux + 1, sizeof *w->aux_off) ||
            rpti_buf_put(&w->aux, w->chunk.p, w->chunk.len))
            return nomem(w);
        w->aux_off[w->n_aux++] = off;
    }
    if (type == RPT_T_HEAD && rpti_buf_put(&w->head_chunk, w->chunk.p, w->chunk.len)) return nomem(w);
    return out_write(w, w->chunk.p, w->chunk.len);
}

static int write_start(rpt_writer *w) {
    if (w->started) return RPT_OK;
    w->started = 1;
    rpt_buf b = {0};
    int rc = RPT_OK;
    if (w->mode != MODE_APPEND) {
        rc = out_write(w, rpti_magic, RPT_MAGIC_BYTES);
        uint8_t t[8];
        rpti_le64_store(t, (uint64_t)w->created);
        if (!rc) {
            if (rpti_buf_u8(&b, RPT_FORMAT_MAJOR) || rpti_buf_u8(&b, RPT_FORMAT_MINOR) ||
                rpti_buf_put(&b, w->archive_id, 16) || rpti_buf_put(&b, t, 8) ||
                rpti_buf_str(&b, w->software, strlen(w->software)))
                rc = nomem(w);
            else
                rc = put_chunk(w, RPT_T_HEAD, &b, 0);
        }
    }
    /* the signer's key, unless an earlier generation listed it */
    const uint8_t *pk = NULL;
    int trusted;
    if (w->old) rpti_key_lookup(w->old, w->sk->id, UINT64_MAX, &pk, &trusted);
    if (!rc && !pk) {
        b.len = 0;
        const char *cm = w->key_comment ? w->key_comment : "";
        if (rpti_buf_varint(&b, 1) || rpti_buf_put(&b, w->sk->id, 8) || rpti_buf_put(&b, w->sk->sk + 32, 32) ||
            rpti_buf_str(&b, cm, strlen(cm)))
            rc = nomem(w);
        else
            rc = put_chunk(w, RPT_T_KEYS, &b, 1);
    }
    for (size_t i = w->n_dicts_old; !rc && i < w->n_dicts; i++) {
        uint8_t id[32];
        b.len = 0;
        crypto_generichash(id, 32, w->dicts[i].data, w->dicts[i].len, NULL, 0);
        if (rpti_buf_varint(&b, w->dicts[i].number) || rpti_buf_put(&b, id, 32) ||
            rpti_buf_str(&b, w->dicts[i].data, w->dicts[i].len))
            rc = nomem(w);
        else
            rc = put_chunk(w, RPT_T_DICT, &b, 1);
    }
    rpti_buf_free(&b);
    return rc;
}

/* ----- records ----- */
/* Says which directory, so that TMPDIR can be pointed elsewhere. */
static int scratch_failed(rpt_writer *w) {
    return rpti_fail(&w->fail, RPT_E_IO, "cannot %s in '%s': %s", w->ib.doing, w->ib.dir,
                     strerror(w->ib.err));
}

static int add_record(rpt_writer *w, const rpt_record_info *info, const void *data, size_t len,
                      int only);
static int emit(rpt_writer *w, const rpt_buf *chunk, const rpt_record_info *info, size_t len) {
    uint8_t dg[RPT_DIGEST_BYTES];
    uint64_t off = w->pos;
    crypto_generichash(dg, sizeof dg, chunk->p, chunk->len, NULL, 0);
    int rc = out_write(w, chunk->p, chunk->len);
    if (rc) return rc;
    rc = rpti_ispill_add(&w->ib, (const uint8_t *)info->name, strlen(info->name), off, chunk->len,
                         len, info->issued, dg);
    if (rc == RPT_E_IO) return scratch_failed(w);
    return rc ? rpti_fail(&w->fail, rc, "cannot keep the index entry: %s", rpt_strerror(rc)) : RPT_OK;
}

static void job_clear(job *j) {
    free(j->meta);
    free(j->strings);
    free(j->data);
    j->meta = NULL;
    j->strings = NULL;
    j->data = NULL;
}

/* A worker's own compressor. */
static void *worker_init(void *ctx) {
    rpt_writer *w = ctx;
    rpt_zctx *z = malloc(sizeof *z);
    if (z && rpti_zctx_init(z, w->level) != RPT_OK) {
        free(z);
        z = NULL;
    }
    return z;
}

static void worker_end(void *state) {
    if (!state) return;
    rpti_zctx_end(state);
    free(state);
}

/* Compresses and signs one record on a worker thread. */
static void worker_run(void *ctx, size_t slot, void *state) {
    rpt_writer *w = ctx;
    job *j = &w->ring[slot];
    if (state)
        j->rc = rpti_record_build(&j->chunk, state, &j->info, j->data, j->len, w->dicts, w->n_dicts,
                                  j->only, w->sk, j->err);
    else
        j->rc = rpti_seterr(j->err, RPT_E_NOMEM, "out of memory for a compressor");
}

/* Writes the oldest job once it is done. */
static int drain_one(rpt_writer *w) {
    job *j = &w->ring[rpti_pool_oldest(&w->pool, 1)];
    rpti_pool_retire(&w->pool);
    int rc;
    if (rpti_failed(&w->fail)) /* nothing more is written: the job is only retired */
        rc = rpti_failed(&w->fail);
    else if (j->rc)
        rc = fail_with(w, j->rc, j->err);
    else
        rc = emit(w, &j->chunk, &j->info, j->len);
    job_clear(j);
    return rc;
}

static int drain_all(rpt_writer *w) {
    int rc = RPT_OK;
    while (rpti_pool_busy(&w->pool)) {
        int r2 = drain_one(w);
        if (!rc) rc = r2;
    }
    return rc;
}

static void pool_stop(rpt_writer *w) {
    if (!w->ring) return;
    uint64_t head = w->pool.head, tail = w->pool.tail;
    size_t n = w->pool.n_slots;
    rpti_pool_stop(&w->pool); /* joins the workers */
    for (uint64_t s = head; s < tail; s++) job_clear(&w->ring[s % n]);
    for (size_t i = 0; i < n; i++) rpti_buf_free(&w->ring[i].chunk);
    free(w->ring);
    w->ring = NULL;
}

static int pool_start(rpt_writer *w, unsigned threads) {
    if (threads <= 1) return RPT_OK;
    size_t n = 2 * (size_t)threads;
    if (!(w->ring = calloc(n, sizeof *w->ring))) return RPT_E_NOMEM;
    if (rpti_pool_start(&w->pool, n, threads, worker_run, worker_init, worker_end, w) == 0) {
        free(w->ring); /* no threads to be had: build inline */
        w->ring = NULL;
    }
    return RPT_OK;
}

/* Deep copy of the caller's metadata for a worker. */
static int job_fill(job *j, const rpt_record_info *info, const void *data, size_t len) {
    size_t total = 0;
#define SLEN(s) ((s) ? strlen(s) + 1 : 0)
    total += SLEN(info->name) + SLEN(info->title) + SLEN(info->source) + SLEN(info->media_type);
    for (size_t i = 0; i < info->n_meta; i++) total += SLEN(info->meta[i].key) + SLEN(info->meta[i].value);
    j->strings = malloc(total ? total : 1);
    j->meta = calloc(info->n_meta ? info->n_meta : 1, sizeof *j->meta);
    j->data = malloc(len ? len : 1);
    if (!j->strings || !j->meta || !j->data) return RPT_E_NOMEM;
    char *p = j->strings;
#define SCOPY(dst, s)                                                                              \
    do {                                                                                           \
        if (s) {                                                                                   \
            size_t n_ = strlen(s) + 1;                                                             \
            memcpy(p, s, n_);                                                                      \
            dst = p;                                                                               \
            p += n_;                                                                               \
        } else                                                                                     \
            dst = NULL;                                                                            \
    } while (0)
    j->info = *info;
    SCOPY(j->info.name, info->name);
    SCOPY(j->info.title, info->title);
    SCOPY(j->info.source, info->source);
    SCOPY(j->info.media_type, info->media_type);
    for (size_t i = 0; i < info->n_meta; i++) {
        SCOPY(j->meta[i].key, info->meta[i].key);
        SCOPY(j->meta[i].value, info->meta[i].value);
    }
#undef SCOPY
#undef SLEN
    j->info.meta = j->meta;
    if (len) memcpy(j->data, data, len);
    j->len = len;
    return RPT_OK;
}

int rpt_writer_add(rpt_writer *w, const rpt_record_info *info, const void *data, size_t len) {
    return add_record(w, info, data, len, RPT_TRY_ALL);
}

int rpt_writer_add_using(rpt_writer *w, const rpt_record_info *info, const void *data, size_t len,
                         uint32_t dict) {
    if (!w) return RPT_E_ARG;
    int rc = usable(w);
    if (rc) return rc;
    if (dict != RPT_DICT_NONE && dict >= w->n_dicts)
        return refuse(w, RPT_E_ARG, "no dictionary %u", dict);
    return add_record(w, info, data, len, dict == RPT_DICT_NONE ? RPT_TRY_NONE : (int)dict);
}

static int add_record(rpt_writer *w, const rpt_record_info *info, const void *data, size_t len,
                      int only) {
    if (!w) return RPT_E_ARG;
    int rc = usable(w);
    if (rc) return rc;
    if (!info || (!data && len)) return refuse(w, RPT_E_ARG, "no record given");
    /* 0 is the 1.0 layout; anything between is a caller's mistake */
    if (info->size && info->size < sizeof *info)
        return refuse(w, RPT_E_ARG, "rpt_record_info.size is %zu, less than %zu", info->size,
                      sizeof *info);
    if (!info->name || rpt_name_check(info->name, strlen(info->name))) {
        return rpti_fail(&w->fail, RPT_E_NAME, "unsafe or invalid record name '%.200s'",
                          info->name ? info->name : "");
    }
    if (len > RPT_PAYLOAD_MAX) {
        return rpti_fail(&w->fail, RPT_E_LIMIT, "'%.200s' is %zu bytes, over the limit of %u",
                          info->name, len, (unsigned)RPT_PAYLOAD_MAX);
    }
    if ((rc = name_claim(w, info->name))) return rc;
    if ((rc = write_start(w))) return rc;
    char detail[RPT_ERRLEN] = "";
    if (!w->ring) {
        rc = rpti_record_build(&w->chunk, &w->z, info, data, len, w->dicts, w->n_dicts, only, w->sk,
                              detail);
        if (rc) return fail_with(w, rc, detail);
        if ((rc = emit(w, &w->chunk, info, len))) return rc;
        w->accepted++;
        return RPT_OK;
    }
    /* the ring is full: write the oldest first */
    while (rpti_pool_full(&w->pool))
        if ((rc = drain_one(w))) return rc;
    job *j = &w->ring[rpti_pool_next(&w->pool)];
    j->only = only;
    if (job_fill(j, info, data, len)) {
        job_clear(j);
        return nomem(w);
    }
    /* the metadata is checked here, on the caller's thread, so the error
     * comes back from this call */
    rpt_buf tmp = {0};
    rc = rpti_record_meta_encode(&tmp, &j->info, len, detail);
    rpti_buf_free(&tmp);
    if (rc) {
        job_clear(j);
        return fail_with(w, rc, detail);
    }
    rpti_pool_submit(&w->pool);
    w->accepted++;
    /* write what is ready, without waiting */
    while (rpti_pool_busy(&w->pool) && rpti_pool_oldest(&w->pool, 0) != SIZE_MAX)
        if ((rc = drain_one(w))) return rc;
    return RPT_OK;
}

int rpt_writer_add_dict(rpt_writer *w, const void *dict, size_t len, uint32_t *number) {
    if (!w) return RPT_E_ARG;
    int rc = usable(w);
    if (rc) return rc;
    if (w->started || w->pool.tail || w->ib.n)
        return refuse(w, RPT_E_ARG, "dictionaries must come before the first record");
    if (!dict || len == 0 || len > RPT_DICT_MAX)
        return refuse(w, RPT_E_LIMIT, "a dictionary is 1 to %d bytes", RPT_DICT_MAX);
    if (w->n_dicts >= RPT_MAX_DICTS)
        return refuse(w, RPT_E_ARG, "at most %u dictionaries", RPT_MAX_DICTS);
    rpt_dict *nd = realloc(w->dicts, (w->n_dicts + 1) * sizeof *nd);
    if (!nd) return rpti_fail(&w->fail, RPT_E_NOMEM, "out of memory");
    w->dicts = nd;
    uint8_t *copy = malloc(len);
    if (!copy) return rpti_fail(&w->fail, RPT_E_NOMEM, "out of memory");
    memcpy(copy, dict, len);
    nd[w->n_dicts].number = (uint32_t)w->n_dicts;
    nd[w->n_dicts].data = copy;
    nd[w->n_dicts].len = len;
    if (number) *number = (uint32_t)w->n_dicts;
    w->n_dicts++;
    return RPT_OK;
}

/* Writes an ancillary chunk at the current position (after every record
 * added so far). Not part of the public API: the test vectors use it to
 * show that readers skip chunks they do not know. */
int rpti_writer_put_ancillary(rpt_writer *w, uint32_t type, const void *body, size_t len) {
    if (!w) return RPT_E_ARG;
    int rc = usable(w);
    if (rc) return rc;
    /* a test's own mistake, refused without touching the archive */
    if (!rpti_chunk_type_valid(type) || rpti_chunk_is_critical(type) || len > rpti_chunk_cap(type))
        return RPT_E_ARG;
    rc = write_start(w);
    if (!rc) rc = drain_all(w);
    rpt_buf b = {(uint8_t *)(uintptr_t)body, len, len};
    return rc ? rc : put_chunk(w, type, &b, 0);
}

/* ----- closing: index, seal, trailer ----- */
static int indx_out(void *ctx, const uint8_t *p, size_t n) { return out_write(ctx, p, n); }

static int write_index(rpt_writer *w, uint64_t *index_off) {
    /* empty segments cover nothing: they are never listed again */
    size_t n_all = w->old ? w->old->n_segs : 0, n_old = 0;
    rpt_segment **olds = calloc(n_all ? n_all : 1, sizeof *olds);
    if (!olds) return nomem(w);
    for (size_t i = 0; i < n_all; i++)
        if (w->old->segs[i].n) olds[n_old++] = &w->old->segs[i];
    /* merge older segments smaller than twice the growing new one: what
     * stays has each segment at least twice the next, so there are at
     * most log2(N) + 1 and each entry is copied O(log N) times */
    size_t k = n_old;
    uint64_t cur = w->ib.n;
    while (k > 0 && olds[k - 1]->n < 2 * cur) {
        k--;
        cur += olds[k]->n;
    }
    rpt_segref *refs = calloc(k ? k : 1, sizeof *refs);
    if (!refs) {
        free(olds);
        return nomem(w);
    }
    for (size_t s = 0; s < k; s++) {
        refs[s].offset = olds[s]->offset;
        memcpy(refs[s].root, olds[s]->root, 32);
    }
    rpti_indx_plan plan = {olds + k, n_old - k, k < n_old ? olds[k]->first : w->base, refs, k,
                           w->aux_off, w->n_aux};
    *index_off = w->pos;
    int rc = rpti_ispill_write_indx(&w->ib, &plan, indx_out, w, w->index_root);
    free(refs);
    free(olds);
    if (!rc || rpti_failed(&w->fail)) return rc; /* out_write said why */
    if (rc == RPT_E_LIMIT) return rpti_fail(&w->fail, rc, "the index is too large");
    if (rc == RPT_E_IO && w->ib.err) return scratch_failed(w);
    if (rc == RPT_E_NOMEM) return nomem(w);
    return rpti_fail(&w->fail, rc, "cannot merge the older index segments: %s",
                     rpt_reader_error(w->old));
}

static int sync_fd(rpt_writer *w) {
    if (fsync(w->fd) != 0 && errno != EINVAL && errno != EROFS) {
        return rpti_fail(&w->fail, RPT_E_IO, "cannot sync: %s", strerror(errno));
    }
    return RPT_OK;
}

int rpt_writer_close(rpt_writer *w) {
    if (!w) return RPT_E_ARG;
    if (w->closed) return RPT_OK;
    if (rpti_failed(&w->fail)) return rpti_failed(&w->fail);
    int rc = drain_all(w);
    pool_stop(w);
    if (rc) return rc;
    /* no record comes after this, so the names (16 bytes each, 24 MB at
     * a million) are dropped before the index, which needs 16 bytes an
     * entry of its own, is written */
    w->closing = 1;
    rpti_names_free(&w->names);
    if ((rc = write_start(w))) return rc;
    uint64_t index_off = 0;
    if ((rc = write_index(w, &index_off))) return rc;
    /* D covers the header, keys, dictionaries and this index's root */
    rpt_seal sl;
    memset(&sl, 0, sizeof sl);
    rpti_seal_d(w->head_chunk.p, w->head_chunk.len, w->aux.p, w->aux.len, w->index_root, sl.d);
    sl.generation = w->gen;
    sl.count = w->base + w->ib.n;
    memcpy(sl.prev, w->prev_seal, 32);
    memcpy(sl.key_id, w->sk->id, 8);
    uint8_t msg[108];
    rpti_seal_message(msg, w->archive_id, &sl);
    crypto_sign_detached(sl.sig, NULL, msg, sizeof msg, w->sk->sk);
    uint64_t seal_off = w->pos;
    w->chunk.len = 0;
    if (rpti_seal_encode(&w->chunk, &sl)) return nomem(w);
    if ((rc = out_write(w, w->chunk.p, w->chunk.len))) return rc;
    rpt_trailer t = {index_off, seal_off, w->prev_trailer, w->gen, sl.count};
    w->chunk.len = 0;
    if (rpti_trailer_encode(&w->chunk, &t)) return nomem(w);
    if ((rc = out_write(w, w->chunk.p, w->chunk.len))) return rc;
    if (w->mode != MODE_FD && (rc = sync_fd(w))) return rc;
    if (w->mode == MODE_PATH) {
        char err[RPT_ERRLEN];
        rc = rpti_place_commit(&w->place, err);
        w->fd = w->place.fd;
        if (rc) return rpti_fail(&w->fail, rc, "%s", err);
    }
    w->closed = 1;
    return RPT_OK;
}

/* ----- opening ----- */
/* The size of rpt_writer_options in release 1.0, what a size of 0 means. */
#define OPTIONS_SIZE_1_0 sizeof(rpt_writer_options)

void rpt_writer_options_init_size(rpt_writer_options *opt, size_t size) {
    if (!opt || size < sizeof opt->size) return;
    rpt_writer_options def;
    memset(&def, 0, sizeof def);
    def.level = -1;
    def.created = INT64_MIN;
    memcpy(opt, &def, size < sizeof def ? size : sizeof def);
    if (size > sizeof def) memset((char *)opt + sizeof def, 0, size - sizeof def);
    opt->size = size;
}

/* Reads the fields the caller knows of; later ones keep their defaults. */
static void options_take(rpt_writer_options *dst, const rpt_writer_options *src) {
    rpt_writer_options_init(dst);
    if (!src) return;
    size_t n = src->size ? src->size : OPTIONS_SIZE_1_0;
    memcpy(dst, src, n < sizeof *dst ? n : sizeof *dst);
    dst->size = sizeof *dst;
}

/* near: the archive's path, if it has one; scratch files go next to it. */
static int writer_new(rpt_writer **out, int mode, const rpt_seckey *sk, const rpt_writer_options *given,
                      const char *near) {
    rpt_writer_options taken;
    const rpt_writer_options *opt = &taken;
    options_take(&taken, given);
    rpt_writer *w = *out = calloc(1, sizeof *w);
    if (!w) return RPT_E_NOMEM;
    w->fd = -1;
    w->place.fd = -1;
    if (rpti_ispill_init(&w->ib, near && *near ? near : NULL))
        return rpti_fail(&w->fail, RPT_E_NOMEM, "out of memory");
    w->mode = mode;
    w->gen = 1;
    w->level = opt->level < 0 ? 6 : opt->level > 9 ? 9 : opt->level;
    if (!sk) return rpti_fail(&w->fail, RPT_E_ARG, "no secret key given");
    w->sk = sk;
    if (opt->archive_id) memcpy(w->archive_id, opt->archive_id, 16);
    else randombytes_buf(w->archive_id, 16);
    w->created = opt->created == INT64_MIN ? (int64_t)time(NULL) : opt->created;
    char sw[64];
    snprintf(sw, sizeof sw, "rpt %s", rpt_version());
    w->software = strdup(opt->software ? opt->software : sw);
    w->key_comment = strdup(opt->key_comment ? opt->key_comment : "");
    if (w->software && w->key_comment) {
        size_t a = strlen(w->software), b = strlen(w->key_comment);
        if (a > 4096 || b > 4096 || !rpti_utf8_valid((const uint8_t *)w->software, a) ||
            !rpti_utf8_valid((const uint8_t *)w->key_comment, b))
            return rpti_fail(&w->fail, RPT_E_ARG,
                              "the software name and key comment must be UTF-8, at most 4096 bytes");
    }
    if (!w->software || !w->key_comment || rpti_zctx_init(&w->z, w->level))
        return rpti_fail(&w->fail, RPT_E_NOMEM, "out of memory");
    unsigned threads = opt->threads;
    if (threads == 0) {
        unsigned n = rpti_cpu_count();
        threads = n > 64 ? 64 : n;
    }
    if (threads > 256) threads = 256;
    if (pool_start(w, threads)) return rpti_fail(&w->fail, RPT_E_NOMEM, "out of memory");
    return RPT_OK;
}

int rpt_writer_open_path(rpt_writer **out, const char *path, int overwrite, const rpt_seckey *sk,
                         const rpt_writer_options *opt) {
    if (!out) return RPT_E_ARG;
    int rc = writer_new(out, MODE_PATH, sk, opt, path);
    rpt_writer *w = *out;
    if (rc) return rc;
    if (!path || !*path) return rpti_fail(&w->fail, RPT_E_ARG, "no path given");
    char err[RPT_ERRLEN];
    /* 0666: the umask decides, as for tar and zip */
    rc = rpti_place_open(&w->place, path, overwrite, 0666, err);
    w->fd = w->place.fd;
    if (rc) return rpti_fail(&w->fail, rc, "%s", err);
    return RPT_OK;
}

const char *rpt_writer_temp_path(const rpt_writer *w) {
    return w && w->mode == MODE_PATH && !w->closed ? rpti_place_temp(&w->place) : NULL;
}

int rpt_writer_open_fd(rpt_writer **out, int fd, const rpt_seckey *sk, const rpt_writer_options *opt) {
    if (!out) return RPT_E_ARG;
    int rc = writer_new(out, MODE_FD, sk, opt, NULL);
    if (rc) return rc;
    if (fd < 0) return rpti_fail(&(*out)->fail, RPT_E_ARG, "bad descriptor");
    (*out)->fd = fd;
    return RPT_OK;
}

/* Refuses a key id taken by another key, earlier generations sealed by
 * a key not trusted or not chained, and a tail that holds a seal. */
static int append_checks(rpt_writer *w, rpt_reader *r, const rpt_writer_options *given) {
    rpt_writer_options opt;
    options_take(&opt, given); /* only the fields the caller knows of */
    rpti_sealers t = {opt.trusted, opt.trusted ? opt.n_trusted : 0, {{0}, {0}}};
    rpt_seckey_public(w->sk, &t.own);
    char err[RPT_ERRLEN] = "";
    int rc = RPT_OK;
    if (r->tail_bytes) rc = rpti_append_check_tail(r, &t, err);
    return rc ? rpti_fail(&w->fail, rc, "%s", err) : RPT_OK;
}

/* One appender at a time: the others wait as long as they were told to,
 * polling, since flock() itself cannot time out. */
static int lock_for_append(rpt_writer *w, const char *path, const rpt_writer_options *given) {
    rpt_writer_options opt;
    options_take(&opt, given);
    struct timespec start, now, pause = {0, 100 * 1000 * 1000};
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        if (flock(w->fd, LOCK_EX | LOCK_NB) == 0) return RPT_OK;
        if (errno != EWOULDBLOCK && errno != EINTR)
            return rpti_fail(&w->fail, RPT_E_IO, "cannot lock '%s': %s", path, strerror(errno));
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (opt.lock_wait >= 0 && now.tv_sec - start.tv_sec >= opt.lock_wait)
            return rpti_fail(&w->fail, RPT_E_BUSY,
                             "'%s' is being appended to by another process%s", path,
                             opt.lock_wait ? " (waited too long)" : "");
        nanosleep(&pause, NULL);
    }
}

/* The signer's key id must not be listed with another public key. */
static int own_key_free(rpt_writer *w) {
    rpt_pubkey own;
    rpt_seckey_public(w->sk, &own);
    return rpti_append_check_key(w->old, &own, w->old->err);
}

/* The reader of the earlier generations trusts the signer's own key and
 * the caller's: a seal by any other key is RPT_E_UNTRUSTED. */
static int trust_sealers(rpt_writer *w, const rpt_writer_options *given) {
    rpt_writer_options opt;
    options_take(&opt, given);
    rpt_pubkey own;
    rpt_seckey_public(w->sk, &own);
    int rc = rpt_reader_trust(w->old, &own);
    for (size_t i = 0; !rc && opt.trusted && i < opt.n_trusted; i++)
        rc = rpt_reader_trust(w->old, &opt.trusted[i]);
    return rc;
}

int rpt_writer_open_append(rpt_writer **out, const char *path, const rpt_seckey *sk,
                           const rpt_writer_options *opt) {
    if (!out) return RPT_E_ARG;
    int rc = writer_new(out, MODE_APPEND, sk, opt, path);
    rpt_writer *w = *out;
    if (rc) return rc;
    if (!path) return rpti_fail(&w->fail, RPT_E_ARG, "no path given");
    w->fd = open(path, O_WRONLY | O_CLOEXEC);
    if (w->fd < 0) return rpti_fail(&w->fail, RPT_E_IO, "cannot open '%s': %s", path, strerror(errno));
    if ((rc = lock_for_append(w, path, opt))) return rc;
    rc = rpt_reader_open_path(&w->old, path, RPTI_OPEN_LOCKED);
    /* every earlier seal, in the reader's one seal check, and each by the
     * signer's own key or one the caller trusts (spec 8.2) */
    if (!rc) rc = own_key_free(w);
    if (!rc) rc = trust_sealers(w, opt);
    if (!rc) rc = rpti_reader_check_seal(w->old);
    if (rc) {
        rpti_fail(&w->fail, rc, "cannot append to '%s': %s", path, w->old ? rpt_reader_error(w->old) : "out of memory");
        close(w->fd);
        w->fd = -1;
        return rc;
    }
    rpt_reader *r = w->old;
    /* nothing is cut or written until the archive is known to be one to
     * build on; the descriptor is closed so rpt_writer_free() cuts nothing */
    if ((rc = append_checks(w, r, opt))) {
        close(w->fd);
        w->fd = -1;
        return rc;
    }
    w->old_size = r->trailer_offset + RPT_TRAILER_BYTES;
    if (r->tail_bytes && ftruncate(w->fd, (off_t)w->old_size) != 0)
        return rpti_fail(&w->fail, RPT_E_IO, "cannot cut off the incomplete tail of '%s': %s", path,
                          strerror(errno));
    if (lseek(w->fd, (off_t)w->old_size, SEEK_SET) < 0)
        return rpti_fail(&w->fail, RPT_E_IO, "cannot seek in '%s': %s", path, strerror(errno));
    w->pos = w->old_size;
    w->gen = r->seal.generation + 1;
    w->base = r->count;
    w->prev_trailer = r->trailer_offset;
    memcpy(w->prev_seal, r->seal_digest, 32);
    memcpy(w->archive_id, r->archive_id, 16);
    if (rpti_buf_put(&w->head_chunk, r->head_chunk.p, r->head_chunk.len) ||
        rpti_buf_put(&w->aux, r->aux.p, r->aux.len))
        return rpti_fail(&w->fail, RPT_E_NOMEM, "out of memory");
    w->dicts = malloc((r->n_dicts ? r->n_dicts : 1) * sizeof *w->dicts);
    if (rpti_grow(&w->aux_off, &w->cap_aux, r->n_aux ? r->n_aux : 1, sizeof *w->aux_off) || !w->dicts)
        return rpti_fail(&w->fail, RPT_E_NOMEM, "out of memory");
    if (r->n_aux) memcpy(w->aux_off, r->aux_off, r->n_aux * sizeof *w->aux_off);
    w->n_aux = r->n_aux;
    /* earlier dictionaries stay usable; the reader owns their bytes */
    if (r->n_dicts) memcpy(w->dicts, r->dicts, r->n_dicts * sizeof *w->dicts);
    w->n_dicts = w->n_dicts_old = r->n_dicts;
    return RPT_OK;
}

uint64_t rpt_writer_records(const rpt_writer *w) { return w ? w->accepted : 0; }
/* An append counts what it adds, not the generations before it. */
uint64_t rpt_writer_bytes(const rpt_writer *w) { return w ? w->pos - w->old_size : 0; }
const char *rpt_writer_error(const rpt_writer *w) { return w ? w->fail.msg : "out of memory"; }

void rpt_writer_free(rpt_writer *w) {
    if (!w) return;
    pool_stop(w);
    if (!w->closed) {
        if (w->mode == MODE_APPEND && w->fd >= 0 && w->old_size) {
            /* back to the earlier generation, exactly */
            if (ftruncate(w->fd, (off_t)w->old_size) == 0) (void)fsync(w->fd);
        }
    }
    if (w->mode == MODE_PATH) rpti_place_discard(&w->place); /* removes an uncommitted file */
    else if (w->fd >= 0 && w->mode != MODE_FD) close(w->fd);
    free(w->software);
    free(w->key_comment);
    for (size_t i = w->n_dicts_old; i < w->n_dicts; i++) free((void *)w->dicts[i].data);
    free(w->dicts);
    rpti_buf_free(&w->head_chunk);
    rpti_buf_free(&w->aux);
    free(w->aux_off);
    rpti_ispill_free(&w->ib);
    rpti_names_free(&w->names);
    rpt_reader_free(w->old);
    rpti_zctx_end(&w->z);
    rpti_buf_free(&w->chunk);
    free(w);
}
