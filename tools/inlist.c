/* SPDX-License-Identifier: ISC */
/* inlist.c -- rpt-pack's inputs, in memory and then in a scratch file.
 * The file is private to this process, so an input is stored as its
 * fixed part copied byte for byte (pointers included: they point into
 * memory this process keeps) followed by its three strings. */
#include "inlist.h"

#include "fe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct stored {
    uint64_t size;
    int64_t mtime, row_issued;
    const uint8_t *mem;
    manifest_row *row;
    uint32_t name_len, given_len, path_len; /* UINT32_MAX: no path */
    uint8_t mboxrd, have_row_issued, given_is_name, path_is_given;
} stored;

#define NO_PATH UINT32_MAX

void inlist_init(inlist *l, const char *near, size_t memory) {
    memset(l, 0, sizeof *l);
    l->near = near;
    l->memory = memory;
}

/* Moves what is in memory to the scratch file, making it first: near
 * the archive (that file system must hold the archive anyway, and /tmp
 * is often memory), else in $TMPDIR or /tmp (fe_scratch_near). */
static int spill(inlist *l) {
    if (!l->file && !(l->file = fe_scratch_near(l->near, l->where, sizeof l->where))) return -1;
    if (l->len && fwrite(l->buf, 1, l->len, l->file) != l->len) return -1;
    l->len = 0;
    return 0;
}

static int put(inlist *l, const void *p, size_t n) {
    if (l->len + n > l->cap) {
        size_t cap = l->cap ? l->cap : 4096;
        while (cap < l->len + n) cap *= 2;
        uint8_t *b = realloc(l->buf, cap);
        if (!b) return -1;
        l->buf = b;
        l->cap = cap;
    }
    memcpy(l->buf + l->len, p, n);
    l->len += n;
    return 0;
}

int inlist_add(inlist *l, const input *e) {
    stored s;
    if (l->reading) {
        errno = EINVAL;
        return -1;
    }
    memset(&s, 0, sizeof s);
    s.size = e->size;
    s.mtime = e->mtime;
    s.row_issued = e->row_issued;
    s.mem = e->mem;
    s.row = e->row;
    s.mboxrd = (uint8_t)!!e->mboxrd;
    s.have_row_issued = (uint8_t)!!e->have_row_issued;
    /* usually the name, the path and what was given are the same text */
    s.given_is_name = strcmp(e->given, e->name) == 0;
    s.path_is_given = e->path && strcmp(e->path, e->given) == 0;
    s.name_len = (uint32_t)strlen(e->name);
    s.given_len = s.given_is_name ? 0 : (uint32_t)strlen(e->given);
    s.path_len = !e->path ? NO_PATH : s.path_is_given ? 0 : (uint32_t)strlen(e->path);
    if (put(l, &s, sizeof s) || put(l, e->name, s.name_len) ||
        (!s.given_is_name && put(l, e->given, s.given_len)) ||
        (e->path && !s.path_is_given && put(l, e->path, s.path_len)))
        return -1;
    l->n++;
    l->bytes += e->size;
    if (l->len >= l->memory && spill(l) != 0) return -1;
    return 0;
}

int inlist_rewind(inlist *l) {
    l->reading = 1;
    l->at = 0;
    if (!l->file) return 0;
    if (spill(l) != 0 || fflush(l->file) != 0) return -1;
    rewind(l->file);
    return 0;
}

/* n bytes of the current pass into p. Returns 0, or -1 at a short read
 * (errno EIO when the file was cut, since nothing else writes to it). */
static int take(inlist *l, void *p, size_t n) {
    if (!l->file) {
        if (n > l->len - l->at) {
            errno = EIO;
            return -1;
        }
        memcpy(p, l->buf + l->at, n);
        l->at += n;
        return 0;
    }
    if (fread(p, 1, n, l->file) == n) return 0;
    if (!ferror(l->file)) errno = EIO;
    return -1;
}

static int more(inlist *l) {
    if (!l->file) return l->at < l->len;
    int c = getc(l->file);
    if (c == EOF) return 0;
    ungetc(c, l->file);
    return 1;
}

int inlist_next(inlist *l, input *e) {
    stored s;
    if (!l->reading) {
        errno = EINVAL;
        return -1;
    }
    if (!more(l)) return l->file && ferror(l->file) ? -1 : 0;
    if (take(l, &s, sizeof s) != 0) return -1;
    size_t path_len = s.path_len == NO_PATH ? 0 : s.path_len;
    size_t need = (size_t)s.name_len + s.given_len + path_len + 3;
    if (need > l->text_cap) {
        char *t = realloc(l->text, need);
        if (!t) return -1;
        l->text = t;
        l->text_cap = need;
    }
    char *name = l->text, *given = name + s.name_len + 1, *path = given + s.given_len + 1;
    if (take(l, name, s.name_len) || take(l, given, s.given_len) || take(l, path, path_len)) return -1;
    name[s.name_len] = given[s.given_len] = path[path_len] = '\0';
    memset(e, 0, sizeof *e);
    e->name = name;
    e->given = s.given_is_name ? name : given;
    e->path = s.path_len == NO_PATH ? NULL : s.path_is_given ? e->given : path;
    e->size = s.size;
    e->mtime = s.mtime;
    e->mem = s.mem;
    e->mboxrd = s.mboxrd;
    e->row = s.row;
    e->have_row_issued = s.have_row_issued;
    e->row_issued = s.row_issued;
    return 1;
}

void inlist_free(inlist *l) {
    if (l->file) fclose(l->file);
    free(l->buf);
    free(l->text);
    memset(l, 0, sizeof *l);
}
