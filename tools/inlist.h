/* SPDX-License-Identifier: ISC */
/* inlist.h -- rpt-pack's list of inputs, kept in memory while it is
 * small and in an unnamed scratch file once it is not, so that a million
 * files cost the tool a few megabytes rather than hundreds. */
#ifndef RPT_INLIST_H
#define RPT_INLIST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "manifest.h"

/* One input: a file, a manifest row, an mbox message, an archive member
 * or standard input. Strings read back from a list stay valid until the
 * next inlist_next(). */
typedef struct input {
    const char *name;  /* normalised record name */
    const char *path;  /* file to read; NULL: in memory or standard input */
    const char *given; /* where it came from, as the user wrote it, for messages */
    uint64_t size;
    int64_t mtime;
    const uint8_t *mem; /* in memory: an mbox message, an archive member or stdin */
    int mboxrd;         /* mem is an mbox message with ">From " quoting */
    manifest_row *row;  /* metadata from a manifest, or NULL */
    int have_row_issued;
    int64_t row_issued;
} input;

/* The list keeps at most INLIST_MEMORY bytes of inputs in memory. */
#define INLIST_MEMORY ((size_t)1 << 20)

typedef struct inlist {
    const char *near;    /* a directory to keep the scratch file in first */
    size_t memory;       /* bytes kept in memory before spilling */
    uint8_t *buf;        /* inputs not yet in the file (all, before a spill) */
    size_t len, cap;
    FILE *file;          /* the scratch file, once spilled */
    char where[512];     /* the scratch file's directory, for messages */
    size_t n;            /* inputs added */
    uint64_t bytes;      /* the sum of their sizes */
    int reading;         /* inlist_rewind() was called; no more adds */
    size_t at;           /* read position in buf */
    char *text;          /* the strings of the input last read */
    size_t text_cap;
} inlist;

/* near: the directory to try first for the scratch file (then $TMPDIR,
 * then /tmp), or NULL; memory: bytes to keep in memory (INLIST_MEMORY). */
void inlist_init(inlist *l, const char *near, size_t memory);

/* Copies e into the list. Returns 0, or -1 with errno set (no memory, or
 * the scratch file could not be made or written). */
int inlist_add(inlist *l, const input *e);

/* Starts a pass over the inputs in the order they were added; a list
 * can be passed over any number of times but no longer added to.
 * Returns 0, or -1 with errno set. */
int inlist_rewind(inlist *l);

/* The next input of the pass into *e: 1, or 0 at the end, or -1 with
 * errno set. */
int inlist_next(inlist *l, input *e);

void inlist_free(inlist *l);

#endif
