/* SPDX-License-Identifier: ISC */
/* rpt-extract -- writes the records of an rpt archive out as files, each
 * verified first, never outside the target directory, never over a file
 * without -f, never through a symbolic link. */
#include "ahead.h"
#include "fe.h"
#include "holdq.h"
#include "select.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef RPT_HAVE_LIBARCHIVE
#include "la.h"
#include <locale.h>
#endif

static const char usage_text[] =
    "Usage: rpt-extract [-p PUBFILE]... [-P KEY]... [-C DIR|-O|--tar FILE] [-f]\n"
    "                   [--glob] [--since DATE] [--until DATE] [--grep TEXT [-E]]\n"
    "                   [--sort KEY] [--salvage] [--no-verify] ARCHIVE|- [NAME...]\n"
    "Extract all records of an rpt archive, or the NAMEs given, each verified\n"
    "before a byte of it is written.\n"
    "\n"
    "  -p, --public FILE  require records signed by this minisign public key\n"
    "                     (repeatable)\n"
    "  -P, --pubkey KEY   the same with a base64 public key\n"
    "  -C, --directory DIR  extract under DIR (default: .); nothing is written\n"
    "                     outside it and no symbolic link inside it is followed\n"
    "  -O, --to-stdout    write the payloads to standard output instead\n"
    "      --tar FILE     write the records into a pax tar FILE ('-': standard\n"
    "                     output) instead, each with its issued time as mtime\n"
    "  -f, --force        replace existing regular files (or the --tar FILE)\n"
    "      --glob         NAMEs are shell patterns (* ? [...])\n"
    "      --salvage      damaged archive: extract every intact, verified record,\n"
    "                     report what was lost and which records no valid seal\n"
    "                     covers\n"
    FE_SELECT_HELP
    "      --no-verify    skip signature and digest checks (says so)\n"
    "      --sync         exit only once every file is on disk (one syncfs())\n"
    "      --sync-each    fsync every file before it takes its name (slow)\n"
    "  -v, --verbose      name each file as it is extracted\n"
    "  -q, --quiet        no notes\n"
    "  -h, --help         show this help;  -V, --version  show the version\n"
    "\n" FE_SELECT_DATES
    "\n"
    "From a pipe ('-') each record is held under a temporary name until its\n"
    "generation's seal checks, and removed if it does not. Without -p or -P\n"
    "the exit status is 4, as for rpt-verify. When several problems occur the\n"
    "exit status is the most serious, in the order 2, 3, 1, 4.\n"
    "A -C DIR that does not exist is created, with its parents.\n"
    "\n" FE_EXIT_HELP;


typedef struct xctx {
    fe_keys keys;
    const char *dir, *archive;
    int to_stdout, force, glob, salvage, no_verify, quiet, verbose;
    int sync_each;         /* --sync-each: fsync every file before its rename */
    int sync_end;          /* --sync: one syncfs() before exit 0 */
    uint64_t bytes_out;    /* payload bytes written, for the summary */
    fe_select sel;
    const char *tar_path;  /* --tar FILE, or NULL */
    char *tar_tmp;         /* the FILE being written, renamed at the end */
    int tar_fd;            /* its descriptor (libarchive does not close it) */
    void *tar;             /* struct archive *, when built with libarchive */
    int dirfd;
    /* The directory the last record went in, kept open (see open_parent) */
    char *parent;          /* its path under dirfd, or NULL */
    int parent_fd;
    uint32_t tmp_base, tmp_next; /* temporary names: .rpt-HEX.tmp */
    int unnamed;           /* O_TMPFILE may be tried (write_unnamed) */
    int link_empty;        /* linkat(AT_EMPTY_PATH) may be tried (link_unnamed) */
    char **names;
    size_t n_names;
    char *matched;
    int status;
    uint64_t extracted;
    /* From a pipe, a record is written under a temporary name (or, with
     * -O or --tar, into held_out) until the seal of its generation is
     * checked: a pipe reaches the seal only after the records it covers. */
    holdq held;        /* oldest first */
    FILE *held_out;
    uint64_t held_bytes;
} xctx;

static void problem(xctx *x, int status) { x->status = fe_worse(x->status, status); }

/* Whether the record is among the NAMEs; marks the NAME that asked for it. */
static int named(xctx *x, const char *name) {
    int hit = 0;
    if (x->n_names == 0) return 1;
    for (size_t i = 0; i < x->n_names; i++) {
        if (x->glob ? fnmatch(x->names[i], name, 0) == 0 : strcmp(x->names[i], name) == 0) {
            x->matched[i] = 1;
            hit = 1;
        }
    }
    return hit;
}

static int write_all(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Puts tmp in place as leaf, refusing to replace anything without -f. */
static int place(int dfd, const char *tmp, const char *leaf, int force) {
    if (force) return renameat(dfd, tmp, dfd, leaf);
#ifdef RENAME_NOREPLACE
    if (renameat2(dfd, tmp, dfd, leaf, RENAME_NOREPLACE) == 0) return 0;
    if (errno != EINVAL && errno != ENOSYS) return -1;
#endif
    /* A file system without RENAME_NOREPLACE: link fails on an existing name. */
    if (linkat(dfd, tmp, dfd, leaf, 0) != 0) return -1;
    unlinkat(dfd, tmp, 0);
    return 0;
}

/* place(), removing tmp when it fails. Returns 0, an exit status for an
 * existing file (said here), or -1 with errno for anything else. */
static int place_or_say(int dfd, const char *tmp, const char *leaf, const char *name, int force) {
    if (place(dfd, tmp, leaf, force) == 0) return 0;
    int e = errno;
    unlinkat(dfd, tmp, 0);
    if (e == EEXIST) {
        fe_warn("'%s' exists; use -f to replace it", name);
        return FE_EXIT_USAGE;
    }
    errno = e;
    return -1;
}

/* Opens the directory path (len bytes of a record name) under x->dirfd,
 * component by component, with O_NOFOLLOW everywhere, making what is
 * missing. Returns the descriptor, or -1 having said why (*status: the
 * exit status). */
static int walk_dirs(xctx *x, const char *name, size_t len, int *status) {
    char *p = malloc(len + 1), *comp, *slash;
    int cur;
    if (!p) fe_die(FE_EXIT_USAGE, "out of memory");
    memcpy(p, name, len);
    p[len] = '/';
    cur = dup(x->dirfd);
    if (cur < 0) fe_die(FE_EXIT_USAGE, "dup: %s", strerror(errno));
    comp = p;
    *status = FE_EXIT_USAGE;
    while (comp < p + len + 1 && (slash = memchr(comp, '/', (size_t)(p + len + 1 - comp))) != NULL) {
        int next;
        *slash = '\0';
        if (mkdirat(cur, comp, 0755) != 0 && errno != EEXIST) goto fail;
        next = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0) {
            if (errno == ELOOP || errno == ENOTDIR) {
                fe_warn("'%s': '%s' is a symbolic link or not a directory; not followed, "
                        "record not extracted", name, p);
                free(p);
                close(cur);
                return -1;
            }
            goto fail;
        }
        close(cur);
        cur = next;
        *slash = '/';
        comp = slash + 1;
    }
    free(p);
    return cur;
fail:
    fe_warn("cannot extract '%s' into '%s': %s", name, x->dir, strerror(errno));
    close(cur);
    free(p);
    return -1;
}

