/* SPDX-License-Identifier: ISC */
/* rpt-list -- lists the records of an rpt archive from its index (or,
 * from a pipe, in one verified pass), or describes the archive (--info). */
#include "fe.h"
#include "select.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static const char usage_text[] =
    "Usage: rpt-list [-l|--json] [--since DATE] [--until DATE] [--grep TEXT [-E]]\n"
    "                [--sort KEY] ARCHIVE|- [NAME...]\n"
    "       rpt-list --info [--json] ARCHIVE\n"
    "List the records of an rpt archive (all, or the NAMEs given).\n"
    "\n"
    "  -l, --long         one line a record under a header: issued date, size,\n"
    "                     signer key id, name and title (the title cut to a\n"
    "                     terminal's width)\n"
    "      --info         describe the archive: id, creation time, version,\n"
    "                     keys, dictionaries, seals and totals\n"
    "      --json         JSON Lines: one object per record, with every field\n"
    "                     (one object for --info)\n" FE_SELECT_HELP
    "  -h, --help         show this help;  -V, --version  show the version\n"
    "\n" FE_SELECT_DATES
    "\n"
    "The short form reads only the trailer, the seal and the index. It checks\n"
    "the seal's signature over the index, and -l each record's digest, but\n"
    "not each record's signature: use rpt-verify for that. '-' reads the\n"
    "archive from standard input in one pass, checking every signature, and\n"
    "lists the records once the seal that covers them has checked.\n"
    "\n" FE_EXIT_HELP;

typedef struct lctx {
    int lng, json;
    rpt_reader *r;
    const char *archive;
    fe_select sel;
    fe_picks picks; /* kept to be sorted, aligned or sealed first */
    /* -l from a file in index order streams in two passes: the first
     * measures the columns and says what is wrong, the second prints */
    int pass;       /* 0: one pass; 1: measure; 2: print, silently */
    size_t size_w, name_w, room;
} lctx;

static void print_record_json(const rpt_record *rec) {
    char t[FE_TIME_BYTES], hex[17];
    fe_time_format(rec->issued, t);
    printf("{\"number\":%llu,\"name\":", (unsigned long long)rec->number);
    fe_json_cstr(stdout, rec->name);
    printf(",\"size\":%llu,\"stored\":%llu,\"offset\":%llu,\"issued\":\"%s\"",
           (unsigned long long)rec->size, (unsigned long long)rec->stored,
           (unsigned long long)rec->offset, t);
    printf(",\"title\":");
    fe_json_cstr(stdout, rec->title);
    printf(",\"source\":");
    fe_json_cstr(stdout, rec->source);
    printf(",\"media_type\":");
    fe_json_cstr(stdout, rec->media_type);
    printf(",\"meta\":{");
    for (size_t i = 0; i < rec->n_meta; i++) {
        if (i) putchar(',');
        fe_json_cstr(stdout, rec->meta[i].key);
        putchar(':');
        fe_json_cstr(stdout, rec->meta[i].value);
    }
    rpt_key_id_hex(rec->key_id, hex);
    printf("},\"key_id\":\"%s\",\"method\":%d", hex, rec->method);
    printf(",\"digest\":\"");
    fe_hex(stdout, rec->digest, RPT_DIGEST_BYTES);
    printf("\"}\n");
}

static void print_record_short(const rpt_record *rec) {
    char t[FE_TIME_BYTES];
    fe_time_format(rec->issued, t);
    printf("%10llu  %s  ", (unsigned long long)rec->size, t);
    fe_print_safe(stdout, rec->name);
    putchar('\n');
}

/* Columns a UTF-8 string takes, counted as one a code point: names and
 * titles are escaped first, so no control or invalid byte remains. */
