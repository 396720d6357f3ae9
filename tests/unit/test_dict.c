/* SPDX-License-Identifier: ISC */
/* test_dict.c -- rpt_dict_train(): argument checks, determinism, capacity,
 * and that its dictionaries really shrink per-record raw deflate. */
#include "archive_rpt.h"
#include "testlib.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <time.h>
#include <zlib.h>

/* ------------------------------------------------------------ helpers */

/* Bytes of data as raw deflate (windowBits -15, level 9), with an optional
 * preset dictionary: what the writer stores for methods 1 and 2. */
static size_t deflated_size(const uint8_t *data, size_t len, const uint8_t *dict,
                            size_t dict_len) {
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return SIZE_MAX;
    if (dict_len && deflateSetDictionary(&z, dict, (uInt)dict_len) != Z_OK) {
        deflateEnd(&z);
        return SIZE_MAX;
    }
    size_t cap = deflateBound(&z, (uLong)len) + 64;
    uint8_t *out = malloc(cap);
    if (!out) {
        deflateEnd(&z);
        return SIZE_MAX;
    }
    z.next_in = (Bytef *)(uintptr_t)data;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    size_t got = rc == Z_STREAM_END ? cap - z.avail_out : SIZE_MAX;
    deflateEnd(&z);
    free(out);
    return got;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct set {
    uint8_t **data;
    size_t *size;
    size_t n, cap;
} set;

static int set_add(set *s, uint8_t *data, size_t size) {
    if (s->n == s->cap) {
        size_t nc = s->cap ? 2 * s->cap : 64;
        uint8_t **d = realloc(s->data, nc * sizeof *d);
        if (!d) return -1;
        s->data = d;
        size_t *z = realloc(s->size, nc * sizeof *z);
        if (!z) return -1;
        s->size = z;
        s->cap = nc;
    }
    s->data[s->n] = data;
    s->size[s->n++] = size;
    return 0;
}

static void set_free(set *s) {
    for (size_t i = 0; i < s->n; i++) free(s->data[i]);
    free(s->data);
    free(s->size);
    memset(s, 0, sizeof *s);
}

static int train(const set *s, const size_t *pick, size_t n_pick, uint8_t *dict,
                 size_t cap, size_t *dict_len) {
    const void **p = malloc((n_pick ? n_pick : 1) * sizeof *p);
    size_t *z = malloc((n_pick ? n_pick : 1) * sizeof *z);
    int rc = RPT_E_NOMEM;
    if (p && z) {
        for (size_t i = 0; i < n_pick; i++) {
            size_t k = pick ? pick[i] : i;
            p[i] = s->data[k];
            z[i] = s->size[k];
        }
        rc = rpt_dict_train((const void *const *)p, z, n_pick, dict, cap,
                            dict_len);
    }
    free(p);
    free(z);
    return rc;
}

/* ------------------------------------------------- synthetic bulletins */

static uint64_t rng_state;
static uint32_t rng(void) {
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33);
}
#define PICK(a) (a)[rng() % (sizeof(a) / sizeof *(a))]

static const char *places[] = {
    "Northfield", "Ashby Marsh", "Port Calder", "Upper Wendle", "Greyhaven",
    "Milton Cross", "Eastmere", "Hollowbrook", "Saltcombe", "Redwater Valley"};
static const char *agencies[] = {
    "Regional Weather Service", "County Emergency Management Office",
    "Coastal Flood Warning Centre", "Department of Public Health"};
static const char *hazards[] = {"heavy rain", "strong winds", "coastal flooding",
                                "freezing fog", "thunderstorms", "heat"};
static const char *levels[] = {"YELLOW", "AMBER", "RED"};
static const char *sentences[] = {
    "Residents are advised to avoid unnecessary travel and to follow the "
    "instructions of the emergency services.",
    "Motorists should allow extra time for journeys and expect delays on "
    "main roads and bridges.",
    "Schools in the affected area will remain open unless parents are "
    "notified otherwise by the local authority.",
    "Further updates will be issued as the situation develops; check the "
    "official website for the latest information.",
    "Power cuts are possible and mobile phone coverage may be affected in "
    "exposed locations.",
    "Rivers are expected to rise quickly and low-lying properties may be at "
    "risk of flooding from surface water.",
    "Vulnerable people should be checked on by neighbours and relatives "
    "during the period of the warning.",
    "Ferry and rail services may be cancelled at short notice; passengers "
    "should contact their operator before travelling."};
static const char *words[] = {
    "gauge", "ridge", "harbour", "culvert", "levee", "estuary", "orchard",
    "quarry", "viaduct", "meadow", "spillway", "embankment", "moorland"};

