/* SPDX-License-Identifier: ISC */
/* test_ispill.c -- the writer streams each INDX from entries it spilled
 * to a scratch file; every INDX it writes, merged segments included,
 * must be byte for byte what the in-memory encoder makes of the same
 * entries (the encoder the golden vectors are built with). */
#include "helpers.h"
#include "internal.h"
#include "ispill.h"
#include "reader.h"

static int append_n(const char *path, rpt_seckey *sk, unsigned from, unsigned n) {
    rpt_writer_options opt;
    rpt_pubkey pk;
    rpt_seckey_public(sk, &pk);
    rpt_writer_options_init(&opt);
    opt.trusted = &pk;
    opt.n_trusted = 1;
    return append_samples(path, sk, &opt, from, n, NULL, 0);
}

/* The INDX body at p: parsed, its entries re-encoded in memory. */
static int same_as_encoder(const uint8_t *body, size_t len, uint64_t off, uint64_t *n_entries) {
    rpt_segment seg;
    char err[RPT_ERRLEN];
    int rc = rpti_segment_check(&seg, body, len, off, err);
    CHECK_EQ_INT(rc, RPT_OK);
    if (rc) return 0;
    rpt_ibuilder ib = {0};
    for (uint64_t k = 0; !rc && k < seg.n; k++) {
        rpt_ient e;
        rc = rpti_segment_entry(&seg, k, &e);
        if (!rc) rc = rpti_ib_add(&ib, e.name, e.name_len, e.offset, e.stored, e.size, e.issued, e.digest);
    }
    CHECK_EQ_INT(rc, RPT_OK);
    rpt_buf head = {0}, data = {0};
    uint8_t root[RPT_DIGEST_BYTES];
    CHECK_EQ_INT(rpti_index_encode(&head, &data, &ib, seg.first, seg.older, seg.n_older, seg.aux,
                                   seg.n_aux, root), RPT_OK);
    int same = head.len + data.len == len && memcmp(head.p, body, head.len) == 0 &&
               (data.len == 0 || memcmp(data.p, body + head.len, data.len) == 0) &&
               memcmp(root, seg.root, sizeof root) == 0;
    *n_entries = seg.n;
    rpti_buf_free(&head);
    rpti_buf_free(&data);
    rpti_ib_free(&ib);
    rpti_segment_free(&seg);
    return same;
}

/* Every INDX of the archive at path; returns how many, and how many
 * entries the last one holds. */
static int check_every_index(const char *path, uint64_t *last_n) {
    size_t len;
    uint8_t *p = slurp(path, &len);
    int found = 0;
    CHECK(p != NULL);
    for (size_t at = RPT_MAGIC_BYTES; p && at + 12 <= len;) {
        uint32_t type = rpti_le32_load(p + at), blen = rpti_le32_load(p + at + 4);
        if (type == RPT_T_INDX) {
            found++;
            CHECK(same_as_encoder(p + at + 8, blen, at, last_n));
        }
        at += 12 + (size_t)blen;
    }
    free(p);
    return found;
}

/* Appends of every size to a fresh archive, each INDX checked. */
static void appends(rpt_seckey *sk, const char *a) {
    uint64_t last = 0;
    CHECK_EQ_INT(build_archive(a, sk, 200, 2), RPT_OK);
    CHECK_EQ_INT(check_every_index(a, &last), 1);
    CHECK_EQ_INT(last, 200);
    /* small appends keep their own segments */
    CHECK_EQ_INT(append_n(a, sk, 200, 5), RPT_OK);
    CHECK_EQ_INT(append_n(a, sk, 205, 7), RPT_OK);
    CHECK_EQ_INT(check_every_index(a, &last), 3);
    CHECK_EQ_INT(last, 12); /* 5 < 2 * 7: the two merged */
    /* a large one merges every older segment into its own */
    CHECK_EQ_INT(append_n(a, sk, 212, 300), RPT_OK);
    CHECK_EQ_INT(check_every_index(a, &last), 4);
    CHECK_EQ_INT(last, 512);
    /* an empty append writes an empty segment */
    CHECK_EQ_INT(append_n(a, sk, 512, 0), RPT_OK);
    CHECK_EQ_INT(check_every_index(a, &last), 5);
    CHECK_EQ_INT(last, 0);
    rpt_reader *r = NULL;
    rpt_verify_summary sum;
    CHECK_EQ_INT(rpt_reader_open_path(&r, a, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_verify(r, NULL, NULL, &sum), RPT_OK);
    CHECK_EQ_INT(sum.ok, 512);
    rpt_reader_free(r);
}

int main(void) {
    CHECK_EQ_INT(rpt_init(), RPT_OK);
    rpt_seckey *sk = test_key(1);
    /* entries all held in memory, as in a small archive; then most in
     * the scratch file and the last few held; then each written at once */
    size_t hold = rpti_ispill_hold;
    static const size_t holds[] = {64u << 10, 1000, 0};
    for (size_t i = 0; i < sizeof holds / sizeof *holds; i++) {
        rpti_ispill_hold = holds[i];
        char name[32];
        snprintf(name, sizeof name, "a%zu.rpt", i);
        appends(sk, tpath(name));
    }
    rpti_ispill_hold = hold;
    rpt_seckey_free(sk);
    t_cleanup();
    return t_done("test_ispill");
}
