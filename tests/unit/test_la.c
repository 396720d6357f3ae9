/* SPDX-License-Identifier: ISC */
/* test_la.c -- libarchive loaded on demand (tools/la.c): every function
 * the tools use is found, a tar written and read back through the table
 * is what went in, and a library that cannot be loaded is a message, not
 * a crash. */
#include "testlib.h"

#ifdef RPT_HAVE_LIBARCHIVE
#include "la.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* A one-member pax tar written to fd through the table. */
static int write_tar(const fe_la *la, int fd, const char *name, const char *text) {
    struct archive *a = la->archive_write_new();
    struct archive_entry *e = la->archive_entry_new();
    size_t n = strlen(text);
    int ok = a && e && la->archive_write_set_format_pax(a) == ARCHIVE_OK &&
             la->archive_write_open_fd(a, fd) == ARCHIVE_OK;
    if (ok) {
        la->archive_entry_set_pathname(e, name);
        la->archive_entry_set_filetype(e, AE_IFREG);
        la->archive_entry_set_perm(e, 0644);
        la->archive_entry_set_size(e, (la_int64_t)n);
        la->archive_entry_set_mtime(e, 1700000000, 0);
        ok = la->archive_write_header(a, e) == ARCHIVE_OK &&
             la->archive_write_data(a, text, n) == (la_ssize_t)n &&
             la->archive_write_close(a) == ARCHIVE_OK;
    }
    if (e) la->archive_entry_free(e);
    if (a) la->archive_write_free(a);
    return ok;
}

/* Reads the tar at path back: its one member's name, mtime and bytes. */
static void read_tar(const fe_la *la, const char *path, const char *name, const char *text) {
    struct archive *a = la->archive_read_new();
    struct archive_entry *e;
    char buf[256];
    CHECK(a != NULL);
    if (!a) return;
    la->archive_read_support_format_tar(a);
    CHECK_EQ_INT(la->archive_read_open_filename(a, path, 4096), ARCHIVE_OK);
    CHECK_EQ_INT(la->archive_read_next_header(a, &e), ARCHIVE_OK);
    CHECK(strcmp(la->archive_entry_pathname(e), name) == 0);
    CHECK(la->archive_entry_mtime_is_set(e));
    CHECK(la->archive_entry_mtime(e) == 1700000000);
    CHECK(la->archive_entry_filetype(e) == AE_IFREG);
    la_ssize_t got = la->archive_read_data(a, buf, sizeof buf);
    CHECK(got == (la_ssize_t)strlen(text));
    if (got > 0) CHECK_MEM(buf, text, (size_t)got);
    CHECK_EQ_INT(la->archive_read_next_header(a, &e), ARCHIVE_EOF);
    la->archive_read_free(a);
}

int main(void) {
    const char *why = NULL;
    fe_la spare;

    /* a name that is not there: NULL, and the loader's words */
    CHECK(fe_la_load_from("libarchive-not-here.so.0", &spare, &why) == NULL);
    CHECK(why != NULL && strstr(why, "libarchive-not-here.so.0") != NULL);
    /* a library without the functions (glibc's libc, where it is that):
     * NULL, naming the first */
    void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_LOCAL);
    if (libc) {
        dlclose(libc);
        why = NULL;
        CHECK(fe_la_load_from("libc.so.6", &spare, &why) == NULL);
        CHECK(why != NULL && strstr(why, "has no archive_error_string") != NULL);
    }

    why = NULL;
    const fe_la *la = fe_la_load(&why);
    if (!la) {
        fprintf(stderr, "test_la: %s\n", why ? why : "?");
        SKIP("libarchive's headers are here but " RPT_LIBARCHIVE_SONAME " cannot be loaded");
    }
    CHECK(fe_la_load(&why) == la); /* loaded once */

    char path[] = "/tmp/rpt-test-la-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK(write_tar(la, fd, "b/weather.txt", "Rain, then sun.\n"));
        close(fd);
        read_tar(la, path, "b/weather.txt", "Rain, then sun.\n");
        unlink(path);
    }
    return t_done("test_la");
}

#else /* built without libarchive's headers */

int main(void) { SKIP("built without libarchive"); }

#endif
