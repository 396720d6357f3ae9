/* SPDX-License-Identifier: ISC */
/* test_agree.c -- the two readers agree, and a reader handle fails one
 * way: every negative vector in format/vectors/ gives the same class
 * through the random-access reader as through rpt_reader_verify(); a
 * failed pass stays failed; a record refused as untrusted is still
 * filled in; the tail and an older generation are reported. */
#include "archive_rpt.h"
#include "testlib.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#define V "format/vectors/"

static rpt_pubkey test_pub, other_pub;

/* The keys of the vectors: the test-only key and mkvectors' second key. */
static void load_keys(void) {
    char err[256];
    rpt_seckey *k2 = NULL;
    uint8_t seed[32], id[8];
    for (int i = 0; i < 32; i++) seed[i] = (uint8_t)(0x20 + i);
    memcpy(id, "rpttest\x02", 8);
    if (rpt_pubkey_load(V "test-only.pub", &test_pub, err, sizeof err) ||
        rpt_seckey_from_seed(seed, id, &k2))
        SKIP("format/vectors/test-only.pub is not readable (run from the top directory)");
    rpt_seckey_public(k2, &other_pub);
    rpt_seckey_free(k2);
}

static rpt_reader *open_trusting(const char *path, const rpt_pubkey *pk, int *rc) {
    rpt_reader *r = NULL;
    *rc = rpt_reader_open_path(&r, path, 0);
    if (*rc == RPT_OK && pk) *rc = rpt_reader_trust(r, pk);
    return r;
}

/* What a random-access reader makes of the archive: opening, then every
 * record in order through rpt_reader_next() up to its end, which is
 * clean only without a tail. */
static int random_class(const char *path) {
    int rc;
    rpt_reader *r = open_trusting(path, &test_pub, &rc);
    rpt_record rec;
    while (rc == RPT_OK) rc = rpt_reader_next(r, &rec);
    rpt_reader_free(r);
    return rc == RPT_EOF ? RPT_OK : rc;
}

static int verify_class(const char *path) {
    int rc;
    rpt_reader *r = open_trusting(path, &test_pub, &rc);
    rpt_verify_summary sum;
    if (rc == RPT_OK) rc = rpt_reader_verify(r, NULL, NULL, &sum);
    rpt_reader_free(r);
    return rc;
}

static int pipe_class(const char *path) {
    int fd = open(path, O_RDONLY), rc;
    rpt_reader *r = NULL;
    rpt_verify_summary sum;
    rc = rpt_reader_open_fd(&r, fd, 0);
    if (rc == RPT_OK) rc = rpt_reader_trust(r, &test_pub);
    if (rc == RPT_OK) rc = rpt_reader_verify(r, NULL, NULL, &sum);
    rpt_reader_free(r);
    close(fd);
    return rc;
}

static void test_same_class(void) {
    static const struct {
        const char *name;
        int code;
        int random_sees; /* spec 7.1: what a random-access reader must see */
    } vec[] = {
        {"bad-dict-after", RPT_E_FORMAT, 1},
        {"bad-duplicate", RPT_E_FORMAT, 1},
        {"bad-duplicate-append", RPT_E_FORMAT, 1},
        {"bad-key-later", RPT_E_BADSIG, 1},
        {"bad-key-missing", RPT_E_BADSIG, 1},
        {"bad-seal-key-missing", RPT_E_BADSIG, 1},
        {"bad-method", RPT_E_UNSUPPORTED, 1},
        {"bad-critical", RPT_E_UNSUPPORTED, 0},
        {"bad-stored", RPT_E_DIGEST, 1},
        {"bad-seal-generation", RPT_E_DIGEST, 1},
        {"bad-seal-count", RPT_E_DIGEST, 1},
        {"bad-tail-junk", RPT_E_FORMAT, 1},
        {"bad-tail-append", RPT_E_TRUNCATED, 1},
        {"bad-newest-trailer", RPT_E_FORMAT, 1},
        {"bad-replay", RPT_E_UNTRUSTED, 1},
    };
    for (size_t i = 0; i < sizeof vec / sizeof *vec; i++) {
        char path[128];
        snprintf(path, sizeof path, V "%s.rpt", vec[i].name);
        int v = verify_class(path), p = pipe_class(path), a = random_class(path);
        if (v != vec[i].code || p != vec[i].code || a != (vec[i].random_sees ? vec[i].code : RPT_OK))
            fprintf(stderr, "%s: verify %d, pipe %d, random access %d\n", vec[i].name, v, p, a);
        CHECK_EQ_INT(v, vec[i].code);
        CHECK_EQ_INT(p, vec[i].code);
        CHECK_EQ_INT(a, vec[i].random_sees ? vec[i].code : RPT_OK);
    }
}

