/* SPDX-License-Identifier: ISC */
/* test_append.c -- what an append must refuse before it writes a byte:
 * cutting a tail that holds a sealed generation, a key id already taken
 * by another key, and earlier generations sealed by a key it does not
 * trust or whose seal or chain does not verify. Each refusal leaves the
 * archive byte for byte as it was. */
#include "helpers.h"

#include <zlib.h>

static rpt_writer_options trusting(const rpt_pubkey *keys, size_t n) {
    rpt_writer_options opt;
    rpt_writer_options_init(&opt);
    opt.threads = 1;
    opt.trusted = keys;
    opt.n_trusted = n;
    return opt;
}

/* The offset of the last chunk of type t ("TRLR"), found by its name. */
static size_t last_of(const uint8_t *p, size_t n, const char *t) {
    for (size_t i = n - 4; i-- > 0;)
        if (memcmp(p + i, t, 4) == 0) return i;
    return 0;
}

/* Sets the chunk's CRC right again after a change to its body. */
static void fix_crc(uint8_t *p, size_t at) {
    uint32_t len = (uint32_t)p[at + 4] | (uint32_t)p[at + 5] << 8 | (uint32_t)p[at + 6] << 16 |
                   (uint32_t)p[at + 7] << 24;
    uLong c = crc32(0L, p + at, 4);
    c = crc32(c, p + at + 8, len);
    for (int i = 0; i < 4; i++) p[at + 8 + len + (size_t)i] = (uint8_t)(c >> (8 * i));
}

static int same_file(const char *path, const uint8_t *p, size_t n) {
    size_t m;
    uint8_t *q = slurp(path, &m);
    int same = q && m == n && memcmp(p, q, n) == 0;
    free(q);
    return same;
}

/* Bug 5: a damaged newest trailer makes the newest generation look like
 * an unfinished append. Cutting it would delete a sealed generation. */
