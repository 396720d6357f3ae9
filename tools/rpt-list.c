/* rpt-list -- lists the records of an rpt archive from its index, or
 * describes the archive itself (--info). */
#include "fe.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "Usage: rpt-list [-l] [--info] [--json] ARCHIVE [NAME...]\n"
    "List the records of an rpt archive (all, or the NAMEs given).\n"
    "\n"
    "  -l, --long   add stored size, ratio, signer key id, title, source and\n"
    "               media type (reads each record's metadata)\n"
    "      --info   describe the archive: id, creation time, version, keys,\n"
    "               dictionaries, seals and totals\n"
    "      --json   one JSON object per record (or one for --info)\n"
    "  -h, --help   show this help;  -V, --version  show the version\n"
    "\n"
    "The short form reads only the trailer, the seal and the index. It checks\n"
    "the seal's signature over the index, and -l each record's digest, but\n"
    "not each record's signature: use rpt-verify for that.\n"
    "\n" FE_EXIT_HELP;

typedef struct lctx {
    int lng, json;
    rpt_reader *r;
    const char *archive;
} lctx;

static void print_record_json(const rpt_record *rec, int lng) {
    char t[FE_TIME_BYTES], hex[17];
    fe_time_format(rec->issued, t);
    printf("{\"number\":%llu,\"name\":", (unsigned long long)rec->number);
    fe_json_cstr(stdout, rec->name);
    printf(",\"size\":%llu,\"stored\":%llu,\"offset\":%llu,\"issued\":\"%s\"",
           (unsigned long long)rec->size, (unsigned long long)rec->stored,
           (unsigned long long)rec->offset, t);
    if (lng) {
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
    }
    printf(",\"digest\":\"");
    fe_hex(stdout, rec->digest, RPT_DIGEST_BYTES);
    printf("\"}\n");
}

static void print_record_text(const rpt_record *rec, int lng) {
    char t[FE_TIME_BYTES], hex[17];
    fe_time_format(rec->issued, t);
    if (!lng) {
        printf("%10llu  %s  ", (unsigned long long)rec->size, t);
    } else {
        rpt_key_id_hex(rec->key_id, hex);
        printf("%10llu %10llu %6.1f%%  %s  %s  ", (unsigned long long)rec->size,
               (unsigned long long)rec->stored,
               rec->size ? 100.0 * (double)rec->stored / (double)rec->size : 0.0, t, hex);
    }
    fe_print_safe(stdout, rec->name);
    putchar('\n');
    if (lng) {
        if (*rec->title) { printf("    title: "); fe_print_safe(stdout, rec->title); putchar('\n'); }
        if (*rec->source) { printf("    source: "); fe_print_safe(stdout, rec->source); putchar('\n'); }
        printf("    media type: ");
        fe_print_safe(stdout, rec->media_type);
        putchar('\n');
        for (size_t i = 0; i < rec->n_meta; i++) {
            printf("    ");
            fe_print_safe(stdout, rec->meta[i].key);
            printf(" = ");
            fe_print_safe(stdout, rec->meta[i].value);
            putchar('\n');
        }
    }
}

/* Lists record i. Returns an exit status. */
static int list_one(lctx *l, uint64_t i) {
    rpt_record rec;
    /* metadata is shown only when the record matches its sealed index
     * digest: the payload is not inflated, the signature not checked */
    int rc = l->lng || l->json ? rpt_reader_read(l->r, i, RPT_READ_NO_PAYLOAD, &rec)
                               : rpt_reader_entry(l->r, i, &rec);
    if (rc != RPT_OK) {
        fe_warn("%s: record %llu: %s", l->archive, (unsigned long long)i, rpt_reader_error(l->r));
        return fe_exit_status(rc);
    }
    if (l->json) print_record_json(&rec, 1);
    else print_record_text(&rec, l->lng);
    return 0;
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
    printf("archive:      %s\n", l->archive);
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
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    lctx l = {0, 0, NULL, NULL};
    int info = 0, c, rc, status = 0;

    fe_init(argv[0]);
    while ((c = fe_getopt(argc, argv, "lhV", longopts)) != -1) {
        switch (c) {
        case 'l': l.lng = 1; break;
        case 'I': info = 1; break;
        case 'J': l.json = 1; break;
        case 'h': fputs(usage_text, stdout); return FE_EXIT_OK;
        case 'V': fe_print_version();
        default: fe_usage_error("unknown option");
        }
    }
    if (optind == argc) fe_usage_error("no archive given");
    l.archive = argv[optind++];
    if (strcmp(l.archive, "-") == 0)
        fe_usage_error("rpt-list needs the archive's index, which a pipe cannot seek to; "
                       "save it to a file, or check a pipe with rpt-verify -");
    if (info && optind < argc) fe_usage_error("--info describes the whole archive; it takes no NAME");
    rc = rpt_reader_open_path(&l.r, l.archive, 0);
    if (rc != RPT_OK) {
        fe_warn("%s: %s", l.archive, l.r ? rpt_reader_error(l.r) : rpt_strerror(rc));
        rpt_reader_free(l.r);
        return fe_exit_status(rc);
    }
    if (info) {
        status = show_info(&l);
    } else if (optind == argc) {
        uint64_t n = rpt_reader_count(l.r);
        for (uint64_t i = 0; i < n; i++) status = fe_worse(status, list_one(&l, i));
    } else {
        /* Every missing name is reported before anything is listed. */
        uint64_t *at = calloc((size_t)(argc - optind), sizeof *at);
        int missing = 0;
        if (!at) fe_die(FE_EXIT_USAGE, "out of memory");
        for (int i = optind; i < argc; i++) {
            int frc = rpt_reader_find(l.r, argv[i], &at[i - optind]);
            if (frc == RPT_E_NOTFOUND) {
                fe_warn("%s: no record named '%s'", l.archive, argv[i]);
                missing++;
            } else if (frc != RPT_OK) {
                /* a damaged index could hide the record: say so */
                fe_warn("%s: looking up '%s': %s", l.archive, argv[i], rpt_reader_error(l.r));
                status = fe_worse(status, fe_exit_status(frc));
            }
        }
        if (missing) {
            status = fe_worse(status, FE_EXIT_USAGE);
        } else if (status == 0) {
            for (int i = optind; i < argc; i++)
                status = fe_worse(status, list_one(&l, at[i - optind]));
        }
        free(at);
    }
    status = fe_worse(status, fe_report_tail(l.archive, l.r));
    rpt_reader_free(l.r);
    if (fflush(stdout) != 0) {
        fe_warn("cannot write the listing: %s", strerror(errno));
        status = fe_worse(status, FE_EXIT_USAGE);
    }
    return status;
}