static size_t columns_of(const char *s) {
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* The width of the terminal standard output is, or 0 when it is none. */
static size_t terminal_width(void) {
    struct winsize ws;
    const char *env;
    if (!isatty(STDOUT_FILENO)) return 0;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    env = getenv("COLUMNS");
    if (env && atoi(env) > 0) return (size_t)atoi(env);
    return 80;
}

/* Prints the escaped title, cut to at most room columns ("…" marks a cut)
 * when room is not 0. */
static void print_title(const char *title, size_t room) {
    char *safe = strdup(fe_safe(title));
    size_t n = 0;
    char *p;
    if (!safe) fe_die(FE_EXIT_USAGE, "out of memory");
    if (room == 0 || columns_of(safe) <= room) {
        fputs(safe, stdout);
        free(safe);
        return;
    }
    for (p = safe; *p; p++) {
        if (((unsigned char)*p & 0xC0) != 0x80 && ++n == room) break;
    }
    fwrite(safe, 1, (size_t)(p - safe), stdout);
    fputs("\xe2\x80\xa6", stdout);
    free(safe);
}

/* -l: a header, then one line a record, columns as wide as their widest
 * entry, so that grep finds the whole record by its title. */
static void long_measure(lctx *l, const rpt_record *rec) {
    char num[24];
    size_t w = (size_t)snprintf(num, sizeof num, "%llu", (unsigned long long)rec->size);
    if (w > l->size_w) l->size_w = w;
    w = columns_of(fe_safe(rec->name));
    if (w > l->name_w) l->name_w = w;
}

static void long_header(lctx *l) {
    size_t cols = terminal_width();
    if (l->size_w < 4) l->size_w = 4;
    if (l->name_w < 4) l->name_w = 4;
    if (cols) {
        /* at least a word or two of a title, even beside a long name */
        size_t used = 10 + 2 + l->size_w + 2 + 16 + 2 + l->name_w + 2;
        l->room = cols > used + 10 ? cols - used : 10;
    }
    printf("%-10s  %*s  %-16s  %-*s  TITLE\n", "ISSUED", (int)l->size_w, "SIZE", "KEY ID",
           (int)l->name_w, "NAME");
}

static void long_line(const lctx *l, const rpt_record *rec) {
    char t[FE_TIME_BYTES], hex[17];
    const char *name = fe_safe(rec->name);
    fe_time_format(rec->issued, t);
    if (t[0] != '@') t[10] = '\0'; /* the date: the time stays in --json */
    rpt_key_id_hex(rec->key_id, hex);
    printf("%-10s  %*llu  %s  ", t, (int)l->size_w, (unsigned long long)rec->size, hex);
    if (!*rec->title) {
        printf("%s\n", name);
        return;
    }
    printf("%s%*s  ", name, (int)(l->name_w - columns_of(name)), "");
    print_title(rec->title, l->room);
    putchar('\n');
}

static void print_long(lctx *l) {
    for (size_t i = 0; i < l->picks.n; i++) long_measure(l, l->picks.v[i]);
    long_header(l);
    for (size_t i = 0; i < l->picks.n; i++) long_line(l, l->picks.v[i]);
}

/* Shows one selected record now, or keeps it for later. */
static void take(lctx *l, const rpt_record *rec, int keep) {
    if (keep) fe_picks_add(&l->picks, rec);
    else if (l->pass == 1) long_measure(l, rec);
    else if (l->pass == 2) long_line(l, rec);
    else if (l->json) print_record_json(rec);
    else print_record_short(rec);
}

/* Shows the records kept, in the order asked for. */
static void show_kept(lctx *l) {
    fe_picks_sort(&l->picks, &l->sel);
    if (l->lng && !l->json) {
        print_long(l);
        return;
    }
    for (size_t i = 0; i < l->picks.n; i++) take(l, l->picks.v[i], 0);
}

/* Lists record i if it passes the filters. Returns an exit status. */
static int list_one(lctx *l, uint64_t i, int keep) {
    rpt_record rec;
    /* metadata is shown only when the record matches its sealed index
     * digest: the payload is not inflated, the signature not checked */
    int meta = l->lng || l->json || fe_select_needs_meta(&l->sel);
    int rc = meta ? rpt_reader_read(l->r, i, RPT_READ_NO_PAYLOAD, &rec)
                  : rpt_reader_entry(l->r, i, &rec);
    if (rc != RPT_OK) {
        if (l->pass != 2)
            fe_warn("%s: record %llu: %s", l->archive, (unsigned long long)i, rpt_reader_error(l->r));
        return fe_exit_status(rc);
    }
    if (fe_select_match(&l->sel, &rec)) take(l, &rec, keep);
    return 0;
}

/* Whether name is among the NAMEs given; marks it found. */
static int named(char **names, int n, char *found, const char *name) {
    int hit = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(names[i], name) == 0) {
            found[i] = 1;
            hit = 1;
        }
    }
    return hit;
}

