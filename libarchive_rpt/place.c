/* SPDX-License-Identifier: ISC */
/* place.c -- a new file (an archive, a key) is written where no one can
 * mistake it for the real one and moved into place only when complete:
 * an unnamed O_TMPFILE where the file system has one, else a temporary
 * named PATH.rpt-tmp-HEX. Used by the writer and by key saving alike.
 * Also where scratch files go: next to the archive, or in TMPDIR. */
#include "place.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TEMP_INFIX ".rpt-tmp-"

/* What stands at path, if anything, may be replaced only when it is a
 * regular file: never a device (-o /dev/stdout as root), a FIFO, a
 * symbolic link or a directory. */
static int check_target(const rpti_place *p, char *err) {
    struct stat st;
    if (lstat(p->path, &st) != 0) {
        if (errno == ENOENT) return RPT_OK;
        return rpti_seterr(err, RPT_E_IO, "cannot look at '%s': %s", p->path, strerror(errno));
    }
    if (!S_ISREG(st.st_mode))
        return rpti_seterr(err, RPT_E_EXISTS,
                           "'%s' is %s, not a regular file; it is never replaced", p->path,
                           S_ISDIR(st.st_mode) ? "a directory" : S_ISLNK(st.st_mode) ? "a symbolic link"
                           : S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISSOCK(st.st_mode) ? "a socket"
                                                                                   : "a device");
    if (!p->overwrite)
        return rpti_seterr(err, RPT_E_EXISTS, "'%s' exists (overwrite was not asked for)", p->path);
    return RPT_OK;
}