/* The directory record name goes in, under x->dirfd, and the leaf name
 * in it (into name). Records come sorted by name, so most share the
 * directory of the one before: that one is kept open (x->parent), and
 * making and opening each component is done once per directory, not per
 * file. The descriptor is x's: not to be closed. Returns 0 or an exit
 * status, having said why. */
static int open_parent(xctx *x, const char *name, int *dirfd, const char **leaf) {
    const char *slash = strrchr(name, '/');
    int status;
    if (!slash) {
        *dirfd = x->dirfd;
        *leaf = name;
        return 0;
    }
    size_t len = (size_t)(slash - name);
    *leaf = slash + 1;
    if (x->parent && strlen(x->parent) == len && memcmp(x->parent, name, len) == 0) {
        *dirfd = x->parent_fd;
        return 0;
    }
    int fd = walk_dirs(x, name, len, &status);
    if (fd < 0) return status;
    if (x->parent) close(x->parent_fd);
    free(x->parent);
    if (!(x->parent = malloc(len + 1))) fe_die(FE_EXIT_USAGE, "out of memory");
    memcpy(x->parent, name, len);
    x->parent[len] = '\0';
    *dirfd = x->parent_fd = fd;
    return 0;
}

/* What stands at leaf: nothing, or a regular file that -f may replace
 * (*replacing is then set), gives 0. Anything else is refused, even with
 * -f: a directory, a symbolic link, a FIFO, a device or a socket is not a
 * file an extraction made, and renaming over /dev/null as root would
 * remove it. Returns 0 or an exit status, having said why. */
static int check_leaf(const xctx *x, int dfd, const char *leaf, const char *name, int *replacing) {
    struct stat st;
    if (replacing) *replacing = 0;
    if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) return 0;
        fe_warn("cannot extract '%s' into '%s': %s", name, x->dir, strerror(errno));
        return FE_EXIT_USAGE;
    }
    if (!S_ISREG(st.st_mode)) {
        fe_warn("'%s' is %s, not a regular file; record not extracted", name, fe_file_kind(st.st_mode));
        return FE_EXIT_USAGE;
    }
    if (!x->force) {
        fe_warn("'%s' exists; use -f to replace it", name);
        return FE_EXIT_USAGE;
    }
    if (replacing) *replacing = 1;
    return 0;
}

/* Creates a new temporary file in dfd, its leaf name in tmp (40 bytes):
 * .rpt-HEX.tmp, from a random start and counting up, which O_EXCL makes
 * safe (a name taken is skipped) without a random number per file.
 * Returns the descriptor, or -1 with errno. */
static int create_tmp(xctx *x, int dfd, char *tmp) {
    if (x->tmp_next == 0) x->tmp_base = randombytes_random();
    for (int tries = 0; tries < 16; tries++) {
        snprintf(tmp, 40, ".rpt-%08x.tmp", (unsigned)(x->tmp_base + x->tmp_next++));
        int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST) return fd;
    }
    return -1;
}

/* Writes the payload and the issued time into fd; with durable, on disk
 * before it takes the final name, so that a crash leaves the old file or
 * the whole new one. That is done for --sync-each, and for a file that
 * replaces another (-f): what was there is never traded for an empty
 * file. New files are left to the system to write, as tar and unzip
 * do: the archive is the durable copy, and --sync waits for them all at
 * the end (sync_all). Returns 0, or -1 with errno. */
static int fill(const xctx *x, int fd, const rpt_record *rec, int durable) {
    struct timespec times[2];
    times[0].tv_sec = 0;
    times[0].tv_nsec = UTIME_OMIT;
    times[1].tv_sec = (time_t)rec->issued;
    times[1].tv_nsec = 0;
    if (write_all(fd, rec->data, rec->data_len) != 0 || futimens(fd, times) != 0 ||
        ((durable || x->sync_each) && fsync(fd) != 0))
        return -1;
    return 0;
}

