/* SPDX-License-Identifier: ISC */
/* rptdump.c -- the C library's view of an archive as JSON, in the schema
 * of tests/conformance/rpt_ref.py, so the two readers can be compared
 * with the expected X.json of each golden vector. An archive that fails
 * is printed as {"error": CLASS}, CLASS being the failure's class in spec
 * 7.7 (as rpt_ref.py names it), and the exit status is 1.
 *   rptdump [-p PUBFILE] ARCHIVE */
#include "archive_rpt.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static void jstr(const char *s) {
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') printf("\\%c", *p);
        else if (*p < 0x20) printf("\\u%04x", *p);
        else putchar(*p);
    }
    putchar('"');
}

static void hex(const uint8_t *p, size_t n) {
    putchar('"');
    for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
    putchar('"');
}

static int key_hex(const uint8_t *id) {
    char h[17];
    rpt_key_id_hex(id, h);
    return printf("\"%s\"", h);
}

/* The class of spec 7.7 a code belongs to, in rpt_ref.py's words. */
static const char *failure_class(int code) {
    switch (code) {
    case RPT_E_FORMAT: return "damaged";
    case RPT_E_TRUNCATED: return "truncated";
    case RPT_E_LIMIT: return "limit";
    case RPT_E_UNSUPPORTED: return "unsupported";
    case RPT_E_NOSEAL: return "noseal";
    case RPT_E_DIGEST: return "digest";
    case RPT_E_BADSIG: return "badsig";
    case RPT_E_UNTRUSTED: return "untrusted";
    default: return "error";
    }
}

static int failed(rpt_reader *r, const char *path, int code) {
    fprintf(stderr, "rptdump: %s: %s\n", path, r ? rpt_reader_error(r) : rpt_strerror(code));
    printf("{\"error\": \"%s\"}\n", failure_class(code));
    rpt_reader_free(r);
    return 1;
}

int main(int argc, char **argv) {
    if (rpt_init()) return 2;
    const char *pub = NULL;
    int a = 1;
    if (argc > 3 && strcmp(argv[1], "-p") == 0) {
        pub = argv[2];
        a = 3;
    }
    if (a != argc - 1) {
        fprintf(stderr, "usage: rptdump [-p PUBFILE] ARCHIVE\n");
        return 2;
    }
    rpt_reader *r = NULL;
    int rc = rpt_reader_open_path(&r, argv[a], 0);
    if (!rc && pub) {
        rpt_pubkey pk;
        char err[256];
        rc = rpt_pubkey_load(pub, &pk, err, sizeof err);
        if (!rc) rc = rpt_reader_trust(r, &pk);
    }
    rpt_verify_summary sum;
    if (!rc) rc = rpt_reader_verify(r, NULL, NULL, &sum);
    rpt_archive_info ai;
    if (!rc) rc = rpt_reader_info(r, &ai);
    if (rc) return failed(r, argv[a], rc);
    printf("{\"archive_id\": ");
    hex(ai.archive_id, 16);
    printf(", \"created\": %lld, \"software\": ", (long long)ai.created);
    jstr(ai.software);
    printf(", \"generations\": %zu, \"keys\": [", ai.n_generations);
    for (size_t i = 0; i < ai.n_keys; i++) {
        printf("%s{\"key_id\": ", i ? ", " : "");
        key_hex(ai.keys[i].key.id);
        printf(", \"public_key\": ");
        hex(ai.keys[i].key.pk, 32);
        printf(", \"comment\": ");
        jstr(ai.keys[i].comment);
        printf("}");
    }
    printf("], \"records\": [");
    for (uint64_t i = 0; i < rpt_reader_count(r); i++) {
        rpt_record rec;
        if ((rc = rpt_reader_read(r, i, 0, &rec))) return failed(r, argv[a], rc);
        uint8_t h[32];
        crypto_generichash(h, 32, rec.data, rec.data_len, NULL, 0);
        printf("%s{\"name\": ", i ? ", " : "");
        jstr(rec.name);
        printf(", \"issued\": %lld, \"title\": ", (long long)rec.issued);
        jstr(rec.title);
        printf(", \"source\": ");
        jstr(rec.source);
        printf(", \"media_type\": ");
        jstr(rec.media_type);
        printf(", \"meta\": {");
        for (size_t m = 0; m < rec.n_meta; m++) {
            printf("%s", m ? ", " : "");
            jstr(rec.meta[m].key);
            printf(": ");
            jstr(rec.meta[m].value);
        }
        printf("}, \"size\": %llu, \"method\": %d, \"dict\": ", (unsigned long long)rec.size,
               rec.method);
        if (rec.method == RPT_METHOD_DEFLATE_DICT) printf("%u", rec.dict);
        else printf("null");
        printf(", \"key_id\": ");
        key_hex(rec.key_id);
        printf(", \"payload_blake2b256\": ");
        hex(h, 32);
        printf("}");
    }
    printf("]}\n");
    rpt_reader_free(r);
    return 0;
}