/* Bug 1: a record refused as untrusted is filled in, whether its own key
 * or a seal's is the one not trusted. */
static void test_untrusted_is_filled(void) {
    int rc;
    rpt_record rec;
    rpt_reader *r = open_trusting(V "bad-replay.rpt", &test_pub, &rc);
    CHECK_EQ_INT(rc, RPT_OK);
    memset(&rec, 0xA5, sizeof rec);
    CHECK_EQ_INT(rpt_reader_read(r, 1, 0, &rec), RPT_E_UNTRUSTED);
    CHECK(strcmp(rec.name, "a/replayed.txt") == 0);
    CHECK_EQ_INT(rec.number, 1);
    CHECK(rec.data != NULL && rec.data_len == rec.size);
    CHECK(strstr(rpt_reader_error(r), "seal of generation 2") != NULL);
    /* not sticky: the verdict is about trust, the handle still reads */
    CHECK_EQ_INT(rpt_reader_read(r, 0, RPT_READ_NO_VERIFY, &rec), RPT_OK);
    rpt_reader_free(r);
    /* without trusted keys the same archive reads (authorship unknown) */
    r = open_trusting(V "bad-replay.rpt", NULL, &rc);
    CHECK_EQ_INT(rpt_reader_read(r, 1, 0, &rec), RPT_OK);
    rpt_reader_free(r);
    /* and trusting the second key as well makes it whole */
    r = open_trusting(V "bad-replay.rpt", &test_pub, &rc);
    CHECK_EQ_INT(rpt_reader_trust(r, &other_pub), RPT_OK);
    CHECK_EQ_INT(rpt_reader_read(r, 1, 0, &rec), RPT_OK);
    rpt_reader_free(r);
}

/* A key the caller trusts does not stand in for a KEYS chunk (spec 4.2):
 * a signature by it is not verified, with or without trust. */
static void test_trusted_key_not_listed(void) {
    int rc;
    rpt_record rec;
    rpt_reader *r = open_trusting(V "bad-key-missing.rpt", &other_pub, &rc);
    CHECK_EQ_INT(rc, RPT_OK);
    CHECK_EQ_INT(rpt_reader_trust(r, &test_pub), RPT_OK);
    CHECK_EQ_INT(rpt_reader_read(r, 0, 0, &rec), RPT_E_BADSIG);
    CHECK(strstr(rpt_reader_error(r), "no KEYS chunk before it") != NULL);
    rpt_reader_free(r);
    /* a seal too: the archive does not open */
    r = open_trusting(V "bad-seal-key-missing.rpt", NULL, &rc);
    CHECK_EQ_INT(rc, RPT_E_BADSIG);
    rpt_reader_free(r);
}

/* Bugs 2 and 4: after a pass fails, every later call returns the same
 * code and keeps the first failure's words; RPT_EOF only at a clean end. */