/* fill(), then close(fd) whatever happened. */
static int fill_close(const xctx *x, int fd, const rpt_record *rec, int durable) {
    if (fill(x, fd, rec, durable) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return close(fd);
}

#ifdef O_TMPFILE
/* Gives the unnamed file fd the name leaf in dfd. The descriptor itself
 * (AT_EMPTY_PATH) saves a walk through /proc for each file (4 ms of 137
 * on the bench set). Linux allows it from 6.10 for a file opened under
 * the caller's own credentials, before that only with
 * CAP_DAC_READ_SEARCH; where it fails (ENOENT), /proc/self/fd is used
 * from then on. Returns 0, or -1 with errno. */
static int link_unnamed(xctx *x, int fd, int dfd, const char *leaf) {
    char proc[40];
    if (x->link_empty) {
        if (linkat(fd, "", dfd, leaf, AT_EMPTY_PATH) == 0) return 0;
        if (errno != ENOENT && errno != EPERM && errno != EINVAL) return -1;
        x->link_empty = 0;
    }
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    return linkat(AT_FDCWD, proc, dfd, leaf, AT_SYMLINK_FOLLOW);
}
#endif

/* Without -f: an unnamed file (O_TMPFILE) in dfd, given its name only
 * once complete (link_unnamed), by a link that never replaces anything.
 * An interrupt or a kill -9 leaves nothing behind, and the directory
 * gets one name instead of a temporary one and a rename. Returns 0 or an
 * exit status, having said why; or -1 when no unnamed file is to be had
 * here, for the caller to use a named temporary (x->unnamed is cleared
 * when that is for good). */
static int write_unnamed(xctx *x, int dfd, const char *leaf, const rpt_record *rec) {
#ifdef O_TMPFILE
    int fd = openat(dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666), e, rc;
    if (fd < 0) {
        if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL) x->unnamed = 0;
        return -1;
    }
    if (fill(x, fd, rec, 0) != 0) {
        e = errno;
        close(fd);
    } else if (link_unnamed(x, fd, dfd, leaf) != 0) {
        e = errno;
        close(fd);
        /* /proc will not name it (not mounted, not allowed, another file
         * system): the named way, from now on; a full disk or a name too
         * long is this file's failure, said below */
        if (e == ENOENT || e == EACCES || e == EPERM || e == EXDEV || e == EOPNOTSUPP) {
            x->unnamed = 0;
            return -1;
        }
        /* what stands there says which words fit */
        if (e == EEXIST && (rc = check_leaf(x, dfd, leaf, rec->name, NULL)) != 0) return rc;
    } else if (close(fd) != 0) {
        e = errno;
        unlinkat(dfd, leaf, 0);
    } else {
        return 0;
    }
    fe_warn("cannot extract '%s' into '%s': %s", rec->name, x->dir, strerror(e));
    return FE_EXIT_USAGE;
#else
    (void)dfd, (void)leaf, (void)rec;
    x->unnamed = 0;
    return -1;
#endif
}

/* Writes one verified record under x->dirfd, never through a symbolic
 * link. With keep_tmp it stops short of the final name and leaves the
 * temporary leaf's name in keep_tmp (40 bytes). Returns an exit status. */
static int write_file(xctx *x, const rpt_record *rec, char *keep_tmp) {
    char tmp[40];
    const char *leaf;
    int dfd, fd, rc, replacing;

    if ((rc = open_parent(x, rec->name, &dfd, &leaf)) != 0) return rc;
    /* a held record needs a name to be found by; -f, a rename over. No
     * look first: linkat never replaces, and its EEXIST is the look (a
     * file already there costs a write, but only where extraction fails) */
    if (!keep_tmp && !x->force && x->unnamed && (rc = write_unnamed(x, dfd, leaf, rec)) >= 0)
        return rc;
    if ((rc = check_leaf(x, dfd, leaf, rec->name, &replacing)) != 0) return rc;
    if ((fd = create_tmp(x, dfd, tmp)) < 0) goto fail;
    /* until it has its name, an interrupt removes it (it is not kept open
     * for the holding of a pipe extract: those are forgotten at the end) */
    fe_temp *temp = keep_tmp ? NULL : fe_temp_add(dfd, tmp);
    /* a held record (a pipe) takes its name only once its seal checks,
     * and with -f a file may have come to stand there by then */
    if (fill_close(x, fd, rec, replacing || (keep_tmp && x->force)) != 0) {
        int e = errno;
        unlinkat(dfd, tmp, 0);
        fe_temp_forget(temp);
        errno = e;
        goto fail;
    }
    if (keep_tmp) {
        memcpy(keep_tmp, tmp, strlen(tmp) + 1);
        return 0;
    }
    rc = place_or_say(dfd, tmp, leaf, rec->name, x->force);
    fe_temp_forget(temp);
    if (rc >= 0) return rc;
fail:
    fe_warn("cannot extract '%s' into '%s': %s", rec->name, x->dir, strerror(errno));
    return FE_EXIT_USAGE;
}

static void announce(xctx *x, const char *name, uint64_t bytes) {
    x->extracted++;
    x->bytes_out += bytes;
    if (x->verbose) {
        /* standard output may be carrying the payloads or the tar */
        FILE *f = x->to_stdout || x->tar_path ? stderr : stdout;
        fe_print_safe(f, name);
        fputc('\n', f);
    }
}

/* ---------------------------------------------------------------- --tar */
#ifdef RPT_HAVE_LIBARCHIVE
/* libarchive, loaded by need_tar_library() */
static const fe_la *la;

/* Says --tar is unsupported, before any work, where libarchive cannot be
 * loaded. */
static void need_tar_library(void) {
    const char *why;
    if (!(la = fe_la_load(&why))) fe_die(FE_EXIT_USAGE, "--tar: unsupported: cannot load libarchive: %s", why);
}

/* The temporary tar until it is named: removed on any exit before. */
static char *tar_unnamed;
static void remove_unnamed_tar(void) {
    if (tar_unnamed) unlink(tar_unnamed);
}

/* Opens the tar: standard output, or a temporary file next to FILE that
 * takes its name once every member is written (finish_tar), so an
 * interrupted run leaves no half tar under the name asked for. */
