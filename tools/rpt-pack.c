/* SPDX-License-Identifier: ISC */
/* rpt-pack -- packs files, mail, manifests and tar or zip members (or
 * standard input) into a signed rpt archive, one record per bulletin, or
 * appends a new sealed generation. */
#include "archive_in.h"
#include "detect.h"
#include "fe.h"
#include "inlist.h"
#include "manifest.h"
#include "mbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* --keep-going skipped inputs, and the archive holds all the others (5
 * is FE_EXIT_BUSY, another appender). */
#define PACK_EXIT_SKIPPED 6

static const char usage_text[] =
    "Usage: rpt-pack -s SECFILE -o ARCHIVE [options] PATH...\n"
    "Pack files and directories into a signed rpt archive, one record each.\n"
    "\n"
    "  -s, --secret FILE      secret key to sign with (minisign format)\n"
    "  -o, --output ARCHIVE   archive to write; '-' for standard output\n"
    "  -f, --force            overwrite an existing archive\n"
    "      --append           add a new sealed generation to ARCHIVE\n"
    "  -p, --public FILE      with --append: also build on generations sealed by\n"
    "                         this minisign public key (repeatable); seals by\n"
    "                         the key of -s are always trusted, any other is\n"
    "                         refused (exit 4)\n"
    "  -P, --pubkey KEY       the same with a base64 public key\n"
    "  -c, --comment TEXT     the signer key's comment in the archive (default:\n"
    "                         the secret key file's untrusted comment)\n"
    "\n"
    "Inputs:\n"
    "  -C, --directory DIR    read PATHs and -T lists' paths inside DIR, as tar\n"
    "                         does; names are the paths as given\n"
    "      --wait[=SECONDS]   with --append: wait while another process appends\n"
    "                         (default: refuse at once with exit 5; no SECONDS:\n"
    "                         wait as long as it takes)\n"
    "  -T, --files-from FILE  read more paths from FILE, one a line ('-': stdin)\n"
    "      --stdin-name NAME  pack standard input as one record called NAME\n"
    "      --manifest FILE    pack the records a manifest lists: CSV with a header\n"
    "                         or JSON Lines, with path, name, issued, title,\n"
    "                         source, media_type and meta.KEY (repeatable)\n"
    "      --mbox FILE        a record per message of an mbox file, named\n"
    "                         BASENAME/000001, BASENAME/000002, ... (repeatable)\n"
    "      --from-archive FILE  a record per member of a tar or zip file ('-':\n"
    "                         stdin), issued at its mtime (repeatable)\n"
    "      --exclude GLOB     skip files and directories that match (repeatable)\n"
    "      --include GLOB     pack only files that match one (repeatable); a GLOB\n"
    "                         with no '/' matches the base name, else the path\n"
    "      --follow           follow symbolic links (default: skip them)\n"
    "  -k, --keep-going       skip an input that cannot be a record, say why in\n"
    "                         one line, pack the rest and exit 5\n"
    "\n"
    "Metadata (an option here wins over a manifest, which wins over detection):\n"
    "      --detect MODE      auto (default): mail when the file starts with mail\n"
    "                         headers (Date, Subject, From, Message-ID), else text\n"
    "                         (first non-empty line as title); mail; text; none\n"
    "      --issued-from-name FORMAT  issued from the start of each file's base\n"
    "                         name, read by strptime FORMAT (%Y-%m-%d, %Y), UTC\n"
    "      --issued TIME      issued time of every record: ISO 8601 or @SECONDS\n"
    "                         (default: detected, else each file's mtime)\n"
    "      --title TEXT       title (default: detected)\n"
    "      --no-title         store no title\n"
    "      --source TEXT      source of the bulletins (default: a mail's From)\n"
    "      --media-type TYPE  media type (default: message/rfc822 for mail,\n"
    "                         text/plain; charset=utf-8 for UTF-8 text,\n"
    "                         application/octet-stream otherwise)\n"
    "      --meta KEY=VALUE   extra metadata, repeatable\n"
    "\n"
    "  -0 ... -9              deflate level (default 6: as small as 9 on bulletins, faster)\n"
    "      --dict auto|none|FILE  preset dictionary (default auto: trained from\n"
    "                         the inputs when there are at least 8 and 64 KiB);\n"
    "                         with --append, none also leaves the archive's\n"
    "                         dictionaries unused\n"
    "  -j, --threads N        worker threads (default: one per core); the\n"
    "                         output is the same for every N\n"
    "      --passphrase-file FILE  passphrase of an encrypted secret key (else\n"
    "                         asked on the terminal, three tries)\n"
    "  -v, --verbose          name each record as it is packed\n"
    "  -q, --quiet            no progress, no summary\n"
    "  -h, --help             show this help;  -V, --version  show the version\n"
    "\n"
    "An append checks every earlier seal first, and never cuts off a tail that\n"
    "holds a seal whose signature verifies (a damaged trailer): it stops, exit 3.\n"
    "\n"
    "SOURCE_DATE_EPOCH sets the creation time and makes the archive id a\n"
    "function of the key, that time and the inputs: same inputs, same bytes.\n"
    "\n" FE_EXIT_HELP
    "5 (rpt-pack only) another process is appending to the archive (see --wait);\n"
    "6 (rpt-pack only) the archive was written, but --keep-going skipped inputs.\n";

/* Deflate level 6 by default. On bulletins of a few kilobytes with a
 * trained dictionary, level 9 saved 0.1% of the bytes and took a third
 * more time on ../shared/corpus; below 6 the archive grows by 1% a level. */
#define DEFAULT_LEVEL 6
#define DICT_MIN_RECORDS 8
#define DICT_MIN_BYTES (64u * 1024)
#define DICT_SAMPLE_FILES 400
#define DICT_SAMPLE_BYTES (2u << 20) /* per dictionary */
#define DICT_GROUP_MIN_BYTES (256u * 1024)
#define DICT_GROUPS_MAX 4
#define DICT_GROUPS_SEEN 64
/* minisign's own comment for every secret key: it says nothing of the key */
#define MINISIGN_SEC_COMMENT "minisign encrypted secret key"

typedef struct dirid {
    dev_t dev;
    ino_t ino;
} dirid;

typedef struct strlist {
    const char **v;
    size_t n;
} strlist;

typedef struct mapping {
    void *p;
    size_t len;
} mapping;

typedef struct pack {
    /* options */
    const char *sec_path, *out_path, *pass_file, *stdin_name, *dict_opt, *dir, *comment;
    const char *title, *source, *media_type, *name_format;
    int force, append, follow, no_title, level, quiet, verbose, have_issued, keep_going;
    int lock_wait; /* --wait: seconds, -1 for as long as it takes */
    detect_mode detect;
    unsigned threads;
    int64_t issued, epoch;
    rpt_meta *meta;
    size_t n_meta;
    strlist excludes, includes, lists, manifests, mboxes, archives;
    fe_keys sealers; /* -p/-P: whose earlier seals an append builds on */
    /* inputs */
    inlist in;
    uint64_t *name_hash; /* one a input, for duplicates; freed once checked */
    size_t n_hash, hash_cap;
    uint8_t **owned;     /* archive members' contents, which inputs point to */
    size_t n_owned, owned_cap;
    struct dgroup *groups; /* the sections that have dictionaries of their own */
    size_t n_groups;
    int bad;        /* an input was refused: report them all, then stop */
    size_t skipped; /* --keep-going: inputs left out */
    dirid *stack;
    size_t depth, stack_cap;
    uint8_t *stdin_data;
    size_t stdin_len;
    manifest *manifests_read;
    mapping *maps;
    size_t n_maps;
} pack;

/* ---------------------------------------------------------------- problems */

/* An input that cannot be a record: with --keep-going it is skipped with
 * one line, otherwise every such input is said and nothing is written. */