/* One pass over a pipe, as rpt-verify reads it: every record verified,
 * then listed only once its generation's seal has checked (spec 7.3), so
 * a list never shows what the signer did not seal. */
static int list_pipe(lctx *l, char **names, int n_names) {
    int status = 0, in_a_row = 0;
    char *found = calloc((size_t)n_names + 1, 1);
    fe_picks all = {NULL, 0, 0};
    size_t kept = 0;
    if (!found) fe_die(FE_EXIT_USAGE, "out of memory");
    for (;;) {
        rpt_record rec;
        memset(&rec, 0, sizeof rec);
        int rc = rpt_reader_next(l->r, &rec);
        if (rc == RPT_EOF) break;
        if (rc == RPT_OK) {
            in_a_row = 0;
            if ((n_names == 0 || named(names, n_names, found, rec.name)) &&
                fe_select_match(&l->sel, &rec))
                fe_picks_add(&all, &rec);
            continue;
        }
        fe_warn("%s: %s%s", l->archive, rpt_reader_error(l->r), rec.name ? "; not listed" : "");
        status = fe_worse(status, fe_exit_status(rc));
        /* past damage a pipe cannot find the next chunk */
        if (rc == RPT_E_IO || rc == RPT_E_NOMEM || rc == RPT_E_ARG || ++in_a_row >= 16 ||
            fe_exit_status(rc) == FE_EXIT_DAMAGED)
            break;
    }
    for (size_t i = 0; i < all.n; i++) {
        int verdict = rpt_reader_sealed(l->r, all.v[i]->number);
        if (verdict == 1) {
            all.v[kept++] = all.v[i];
            continue;
        }
        fe_warn("%s: record %llu '%s': not listed: %s", l->archive,
                (unsigned long long)all.v[i]->number, fe_safe(all.v[i]->name),
                verdict == 0 ? "the archive ended before its generation's seal"
                             : "its generation's seal does not cover it (see above)");
        status = fe_worse(status, fe_exit_status(verdict == 0 ? RPT_E_TRUNCATED : verdict));
        free(all.v[i]);
    }
    all.n = kept;
    l->picks = all;
    for (int i = 0; i < n_names; i++) {
        if (!found[i]) {
            fe_warn("%s: no record named '%s'", l->archive, fe_safe(names[i]));
            status = fe_worse(status, FE_EXIT_USAGE);
        }
    }
    free(found);
    show_kept(l);
    return status;
}

/* Random access: the NAMEs given, each looked up, or every record. */
static int list_indexed(lctx *l, char **names, int n_names, int keep) {
    int status = 0, missing = 0;
    uint64_t *at;
    if (n_names == 0) {
        uint64_t n = rpt_reader_count(l->r);
        for (uint64_t i = 0; i < n; i++) status = fe_worse(status, list_one(l, i, keep));
        return status;
    }
    /* Every missing name is reported before anything is listed. */
    if (!(at = calloc((size_t)n_names, sizeof *at))) fe_die(FE_EXIT_USAGE, "out of memory");
    for (int i = 0; i < n_names; i++) {
        int frc = rpt_reader_find(l->r, names[i], &at[i]);
        if (l->pass == 2) {
            /* said in the first pass */
            if (frc == RPT_E_NOTFOUND) missing++;
            else if (frc != RPT_OK) status = fe_worse(status, fe_exit_status(frc));
        } else if (frc == RPT_E_NOTFOUND) {
            fe_warn("%s: no record named '%s'", l->archive, fe_safe(names[i]));
            missing++;
        } else if (frc != RPT_OK) {
            /* a damaged index could hide the record: say so */
            fe_warn("%s: looking up '%s': %s", l->archive, fe_safe(names[i]), rpt_reader_error(l->r));
            status = fe_worse(status, fe_exit_status(frc));
        }
    }
    if (missing) status = fe_worse(status, FE_EXIT_USAGE);
    else if (status == 0)
        for (int i = 0; i < n_names; i++) status = fe_worse(status, list_one(l, at[i], keep));
    free(at);
    return status;
}