static void open_tar(xctx *x) {
    struct archive *a;
    int fd = STDOUT_FILENO;
    /* libarchive converts names through the locale's character set, and
     * record names are UTF-8: in the C locale it cannot write "é" */
    if (!setlocale(LC_CTYPE, "C.UTF-8")) (void)setlocale(LC_CTYPE, "");
    if (strcmp(x->tar_path, "-") == 0) {
        if (isatty(STDOUT_FILENO))
            fe_usage_error("--tar -: standard output is a terminal; redirect it to a file");
    } else {
        struct stat st;
        size_t n = strlen(x->tar_path);
        int there = lstat(x->tar_path, &st) == 0;
        if (there && !S_ISREG(st.st_mode))
            fe_usage_error("'%s' is %s, not a regular file; --tar writes a regular file, or "
                           "standard output with --tar -", x->tar_path, fe_file_kind(st.st_mode));
        if (there && !x->force) fe_die(FE_EXIT_USAGE, "'%s' exists; use -f to replace it", x->tar_path);
        if (!(x->tar_tmp = malloc(n + 16))) fe_die(FE_EXIT_USAGE, "out of memory");
        snprintf(x->tar_tmp, n + 16, "%s.rpt-XXXXXX", x->tar_path);
        if ((fd = mkstemp(x->tar_tmp)) < 0)
            fe_die(FE_EXIT_USAGE, "cannot create '%s': %s", x->tar_tmp, strerror(errno));
        tar_unnamed = x->tar_tmp;
        atexit(remove_unnamed_tar);
        /* mkstemp's 0600 is for secrets; a tar is not one, and the umask
         * decides, as for any file */
        mode_t mask = umask(0);
        umask(mask);
        (void)fchmod(fd, 0666 & ~mask);
    }
    x->tar_fd = fd;
    if (!(x->tar = a = la->archive_write_new())) fe_die(FE_EXIT_USAGE, "out of memory");
    if (la->archive_write_set_format_pax(a) != ARCHIVE_OK ||
        la->archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
        la->archive_write_open_fd(a, fd) != ARCHIVE_OK)
        fe_die(FE_EXIT_USAGE, "cannot start the tar: %s", la->archive_error_string(a));
}

/* Stops on a write error: the temporary tar goes, nothing is left named. */
static void tar_failed(xctx *x) {
    const char *why = la->archive_error_string(x->tar);
    fe_die(FE_EXIT_USAGE, "cannot write the tar '%s': %s", x->tar_path,
           why ? why : strerror(errno));
}

/* A member's header: the record's name, size and issued time. */
static void tar_header(xctx *x, const rpt_record *rec, uint64_t size) {
    struct archive_entry *e = la->archive_entry_new();
    if (!e) fe_die(FE_EXIT_USAGE, "out of memory");
    la->archive_entry_set_pathname_utf8(e, rec->name);
    if (!la->archive_entry_pathname(e)) /* no UTF-8 locale to convert through */
        fe_die(FE_EXIT_USAGE, "record '%s': its name cannot be written in this locale; "
               "set LC_ALL to a UTF-8 locale", rec->name);
    la->archive_entry_set_filetype(e, AE_IFREG);
    la->archive_entry_set_perm(e, 0644);
    la->archive_entry_set_size(e, (la_int64_t)size);
    la->archive_entry_set_mtime(e, (time_t)rec->issued, 0);
    if (la->archive_write_header(x->tar, e) != ARCHIVE_OK) tar_failed(x);
    la->archive_entry_free(e);
}

static void tar_data(xctx *x, const uint8_t *p, size_t n) {
    while (n > 0) {
        la_ssize_t w = la->archive_write_data(x->tar, p, n);
        if (w <= 0) tar_failed(x);
        p += w;
        n -= (size_t)w;
    }
}

static void tar_member(xctx *x, const rpt_record *rec) {
    tar_header(x, rec, rec->data_len);
    tar_data(x, rec->data, rec->data_len);
}

/* --sync: the tar's name on disk too, by an fsync of its directory. */
static void sync_tar_name(const xctx *x) {
    char *copy = strdup(x->tar_path);
    if (!copy) fe_die(FE_EXIT_USAGE, "out of memory");
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int e = fd < 0 || fsync(fd) != 0 ? errno : 0;
    if (fd >= 0) close(fd);
    free(copy);
    if (e) fe_die(FE_EXIT_USAGE, "cannot make the tar '%s' durable: %s", x->tar_path, strerror(e));
}

/* Ends the tar and gives it its name (without -f, never over a file that
 * appeared meanwhile; with -f, only over a regular file). */
static void finish_tar(xctx *x) {
    int rc = la->archive_write_close(x->tar);
    if (rc != ARCHIVE_OK) tar_failed(x);
    la->archive_write_free(x->tar);
    x->tar = NULL;
    if (!x->tar_tmp) return;
    /* on disk before it takes the name, as extracted files are */
    if (fsync(x->tar_fd) != 0 || close(x->tar_fd) != 0)
        fe_die(FE_EXIT_USAGE, "cannot write the tar '%s': %s", x->tar_path, strerror(errno));
    struct stat st; /* what came to stand there while the tar was written */
    if (x->force && lstat(x->tar_path, &st) == 0 && !S_ISREG(st.st_mode))
        fe_die(FE_EXIT_USAGE, "'%s' is %s, not a regular file; the tar is not written",
               x->tar_path, fe_file_kind(st.st_mode));
    if (x->force ? rename(x->tar_tmp, x->tar_path) != 0
                 : (link(x->tar_tmp, x->tar_path) != 0 || unlink(x->tar_tmp) != 0)) {
        int e = errno;
        fe_die(FE_EXIT_USAGE, "cannot name the tar '%s': %s%s", x->tar_path, strerror(e),
               e == EEXIST ? "; use -f to replace it" : "");
    }
    tar_unnamed = NULL;
    free(x->tar_tmp);
    x->tar_tmp = NULL;
    if (x->sync_end) sync_tar_name(x);
}
#else
static void need_tar_library(void) { fe_die(FE_EXIT_USAGE, "--tar: unsupported: built without libarchive"); }
static void open_tar(xctx *x) { (void)x; }
static void tar_header(xctx *x, const rpt_record *rec, uint64_t size) { (void)x, (void)rec, (void)size; }
static void tar_data(xctx *x, const uint8_t *p, size_t n) { (void)x, (void)p, (void)n; }
static void tar_member(xctx *x, const rpt_record *rec) { (void)x, (void)rec; }
static void finish_tar(xctx *x) { (void)x; }
#endif

