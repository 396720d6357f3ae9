/* SPDX-License-Identifier: ISC */
/* rpt-cat.c -- a short program against the installed libarchive_rpt: open
 * an archive with one trusted key, list its records, and write one of them
 * to standard output.
 *
 *   cc rpt-cat.c $(pkg-config --cflags --libs libarchive_rpt) -o rpt-cat
 *   ./rpt-cat signer.pub archive.rpt                 # list
 *   ./rpt-cat signer.pub archive.rpt NAME > out.txt  # extract one record
 *
 * Exit status as the rpt tools: 0 ok, 1 forged, 2 usage or I/O, 3 damaged,
 * 4 signed by a key that is not trusted. */
#include <archive_rpt.h>

#include <stdio.h>

static int exit_status(int rc) {
    switch (rc) {
    case RPT_OK: return 0;
    case RPT_E_BADSIG: case RPT_E_DIGEST: return 1;
    case RPT_E_FORMAT: case RPT_E_TRUNCATED: case RPT_E_LIMIT:
    case RPT_E_UNSUPPORTED: case RPT_E_NOSEAL: return 3;
    case RPT_E_UNTRUSTED: return 4;
    default: return 2;
    }
}

static int fail(rpt_reader *r, const char *what, int rc) {
    fprintf(stderr, "rpt-cat: %s: %s\n", what,
            r && *rpt_reader_error(r) ? rpt_reader_error(r) : rpt_strerror(rc));
    return exit_status(rc);
}

static int list(rpt_reader *r) {
    uint64_t n = rpt_reader_count(r);
    for (uint64_t i = 0; i < n; i++) {
        rpt_record rec;
        int rc = rpt_reader_entry(r, i, &rec);
        if (rc != RPT_OK) return fail(r, "index", rc);
        printf("%10llu  %s\n", (unsigned long long)rec.size, rec.name);
    }
    return 0;
}

static int cat(rpt_reader *r, const char *name) {
    uint64_t i;
    rpt_record rec;
    int rc = rpt_reader_find(r, name, &i);
    if (rc == RPT_OK) rc = rpt_reader_read(r, i, 0, &rec);
    if (rc != RPT_OK) return fail(r, name, rc);
    if (fwrite(rec.data, 1, rec.data_len, stdout) != rec.data_len || fflush(stdout) != 0) {
        perror("rpt-cat: stdout");
        return 2;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: rpt-cat PUBKEY ARCHIVE [NAME]   (built against rpt %s)\n",
                RPT_VERSION_STRING);
        return 2;
    }
    if (rpt_init() != RPT_OK) return 2;

    rpt_pubkey pk;
    char err[256];
    int rc = rpt_pubkey_load(argv[1], &pk, err, sizeof err);
    if (rc != RPT_OK) {
        fprintf(stderr, "rpt-cat: %s: %s\n", argv[1], *err ? err : rpt_strerror(rc));
        return 2;
    }
    rpt_reader *r = NULL;
    rc = rpt_reader_open_path(&r, argv[2], 0);
    if (rc == RPT_OK) rc = rpt_reader_trust(r, &pk);
    int status = rc != RPT_OK ? fail(r, argv[2], rc) : argc == 4 ? cat(r, argv[3]) : list(r);
    rpt_reader_free(r);
    return status;
}