typedef struct text {
    char *p;
    size_t len, cap;
} text;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void put(text *t, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (w > 0) t->len += (size_t)w < t->cap - t->len ? (size_t)w : t->cap - t->len - 1;
}

/* Several rng() calls in one argument list would run in an unspecified
 * order, so each value is drawn into a variable first: the same bytes
 * under every compiler. */
static unsigned roll(unsigned n) { return rng() % n; }

static size_t gen_bulletin(char *out, size_t cap, unsigned no) {
    text t = {out, 0, cap};
    const char *place = PICK(places), *hazard = PICK(hazards);
    put(&t, "BULLETIN No. %u/%04u\n", 1000 + no, 2024 + no % 3);
    put(&t, "Issued by: %s\n", PICK(agencies));
    unsigned mon = 1 + roll(12), day = 1 + roll(28), hh = roll(24), mm = roll(60);
    put(&t, "Date: 2024-%02u-%02uT%02u:%02u:00Z\n", mon, day, hh, mm);
    put(&t, "Area: %s and surrounding districts\n", place);
    put(&t, "Warning level: %s\n\n", PICK(levels));
    unsigned from = roll(24), until = roll(24);
    put(&t, "A %s warning for %s is in force from %02u:00 until %02u:00 local "
        "time.\n\n", hazard, place, from, until);
    unsigned paras = 2 + roll(4);
    for (unsigned p = 0; p < paras; p++) {
        unsigned s = 2 + roll(4);
        for (unsigned k = 0; k < s; k++) put(&t, "%s ", PICK(sentences));
        const char *w1 = PICK(words), *w2 = PICK(words), *near = PICK(places);
        unsigned units = roll(90), tenths = roll(10);
        put(&t, "Readings at the %s %s near %s reached %u.%u units. ", w1, w2,
            near, units, tenths);
        put(&t, "Reference %08x.\n\n", rng());
    }
    const char *agency = PICK(agencies);
    unsigned ph1 = roll(1000), ph2 = roll(1000);
    put(&t, "-- \nThis bulletin is published by the %s. It may be copied and "
        "redistributed without alteration. For enquiries call the duty "
        "officer on 0800 %03u %03u.\n", agency, ph1, ph2);
    return t.len;
}

static int make_synthetic(set *s, unsigned count) {
    rng_state = 0x5eed;
    char buf[8192];
    for (unsigned i = 0; i < count; i++) {
        size_t len = gen_bulletin(buf, sizeof buf, i);
        uint8_t *d = malloc(len);
        if (!d || set_add(s, d, len)) {
            free(d);
            return -1;
        }
        memcpy(d, buf, len);
    }
    return 0;
}

/* ------------------------------------------------------------- tests */

static void test_args(void) {
    uint8_t dict[1024];
    size_t len = 99;
    const char *one = "hello";
    const void *smp[1] = {one};
    size_t sz[1] = {5};
    CHECK_EQ_INT(rpt_dict_train(smp, sz, 1, dict, sizeof dict, NULL), RPT_E_ARG);
    CHECK_EQ_INT(rpt_dict_train(smp, sz, 1, NULL, sizeof dict, &len), RPT_E_ARG);
    CHECK_EQ_INT(len, 0);
    CHECK_EQ_INT(rpt_dict_train(NULL, sz, 1, dict, sizeof dict, &len), RPT_E_ARG);
    CHECK_EQ_INT(rpt_dict_train(smp, NULL, 1, dict, sizeof dict, &len), RPT_E_ARG);
    const void *nul[1] = {NULL};
    CHECK_EQ_INT(rpt_dict_train(nul, sz, 1, dict, sizeof dict, &len), RPT_E_ARG);
    static uint8_t big[RPT_DICT_MAX + 1];
    CHECK_EQ_INT(rpt_dict_train(smp, sz, 1, big, sizeof big, &len), RPT_E_ARG);

    /* Nothing or too little to learn from: a valid call, no dictionary. */
    len = 99;
    CHECK_EQ_INT(rpt_dict_train(NULL, NULL, 0, dict, sizeof dict, &len), RPT_OK);
    CHECK_EQ_INT(len, 0);
    len = 99;
    CHECK_EQ_INT(rpt_dict_train(smp, sz, 1, dict, sizeof dict, &len), RPT_OK);
    CHECK_EQ_INT(len, 0);
    const void *tiny[3] = {"ab", "", "abcdefghij"};
    size_t tsz[3] = {2, 0, 10};
    len = 99;
    CHECK_EQ_INT(rpt_dict_train(tiny, tsz, 3, dict, sizeof dict, &len), RPT_OK);
    CHECK_EQ_INT(len, 0);
    /* Empty samples may have NULL pointers. */
    const void *empties[2] = {NULL, NULL};
    size_t esz[2] = {0, 0};
    CHECK_EQ_INT(rpt_dict_train(empties, esz, 2, dict, sizeof dict, &len), RPT_OK);
    CHECK_EQ_INT(len, 0);

    /* One long sample shares nothing with another sample. */
    static uint8_t noise[20000];
    uint32_t x = 1;
    for (size_t i = 0; i < sizeof noise; i++) {
        x = x * 1103515245u + 12345u;
        noise[i] = (uint8_t)(x >> 24);
    }
    const void *ns[1] = {noise};
    size_t nsz[1] = {sizeof noise};
    CHECK_EQ_INT(rpt_dict_train(ns, nsz, 1, dict, sizeof dict, &len), RPT_OK);
    CHECK_EQ_INT(len, 0);
}