/* ------------------------------------------------------------- holding */
/* Keeps a written record aside (see held). */
static int hold(xctx *x, const rpt_record *rec) {
    held h;
    memset(&h, 0, sizeof h);
    if (x->to_stdout || x->tar_path) {
        if (!x->held_out) x->held_out = fe_scratch();
        if (write_all(fileno(x->held_out), rec->data, rec->data_len) != 0)
            fe_die(FE_EXIT_USAGE, "cannot write a temporary file: %s", strerror(errno));
        h.off = x->held_bytes;
        h.len = rec->data_len;
        x->held_bytes += rec->data_len;
    } else {
        int rc = write_file(x, rec, h.tmp);
        if (rc) return rc;
    }
    h.number = rec->number;
    h.issued = rec->issued;
    h.size = rec->size;
    holdq_push(&x->held, &h, rec->name);
    return 0;
}

static void emit(xctx *x, const rpt_record *rec, int held_back) {
    int rc = 0;
    if (rpt_name_check(rec->name, strlen(rec->name)) != RPT_OK) {
        fe_warn("record %llu: unsafe name, not extracted", (unsigned long long)rec->number);
        problem(x, FE_EXIT_DAMAGED);
        return;
    }
    if (held_back) {
        rc = hold(x, rec);
    } else if (x->tar_path) {
        tar_member(x, rec);
    } else if (x->to_stdout) {
        if (write_all(STDOUT_FILENO, rec->data, rec->data_len) != 0)
            fe_die(FE_EXIT_USAGE, "cannot write to standard output: %s", strerror(errno));
    } else {
        rc = write_file(x, rec, NULL);
    }
    if (rc) {
        problem(x, rc);
        return;
    }
    if (!held_back) announce(x, rec->name, rec->data_len);
}

/* Copies a held record's bytes from x->held_out to standard output or
 * into the tar member just begun. */
static void copy_held(xctx *x, const held *h) {
    uint8_t buf[65536];
    for (uint64_t done = 0; done < h->len;) {
        size_t n = h->len - done < sizeof buf ? (size_t)(h->len - done) : sizeof buf;
        ssize_t got = pread(fileno(x->held_out), buf, n, (off_t)(h->off + done));
        if (got <= 0) fe_die(FE_EXIT_USAGE, "cannot read a temporary file: %s", strerror(errno));
        if (x->tar_path) tar_data(x, buf, (size_t)got);
        else if (write_all(STDOUT_FILENO, buf, (size_t)got) != 0)
            fe_die(FE_EXIT_USAGE, "cannot write to standard output: %s", strerror(errno));
        done += (uint64_t)got;
    }
}

/* A held record whose seal checked: to its final name, to stdout or into
 * the tar. */
static void release(xctx *x, const held *h) {
    const char *name = h->name;
    if (x->to_stdout || x->tar_path) {
        if (x->tar_path) {
            rpt_record rec; /* what a tar header takes of it */
            memset(&rec, 0, sizeof rec);
            rec.name = h->name;
            rec.issued = h->issued;
            tar_header(x, &rec, h->len);
        }
        copy_held(x, h);
        announce(x, name, h->len);
        return;
    }
    int dfd, rc;
    const char *leaf;
    if ((rc = open_parent(x, name, &dfd, &leaf)) != 0) {
        problem(x, rc);
        return;
    }
    /* with -f, whatever came to stand there while the record was held
     * is looked at again: only a regular file is replaced */
    if (x->force && (rc = check_leaf(x, dfd, leaf, name, NULL)) != 0)
        unlinkat(dfd, h->tmp, 0);
    else if ((rc = place_or_say(dfd, h->tmp, leaf, name, x->force)) < 0) {
        fe_warn("cannot extract '%s' into '%s': %s", name, x->dir, strerror(errno));
        rc = FE_EXIT_USAGE;
    }
    if (rc) problem(x, rc);
    else announce(x, name, h->size);
}

/* A held record its seal does not cover (verdict: the failure, or 0 when
 * the seal was never reached): its temporary file goes. */
static void drop(xctx *x, const held *h, int verdict) {
    int dfd;
    const char *leaf;
    if (!x->to_stdout && !x->tar_path && open_parent(x, h->name, &dfd, &leaf) == 0)
        unlinkat(dfd, h->tmp, 0);
    fe_warn("%s: record %llu '%s': not extracted: %s", x->archive,
            (unsigned long long)h->number, h->name,
            verdict == 0 ? "the archive was not read as far as its generation's seal"
                         : "its generation's seal does not cover it (see above)");
    problem(x, fe_exit_status(verdict == 0 ? RPT_E_TRUNCATED : verdict));
}

/* qsort() has no context argument in C11: the order in force. */
static const fe_select *held_order;

static int cmp_held(const void *a, const void *b) {
    const held *x = a, *y = b;
    rpt_record p, q; /* what fe_select_cmp looks at */
    memset(&p, 0, sizeof p);
    memset(&q, 0, sizeof q);
    p.number = x->number, p.name = x->name, p.issued = x->issued, p.size = x->size;
    q.number = y->number, q.name = y->name, q.issued = y->issued, q.size = y->size;
    return fe_select_cmp(held_order, &p, &q);
}

/* Releases or drops one held record the reader has judged (verdict 0:
 * never judged, at the end). */
static void settle_one(xctx *x, const held *h, int verdict) {
    if (verdict == 1) release(x, h);
    else drop(x, h, verdict);
}

/* --sort: every held record, in order, at the end. The one place where
 * what is held is all in memory at once (rpt-extract(1) says so). */
static void settle_sorted(xctx *x, rpt_reader *r) {
    size_t n = (size_t)holdq_count(&x->held);
    held *all = calloc(n ? n : 1, sizeof *all);
    if (!all) fe_die(FE_EXIT_USAGE, "out of memory");
    for (size_t i = 0; i < n; i++) {
        all[i] = *holdq_peek(&x->held);
        if (!(all[i].name = strdup(all[i].name))) fe_die(FE_EXIT_USAGE, "out of memory");
        holdq_pop(&x->held);
    }
    held_order = &x->sel;
    qsort(all, n, sizeof *all, cmp_held);
    for (size_t i = 0; i < n; i++) {
        settle_one(x, &all[i], rpt_reader_sealed(r, all[i].number));
        free(all[i].name);
    }
    free(all);
}

