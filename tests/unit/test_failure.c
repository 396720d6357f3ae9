/* SPDX-License-Identifier: ISC */
/* test_failure.c -- the writer's one failure state: the first failure's
 * code and text are kept, and every later call returns that code. */
#include "helpers.h"

/* A message that quotes itself ("failed: failed: ") lost the first one. */
static int msg_is_first(const char *msg, const char *want) {
    return strstr(msg, want) != NULL && strstr(msg, "failed: ") == NULL;
}

static rpt_writer *open_writer(const char *path, rpt_seckey *sk, unsigned threads) {
    rpt_writer *w = NULL;
    rpt_writer_options opt;
    rpt_writer_options_init(&opt);
    opt.threads = threads;
    opt.created = 1700000000;
    CHECK_EQ_INT(rpt_writer_open_path(&w, path, 1, sk, &opt), RPT_OK);
    return w;
}

static void add_named(rpt_writer *w, const char *name, int want) {
    rpt_record_info info;
    memset(&info, 0, sizeof info);
    info.name = name;
    info.issued = 1700000000;
    CHECK_EQ_INT(rpt_writer_add(w, &info, "text", 4), want);
}

/* Bug 2: close after a duplicate add said "the writer has failed: the
 * writer has failed: ", and returned RPT_E_ARG instead of the first code. */
static void test_duplicate_then_close(rpt_seckey *sk, unsigned threads) {
    const char *path = tpath("dup.rpt");
    rpt_writer *w = open_writer(path, sk, threads);
    add_named(w, "a.txt", RPT_OK);
    add_named(w, "a.txt", RPT_E_DUPLICATE);
    CHECK(msg_is_first(rpt_writer_error(w), "two records named 'a.txt'"));
    /* later calls: the first code, the first text */
    add_named(w, "b.txt", RPT_E_DUPLICATE);
    CHECK(msg_is_first(rpt_writer_error(w), "two records named 'a.txt'"));
    uint32_t n;
    CHECK_EQ_INT(rpt_writer_add_dict(w, "dictionary", 10, &n), RPT_E_DUPLICATE);
    CHECK_EQ_INT(rpt_writer_close(w), RPT_E_DUPLICATE);
    CHECK(msg_is_first(rpt_writer_error(w), "two records named 'a.txt'"));
    CHECK_EQ_INT(rpt_writer_close(w), RPT_E_DUPLICATE);
    CHECK(msg_is_first(rpt_writer_error(w), "two records named 'a.txt'"));
    rpt_writer_free(w);
    CHECK(access(path, F_OK) != 0); /* nothing under the final name */
}

static void test_bad_name_then_close(rpt_seckey *sk) {
    const char *path = tpath("badname.rpt");
    rpt_writer *w = open_writer(path, sk, 1);
    add_named(w, "../escape", RPT_E_NAME);
    const char *first = "unsafe or invalid record name '../escape'";
    CHECK(msg_is_first(rpt_writer_error(w), first));
    add_named(w, "ok.txt", RPT_E_NAME);
    CHECK_EQ_INT(rpt_writer_close(w), RPT_E_NAME);
    CHECK(msg_is_first(rpt_writer_error(w), first));
    rpt_writer_free(w);
}

/* A call refused before it changed anything (no record, a dictionary
 * that does not exist, one that comes too late) says why and leaves the
 * writer usable; once the writer has failed, a refusal cannot replace
 * the failure's code or text. */
static void test_refusals(rpt_seckey *sk) {
    const char *path = tpath("refused.rpt");
    rpt_writer *w = open_writer(path, sk, 1);
    rpt_record_info info;
    memset(&info, 0, sizeof info);
    info.name = "a.txt";
    CHECK_EQ_INT(rpt_writer_add_using(w, &info, "x", 1, 7), RPT_E_ARG);
    CHECK(msg_is_first(rpt_writer_error(w), "no dictionary 7"));
    CHECK_EQ_INT(rpt_writer_add(w, NULL, "x", 1), RPT_E_ARG);
    CHECK(msg_is_first(rpt_writer_error(w), "no record given"));
    add_named(w, "a.txt", RPT_OK);
    CHECK_EQ_INT(rpt_writer_add_dict(w, "dictionary", 10, NULL), RPT_E_ARG);
    add_named(w, "a.txt", RPT_E_DUPLICATE);
    CHECK_EQ_INT(rpt_writer_add(w, NULL, "x", 1), RPT_E_DUPLICATE);
    CHECK_EQ_INT(rpt_writer_add_using(w, &info, "x", 1, 7), RPT_E_DUPLICATE);
    CHECK(msg_is_first(rpt_writer_error(w), "two records named 'a.txt'"));
    CHECK_EQ_INT(rpt_writer_close(w), RPT_E_DUPLICATE);
    rpt_writer_free(w);
    CHECK(access(path, F_OK) != 0);

    w = open_writer(path, sk, 1);
    CHECK_EQ_INT(rpt_writer_add(w, NULL, "x", 1), RPT_E_ARG);
    add_named(w, "b.txt", RPT_OK);
    CHECK_EQ_INT(rpt_writer_close(w), RPT_OK);
    rpt_writer_free(w);
    rpt_reader *r = NULL;
    CHECK_EQ_INT(rpt_reader_open_path(&r, path, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_count(r), 1);
    rpt_reader_free(r);
}

/* A closed writer accepts no more records and stays closed. */
static void test_closed(rpt_seckey *sk) {
    const char *path = tpath("closed.rpt");
    rpt_writer *w = open_writer(path, sk, 1);
    add_named(w, "a.txt", RPT_OK);
    CHECK_EQ_INT(rpt_writer_close(w), RPT_OK);
    add_named(w, "b.txt", RPT_E_ARG);
    CHECK(strstr(rpt_writer_error(w), "closed") != NULL);
    CHECK_EQ_INT(rpt_writer_close(w), RPT_OK);
    rpt_writer_free(w);
    rpt_reader *r = NULL;
    CHECK_EQ_INT(rpt_reader_open_path(&r, path, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_count(r), 1);
    rpt_reader_free(r);
}

/* An open that fails keeps its text on the handle, and the handle then
 * refuses everything with that code. */
static void test_failed_open(rpt_seckey *sk) {
    rpt_writer *w = NULL;
    const char *path = tpath("exists.rpt");
    CHECK_EQ_INT(spit(path, "x", 1), 0);
    CHECK_EQ_INT(rpt_writer_open_path(&w, path, 0, sk, NULL), RPT_E_EXISTS);
    CHECK(w != NULL);
    if (!w) return;
    CHECK(strstr(rpt_writer_error(w), "exists") != NULL);
    add_named(w, "a.txt", RPT_E_EXISTS);
    CHECK_EQ_INT(rpt_writer_close(w), RPT_E_EXISTS);
    CHECK(strstr(rpt_writer_error(w), "exists") != NULL);
    CHECK(strstr(rpt_writer_error(w), "failed: ") == NULL);
    rpt_writer_free(w);
    size_t len;
    uint8_t *p = slurp(path, &len);
    CHECK(p && len == 1 && p[0] == 'x');
    free(p);
}

int main(void) {
    CHECK_EQ_INT(rpt_init(), RPT_OK);
    rpt_seckey *sk = test_key(1);
    test_duplicate_then_close(sk, 1);
    test_duplicate_then_close(sk, 3);
    test_bad_name_then_close(sk);
    test_refusals(sk);
    test_closed(sk);
    test_failed_open(sk);
    rpt_seckey_free(sk);
    t_cleanup();
    return t_done("test_failure");
}
