/* SPDX-License-Identifier: ISC */
/* shim.c -- counting wrappers for the allocator and the I/O calls of the
 * library, linked in with -Wl,--wrap=NAME (see FAULT_WRAP in the
 * Makefile): the library's call to NAME lands in __wrap_NAME, which may
 * fail it, and otherwise calls the real one as __real_NAME. Counters are
 * atomic because the writer and the verifier have worker threads. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/types.h>

/* The real functions, as the linker names them. */
void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void __real_free(void *p);
void *__real_sodium_malloc(size_t n);
void __real_sodium_free(void *p);
ssize_t __real_write(int fd, const void *p, size_t n);
ssize_t __real_read(int fd, void *p, size_t n);
ssize_t __real_pread(int fd, void *p, size_t n, off_t off);
ssize_t __real_pwrite(int fd, const void *p, size_t n, off_t off);
int __real_fsync(int fd);
int __real_ftruncate(int fd, off_t len);
int __real_rename(const char *a, const char *b);
int __real_link(const char *a, const char *b);
int __real_linkat(int da, const char *a, int db, const char *b, int flags);
int __real_unlink(const char *a);
int __real_open(const char *path, int flags, ...);
int __real_mkstemp(char *tmpl);
int __real_close(int fd);
int __real_flock(int fd, int op);
off_t __real_lseek(int fd, off_t off, int whence);
int __real_fchmod(int fd, mode_t mode);
int __real_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);

/* The same, as the wrappers are named: declared here so that
 * -Wmissing-prototypes is satisfied. */
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
void __wrap_free(void *p);
void *__wrap_sodium_malloc(size_t n);
void __wrap_sodium_free(void *p);
ssize_t __wrap_write(int fd, const void *p, size_t n);
ssize_t __wrap_read(int fd, void *p, size_t n);
ssize_t __wrap_pread(int fd, void *p, size_t n, off_t off);
ssize_t __wrap_pwrite(int fd, const void *p, size_t n, off_t off);
int __wrap_fsync(int fd);
int __wrap_ftruncate(int fd, off_t len);
int __wrap_rename(const char *a, const char *b);
int __wrap_link(const char *a, const char *b);
int __wrap_linkat(int da, const char *a, int db, const char *b, int flags);
int __wrap_unlink(const char *a);
int __wrap_open(const char *path, int flags, ...);
int __wrap_mkstemp(char *tmpl);
int __wrap_close(int fd);
int __wrap_flock(int fd, int op);
off_t __wrap_lseek(int fd, off_t off, int whence);
int __wrap_fchmod(int fd, mode_t mode);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);

/* What a call is, for deciding which faults apply to it. */
enum { ALLOC = 1, IO = 2, SPACE = 4, WRITE = 8, READ = 16 };

static _Atomic int armed_kind;
static _Atomic long armed_nth, seen;
static _Atomic int fired, disk_full;
static const char *_Atomic fired_at;
static _Atomic long live;

static int applies(fault_kind k, int what) {
    switch (k) {
    case FAULT_ALLOC:
    case FAULT_ALLOC_ALL: return (what & ALLOC) != 0;
    case FAULT_EIO:
    case FAULT_EIO_ALL: return (what & IO) != 0;
    case FAULT_ENOSPC: return (what & SPACE) != 0;
    case FAULT_SHORT_FULL:
    case FAULT_SHORT: return (what & WRITE) != 0;
    case FAULT_SHORT_READ: return (what & READ) != 0;
    default: return 0;
    }
}

/* Counts the call and says whether this one fails. */
static int hit(const char *name, int what) {
    fault_kind k = (fault_kind)atomic_load(&armed_kind);
    if (!applies(k, what)) return 0;
    long i = atomic_fetch_add(&seen, 1) + 1;
    long n = atomic_load(&armed_nth);
    if (i == n || ((k == FAULT_ALLOC_ALL || k == FAULT_EIO_ALL) && i > n)) {
        if (i == n) fired_at = name;
        atomic_store(&fired, 1);
        return 1;
    }
    return 0;
}

void shim_arm(fault_kind kind, long nth) {
    atomic_store(&seen, 0);
    atomic_store(&fired, 0);
    atomic_store(&disk_full, 0);
    fired_at = "";
    atomic_store(&armed_nth, nth);
    atomic_store(&armed_kind, (int)kind);
}

int shim_disarm(const char **where) {
    atomic_store(&armed_kind, FAULT_NONE);
    if (where) *where = fired_at;
    return atomic_load(&fired);
}

long shim_live_blocks(void) { return atomic_load(&live); }

const char *shim_kind_name(fault_kind kind) {
    static const char *names[FAULT_KINDS] = {"none",   "alloc",      "alloc-all", "EIO", "EIO-all",
                                             "ENOSPC", "short+full", "short",     "short-read"};
    return kind < FAULT_KINDS ? names[kind] : "?";
}

static int fail_io(int err) {
    errno = err;
    return -1;
}

/* The errno for a failing I/O call under the armed kind. */
static int io_errno(void) {
    fault_kind k = (fault_kind)atomic_load(&armed_kind);
    return k == FAULT_EIO || k == FAULT_EIO_ALL ? EIO : ENOSPC;
}

/* ----- allocations ----- */
static void *counted(void *p) {
    if (p) atomic_fetch_add(&live, 1);
    return p;
}