/* Releases or drops the held records the reader has judged; at the end,
 * drops whatever it has not. With --sort all wait for the end, to go out
 * in order. */
static void settle_held(xctx *x, rpt_reader *r, int at_end) {
    if (x->sel.sort != FE_SORT_NONE) {
        if (!at_end) return;
        settle_sorted(x, r);
    }
    const held *h;
    while ((h = holdq_peek(&x->held))) {
        int verdict = rpt_reader_sealed(r, h->number);
        if (verdict == 0 && !at_end) return;
        settle_one(x, h, verdict);
        holdq_pop(&x->held);
    }
    x->held_bytes = 0;
    if (x->held_out && ftruncate(fileno(x->held_out), 0) != 0)
        fe_die(FE_EXIT_USAGE, "cannot empty a temporary file: %s", strerror(errno));
}

/* One record that could not be extracted. */
static void refused(xctx *x, const char *why, int rc) {
    /* the reader's words (why) name the record and say whose key is not
     * trusted: the record's signer or the sealer of its generation */
    fe_warn("%s: %s; not extracted", x->archive, why);
    problem(x, fe_exit_status(rc));
}

/* Marks in want[] the records the NAMEs ask for. Returns 0, or 1 when a
 * NAME matched nothing (said here). */
static int want_named(xctx *x, rpt_reader *r, char *want, uint64_t n) {
    int missing = 0;
    for (uint64_t i = 0; i < n; i++) {
        rpt_record e;
        int rc;
        if (x->n_names && !x->glob) break;
        if ((rc = rpt_reader_entry(r, i, &e)) != RPT_OK) {
            /* an index entry that cannot be read is a record lost, not
             * one to pass over in silence */
            fe_warn("%s: record %llu: %s", x->archive, (unsigned long long)i, rpt_reader_error(r));
            problem(x, fe_exit_status(rc));
            continue;
        }
        want[i] = (char)named(x, e.name);
    }
    if (x->n_names && !x->glob) {
        for (size_t k = 0; k < x->n_names; k++) {
            uint64_t at;
            int rc = rpt_reader_find(r, x->names[k], &at);
            if (rc == RPT_OK) {
                want[at] = 1;
                x->matched[k] = 1;
            } else if (rc != RPT_E_NOTFOUND) {
                /* a damaged index could hide the record: say so */
                fe_warn("%s: looking up '%s': %s", x->archive, x->names[k], rpt_reader_error(r));
                problem(x, fe_exit_status(rc));
                x->matched[k] = 1; /* reported; not "missing" as well */
            }
        }
    }
    for (size_t k = 0; k < x->n_names; k++) {
        if (!x->matched[k]) {
            fe_warn("%s: no record %s '%s'", x->archive, x->glob ? "matches" : "named", x->names[k]);
            missing = 1;
        }
    }
    return missing;
}

/* Drops from want[] what the filters refuse, and puts the rest in
 * order[] (in --sort's order). Returns how many are left. A filter on
 * titles reads each record's metadata, checked against its digest. */
static uint64_t choose(xctx *x, rpt_reader *r, char *want, uint64_t n, uint64_t *order) {
    fe_picks picks = {NULL, 0, 0};
    uint64_t left = 0;
    int sorting = x->sel.sort != FE_SORT_NONE;
    for (uint64_t i = 0; i < n; i++) {
        rpt_record e;
        int rc;
        if (!want[i]) continue;
        if (fe_select_filters(&x->sel) || sorting) {
            rc = fe_select_needs_meta(&x->sel) ? rpt_reader_read(r, i, RPT_READ_NO_PAYLOAD, &e)
                                               : rpt_reader_entry(r, i, &e);
            if (rc != RPT_OK) {
                refused(x, rpt_reader_error(r), rc);
                continue;
            }
            if (!fe_select_match(&x->sel, &e)) continue;
            if (sorting) {
                fe_picks_add(&picks, &e);
                continue;
            }
        }
        order[left++] = i;
    }
    fe_picks_sort(&picks, &x->sel);
    for (size_t k = 0; k < picks.n; k++) order[left++] = picks.v[k]->number;
    fe_picks_free(&picks);
    return left;
}

/* Random access: find what is asked, then read, verify and write each. */
static void extract_indexed(xctx *x, rpt_reader *r) {
    uint64_t n = rpt_reader_count(r), left;
    char *want = calloc(n ? n : 1, 1);
    uint64_t *order = calloc(n ? n : 1, sizeof *order);
    if (!want || !order) fe_die(FE_EXIT_USAGE, "out of memory");
    if (want_named(x, r, want, n)) { /* before anything is written */
        problem(x, FE_EXIT_USAGE);
        free(want);
        free(order);
        return;
    }
    left = choose(x, r, want, n, order);
    unsigned flags = x->no_verify ? RPT_READ_NO_VERIFY : 0;
    /* Other cores verify and inflate the next records while this one
     * writes files, in the same order. Only after every entry has been
     * asked for in order (want_named), which is the check for names
     * that come twice: the workers do not make it (ahead.h). */
    fe_ahead *ahead = x->n_names && !x->glob
                          ? NULL
                          : fe_ahead_start(r, flags, order, left);
    fe_progress pg;
    fe_progress_start(&pg, x->quiet || x->to_stdout, left, 0);
    for (uint64_t k = 0; k < left; k++) {
        fe_progress_update(&pg, k, x->bytes_out);
        rpt_record rec;
        const char *why;
        memset(&rec, 0, sizeof rec);
        int rc = ahead ? fe_ahead_next(ahead, &rec, &why) : rpt_reader_read(r, order[k], flags, &rec);
        if (!ahead) why = rpt_reader_error(r);
        if (rc == RPT_OK) emit(x, &rec, 0);
        else refused(x, why, rc);
        if (rc == RPT_E_IO || rc == RPT_E_NOMEM) break;
    }
    fe_progress_end(&pg);
    fe_ahead_stop(ahead);
    free(want);
    free(order);
}

/* What a salvage says of the records it wrote (spec 7.5): which are not
 * covered by a valid seal of their generation, and the class why. */
