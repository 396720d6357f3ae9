/* SPDX-License-Identifier: ISC */
/* test_corrupt.c -- hostile and damaged archives: every critical error
 * path gives its own code, nothing crashes, and no single-bit flip or
 * cut goes unnoticed. */
#include "helpers.h"
#include "internal.h"
#include "reader.h"

#include <sys/mman.h>

static uint8_t *orig;
static char mut_path[64]; /* the last bytes try_bytes() tried */
static size_t orig_len;

/* Offsets of the chunks of an archive in memory. */
typedef struct {
    size_t off, len; /* whole chunk */
    uint32_t type;
} chunk_at;

static size_t walk(const uint8_t *p, size_t n, chunk_at *out, size_t max) {
    size_t k = 0, pos = RPT_MAGIC_BYTES;
    while (pos + 12 <= n && k < max) {
        uint32_t len = rpti_le32_load(p + pos + 4);
        out[k].off = pos;
        out[k].len = (size_t)len + 12;
        out[k].type = rpti_le32_load(p + pos);
        k++;
        pos += (size_t)len + 12;
    }
    return k;
}

static chunk_at find_chunk(const uint8_t *p, size_t n, uint32_t type, int nth) {
    chunk_at cs[256];
    size_t k = walk(p, n, cs, 256);
    for (size_t i = 0; i < k; i++)
        if (cs[i].type == type && nth-- == 0) return cs[i];
    chunk_at none = {0, 0, 0};
    return none;
}

static void fix_crc(uint8_t *p, chunk_at c) {
    uint32_t crc = rpti_chunk_crc(c.type, p + c.off + 8, c.len - 12);
    rpti_le32_store(p + c.off + c.len - 4, crc);
}

/* Writes the bytes to a file and returns open's code; on success also
 * the verify code and summary (r freed). */
static int try_bytes(const uint8_t *p, size_t n, int *verify, rpt_verify_summary *sum) {
    /* an in-memory file: thousands of variants without touching a disk */
    static int mfd = -1;
    if (mfd < 0) {
        mfd = memfd_create("rpt-mut", 0);
        if (mfd < 0) abort();
        snprintf(mut_path, sizeof mut_path, "/proc/self/fd/%d", mfd);
    }
    if (ftruncate(mfd, 0) != 0 || (n && pwrite(mfd, p, n, 0) != (ssize_t)n)) abort();
    const char *path = mut_path;
    rpt_reader *r = NULL;
    int rc = rpt_reader_open_path(&r, path, 0);
    if (!rc) {
        rpt_verify_summary s;
        int v = rpt_reader_verify(r, NULL, NULL, sum ? sum : &s);
        if (verify) *verify = v;
    }
    rpt_reader_free(r);
    return rc;
}

static uint8_t *copy(void) {
    uint8_t *p = malloc(orig_len);
    memcpy(p, orig, orig_len);
    return p;
}

static void test_magic(void) {
    uint8_t *p = copy();
    p[1] = 'X';
    CHECK_EQ_INT(try_bytes(p, orig_len, NULL, NULL), RPT_E_FORMAT);
    memcpy(p, orig, orig_len);
    p[0] = 0x82; /* major version 2 */
    CHECK_EQ_INT(try_bytes(p, orig_len, NULL, NULL), RPT_E_UNSUPPORTED);
    CHECK_EQ_INT(try_bytes(p, 3, NULL, NULL), RPT_E_FORMAT);
    CHECK_EQ_INT(try_bytes(p, 0, NULL, NULL), RPT_E_FORMAT);
    free(p);
}

typedef struct {
    int bad;
    char name[64];
} events;

static int collect(const rpt_verify_event *ev, void *ctx) {
    events *e = ctx;
    if (ev->status != RPT_OK) {
        e->bad++;
        snprintf(e->name, sizeof e->name, "%s", ev->rec ? ev->rec->name : "(archive)");
    }
    return 0;
}