static void test_synthetic(void) {
    set s = {0};
    if (make_synthetic(&s, 400)) {
        CHECK(!"out of memory");
        set_free(&s);
        return;
    }
    /* Train on the even records, judge on the odd ones it never saw. */
    size_t n_train = s.n / 2, pick[200];
    for (size_t i = 0; i < n_train; i++) pick[i] = 2 * i;

    static uint8_t d1[RPT_DICT_MAX], d2[RPT_DICT_MAX], small[4000];
    size_t l1 = 0, l2 = 0, ls = 0;
    CHECK_EQ_INT(train(&s, pick, n_train, d1, sizeof d1, &l1), RPT_OK);
    CHECK_EQ_INT(train(&s, pick, n_train, d2, sizeof d2, &l2), RPT_OK);
    CHECK(l1 > 0 && l1 <= RPT_DICT_MAX);
    CHECK_EQ_INT(l1, l2);
    CHECK(l1 == l2 && memcmp(d1, d2, l1) == 0);

    /* Capacity is a hard limit, and the canary after it stays intact. */
    memset(small, 0xA5, sizeof small);
    CHECK_EQ_INT(train(&s, pick, n_train, small, 3000, &ls), RPT_OK);
    CHECK(ls > 0 && ls <= 3000);
    int canary = 1;
    for (size_t i = 3000; i < sizeof small; i++) canary &= small[i] == 0xA5;
    CHECK(canary);

    size_t in = 0, plain = 0, with = 0, with_small = 0;
    for (size_t i = 1; i < s.n; i += 2) {
        in += s.size[i];
        plain += deflated_size(s.data[i], s.size[i], NULL, 0);
        with += deflated_size(s.data[i], s.size[i], d1, l1);
        with_small += deflated_size(s.data[i], s.size[i], small, ls);
    }
    printf("synthetic: %zu records, %zu bytes: plain %.3f, dict %zu B %.3f, "
           "dict %zu B %.3f\n", s.n / 2, in, (double)plain / (double)in, l1,
           (double)with / (double)in, ls, (double)with_small / (double)in);
    CHECK(with * 100 <= plain * 85);   /* at least 15% smaller */
    CHECK(with_small < plain);
    set_free(&s);
}

/* More than the trainer samples, and one record larger than it takes from
 * any one: the subset it picks is fixed, and the limits hold. */
static void test_large(void) {
    set s = {0};
    if (make_synthetic(&s, 3000)) {
        CHECK(!"out of memory");
        set_free(&s);
        return;
    }
    size_t big_len = 300000;
    uint8_t *big = malloc(big_len);
    if (!big || set_add(&s, big, big_len)) {
        free(big);
        CHECK(!"out of memory");
        set_free(&s);
        return;
    }
    for (size_t i = 0; i < big_len; i++)
        big[i] = s.data[i % 7][(i / 7) % s.size[i % 7]];
    static uint8_t d1[RPT_DICT_MAX], d2[RPT_DICT_MAX];
    size_t l1 = 0, l2 = 0;
    CHECK_EQ_INT(train(&s, NULL, s.n, d1, sizeof d1, &l1), RPT_OK);
    CHECK_EQ_INT(train(&s, NULL, s.n, d2, sizeof d2, &l2), RPT_OK);
    CHECK(l1 > 0 && l1 <= RPT_DICT_MAX);
    CHECK(l1 == l2 && memcmp(d1, d2, l1) == 0);
    size_t plain = 0, with = 0;
    for (size_t i = 0; i < 3000; i += 10) {
        plain += deflated_size(s.data[i], s.size[i], NULL, 0);
        with += deflated_size(s.data[i], s.size[i], d1, l1);
    }
    CHECK(with * 100 <= plain * 85);
    set_free(&s);
}

/* ---------------------------------------------------- the real corpus */

static int name_cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads every regular file of dir, in name order. Returns -1 when the
 * folder is missing. */