static void test_sticky_pass(void) {
    static const char *files[] = {V "bad-tail-junk.rpt", V "bad-tail-append.rpt"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        int fd = open(files[i], O_RDONLY), rc, first = RPT_OK;
        rpt_reader *r = NULL;
        rpt_record rec;
        CHECK_EQ_INT(rpt_reader_open_fd(&r, fd, 0), RPT_OK);
        while ((rc = rpt_reader_next(r, &rec)) == RPT_OK) continue;
        first = rc;
        CHECK(first < 0);
        char msg[512];
        snprintf(msg, sizeof msg, "%s", rpt_reader_error(r));
        CHECK(msg[0] != 0);
        CHECK_EQ_INT(rpt_reader_next(r, &rec), first);
        CHECK_EQ_INT(rpt_reader_next(r, &rec), first);
        CHECK(strcmp(rpt_reader_error(r), msg) == 0);
        rpt_reader_free(r);
        close(fd);
    }
    /* a seal that fails is said once, and the pass reads on to the end */
    {
        int fd = open(V "bad-seal-count.rpt", O_RDONLY), rc;
        rpt_reader *r = NULL;
        rpt_record rec;
        CHECK_EQ_INT(rpt_reader_open_fd(&r, fd, 0), RPT_OK);
        while ((rc = rpt_reader_next(r, &rec)) == RPT_OK) continue;
        CHECK_EQ_INT(rc, RPT_E_DIGEST);
        CHECK(strstr(rpt_reader_error(r), "claims generation 1 with 2 records") != NULL);
        CHECK_EQ_INT(rpt_reader_next(r, &rec), RPT_EOF);
        rpt_reader_free(r);
        close(fd);
    }
    /* a clean stream ends with RPT_EOF, and stays ended */
    int fd = open(V "appended.rpt", O_RDONLY);
    rpt_reader *r = NULL;
    rpt_record rec;
    int n = 0, rc;
    CHECK_EQ_INT(rpt_reader_open_fd(&r, fd, 0), RPT_OK);
    while ((rc = rpt_reader_next(r, &rec)) == RPT_OK) n++;
    CHECK_EQ_INT(rc, RPT_EOF);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(rpt_reader_next(r, &rec), RPT_EOF);
    rpt_reader_free(r);
    close(fd);
}

/* Bug 5, read side: the tail is reported, and so is a newer generation
 * whose trailer is lost; the end of the records is not a clean end. */
static void test_tail_reported(void) {
    int rc;
    rpt_archive_info in;
    rpt_record rec;
    rpt_reader *r = open_trusting(V "bad-newest-trailer.rpt", &test_pub, &rc);
    CHECK_EQ_INT(rc, RPT_OK);
    CHECK_EQ_INT(rpt_reader_info(r, &in), RPT_OK);
    CHECK_EQ_INT(in.n_generations, 1);
    CHECK(in.tail_bytes > 0);
    CHECK_EQ_INT(in.tail_status, RPT_E_FORMAT);
    CHECK_EQ_INT(in.tail_seals, 1);
    CHECK_EQ_INT(rpt_reader_next(r, &rec), RPT_OK);
    CHECK_EQ_INT(rpt_reader_next(r, &rec), RPT_E_FORMAT);
    CHECK(strstr(rpt_reader_error(r), "not the newest") != NULL);
    rpt_reader_free(r);
    r = open_trusting(V "bad-tail-append.rpt", &test_pub, &rc);
    CHECK_EQ_INT(rpt_reader_info(r, &in), RPT_OK);
    CHECK_EQ_INT(in.tail_status, RPT_E_TRUNCATED);
    CHECK_EQ_INT(in.tail_seals, 0);
    rpt_reader_free(r);
    r = open_trusting(V "appended.rpt", &test_pub, &rc);
    CHECK_EQ_INT(rpt_reader_info(r, &in), RPT_OK);
    CHECK_EQ_INT(in.tail_status, RPT_OK);
    CHECK_EQ_INT(in.tail_seals, 0);
    rpt_reader_free(r);
}

/* A name met twice is damage whichever way it is met: in order, or by a
 * lookup that finds it in two segments. */
static void test_duplicates(void) {
    int rc;
    rpt_record rec;
    uint64_t at;
    rpt_reader *r = open_trusting(V "bad-duplicate-append.rpt", &test_pub, &rc);
    CHECK_EQ_INT(rpt_reader_find(r, "a/same.txt", &at), RPT_E_FORMAT);
    CHECK_EQ_INT(rpt_reader_entry(r, 0, &rec), RPT_OK);
    CHECK_EQ_INT(rpt_reader_entry(r, 1, &rec), RPT_E_FORMAT);
    rpt_reader_free(r);
    r = open_trusting(V "bad-duplicate.rpt", &test_pub, &rc);
    CHECK_EQ_INT(rpt_reader_find(r, "a/same.txt", &at), RPT_E_FORMAT);
    rpt_reader_free(r);
}

/* A failed open leaves a handle whose every call returns the failure. */
static void test_failed_open_is_sticky(void) {
    rpt_reader *r = NULL;
    rpt_record rec;
    rpt_archive_info in;
    CHECK_EQ_INT(rpt_reader_open_path(&r, V "bad-seal-count.rpt", 0), RPT_E_DIGEST);
    CHECK_EQ_INT(rpt_reader_next(r, &rec), RPT_E_DIGEST);
    CHECK_EQ_INT(rpt_reader_read(r, 0, 0, &rec), RPT_E_DIGEST);
    CHECK_EQ_INT(rpt_reader_info(r, &in), RPT_E_DIGEST);
    CHECK_EQ_INT(rpt_reader_trust(r, &test_pub), RPT_E_DIGEST);
    CHECK(strstr(rpt_reader_error(r), "covers 1 records") != NULL);
    rpt_reader_free(r);
}

