/* SPDX-License-Identifier: ISC */
/* fe_temp.c -- temporary files a tool must not leave behind when it is
 * interrupted: SIGINT, SIGTERM and SIGHUP remove every one registered
 * here, then the signal takes its default course (the exit status says
 * which signal). SIGKILL and a power loss cannot be caught; that is why
 * the library prefers unnamed O_TMPFILE temporaries, and so do the
 * tools' scratch files (fe_scratch). */
#include "fe.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fe_temp {
    int dirfd;      /* AT_FDCWD or a directory the tool keeps open */
    char *name;
    struct fe_temp *next;
};

/* The handler reads the list while the main thread changes it only with
 * the signals blocked, so it never sees a half-linked entry. */
static struct fe_temp *volatile temps;
static const int temp_signals[] = {SIGINT, SIGTERM, SIGHUP};

static void remove_temps(int sig) {
    for (struct fe_temp *t = temps; t; t = t->next) unlinkat(t->dirfd, t->name, 0);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void block(sigset_t *old) {
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof temp_signals / sizeof temp_signals[0]; i++)
        sigaddset(&set, temp_signals[i]);
    sigprocmask(SIG_BLOCK, &set, old);
}

static void install_once(void) {
    static int installed;
    if (installed) return;
    installed = 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = remove_temps;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof temp_signals / sizeof temp_signals[0]; i++) {
        struct sigaction old;
        /* a signal the caller chose to ignore (nohup) stays ignored */
        if (sigaction(temp_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN) continue;
        sigaction(temp_signals[i], &sa, NULL);
    }
}

fe_temp *fe_temp_add(int dirfd, const char *name) {
    fe_temp *t = malloc(sizeof *t);
    char *copy = strdup(name);
    if (!t || !copy) fe_die(FE_EXIT_USAGE, "out of memory");
    t->dirfd = dirfd;
    t->name = copy;
    sigset_t old;
    block(&old);
    install_once();
    t->next = temps;
    temps = t;
    sigprocmask(SIG_SETMASK, &old, NULL);
    return t;
}

void fe_temp_forget(fe_temp *t) {
    if (!t) return;
    sigset_t old;
    block(&old);
    struct fe_temp *volatile *p = &temps;
    while (*p && *p != t) p = &(*p)->next;
    if (*p) *p = t->next;
    sigprocmask(SIG_SETMASK, &old, NULL);
    free(t->name);
    free(t);
}

void fe_signals_hold(int hold) {
    static sigset_t old;
    if (hold) block(&old);
    else sigprocmask(SIG_SETMASK, &old, NULL);
}

/* The way of a file system without O_TMPFILE: a name removed at once. */
static int scratch_named(const char *dir) {
    char name[PATH_MAX];
    if ((size_t)snprintf(name, sizeof name, "%s/.rpt-scratch-XXXXXX", dir) >= sizeof name) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = mkostemp(name, O_CLOEXEC);
    if (fd >= 0 && unlink(name) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* An unnamed file in dir: O_TMPFILE, else a name removed at once. */
static int scratch_in(const char *dir) {
#ifdef O_TMPFILE
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)) return fd;
#endif
    return scratch_named(dir);
}

FILE *fe_scratch_near(const char *near, char *where, size_t cap) {
    const char *tmp = getenv("TMPDIR");
    const char *dir = near;
    int fd = near ? scratch_in(near) : -1;
    if (fd < 0) {
        dir = tmp && *tmp ? tmp : "/tmp";
        fd = scratch_in(dir);
    }
    if (where && cap) snprintf(where, cap, "%s", dir);
    FILE *f = fd >= 0 ? fdopen(fd, "w+") : NULL;
    if (!f && fd >= 0) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return f;
}

FILE *fe_scratch(void) {
    char where[PATH_MAX];
    FILE *f = fe_scratch_near(NULL, where, sizeof where);
    if (!f)
        fe_die(FE_EXIT_USAGE, "cannot make a scratch file in '%s': %s (TMPDIR chooses where)",
               where, strerror(errno));
    return f;
}