static void salvage_report(xctx *x, rpt_reader *r, const uint64_t *numbers, size_t n) {
    uint64_t lost = rpt_reader_salvage_lost(r), uncovered = 0;
    int worst = FE_EXIT_OK;
    for (size_t i = 0; i < n; i++) {
        int verdict = rpt_reader_sealed(r, numbers[i]);
        if (verdict == 1) continue;
        uncovered++;
        worst = fe_worse(worst, fe_exit_status(verdict == 0 ? RPT_E_TRUNCATED : verdict));
    }
    if (lost > 0) problem(x, FE_EXIT_DAMAGED);
    problem(x, worst);
    fprintf(stderr, "%s: salvage: %llu record%s recovered; %llu damaged byte%s skipped%s\n",
            fe_progname, (unsigned long long)x->extracted, x->extracted == 1 ? "" : "s",
            (unsigned long long)lost, lost == 1 ? "" : "s",
            lost ? ": whatever they held is lost" : "");
    if (uncovered)
        fprintf(stderr,
                "%s: salvage: %llu of the records recovered %s NOT covered by a valid seal (%s): "
                "each one's own signature verifies, but nothing vouches that the set is whole "
                "or unaltered\n",
                fe_progname, (unsigned long long)uncovered, uncovered == 1 ? "is" : "are",
                worst == FE_EXIT_AUTH ? "a seal or index does not match"
                : worst == FE_EXIT_UNTRUSTED ? "a seal by a key that is not trusted"
                                             : "a seal, index or trailer is damaged or missing");
}

/* One pass in file order: a pipe, or a salvage scan. A pipe reaches a
 * generation's seal only after its records, so it holds each back until
 * the seal checks (spec 7.3); a salvage writes what it recovers and then
 * says which records no valid seal covers. */
static void extract_sequential(xctx *x, rpt_reader *r) {
    int in_a_row = 0, held_back = !x->salvage;
    uint64_t *salvaged = NULL;
    size_t n_salvaged = 0, cap_salvaged = 0;
    for (;;) {
        rpt_record rec;
        memset(&rec, 0, sizeof rec);
        int rc = rpt_reader_next(r, &rec);
        if (held_back) settle_held(x, r, 0);
        if (rc == RPT_EOF) break;
        if (rc == RPT_OK) {
            in_a_row = 0;
            if (!named(x, rec.name) || !fe_select_match(&x->sel, &rec)) continue;
            uint64_t before = x->extracted;
            emit(x, &rec, held_back);
            if (x->salvage && x->extracted > before) {
                if (n_salvaged == cap_salvaged) {
                    cap_salvaged = cap_salvaged ? cap_salvaged * 2 : 64;
                    uint64_t *ns = realloc(salvaged, cap_salvaged * sizeof *ns);
                    if (!ns) fe_die(FE_EXIT_USAGE, "out of memory");
                    salvaged = ns;
                }
                salvaged[n_salvaged++] = rec.number;
            }
            continue;
        }
        /* the reader names the record, or the index, seal or trailer; a
         * record it describes (rec.name set) is the one not extracted */
        fe_warn("%s: %s%s", x->archive, rpt_reader_error(r), rec.name ? "; not extracted" : "");
        problem(x, fe_exit_status(rc));
        if (rc == RPT_E_UNTRUSTED) {
            in_a_row = 0;
            continue;
        }
        /* Past damage a pipe cannot resynchronise; a salvage scan can. */
        if (rc == RPT_E_IO || rc == RPT_E_NOMEM || rc == RPT_E_ARG || ++in_a_row >= 16 ||
            (!x->salvage && fe_exit_status(rc) == FE_EXIT_DAMAGED))
            break;
    }
    if (held_back) settle_held(x, r, 1);
    for (size_t k = 0; k < x->n_names; k++) {
        if (!x->matched[k]) {
            fe_warn("%s: no record %s '%s'", x->archive, x->glob ? "matches" : "named", x->names[k]);
            problem(x, FE_EXIT_USAGE);
        }
    }
    if (x->salvage) salvage_report(x, r, salvaged, n_salvaged);
    free(salvaged);
}

/* mkdir -p: each missing directory of dir, parents first. */
static int make_dirs(const char *dir) {
    char *p = strdup(dir);
    if (!p) return -1;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *s = '/';
    }
    int rc = mkdir(p, 0777) != 0 && errno != EEXIST ? -1 : 0;
    free(p);
    return rc;
}

static int open_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && make_dirs(dir) == 0)
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) fe_die(FE_EXIT_USAGE, "cannot open directory '%s': %s", dir, strerror(errno));
    return fd;
}

/* --sync: one syncfs() makes every extracted file and every name durable;
 * an error it reports (Linux 5.8 on) is a write that did not reach the
 * disk. Not the default: on two cores it adds a sixth to the whole
 * extraction (make bench), which tar and unzip never pay. */
static void sync_all(xctx *x) {
    if (!x->sync_end || x->dirfd < 0 || x->extracted == 0) return;
    if (syncfs(x->dirfd) != 0) {
        fe_warn("cannot make the extracted files durable in '%s': %s", x->dir, strerror(errno));
        problem(x, FE_EXIT_USAGE);
    }
}

/* The one-line summary, unless -q or the payloads went to stdout. */
static void summary(const xctx *x, double started) {
    if (x->quiet || x->to_stdout || x->extracted == 0) return;
    char b[32];
    fe_bytes_human(x->bytes_out, b);
    fprintf(stderr, "%s: %llu record%s, %s extracted %s '%s' in %.2f s\n", fe_progname,
            (unsigned long long)x->extracted, x->extracted == 1 ? "" : "s", b,
            x->tar_path ? "into the tar" : "under", fe_safe(x->tar_path ? x->tar_path : x->dir),
            fe_clock() - started);
}