/* Reads a vector into memory; *len its size. */
static uint8_t *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    static uint8_t buf[1 << 16];
    *len = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f) fclose(f);
    return buf;
}

static const char *spit(const uint8_t *p, size_t len) {
    static char path[] = "/tmp/rpt-agree-XXXXXX";
    static int fd = -1;
    if (fd < 0) fd = mkstemp(path);
    if (fd < 0 || ftruncate(fd, 0) != 0 || pwrite(fd, p, len, 0) != (ssize_t)len) abort();
    return path;
}

/* The chunk of the given type whose body holds the byte at pos: its CRC
 * made right again after a change, as an accident or a forger would. */
static void fix_crc_around(uint8_t *p, size_t len, size_t pos) {
    size_t off = 8;
    while (off + 12 <= len) {
        uint32_t n = (uint32_t)p[off + 4] | (uint32_t)p[off + 5] << 8 |
                     (uint32_t)p[off + 6] << 16 | (uint32_t)p[off + 7] << 24;
        if (pos < off + 12 + n) {
            uLong c = crc32(0, p + off, 4);
            c = crc32(c, p + off + 8, n);
            for (int i = 0; i < 4; i++) p[off + 8 + n + i] = (uint8_t)(c >> (8 * i));
            return;
        }
        off += 12 + n;
    }
}

/* Unsupported is its own class, whichever reader meets it and whatever
 * else no longer matches: a method byte changed with only its CRC made
 * right (so the index digest no longer matches either), and an ancillary
 * chunk turned critical. */
static void test_unsupported_class(void) {
    size_t len;
    uint8_t *p = slurp(V "one.rpt", &len);
    /* the method byte comes right before the record's key id, the
     * second one in the file (KEYS holds the first) */
    uint8_t *kid = NULL;
    for (size_t i = 8, seen = 0; i + 8 <= len && !kid; i++)
        if (memcmp(p + i, "rpttest\x01", 8) == 0 && ++seen == 2) kid = p + i;
    CHECK(kid != NULL);
    CHECK_EQ_INT(kid[-1], 1);
    kid[-1] = 3;
    fix_crc_around(p, len, (size_t)(kid - p));
    const char *path = spit(p, len);
    CHECK_EQ_INT(verify_class(path), RPT_E_UNSUPPORTED);
    CHECK_EQ_INT(pipe_class(path), RPT_E_UNSUPPORTED);
    CHECK_EQ_INT(random_class(path), RPT_E_UNSUPPORTED);

    p = slurp(V "ancillary.rpt", &len);
    uint8_t *note = NULL;
    for (size_t i = 8; i + 4 <= len && !note; i++)
        if (memcmp(p + i, "note", 4) == 0) note = p + i;
    CHECK(note != NULL);
    note[0] = 'N';
    fix_crc_around(p, len, (size_t)(note - p));
    path = spit(p, len);
    CHECK_EQ_INT(verify_class(path), RPT_E_UNSUPPORTED);
    int fd = open(path, O_RDONLY), rc;
    rpt_reader *r = NULL;
    rpt_record rec;
    CHECK_EQ_INT(rpt_reader_open_fd(&r, fd, 0), RPT_OK);
    while ((rc = rpt_reader_next(r, &rec)) == RPT_OK) continue;
    CHECK_EQ_INT(rc, RPT_E_UNSUPPORTED);
    CHECK_EQ_INT(rpt_reader_next(r, &rec), RPT_E_UNSUPPORTED);
    CHECK(strstr(rpt_reader_error(r), "unknown critical chunk 'Note'") != NULL);
    rpt_reader_free(r);
    close(fd);
    unlink(path);
}

int main(void) {
    if (rpt_init()) return 1;
    load_keys();
    test_same_class();
    test_untrusted_is_filled();
    test_trusted_key_not_listed();
    test_sticky_pass();
    test_tail_reported();
    test_duplicates();
    test_failed_open_is_sticky();
    test_unsupported_class();
    return t_done("test_agree");
}