static int show_info(lctx *l) {
    rpt_archive_info in;
    char t[FE_TIME_BYTES], hex[17], a[32], b[32];
    uint64_t n = rpt_reader_count(l->r), size = 0, stored = 0;
    int rc = rpt_reader_info(l->r, &in);
    if (rc != RPT_OK) {
        fe_warn("%s: %s", l->archive, rpt_reader_error(l->r));
        return fe_exit_status(rc);
    }
    for (uint64_t i = 0; i < n; i++) {
        rpt_record rec;
        if ((rc = rpt_reader_entry(l->r, i, &rec)) != RPT_OK) {
            fe_warn("%s: record %llu: %s", l->archive, (unsigned long long)i, rpt_reader_error(l->r));
            return fe_exit_status(rc);
        }
        size += rec.size;
        stored += rec.stored;
    }
    fe_time_format(in.created, t);
    if (l->json) {
        printf("{\"archive_id\":\"");
        fe_hex(stdout, in.archive_id, RPT_ARCHIVE_ID_BYTES);
        printf("\",\"version\":\"%d.%d\",\"created\":\"%s\",\"software\":", in.major, in.minor, t);
        fe_json_cstr(stdout, in.software);
        printf(",\"keys\":[");
        for (size_t i = 0; i < in.n_keys; i++) {
            rpt_key_id_hex(in.keys[i].key.id, hex);
            printf("%s{\"key_id\":\"%s\",\"comment\":", i ? "," : "", hex);
            fe_json_cstr(stdout, in.keys[i].comment);
            putchar('}');
        }
        printf("],\"dictionaries\":[");
        for (size_t i = 0; i < in.n_dicts; i++) {
            printf("%s{\"number\":%zu,\"size\":%u,\"id\":\"", i ? "," : "", i, in.dict_sizes[i]);
            fe_hex(stdout, in.dict_ids[i], RPT_DIGEST_BYTES);
            printf("\"}");
        }
        printf("],\"generations\":[");
        for (size_t i = 0; i < in.n_generations; i++) {
            const rpt_generation *g = &in.generations[i];
            rpt_key_id_hex(g->key_id, hex);
            printf("%s{\"number\":%u,\"records\":%llu,\"seal_offset\":%llu,"
                   "\"trailer_offset\":%llu,\"key_id\":\"%s\"}",
                   i ? "," : "", g->number, (unsigned long long)g->records,
                   (unsigned long long)g->seal_offset, (unsigned long long)g->trailer_offset, hex);
        }
        printf("],\"records\":%llu,\"size\":%llu,\"stored\":%llu,\"file_size\":%llu,"
               "\"index_bytes\":%llu,\"tail_bytes\":%llu}\n",
               (unsigned long long)n, (unsigned long long)size, (unsigned long long)stored,
               (unsigned long long)in.file_size, (unsigned long long)in.index_bytes,
               (unsigned long long)in.tail_bytes);
        return 0;
    }
    printf("archive:      %s\n", fe_safe(l->archive));
    printf("archive id:   ");
    fe_hex(stdout, in.archive_id, RPT_ARCHIVE_ID_BYTES);
    printf("\nformat:       rpt %d.%d\n", in.major, in.minor);
    printf("created:      %s by ", t);
    fe_print_safe(stdout, in.software ? in.software : "");
    printf("\nkeys:         %zu\n", in.n_keys);
    for (size_t i = 0; i < in.n_keys; i++) {
        rpt_key_id_hex(in.keys[i].key.id, hex);
        printf("  %s  ", hex);
        fe_print_safe(stdout, in.keys[i].comment ? in.keys[i].comment : "");
        putchar('\n');
    }
    printf("dictionaries: %zu\n", in.n_dicts);
    for (size_t i = 0; i < in.n_dicts; i++) {
        printf("  #%zu  %u bytes  ", i, in.dict_sizes[i]);
        fe_hex(stdout, in.dict_ids[i], 8);
        printf("...\n");
    }
    printf("generations:  %zu\n", in.n_generations);
    for (size_t i = 0; i < in.n_generations; i++) {
        const rpt_generation *g = &in.generations[i];
        rpt_key_id_hex(g->key_id, hex);
        printf("  #%u  %llu records  seal at %llu  signed by %s\n", g->number,
               (unsigned long long)g->records, (unsigned long long)g->seal_offset, hex);
    }
    fe_bytes_human(size, a);
    fe_bytes_human(stored, b);
    printf("records:      %llu, %s of payload stored in %s (%.1f%%)\n", (unsigned long long)n,
           a, b, size ? 100.0 * (double)stored / (double)size : 0.0);
    fe_bytes_human(in.file_size, a);
    printf("file size:    %s (%llu bytes)\n", a, (unsigned long long)in.file_size);
    printf("index:        %llu bytes\n", (unsigned long long)in.index_bytes);
    printf("incomplete tail: %llu bytes%s\n", (unsigned long long)in.tail_bytes,
           in.tail_bytes ? " (an interrupted append; rpt-pack --append cuts it off)" : "");
    return 0;
}