static void test_bad_crc(void) {
    uint8_t *p = copy();
    chunk_at c = find_chunk(p, orig_len, RPT_T_RECD, 1);
    p[c.off + c.len - 20] ^= 0x01; /* inside the payload */
    int v;
    rpt_verify_summary sum;
    CHECK_EQ_INT(try_bytes(p, orig_len, &v, &sum), RPT_OK);
    CHECK_EQ_INT(v, RPT_E_FORMAT);
    CHECK_EQ_INT(sum.damaged, 1);
    CHECK_EQ_INT(sum.ok, 2);
    /* a random-access read of that record says damaged, the others read */
    rpt_reader *r = NULL;
    rpt_record rec;
    CHECK_EQ_INT(rpt_reader_open_path(&r, mut_path, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_read(r, 1, 0, &rec), RPT_E_FORMAT);
    CHECK(strstr(rpt_reader_error(r), "record 1") != NULL);
    CHECK(strstr(rpt_reader_error(r), "CRC") != NULL);
    CHECK_EQ_INT(rpt_reader_read(r, 2, 0, &rec), RPT_OK);
    /* one bad sector is one report, named from the index: not a cascade
     * of index and seal complaints */
    events ev = {0, ""};
    CHECK_EQ_INT(rpt_reader_verify(r, collect, &ev, &sum), RPT_E_FORMAT);
    CHECK_EQ_INT(ev.bad, 1);
    CHECK(strcmp(ev.name, "bulletins/0001.txt") == 0);
    CHECK_EQ_INT(sum.archive_status, RPT_OK);
    rpt_reader_free(r);
    free(p);
}

static void test_tampered_payload(void) {
    /* change the payload and make the CRC right again: only the digest
     * and the signature can tell */
    uint8_t *p = copy();
    chunk_at c = find_chunk(p, orig_len, RPT_T_RECD, 0);
    p[c.off + c.len - 20] ^= 0x01;
    fix_crc(p, c);
    int v;
    rpt_verify_summary sum;
    CHECK_EQ_INT(try_bytes(p, orig_len, &v, &sum), RPT_OK);
    CHECK(v == RPT_E_BADSIG || v == RPT_E_DIGEST || v == RPT_E_FORMAT);
    CHECK_EQ_INT(sum.ok, 2);
    CHECK(sum.tampered + sum.damaged == 1);
    rpt_reader *r = NULL;
    rpt_record rec;
    CHECK_EQ_INT(rpt_reader_open_path(&r, mut_path, 0), RPT_OK);
    /* the record is checked as the sequential pass checks it, before its
     * index entry: both readers name the same failure */
    CHECK_EQ_INT(rpt_reader_read(r, 0, 0, &rec), RPT_E_BADSIG);
    CHECK_EQ_INT(rpt_reader_read(r, 0, RPT_READ_NO_VERIFY, &rec), RPT_OK);
    rpt_reader_free(r);
    free(p);
}

static void test_changed_metadata(void) {
    uint8_t *p = copy();
    chunk_at c = find_chunk(p, orig_len, RPT_T_RECD, 2);
    /* the title "Weekly report" -> "Weekly rePort" */
    uint8_t *t = memmem(p + c.off, c.len, "Weekly report", 13);
    CHECK(t != NULL);
    if (t) t[8] = 'P';
    fix_crc(p, c);
    int v;
    rpt_verify_summary sum;
    CHECK_EQ_INT(try_bytes(p, orig_len, &v, &sum), RPT_OK);
    CHECK_EQ_INT(v, RPT_E_BADSIG);
    CHECK_EQ_INT(sum.tampered, 1);
    /* one forged record, one report: the index entry that no longer
     * matches it is not reported again */
    rpt_reader *r = NULL;
    events ev = {0, ""};
    CHECK_EQ_INT(rpt_reader_open_path(&r, mut_path, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_verify(r, collect, &ev, &sum), RPT_E_BADSIG);
    CHECK_EQ_INT(ev.bad, 1);
    CHECK(strcmp(ev.name, "bulletins/0002.txt") == 0);
    CHECK_EQ_INT(sum.archive_status, RPT_OK);
    rpt_reader_free(r);
    free(p);
}

static void test_bad_signature(void) {
    uint8_t *p = copy();
    chunk_at c = find_chunk(p, orig_len, RPT_T_RECD, 0);
    /* the signature sits just before the payload's length and bytes */
    uint8_t *t = memmem(p + c.off, c.len, "Ministry of the Interior", 24);
    CHECK(t != NULL);
    if (t) {
        size_t sig = (size_t)(t - p) + 24 + 1 /* media "" */ + 1 /* n_meta */ + 2 /* size */ +
                     1 /* method */ + 8 /* key id */;
        p[sig + 10] ^= 0x40;
    }
    fix_crc(p, c);
    int v;
    rpt_verify_summary sum;
    CHECK_EQ_INT(try_bytes(p, orig_len, &v, &sum), RPT_OK);
    CHECK_EQ_INT(v, RPT_E_BADSIG);
    CHECK_EQ_INT(sum.tampered, 1);
    free(p);
}

static void test_changed_index(void) {
    uint8_t *p = copy();
    chunk_at c = find_chunk(p, orig_len, RPT_T_INDX, 0);
    /* the first entry's name: bulletins/0000.txt -> bulletins/0001.txt
     * would collide; change a byte of its digest instead */
    uint8_t *t = memmem(p + c.off, c.len, "bulletins/0000.txt", 18);
    CHECK(t != NULL);
    if (t) t[18 + 3 + 2 + 2 + 8 + 5] ^= 0x10; /* inside the digest */
    fix_crc(p, c);
    /* random access: the block holding the entry no longer matches the
     * digest the sealed header lists, so its entries are refused */
    int v;
    CHECK_EQ_INT(try_bytes(p, orig_len, &v, NULL), RPT_OK);
    CHECK_EQ_INT(v, RPT_E_DIGEST);
    rpt_reader *ra = NULL;
    rpt_record rec;
    uint64_t k;
    CHECK_EQ_INT(rpt_reader_open_path(&ra, mut_path, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_read(ra, 0, 0, &rec), RPT_E_DIGEST);
    CHECK_EQ_INT(rpt_reader_find(ra, "bulletins/0001.txt", &k), RPT_E_DIGEST);
    rpt_reader_free(ra);
    /* one pass: the records are fine, the index is not */
    int fds[2];
    CHECK(pipe(fds) == 0);
    CHECK((size_t)write(fds[1], p, orig_len) == orig_len);
    close(fds[1]);
    rpt_reader *r = NULL;
    rpt_verify_summary sum;
    CHECK_EQ_INT(rpt_reader_open_fd(&r, fds[0], 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_verify(r, NULL, NULL, &sum), RPT_E_DIGEST);
    CHECK_EQ_INT(sum.ok, 3);
    CHECK_EQ_INT(sum.archive_status, RPT_E_DIGEST);
    rpt_reader_free(r);
    close(fds[0]);
    free(p);
}

static void test_seal_signature(void) {
    /* a forged seal over an intact index: random access refuses it, and
     * reading with a trusted key checks who sealed it */
    uint8_t *p = copy();
    chunk_at c = find_chunk(p, orig_len, RPT_T_SEAL, 0);
    p[c.off + 8 + 84 + 5] ^= 0x01; /* inside the signature */
    fix_crc(p, c);
    CHECK_EQ_INT(try_bytes(p, orig_len, NULL, NULL), RPT_E_BADSIG);
    free(p);
    rpt_reader *r = NULL;
    rpt_seckey *other = test_key(9);
    rpt_pubkey pk;
    rpt_seckey_public(other, &pk);
    rpt_record rec;
    CHECK_EQ_INT(try_bytes(orig, orig_len, NULL, NULL), RPT_OK);
    CHECK_EQ_INT(rpt_reader_open_path(&r, mut_path, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_trust(r, &pk), RPT_OK);
    CHECK_EQ_INT(rpt_reader_read(r, 0, 0, &rec), RPT_E_UNTRUSTED);
    CHECK(strstr(rpt_reader_error(r), "seal") != NULL);
    rpt_reader_free(r);
    rpt_seckey_free(other);
}

static void test_damaged_trailer(rpt_seckey *sk) {
    /* a damaged first trailer ends its generation all the same: the
     * records of the next one are not lost with it */
    const char *path = tpath("dt.rpt");
    CHECK_EQ_INT(build_archive(path, sk, 2, 1), RPT_OK);
    rpt_writer *w = NULL;
    CHECK_EQ_INT(rpt_writer_open_append(&w, path, sk, NULL), RPT_OK);
    char name[64], text[512];
    rpt_record_info info;
    sample_info(5, name, sizeof name, &info);
    CHECK_EQ_INT(rpt_writer_add(w, &info, text, sample_text(5, text, sizeof text)), RPT_OK);
    CHECK_EQ_INT(rpt_writer_close(w), RPT_OK);
    rpt_writer_free(w);
    size_t n;
    uint8_t *p = slurp(path, &n);
    chunk_at c = find_chunk(p, n, RPT_T_TRLR, 0);
    p[c.off + 10] ^= 0x04;
    spit(path, p, n);
    rpt_reader *r = NULL;
    CHECK_EQ_INT(rpt_reader_open_path(&r, path, RPT_OPEN_SALVAGE), RPT_OK);
    rpt_record rec;
    int k = 0, rc;
    while ((rc = rpt_reader_next(r, &rec)) == RPT_OK) k++;
    CHECK_EQ_INT(rc, 1);
    CHECK_EQ_INT(k, 3);
    rpt_reader_free(r);
    events ev = {0, ""};
    int fd = open(path, O_RDONLY);
    CHECK_EQ_INT(rpt_reader_open_fd(&r, fd, 0), RPT_OK);
    rpt_verify_summary sum;
    CHECK_EQ_INT(rpt_reader_verify(r, collect, &ev, &sum), RPT_E_FORMAT);
    CHECK_EQ_INT(sum.ok, 3);
    CHECK_EQ_INT(ev.bad, 1); /* the trailer, once */
    rpt_reader_free(r);
    close(fd);
    free(p);
}

static void test_empty_appends(rpt_seckey *sk) {
    /* appends of no records re-seal; their empty segments are never
     * listed again, so the archive stays open-able however many */
    const char *path = tpath("ea.rpt");
    CHECK_EQ_INT(build_archive(path, sk, 3, 1), RPT_OK);
    for (int i = 0; i < 70; i++) {
        rpt_writer *w = NULL;
        CHECK_EQ_INT(rpt_writer_open_append(&w, path, sk, NULL), RPT_OK);
        CHECK_EQ_INT(rpt_writer_close(w), RPT_OK);
        rpt_writer_free(w);
    }
    rpt_reader *r = NULL;
    CHECK_EQ_INT(rpt_reader_open_path(&r, path, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_count(r), 3);
    rpt_verify_summary sum;
    CHECK_EQ_INT(rpt_reader_verify(r, NULL, NULL, &sum), RPT_OK);
    CHECK_EQ_INT(sum.generations, 71);
    rpt_reader_free(r);
}

static void test_writer_text_caps(rpt_seckey *sk) {
    char big[5000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    rpt_writer_options opt;
    rpt_writer_options_init(&opt);
    opt.software = big;
    rpt_writer *w = NULL;
    CHECK_EQ_INT(rpt_writer_open_path(&w, tpath("caps.rpt"), 1, sk, &opt), RPT_E_ARG);
    rpt_writer_free(w);
    opt.software = "bad \xff utf8";
    CHECK_EQ_INT(rpt_writer_open_path(&w, tpath("caps.rpt"), 1, sk, &opt), RPT_E_ARG);
    rpt_writer_free(w);
}

static void test_missing_seal(void) {
    chunk_at c = find_chunk(orig, orig_len, RPT_T_SEAL, 0);
    CHECK_EQ_INT(try_bytes(orig, c.off, NULL, NULL), RPT_E_NOSEAL);
    /* a pipe reader: the stream ends without a seal */
    int fds[2];
    CHECK(pipe(fds) == 0);
    CHECK((size_t)write(fds[1], orig, c.off) == c.off);
    close(fds[1]);
    rpt_reader *r = NULL;
    CHECK_EQ_INT(rpt_reader_open_fd(&r, fds[0], 0), RPT_OK);
    rpt_verify_summary sum;
    CHECK_EQ_INT(rpt_reader_verify(r, NULL, NULL, &sum), RPT_E_NOSEAL);
    CHECK_EQ_INT(sum.ok, 3);
    rpt_reader_free(r);
    close(fds[0]);
}

static void test_truncated_chunk(void) {
    chunk_at c = find_chunk(orig, orig_len, RPT_T_RECD, 1);
    size_t cut = c.off + c.len / 2;
    CHECK_EQ_INT(try_bytes(orig, cut, NULL, NULL), RPT_E_NOSEAL);
    int fds[2];
    CHECK(pipe(fds) == 0);
    CHECK((size_t)write(fds[1], orig, cut) == cut);
    close(fds[1]);
    rpt_reader *r = NULL;
    CHECK_EQ_INT(rpt_reader_open_fd(&r, fds[0], 0), RPT_OK);
    rpt_record rec;
    CHECK_EQ_INT(rpt_reader_next(r, &rec), RPT_OK); /* record 0 is whole */
    CHECK_EQ_INT(rpt_reader_next(r, &rec), RPT_E_TRUNCATED);
    rpt_reader_free(r);
    close(fds[0]);
    /* salvage gets record 0 back and says what was lost */
    const char *path = tpath("cut.rpt");
    spit(path, orig, cut);
    CHECK_EQ_INT(rpt_reader_open_path(&r, path, RPT_OPEN_SALVAGE), RPT_OK);
    int n = 0, rc;
    while ((rc = rpt_reader_next(r, &rec)) == RPT_OK) n++;
    CHECK_EQ_INT(rc, 1);
    CHECK_EQ_INT(n, 1);
    CHECK(rpt_reader_salvage_lost(r) > 0);
    rpt_reader_free(r);
}

static void test_salvage_middle(void) {
    /* damage the framing of record 1: salvage resynchronises on record 2 */
    uint8_t *p = copy();
    chunk_at c = find_chunk(p, orig_len, RPT_T_RECD, 1);
    memset(p + c.off, 0xEE, 8);
    const char *path = tpath("mid.rpt");
    spit(path, p, orig_len);
    rpt_reader *r = NULL;
    CHECK_EQ_INT(rpt_reader_open_path(&r, path, 0), RPT_OK); /* the index is intact */
    rpt_record rec;
    CHECK(rpt_reader_read(r, 1, 0, &rec) != RPT_OK);
    rpt_verify_summary sum;
    CHECK_EQ_INT(rpt_reader_verify(r, NULL, NULL, &sum), RPT_E_FORMAT);
    rpt_reader_free(r);
    CHECK_EQ_INT(rpt_reader_open_path(&r, path, RPT_OPEN_SALVAGE), RPT_OK);
    int n = 0, rc;
    char names[2][64];
    while ((rc = rpt_reader_next(r, &rec)) == RPT_OK) {
        if (n < 2) snprintf(names[n], sizeof names[n], "%s", rec.name);
        n++;
    }
    CHECK_EQ_INT(rc, 1);
    CHECK_EQ_INT(n, 2);
    CHECK(n == 2 && strcmp(names[0], "bulletins/0000.txt") == 0 &&
          strcmp(names[1], "bulletins/0002.txt") == 0);
    CHECK_EQ_INT(rpt_reader_salvage_lost(r), c.len);
    rpt_reader_free(r);
    free(p);
}

static void test_over_cap(void) {
    uint8_t *p = copy();
    chunk_at c = find_chunk(p, orig_len, RPT_T_RECD, 1);
    rpti_le32_store(p + c.off + 4, 0xFFFFFFF0u);
    int v;
    CHECK_EQ_INT(try_bytes(p, orig_len, &v, NULL), RPT_OK);
    CHECK_EQ_INT(v, RPT_E_LIMIT);
    rpt_reader *r = NULL;
    rpt_record rec;
    CHECK_EQ_INT(rpt_reader_open_path(&r, mut_path, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_read(r, 1, 0, &rec), RPT_E_LIMIT);
    rpt_reader_free(r);
    /* an index chunk over its cap: the archive does not open */
    memcpy(p, orig, orig_len);
    c = find_chunk(p, orig_len, RPT_T_INDX, 0);
    rpti_le32_store(p + c.off + 4, (1u << 30) + 1);
    CHECK_EQ_INT(try_bytes(p, orig_len, NULL, NULL), RPT_E_LIMIT);
    free(p);
}

static void test_unknown_chunks(void) {
    /* build an archive with an ancillary chunk between two records */
    rpt_seckey *sk = test_key(1);
    const char *path = tpath("anc.rpt");
    rpt_writer *w = NULL;
    CHECK_EQ_INT(rpt_writer_open_path(&w, path, 1, sk, NULL), RPT_OK);
    char name[64], text[512];
    rpt_record_info info;
    sample_info(0, name, sizeof name, &info);
    CHECK_EQ_INT(rpt_writer_add(w, &info, text, sample_text(0, text, sizeof text)), RPT_OK);
    CHECK_EQ_INT(rpti_writer_put_ancillary(w, RPT_TYPE('n', 'o', 't', 'e'), "hello", 5), RPT_OK);
    CHECK_EQ_INT(rpti_writer_put_ancillary(w, RPT_TYPE('N', 'o', 't', 'e'), "x", 1), RPT_E_ARG);
    sample_info(1, name, sizeof name, &info);
    CHECK_EQ_INT(rpt_writer_add(w, &info, text, sample_text(1, text, sizeof text)), RPT_OK);
    CHECK_EQ_INT(rpt_writer_close(w), RPT_OK);
    rpt_writer_free(w);
    size_t n;
    uint8_t *p = slurp(path, &n);
    int v;
    rpt_verify_summary sum;
    CHECK_EQ_INT(try_bytes(p, n, &v, &sum), RPT_OK);
    CHECK_EQ_INT(v, RPT_OK); /* skipped */
    CHECK_EQ_INT(sum.ok, 2);
    /* the same chunk made critical: a v1 reader must stop */
    chunk_at c = find_chunk(p, n, RPT_TYPE('n', 'o', 't', 'e'), 0);
    CHECK(c.len == 17);
    p[c.off] = 'N';
    c.type = RPT_TYPE('N', 'o', 't', 'e');
    fix_crc(p, c);
    CHECK_EQ_INT(try_bytes(p, n, &v, &sum), RPT_OK);
    CHECK_EQ_INT(v, RPT_E_UNSUPPORTED);
    free(p);
    rpt_seckey_free(sk);
}

static void test_varints(void) {
    static const uint8_t overlong[] = {0x80, 0x00};
    static const uint8_t max[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    static const uint8_t over[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    static const uint8_t endless[] = {0x80, 0x80, 0x80};
    uint64_t v;
    rpt_cur c = {overlong, 2, 0};
    CHECK_EQ_INT(rpti_cur_varint(&c, &v), RPT_E_FORMAT);
    c = (rpt_cur){max, 10, 0};
    CHECK_EQ_INT(rpti_cur_varint(&c, &v), RPT_OK);
    CHECK(v == UINT64_MAX);
    c = (rpt_cur){over, 10, 0};
    CHECK_EQ_INT(rpti_cur_varint(&c, &v), RPT_E_FORMAT);
    c = (rpt_cur){endless, 3, 0};
    CHECK_EQ_INT(rpti_cur_varint(&c, &v), RPT_E_TRUNCATED);
    uint8_t buf[10];
    for (uint64_t x = 0; x < 70000; x += 37) {
        size_t k = rpti_varint_encode(buf, x);
        c = (rpt_cur){buf, k, 0};
        CHECK(rpti_cur_varint(&c, &v) == RPT_OK && v == x && c.pos == k);
    }
}

static void test_names(void) {
    static const char *bad[] = {"", "/etc/passwd", "a/../b", "..", "a/./b", "a//b", "a/",
                                "a\\b", "tab\there", "c1\xc2\x9b[31m", "bidi\xe2\x80\xae\x63od.exe",
                                "bad\xff utf8", "overlong\xc0\xaf"};
    static const char *good[] = {"a", "a/b/c.txt", "météo/Île.txt", "...", "a..b/c", ".hidden"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK_EQ_INT(rpt_name_check(bad[i], strlen(bad[i])), RPT_E_NAME);
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        CHECK_EQ_INT(rpt_name_check(good[i], strlen(good[i])), RPT_OK);
    char longname[RPT_NAME_MAX + 2];
    memset(longname, 'x', sizeof longname);
    CHECK_EQ_INT(rpt_name_check(longname, RPT_NAME_MAX), RPT_OK);
    CHECK_EQ_INT(rpt_name_check(longname, RPT_NAME_MAX + 1), RPT_E_NAME);
    /* the writer refuses them, and writes nothing under the final name */
    rpt_seckey *sk = test_key(1);
    rpt_writer *w = NULL;
    const char *path = tpath("names.rpt");
    CHECK_EQ_INT(rpt_writer_open_path(&w, path, 1, sk, NULL), RPT_OK);
    rpt_record_info info = {.name = "../escape.txt"};
    CHECK_EQ_INT(rpt_writer_add(w, &info, "x", 1), RPT_E_NAME);
    CHECK_EQ_INT(rpt_writer_close(w), RPT_E_NAME); /* the first failure's code */
    rpt_writer_free(w);
    CHECK(access(path, F_OK) != 0);
    rpt_seckey_free(sk);
}

/* No single-bit flip anywhere in the file is accepted, and none crashes. */
static void test_every_bit(void) {
    uint8_t *p = copy();
    size_t missed = 0;
    for (size_t i = 0; i < orig_len; i++) {
        for (int b = 0; b < 8; b++) {
            p[i] ^= (uint8_t)(1 << b);
            int v = RPT_OK;
            int o = try_bytes(p, orig_len, &v, NULL);
            if (o == RPT_OK && v == RPT_OK) missed++;
            p[i] ^= (uint8_t)(1 << b);
        }
    }
    CHECK_EQ_INT(missed, 0);
    free(p);
}

/* Every cut is noticed, except at the end of a generation, which is that
 * generation, complete. */
static void test_every_cut(rpt_seckey *sk) {
    const char *path = tpath("cuts.rpt");
    CHECK_EQ_INT(build_archive(path, sk, 2, 1), RPT_OK);
    size_t gen1;
    uint8_t *g1 = slurp(path, &gen1);
    free(g1);
    rpt_writer *w = NULL;
    CHECK_EQ_INT(rpt_writer_open_append(&w, path, sk, NULL), RPT_OK);
    char name[64], text[512];
    rpt_record_info info;
    sample_info(7, name, sizeof name, &info);
    CHECK_EQ_INT(rpt_writer_add(w, &info, text, sample_text(7, text, sizeof text)), RPT_OK);
    CHECK_EQ_INT(rpt_writer_close(w), RPT_OK);
    rpt_writer_free(w);
    size_t n;
    uint8_t *p = slurp(path, &n);
    size_t wrong = 0;
    for (size_t cut = 0; cut <= n; cut++) {
        int v = RPT_OK;
        int o = try_bytes(p, cut, &v, NULL);
        int accepted = o == RPT_OK && v == RPT_OK;
        if (accepted != (cut == gen1 || cut == n)) wrong++;
    }
    CHECK_EQ_INT(wrong, 0);
    free(p);
}

int main(void) {
    CHECK_EQ_INT(rpt_init(), RPT_OK);
    rpt_seckey *sk = test_key(1);
    CHECK_EQ_INT(build_archive(tpath("base.rpt"), sk, 3, 1), RPT_OK);
    orig = slurp(tpath("base.rpt"), &orig_len);
    CHECK(orig != NULL);
    test_magic();
    test_bad_crc();
    test_tampered_payload();
    test_changed_metadata();
    test_bad_signature();
    test_changed_index();
    test_missing_seal();
    test_seal_signature();
    test_damaged_trailer(sk);
    test_empty_appends(sk);
    test_writer_text_caps(sk);
    test_truncated_chunk();
    test_salvage_middle();
    test_over_cap();
    test_unknown_chunks();
    test_varints();
    test_names();
    test_every_bit();
    test_every_cut(sk);
    /* the same damage once more with every INDX read the way a verifier
     * reads one over 4 MiB: into a temporary file, checked block by block */
    uint32_t spill_min = rpti_indx_spill_min;
    rpti_indx_spill_min = 0;
    test_changed_index();
    test_over_cap();
    test_every_bit();
    test_every_cut(sk);
    rpti_indx_spill_min = spill_min;
    free(orig);
    rpt_seckey_free(sk);
    t_cleanup();
    return t_done("test_corrupt");
}
