/* SPDX-License-Identifier: ISC */
/* test_archive.c -- writer and reader together: round trips, lookups,
 * streaming through a pipe, threads, appends and their chain of seals. */
#include "helpers.h"

#include <pthread.h>
#include <sys/wait.h>

static int count_cb(const rpt_verify_event *ev, void *ctx) {
    (void)ev;
    (*(int *)ctx)++;
    return 0;
}

static void test_roundtrip(rpt_seckey *sk) {
    const char *a = tpath("rt.rpt");
    CHECK_EQ_INT(build_archive(a, sk, 50, 1), RPT_OK);
    rpt_reader *r = NULL;
    CHECK_EQ_INT(rpt_reader_open_path(&r, a, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_count(r), 50);
    for (unsigned i = 0; i < 50; i++) {
        char name[64], text[512];
        rpt_record_info info;
        sample_info(i, name, sizeof name, &info);
        size_t len = sample_text(i, text, sizeof text);
        uint64_t k = 999;
        CHECK_EQ_INT(rpt_reader_find(r, name, &k), RPT_OK);
        CHECK_EQ_INT(k, i);
        rpt_record rec;
        CHECK_EQ_INT(rpt_reader_read(r, k, 0, &rec), RPT_OK);
        CHECK(rec.data_len == len && memcmp(rec.data, text, len) == 0);
        CHECK(strcmp(rec.name, name) == 0);
        CHECK(strcmp(rec.title, "Weekly report") == 0);
        CHECK(strcmp(rec.source, "Ministry of the Interior") == 0);
        CHECK(strcmp(rec.media_type, RPT_DEFAULT_MEDIA_TYPE) == 0);
        CHECK_EQ_INT(rec.issued, info.issued);
        CHECK_EQ_INT(rec.trusted, 0);
    }
    uint64_t k;
    CHECK_EQ_INT(rpt_reader_find(r, "bulletins/9999.txt", &k), RPT_E_NOTFOUND);
    rpt_pubkey pk;
    rpt_seckey_public(sk, &pk);
    CHECK_EQ_INT(rpt_reader_trust(r, &pk), RPT_OK);
    rpt_record rec;
    CHECK_EQ_INT(rpt_reader_read(r, 3, 0, &rec), RPT_OK);
    CHECK_EQ_INT(rec.trusted, 1);
    rpt_verify_summary sum;
    int events = 0;
    CHECK_EQ_INT(rpt_reader_verify(r, count_cb, &events, &sum), RPT_OK);
    CHECK_EQ_INT(sum.records, 50);
    CHECK_EQ_INT(sum.ok, 50);
    CHECK_EQ_INT(sum.generations, 1);
    CHECK_EQ_INT(events, 50);
    rpt_reader_free(r);

    /* a reader that trusts another key: every record is untrusted */
    rpt_seckey *other = test_key(9);
    rpt_seckey_public(other, &pk);
    CHECK_EQ_INT(rpt_reader_open_path(&r, a, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_trust(r, &pk), RPT_OK);
    CHECK_EQ_INT(rpt_reader_read(r, 0, 0, &rec), RPT_E_UNTRUSTED);
    CHECK_EQ_INT(rpt_reader_verify(r, NULL, NULL, &sum), RPT_E_UNTRUSTED);
    CHECK_EQ_INT(sum.untrusted, 50);
    rpt_reader_free(r);
    rpt_seckey_free(other);
}

static void test_threads_identical(rpt_seckey *sk) {
    size_t l1, l2, l8;
    CHECK_EQ_INT(build_archive(tpath("j1.rpt"), sk, 300, 1), RPT_OK);
    CHECK_EQ_INT(build_archive(tpath("j2.rpt"), sk, 300, 2), RPT_OK);
    CHECK_EQ_INT(build_archive(tpath("j8.rpt"), sk, 300, 8), RPT_OK);
    uint8_t *a = slurp(tpath("j1.rpt"), &l1), *b = slurp(tpath("j2.rpt"), &l2),
            *c = slurp(tpath("j8.rpt"), &l8);
    CHECK(a && b && c);
    CHECK(l1 == l2 && l1 == l8);
    CHECK(a && b && c && memcmp(a, b, l1) == 0 && memcmp(a, c, l1) == 0);
    free(a);
    free(b);
    free(c);
}

typedef struct {
    int fd;
    rpt_seckey *sk;
} pipe_arg;

static void *pipe_writer(void *arg) {
    pipe_arg *pa = arg;
    rpt_writer *w = NULL;
    int rc = rpt_writer_open_fd(&w, pa->fd, pa->sk, NULL);
    for (unsigned i = 0; !rc && i < 40; i++) {
        char name[64], text[512];
        rpt_record_info info;
        sample_info(i, name, sizeof name, &info);
        rc = rpt_writer_add(w, &info, text, sample_text(i, text, sizeof text));
    }
    if (!rc) rc = rpt_writer_close(w);
    rpt_writer_free(w);
    close(pa->fd);
    return (void *)(intptr_t)rc;
}

static void test_pipe(rpt_seckey *sk) {
    int p[2];
    CHECK(pipe(p) == 0);
    pipe_arg pa = {p[1], sk};
    pthread_t th;
    pthread_create(&th, NULL, pipe_writer, &pa);
    rpt_reader *r = NULL;
    CHECK_EQ_INT(rpt_reader_open_fd(&r, p[0], 0), RPT_OK);
    unsigned n = 0;
    rpt_record rec;
    int rc;
    while ((rc = rpt_reader_next(r, &rec)) == RPT_OK) {
        char text[512];
        size_t len = sample_text(n, text, sizeof text);
        CHECK(rec.data_len == len && memcmp(rec.data, text, len) == 0);
        n++;
    }
    CHECK_EQ_INT(rc, 1);
    CHECK_EQ_INT(n, 40);
    void *ret;
    pthread_join(th, &ret);
    CHECK_EQ_INT((intptr_t)ret, RPT_OK);
    rpt_reader_free(r);
    close(p[0]);
}

/* The keys an append trusts to have sealed earlier generations: the
 * test signers 1 and 2 (test_key), whichever appends. */
static rpt_pubkey test_sealers[2];

static int append_n(const char *path, rpt_seckey *sk, unsigned from, unsigned n) {
    rpt_writer_options opt;
    rpt_writer_options_init(&opt);
    opt.trusted = test_sealers;
    opt.n_trusted = 2;
    return append_samples(path, sk, &opt, from, n, NULL, 0);
}

static void test_append(rpt_seckey *sk) {
    const char *a = tpath("ap.rpt");
    CHECK_EQ_INT(build_archive(a, sk, 10, 1), RPT_OK);
    struct stat st;
    stat(a, &st);
    off_t gen1 = st.st_size;
    CHECK_EQ_INT(append_n(a, sk, 10, 5), RPT_OK);
    /* a second signer in generation 3 */
    rpt_seckey *k2 = test_key(2);
    rpt_seckey_public(sk, &test_sealers[0]);
    rpt_seckey_public(k2, &test_sealers[1]);
    unsigned total = 15;
    for (unsigned g = 0; g < 12; g++) {
        CHECK_EQ_INT(append_n(a, g % 3 ? sk : k2, total, 1 + g), RPT_OK);
        total += 1 + g;
    }
    rpt_reader *r = NULL;
    CHECK_EQ_INT(rpt_reader_open_path(&r, a, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_count(r), total);
    rpt_archive_info ai;
    CHECK_EQ_INT(rpt_reader_info(r, &ai), RPT_OK);
    CHECK_EQ_INT(ai.n_generations, 14);
    CHECK_EQ_INT(ai.n_keys, 2);
    for (unsigned i = 0; i < total; i++) {
        char name[64];
        rpt_record_info info;
        uint64_t k = 0;
        sample_info(i, name, sizeof name, &info);
        CHECK_EQ_INT(rpt_reader_find(r, name, &k), RPT_OK);
        CHECK_EQ_INT(k, i);
    }
    rpt_verify_summary sum;
    CHECK_EQ_INT(rpt_reader_verify(r, NULL, NULL, &sum), RPT_OK);
    CHECK_EQ_INT(sum.generations, 14);
    CHECK_EQ_INT(sum.ok, total);
    /* the live segments stay few: log2(N) + 1 */
    size_t segs = 0;
    for (uint64_t n = total; n; n >>= 1) segs++;
    CHECK(ai.index_bytes > 0);
    rpt_reader_free(r);

    /* a duplicate name is refused and the archive is left as it was */
    stat(a, &st);
    off_t before = st.st_size;
    rpt_writer *w = NULL;
    rpt_writer_options opt;
    rpt_writer_options_init(&opt);
    opt.trusted = test_sealers;
    opt.n_trusted = 2;
    CHECK_EQ_INT(rpt_writer_open_append(&w, a, sk, &opt), RPT_OK);
    char name[64], text[512];
    rpt_record_info info;
    sample_info(3, name, sizeof name, &info);
    CHECK_EQ_INT(rpt_writer_add(w, &info, text, sample_text(3, text, sizeof text)), RPT_E_DUPLICATE);
    rpt_writer_free(w);
    stat(a, &st);
    CHECK_EQ_INT(st.st_size, before);

    /* cut back to the end of generation 1: that generation, valid */
    size_t len;
    uint8_t *all = slurp(a, &len);
    const char *b = tpath("gen1.rpt");
    CHECK(spit(b, all, (size_t)gen1) == 0);
    CHECK_EQ_INT(rpt_reader_open_path(&r, b, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_count(r), 10);
    CHECK_EQ_INT(rpt_reader_verify(r, NULL, NULL, &sum), RPT_OK);
    rpt_reader_free(r);

    /* a crash during an append, before its seal was whole: the earlier
     * generation opens, the tail is reported, and the next append cuts
     * it off (a tail that holds a whole seal is refused: test_append.c) */
    CHECK(spit(b, all, len - RPT_TRAILER_BYTES - 100) == 0);
    CHECK_EQ_INT(rpt_reader_open_path(&r, b, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_info(r, &ai), RPT_OK);
    CHECK_EQ_INT(ai.n_generations, 13);
    CHECK(ai.tail_bytes > 0);
    CHECK_EQ_INT(rpt_reader_verify(r, NULL, NULL, &sum), RPT_E_TRUNCATED);
    CHECK_EQ_INT(sum.generations, 13);
    rpt_reader_free(r);
    CHECK_EQ_INT(append_n(b, sk, 1000, 2), RPT_OK);
    CHECK_EQ_INT(rpt_reader_open_path(&r, b, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_verify(r, NULL, NULL, &sum), RPT_OK);
    CHECK_EQ_INT(sum.generations, 14);
    rpt_reader_free(r);
    free(all);
    rpt_seckey_free(k2);
}

static void test_dictionaries(rpt_seckey *sk) {
    const char *a = tpath("dict.rpt");
    static const char d0[] = "The Ministry of the Interior reports that officers took part in operation";
    static const char d1[] = "completely different words: harbour, ferry, gale, tide, coast guard";
    rpt_writer *w = NULL;
    uint32_t n0 = 9, n1 = 9;
    CHECK_EQ_INT(rpt_writer_open_path(&w, a, 1, sk, NULL), RPT_OK);
    CHECK_EQ_INT(rpt_writer_add_dict(w, d0, sizeof d0 - 1, &n0), RPT_OK);
    CHECK_EQ_INT(rpt_writer_add_dict(w, d1, sizeof d1 - 1, &n1), RPT_OK);
    CHECK_EQ_INT(n0, 0);
    CHECK_EQ_INT(n1, 1);
    CHECK_EQ_INT(rpt_writer_add_dict(w, d0, 0, NULL), RPT_E_LIMIT);
    char name[64], text[512];
    rpt_record_info info;
    size_t len;
    sample_info(0, name, sizeof name, &info);
    len = sample_text(0, text, sizeof text);
    CHECK_EQ_INT(rpt_writer_add(w, &info, text, len), RPT_OK); /* tries both: 0 wins */
    sample_info(1, name, sizeof name, &info);
    CHECK_EQ_INT(rpt_writer_add_using(w, &info, text, len, 1), RPT_OK);
    sample_info(2, name, sizeof name, &info);
    CHECK_EQ_INT(rpt_writer_add_using(w, &info, text, len, RPT_DICT_NONE), RPT_OK);
    sample_info(3, name, sizeof name, &info);
    CHECK_EQ_INT(rpt_writer_add_using(w, &info, text, len, 7), RPT_E_ARG);
    CHECK_EQ_INT(rpt_writer_add_dict(w, d0, sizeof d0 - 1, NULL), RPT_E_ARG); /* too late */
    CHECK_EQ_INT(rpt_writer_close(w), RPT_OK);
    rpt_writer_free(w);
    rpt_reader *r = NULL;
    rpt_record rec;
    CHECK_EQ_INT(rpt_reader_open_path(&r, a, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_read(r, 0, 0, &rec), RPT_OK);
    CHECK(rec.method == RPT_METHOD_DEFLATE_DICT && rec.dict == 0);
    CHECK(rec.data_len == len && memcmp(rec.data, text, len) == 0);
    CHECK_EQ_INT(rpt_reader_read(r, 1, 0, &rec), RPT_OK);
    CHECK(rec.method == RPT_METHOD_DEFLATE_DICT && rec.dict == 1);
    CHECK(rec.data_len == len && memcmp(rec.data, text, len) == 0);
    CHECK_EQ_INT(rpt_reader_read(r, 2, 0, &rec), RPT_OK);
    CHECK_EQ_INT(rec.method, RPT_METHOD_DEFLATE);
    rpt_archive_info ai;
    CHECK_EQ_INT(rpt_reader_info(r, &ai), RPT_OK);
    CHECK_EQ_INT(ai.n_dicts, 2);
    CHECK_EQ_INT(ai.dict_sizes[1], sizeof d1 - 1);
    rpt_reader_free(r);
    /* an append may use the dictionaries of earlier generations, and
     * counts only the bytes it adds */
    struct stat st0, st1;
    CHECK(stat(a, &st0) == 0);
    CHECK_EQ_INT(rpt_writer_open_append(&w, a, sk, NULL), RPT_OK);
    sample_info(4, name, sizeof name, &info);
    CHECK_EQ_INT(rpt_writer_add_using(w, &info, text, len, 0), RPT_OK);
    CHECK_EQ_INT(rpt_writer_close(w), RPT_OK);
    CHECK(stat(a, &st1) == 0);
    CHECK_EQ_INT(rpt_writer_bytes(w), st1.st_size - st0.st_size);
    CHECK_EQ_INT(rpt_writer_records(w), 1);
    rpt_writer_free(w);
    CHECK_EQ_INT(rpt_reader_open_path(&r, a, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_read(r, 3, 0, &rec), RPT_OK);
    CHECK(rec.method == RPT_METHOD_DEFLATE_DICT && rec.dict == 0);
    rpt_reader_free(r);
}

/* rpt_writer_records() counts every record taken, with worker threads
 * too, where the ones still being compressed are not written yet. */
static void test_records_taken(rpt_seckey *sk) {
    for (unsigned threads = 1; threads <= 4; threads += 3) {
        rpt_writer *w = NULL;
        rpt_writer_options opt;
        rpt_writer_options_init(&opt);
        opt.threads = threads;
        CHECK_EQ_INT(rpt_writer_open_path(&w, tpath("taken.rpt"), 1, sk, &opt), RPT_OK);
        for (unsigned i = 0; i < 64; i++) {
            char name[64], text[512];
            rpt_record_info info;
            sample_info(i, name, sizeof name, &info);
            CHECK_EQ_INT(rpt_writer_add(w, &info, text, sample_text(i, text, sizeof text)), RPT_OK);
            CHECK(rpt_writer_records(w) == i + 1);
        }
        CHECK_EQ_INT(rpt_writer_close(w), RPT_OK);
        CHECK(rpt_writer_records(w) == 64);
        rpt_writer_free(w);
    }
}

int main(void) {
    CHECK_EQ_INT(rpt_init(), RPT_OK);
    rpt_seckey *sk = test_key(1);
    test_roundtrip(sk);
    test_threads_identical(sk);
    test_pipe(sk);
    test_append(sk);
    test_dictionaries(sk);
    test_records_taken(sk);
    rpt_seckey_free(sk);
    t_cleanup();
    return t_done("test_archive");
}