int main(int argc, char **argv) {
    static const struct option longopts[] = {
        {"long", no_argument, NULL, 'l'},
        {"info", no_argument, NULL, 'I'},
        {"json", no_argument, NULL, 'J'},
        FE_SELECT_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    lctx l;
    int info = 0, c, rc, status = 0, from_stdin;

    fe_init(argv[0]);
    memset(&l, 0, sizeof l);
    while ((c = fe_getopt(argc, argv, "lEhV", longopts)) != -1) {
        if (fe_select_option(&l.sel, c, optarg)) continue;
        switch (c) {
        case 'l': l.lng = 1; break;
        case 'I': info = 1; break;
        case 'J': l.json = 1; break;
        case 'h': fputs(usage_text, stdout); return FE_EXIT_OK;
        case 'V': fe_print_version();
        default: fe_usage_error("unknown option");
        }
    }
    fe_select_ready(&l.sel);
    if (optind == argc) fe_usage_error("no archive given");
    l.archive = argv[optind++];
    from_stdin = strcmp(l.archive, "-") == 0;
    if (info && optind < argc) fe_usage_error("--info describes the whole archive; it takes no NAME");
    if (info && (fe_select_filters(&l.sel) || l.sel.sort))
        fe_usage_error("--info describes the whole archive; --since, --until, --grep and "
                       "--sort choose records");
    if (info && from_stdin)
        fe_usage_error("--info needs the archive's index, which a pipe cannot seek to; "
                       "save it to a file");
    if (from_stdin) {
        l.archive = "(stdin)";
        rc = rpt_reader_open_fd(&l.r, STDIN_FILENO, 0);
    } else {
        rc = rpt_reader_open_path(&l.r, l.archive, 0);
    }
    if (rc != RPT_OK) {
        fe_warn("%s: %s", l.archive, l.r ? rpt_reader_error(l.r) : rpt_strerror(rc));
        rpt_reader_free(l.r);
        return fe_exit_status(rc);
    }
    if (info) {
        status = show_info(&l);
    } else if (from_stdin) {
        status = list_pipe(&l, argv + optind, argc - optind);
    } else {
        /* the short and JSON forms stream; a sort or -l's columns wait */
        int keep = l.sel.sort != FE_SORT_NONE;
        if (!keep && l.lng && !l.json) {
            l.pass = 1;
            status = list_indexed(&l, argv + optind, argc - optind, 0);
            long_header(&l);
            l.pass = 2;
            (void)list_indexed(&l, argv + optind, argc - optind, 0);
        } else {
            status = list_indexed(&l, argv + optind, argc - optind, keep);
        }
        if (keep) show_kept(&l);
    }
    status = fe_worse(status, fe_report_tail(l.archive, l.r));
    fe_picks_free(&l.picks);
    fe_select_free(&l.sel);
    rpt_reader_free(l.r);
    if (fflush(stdout) != 0) {
        fe_warn("cannot write the listing: %s", strerror(errno));
        status = fe_worse(status, FE_EXIT_USAGE);
    }
    return status;
}
