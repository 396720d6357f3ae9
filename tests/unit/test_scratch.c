/* SPDX-License-Identifier: ISC */
/* test_scratch.c -- where the writer's index entries and the verifier's
 * large INDX wait on disk: next to the archive being written, else in
 * $TMPDIR (not always /tmp, which is often a small RAM disk), and a
 * TMPDIR that cannot be used is a clear error naming it. Where a scratch
 * file is, /proc/self/fd says while it is open. */
#include "helpers.h"
#include "internal.h"
#include "reader.h"

#include <dirent.h>
#include <errno.h>

/* More records than the writer keeps in memory before it spills. */
#define MANY 3000

/* Open descriptors whose file is (or was, if unlinked) in dir. */
static int fds_in(const char *dir) {
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    size_t n = strlen(dir);
    int found = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char link[300], to[1024];
        snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
        ssize_t k = readlink(link, to, sizeof to - 1);
        if (k <= 0) continue;
        to[k] = 0;
        if (strncmp(to, dir, n) == 0 && to[n] == '/') found++;
    }
    closedir(d);
    return found;
}

static int entries_in(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

static int add_many(rpt_writer *w, unsigned n) {
    int rc = RPT_OK;
    for (unsigned i = 0; !rc && i < n; i++) {
        char name[64], text[512];
        rpt_record_info info;
        sample_info(i, name, sizeof name, &info);
        rc = rpt_writer_add(w, &info, text, sample_text(i, text, sizeof text));
    }
    return rc;
}

/* A writer to a descriptor has no directory of its own: TMPDIR. While it
 * writes, the scratch file is open there and nowhere else in the way. */
static void test_fd_writer_uses_tmpdir(rpt_seckey *sk, const char *tmp) {
    setenv("TMPDIR", tmp, 1);
    int fd = open(tpath("fd.rpt"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    CHECK(fd >= 0);
    rpt_writer *w = NULL;
    CHECK_EQ_INT(rpt_writer_open_fd(&w, fd, sk, NULL), RPT_OK);
    CHECK_EQ_INT(add_many(w, MANY), RPT_OK);
    CHECK(fds_in(tmp) >= 1);
    CHECK_EQ_INT(rpt_writer_close(w), RPT_OK);
    rpt_writer_free(w);
    close(fd);
    CHECK_EQ_INT(fds_in(tmp), 0);
    CHECK_EQ_INT(entries_in(tmp), 0); /* nothing left behind */
}

/* TMPDIR was set because /tmp will not do: falling back to /tmp would
 * put back the problem it was set to avoid. */
static void test_fd_writer_bad_tmpdir(rpt_seckey *sk) {
    setenv("TMPDIR", "/nonexistent", 1);
    int fd = open(tpath("fd.rpt"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    rpt_writer *w = NULL;
    CHECK_EQ_INT(rpt_writer_open_fd(&w, fd, sk, NULL), RPT_OK);
    int rc = add_many(w, MANY);
    if (!rc) rc = rpt_writer_close(w);
    CHECK_EQ_INT(rc, RPT_E_IO);
    const char *msg = rpt_writer_error(w);
    CHECK(strstr(msg, "scratch file") != NULL);
    CHECK(strstr(msg, "'/nonexistent'") != NULL);
    CHECK(strstr(msg, strerror(ENOENT)) != NULL);
    if (rc != RPT_E_IO || !strstr(msg, "'/nonexistent'")) fprintf(stderr, "  message: %s\n", msg);
    rpt_writer_free(w);
    close(fd);
}

/* A writer with a path spills next to the archive, whose file system
 * has room for it, whatever TMPDIR says. */
static void test_path_writer_uses_its_directory(rpt_seckey *sk, const char *dir) {
    setenv("TMPDIR", "/nonexistent", 1);
    char path[400];
    snprintf(path, sizeof path, "%s/out.rpt", dir);
    rpt_writer *w = NULL;
    CHECK_EQ_INT(rpt_writer_open_path(&w, path, 1, sk, NULL), RPT_OK);
    int before = fds_in(dir); /* the archive's own temporary */
    CHECK_EQ_INT(add_many(w, MANY), RPT_OK);
    CHECK(fds_in(dir) > before);
    CHECK_EQ_INT(rpt_writer_close(w), RPT_OK);
    rpt_writer_free(w);
    CHECK_EQ_INT(entries_in(dir), 1); /* the archive, and nothing else */
}

/* The most scratch files seen open in dir during a verification. */
typedef struct seen_in {
    const char *dir;
    int most;
} seen_in;

static int look_in(const rpt_verify_event *ev, void *ctx) {
    seen_in *s = ctx;
    (void)ev;
    int n = fds_in(s->dir);
    if (n > s->most) s->most = n;
    return 0;
}

/* The verifier only reads: it spills into TMPDIR, never next to an
 * archive that may be on read-only media or in someone else's directory. */
static void test_verifier_uses_tmpdir(const char *archive, const rpt_pubkey *pk, const char *tmp) {
    uint32_t spill_min = rpti_indx_spill_min;
    rpti_indx_spill_min = 0;
    setenv("TMPDIR", "/nonexistent", 1);
    rpt_reader *r = NULL;
    rpt_verify_summary sum;
    CHECK_EQ_INT(rpt_reader_open_path(&r, archive, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_trust(r, pk), RPT_OK);
    CHECK_EQ_INT(rpt_reader_verify(r, NULL, NULL, &sum), RPT_E_IO);
    const char *msg = rpt_reader_error(r);
    CHECK(strstr(msg, "scratch file") != NULL);
    CHECK(strstr(msg, "'/nonexistent'") != NULL);
    if (!strstr(msg, "'/nonexistent'")) fprintf(stderr, "  message: %s\n", msg);
    rpt_reader_free(r);

    setenv("TMPDIR", tmp, 1);
    CHECK_EQ_INT(rpt_reader_open_path(&r, archive, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_trust(r, pk), RPT_OK);
    seen_in seen = {tmp, 0};
    CHECK_EQ_INT(rpt_reader_verify(r, look_in, &seen, &sum), RPT_OK);
    CHECK_EQ_INT(sum.ok, MANY);
    CHECK(seen.most >= 1);
    rpt_reader_free(r);
    CHECK_EQ_INT(fds_in(tmp), 0);
    CHECK_EQ_INT(entries_in(tmp), 0);
    rpti_indx_spill_min = spill_min;
}

int main(void) {
    CHECK_EQ_INT(rpt_init(), RPT_OK);
    rpt_seckey *sk = test_key(1);
    rpt_pubkey pk;
    rpt_seckey_public(sk, &pk);
    char tmp[300], out[300];
    snprintf(tmp, sizeof tmp, "%s", tpath("tmp"));
    snprintf(out, sizeof out, "%s", tpath("out"));
    CHECK_EQ_INT(mkdir(tmp, 0700), 0);
    CHECK_EQ_INT(mkdir(out, 0700), 0);
    test_fd_writer_uses_tmpdir(sk, tmp);
    test_fd_writer_bad_tmpdir(sk);
    test_path_writer_uses_its_directory(sk, out);
    char archive[400];
    snprintf(archive, sizeof archive, "%s/out.rpt", out);
    test_verifier_uses_tmpdir(archive, &pk, tmp);
    unsetenv("TMPDIR");
    rpt_seckey_free(sk);
    t_cleanup();
    return t_done("test_scratch");
}