static void test_tail_with_seal(rpt_seckey *sk) {
    const char *a = tpath("tail.rpt");
    char err[512];
    CHECK_EQ_INT(build_archive(a, sk, 3, 1), RPT_OK);
    CHECK_EQ_INT(append_samples(a, sk, NULL, 10, 2, NULL, 0), RPT_OK);
    size_t n;
    uint8_t *p = slurp(a, &n);
    size_t t = last_of(p, n, "TRLR");
    CHECK(t + RPT_TRAILER_BYTES == n);

    /* one flipped byte, CRC left wrong */
    p[t + 20] ^= 0x10;
    CHECK(spit(a, p, n) == 0);
    CHECK_EQ_INT(append_samples(a, sk, NULL, 20, 1, err, sizeof err), RPT_E_FORMAT);
    CHECK(strstr(err, "seal of generation 2") != NULL);
    CHECK(same_file(a, p, n));

    /* the same with the CRC made right again */
    fix_crc(p, t);
    CHECK(spit(a, p, n) == 0);
    CHECK_EQ_INT(append_samples(a, sk, NULL, 20, 1, err, sizeof err), RPT_E_FORMAT);
    CHECK(same_file(a, p, n));

    /* a trailer cut short after a whole seal: the seal is signed, so the
     * generation is not thrown away either */
    CHECK(spit(a, p, n - 30) == 0);
    CHECK_EQ_INT(append_samples(a, sk, NULL, 20, 1, err, sizeof err), RPT_E_FORMAT);
    CHECK(same_file(a, p, n - 30));

    /* a seal whose signature does not verify does not protect a tail */
    size_t s = last_of(p, n, "SEAL");
    p[s + 8 + 100] ^= 0x01; /* in the signature */
    fix_crc(p, s);
    CHECK(spit(a, p, t + 10) == 0);
    CHECK_EQ_INT(append_samples(a, sk, NULL, 20, 1, err, sizeof err), RPT_OK);
    rpt_reader *r = NULL;
    rpt_verify_summary sum;
    CHECK_EQ_INT(rpt_reader_open_path(&r, a, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_count(r), 4);
    CHECK_EQ_INT(rpt_reader_verify(r, NULL, NULL, &sum), RPT_OK);
    rpt_reader_free(r);
    free(p);
}

/* An unfinished append (no seal yet) is still cut, as spec 8.2 says. */
static void test_tail_without_seal(rpt_seckey *sk) {
    const char *a = tpath("unfinished.rpt");
    CHECK_EQ_INT(build_archive(a, sk, 3, 1), RPT_OK);
    size_t n1;
    uint8_t *g1 = slurp(a, &n1);
    CHECK_EQ_INT(append_samples(a, sk, NULL, 10, 2, NULL, 0), RPT_OK);
    size_t n;
    uint8_t *p = slurp(a, &n);
    size_t s = last_of(p, n, "SEAL");
    CHECK(spit(a, p, s + 20) == 0); /* the records and index, half a seal */
    CHECK_EQ_INT(append_samples(a, sk, NULL, 20, 1, NULL, 0), RPT_OK);
    size_t m;
    uint8_t *q = slurp(a, &m);
    CHECK(m > n1 && memcmp(q, g1, n1) == 0);
    rpt_reader *r = NULL;
    rpt_verify_summary sum;
    CHECK_EQ_INT(rpt_reader_open_path(&r, a, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_count(r), 4);
    CHECK_EQ_INT(rpt_reader_verify(r, NULL, NULL, &sum), RPT_OK);
    rpt_reader_free(r);
    free(q);
    free(p);
    free(g1);
}

/* Bug 6: a key whose id the archive already lists with another public key. */
static void test_key_id_taken(rpt_seckey *sk) {
    const char *a = tpath("keyid.rpt");
    char err[512];
    CHECK_EQ_INT(build_archive(a, sk, 3, 1), RPT_OK);
    uint8_t seed[32], id[8];
    rpt_pubkey own;
    rpt_seckey_public(sk, &own);
    memset(seed, 0x5a, sizeof seed);
    memcpy(id, own.id, 8);
    rpt_seckey *twin = NULL;
    CHECK_EQ_INT(rpt_seckey_from_seed(seed, id, &twin), RPT_OK);
    rpt_pubkey tp;
    rpt_seckey_public(twin, &tp);
    size_t n;
    uint8_t *p = slurp(a, &n);
    rpt_writer_options opt = trusting(&own, 1);
    CHECK_EQ_INT(append_samples(a, twin, &opt, 10, 1, err, sizeof err), RPT_E_KEY);
    CHECK(strstr(err, "another public key") != NULL);
    CHECK(same_file(a, p, n));
    rpt_reader *r = NULL;
    rpt_verify_summary sum;
    CHECK_EQ_INT(rpt_reader_open_path(&r, a, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_verify(r, NULL, NULL, &sum), RPT_OK);
    rpt_reader_free(r);
    free(p);
    rpt_seckey_free(twin);
}

/* Bug 7, write side: who sealed the earlier generations. */
static void test_sealers_trusted(rpt_seckey *sk) {
    const char *a = tpath("sealers.rpt");
    char err[512];
    rpt_seckey *other = test_key(4);
    rpt_pubkey own, op;
    rpt_seckey_public(sk, &own);
    rpt_seckey_public(other, &op);
    CHECK_EQ_INT(build_archive(a, sk, 3, 1), RPT_OK);
    /* the appender's own key is trusted without being named */
    CHECK_EQ_INT(append_samples(a, sk, NULL, 10, 1, err, sizeof err), RPT_OK);
    size_t n;
    uint8_t *p = slurp(a, &n);
    /* another key does not build on seals by sk unless told to trust it */
    CHECK_EQ_INT(append_samples(a, other, NULL, 20, 1, err, sizeof err), RPT_E_UNTRUSTED);
    CHECK(strstr(err, "not trusted") != NULL);
    CHECK(same_file(a, p, n));
    rpt_writer_options opt = trusting(&own, 1);
    CHECK_EQ_INT(append_samples(a, other, &opt, 20, 1, err, sizeof err), RPT_OK);
    /* now generation 3 is other's: sk must be told to trust it */
    free(p);
    p = slurp(a, &n);
    CHECK_EQ_INT(append_samples(a, sk, NULL, 30, 1, err, sizeof err), RPT_E_UNTRUSTED);
    CHECK(strstr(err, "generation 3") != NULL);
    CHECK(same_file(a, p, n));
    opt = trusting(&op, 1);
    CHECK_EQ_INT(append_samples(a, sk, &opt, 30, 1, err, sizeof err), RPT_OK);
    free(p);
    rpt_seckey_free(other);
}

/* Every earlier seal is checked, not only the newest: a forged seal of
 * generation 1 (signature changed, CRC made right) is refused. */
static void test_older_seal_checked(rpt_seckey *sk) {
    const char *a = tpath("oldseal.rpt");
    char err[512];
    CHECK_EQ_INT(build_archive(a, sk, 3, 1), RPT_OK);
    size_t n1;
    uint8_t *g1 = slurp(a, &n1);
    size_t s1 = last_of(g1, n1, "SEAL");
    free(g1);
    CHECK_EQ_INT(append_samples(a, sk, NULL, 10, 1, NULL, 0), RPT_OK);
    size_t n;
    uint8_t *p = slurp(a, &n);
    p[s1 + 8 + 120] ^= 0x01; /* generation 1's signature */
    fix_crc(p, s1);
    CHECK(spit(a, p, n) == 0);
    int rc = append_samples(a, sk, NULL, 20, 1, err, sizeof err);
    CHECK(rc == RPT_E_BADSIG || rc == RPT_E_DIGEST);
    CHECK(strstr(err, "generation 1") != NULL);
    CHECK(same_file(a, p, n));
    free(p);
}

/* rpt_reader_sealed(): a pipe learns a record is covered only once its
 * generation's seal is checked, and learns why when it is not. */
static void test_sealed_verdicts(rpt_seckey *sk) {
    const char *a = tpath("verdicts.rpt");
    CHECK_EQ_INT(build_archive(a, sk, 2, 1), RPT_OK);
    CHECK_EQ_INT(append_samples(a, sk, NULL, 10, 1, NULL, 0), RPT_OK);
    size_t n;
    uint8_t *p = slurp(a, &n);
    size_t s = last_of(p, n, "SEAL");
    p[s + 8 + 100] ^= 0x01;
    fix_crc(p, s);
    CHECK(spit(a, p, n) == 0);
    int fd = open(a, O_RDONLY);
    rpt_reader *r = NULL;
    rpt_record rec;
    CHECK_EQ_INT(rpt_reader_open_fd(&r, fd, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_next(r, &rec), RPT_OK);
    CHECK_EQ_INT(rpt_reader_sealed(r, 0), 0); /* its seal is still ahead */
    CHECK_EQ_INT(rpt_reader_next(r, &rec), RPT_OK);
    CHECK_EQ_INT(rpt_reader_next(r, &rec), RPT_OK); /* generation 2's record */
    CHECK_EQ_INT(rec.number, 2);
    CHECK_EQ_INT(rpt_reader_sealed(r, 1), 1);
    CHECK_EQ_INT(rpt_reader_sealed(r, 2), 0);
    CHECK_EQ_INT(rpt_reader_next(r, &rec), RPT_E_BADSIG); /* its seal */
    int rc;
    while ((rc = rpt_reader_next(r, &rec)) != RPT_EOF && rc != RPT_E_FORMAT) {
    }
    CHECK_EQ_INT(rpt_reader_sealed(r, 0), 1);
    CHECK_EQ_INT(rpt_reader_sealed(r, 2), RPT_E_BADSIG);
    CHECK_EQ_INT(rpt_reader_sealed(r, 3), RPT_E_TRUNCATED); /* no such record */
    rpt_reader_free(r);
    close(fd);
    /* random access checks the seal before any read: nothing to ask */
    CHECK_EQ_INT(rpt_reader_open_path(&r, a, 0), RPT_E_BADSIG);
    rpt_reader_free(r);
    free(p);
}

int main(void) {
    if (rpt_init() != RPT_OK) return 2;
    rpt_seckey *sk = test_key(1);
    test_tail_with_seal(sk);
    test_tail_without_seal(sk);
    test_key_id_taken(sk);
    test_sealers_trusted(sk);
    test_older_seal_checked(sk);
    test_sealed_verdicts(sk);
    rpt_seckey_free(sk);
    t_cleanup();
    return t_done("test_append");
}
