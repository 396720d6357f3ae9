/* SPDX-License-Identifier: ISC */
/* archive_in.c -- reads tar and zip members through libarchive for
 * rpt-pack --from-archive; a build without libarchive says so. */
#include "archive_in.h"
#include "fe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef RPT_HAVE_LIBARCHIVE
#include "la.h"

int archive_in_supported(void) { return 1; }

/* Reads the member's bytes, at most max. Returns 0, 1 when over max, or
 * -1 on a read error. */
static int read_member(const fe_la *la, struct archive *a, size_t max, uint8_t **out, size_t *len) {
    size_t n = 0, cap = 65536;
    uint8_t *buf = malloc(cap);
    if (!buf) fe_die(FE_EXIT_USAGE, "out of memory");
    for (;;) {
        if (n == cap) {
            if (cap > max) {
                free(buf);
                return 1;
            }
            cap *= 2;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) fe_die(FE_EXIT_USAGE, "out of memory");
            buf = nb;
        }
        la_ssize_t got = la->archive_read_data(a, buf + n, cap - n);
        if (got < 0) {
            free(buf);
            return -1;
        }
        if (got == 0) break;
        n += (size_t)got;
        if (n > max) {
            free(buf);
            return 1;
        }
    }
    *out = buf;
    *len = n;
    return 0;
}

int archive_in_read(const char *path, size_t max, archive_member_fn fn, void *ctx, char *err,
                    size_t errlen) {
    const char *why;
    const fe_la *la = fe_la_load(&why);
    if (!la) {
        snprintf(err, errlen, "unsupported: libarchive cannot be loaded (%s)", why);
        return -1;
    }
    struct archive *a = la->archive_read_new();
    struct archive_entry *ent;
    int rc = 0, r;
    if (!a) fe_die(FE_EXIT_USAGE, "out of memory");
    la->archive_read_support_filter_all(a);
    la->archive_read_support_format_tar(a);
    la->archive_read_support_format_gnutar(a);
    la->archive_read_support_format_zip(a);
    r = strcmp(path, "-") == 0 ? la->archive_read_open_fd(a, 0, 65536)
                               : la->archive_read_open_filename(a, path, 65536);
    if (r != ARCHIVE_OK) {
        snprintf(err, errlen, "%s", la->archive_error_string(a) ? la->archive_error_string(a) : "cannot open");
        la->archive_read_free(a);
        return -1;
    }
    while ((r = la->archive_read_next_header(a, &ent)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        archive_member m;
        memset(&m, 0, sizeof m);
        m.name = la->archive_entry_pathname(ent);
        if (!m.name) m.name = "";
        if (la->archive_entry_filetype(ent) == AE_IFDIR) continue;
        m.regular = la->archive_entry_filetype(ent) == AE_IFREG && !la->archive_entry_hardlink(ent);
        m.have_mtime = la->archive_entry_mtime_is_set(ent);
        m.mtime = m.have_mtime ? (int64_t)la->archive_entry_mtime(ent) : 0;
        m.size = la->archive_entry_size_is_set(ent) ? (uint64_t)la->archive_entry_size(ent) : 0;
        if (m.regular) {
            if (m.size > max) {
                m.too_big = 1;
            } else {
                int got = read_member(la, a, max, &m.data, &m.len);
                if (got < 0) {
                    snprintf(err, errlen, "member '%s': %s", m.name,
                             la->archive_error_string(a) ? la->archive_error_string(a) : "read error");
                    rc = -1;
                    break;
                }
                m.too_big = got == 1;
            }
        }
        fn(ctx, &m);
        free(m.data);
    }
    if (rc == 0 && r != ARCHIVE_EOF) {
        snprintf(err, errlen, "%s", la->archive_error_string(a) ? la->archive_error_string(a) : "damaged archive");
        rc = -1;
    }
    la->archive_read_free(a);
    return rc;
}

#else /* built without libarchive */

int archive_in_supported(void) { return 0; }

int archive_in_read(const char *path, size_t max, archive_member_fn fn, void *ctx, char *err,
                    size_t errlen) {
    (void)path, (void)max, (void)fn, (void)ctx;
    snprintf(err, errlen, "unsupported: built without libarchive");
    return -1;
}

#endif