int main(int argc, char **argv) {
    enum { O_GLOB = 256, O_SALVAGE, O_NO_VERIFY, O_TAR, O_SYNC_END, O_SYNC_EACH };
    static const struct option longopts[] = {
        {"public", required_argument, NULL, 'p'},
        {"pubkey", required_argument, NULL, 'P'},
        {"directory", required_argument, NULL, 'C'},
        {"to-stdout", no_argument, NULL, 'O'},
        {"force", no_argument, NULL, 'f'},
        {"glob", no_argument, NULL, O_GLOB},
        {"salvage", no_argument, NULL, O_SALVAGE},
        {"no-verify", no_argument, NULL, O_NO_VERIFY},
        {"tar", required_argument, NULL, O_TAR},
        {"sync", no_argument, NULL, O_SYNC_END},
        {"sync-each", no_argument, NULL, O_SYNC_EACH},
        FE_SELECT_LONGOPTS,
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    xctx x;
    rpt_reader *r = NULL;
    int c, rc, from_stdin, dir_given = 0;

    fe_init(argv[0]);
    memset(&x, 0, sizeof x);
    x.dir = ".";
    x.dirfd = -1;
    while ((c = fe_getopt(argc, argv, "p:P:C:OfEvqhV", longopts)) != -1) {
        if (fe_select_option(&x.sel, c, optarg)) continue;
        switch (c) {
        case 'p': if (fe_keys_add_file(&x.keys, optarg)) exit(FE_EXIT_USAGE); break;
        case 'P': if (fe_keys_add_base64(&x.keys, optarg)) exit(FE_EXIT_USAGE); break;
        case 'C': x.dir = optarg, dir_given = 1; break;
        case 'O': x.to_stdout = 1; break;
        case 'f': x.force = 1; break;
        case O_GLOB: x.glob = 1; break;
        case O_SALVAGE: x.salvage = 1; break;
        case O_NO_VERIFY: x.no_verify = 1; break;
        case O_SYNC_END: x.sync_end = 1; break;
        case O_SYNC_EACH: x.sync_each = 1; break;
        case O_TAR: x.tar_path = optarg; break;
        case 'v': x.verbose = 1; break;
        case 'q': x.quiet = 1; break;
        case 'h': fputs(usage_text, stdout); return FE_EXIT_OK;
        case 'V': fe_print_version();
        default: fe_usage_error("unknown option");
        }
    }
    fe_select_ready(&x.sel);
    if (optind == argc) fe_usage_error("no archive given");
    x.archive = argv[optind++];
    x.names = argv + optind;
    x.n_names = (size_t)(argc - optind);
    x.matched = calloc(x.n_names + 1, 1);
    if (!x.matched) fe_die(FE_EXIT_USAGE, "out of memory");
    if (x.no_verify && x.keys.n) fe_usage_error("--no-verify and -p/-P contradict each other");
    from_stdin = strcmp(x.archive, "-") == 0;
    if (x.no_verify && (from_stdin || x.salvage))
        fe_usage_error("--no-verify needs random access; a pipe or a salvage scan always verifies");
    if ((x.sync_end || x.sync_each) &&
        (x.to_stdout || (x.tar_path && strcmp(x.tar_path, "-") == 0)))
        fe_usage_error("--sync and --sync-each make files durable; -O and --tar - write to "
                       "standard output");
    if (x.tar_path && (x.to_stdout || dir_given))
        fe_usage_error("--tar writes one file; -O and -C do not apply to it");
    if (x.tar_path && x.no_verify)
        fe_usage_error("--tar holds verified records only; --no-verify does not apply to it");
    if (x.salvage && x.sel.sort != FE_SORT_NONE)
        fe_usage_error("--salvage writes records as it recovers them, in file order; "
                       "--sort does not apply to it");
    if (x.tar_path) need_tar_library(); /* before any work */
    if (!x.to_stdout && !x.tar_path) {
        x.dirfd = open_dir(x.dir);
        x.held.near = x.dir; /* it takes the files; /tmp may be memory */
    }
    /* an unnamed file is named by its descriptor, or through /proc/self/fd;
     * where neither will do, the first failure turns them off */
    x.unnamed = 1;
    x.link_empty = 1;

    if (from_stdin) {
        x.archive = "(stdin)";
        rc = rpt_reader_open_fd(&r, STDIN_FILENO, x.salvage ? RPT_OPEN_SALVAGE : 0);
    } else {
        rc = rpt_reader_open_path(&r, x.archive, x.salvage ? RPT_OPEN_SALVAGE : 0);
    }
    if (rc != RPT_OK) {
        fe_warn("%s: %s%s", x.archive, r ? rpt_reader_error(r) : rpt_strerror(rc),
                fe_exit_status(rc) == FE_EXIT_DAMAGED ? " (--salvage recovers intact records)" : "");
        rpt_reader_free(r);
        exit(fe_exit_status(rc)); /* exit, not return: x still owns memory */
    }
    if (fe_keys_trust(&x.keys, r)) exit(FE_EXIT_USAGE);
    if (x.no_verify && !x.quiet)
        fe_warn("note: --no-verify: signatures and digests are NOT checked");
    if (x.tar_path) open_tar(&x);

    double started = fe_clock();
    if (from_stdin || x.salvage) extract_sequential(&x, r);
    else {
        extract_indexed(&x, r);
        int tail = fe_report_tail(x.archive, r);
        if (tail) problem(&x, tail);
    }
    sync_all(&x);
    /* what verified goes into the tar, whatever else failed */
    if (x.tar) finish_tar(&x);
    summary(&x, started);
    if (x.extracted == 0 && x.status == 0 && fe_select_filters(&x.sel) && !x.quiet)
        fe_warn("note: no record matches --since, --until and --grep");

    rpt_reader_free(r);
    if (x.dirfd >= 0) close(x.dirfd);
    if (x.parent) close(x.parent_fd);
    free(x.parent);
    if (x.held_out) fclose(x.held_out);
    holdq_free(&x.held);
    /* without -p/-P nothing says who signed: the same note and status as
     * every tool (--no-verify has said more already) */
    x.status = fe_keys_none(&x.keys, x.status, !x.no_verify);
    fe_keys_free(&x.keys);
    free(x.matched);
    fe_select_free(&x.sel);
    if (fflush(stdout) != 0) problem(&x, FE_EXIT_USAGE);
    return x.status;
}
