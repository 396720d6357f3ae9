/* rpt-extract -- writes the records of an rpt archive out as files, each
 * verified first, never outside the target directory, never over a file
 * without -f, never through a symbolic link. */
#include "fe.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_text[] =
    "Usage: rpt-extract [-p PUBFILE]... [-P KEY]... [-C DIR] [-O] [-f] [--glob]\n"
    "                   [--salvage] [--no-verify] ARCHIVE|- [NAME...]\n"
    "Extract all records of an rpt archive, or the NAMEs given, each verified\n"
    "before a byte of it is written.\n"
    "\n"
    "  -p, --public FILE  require records signed by this minisign public key\n"
    "                     (repeatable)\n"
    "  -P, --pubkey KEY   the same with a base64 public key\n"
    "  -C, --directory DIR  extract under DIR (default: .); nothing is written\n"
    "                     outside it and no symbolic link inside it is followed\n"
    "  -O, --to-stdout    write the payloads to standard output instead\n"
    "  -f, --force        replace existing files\n"
    "      --glob         NAMEs are shell patterns (* ? [...])\n"
    "      --salvage      damaged archive: extract every intact, verified record\n"
    "                     and report what was lost\n"
    "      --no-verify    skip signature and digest checks (says so)\n"
    "  -v, --verbose      name each file as it is extracted\n"
    "  -q, --quiet        no notes\n"
    "  -h, --help         show this help;  -V, --version  show the version\n"
    "\n"
    "When several problems occur the exit status is the most serious, in the\n"
    "order 2, 3, 1, 4.\n"
    "\n" FE_EXIT_HELP;

typedef struct xctx {
    fe_keys keys;
    const char *dir, *archive;
    int to_stdout, force, glob, salvage, no_verify, quiet, verbose;
    int dirfd;
    char **names;
    size_t n_names;
    char *matched;
    int status;
    uint64_t extracted;
} xctx;

static void problem(xctx *x, int status) { x->status = fe_worse(x->status, status); }

/* Whether the record is wanted; marks the NAME that asked for it. */
static int wanted(xctx *x, const char *name) {
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

/* Writes one verified record under x->dirfd, component by component, with
 * O_NOFOLLOW everywhere. Returns an exit status. */
static int write_file(xctx *x, const rpt_record *rec) {
    size_t len = strlen(rec->name);
    char *path = malloc(len + 1), *comp, *slash, tmp[40];
    int cur, fd = -1, e;
    struct stat st;
    struct timespec times[2];

    if (!path) fe_die(FE_EXIT_USAGE, "out of memory");
    memcpy(path, rec->name, len + 1);
    cur = dup(x->dirfd);
    if (cur < 0) fe_die(FE_EXIT_USAGE, "dup: %s", strerror(errno));
    comp = path;
    while ((slash = strchr(comp, '/')) != NULL) {
        int next;
        *slash = '\0';
        if (mkdirat(cur, comp, 0755) != 0 && errno != EEXIST) goto fail;
        next = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0) {
            if (errno == ELOOP || errno == ENOTDIR) {
                fe_warn("'%s': '%s' is a symbolic link or not a directory; not followed, "
                        "record not extracted", rec->name, path);
                free(path);
                close(cur);
                return FE_EXIT_USAGE;
            }
            goto fail;
        }
        close(cur);
        cur = next;
        *slash = '/';
        comp = slash + 1;
    }
    if (fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISDIR(st.st_mode)) {
            fe_warn("'%s' is a directory; record not extracted", rec->name);
            free(path);
            close(cur);
            return FE_EXIT_USAGE;
        }
        if (!x->force) {
            fe_warn("'%s' exists; use -f to replace it", rec->name);
            free(path);
            close(cur);
            return FE_EXIT_USAGE;
        }
    }
    for (int tries = 0; fd < 0 && tries < 16; tries++) {
        snprintf(tmp, sizeof tmp, ".rpt-%08x.tmp", (unsigned)randombytes_random());
        fd = openat(cur, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST) goto fail;
    }
    if (fd < 0) goto fail;
    times[0].tv_sec = 0;
    times[0].tv_nsec = UTIME_OMIT;
    times[1].tv_sec = (time_t)rec->issued;
    times[1].tv_nsec = 0;
    /* on disk before it takes the final name: a crash leaves the old
     * file or the whole new one, never a part */
    if (write_all(fd, rec->data, rec->data_len) != 0 || futimens(fd, times) != 0 ||
        fsync(fd) != 0 || close(fd) != 0) {
        e = errno;
        unlinkat(cur, tmp, 0);
        errno = e;
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (place(cur, tmp, comp, x->force) != 0) {
        e = errno;
        unlinkat(cur, tmp, 0);
        errno = e;
        if (e == EEXIST) {
            fe_warn("'%s' exists; use -f to replace it", rec->name);
            free(path);
            close(cur);
            return FE_EXIT_USAGE;
        }
        goto fail;
    }
    close(cur);
    free(path);
    return 0;
fail:
    e = errno;
    fe_warn("cannot extract '%s' into '%s': %s", rec->name, x->dir, strerror(e));
    if (fd >= 0) close(fd);
    close(cur);
    free(path);
    return FE_EXIT_USAGE;
}

