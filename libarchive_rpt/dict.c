/* SPDX-License-Identifier: ISC */
/* dict.c -- rpt_dict_train(): builds a zlib preset dictionary from sample
 * records by a COVER-style greedy selection of segments rich in shared d-mers. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* Tuned on the bulletin corpus (news and mail, raw deflate level 9):
 * 8-byte d-mers count phrases long enough to pay for a deflate match, and
 * 256-byte segments keep header lines and stock sentences whole. Sampling
 * more than about 1.5 MB improved the ratio by under 0.2% and cost time in
 * proportion; small epochs make each rescan of the lazy greedy cheap. */
#define DMER 8u
#define SEGMENT 256u
#define SAMPLE_BUDGET (3u << 19)   /* bytes sampled at most */
#define HASH_BITS 18               /* d-mer counters: 2^18 */
#define EPOCH (2u * SEGMENT)       /* bytes searched per epoch */
#define SAMPLE_ONE_MAX (64u << 10) /* bytes taken from one sample at most */
#define MIN_TOTAL 512u             /* less than this: no dictionary */
#define MIN_PIECE 16u              /* shorter leftovers are not worth a slot */

/* A d-mer counter. Distinct d-mers whose hashes collide share one, as in
 * zstd's fastCover: it keeps the tables small enough for the cache, and
 * measured no worse than exact counting by more than 0.1%. */
typedef struct cell {
    uint16_t freq;  /* samples containing the d-mer (saturating); 0 = covered */
    uint16_t inwin; /* occurrences in the sliding window being scored */
} cell;

typedef struct trainer {
    const uint8_t *buf; /* the sampled bytes, concatenated */
    size_t len;
    uint32_t *pos_id;   /* counter of the d-mer starting at each byte */
    cell *cells;        /* 2^bits counters, then one that stays 0 for the
                         * bytes where no whole d-mer starts */
} trainer;

typedef struct epoch {
    size_t begin, end;         /* d-mer starts searched: [begin, end) */
    uint64_t score;            /* best score at the last evaluation */
    size_t seg_begin, seg_end; /* that segment's bytes: [seg_begin, seg_end) */
} epoch;

static uint32_t dmer_hash(uint64_t key, unsigned bits) {
    return (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> (64 - bits));
}

/* Counts, for every d-mer, how many samples contain it: a d-mer repeated
 * inside one record is already cheap for deflate, one shared by many
 * records is what a dictionary is for. d-mers never cross a sample end. */
static int count_dmers(trainer *t, const size_t *ends, size_t n_ends) {
    unsigned bits = HASH_BITS;
    while (bits > 12 && ((size_t)1 << (bits - 1)) >= t->len) bits--;
    size_t n_cells = (size_t)1 << bits;
    uint32_t *last = malloc(n_cells * sizeof *last);
    t->pos_id = malloc(t->len * sizeof *t->pos_id);
    t->cells = calloc(n_cells + 1, sizeof *t->cells);
    if (!last || !t->pos_id || !t->cells) {
        free(last);
        return RPT_E_NOMEM;
    }
    memset(last, 0xff, n_cells * sizeof *last);
    const uint64_t keep = DMER >= 8 ? UINT64_MAX : ((uint64_t)1 << (8 * DMER)) - 1;
    size_t start = 0;
    for (size_t s = 0; s < n_ends; s++) {
        size_t end = ends[s];
        uint64_t key = 0;
        for (size_t p = start; p < end; p++) {
            key = (key << 8 | t->buf[p]) & keep;
            if (p - start + 1 >= DMER) {
                /* the d-mer that ends at p starts at p - DMER + 1 */
                uint32_t id = dmer_hash(key, bits);
                t->pos_id[p - DMER + 1] = id;
                if (last[id] != (uint32_t)s) {
                    last[id] = (uint32_t)s;
                    if (t->cells[id].freq < UINT16_MAX) t->cells[id].freq++;
                }
            }
        }
        for (size_t p = end - start < DMER ? start : end - DMER + 1; p < end; p++)
            t->pos_id[p] = (uint32_t)n_cells;
        start = end;
    }
    free(last);
    /* A d-mer seen in one sample only predicts nothing about the others. */
    for (size_t i = 0; i < n_cells; i++)
        if (t->cells[i].freq < 2) t->cells[i].freq = 0;
    return RPT_OK;
}

static int counted(const trainer *t, size_t p) {
    return t->cells[t->pos_id[p]].freq != 0;
}

/* Finds the segment of the epoch whose distinct d-mers have the largest
 * total frequency, trimmed of uncounted d-mers at both ends. */
static void epoch_best(trainer *t, epoch *e) {
    const size_t win = SEGMENT - DMER + 1; /* d-mer starts in a segment */
    uint64_t score = 0, best = 0;
    size_t best_at = e->begin, lo = e->begin;
    for (size_t p = e->begin; p < e->end; p++) {
        /* branch-free: which way these go is close to a coin toss */
        cell *in = &t->cells[t->pos_id[p]];
        score += in->inwin++ == 0 ? in->freq : 0;
        if (p - lo + 1 > win) {
            cell *out = &t->cells[t->pos_id[lo++]];
            score -= --out->inwin == 0 ? out->freq : 0;
        }
        if (score > best) {
            best = score;
            best_at = lo;
        }
    }
    for (; lo < e->end; lo++) /* empty the window for the next scan */
        t->cells[t->pos_id[lo]].inwin--;
    e->score = best;
    e->seg_begin = e->seg_end = 0;
    if (best == 0) return;
    size_t a = best_at, b = best_at + win;
    if (b > e->end) b = e->end;
    while (a < b && !counted(t, a)) a++;
    while (b > a && !counted(t, b - 1)) b--;
    e->seg_begin = a;
    e->seg_end = b - 1 + DMER; /* through the last d-mer's bytes */
}