void *__wrap_malloc(size_t n) { return hit("malloc", ALLOC) ? NULL : counted(__real_malloc(n)); }
void *__wrap_calloc(size_t k, size_t n) { return hit("calloc", ALLOC) ? NULL : counted(__real_calloc(k, n)); }
char *__wrap_strdup(const char *s) { return hit("strdup", ALLOC) ? NULL : counted(__real_strdup(s)); }

void *__wrap_realloc(void *p, size_t n) {
    if (hit("realloc", ALLOC)) return NULL;
    void *q = __real_realloc(p, n);
    return p ? q : counted(q);
}

void __wrap_free(void *p) {
    if (p) atomic_fetch_sub(&live, 1);
    __real_free(p);
}

void *__wrap_sodium_malloc(size_t n) {
    return hit("sodium_malloc", ALLOC) ? NULL : counted(__real_sodium_malloc(n));
}

void __wrap_sodium_free(void *p) {
    if (p) atomic_fetch_sub(&live, 1);
    __real_sodium_free(p);
}

/* ----- I/O ----- */
/* What a write of n bytes does under the armed fault. */
enum { W_WHOLE, W_FAIL, W_HALF };
static int write_fault(const char *name, size_t n) {
    if (atomic_load(&disk_full)) {
        errno = ENOSPC;
        return W_FAIL;
    }
    if (!hit(name, IO | SPACE | (n >= 2 ? WRITE : 0))) return W_WHOLE;
    fault_kind k = (fault_kind)atomic_load(&armed_kind);
    if (k == FAULT_SHORT || k == FAULT_SHORT_FULL) {
        if (k == FAULT_SHORT_FULL) atomic_store(&disk_full, 1);
        return W_HALF;
    }
    errno = io_errno();
    return W_FAIL;
}

ssize_t __wrap_write(int fd, const void *p, size_t n) {
    switch (write_fault("write", n)) {
    case W_FAIL: return -1;
    case W_HALF: return __real_write(fd, p, n / 2);
    default: return __real_write(fd, p, n);
    }
}

ssize_t __wrap_pwrite(int fd, const void *p, size_t n, off_t off) {
    switch (write_fault("pwrite", n)) {
    case W_FAIL: return -1;
    case W_HALF: return __real_pwrite(fd, p, n / 2, off);
    default: return __real_pwrite(fd, p, n, off);
    }
}

ssize_t __wrap_read(int fd, void *p, size_t n) {
    if (!hit("read", IO | (n >= 2 ? READ : 0))) return __real_read(fd, p, n);
    if (atomic_load(&armed_kind) == FAULT_SHORT_READ) return __real_read(fd, p, n / 2);
    return fail_io(EIO);
}

ssize_t __wrap_pread(int fd, void *p, size_t n, off_t off) {
    if (!hit("pread", IO | (n >= 2 ? READ : 0))) return __real_pread(fd, p, n, off);
    if (atomic_load(&armed_kind) == FAULT_SHORT_READ) return __real_pread(fd, p, n / 2, off);
    return fail_io(EIO);
}

int __wrap_fsync(int fd) { return hit("fsync", IO | SPACE) ? fail_io(io_errno()) : __real_fsync(fd); }

int __wrap_ftruncate(int fd, off_t len) {
    return hit("ftruncate", IO | SPACE) ? fail_io(io_errno()) : __real_ftruncate(fd, len);
}

int __wrap_rename(const char *a, const char *b) {
    return hit("rename", IO | SPACE) ? fail_io(io_errno()) : __real_rename(a, b);
}

int __wrap_link(const char *a, const char *b) {
    return hit("link", IO | SPACE) ? fail_io(io_errno()) : __real_link(a, b);
}

int __wrap_linkat(int da, const char *a, int db, const char *b, int flags) {
    return hit("linkat", IO | SPACE) ? fail_io(io_errno()) : __real_linkat(da, a, db, b, flags);
}

int __wrap_unlink(const char *a) { return hit("unlink", IO) ? fail_io(EIO) : __real_unlink(a); }

int __wrap_open(const char *path, int flags, ...) {
    mode_t mode = 0;
    /* O_TMPFILE holds O_DIRECTORY's bit: a plain directory open has no mode */
    if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, unsigned);
        va_end(ap);
    }
    /* O_TMPFILE makes an inode too, and can find the disk full */
    int what = IO | ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? SPACE : 0);
    return hit("open", what) ? fail_io(io_errno()) : __real_open(path, flags, mode);
}

int __wrap_mkstemp(char *tmpl) { return hit("mkstemp", IO | SPACE) ? fail_io(io_errno()) : __real_mkstemp(tmpl); }

/* A failing close still closes, as Linux does. */
int __wrap_close(int fd) {
    int failing = hit("close", IO | SPACE);
    int rc = __real_close(fd);
    return failing ? fail_io(io_errno()) : rc;
}

int __wrap_flock(int fd, int op) { return hit("flock", IO) ? fail_io(EIO) : __real_flock(fd, op); }

off_t __wrap_lseek(int fd, off_t off, int whence) {
    return hit("lseek", IO) ? fail_io(EIO) : __real_lseek(fd, off, whence);
}

int __wrap_fchmod(int fd, mode_t mode) { return hit("fchmod", IO) ? fail_io(EIO) : __real_fchmod(fd, mode); }

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg) {
    return hit("pthread_create", IO) ? EAGAIN : __real_pthread_create(t, a, fn, arg);
}
