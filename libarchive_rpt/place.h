/* SPDX-License-Identifier: ISC */
/* place.h -- writing a new file under a temporary and moving it into
 * place when complete, and scratch files for what does not fit in
 * memory (place.c). */
#ifndef RPT_PLACE_H
#define RPT_PLACE_H

#include "internal.h"

#include <sys/types.h>

typedef struct rpti_place {
    char *path;    /* the final name */
    char *tmp;     /* the temporary's name; NULL while it has none */
    int fd;        /* write here; -1 once committed or discarded */
    int overwrite; /* a regular file at path may be replaced */
} rpti_place;

/* Opens a temporary for path, created with mode (the umask applies).
 * Refuses, before anything is written, a path that holds anything but a
 * regular file, and an existing file without overwrite (RPT_E_EXISTS).
 * Returns RPT_OK, RPT_E_EXISTS, RPT_E_IO, RPT_E_NOMEM or RPT_E_ARG, with a
 * detail in err (RPT_ERRLEN bytes). On failure call rpti_place_discard(). */
int rpti_place_open(rpti_place *p, const char *path, int overwrite, mode_t mode, char *err);

/* Syncs the temporary, moves it to path (checking path again) and syncs
 * the directory. Returns as rpti_place_open(). */
int rpti_place_commit(rpti_place *p, char *err);

/* Closes and removes whatever was not committed; frees p. */
void rpti_place_discard(rpti_place *p);

/* The temporary's name while it has one, for a signal handler to remove;
 * NULL for an unnamed temporary, which vanishes on its own. */
const char *rpti_place_temp(const rpti_place *p);

/* Makes an unnamed scratch file (0600, close-on-exec, gone once closed)
 * for data spilled out of memory. With near, a path, it is made in
 * near's directory, whose file system has room for the archive there and
 * is seldom RAM; failing that, or without near, in $TMPDIR, or /tmp when
 * TMPDIR is unset or empty. A TMPDIR that cannot be used is an error,
 * not a reason to fall back to /tmp: it was set because /tmp would not
 * do. Returns the descriptor, or -1 with errno set; dir (RPT_ERRLEN
 * bytes) names the directory used or, on failure, the last one tried. */
int rpti_scratch_open(const char *near, char *dir);

/* 0 makes scratch files take the way of a file system without
 * O_TMPFILE, a name removed at once (a variable for the tests). */
extern int rpti_scratch_unnamed;

#endif
