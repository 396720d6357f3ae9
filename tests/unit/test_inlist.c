/* SPDX-License-Identifier: ISC */
/* test_inlist.c -- rpt-pack's list of inputs (tools/inlist.c): what goes
 * in comes back, pass after pass, whether it stayed in memory or spilled
 * to the scratch file, and the scratch file lands where it should. */
#include "testlib.h"

#include "inlist.h"

#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#define N_INPUTS 3000

static manifest_row row; /* a pointer an input may carry */
static const uint8_t blob[] = "in memory";

/* Input i, with its strings in the caller's buffers: names and paths of
 * several shapes (path == given == name; all three different; no path). */
static input input_n(size_t i, char *name, char *given, char *path) {
    input e;
    memset(&e, 0, sizeof e);
    snprintf(name, 64, "dir%zu/file-%zu.txt", i % 7, i);
    e.name = name;
    e.size = i * 31;
    e.mtime = (int64_t)i * 1000 - 5;
    switch (i % 3) {
    case 0:
        e.given = name;
        e.path = name;
        break;
    case 1:
        snprintf(given, 64, "manifest line %zu", i);
        snprintf(path, 128, "/srv/bulletins/%zu/%s", i, i % 2 ? "a" : "b");
        e.given = given;
        e.path = path;
        e.row = &row;
        e.have_row_issued = 1;
        e.row_issued = -(int64_t)i;
        break;
    default:
        snprintf(given, 64, "message %zu of 'x.mbox'", i);
        e.given = given;
        e.mem = blob;
        e.mboxrd = 1;
        break;
    }
    return e;
}

static int same_str(const char *a, const char *b) {
    return (a == NULL) == (b == NULL) && (!a || strcmp(a, b) == 0);
}

static int same_input(const input *a, const input *b) {
    return same_str(a->name, b->name) && same_str(a->given, b->given) && same_str(a->path, b->path) &&
           a->size == b->size && a->mtime == b->mtime && a->mem == b->mem && a->mboxrd == b->mboxrd &&
           a->row == b->row && a->have_row_issued == b->have_row_issued && a->row_issued == b->row_issued;
}

/* Fills a list, then reads it back twice, checking every input. */
static void round_trip(inlist *l) {
    char name[64], given[64], path[128];
    for (size_t i = 0; i < N_INPUTS; i++) {
        input e = input_n(i, name, given, path);
        CHECK_EQ_INT(inlist_add(l, &e), 0);
    }
    CHECK_EQ_INT(l->n, N_INPUTS);
    for (int pass = 0; pass < 2; pass++) {
        size_t got = 0, bad = 0;
        input e;
        CHECK_EQ_INT(inlist_rewind(l), 0);
        while (inlist_next(l, &e) == 1) {
            char n2[64], g2[64], p2[128];
            input want = input_n(got, n2, g2, p2);
            bad += !same_input(&e, &want);
            got++;
        }
        CHECK_EQ_INT(got, N_INPUTS);
        CHECK_EQ_INT(bad, 0);
    }
    /* no adding once read */
    input e = input_n(0, name, given, path);
    CHECK_EQ_INT(inlist_add(l, &e), -1);
}

/* The directory the list's scratch file is in, from /proc. */
static int scratch_dir_is(inlist *l, const char *dir) {
    char link[64], target[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fileno(l->file));
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 0) return 0;
    target[n] = '\0';
    return strncmp(target, dir, strlen(dir)) == 0 && target[strlen(dir)] == '/';
}

int main(void) {
    inlist l;
    char dir[] = "/tmp/test_inlist-XXXXXX", tmpdir[] = "/tmp/test_inlist-t-XXXXXX";
    if (!mkdtemp(dir) || !mkdtemp(tmpdir)) SKIP("cannot make a directory in /tmp");
    char real[PATH_MAX], realtmp[PATH_MAX];
    if (!realpath(dir, real) || !realpath(tmpdir, realtmp)) SKIP("realpath failed");

    /* small: stays in memory, no file at all */
    inlist_init(&l, dir, INLIST_MEMORY);
    round_trip(&l);
    CHECK(l.file == NULL);
    inlist_free(&l);

    /* spilled: 4 KiB of memory, the rest in a file next to the archive */
    inlist_init(&l, dir, 4096);
    round_trip(&l);
    CHECK(l.file != NULL);
    if (l.file) CHECK(scratch_dir_is(&l, real));
    CHECK(strcmp(l.where, dir) == 0);
    inlist_free(&l);

    /* the archive's directory unusable: $TMPDIR */
    setenv("TMPDIR", tmpdir, 1);
    inlist_init(&l, "/nonexistent/dir", 4096);
    round_trip(&l);
    if (l.file) CHECK(scratch_dir_is(&l, realtmp));
    CHECK(strcmp(l.where, tmpdir) == 0);
    inlist_free(&l);

    /* nothing named is left behind in either directory */
    CHECK_EQ_INT(rmdir(dir), 0);
    CHECK_EQ_INT(rmdir(tmpdir), 0);
    return t_done("test_inlist");
}