static void emit(xctx *x, const rpt_record *rec) {
    int rc;
    if (rpt_name_check(rec->name, strlen(rec->name)) != RPT_OK) {
        fe_warn("record %llu: unsafe name, not extracted", (unsigned long long)rec->number);
        problem(x, FE_EXIT_DAMAGED);
        return;
    }
    if (x->to_stdout) {
        if (write_all(STDOUT_FILENO, rec->data, rec->data_len) != 0)
            fe_die(FE_EXIT_USAGE, "cannot write to standard output: %s", strerror(errno));
        rc = 0;
    } else {
        rc = write_file(x, rec);
    }
    if (rc) {
        problem(x, rc);
        return;
    }
    x->extracted++;
    if (x->verbose) {
        FILE *f = x->to_stdout ? stderr : stdout;
        fe_print_safe(f, rec->name);
        fputc('\n', f);
    }
}

/* One record that could not be extracted. */
static void refused(xctx *x, rpt_reader *r, uint64_t i, const char *name, int rc) {
    /* the reader's words name the record and say whose key is not
     * trusted: the record's signer or the sealer of its generation */
    (void)i;
    (void)name;
    fe_warn("%s: %s; not extracted", x->archive, rpt_reader_error(r));
    problem(x, fe_exit_status(rc));
}

/* Random access: find what is asked, then read, verify and write each. */
static void extract_indexed(xctx *x, rpt_reader *r) {
    uint64_t n = rpt_reader_count(r);
    char *want = calloc(n ? n : 1, 1);
    int missing = 0;
    if (!want) fe_die(FE_EXIT_USAGE, "out of memory");
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
        want[i] = (char)wanted(x, e.name);
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
    if (missing) { /* before anything is written */
        problem(x, FE_EXIT_USAGE);
        free(want);
        return;
    }
    for (uint64_t i = 0; i < n; i++) {
        rpt_record rec;
        int rc;
        if (!want[i]) continue;
        rc = rpt_reader_read(r, i, x->no_verify ? RPT_READ_NO_VERIFY : 0, &rec);
        if (rc == RPT_OK) emit(x, &rec);
        else refused(x, r, i, rc == RPT_E_UNTRUSTED ? rec.name : NULL, rc);
        if (rc == RPT_E_IO || rc == RPT_E_NOMEM) break;
    }
    free(want);
}

