/* SPDX-License-Identifier: ISC */
/* test_twin.c -- rpt_reader_open_twin(): a second handle on the archive
 * a reader has open, which reads that archive and no other, whatever
 * happens to its path; trusts what the first trusts; and is refused for
 * a reader that cannot give one. */
#include "helpers.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define N 40

/* Record i as a reader gives it: its payload equals sample_text(i). */
static int reads_sample(rpt_reader *r, uint64_t i) {
    rpt_record rec;
    char text[512];
    size_t len = sample_text((unsigned)i, text, sizeof text);
    int rc = rpt_reader_read(r, i, 0, &rec);
    return rc == RPT_OK && rec.data_len == len && memcmp(rec.data, text, len) == 0;
}

typedef struct half {
    rpt_reader *r;
    uint64_t from;
    int bad;
} half;

static void *read_half(void *arg) {
    half *h = arg;
    for (uint64_t i = h->from; i < N; i += 2)
        if (!reads_sample(h->r, i)) h->bad++;
    return NULL;
}

/* The twin reads every record, from another thread at the same time as
 * the first handle, and with the same trust. */
static void test_reads_alongside(rpt_seckey *sk) {
    const char *path = tpath("a.rpt");
    CHECK_EQ_INT(build_archive(path, sk, N, 1), RPT_OK);
    rpt_reader *r = NULL, *t = NULL;
    rpt_pubkey pk;
    rpt_seckey_public(sk, &pk);
    CHECK_EQ_INT(rpt_reader_open_path(&r, path, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_trust(r, &pk), RPT_OK);
    CHECK_EQ_INT(rpt_reader_open_twin(&t, r), RPT_OK);
    CHECK(rpt_reader_count(t) == N);
    half a = {r, 0, 0}, b = {t, 1, 0};
    pthread_t th;
    CHECK_EQ_INT(pthread_create(&th, NULL, read_half, &b), 0);
    read_half(&a);
    pthread_join(th, NULL);
    CHECK_EQ_INT(a.bad, 0);
    CHECK_EQ_INT(b.bad, 0);
    rpt_record rec;
    CHECK_EQ_INT(rpt_reader_read(t, 3, 0, &rec), RPT_OK);
    rpt_reader_free(t);
    t = NULL;
    /* trust comes along: a reader trusting only another key has a twin
     * that refuses the signer too (with nothing trusted, all is read) */
    rpt_seckey *other = test_key(9);
    rpt_pubkey opk;
    rpt_seckey_public(other, &opk);
    rpt_reader *o = NULL, *ot = NULL;
    CHECK_EQ_INT(rpt_reader_open_path(&o, path, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_trust(o, &opk), RPT_OK);
    CHECK_EQ_INT(rpt_reader_open_twin(&ot, o), RPT_OK);
    CHECK_EQ_INT(rpt_reader_read(o, 3, 0, &rec), RPT_E_UNTRUSTED);
    CHECK_EQ_INT(rpt_reader_read(ot, 3, 0, &rec), RPT_E_UNTRUSTED);
    rpt_reader_free(ot);
    rpt_reader_free(o);
    /* and what is trusted later on one handle stays with it */
    rpt_reader *u = NULL, *v = NULL;
    CHECK_EQ_INT(rpt_reader_open_path(&u, path, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_open_twin(&v, u), RPT_OK);
    CHECK_EQ_INT(rpt_reader_trust(u, &pk), RPT_OK);
    CHECK_EQ_INT(rpt_reader_read(u, 3, 0, &rec), RPT_OK);
    CHECK_EQ_INT(rpt_reader_trust(v, &opk), RPT_OK);
    CHECK_EQ_INT(rpt_reader_read(v, 3, 0, &rec), RPT_E_UNTRUSTED);
    rpt_seckey_free(other);
    rpt_reader_free(u);
    rpt_reader_free(v);
    rpt_reader_free(r);
}

/* The path now names another archive, validly sealed, with the same id
 * and records but one word changed: a reader opened by path reads that
 * one; the twin reads the archive its first handle opened. */
static void test_path_replaced(rpt_seckey *sk) {
    const char *path = tpath("b.rpt"), *other = tpath("b2.rpt");
    CHECK_EQ_INT(build_archive(path, sk, N, 1), RPT_OK);
    rpt_reader *r = NULL, *t = NULL;
    CHECK_EQ_INT(rpt_reader_open_path(&r, path, 0), RPT_OK);
    /* the same archive with one payload byte changed, packed afresh */
    rpt_writer *w = NULL;
    rpt_writer_options opt;
    rpt_writer_options_init(&opt);
    opt.threads = 1;
    opt.created = 1700000000;
    static const uint8_t id[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    opt.archive_id = id;
    CHECK_EQ_INT(rpt_writer_open_path(&w, other, 1, sk, &opt), RPT_OK);
    for (unsigned i = 0; i < N; i++) {
        char name[64], text[512];
        rpt_record_info info;
        sample_info(i, name, sizeof name, &info);
        size_t len = sample_text(i, text, sizeof text);
        if (i == 5) text[0] = 'b'; /* "bulletin 5": what the twin must not read */
        CHECK_EQ_INT(rpt_writer_add(w, &info, text, len), RPT_OK);
    }
    CHECK_EQ_INT(rpt_writer_close(w), RPT_OK);
    rpt_writer_free(w);
    CHECK_EQ_INT(rename(other, path), 0);
    CHECK_EQ_INT(rpt_reader_open_twin(&t, r), RPT_OK);
    CHECK(reads_sample(t, 5));
    /* as a reader opened by path now would not */
    rpt_reader *p = NULL;
    CHECK_EQ_INT(rpt_reader_open_path(&p, path, 0), RPT_OK);
    CHECK(!reads_sample(p, 5));
    rpt_reader_free(p);
    rpt_reader_free(t);
    rpt_reader_free(r);
}

/* What the twin and r say of the archive: the same. */
static void same_view(rpt_reader *r, rpt_reader *t) {
    rpt_archive_info a, b;
    CHECK_EQ_INT(rpt_reader_info(r, &a), RPT_OK);
    CHECK_EQ_INT(rpt_reader_info(t, &b), RPT_OK);
    CHECK(rpt_reader_count(r) == rpt_reader_count(t));
    CHECK(a.n_generations == b.n_generations);
    CHECK(a.file_size == b.file_size);
    CHECK(a.tail_bytes == b.tail_bytes);
    CHECK_EQ_INT(a.tail_status, b.tail_status);
}

/* An append after r opened: the twin ends where r ends. An append that
 * cut a damaged tail r saw, and wrote there: the twin still sees r's
 * archive and r's verdict on that tail. */
static void test_appended_since(rpt_seckey *sk) {
    const char *path = tpath("d.rpt");
    CHECK_EQ_INT(build_archive(path, sk, 4, 1), RPT_OK);
    rpt_reader *r = NULL, *t = NULL;
    CHECK_EQ_INT(rpt_reader_open_path(&r, path, 0), RPT_OK);
    CHECK_EQ_INT(append_samples(path, sk, NULL, 100, 3, NULL, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_open_twin(&t, r), RPT_OK);
    CHECK(rpt_reader_count(t) == 4);
    same_view(r, t);
    rpt_reader_free(t);
    rpt_reader_free(r);

    /* a half-written generation after the first: a tail */
    const char *e = tpath("e.rpt");
    CHECK_EQ_INT(build_archive(e, sk, 4, 1), RPT_OK);
    size_t n0, n1;
    uint8_t *g0 = slurp(e, &n0);
    CHECK_EQ_INT(append_samples(e, sk, NULL, 100, 40, NULL, 0), RPT_OK);
    uint8_t *g1 = slurp(e, &n1);
    CHECK(g0 && g1 && n1 > n0 + 200);
    CHECK(spit(e, g1, n1 - 100) == 0);
    r = t = NULL;
    CHECK_EQ_INT(rpt_reader_open_path(&r, e, 0), RPT_OK);
    rpt_archive_info a;
    CHECK_EQ_INT(rpt_reader_info(r, &a), RPT_OK);
    CHECK(a.tail_bytes > 0 && rpt_reader_count(r) == 4);
    /* the append cuts that tail and writes a shorter generation there */
    CHECK_EQ_INT(append_samples(e, sk, NULL, 200, 1, NULL, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_open_twin(&t, r), RPT_OK);
    same_view(r, t);
    CHECK(reads_sample(t, 3));
    rpt_reader_free(t);
    rpt_reader_free(r);
    free(g0);
    free(g1);
}

/* No twin of a stream, a salvage scan, a failed open or nothing. */
static void test_refused(rpt_seckey *sk) {
    const char *path = tpath("c.rpt");
    CHECK_EQ_INT(build_archive(path, sk, 3, 1), RPT_OK);
    rpt_reader *r = NULL, *t = NULL;
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    CHECK_EQ_INT(rpt_reader_open_fd(&r, fd, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_open_twin(&t, r), RPT_E_ARG);
    CHECK(t != NULL && strstr(rpt_reader_error(t), "twin") != NULL);
    rpt_reader_free(t);
    rpt_reader_free(r);
    close(fd);
    r = t = NULL;
    CHECK_EQ_INT(rpt_reader_open_path(&r, path, RPT_OPEN_SALVAGE), RPT_OK);
    CHECK_EQ_INT(rpt_reader_open_twin(&t, r), RPT_E_ARG);
    rpt_reader_free(t);
    rpt_reader_free(r);
    r = t = NULL;
    CHECK(rpt_reader_open_path(&r, tpath("absent.rpt"), 0) != RPT_OK);
    CHECK_EQ_INT(rpt_reader_open_twin(&t, r), RPT_E_ARG);
    rpt_reader_free(t);
    rpt_reader_free(r);
    t = NULL;
    CHECK_EQ_INT(rpt_reader_open_twin(&t, NULL), RPT_E_ARG);
    rpt_reader_free(t);
    CHECK_EQ_INT(rpt_reader_open_twin(NULL, NULL), RPT_E_ARG);
}

int main(void) {
    rpt_seckey *sk = test_key(1);
    test_reads_alongside(sk);
    test_path_replaced(sk);
    test_appended_since(sk);
    test_refused(sk);
    rpt_seckey_free(sk);
    t_cleanup();
    return t_done("test_twin");
}
