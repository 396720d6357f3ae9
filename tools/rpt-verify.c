/* SPDX-License-Identifier: ISC */
/* rpt-verify -- checks a whole rpt archive: every chunk's CRC, every
 * record's digest and signature, the index, the seals and their chain. */
#include "fe.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "Usage: rpt-verify [-p PUBFILE]... [-P PUBKEY]... [-q] [--json] ARCHIVE|-...\n"
    "Check every record's signature and digest, the index and the seals of\n"
    "each rpt archive given ('-' reads standard input in one pass).\n"
    "\n"
    "  -p, --public FILE  trust the minisign public key in FILE (repeatable)\n"
    "  -P, --pubkey KEY   trust the base64 public key KEY (repeatable)\n"
    "  -q, --quiet        print only failures\n"
    "      --json         one JSON object per record, then a summary object\n"
    "                     per archive (and a total object for several)\n"
    "  -h, --help         show this help;  -V, --version  show the version\n"
    "\n"
    "Without -p or -P the archive is checked against its own keys only, which\n"
    "proves integrity but not who signed it: the exit status is then 4.\n"
    "Each archive gets its summary line, several a total line too; the exit\n"
    "status is the most serious of all archives', in the order 2, 3, 1, 4.\n"
    "\n" FE_EXIT_HELP;

typedef struct vctx {
    int json, quiet;
    const char *archive;
} vctx;

static const char *status_word(int st) {
    switch (fe_exit_status(st)) {
    case FE_EXIT_OK: return "ok";
    case FE_EXIT_AUTH: return "tampered";
    case FE_EXIT_DAMAGED: return "damaged";
    case FE_EXIT_UNTRUSTED: return "untrusted";
    default: return "error";
    }
}

static int on_event(const rpt_verify_event *ev, void *arg) {
    const vctx *v = arg;
    const char *detail = ev->detail && *ev->detail ? ev->detail : rpt_strerror(ev->status);
    if (v->json) {
        if (ev->rec) {
            char hex[17];
            rpt_key_id_hex(ev->rec->key_id, hex);
            printf("{\"record\":%llu,\"name\":", (unsigned long long)ev->rec->number);
            fe_json_cstr(stdout, ev->rec->name);
            printf(",\"offset\":%llu,\"key_id\":\"%s\",\"status\":\"%s\"",
                   (unsigned long long)ev->rec->offset, hex, status_word(ev->status));
        } else {
            printf("{\"archive\":true,\"status\":\"%s\"", status_word(ev->status));
        }
        if (ev->status != RPT_OK) {
            printf(",\"detail\":");
            fe_json_cstr(stdout, detail);
        }
        printf("}\n");
        return 0;
    }
    if (ev->status == RPT_OK) return 0;
    fflush(stdout);
    if (ev->rec) {
        fprintf(stderr, "%s: %s: record %llu '", fe_progname, fe_safe(v->archive),
                (unsigned long long)ev->rec->number);
        fe_print_safe(stderr, ev->rec->name ? ev->rec->name : "");
        fprintf(stderr, "' at offset %llu: %s: ", (unsigned long long)ev->rec->offset,
                status_word(ev->status));
    } else {
        fprintf(stderr, "%s: %s: %s: ", fe_progname, fe_safe(v->archive), status_word(ev->status));
    }
    fe_print_safe(stderr, detail);
    fputc('\n', stderr);
    return 0;
}

/* What every archive adds to the total line. */
typedef struct totals {
    unsigned archives, unread;
    uint64_t records, ok, damaged, tampered, untrusted, generations;
} totals;

/* Verifies one archive, reports it, adds to *t. Returns its exit status
 * before the no-key rule (fe_keys_none), which main applies once. */