/* The directory part of path, for O_TMPFILE and for syncing. */
static char *dir_of(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return strdup(".");
    if (slash == path) return strdup("/");
    size_t n = (size_t)(slash - path);
    char *dir = malloc(n + 1);
    if (dir) {
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    return dir;
}

/* An unnamed file in dir, given a name only at commit through
 * /proc/self/fd; a kill -9 or a power loss leaves nothing behind. */
static int open_unnamed(const char *dir, mode_t mode) {
#ifdef O_TMPFILE
    if (access("/proc/self/fd", X_OK) != 0) return -1;
    return open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
#else
    (void)dir;
    (void)mode;
    errno = EOPNOTSUPP;
    return -1;
#endif
}

/* Twelve random hex digits, for names no one else picks. */
static void random_hex(char hex[13]) {
    uint8_t rnd[6];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(hex, 13, rnd, sizeof rnd);
}

/* A new random temporary name for p->path, PATH.rpt-tmp-HEX, into p->tmp
 * (allocated on first use). Returns 0, or -1 when memory ran out. */
static int temp_name(rpti_place *p) {
    size_t cap = strlen(p->path) + sizeof TEMP_INFIX + 13;
    if (!p->tmp && !(p->tmp = malloc(cap))) return -1;
    char hex[13];
    random_hex(hex);
    snprintf(p->tmp, cap, "%s" TEMP_INFIX "%s", p->path, hex);
    return 0;
}

/* A fresh PATH.rpt-tmp-HEX, created exclusively. */
static int open_named(rpti_place *p, mode_t mode, char *err) {
    for (int attempt = 0; attempt < 16; attempt++) {
        if (temp_name(p)) return rpti_seterr(err, RPT_E_NOMEM, "out of memory");
        p->fd = open(p->tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, mode);
        if (p->fd >= 0) return RPT_OK;
        if (errno != EEXIST) break;
    }
    int e = errno;
    free(p->tmp);
    p->tmp = NULL;
    return rpti_seterr(err, RPT_E_IO, "cannot create a temporary file next to '%s': %s", p->path,
                       strerror(e));
}

int rpti_place_open(rpti_place *p, const char *path, int overwrite, mode_t mode, char *err) {
    memset(p, 0, sizeof *p);
    p->fd = -1;
    p->overwrite = overwrite;
    if (!path || !*path) return rpti_seterr(err, RPT_E_ARG, "no path given");
    if (!(p->path = strdup(path))) return rpti_seterr(err, RPT_E_NOMEM, "out of memory");
    int rc = check_target(p, err);
    if (rc) return rc;
    char *dir = dir_of(path);
    if (!dir) return rpti_seterr(err, RPT_E_NOMEM, "out of memory");
    p->fd = open_unnamed(dir, mode);
    free(dir);
    return p->fd >= 0 ? RPT_OK : open_named(p, mode, err);
}

/* Gives the unnamed file the name to, without replacing anything. */
static int link_unnamed(const rpti_place *p, const char *to) {
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", p->fd);
    return linkat(AT_FDCWD, proc, AT_FDCWD, to, AT_SYMLINK_FOLLOW);
}

static void sync_dir(const char *path) {
    char *dir = dir_of(path);
    if (!dir) return;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    free(dir);
}

/* Without overwrite, link() is the no-clobber check and the move in one
 * atomic step; with it, rename() replaces a regular file atomically. */
static int move_into_place(rpti_place *p, char *err) {
    int rc = check_target(p, err);
    if (rc) return rc;
    if (!p->tmp && !p->overwrite) {
        if (link_unnamed(p, p->path) == 0) return RPT_OK;
    } else if (!p->tmp) { /* a name of its own first, then rename over */
        if (temp_name(p)) return rpti_seterr(err, RPT_E_NOMEM, "out of memory");
        if (link_unnamed(p, p->tmp) != 0) {
            int e = errno;
            free(p->tmp);
            p->tmp = NULL;
            errno = e;
        } else if (rename(p->tmp, p->path) == 0) {
            return RPT_OK;
        }
    } else if (p->overwrite ? rename(p->tmp, p->path) == 0
                            : link(p->tmp, p->path) == 0 && unlink(p->tmp) == 0) {
        return RPT_OK;
    }
    int e = errno;
    return rpti_seterr(err, e == EEXIST ? RPT_E_EXISTS : RPT_E_IO,
                       "cannot move the new file into place as '%s': %s", p->path, strerror(e));
}

int rpti_place_commit(rpti_place *p, char *err) {
    if (p->fd < 0) return rpti_seterr(err, RPT_E_ARG, "nothing to commit");
    if (fsync(p->fd) != 0 && errno != EINVAL && errno != EROFS)
        return rpti_seterr(err, RPT_E_IO, "cannot sync '%s': %s", p->path, strerror(errno));
    /* A named temporary is closed first, as a network file system may
     * report a write error only then; an unnamed one needs its descriptor
     * to be given a name, and its data is already synced. */
    if (p->tmp) {
        int bad = close(p->fd) != 0;
        p->fd = -1;
        if (bad) return rpti_seterr(err, RPT_E_IO, "cannot close '%s': %s", p->tmp, strerror(errno));
    }
    int rc = move_into_place(p, err);
    if (rc) return rc;
    if (p->fd >= 0) close(p->fd);
    p->fd = -1;
    free(p->tmp);
    p->tmp = NULL;
    sync_dir(p->path);
    return RPT_OK;
}

void rpti_place_discard(rpti_place *p) {
    if (p->fd >= 0) close(p->fd);
    if (p->tmp) unlink(p->tmp);
    free(p->tmp);
    free(p->path);
    memset(p, 0, sizeof *p);
    p->fd = -1;
}

const char *rpti_place_temp(const rpti_place *p) { return p->tmp; }

/* ----- scratch files ----- */
#define SCRATCH_NAME ".rpt-scratch-"

int rpti_scratch_unnamed = 1;

/* secure_getenv: a set-user-ID program using the library does not put
 * its scratch files where its caller says. */
static const char *temp_dir(void) {
    const char *t = secure_getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

/* DIR/.rpt-scratch-HEX, created exclusively and unlinked at once: only a
 * kill between the two can leave it behind. */
static int scratch_named(const char *dir) {
    char name[PATH_MAX];
    int fd = -1;
    for (int attempt = 0; fd < 0 && attempt < 16; attempt++) {
        char hex[13];
        random_hex(hex);
        if ((size_t)snprintf(name, sizeof name, "%s/" SCRATCH_NAME "%s", dir, hex) >= sizeof name) {
            errno = ENAMETOOLONG;
            return -1;
        }
        fd = open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd < 0 && errno != EEXIST) return -1;
    }
    if (fd >= 0 && unlink(name) != 0) {
        int e = errno;
        close(fd);
        (void)unlink(name); /* once more, as any failed step cleans up */
        errno = e;
        return -1;
    }
    return fd;
}

static int scratch_in(const char *dir) {
#ifdef O_TMPFILE
    if (rpti_scratch_unnamed) {
        int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        /* an old kernel takes O_TMPFILE for O_DIRECTORY (EISDIR); some
         * file systems have no unnamed files (EOPNOTSUPP) */
        if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)) return fd;
    }
#endif
    return scratch_named(dir);
}

int rpti_scratch_open(const char *near, char *dir) {
    char *d = near ? dir_of(near) : NULL;
    if (d) {
        snprintf(dir, RPT_ERRLEN, "%s", d);
        int fd = scratch_in(d);
        free(d);
        if (fd >= 0) return fd;
    }
    const char *t = temp_dir();
    snprintf(dir, RPT_ERRLEN, "%s", t);
    return scratch_in(t);
}