/* Max-heap of epochs by score; ties go to the lower epoch index so the
 * result depends on nothing but the samples. */
static int epoch_before(const epoch *ep, uint32_t a, uint32_t b) {
    if (ep[a].score != ep[b].score) return ep[a].score > ep[b].score;
    return a < b;
}

static void heap_down(uint32_t *h, size_t n, size_t i, const epoch *ep) {
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && epoch_before(ep, h[l], h[m])) m = l;
        if (r < n && epoch_before(ep, h[r], h[m])) m = r;
        if (m == i) return;
        uint32_t tmp = h[i];
        h[i] = h[m];
        h[m] = tmp;
        i = m;
    }
}

/* Picks segments greedily, the most valuable first, and lays them out from
 * the end of dict backwards: deflate reaches the end of a dictionary with
 * the shortest distances. Covered d-mers stop counting, so scores only
 * fall; an epoch whose fresh score still beats every other epoch's older
 * one is the true best (lazy greedy). Returns the bytes used, or SIZE_MAX
 * when memory ran out. */
static size_t select_segments(trainer *t, uint8_t *dict, size_t capacity) {
    size_t n_ep = t->len / EPOCH;
    if (n_ep == 0) n_ep = 1;
    epoch *ep = malloc(n_ep * sizeof *ep);
    uint32_t *heap = malloc(n_ep * sizeof *heap);
    if (!ep || !heap) {
        free(ep);
        free(heap);
        return SIZE_MAX;
    }
    for (size_t i = 0; i < n_ep; i++) {
        ep[i].begin = t->len * i / n_ep;
        ep[i].end = t->len * (i + 1) / n_ep;
        epoch_best(t, &ep[i]);
        heap[i] = (uint32_t)i;
    }
    size_t hn = n_ep, tail = capacity;
    for (size_t i = hn / 2; i-- > 0;) heap_down(heap, hn, i, ep);

    while (tail >= MIN_PIECE && ep[heap[0]].score > 0) {
        epoch *e = &ep[heap[0]];
        uint64_t cached = e->score;
        epoch_best(t, e);
        if (e->score < cached && hn > 1) {
            size_t c = (hn > 2 && epoch_before(ep, heap[2], heap[1])) ? 2 : 1;
            if (e->score < ep[heap[c]].score) {
                heap_down(heap, hn, 0, ep);
                continue;
            }
        }
        if (e->score == 0) break;
        size_t len = e->seg_end - e->seg_begin;
        if (len > tail) len = tail; /* the last piece: keep its start */
        tail -= len;
        memcpy(dict + tail, t->buf + e->seg_begin, len);
        for (size_t p = e->seg_begin; p + DMER <= e->seg_end; p++)
            t->cells[t->pos_id[p]].freq = 0;
        epoch_best(t, e);
        heap_down(heap, hn, 0, ep);
    }
    free(ep);
    free(heap);
    return capacity - tail;
}

int rpt_dict_train(const void *const *samples, const size_t *sizes, size_t n,
                   uint8_t *dict, size_t capacity, size_t *dict_len) {
    if (dict_len) *dict_len = 0;
    if (!dict_len || !dict || (n && (!samples || !sizes)) ||
        capacity > RPT_DICT_MAX)
        return RPT_E_ARG;
    for (size_t i = 0; i < n; i++)
        if (sizes[i] && !samples[i]) return RPT_E_ARG;
    if (capacity < MIN_PIECE) return RPT_OK;

    /* Take evenly spaced samples until the budget is spent, so a large
     * set costs no more than a moderate one and the choice is fixed. */
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += sizes[i] < SAMPLE_ONE_MAX ? sizes[i] : SAMPLE_ONE_MAX;
    if (total < MIN_TOTAL) return RPT_OK;
    size_t want = n;
    if (total > SAMPLE_BUDGET)
        want = (size_t)((uint64_t)n * SAMPLE_BUDGET / total);
    if (want == 0) want = 1;
    if (want > n) want = n;
    size_t buf_len = total < SAMPLE_BUDGET ? (size_t)total : SAMPLE_BUDGET;

    size_t *ends = malloc(want * sizeof *ends);
    uint8_t *buf = malloc(buf_len);
    if (!ends || !buf) {
        free(ends);
        free(buf);
        return RPT_E_NOMEM;
    }
    size_t len = 0, n_ends = 0;
    for (size_t k = 0; k < want && len < buf_len; k++) {
        size_t i = (size_t)((uint64_t)k * n / want);
        size_t take = sizes[i] < SAMPLE_ONE_MAX ? sizes[i] : SAMPLE_ONE_MAX;
        if (take > buf_len - len) take = buf_len - len;
        if (take == 0) continue;
        memcpy(buf + len, samples[i], take);
        len += take;
        ends[n_ends++] = len;
    }

    trainer t = {buf, len, NULL, NULL};
    size_t got = 0;
    int rc = count_dmers(&t, ends, n_ends);
    if (rc == RPT_OK) {
        got = select_segments(&t, dict, capacity);
        if (got == SIZE_MAX) {
            rc = RPT_E_NOMEM;
            got = 0;
        }
    }
    if (got > 0 && got < capacity) memmove(dict, dict + capacity - got, got);
    free(t.pos_id);
    free(t.cells);
    free(ends);
    free(buf);
    if (rc != RPT_OK) return rc;
    *dict_len = got;
    return RPT_OK;
}
