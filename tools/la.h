/* SPDX-License-Identifier: ISC */
/* la.h -- libarchive, loaded only when a run needs it (rpt-pack
 * --from-archive, rpt-extract --tar).
 *
 * Linked in, libarchive and what it pulls in (libxml2, ICU, the C++
 * runtime) cost every run of every tool about 1.4 ms before main():
 * half the time of extracting one record. Loaded with dlopen(), they
 * cost nothing to the runs that do not use them, and a machine without
 * the library runs every tool and says "unsupported" for these options,
 * instead of refusing to start them all. */
#ifndef RPT_LA_H
#define RPT_LA_H

#ifdef RPT_HAVE_LIBARCHIVE
#include <archive.h>
#include <archive_entry.h>

/* The file dlopen() looks for: the library's ABI, not its version. */
#ifndef RPT_LIBARCHIVE_SONAME
#define RPT_LIBARCHIVE_SONAME "libarchive.so.13"
#endif

/* Every function the tools use, by its own name. */
#define FE_LA_FUNCTIONS(X)                                                                         \
    X(archive_error_string)                                                                        \
    X(archive_read_new)                                                                            \
    X(archive_read_support_filter_all)                                                             \
    X(archive_read_support_format_tar)                                                             \
    X(archive_read_support_format_gnutar)                                                          \
    X(archive_read_support_format_zip)                                                             \
    X(archive_read_open_fd)                                                                        \
    X(archive_read_open_filename)                                                                  \
    X(archive_read_next_header)                                                                    \
    X(archive_read_data)                                                                           \
    X(archive_read_free)                                                                           \
    X(archive_write_new)                                                                           \
    X(archive_write_set_format_pax)                                                                \
    X(archive_write_set_bytes_in_last_block)                                                       \
    X(archive_write_open_fd)                                                                       \
    X(archive_write_header)                                                                        \
    X(archive_write_data)                                                                          \
    X(archive_write_close)                                                                         \
    X(archive_write_free)                                                                          \
    X(archive_entry_new)                                                                           \
    X(archive_entry_free)                                                                          \
    X(archive_entry_pathname)                                                                      \
    X(archive_entry_set_pathname)                                                                  \
    X(archive_entry_set_pathname_utf8)                                                             \
    X(archive_entry_filetype)                                                                      \
    X(archive_entry_set_filetype)                                                                  \
    X(archive_entry_hardlink)                                                                      \
    X(archive_entry_mtime)                                                                         \
    X(archive_entry_mtime_is_set)                                                                  \
    X(archive_entry_set_mtime)                                                                     \
    X(archive_entry_size)                                                                          \
    X(archive_entry_size_is_set)                                                                   \
    X(archive_entry_set_size)                                                                      \
    X(archive_entry_set_perm)

/* A pointer of each function's own type, from archive.h. */
#define FE_LA_FIELD(name) __typeof__(name) *name;
typedef struct fe_la {
    FE_LA_FUNCTIONS(FE_LA_FIELD)
} fe_la;
#undef FE_LA_FIELD

/* The table, loaded on the first call; NULL, with *why saying what is
 * missing ("libarchive.so.13: cannot open shared object file..."), when
 * the library or one of its functions cannot be had. Not thread-safe:
 * call it from the main thread. */
const fe_la *fe_la_load(const char **why);

/* The same from a given file name, for the tests; not cached. */
const fe_la *fe_la_load_from(const char *soname, fe_la *table, const char **why);

#endif /* RPT_HAVE_LIBARCHIVE */
#endif /* RPT_LA_H */
