/* SPDX-License-Identifier: ISC */
/* archive_in.h -- rpt-pack --from-archive: the members of a tar or zip
 * file, read through libarchive when rpt was built with it. */
#ifndef RPT_ARCHIVE_IN_H
#define RPT_ARCHIVE_IN_H

#include <stddef.h>
#include <stdint.h>

/* 1 when rpt-pack was built with libarchive, 0 when not. */
int archive_in_supported(void);

/* One member, as the callback sees it. */
typedef struct archive_member {
    const char *name; /* as stored in the archive: not yet checked */
    int regular;      /* a regular file; else data is NULL */
    int too_big;      /* over the max given: data is NULL */
    int have_mtime;
    int64_t mtime;
    uint64_t size;    /* as the archive says */
    uint8_t *data;    /* malloc'd: the callback takes it (or frees it) */
    size_t len;
} archive_member;

typedef void (*archive_member_fn)(void *ctx, archive_member *m);

/* Calls fn for every member of the tar or zip (compressed or not) at path,
 * "-" for standard input, reading at most max bytes of a member. Returns
 * 0, or -1 with why in err (a damaged archive, a read error, or no
 * libarchive). */
int archive_in_read(const char *path, size_t max, archive_member_fn fn, void *ctx, char *err,
                    size_t errlen);

#endif /* RPT_ARCHIVE_IN_H */