static int load_dir(const char *dir, set *s) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) break;
            names = nn;
        }
        names[n] = strdup(e->d_name);
        if (names[n]) n++;
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, name_cmp);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "rb");
        free(names[i]);
        if (!f) continue;
        uint8_t *buf = NULL;
        size_t len = 0, bcap = 0, got;
        do {
            if (len == bcap) {
                bcap = bcap ? 2 * bcap : 16384;
                uint8_t *nb = realloc(buf, bcap);
                if (!nb) break;
                buf = nb;
            }
            got = fread(buf + len, 1, bcap - len, f);
            len += got;
        } while (got > 0);
        fclose(f);
        if (!buf || set_add(s, buf, len)) free(buf);
    }
    free(names);
    return 0;
}

typedef struct tally {
    size_t in, out;
} tally;

static void judge(const set *s, const uint8_t *dict, size_t dict_len, tally *t) {
    for (size_t i = 0; i < s->n; i++) {
        t->in += s->size[i];
        t->out += deflated_size(s->data[i], s->size[i], dict, dict_len);
    }
}

static double ratio(tally t) {
    return t.in ? (double)t.out / (double)t.in : 0.0;
}

/* Trains on k evenly spaced records of all (every record when k == 0). */
static double train_spaced(const set *all, size_t k, uint8_t *dict,
                           size_t *len) {
    size_t *pick = malloc((all->n ? all->n : 1) * sizeof *pick);
    if (!pick) return -1;
    if (k == 0 || k > all->n) k = all->n;
    for (size_t i = 0; i < k; i++) pick[i] = i * all->n / k;
    double t0 = now_s();
    int rc = train(all, pick, k, dict, RPT_DICT_MAX, len);
    double t = now_s() - t0;
    free(pick);
    CHECK_EQ_INT(rc, RPT_OK);
    return t;
}

static void report(const char *what, const set *news, const set *mail,
                   const uint8_t *dn, size_t ln, const uint8_t *dm, size_t lm,
                   tally *pn, tally *pm) {
    tally n = {0, 0}, m = {0, 0};
    judge(news, dn, ln, &n);
    judge(mail, dm, lm, &m);
    tally all = {n.in + m.in, n.out + m.out};
    printf("  %-34s news %.4f  mail %.4f  whole %.4f (%zu B)\n", what,
           ratio(n), ratio(m), ratio(all), all.out);
    if (pn) *pn = n;
    if (pm) *pm = m;
}

static void test_corpus(void) {
    set news = {0}, mail = {0}, all = {0};
    if (load_dir("../shared/corpus/news", &news) ||
        load_dir("../shared/corpus/mail", &mail) || news.n + mail.n == 0) {
        printf("corpus: ../shared/corpus absent, skipped\n");
        set_free(&news);
        set_free(&mail);
        return;
    }
    /* all borrows the records of news and mail, in that order. */
    for (size_t i = 0; i < news.n; i++) set_add(&all, news.data[i], news.size[i]);
    for (size_t i = 0; i < mail.n; i++) set_add(&all, mail.data[i], mail.size[i]);

    static uint8_t dict[RPT_DICT_MAX];
    size_t len = 0;
    double secs = train_spaced(&all, 400, dict, &len);
    printf("corpus: %zu news + %zu mail records; dictionary %zu B from 400 "
           "records in %.3f s\n", news.n, mail.n, len, secs);
    tally n0, m0, n1, m1;
    report("raw deflate -9, no dictionary", &news, &mail, NULL, 0, NULL, 0, &n0,
           &m0);
    report("with the dictionary", &news, &mail, dict, len, dict, len, &n1, &m1);
    CHECK(len > 0);
    CHECK(n1.out < n0.out);
    CHECK(m1.out < m0.out);

    if (getenv("RPT_DICT_BENCH")) {
        /* What a pack does: every record offered, the trainer subsets. */
        secs = train_spaced(&all, 0, dict, &len);
        printf("  trained on all %zu records: %zu B in %.3f s\n", all.n, len,
               secs);
        report("dictionary from all records", &news, &mail, dict, len, dict,
               len, NULL, NULL);
        static uint8_t dn[RPT_DICT_MAX], dm[RPT_DICT_MAX];
        size_t ln = 0, lm = 0;
        double sn = train_spaced(&news, 0, dn, &ln);
        double sm = train_spaced(&mail, 0, dm, &lm);
        printf("  per-folder dictionaries: news %zu B %.3f s, mail %zu B "
               "%.3f s\n", ln, sn, lm, sm);
        report("each folder its own dictionary", &news, &mail, dn, ln, dm, lm,
               NULL, NULL);
    }
    free(all.data);
    free(all.size);
    set_free(&news);
    set_free(&mail);
}

int main(void) {
    test_args();
    test_synthetic();
    test_large();
    test_corpus();
    return t_done("test_dict");
}