/* One pass in file order: a pipe, or a salvage scan. */
static void extract_sequential(xctx *x, rpt_reader *r) {
    uint64_t seen = 0;
    int in_a_row = 0;
    for (;;) {
        rpt_record rec;
        int rc = rpt_reader_next(r, &rec);
        if (rc == 1) break;
        if (rc == RPT_OK) {
            in_a_row = 0;
            seen++;
            if (wanted(x, rec.name)) emit(x, &rec);
            continue;
        }
        refused(x, r, seen, rc == RPT_E_UNTRUSTED ? rec.name : NULL, rc);
        if (rc == RPT_E_UNTRUSTED) {
            seen++;
            in_a_row = 0;
            continue;
        }
        /* Past damage a pipe cannot resynchronise; a salvage scan can. */
        if (rc == RPT_E_IO || rc == RPT_E_NOMEM || rc == RPT_E_ARG || ++in_a_row >= 16 ||
            (!x->salvage && fe_exit_status(rc) == FE_EXIT_DAMAGED))
            break;
    }
    for (size_t k = 0; k < x->n_names; k++) {
        if (!x->matched[k]) {
            fe_warn("%s: no record %s '%s'", x->archive, x->glob ? "matches" : "named", x->names[k]);
            problem(x, FE_EXIT_USAGE);
        }
    }
    if (x->salvage) {
        uint64_t lost = rpt_reader_salvage_lost(r);
        if (lost > 0) problem(x, FE_EXIT_DAMAGED);
        fprintf(stderr, "%s: salvage: %llu record%s recovered; %llu damaged byte%s skipped%s\n",
                fe_progname, (unsigned long long)x->extracted, x->extracted == 1 ? "" : "s",
                (unsigned long long)lost, lost == 1 ? "" : "s",
                lost ? ": whatever they held is lost" : "");
    }
}

static int open_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && mkdir(dir, 0755) == 0)
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) fe_die(FE_EXIT_USAGE, "cannot open directory '%s': %s", dir, strerror(errno));
    return fd;
}

int main(int argc, char **argv) {
    enum { O_GLOB = 256, O_SALVAGE, O_NO_VERIFY };
    static const struct option longopts[] = {
        {"public", required_argument, NULL, 'p'},
        {"pubkey", required_argument, NULL, 'P'},
        {"directory", required_argument, NULL, 'C'},
        {"to-stdout", no_argument, NULL, 'O'},
        {"force", no_argument, NULL, 'f'},
        {"glob", no_argument, NULL, O_GLOB},
        {"salvage", no_argument, NULL, O_SALVAGE},
        {"no-verify", no_argument, NULL, O_NO_VERIFY},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    xctx x;
    rpt_reader *r = NULL;
    int c, rc, from_stdin;

    fe_init(argv[0]);
    memset(&x, 0, sizeof x);
    x.dir = ".";
    x.dirfd = -1;
    while ((c = getopt_long(argc, argv, "p:P:C:OfvqhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'p': if (fe_keys_add_file(&x.keys, optarg)) exit(FE_EXIT_USAGE); break;
        case 'P': if (fe_keys_add_base64(&x.keys, optarg)) exit(FE_EXIT_USAGE); break;
        case 'C': x.dir = optarg; break;
        case 'O': x.to_stdout = 1; break;
        case 'f': x.force = 1; break;
        case O_GLOB: x.glob = 1; break;
        case O_SALVAGE: x.salvage = 1; break;
        case O_NO_VERIFY: x.no_verify = 1; break;
        case 'v': x.verbose = 1; break;
        case 'q': x.quiet = 1; break;
        case 'h': fputs(usage_text, stdout); return FE_EXIT_OK;
        case 'V': fe_print_version();
        default: fe_usage_error("unknown option");
        }
    }
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
    if (!x.to_stdout) x.dirfd = open_dir(x.dir);

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

    if (from_stdin || x.salvage) extract_sequential(&x, r);
    else {
        extract_indexed(&x, r);
        int tail = fe_report_tail(x.archive, r);
        if (tail) problem(&x, tail);
    }

    rpt_reader_free(r);
    if (x.dirfd >= 0) close(x.dirfd);
    fe_keys_free(&x.keys);
    free(x.matched);
    if (fflush(stdout) != 0) problem(&x, FE_EXIT_USAGE);
    return x.status;
}