static int verify_one(vctx *v, const fe_keys *keys, totals *t) {
    rpt_reader *r = NULL;
    rpt_verify_summary sum;
    rpt_archive_info info;
    memset(&info, 0, sizeof info);
    uint64_t tail = 0;
    int rc, status;
    t->archives++;
    if (strcmp(v->archive, "-") == 0) {
        v->archive = "(stdin)";
        rc = rpt_reader_open_fd(&r, STDIN_FILENO, 0);
    } else {
        rc = rpt_reader_open_path(&r, v->archive, 0);
    }
    if (rc != RPT_OK) {
        status = fe_exit_status(rc);
        fe_warn("%s: %s", v->archive, r ? rpt_reader_error(r) : rpt_strerror(rc));
        if (v->json) {
            printf("{\"summary\":true,\"archive\":");
            fe_json_cstr(stdout, v->archive);
            printf(",\"status\":\"%s\",\"exit\":%d}\n", status_word(rc), status);
        }
        rpt_reader_free(r);
        t->unread++;
        return status;
    }
    if (fe_keys_trust(keys, r)) exit(FE_EXIT_USAGE);

    memset(&sum, 0, sizeof sum);
    rc = rpt_reader_verify(r, on_event, v, &sum);
    status = fe_exit_status(rc);
    if (rc == RPT_E_IO || rc == RPT_E_NOMEM || rc == RPT_E_ARG)
        fe_warn("%s: %s", v->archive, rpt_reader_error(r));
    if (rpt_reader_info(r, &info) == RPT_OK) tail = info.tail_bytes;
    if (!v->json && !v->quiet) fe_note_appending(v->archive, &info, "checked");
    if (tail > 0) {
        /* A crash during an append leaves bytes after the last seal. */
        if (!v->json)
            fe_warn("%s: %llu bytes after the last trailer: an incomplete generation "
                    "(rpt-pack --append cuts it off, unless it holds a seal)", v->archive, (unsigned long long)tail);
        status = fe_worse(status, FE_EXIT_DAMAGED);
    }
    if (v->json) {
        printf("{\"summary\":true,\"archive\":");
        fe_json_cstr(stdout, v->archive);
        printf(",\"records\":%llu,\"ok\":%llu,\"damaged\":%llu,"
               "\"tampered\":%llu,\"untrusted\":%llu,\"generations\":%llu,"
               "\"tail_bytes\":%llu,\"trusted_keys\":%zu,\"exit\":%d}\n",
               (unsigned long long)sum.records, (unsigned long long)sum.ok,
               (unsigned long long)sum.damaged, (unsigned long long)sum.tampered,
               (unsigned long long)sum.untrusted, (unsigned long long)sum.generations,
               (unsigned long long)tail, keys->n, fe_keys_none(keys, status, 0));
    } else if (!v->quiet) {
        printf("%s: %llu records checked: %llu ok, %llu damaged, %llu tampered, "
               "%llu untrusted; %llu seal%s\n",
               fe_safe(v->archive), (unsigned long long)sum.records, (unsigned long long)sum.ok,
               (unsigned long long)sum.damaged, (unsigned long long)sum.tampered,
               (unsigned long long)sum.untrusted, (unsigned long long)sum.generations,
               sum.generations == 1 ? "" : "s");
    }
    t->records += sum.records;
    t->ok += sum.ok;
    t->damaged += sum.damaged;
    t->tampered += sum.tampered;
    t->untrusted += sum.untrusted;
    t->generations += sum.generations;
    rpt_reader_free(r);
    return status;
}

/* After several archives: the sum, and the worst status. */
static void print_total(const vctx *v, const totals *t, int status) {
    if (v->json) {
        printf("{\"total\":true,\"archives\":%u,\"unreadable\":%u,\"records\":%llu,"
               "\"ok\":%llu,\"damaged\":%llu,\"tampered\":%llu,\"untrusted\":%llu,"
               "\"generations\":%llu,\"exit\":%d}\n",
               t->archives, t->unread, (unsigned long long)t->records, (unsigned long long)t->ok,
               (unsigned long long)t->damaged, (unsigned long long)t->tampered,
               (unsigned long long)t->untrusted, (unsigned long long)t->generations, status);
        return;
    }
    if (v->quiet) return;
    printf("total: %u archives", t->archives);
    if (t->unread) printf(" (%u could not be read)", t->unread);
    printf(", %llu records checked: %llu ok, %llu damaged, %llu tampered, %llu untrusted; "
           "%llu seal%s\n",
           (unsigned long long)t->records, (unsigned long long)t->ok,
           (unsigned long long)t->damaged, (unsigned long long)t->tampered,
           (unsigned long long)t->untrusted, (unsigned long long)t->generations,
           t->generations == 1 ? "" : "s");
}

int main(int argc, char **argv) {
    static const struct option longopts[] = {
        {"public", required_argument, NULL, 'p'},
        {"pubkey", required_argument, NULL, 'P'},
        {"quiet", no_argument, NULL, 'q'},
        {"json", no_argument, NULL, 'J'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    fe_keys keys = {NULL, 0, 0};
    vctx v = {0, 0, NULL};
    totals t;
    int c, status = 0, stdin_seen = 0;

    fe_init(argv[0]);
    while ((c = fe_getopt(argc, argv, "p:P:qhV", longopts)) != -1) {
        switch (c) {
        case 'p': if (fe_keys_add_file(&keys, optarg)) exit(FE_EXIT_USAGE); break;
        case 'P': if (fe_keys_add_base64(&keys, optarg)) exit(FE_EXIT_USAGE); break;
        case 'q': v.quiet = 1; break;
        case 'J': v.json = 1; break;
        case 'h': fputs(usage_text, stdout); return FE_EXIT_OK;
        case 'V': fe_print_version();
        default: fe_usage_error("unknown option");
        }
    }
    if (optind == argc) fe_usage_error("no archive given");
    for (int i = optind; i < argc; i++) {
        if (strcmp(argv[i], "-") != 0) continue;
        if (stdin_seen++) fe_usage_error("'-' given twice: standard input can be read once");
    }
    memset(&t, 0, sizeof t);
    for (int i = optind; i < argc; i++) {
        v.archive = argv[i];
        status = fe_worse(status, verify_one(&v, &keys, &t));
    }
    /* said after the summaries, where a person reads it last */
    status = fe_keys_none(&keys, status, 0);
    if (argc - optind > 1) print_total(&v, &t, status);
    if (!v.json) (void)fe_keys_none(&keys, status, 1);
    fe_keys_free(&keys);
    if (fflush(stdout) != 0) {
        fe_warn("cannot write the report: %s", strerror(errno));
        status = fe_worse(status, FE_EXIT_USAGE);
    }
    return status;
}
