/* SPDX-License-Identifier: ISC */
/* helpers.h -- shared by the archive tests: a fixed test key, temporary
 * paths, whole-file reads and writes, and a small archive builder. */
#ifndef RPT_TEST_HELPERS_H
#define RPT_TEST_HELPERS_H

#include "archive_rpt.h"
#include "testlib.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

static char t_dir[64];

static inline const char *tpath(const char *name) {
    static char buf[4][256];
    static int k;
    if (!t_dir[0]) {
        snprintf(t_dir, sizeof t_dir, "/tmp/rpt-test-XXXXXX");
        if (!mkdtemp(t_dir)) abort();
    }
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", t_dir, name);
    return buf[k];
}

static inline void t_cleanup(void) {
    if (t_dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", t_dir);
        if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", t_dir);
    }
}

static inline rpt_seckey *test_key(uint8_t which) {
    uint8_t seed[32], id[8];
    for (int i = 0; i < 32; i++) seed[i] = (uint8_t)(which * 31 + i);
    for (int i = 0; i < 8; i++) id[i] = (uint8_t)(which * 7 + i + 1);
    rpt_seckey *sk = NULL;
    if (rpt_seckey_from_seed(seed, id, &sk) != RPT_OK) abort();
    return sk;
}

static inline uint8_t *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(n > 0 ? (size_t)n : 1);
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return p;
}

static inline int spit(const char *path, const void *p, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(p, 1, len, f);
    return fclose(f) == 0 && w == len ? 0 : -1;
}

/* Text of record i: deterministic, a few hundred bytes. */
static inline size_t sample_text(unsigned i, char *buf, size_t cap) {
    return (size_t)snprintf(buf, cap,
                            "Bulletin %u\n\nThe Ministry of the Interior reports that %u officers "
                            "took part in operation number %u. Seizures were recorded in %u "
                            "districts, and the weekly report will follow on day %u.\n",
                            i, 10 + i % 17, i * 7, 1 + i % 9, i % 28);
}

static inline void sample_info(unsigned i, char *name, size_t cap, rpt_record_info *info) {
    snprintf(name, cap, "bulletins/%04u.txt", i);
    memset(info, 0, sizeof *info);
    info->name = name;
    info->issued = 1700000000 + (int64_t)i * 3600;
    info->title = "Weekly report";
    info->source = "Ministry of the Interior";
}

/* Writes n sample records to path with key sk. */
static inline int build_archive(const char *path, rpt_seckey *sk, unsigned n, unsigned threads) {
    rpt_writer *w = NULL;
    rpt_writer_options opt;
    rpt_writer_options_init(&opt);
    opt.threads = threads;
    opt.created = 1700000000;
    static const uint8_t id[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    opt.archive_id = id;
    int rc = rpt_writer_open_path(&w, path, 1, sk, &opt);
    for (unsigned i = 0; !rc && i < n; i++) {
        char name[64], text[512];
        rpt_record_info info;
        sample_info(i, name, sizeof name, &info);
        size_t len = sample_text(i, text, sizeof text);
        rc = rpt_writer_add(w, &info, text, len);
    }
    if (!rc) rc = rpt_writer_close(w);
    if (rc) fprintf(stderr, "build_archive: %s\n", rpt_writer_error(w));
    rpt_writer_free(w);
    return rc;
}

/* Appends sample records from .. from + n - 1 to path as a new
 * generation, with opt (NULL: the defaults). The writer's words on
 * failure go to err when given, else to standard error. */
static inline int append_samples(const char *path, rpt_seckey *sk, const rpt_writer_options *opt,
                                 unsigned from, unsigned n, char *err, size_t errlen) {
    rpt_writer *w = NULL;
    int rc = rpt_writer_open_append(&w, path, sk, opt);
    for (unsigned i = from; !rc && i < from + n; i++) {
        char name[64], text[512];
        rpt_record_info info;
        sample_info(i, name, sizeof name, &info);
        rc = rpt_writer_add(w, &info, text, sample_text(i, text, sizeof text));
    }
    if (!rc) rc = rpt_writer_close(w);
    if (err) snprintf(err, errlen, "%s", rpt_writer_error(w));
    else if (rc) fprintf(stderr, "append: %s\n", rpt_writer_error(w));
    rpt_writer_free(w);
    return rc;
}

#endif