static void refuse(pack *pk, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(pack *pk, const char *fmt, ...) {
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (pk->keep_going) {
        fe_warn("skipped %s", msg);
        pk->skipped++;
    } else {
        fe_warn("%s", msg);
        pk->bad = 1;
    }
}

static void strlist_add(strlist *l, const char *s) {
    const char **v = realloc(l->v, (l->n + 1) * sizeof *v);
    if (!v) fe_die(FE_EXIT_USAGE, "out of memory");
    v[l->n++] = s;
    l->v = v;
}

static char *join_path(const char *dir, const char *rel) {
    size_t a = strlen(dir);
    int slash = a > 0 && dir[a - 1] == '/';
    char *p = malloc(a + strlen(rel) + 2);
    if (!p) fe_die(FE_EXIT_USAGE, "out of memory");
    sprintf(p, "%s%s%s", dir, slash ? "" : "/", rel);
    return p;
}

static char *xstrdup(const char *s) {
    char *p = strdup(s);
    if (!p) fe_die(FE_EXIT_USAGE, "out of memory");
    return p;
}

/* The directory of path: "." for a bare name. */
static char *dir_of(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return xstrdup(".");
    if (slash == path) return xstrdup("/");
    char *dir = strndup(path, (size_t)(slash - path));
    if (!dir) fe_die(FE_EXIT_USAGE, "out of memory");
    return dir;
}

static const char *base_name(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* ---------------------------------------------------------------- filters */

/* A GLOB with no '/' matches the base name, as in rsync; one with a '/'
 * matches the whole path or any tail of it that starts after a '/'. */
static int glob_matches(const char *glob, const char *path) {
    if (!strchr(glob, '/')) return fnmatch(glob, base_name(path), 0) == 0;
    for (const char *p = path; p; p = strchr(p, '/') ? strchr(p, '/') + 1 : NULL)
        if (fnmatch(glob, p, FNM_PATHNAME) == 0) return 1;
    return 0;
}

static int excluded(const pack *pk, const char *path) {
    for (size_t i = 0; i < pk->excludes.n; i++)
        if (glob_matches(pk->excludes.v[i], path)) return 1;
    return 0;
}

/* --include names the files to pack; directories are always walked. */
static int included(const pack *pk, const char *path) {
    if (pk->includes.n == 0) return 1;
    for (size_t i = 0; i < pk->includes.n; i++)
        if (glob_matches(pk->includes.v[i], path)) return 1;
    return 0;
}

/* ---------------------------------------------------------------- inputs */

/* Dies with a message naming the scratch file's place, when known. */
static void list_failed(const pack *pk) {
    if (pk->in.where[0])
        fe_die(FE_EXIT_USAGE, "cannot keep the list of inputs in a scratch file in '%s': %s",
               pk->in.where, strerror(errno));
    fe_die(FE_EXIT_USAGE, "cannot keep the list of inputs: %s", strerror(errno));
}

/* A short hash of a name: duplicates are found among these, and only a
 * match is compared in full (check_duplicates). */
static uint64_t name_hash(const char *name) {
    static const uint8_t key[crypto_shorthash_KEYBYTES]; /* no secret: a collision costs a pass */
    uint8_t h[crypto_shorthash_BYTES];
    uint64_t v = 0;
    crypto_shorthash(h, (const uint8_t *)name, strlen(name), key);
    for (int i = 0; i < 8; i++) v |= (uint64_t)h[i] << (8 * i);
    return v;
}

/* Adds an input to the list (which copies its strings). */
static void keep_input(pack *pk, const input *e) {
    fe_grow(&pk->name_hash, &pk->hash_cap, pk->n_hash + 1, sizeof *pk->name_hash, 1024);
    pk->name_hash[pk->n_hash++] = name_hash(e->name);
    if (inlist_add(&pk->in, e) != 0) list_failed(pk);
}

/* A fresh input with its name and where it came from. */
static input input_of(const char *name, const char *given, uint64_t size, int64_t mtime) {
    input e;
    memset(&e, 0, sizeof e);
    e.name = name;
    e.given = given;
    e.size = size;
    e.mtime = mtime;
    return e;
}

/* Starts a pass over the inputs. */
static void pass_start(pack *pk) {
    if (inlist_rewind(&pk->in) != 0) list_failed(pk);
}

/* The next input of a pass: 1, or 0 at the end. */
static int pass_next(pack *pk, input *e) {
    int rc = inlist_next(&pk->in, e);
    if (rc < 0) list_failed(pk);
    return rc;
}

/* A file that can be a record: a name, at most the record limit, and
 * readable now (checked here, so that every problem is said up front). */
static void add_file(pack *pk, const char *rel, const char *fs, const struct stat *st) {
    const char *why = NULL;
    char *name;
    int fd;
    if (!included(pk, rel)) return;
    if (!(name = fe_name_normalise(rel, &why))) {
        refuse(pk, "'%s': %s", rel, why);
        return;
    }
    if ((uint64_t)st->st_size > RPT_PAYLOAD_MAX) {
        refuse(pk, "'%s': %llu bytes; a record holds at most %u bytes", rel,
               (unsigned long long)st->st_size, RPT_PAYLOAD_MAX);
        free(name);
        return;
    }
    fd = open(fs, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (pk->follow ? 0 : O_NOFOLLOW));
    if (fd < 0) {
        refuse(pk, "'%s': cannot read it: %s", rel, strerror(errno));
        free(name);
        return;
    }
    close(fd);
    input e = input_of(name, rel, (uint64_t)st->st_size, (int64_t)st->st_mtime);
    e.path = fs;
    keep_input(pk, &e);
    free(name);
}

static int skip_dots(const struct dirent *d) {
    return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

/* Byte order, not the locale's: the same tree packs the same everywhere. */
static int byte_order(const struct dirent **a, const struct dirent **b) {
    return strcmp((*a)->d_name, (*b)->d_name);
}

static void add_path(pack *pk, const char *rel);

static void walk_dir(pack *pk, const char *rel, const char *fs, const struct stat *st) {
    struct dirent **list;
    int n;
    for (size_t i = 0; i < pk->depth; i++) {
        if (pk->stack[i].dev == st->st_dev && pk->stack[i].ino == st->st_ino) {
            fe_warn("'%s': directory loop through a symbolic link, skipped", rel);
            return;
        }
    }
    n = scandir(fs, &list, skip_dots, byte_order);
    if (n < 0) {
        refuse(pk, "'%s': cannot read the directory: %s", rel, strerror(errno));
        return;
    }
    fe_grow(&pk->stack, &pk->stack_cap, pk->depth + 1, sizeof *pk->stack, 16);
    pk->stack[pk->depth].dev = st->st_dev;
    pk->stack[pk->depth].ino = st->st_ino;
    pk->depth++;
    for (int i = 0; i < n; i++) {
        char *child = join_path(rel, list[i]->d_name);
        add_path(pk, child);
        free(child);
        free(list[i]);
    }
    free(list);
    pk->depth--;
}

static void add_path(pack *pk, const char *rel) {
    struct stat st;
    char *fs = pk->dir ? join_path(pk->dir, rel) : xstrdup(rel);
    if (excluded(pk, rel)) goto out;
    if (lstat(fs, &st) != 0) {
        refuse(pk, "'%s': cannot read it: %s", rel, strerror(errno));
        goto out;
    }
    if (S_ISLNK(st.st_mode)) {
        if (!pk->follow) {
            if (!pk->quiet)
                fe_warn("note: skipping symbolic link '%s' (--follow packs its target)", rel);
            goto out;
        }
        if (stat(fs, &st) != 0) {
            refuse(pk, "'%s': cannot follow it: %s", rel, strerror(errno));
            goto out;
        }
    }
    if (S_ISDIR(st.st_mode)) walk_dir(pk, rel, fs, &st);
    else if (S_ISREG(st.st_mode)) add_file(pk, rel, fs, &st);
    else if (!pk->quiet) fe_warn("note: skipping '%s': not a regular file", rel);
out:
    free(fs);
}

/* A path that leads out of where names start cannot give names; say so
 * once for it, with the -C that packs it, rather than once per file. */
static int outside(const char *path, char *advice, size_t cap) {
    size_t n = strlen(path);
    int abs = path[0] == '/', dots = 0;
    for (const char *p = path; *p;) {
        size_t len = strcspn(p, "/");
        dots |= len == 2 && p[0] == '.' && p[1] == '.';
        p += len;
        while (*p == '/') p++;
    }
    if (!abs && !dots) return 0;
    while (n > 1 && path[n - 1] == '/') n--;
    const char *slash = memrchr(path, '/', n);
    const char *base = slash ? slash + 1 : path;
    size_t dl = slash == path ? 1 : slash ? (size_t)(slash - path) : 0;
    if (!slash || (size_t)(path + n - base) == 0 || (path + n - base == 2 && base[0] == '.' && base[1] == '.'))
        snprintf(advice, cap, "use -C DIR to pack from inside another directory");
    else
        snprintf(advice, cap, "use -C %.*s %.*s", (int)dl, path, (int)(path + n - base), base);
    return abs ? 1 : 2;
}

static void add_operand(pack *pk, const char *path) {
    char advice[4200];
    int o = outside(path, advice, sizeof advice);
    if (o == 1) refuse(pk, "'%s' is an absolute path (leading '/'), and record names are relative; %s", path, advice);
    else if (o == 2) refuse(pk, "'%s' holds a '..' component, which no record name may; %s", path, advice);
    else add_path(pk, path);
}

static void add_list_file(pack *pk, const char *file) {
    FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    if (!f) fe_die(FE_EXIT_USAGE, "cannot open '%s': %s", file, strerror(errno));
    while ((len = getline(&line, &cap, f)) >= 0) {
        if (len > 0 && line[len - 1] == '\n') line[--len] = '\0';
        if (len > 0 && line[len - 1] == '\r') line[--len] = '\0';
        if (len > 0) add_operand(pk, line);
    }
    if (ferror(f)) fe_die(FE_EXIT_USAGE, "cannot read '%s': %s", file, strerror(errno));
    free(line);
    if (f != stdin) fclose(f);
}

static void check_text(const char *what, size_t line, const char *field, const char *v) {
    if (v && strlen(v) > RPT_TEXT_MAX)
        fe_die(FE_EXIT_USAGE, "%s line %zu: the %s is longer than %d bytes", what, line, field,
               RPT_TEXT_MAX);
}

/* Rows whose file cannot be a record are refused (or skipped); a row
 * that is itself wrong stops the pack, as a malformed manifest does. */
static void add_manifest_row(pack *pk, const char *file, const char *dir, manifest_row *r) {
    const char *why;
    struct stat st;
    int64_t issued = 0;
    char *name, *fs;
    if (r->issued && fe_time_parse(r->issued, &issued) != 0)
        fe_die(FE_EXIT_USAGE, "manifest '%s' line %zu: issued '%s' is not ISO 8601 "
               "(2026-03-02, 2026-03-02T09:00:00Z) or @SECONDS", file, r->line, r->issued);
    check_text(file, r->line, "title", r->title);
    check_text(file, r->line, "source", r->source);
    check_text(file, r->line, "media_type", r->media_type);
    if (!(name = fe_name_normalise(r->name ? r->name : r->path, &why))) {
        refuse(pk, "manifest '%s' line %zu: '%s': %s%s", file, r->line, r->name ? r->name : r->path,
               why, r->name ? "" : " (a \"name\" gives the record another)");
        return;
    }
    fs = r->path[0] == '/' ? xstrdup(r->path) : join_path(dir, r->path);
    const char *problem = stat(fs, &st) != 0 ? strerror(errno)
                          : !S_ISREG(st.st_mode) ? "not a regular file"
                          : access(fs, R_OK) != 0 ? strerror(errno) : NULL;
    if (problem) {
        refuse(pk, "manifest '%s' line %zu: '%s': %s", file, r->line, r->path, problem);
        free(name);
        free(fs);
        return;
    }
    if ((uint64_t)st.st_size > RPT_PAYLOAD_MAX) {
        refuse(pk, "manifest '%s' line %zu: '%s': %llu bytes; a record holds at most %u bytes", file,
               r->line, r->path, (unsigned long long)st.st_size, RPT_PAYLOAD_MAX);
        free(name);
        free(fs);
        return;
    }
    char given[512];
    snprintf(given, sizeof given, "%s line %zu", file, r->line);
    input e = input_of(name, given, (uint64_t)st.st_size, (int64_t)st.st_mtime);
    e.path = fs;
    e.row = r;
    e.have_row_issued = r->issued != NULL;
    e.row_issued = issued;
    keep_input(pk, &e);
    free(name);
    free(fs);
}

static void add_manifest(pack *pk, manifest *m, const char *file) {
    char err[1024];
    if (manifest_load(file, m, err, sizeof err) != 0)
        fe_die(FE_EXIT_USAGE, "manifest '%s': %s", file, err);
    char *dir = dir_of(strcmp(file, "-") == 0 ? "." : file);
    for (size_t i = 0; i < m->n; i++) add_manifest_row(pk, file, dir, &m->rows[i]);
    free(dir);
}

/* Each message of an mbox file is a record named BASENAME/NNNNNN, from
 * 000001 in the file's order. */
static void add_mbox(pack *pk, const char *file) {
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    struct stat st;
    const char *why = NULL;
    mbox_msg *msgs;
    size_t count;
    char *prefix;
    if (fd < 0 || fstat(fd, &st) != 0) {
        refuse(pk, "mbox '%s': %s", file, strerror(errno));
        if (fd >= 0) close(fd);
        return;
    }
    if (!S_ISREG(st.st_mode) || st.st_size == 0) {
        refuse(pk, "mbox '%s': %s", file, st.st_size == 0 ? "empty" : "not a regular file");
        close(fd);
        return;
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        refuse(pk, "mbox '%s': %s", file, strerror(errno));
        return;
    }
    mapping *mv = realloc(pk->maps, (pk->n_maps + 1) * sizeof *mv);
    if (!mv) fe_die(FE_EXIT_USAGE, "out of memory");
    pk->maps = mv;
    mv[pk->n_maps++] = (mapping){map, (size_t)st.st_size};
    if (!(count = mbox_split(map, (size_t)st.st_size, &msgs, &why))) {
        refuse(pk, "mbox '%s': %s", file, why);
        return;
    }
    if (!(prefix = fe_name_normalise(base_name(file), &why))) {
        refuse(pk, "mbox '%s': %s", file, why);
        free(msgs);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        char *name = malloc(strlen(prefix) + 32), given[600];
        if (!name) fe_die(FE_EXIT_USAGE, "out of memory");
        sprintf(name, "%s/%06zu", prefix, i + 1);
        snprintf(given, sizeof given, "message %zu of '%s'", i + 1, file);
        if (msgs[i].len > RPT_PAYLOAD_MAX) {
            refuse(pk, "%s: %zu bytes; a record holds at most %u bytes", given, msgs[i].len, RPT_PAYLOAD_MAX);
            free(name);
            continue;
        }
        input e = input_of(name, given, msgs[i].len, msgs[i].have_date ? msgs[i].date : (int64_t)st.st_mtime);
        e.mem = (const uint8_t *)map + msgs[i].off;
        e.mboxrd = 1;
        keep_input(pk, &e);
        free(name);
    }
    free(prefix);
    free(msgs);
}

typedef struct archive_ctx {
    pack *pk;
    const char *file;
    int64_t fallback_mtime;
} archive_ctx;

/* A member is a record under its own name, if that name is safe. */
static void add_member(void *arg, archive_member *m) {
    archive_ctx *a = arg;
    pack *pk = a->pk;
    const char *why;
    char *name;
    if (!m->regular) {
        if (!pk->quiet) fe_warn("note: skipping member '%s' of '%s': not a regular file", m->name, a->file);
        return;
    }
    if (excluded(pk, m->name) || !included(pk, m->name)) return;
    if (!(name = fe_name_normalise(m->name, &why))) {
        refuse(pk, "member '%s' of '%s': %s", m->name, a->file, why);
        return;
    }
    if (m->too_big) {
        refuse(pk, "member '%s' of '%s': over %u bytes, the most a record holds", m->name, a->file,
               RPT_PAYLOAD_MAX);
        free(name);
        return;
    }
    char given[600];
    snprintf(given, sizeof given, "member '%s' of '%s'", m->name, a->file);
    input e = input_of(name, given, m->len, m->have_mtime ? m->mtime : a->fallback_mtime);
    e.mem = m->data ? m->data : (const uint8_t *)"";
    if (m->data) {
        fe_grow(&pk->owned, &pk->owned_cap, pk->n_owned + 1, sizeof *pk->owned, 64);
        pk->owned[pk->n_owned++] = m->data;
        m->data = NULL;
    }
    keep_input(pk, &e);
    free(name);
}

static void add_archive(pack *pk, const char *file) {
    char err[1024];
    struct stat st;
    archive_ctx a = {pk, file, pk->epoch};
    if (strcmp(file, "-") != 0 && stat(file, &st) == 0) a.fallback_mtime = (int64_t)st.st_mtime;
    if (archive_in_read(file, RPT_PAYLOAD_MAX, add_member, &a, err, sizeof err) != 0)
        fe_die(FE_EXIT_USAGE, "cannot read archive '%s': %s", file, err);
}

static void add_stdin(pack *pk) {
    struct stat st;
    const char *why;
    char *name = fe_name_normalise(pk->stdin_name, &why);
    int rc;
    if (!name) fe_usage_error("--stdin-name '%s': %s", pk->stdin_name, why);
    rc = fe_read_fd(STDIN_FILENO, RPT_PAYLOAD_MAX, &pk->stdin_data, &pk->stdin_len);
    if (rc == -2) fe_die(FE_EXIT_USAGE, "standard input is over %u bytes, the most a record holds", RPT_PAYLOAD_MAX);
    if (rc) fe_die(FE_EXIT_USAGE, "cannot read standard input: %s", strerror(errno));
    memset(&st, 0, sizeof st);
    if (fstat(STDIN_FILENO, &st) != 0 || !S_ISREG(st.st_mode)) st.st_mtime = (time_t)pk->epoch;
    input e = input_of(name, "standard input", pk->stdin_len, (int64_t)st.st_mtime);
    e.mem = pk->stdin_data;
    keep_input(pk, &e);
    free(name);
}

static void gather(pack *pk, int argc, char **argv) {
    for (int i = 0; i < argc; i++) add_operand(pk, argv[i]);
    for (size_t i = 0; i < pk->lists.n; i++) add_list_file(pk, pk->lists.v[i]);
    pk->manifests_read = calloc(pk->manifests.n + 1, sizeof *pk->manifests_read);
    if (!pk->manifests_read) fe_die(FE_EXIT_USAGE, "out of memory");
    for (size_t i = 0; i < pk->manifests.n; i++) add_manifest(pk, &pk->manifests_read[i], pk->manifests.v[i]);
    for (size_t i = 0; i < pk->mboxes.n; i++) add_mbox(pk, pk->mboxes.v[i]);
    for (size_t i = 0; i < pk->archives.n; i++) add_archive(pk, pk->archives.v[i]);
    if (pk->stdin_name) add_stdin(pk);
}

static int by_hash(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* An input whose name shares its hash with another's. */
typedef struct suspect {
    char *name, *given;
    size_t order;
} suspect;

static int by_name(const void *a, const void *b) {
    const suspect *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : x->order < y->order ? -1 : x->order > y->order;
}

/* The hashes that occur more than once, sorted (the hashes are sorted
 * in place); NULL when there are none. */
static uint64_t *repeated_hashes(pack *pk, size_t *n) {
    uint64_t *rep = NULL;
    *n = 0;
    if (pk->n_hash < 2) return NULL; /* and qsort is never given a NULL */
    qsort(pk->name_hash, pk->n_hash, sizeof *pk->name_hash, by_hash);
    for (size_t i = 1; i < pk->n_hash; i++) {
        if (pk->name_hash[i] != pk->name_hash[i - 1] || (*n && rep[*n - 1] == pk->name_hash[i])) continue;
        uint64_t *v = realloc(rep, (*n + 1) * sizeof *v);
        if (!v) fe_die(FE_EXIT_USAGE, "out of memory");
        rep = v;
        rep[(*n)++] = pk->name_hash[i];
    }
    return rep;
}

/* Two inputs stored under one name would make extraction ambiguous. The
 * names are compared by hash, 8 bytes an input, and only the few whose
 * hashes match are read back and compared in full. */
static void check_duplicates(pack *pk) {
    size_t n_rep, n_sus = 0;
    uint64_t *rep = repeated_hashes(pk, &n_rep);
    suspect *sus = NULL;
    free(pk->name_hash);
    pk->name_hash = NULL;
    pk->n_hash = pk->hash_cap = 0;
    if (!rep) return;
    input e;
    pass_start(pk);
    for (size_t order = 0; pass_next(pk, &e); order++) {
        uint64_t h = name_hash(e.name);
        if (!bsearch(&h, rep, n_rep, sizeof h, by_hash)) continue;
        suspect *v = realloc(sus, (n_sus + 1) * sizeof *v);
        if (!v) fe_die(FE_EXIT_USAGE, "out of memory");
        sus = v;
        sus[n_sus++] = (suspect){xstrdup(e.name), xstrdup(e.given), order};
    }
    qsort(sus, n_sus, sizeof *sus, by_name);
    for (size_t i = 1; i < n_sus; i++) {
        if (strcmp(sus[i - 1].name, sus[i].name) == 0) {
            fe_warn("'%s' and '%s' would both be stored as '%s'", sus[i - 1].given, sus[i].given,
                    sus[i].name);
            pk->bad = 1;
        }
    }
    for (size_t i = 0; i < n_sus; i++) free(sus[i].name), free(sus[i].given);
    free(sus);
    free(rep);
}

/* ---------------------------------------------------------------- options */

static void parse_meta(pack *pk, const char *arg) {
    const char *eq = strchr(arg, '=');
    char *key;
    if (!eq || eq == arg) fe_usage_error("--meta wants KEY=VALUE, not '%s'", arg);
    if ((size_t)(eq - arg) > RPT_META_KEY_MAX)
        fe_usage_error("--meta key longer than %d bytes", RPT_META_KEY_MAX);
    if (strlen(eq + 1) > RPT_META_VALUE_MAX)
        fe_usage_error("--meta value longer than %d bytes", RPT_META_VALUE_MAX);
    if (pk->n_meta == RPT_META_MAX) fe_usage_error("more than %d --meta pairs", RPT_META_MAX);
    key = strndup(arg, (size_t)(eq - arg));
    if (!key) fe_die(FE_EXIT_USAGE, "out of memory");
    for (size_t i = 0; i < pk->n_meta; i++)
        if (strcmp(pk->meta[i].key, key) == 0) fe_usage_error("--meta key '%s' given twice", key);
    if (!fe_utf8_text((const uint8_t *)arg, strlen(arg)))
        fe_usage_error("--meta '%s' is not UTF-8 text", key);
    pk->meta = realloc(pk->meta, (pk->n_meta + 1) * sizeof *pk->meta);
    if (!pk->meta) fe_die(FE_EXIT_USAGE, "out of memory");
    pk->meta[pk->n_meta].key = key;
    pk->meta[pk->n_meta].value = eq + 1;
    pk->n_meta++;
}

static void check_text_opt(const char *opt, const char *v) {
    if (v && (strlen(v) > RPT_TEXT_MAX || !fe_utf8_text((const uint8_t *)v, strlen(v))))
        fe_usage_error("%s must be UTF-8 text of at most %d bytes", opt, RPT_TEXT_MAX);
}

/* A FORMAT that reads no year would date every file in 1900. */
static void check_name_format(const char *f) {
    if (!strstr(f, "%Y") && !strstr(f, "%y") && !strstr(f, "%G") && !strstr(f, "%s"))
        fe_usage_error("--issued-from-name FORMAT must read a year (%%Y or %%y), as in %%Y-%%m-%%d");
}

/* ---------------------------------------------------------------- reading */

/* Reads an input whole into a new buffer. Returns 0, or -1 with why. */
static int read_input(pack *pk, const input *e, uint8_t **data, size_t *len, char *why, size_t cap) {
    int fd, rc;
    struct stat st;
    if (!e->path) {
        if (e->mboxrd) {
            *data = mbox_unquote(e->mem, e->size, len);
            return 0;
        }
        *data = malloc(e->size ? e->size : 1);
        if (!*data) fe_die(FE_EXIT_USAGE, "out of memory");
        memcpy(*data, e->mem, e->size);
        *len = e->size;
        return 0;
    }
    fd = open(e->path, O_RDONLY | O_CLOEXEC | (pk->follow ? 0 : O_NOFOLLOW));
    if (fd < 0) {
        snprintf(why, cap, "'%s': cannot open it: %s", e->given, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(why, cap, "'%s' is no longer a regular file", e->given);
        close(fd);
        return -1;
    }
    rc = fe_read_fd(fd, RPT_PAYLOAD_MAX, data, len);
    close(fd);
    if (rc == -2) {
        snprintf(why, cap, "'%s' grew past %u bytes, the most a record holds", e->given, RPT_PAYLOAD_MAX);
        return -1;
    }
    if (rc != 0) {
        snprintf(why, cap, "'%s': cannot read it: %s", e->given, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- dictionary */

/* One dictionary serves a mixed archive poorly (mail beside news), and
 * the records of one top-level directory are alike. So each section big
 * enough (up to four) gets a dictionary of its own and its records use
 * that one alone; records of the other sections use the largest
 * section's. A record is deflated once, so pack time does not grow with
 * the number of dictionaries. An archive with fewer than two big
 * sections gets one dictionary trained on everything. */
typedef struct dgroup {
    char *key; /* the top-level directory */
    size_t keylen, seen; /* seen: the order it was first met in */
    uint64_t bytes;
    size_t count;
    int dict;
} dgroup;

static size_t section_len(const char *name) {
    const char *s = strchr(name, '/');
    return s ? (size_t)(s - name) : 0;
}

static int in_group(const input *e, const dgroup *g) {
    return !g || (section_len(e->name) == g->keylen && memcmp(e->name, g->key, g->keylen) == 0);
}

/* One training job: an evenly spaced, deterministic sample of the inputs
 * of g (NULL: all), at most budget bytes, trained on a thread of its
 * own so that sections train side by side. The sample's inputs are
 * copied out of the list first: threads do not share its read position. */
typedef struct tjob {
    pack *pk;
    const dgroup *g;
    size_t members, k, picked; /* inputs in g; how many to pick; picked so far */
    size_t seen;               /* inputs of g met in the pass that picks */
    input *pick;
    size_t budget;
    uint8_t dict[RPT_DICT_MAX];
    size_t dict_len;
    int rc, lrc;
} tjob;

static void *train_job(void *arg) {
    tjob *t = arg;
    pack *pk = t->pk;
    size_t used = 0, taken = 0;
    const void **samples = calloc(t->k ? t->k : 1, sizeof *samples);
    size_t *sizes = calloc(t->k ? t->k : 1, sizeof *sizes);
    if (!samples || !sizes) fe_die(FE_EXIT_USAGE, "out of memory");
    for (size_t j = 0; j < t->picked && taken < t->budget; j++) {
        uint8_t *data;
        size_t len;
        char why[1024];
        if (read_input(pk, &t->pick[j], &data, &len, why, sizeof why) != 0) {
            if (pk->keep_going) continue; /* pack_all skips it and says so */
            fe_warn("%s", why);
            t->rc = FE_EXIT_USAGE;
            break;
        }
        if (len > t->budget - taken) len = t->budget - taken;
        samples[used] = data;
        sizes[used++] = len;
        taken += len;
    }
    if (t->rc == 0) t->lrc = rpt_dict_train(samples, sizes, used, t->dict, sizeof t->dict, &t->dict_len);
    for (size_t j = 0; j < used; j++) free((void *)samples[j]);
    free(samples);
    free(sizes);
    return NULL;
}

/* Copies what reading an input needs: its path, or where it is in memory. */
static input copy_for_reading(const input *e) {
    input c = *e;
    c.name = xstrdup(e->name);
    c.given = xstrdup(e->given);
    c.path = e->path ? xstrdup(e->path) : NULL;
    return c;
}

static void free_copy(input *c) {
    free((char *)c->name);
    free((char *)c->given);
    free((char *)c->path);
}

/* One pass picks every job's sample: of the m members of a job's group,
 * the (j * m / k)-th for j < k. */
static void pick_samples(pack *pk, tjob *jobs, size_t nj) {
    input e;
    for (size_t j = 0; j < nj; j++) {
        tjob *t = &jobs[j];
        t->members = t->g ? t->g->count : pk->in.n;
        t->k = t->members < DICT_SAMPLE_FILES ? t->members : DICT_SAMPLE_FILES;
        t->pick = calloc(t->k ? t->k : 1, sizeof *t->pick);
        if (!t->pick) fe_die(FE_EXIT_USAGE, "out of memory");
    }
    pass_start(pk);
    while (pass_next(pk, &e)) {
        for (size_t j = 0; j < nj; j++) {
            tjob *t = &jobs[j];
            if (!in_group(&e, t->g)) continue;
            if (t->picked < t->k && t->seen == t->picked * t->members / t->k)
                t->pick[t->picked++] = copy_for_reading(&e);
            t->seen++;
        }
    }
}

/* Trains the dictionaries of n jobs, two side by side, and adds them to
 * the writer in job order (so the output does not depend on timing); sets
 * made[i] to each dictionary's number, or -1. Two at a time, not all
 * four: each takes some 12 MB while it trains, and at a million records
 * that is what keeps rpt-pack within 64 MiB. */
static int train_all(rpt_writer *w, tjob *jobs, size_t n, int *made) {
    int rc = 0;
    for (size_t i = 0; i < n; i += 2) {
        pthread_t th;
        int started = i + 1 < n && pthread_create(&th, NULL, train_job, &jobs[i + 1]) == 0;
        train_job(&jobs[i]);
        if (started) pthread_join(th, NULL);
        else if (i + 1 < n) train_job(&jobs[i + 1]);
    }
    for (size_t i = 0; i < n; i++) {
        tjob *t = &jobs[i];
        uint32_t num;
        made[i] = -1;
        if (t->rc) return t->rc;
        if (t->lrc != RPT_OK) {
            fe_warn("cannot train a dictionary: %s", rpt_strerror(t->lrc));
            return fe_exit_status(t->lrc);
        }
        if (t->dict_len == 0) continue;
        if ((rc = rpt_writer_add_dict(w, t->dict, t->dict_len, &num)) != RPT_OK) {
            fe_warn("cannot add the dictionary: %s", rpt_writer_error(w));
            return fe_exit_status(rc);
        }
        made[i] = (int)num;
    }
    return 0;
}

static int cmp_group(const void *a, const void *b) {
    const dgroup *x = a, *y = b;
    if (x->bytes != y->bytes) return x->bytes > y->bytes ? -1 : 1;
    return x->seen < y->seen ? -1 : x->seen > y->seen; /* first seen first */
}

/* The sections (top-level directories) by size, up to DICT_GROUPS_SEEN
 * of them, into pk->groups. */
static void count_groups(pack *pk) {
    input e;
    dgroup *groups = calloc(DICT_GROUPS_SEEN, sizeof *groups);
    size_t ng = 0;
    if (!groups) fe_die(FE_EXIT_USAGE, "out of memory");
    pass_start(pk);
    while (pass_next(pk, &e)) {
        size_t kl = section_len(e.name), g;
        if (kl == 0) continue;
        for (g = 0; g < ng; g++)
            if (groups[g].keylen == kl && memcmp(groups[g].key, e.name, kl) == 0) break;
        if (g == ng) {
            if (ng == DICT_GROUPS_SEEN) continue;
            char *key = strndup(e.name, kl);
            if (!key) fe_die(FE_EXIT_USAGE, "out of memory");
            groups[ng] = (dgroup){key, kl, ng, 0, 0, -1};
            ng++;
        }
        groups[g].bytes += e.size;
        groups[g].count++;
    }
    qsort(groups, ng, sizeof *groups, cmp_group);
    pk->groups = groups;
    pk->n_groups = ng;
}

/* The dictionary an input uses: its section's, else the largest
 * section's; -1 (try each) when the sections share one. */
static int dict_of(const pack *pk, const input *e) {
    if (pk->n_groups == 0) return -1;
    for (size_t g = 0; g < pk->n_groups; g++)
        if (pk->groups[g].dict >= 0 && in_group(e, &pk->groups[g])) return pk->groups[g].dict;
    return pk->groups[0].dict;
}

static int train_dict(pack *pk, rpt_writer *w) {
    size_t nq = 0;
    int rc;
    if (pk->in.n < DICT_MIN_RECORDS || pk->in.bytes < DICT_MIN_BYTES) return 0;
    count_groups(pk);
    dgroup *groups = pk->groups;
    while (nq < pk->n_groups && nq < DICT_GROUPS_MAX && groups[nq].bytes >= DICT_GROUP_MIN_BYTES &&
           groups[nq].count >= DICT_MIN_RECORDS)
        nq++;
    size_t nj = nq < 2 ? 1 : nq;
    tjob *jobs = calloc(nj, sizeof *jobs);
    int made[DICT_GROUPS_MAX];
    if (!jobs) fe_die(FE_EXIT_USAGE, "out of memory");
    for (size_t j = 0; j < nj; j++) {
        jobs[j].pk = pk;
        jobs[j].g = nq < 2 ? NULL : &groups[j];
        jobs[j].budget = DICT_SAMPLE_BYTES;
    }
    pick_samples(pk, jobs, nj);
    rc = train_all(w, jobs, nj, made);
    for (size_t j = 0; j < nj; j++) {
        for (size_t i = 0; i < jobs[j].picked; i++) free_copy(&jobs[j].pick[i]);
        free(jobs[j].pick);
    }
    free(jobs);
    /* with one dictionary for all, each record tries it; else the
     * sections beyond the first nq use the largest's */
    size_t keep = rc || nq < 2 ? 0 : nq;
    for (size_t g = keep; g < pk->n_groups; g++) free(groups[g].key);
    pk->n_groups = keep;
    for (size_t g = 0; g < keep; g++) groups[g].dict = made[g];
    return rc;
}

static int add_dict_file(const char *path, rpt_writer *w) {
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc;
    uint8_t *data;
    size_t len;
    if (fd < 0) fe_die(FE_EXIT_USAGE, "cannot open dictionary '%s': %s", path, strerror(errno));
    rc = fe_read_fd(fd, RPT_DICT_MAX, &data, &len);
    close(fd);
    if (rc == -2) fe_die(FE_EXIT_USAGE, "dictionary '%s' is larger than %d bytes", path, RPT_DICT_MAX);
    if (rc != 0) fe_die(FE_EXIT_USAGE, "cannot read dictionary '%s': %s", path, strerror(errno));
    if (len == 0) fe_die(FE_EXIT_USAGE, "dictionary '%s' is empty", path);
    rc = rpt_writer_add_dict(w, data, len, NULL);
    free(data);
    if (rc != RPT_OK) {
        fe_warn("cannot add dictionary '%s': %s", path, rpt_writer_error(w));
        return fe_exit_status(rc);
    }
    return 0;
}

/* ---------------------------------------------------------------- metadata */

/* What a record says of itself, and the memory that says it. */
typedef struct described {
    detected d;
    rpt_meta meta[RPT_META_MAX];
} described;

static void add_meta(described *x, size_t *k, const char *key, const char *value) {
    for (size_t i = 0; i < *k; i++)
        if (strcmp(x->meta[i].key, key) == 0) return; /* the first giver wins */
    if (*k == RPT_META_MAX) return;
    x->meta[*k].key = key;
    x->meta[(*k)++].value = value;
}

/* The record's metadata: an option of the command line wins, then the
 * manifest's row, then the date in the name, then what the content says,
 * then the file's own time. */
static void describe(const pack *pk, const input *e, const uint8_t *data, size_t len,
                     rpt_record_info *info, described *x) {
    const manifest_row *r = e->row;
    int64_t t;
    size_t k = 0;
    detect_content(data, len, pk->detect, &x->d);
    memset(info, 0, sizeof *info);
    info->name = e->name;
    if (pk->have_issued) info->issued = pk->issued;
    else if (e->have_row_issued) info->issued = e->row_issued;
    else if (pk->name_format && detect_date_from_name(pk->name_format, base_name(e->name), &t) == 0)
        info->issued = t;
    else if (x->d.have_issued) info->issued = x->d.issued;
    else info->issued = e->mtime;
    if (!pk->no_title) info->title = pk->title ? pk->title : r && r->title ? r->title : x->d.title;
    info->source = pk->source ? pk->source : r && r->source ? r->source : x->d.source;
    if (pk->media_type) info->media_type = pk->media_type;
    else if (r && r->media_type) info->media_type = r->media_type;
    else if (x->d.is_mail) info->media_type = DETECT_MEDIA_MAIL;
    else if (!fe_utf8_text(data, len)) info->media_type = "application/octet-stream";
    for (size_t i = 0; i < pk->n_meta; i++) add_meta(x, &k, pk->meta[i].key, pk->meta[i].value);
    for (size_t i = 0; r && i < r->n_meta; i++) add_meta(x, &k, r->meta[i].key, r->meta[i].value);
    if (x->d.message_id) add_meta(x, &k, "message-id", x->d.message_id);
    info->meta = x->meta;
    info->n_meta = k;
}

/* ---------------------------------------------------------------- packing */

static void le64(uint8_t b[8], uint64_t v) {
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
}

static int64_t issued_of(const pack *pk, const input *e) {
    return pk->have_issued ? pk->issued : e->have_row_issued ? e->row_issued : e->mtime;
}

/* With SOURCE_DATE_EPOCH the archive id must not be random, or two
 * builds of the same inputs differ; it is derived from the key, the time
 * and the inputs' names, sizes and issued times. */
static void derive_archive_id(pack *pk, const rpt_seckey *sk, int64_t epoch,
                              uint8_t id[RPT_ARCHIVE_ID_BYTES]) {
    static const char key[] = "rpt-pack archive id v1";
    crypto_generichash_state st;
    rpt_pubkey pub;
    uint8_t b[8];
    rpt_seckey_public(sk, &pub);
    crypto_generichash_init(&st, (const uint8_t *)key, sizeof key - 1, RPT_ARCHIVE_ID_BYTES);
    crypto_generichash_update(&st, pub.pk, sizeof pub.pk);
    le64(b, (uint64_t)epoch);
    crypto_generichash_update(&st, b, 8);
    input e;
    pass_start(pk);
    while (pass_next(pk, &e)) {
        crypto_generichash_update(&st, (const uint8_t *)e.name, strlen(e.name) + 1);
        le64(b, e.size);
        crypto_generichash_update(&st, b, 8);
        le64(b, (uint64_t)issued_of(pk, &e));
        crypto_generichash_update(&st, b, 8);
    }
    crypto_generichash_final(&st, id, RPT_ARCHIVE_ID_BYTES);
}

#define PASS_TRIES 3

/* Loads the secret key. A passphrase typed at the terminal may be wrong
 * twice; scrypt takes seconds, so a terminal is told it runs. */
static rpt_seckey *load_key(const pack *pk) {
    int encrypted = 0, rc;
    char err[256] = "";
    rpt_seckey *sk = NULL;
    rc = rpt_seckey_is_encrypted(pk->sec_path, &encrypted, err, sizeof err);
    if (rc == RPT_E_KEY) {
        /* the most likely mix-up: the .pub file of the pair */
        rpt_pubkey pub;
        if (rpt_pubkey_load(pk->sec_path, &pub, NULL, 0) == RPT_OK)
            fe_die(FE_EXIT_USAGE, "'%s' is a public key; -s wants the secret key of the pair",
                   pk->sec_path);
    }
    if (rc != RPT_OK)
        fe_die(FE_EXIT_USAGE, "secret key '%s': %s", pk->sec_path, *err ? err : rpt_strerror(rc));
    for (int attempt = 1;; attempt++) {
        fe_pass pw = {NULL, 0};
        int say = encrypted && !pk->quiet && isatty(STDERR_FILENO);
        if (encrypted) {
            char prompt[64];
            snprintf(prompt, sizeof prompt, "Passphrase for %.40s: ", pk->sec_path);
            rc = fe_pass_get(pk->pass_file, prompt, 0, &pw);
            if (rc) exit(rc);
        }
        if (say) {
            fprintf(stderr, "%s: deriving the key...", fe_progname);
            fflush(stderr);
        }
        rc = rpt_seckey_load(pk->sec_path, pw.p, pw.len, &sk, err, sizeof err);
        fe_pass_free(&pw);
        if (say) fputs(rc == RPT_OK ? " done\n" : "\n", stderr);
        if (rc == RPT_E_PASSPHRASE && !pk->pass_file && attempt < PASS_TRIES) {
            fe_warn("wrong passphrase for secret key '%s'; try again (%d of %d)", pk->sec_path,
                    attempt + 1, PASS_TRIES);
            continue;
        }
        if (rc == RPT_E_PASSPHRASE)
            fe_die(FE_EXIT_USAGE, "wrong passphrase for secret key '%s'", pk->sec_path);
        if (rc != RPT_OK)
            fe_die(FE_EXIT_USAGE, "secret key '%s': %s", pk->sec_path, *err ? err : rpt_strerror(rc));
        return sk;
    }
}

/* The untrusted comment of the secret key file, for the archive's KEYS
 * chunk; NULL when there is none worth keeping. Read a byte at a time up
 * to the line's end: the rest of the file is the secret key, and stdio
 * would leave it in a buffer that is never wiped. */
static char *key_file_comment(const char *path) {
    static const char prefix[] = "untrusted comment: ";
    char line[RPT_TEXT_MAX + sizeof prefix];
    size_t n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    while (n < sizeof line - 1) {
        char c;
        ssize_t got = read(fd, &c, 1);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0 || c == '\n') break;
        line[n++] = c;
    }
    close(fd);
    if (n > 0 && line[n - 1] == '\r') n--;
    line[n] = '\0';
    if (n <= sizeof prefix - 1 || strncmp(line, prefix, sizeof prefix - 1) != 0) return NULL;
    const char *c = line + sizeof prefix - 1;
    if (strcmp(c, MINISIGN_SEC_COMMENT) == 0 || !fe_utf8_text((const uint8_t *)c, strlen(c)))
        return NULL;
    return xstrdup(c);
}

/* Refuses names the archive already holds before anything is written. */
static void check_append_names(pack *pk) {
    rpt_reader *r = NULL;
    int rc = rpt_reader_open_path(&r, pk->out_path, 0);
    if (rc != RPT_OK) {
        fe_warn("cannot append to '%s': %s", pk->out_path, r ? rpt_reader_error(r) : rpt_strerror(rc));
        rpt_reader_free(r);
        exit(fe_exit_status(rc));
    }
    input e;
    pass_start(pk);
    while (pass_next(pk, &e)) {
        uint64_t at;
        int frc = rpt_reader_find(r, e.name, &at);
        if (frc == RPT_OK) {
            fe_warn("'%s' is already in '%s' as record %llu", e.name, pk->out_path,
                    (unsigned long long)at);
            pk->bad = 1;
        } else if (frc != RPT_E_NOTFOUND) {
            fe_warn("cannot append to '%s': %s", pk->out_path, rpt_reader_error(r));
            rpt_reader_free(r);
            exit(fe_exit_status(frc));
        }
    }
    rpt_reader_free(r);
}

static int add_record(pack *pk, rpt_writer *w, const input *e, const uint8_t *data, size_t len,
                      int no_dict) {
    rpt_record_info info;
    described x;
    int rc;
    int dict = dict_of(pk, e);
    describe(pk, e, data, len, &info, &x);
    if (dict >= 0) rc = rpt_writer_add_using(w, &info, data, len, (uint32_t)dict);
    else if (no_dict) rc = rpt_writer_add_using(w, &info, data, len, RPT_DICT_NONE);
    else rc = rpt_writer_add(w, &info, data, len);
    detect_free(&x.d);
    return rc;
}

static int pack_all(pack *pk, rpt_writer *w, size_t *packed, uint64_t *in_bytes) {
    fe_progress pg;
    uint64_t done = 0;
    int rc;
    /* none means none: not the dictionaries an appended archive has either */
    int no_dict = pk->dict_opt && strcmp(pk->dict_opt, "none") == 0;

    if (pk->dict_opt && strcmp(pk->dict_opt, "auto") == 0) rc = train_dict(pk, w);
    else if (pk->dict_opt && strcmp(pk->dict_opt, "none") != 0) rc = add_dict_file(pk->dict_opt, w);
    else rc = 0;
    if (rc) return rc;

    fe_progress_start(&pg, pk->quiet, pk->in.n, pk->in.bytes);
    input one;
    const input *e = &one;
    pass_start(pk);
    for (size_t i = 0; pass_next(pk, &one); i++) {
        uint8_t *data;
        size_t len;
        char why[1024];

        if (read_input(pk, e, &data, &len, why, sizeof why) != 0) {
            fe_progress_end(&pg);
            if (!pk->keep_going) {
                fe_warn("%s", why);
                return FE_EXIT_USAGE;
            }
            fe_warn("skipped %s", why);
            pk->skipped++;
            continue;
        }
        rc = add_record(pk, w, e, data, len, no_dict);
        free(data);
        if (rc != RPT_OK) {
            fe_progress_end(&pg);
            fe_warn("record %zu '%s' (from '%s'): %s", i, e->name, e->given, rpt_writer_error(w));
            return fe_exit_status(rc);
        }
        if (pk->verbose) {
            fe_progress_end(&pg);
            fe_print_safe(stderr, e->name);
            fputc('\n', stderr);
        }
        (*packed)++;
        *in_bytes += len;
        done += len;
        fe_progress_update(&pg, i + 1, done);
    }
    fe_progress_end(&pg);
    return 0;
}

static unsigned parse_threads(const char *s) {
    char *end;
    unsigned long v;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *end || end == s || v > 1024 || s[0] == '-')
        fe_usage_error("-j wants a number of threads from 0 (one per core) to 1024, not '%s'", s);
    return (unsigned)v;
}

/* --wait alone waits as long as it takes; --wait=N at most N seconds. */
static int parse_wait(const char *arg) {
    if (!arg) return -1;
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || end == arg || *end || v < 1 || v > 86400 * 7)
        fe_usage_error("--wait wants a number of seconds from 1 to 604800, not '%s'", arg);
    return (int)v;
}

enum { O_APPEND_ = 256, O_STDIN_NAME, O_FOLLOW, O_ISSUED, O_TITLE, O_NO_TITLE, O_SOURCE,
       O_MEDIA, O_META, O_DICT, O_PASSFILE, O_EXCLUDE, O_INCLUDE, O_DETECT, O_NAME_FORMAT,
       O_MANIFEST, O_MBOX, O_FROM_ARCHIVE, O_WAIT };

static const struct option longopts[] = {
    {"secret", required_argument, NULL, 's'},
    {"output", required_argument, NULL, 'o'},
    {"force", no_argument, NULL, 'f'},
    {"append", no_argument, NULL, O_APPEND_},
    {"wait", optional_argument, NULL, O_WAIT},
    {"public", required_argument, NULL, 'p'},
    {"pubkey", required_argument, NULL, 'P'},
    {"comment", required_argument, NULL, 'c'},
    {"directory", required_argument, NULL, 'C'},
    {"files-from", required_argument, NULL, 'T'},
    {"stdin-name", required_argument, NULL, O_STDIN_NAME},
    {"manifest", required_argument, NULL, O_MANIFEST},
    {"mbox", required_argument, NULL, O_MBOX},
    {"from-archive", required_argument, NULL, O_FROM_ARCHIVE},
    {"exclude", required_argument, NULL, O_EXCLUDE},
    {"include", required_argument, NULL, O_INCLUDE},
    {"follow", no_argument, NULL, O_FOLLOW},
    {"keep-going", no_argument, NULL, 'k'},
    {"detect", required_argument, NULL, O_DETECT},
    {"issued-from-name", required_argument, NULL, O_NAME_FORMAT},
    {"issued", required_argument, NULL, O_ISSUED},
    {"title", required_argument, NULL, O_TITLE},
    {"no-title", no_argument, NULL, O_NO_TITLE},
    {"source", required_argument, NULL, O_SOURCE},
    {"media-type", required_argument, NULL, O_MEDIA},
    {"meta", required_argument, NULL, O_META},
    {"dict", required_argument, NULL, O_DICT},
    {"threads", required_argument, NULL, 'j'},
    {"passphrase-file", required_argument, NULL, O_PASSFILE},
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0}};

static void parse_options(pack *pk, int argc, char **argv) {
    int c;
    while ((c = fe_getopt(argc, argv, "s:o:fp:P:c:C:T:kj:vqhV0123456789", longopts)) != -1) {
        switch (c) {
        case 's': pk->sec_path = optarg; break;
        case 'o': pk->out_path = optarg; break;
        case 'f': pk->force = 1; break;
        case O_APPEND_: pk->append = 1; break;
        case 'p': if (fe_keys_add_file(&pk->sealers, optarg)) exit(FE_EXIT_USAGE); break;
        case 'P': if (fe_keys_add_base64(&pk->sealers, optarg)) exit(FE_EXIT_USAGE); break;
        case 'c': pk->comment = optarg; break;
        case 'C': pk->dir = optarg; break;
        case 'T': strlist_add(&pk->lists, optarg); break;
        case O_STDIN_NAME: pk->stdin_name = optarg; break;
        case O_MANIFEST: strlist_add(&pk->manifests, optarg); break;
        case O_MBOX: strlist_add(&pk->mboxes, optarg); break;
        case O_FROM_ARCHIVE:
            if (!archive_in_supported())
                fe_die(FE_EXIT_USAGE, "--from-archive is unsupported: built without libarchive");
            strlist_add(&pk->archives, optarg);
            break;
        case O_EXCLUDE: strlist_add(&pk->excludes, optarg); break;
        case O_INCLUDE: strlist_add(&pk->includes, optarg); break;
        case O_FOLLOW: pk->follow = 1; break;
        case 'k': pk->keep_going = 1; break;
        case O_DETECT:
            if (detect_mode_parse(optarg, &pk->detect) != 0)
                fe_usage_error("--detect wants auto, mail, text or none, not '%s'", optarg);
            break;
        case O_NAME_FORMAT: check_name_format(optarg); pk->name_format = optarg; break;
        case O_ISSUED:
            if (fe_time_parse(optarg, &pk->issued) != 0)
                fe_usage_error("--issued wants ISO 8601 (2024-05-01T09:00:00Z) or @SECONDS, not '%s'", optarg);
            pk->have_issued = 1;
            break;
        case O_TITLE: pk->title = optarg; break;
        case O_NO_TITLE: pk->no_title = 1; break;
        case O_SOURCE: pk->source = optarg; break;
        case O_MEDIA: pk->media_type = optarg; break;
        case O_META: parse_meta(pk, optarg); break;
        case O_DICT: pk->dict_opt = optarg; break;
        case 'j': pk->threads = parse_threads(optarg); break;
        case O_PASSFILE: pk->pass_file = optarg; break;
        case O_WAIT: pk->lock_wait = parse_wait(optarg); break;
        case 'v': pk->verbose = 1; break;
        case 'q': pk->quiet = 1; break;
        case 'h': fputs(usage_text, stdout); exit(FE_EXIT_OK);
        case 'V': fe_print_version();
        default:
            if (c >= '0' && c <= '9') pk->level = c - '0';
            else fe_usage_error("unknown option");
        }
    }
}

static int stdin_users(const pack *pk) {
    int n = !!pk->stdin_name + (pk->pass_file && strcmp(pk->pass_file, "-") == 0);
    const strlist *ls[] = {&pk->lists, &pk->manifests, &pk->archives};
    for (size_t k = 0; k < 3; k++)
        for (size_t i = 0; i < ls[k]->n; i++) n += strcmp(ls[k]->v[i], "-") == 0;
    return n;
}

/* Arguments first: a usage error must not cost a passphrase. */
/* Refuses a bad output before any work: -f replaces a regular file only,
 * never a device, FIFO, symbolic link or directory (-o - is the way to
 * write to standard output). The library checks again when it writes. */
static void check_output(const pack *pk) {
    struct stat st;
    /* an append writes into the archive a link points to; a new archive
     * would replace the link itself */
    if ((pk->append ? stat(pk->out_path, &st) : lstat(pk->out_path, &st)) != 0) {
        if (pk->append) fe_die(FE_EXIT_USAGE, "cannot append to '%s': %s", pk->out_path, strerror(errno));
        return;
    }
    if (!S_ISREG(st.st_mode))
        fe_usage_error("'%s' is %s, not a regular file; rpt-pack writes archives to regular files, "
                       "or to standard output with -o -", pk->out_path, fe_file_kind(st.st_mode));
    if (!pk->append && !pk->force)
        fe_usage_error("'%s' exists; use -f to overwrite it or --append to add to it", pk->out_path);
}

static void check_options(pack *pk, int operands, int *to_stdout) {
    struct stat st;
    if (!pk->sec_path) fe_usage_error("no secret key: give -s SECFILE");
    if (!pk->out_path) fe_usage_error("no archive: give -o ARCHIVE (or -o - for standard output)");
    if (!operands && !pk->lists.n && !pk->stdin_name && !pk->manifests.n && !pk->mboxes.n &&
        !pk->archives.n)
        fe_usage_error("nothing to pack: give PATH..., -T FILE, --manifest FILE, --mbox FILE, "
                       "--from-archive FILE or --stdin-name NAME");
    if (pk->title && pk->no_title) fe_usage_error("--title and --no-title contradict each other");
    check_text_opt("--title", pk->title);
    check_text_opt("--source", pk->source);
    check_text_opt("--media-type", pk->media_type);
    check_text_opt("--comment", pk->comment);
    if (pk->dir && stat(pk->dir, &st) != 0) fe_usage_error("-C '%s': %s", pk->dir, strerror(errno));
    if (pk->dir && !S_ISDIR(st.st_mode)) fe_usage_error("-C '%s': not a directory", pk->dir);
    *to_stdout = strcmp(pk->out_path, "-") == 0;
    if (pk->sealers.n && !pk->append)
        fe_usage_error("-p and -P name the keys whose seals --append builds on; they need --append");
    if (*to_stdout && pk->append) fe_usage_error("--append needs an archive file, not standard output");
    if (pk->lock_wait && !pk->append) fe_usage_error("--wait is for --append: only an append waits for another");
    if (*to_stdout && isatty(STDOUT_FILENO)) fe_usage_error("will not write an archive to a terminal; redirect standard output");
    if (stdin_users(pk) > 1)
        fe_usage_error("standard input can be read for only one of -T -, --manifest -, "
                       "--from-archive -, --stdin-name and --passphrase-file -");
    if (!*to_stdout) check_output(pk);
}

static void free_pack(pack *pk) {
    inlist_free(&pk->in);
    free(pk->name_hash);
    for (size_t i = 0; i < pk->n_owned; i++) free(pk->owned[i]);
    free(pk->owned);
    for (size_t g = 0; g < pk->n_groups; g++) free(pk->groups[g].key);
    free(pk->groups);
    for (size_t i = 0; i < pk->n_meta; i++) free((char *)pk->meta[i].key);
    free(pk->meta);
    free(pk->stack);
    free(pk->stdin_data);
    for (size_t i = 0; pk->manifests_read && i < pk->manifests.n; i++) manifest_free(&pk->manifests_read[i]);
    free(pk->manifests_read);
    for (size_t i = 0; i < pk->n_maps; i++) munmap(pk->maps[i].p, pk->maps[i].len);
    free(pk->maps);
    strlist *ls[] = {&pk->excludes, &pk->includes, &pk->lists, &pk->manifests, &pk->mboxes, &pk->archives};
    for (size_t k = 0; k < sizeof ls / sizeof ls[0]; k++) free(ls[k]->v);
    fe_keys_free(&pk->sealers);
}

static rpt_writer *open_writer(pack *pk, rpt_seckey *sk, int from_env, int to_stdout) {
    rpt_writer *w = NULL;
    rpt_writer_options opt;
    uint8_t archive_id[RPT_ARCHIVE_ID_BYTES];
    char *file_comment = pk->comment ? NULL : key_file_comment(pk->sec_path);
    int rc;
    rpt_writer_options_init(&opt);
    opt.level = pk->level;
    opt.threads = pk->threads;
    opt.trusted = pk->sealers.k;
    opt.n_trusted = pk->sealers.n;
    opt.lock_wait = pk->lock_wait;
    opt.key_comment = pk->comment ? pk->comment : file_comment;
    if (from_env) {
        opt.created = pk->epoch;
        derive_archive_id(pk, sk, pk->epoch, archive_id);
        opt.archive_id = archive_id;
    }
    if (pk->append) rc = rpt_writer_open_append(&w, pk->out_path, sk, &opt);
    else if (to_stdout) rc = rpt_writer_open_fd(&w, STDOUT_FILENO, sk, &opt);
    else rc = rpt_writer_open_path(&w, pk->out_path, pk->force, sk, &opt);
    free(file_comment);
    if (rc != RPT_OK) {
        fe_warn("cannot %s '%s': %s", pk->append ? "append to" : "write", pk->out_path,
                w ? rpt_writer_error(w) : rpt_strerror(rc));
        if (rc == RPT_E_UNTRUSTED)
            fe_warn("if you trust that key, give its public key with -p PUBFILE or -P KEY");
        rpt_writer_free(w);
        rpt_seckey_free(sk);
        exit(fe_exit_status(rc)); /* exit, not return: pk still owns memory */
    }
    return w;
}

int main(int argc, char **argv) {
    pack pk;
    rpt_seckey *sk;
    rpt_writer *w;
    int from_env, rc, to_stdout;
    size_t packed = 0;
    uint64_t in_bytes = 0;

    fe_init(argv[0]);
    memset(&pk, 0, sizeof pk);
    pk.level = DEFAULT_LEVEL;
    pk.dict_opt = "auto";
    pk.detect = DETECT_AUTO;
    parse_options(&pk, argc, argv);
    check_options(&pk, argc - optind, &to_stdout);
    if (fe_now(&pk.epoch, &from_env) != 0) fe_usage_error("SOURCE_DATE_EPOCH is not a number of seconds");

    /* the list of inputs spills next to the archive, where there must be
     * room for it anyway */
    char *near = to_stdout ? NULL : dir_of(pk.out_path);
    inlist_init(&pk.in, near, INLIST_MEMORY);
    gather(&pk, argc - optind, argv + optind);
    check_duplicates(&pk);
    if (pk.append && !pk.bad) check_append_names(&pk);
    if (pk.bad) fe_die(FE_EXIT_USAGE, "nothing was written");
    if (pk.in.n == 0)
        fe_die(FE_EXIT_USAGE, "nothing to pack: %s", pk.skipped ? "every input was skipped" : "no regular files found");

    sk = load_key(&pk);
    w = open_writer(&pk, sk, from_env, to_stdout);
    /* an interrupted pack leaves no temporary behind (an unnamed one has
     * no name to remove and goes with the process) */
    fe_temp *temp = rpt_writer_temp_path(w) ? fe_temp_add(AT_FDCWD, rpt_writer_temp_path(w)) : NULL;
    rc = pack_all(&pk, w, &packed, &in_bytes);
    fe_signals_hold(1); /* the move into place is not cut in half */
    if (rc == 0 && (rc = rpt_writer_close(w)) != RPT_OK) {
        fe_warn("cannot finish '%s': %s", pk.out_path, rpt_writer_error(w));
        rc = fe_exit_status(rc);
    }
    if (rc) rpt_writer_free(w), w = NULL; /* removes the temporary */
    fe_temp_forget(temp);
    fe_signals_hold(0);
    if (rc == 0 && !pk.quiet) {
        char a[32], b[32], skipped[64] = "";
        uint64_t out_bytes = rpt_writer_bytes(w);
        fe_bytes_human(in_bytes, a);
        fe_bytes_human(out_bytes, b);
        if (pk.skipped)
            snprintf(skipped, sizeof skipped, "; %zu input%s skipped", pk.skipped, pk.skipped == 1 ? "" : "s");
        fprintf(stderr, "%s: %s%zu record%s, %s in, %s %s (%.1f%%)%s\n", fe_progname,
                pk.append ? "appended " : "", packed, packed == 1 ? "" : "s", a, b,
                pk.append ? "added" : "archive",
                in_bytes ? 100.0 * (double)out_bytes / (double)in_bytes : 0.0, skipped);
    }
    if (rc == 0 && pk.skipped) rc = PACK_EXIT_SKIPPED;
    rpt_writer_free(w);
    rpt_seckey_free(sk);
    free_pack(&pk);
    free(near);
    return rc;
}
