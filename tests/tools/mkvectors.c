/* SPDX-License-Identifier: ISC */
/* mkvectors.c -- builds the golden archives of format/vectors/ from fixed
 * inputs, the committed test-only key and a fixed clock and archive id.
 *   mkvectors --make-key DIR   writes test-only.pub / test-only.key
 *   mkvectors KEYFILE OUTDIR   writes every vector into OUTDIR
 * The negative vectors (bad-*.rpt) are built chunk by chunk here, not by
 * the writer, which refuses to make them: each breaks one rule of the
 * specification while every CRC, digest and signature that does not
 * belong to that rule is right. */
#include "index.h"
#include "internal.h"
#include "record.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int64_t T0 = 1767225600; /* 2026-01-01T00:00:00Z */
static rpt_seckey *key;
static char outdir[1024];

static int fail(rpt_writer *w, const char *what) {
    fprintf(stderr, "mkvectors: %s: %s\n", what, w ? rpt_writer_error(w) : "out of memory");
    exit(1);
}

static rpt_writer *open_vec(const char *name, int level) {
    char path[1100];
    snprintf(path, sizeof path, "%s/%s.rpt", outdir, name);
    rpt_writer_options opt;
    rpt_writer_options_init(&opt);
    static uint8_t id[16];
    for (int i = 0; i < 16; i++) id[i] = (uint8_t)(0xA0 + i);
    opt.archive_id = id;
    opt.created = T0;
    opt.threads = 1;
    opt.level = level;
    opt.software = "rpt test vectors";
    opt.key_comment = "rpt test-only key: never trust it";
    rpt_writer *w = NULL;
    if (rpt_writer_open_path(&w, path, 1, key, &opt)) fail(w, name);
    return w;
}

static void add(rpt_writer *w, const char *name, int64_t issued, const char *title,
                const char *source, const char *media, size_t n_meta, const rpt_meta *meta,
                const void *data, size_t len) {
    rpt_record_info info = {.name = name, .issued = issued, .title = title, .source = source, .media_type = media, .n_meta = n_meta, .meta = meta};
    if (rpt_writer_add(w, &info, data, len)) fail(w, name);
}

static void done(rpt_writer *w, const char *name) {
    if (rpt_writer_close(w)) fail(w, name);
    rpt_writer_free(w);
}

static const char *weather =
    "Severe weather warning for the northern coast\n\n"
    "The Meteorological Office issues an amber warning for gale-force winds "
    "along the northern coast from 18:00 on Friday until 06:00 on Saturday. "
    "Gusts of 90 to 110 km/h are expected on exposed headlands. Ferry "
    "services may be cancelled at short notice.\n";

static const char *court =
    "Notice of public hearing\n\n"
    "The Administrative Court of the Capital District will hear case "
    "AC/2025/1187 on 14 January 2026 at 10:00 in Courtroom 3. Members of the "
    "public may attend. Seating is limited.\n";

static const char *police =
    "Appeal for witnesses\n\n"
    "The Police Service asks anyone who saw a collision at the junction of "
    "Harbour Road and Mill Street on 2 January 2026 at about 17:40 to call the "
    "non-emergency line. The Police Service thanks the public for its help.\n";


/* ----- negative vectors: an archive built chunk by chunk ----- */
static rpt_seckey *key2; /* a second key, in no vector's trusted set */

typedef struct bld {
    rpt_buf out, head, aux;
    uint64_t aux_off[8];
    size_t n_aux;
    rpt_ibuilder ib;           /* every record so far */
    uint64_t gen_first;        /* the first record of this generation */
    rpt_segref segs[8];        /* the live segments, by the merge rule */
    uint64_t seg_first[8], seg_n[8];
    size_t n_segs;
    uint32_t gen;
    uint64_t prev_trailer;
    uint8_t prev_seal[32];
    rpt_dict dicts[2];
    size_t n_dicts;
    rpt_zctx z;
} bld;

/* What a generation's index, seal and trailer get wrong on purpose. */
typedef struct wrong {
    const rpt_seckey *sealer;  /* NULL: the test key */
    uint32_t generation;       /* 0: the right one */
    uint64_t extra_count;      /* added to the seal's and trailer's count */
    int stored_entry;          /* entry whose stored is one too many, or -1 */
} wrong;

static void put(bld *b, uint32_t type, const void *body, size_t len) {
    if (rpti_chunk_put(&b->out, type, body, len)) exit(1);
}

static void b_start(bld *b) {
    memset(b, 0, sizeof *b);
    if (rpti_zctx_init(&b->z, 6) || rpti_buf_put(&b->out, rpti_magic, RPT_MAGIC_BYTES)) exit(1);
    rpt_buf h = {0};
    uint8_t id[16], t[8];
    for (int i = 0; i < 16; i++) id[i] = (uint8_t)(0xA0 + i);
    rpti_le64_store(t, (uint64_t)T0);
    if (rpti_buf_u8(&h, 1) || rpti_buf_u8(&h, 0) || rpti_buf_put(&h, id, 16) ||
        rpti_buf_put(&h, t, 8) || rpti_buf_str(&h, "rpt test vectors", 16))
        exit(1);
    size_t at = b->out.len;
    put(b, RPT_T_HEAD, h.p, h.len);
    if (rpti_buf_put(&b->head, b->out.p + at, b->out.len - at)) exit(1);
    rpti_buf_free(&h);
}

static void b_aux(bld *b, uint32_t type, const rpt_buf *body) {
    size_t at = b->out.len;
    put(b, type, body->p, body->len);
    b->aux_off[b->n_aux++] = at;
    if (rpti_buf_put(&b->aux, b->out.p + at, b->out.len - at)) exit(1);
}

static void b_keys(bld *b, const rpt_seckey *k) {
    rpt_buf body = {0};
    const char *cm = "rpt test-only key: never trust it";
    if (rpti_buf_varint(&body, 1) || rpti_buf_put(&body, k->id, 8) ||
        rpti_buf_put(&body, k->sk + 32, 32) || rpti_buf_str(&body, cm, strlen(cm)))
        exit(1);
    b_aux(b, RPT_T_KEYS, &body);
    rpti_buf_free(&body);
}

static void b_dict(bld *b, const char *d) {
    rpt_buf body = {0};
    uint8_t id[32];
    crypto_generichash(id, 32, (const uint8_t *)d, strlen(d), NULL, 0);
    if (rpti_buf_varint(&body, b->n_dicts) || rpti_buf_put(&body, id, 32) ||
        rpti_buf_str(&body, d, strlen(d)))
        exit(1);
    b_aux(b, RPT_T_DICT, &body);
    rpti_buf_free(&body);
}

/* A record; with method > 2 its method byte is changed afterwards (the
 * signature does not cover it, the index digest does). dict names the
 * dictionary to compress with, which need not be in the file yet. */
static void b_rec(bld *b, const rpt_seckey *k, const char *name, const char *text,
                  const char *dict, int method) {
    rpt_buf c = {0};
    char err[RPT_ERRLEN];
    rpt_dict d = {0, (const uint8_t *)dict, dict ? strlen(dict) : 0};
    rpt_record_info info = {.name = name, .issued = T0, .title = "A test bulletin", .source = "Test Office"};
    if (rpti_record_build(&c, &b->z, &info, (const uint8_t *)text, strlen(text), dict ? &d : NULL,
                          dict ? 1 : 0, dict ? 0 : RPT_TRY_NONE, k, err)) {
        fprintf(stderr, "mkvectors: %s\n", err);
        exit(1);
    }
    rpt_recinfo ri;
    if (rpti_record_parse(c.p + 8, c.len - 12, &ri, err)) exit(1);
    if (method > 2) {
        c.p[8 + ri.meta_len] = (uint8_t)method;
        rpti_le32_store(c.p + c.len - 4, rpti_chunk_crc(RPT_T_RECD, c.p + 8, c.len - 12));
    }
    uint8_t dg[32];
    crypto_generichash(dg, 32, c.p, c.len, NULL, 0);
    if (rpti_ib_add(&b->ib, (const uint8_t *)name, strlen(name), b->out.len, c.len, strlen(text),
                    T0, dg) ||
        rpti_buf_put(&b->out, c.p, c.len))
        exit(1);
    rpti_buf_free(&c);
}

/* INDX (by the merge rule of spec 4.6.2), SEAL and TRLR of a generation. */
static void b_seal(bld *b, const wrong *w) {
    rpt_buf head = {0}, data = {0}, c = {0};
    rpt_ibuilder seg = {0};
    uint8_t root[32];
    uint64_t size = b->ib.n - b->gen_first;
    size_t keep = b->n_segs;
    while (keep && b->seg_n[keep - 1] < 2 * size) size += b->seg_n[--keep];
    uint64_t first = keep ? b->seg_first[keep - 1] + b->seg_n[keep - 1] : 0;
    if (w->stored_entry >= 0) b->ib.e[w->stored_entry].stored++;
    for (uint64_t i = first; i < b->ib.n; i++) {
        const rpt_ientry *e = &b->ib.e[i];
        if (rpti_ib_add(&seg, b->ib.names.p + e->name_off, e->name_len, e->offset, e->stored,
                        e->size, e->issued, e->digest))
            exit(1);
    }
    if (w->stored_entry >= 0) b->ib.e[w->stored_entry].stored--;
    if (rpti_index_encode(&head, &data, &seg, first, b->segs, keep, b->aux_off, b->n_aux, root) ||
        rpti_buf_put(&head, data.p, data.len))
        exit(1);
    rpti_ib_free(&seg);
    uint64_t index_off = b->out.len;
    put(b, RPT_T_INDX, head.p, head.len);
    const rpt_seckey *k = w->sealer ? w->sealer : key;
    rpt_seal sl;
    memset(&sl, 0, sizeof sl);
    sl.generation = w->generation ? w->generation : b->gen + 1;
    sl.count = b->ib.n + w->extra_count;
    rpti_seal_d(b->head.p, b->head.len, b->aux.p, b->aux.len, root, sl.d);
    memcpy(sl.prev, b->prev_seal, 32);
    memcpy(sl.key_id, k->id, 8);
    uint8_t msg[108];
    uint8_t id[16];
    for (int i = 0; i < 16; i++) id[i] = (uint8_t)(0xA0 + i);
    rpti_seal_message(msg, id, &sl);
    crypto_sign_detached(sl.sig, NULL, msg, sizeof msg, k->sk);
    uint64_t seal_off = b->out.len;
    if (rpti_seal_encode(&c, &sl) || rpti_buf_put(&b->out, c.p, c.len)) exit(1);
    crypto_generichash(b->prev_seal, 32, c.p, c.len, NULL, 0);
    rpt_trailer t = {index_off, seal_off, b->prev_trailer, sl.generation, sl.count};
    b->prev_trailer = b->out.len;
    c.len = 0;
    if (rpti_trailer_encode(&c, &t) || rpti_buf_put(&b->out, c.p, c.len)) exit(1);
    b->n_segs = keep;
    b->segs[keep].offset = index_off;
    memcpy(b->segs[keep].root, root, 32);
    b->seg_first[keep] = first;
    b->seg_n[keep] = b->ib.n - first;
    b->n_segs++;
    b->gen_first = b->ib.n;
    b->gen++;
    rpti_buf_free(&head);
    rpti_buf_free(&data);
    rpti_buf_free(&c);
}

static void b_write(bld *b, const char *name, const void *extra, size_t extra_len) {
    char path[1100];
    snprintf(path, sizeof path, "%s/%s.rpt", outdir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b->out.p, 1, b->out.len, f) != b->out.len ||
        (extra_len && fwrite(extra, 1, extra_len, f) != extra_len) || fclose(f) != 0) {
        fprintf(stderr, "mkvectors: cannot write %s\n", path);
        exit(1);
    }
    rpti_buf_free(&b->out);
    rpti_buf_free(&b->head);
    rpti_buf_free(&b->aux);
    rpti_ib_free(&b->ib);
    rpti_zctx_end(&b->z);
}

static const wrong RIGHT = {NULL, 0, 0, -1};

static void make_negative(void) {
    static const char *text = "The warning is lifted.\n";
    static const char dict[] = "The warning is lifted. Notice of public hearing\n";
    bld b;
    wrong w;

    /* 4.5.2: a record that uses a dictionary defined after it */
    b_start(&b);
    b_keys(&b, key);
    b_rec(&b, key, "a/dict-first.txt", text, dict, 2);
    b_dict(&b, dict);
    b_seal(&b, &RIGHT);
    b_write(&b, "bad-dict-after", NULL, 0);

    /* 4.4 rule 6: one name twice in a generation, and across two */
    b_start(&b);
    b_keys(&b, key);
    b_rec(&b, key, "a/same.txt", text, NULL, 1);
    b_rec(&b, key, "a/same.txt", "Another text.\n", NULL, 1);
    b_seal(&b, &RIGHT);
    b_write(&b, "bad-duplicate", NULL, 0);
    b_start(&b);
    b_keys(&b, key);
    b_rec(&b, key, "a/same.txt", text, NULL, 1);
    b_seal(&b, &RIGHT);
    b_rec(&b, key, "a/same.txt", "Another text.\n", NULL, 1);
    b_seal(&b, &RIGHT);
    b_write(&b, "bad-duplicate-append", NULL, 0);

    /* 4.2: a signer listed only in a later KEYS chunk, or in none */
    b_start(&b);
    b_rec(&b, key, "a/key-later.txt", text, NULL, 1);
    b_keys(&b, key);
    b_seal(&b, &RIGHT);
    b_write(&b, "bad-key-later", NULL, 0);
    b_start(&b);
    b_keys(&b, key);
    b_rec(&b, key2, "a/key-missing.txt", text, NULL, 1);
    b_seal(&b, &RIGHT);
    b_write(&b, "bad-key-missing", NULL, 0);
    b_start(&b);
    b_keys(&b, key);
    b_rec(&b, key, "a/seal-key-missing.txt", text, NULL, 1);
    w = RIGHT;
    w.sealer = key2;
    b_seal(&b, &w);
    b_write(&b, "bad-seal-key-missing", NULL, 0);

    /* 7.7 unsupported: method 3, and an unknown critical chunk */
    b_start(&b);
    b_keys(&b, key);
    b_rec(&b, key, "a/method-3.txt", text, NULL, 3);
    b_seal(&b, &RIGHT);
    b_write(&b, "bad-method", NULL, 0);
    b_start(&b);
    b_keys(&b, key);
    b_rec(&b, key, "a/before.txt", text, NULL, 1);
    put(&b, RPT_TYPE('Z', 'Z', 'Z', 'Z'), "critical", 8);
    b_seal(&b, &RIGHT);
    b_write(&b, "bad-critical", NULL, 0);

    /* 7.7 digest mismatch: an index entry's stored, a seal's generation
     * or count */
    b_start(&b);
    b_keys(&b, key);
    b_rec(&b, key, "a/stored.txt", text, NULL, 1);
    w = RIGHT;
    w.stored_entry = 0;
    b_seal(&b, &w);
    b_write(&b, "bad-stored", NULL, 0);
    b_start(&b);
    b_keys(&b, key);
    b_rec(&b, key, "a/generation.txt", text, NULL, 1);
    w = RIGHT;
    w.generation = 2;
    b_seal(&b, &w);
    b_write(&b, "bad-seal-generation", NULL, 0);
    b_start(&b);
    b_keys(&b, key);
    b_rec(&b, key, "a/count.txt", text, NULL, 1);
    w = RIGHT;
    w.extra_count = 1;
    b_seal(&b, &w);
    b_write(&b, "bad-seal-count", NULL, 0);

    /* 7.2: bytes after the last valid trailer: junk, an append that did
     * not finish, and a newer generation whose trailer has one byte
     * flipped (so the newest valid trailer is an older one) */
    b_start(&b);
    b_keys(&b, key);
    b_rec(&b, key, "a/junk-after.txt", text, NULL, 1);
    b_seal(&b, &RIGHT);
    b_write(&b, "bad-tail-junk", "not a chunk at all", 18);
    b_start(&b);
    b_keys(&b, key);
    b_rec(&b, key, "a/sealed.txt", text, NULL, 1);
    b_seal(&b, &RIGHT);
    b_rec(&b, key, "a/never-sealed.txt", text, NULL, 1);
    b_write(&b, "bad-tail-append", NULL, 0);
    b_start(&b);
    b_keys(&b, key);
    b_rec(&b, key, "a/first.txt", text, NULL, 1);
    b_seal(&b, &RIGHT);
    b_rec(&b, key, "a/second.txt", text, NULL, 1);
    b_seal(&b, &RIGHT);
    b.out.p[b.out.len - 12] ^= 0x01; /* the trailer's record count */
    b_write(&b, "bad-newest-trailer", NULL, 0);

    /* 7.6: a generation sealed by a key that is not trusted, holding a
     * record signed by the trusted key, under a newer trusted seal */
    b_start(&b);
    b_keys(&b, key);
    b_rec(&b, key, "a/own.txt", text, NULL, 1);
    b_seal(&b, &RIGHT);
    b_keys(&b, key2);
    b_rec(&b, key, "a/replayed.txt", "A record copied from another archive.\n", NULL, 1);
    w = RIGHT;
    w.sealer = key2;
    b_seal(&b, &w);
    b_rec(&b, key, "a/later.txt", text, NULL, 1);
    b_seal(&b, &RIGHT);
    b_write(&b, "bad-replay", NULL, 0);
}

int main(int argc, char **argv) {
    if (rpt_init()) return 1;
    if (argc == 3 && strcmp(argv[1], "--make-key") == 0) {
        uint8_t seed[32], id[8];
        for (int i = 0; i < 32; i++) seed[i] = (uint8_t)i;
        memcpy(id, "rpttest\x01", 8);
        char pub[1100], sec[1100], err[256];
        snprintf(pub, sizeof pub, "%s/test-only.pub", argv[2]);
        snprintf(sec, sizeof sec, "%s/test-only.key", argv[2]);
        if (rpt_seckey_from_seed(seed, id, &key) ||
            rpt_seckey_save(key, pub, sec, NULL, 0, "rpt test-only key: never trust it", 1, err,
                            sizeof err)) {
            fprintf(stderr, "mkvectors: %s\n", err);
            return 1;
        }
        rpt_seckey_free(key);
        return 0;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: mkvectors KEYFILE OUTDIR | mkvectors --make-key DIR\n");
        return 2;
    }
    char err[256];
    if (rpt_seckey_load(argv[1], NULL, 0, &key, err, sizeof err)) {
        fprintf(stderr, "mkvectors: %s\n", err);
        return 1;
    }
    snprintf(outdir, sizeof outdir, "%s", argv[2]);

    rpt_writer *w = open_vec("empty", -1);
    done(w, "empty");

    w = open_vec("one", -1);
    add(w, "meteo/2026-01-02-gale-warning.txt", T0 + 86400 + 9 * 3600,
        "Severe weather warning for the northern coast", "Meteorological Office", NULL, 0, NULL,
        weather, strlen(weather));
    done(w, "one");

    w = open_vec("stored", 0);
    add(w, "courts/hearing.txt", T0, "Notice of public hearing", "Administrative Court", NULL, 0,
        NULL, court, strlen(court));
    done(w, "stored");

    static const rpt_meta m1[] = {{"reference", "MI/2026/0142"},
                                  {"language", "en"},
                                  {"supersedes", "MI/2026/0139"}};
    static const rpt_meta m2[] = {{"reference", "PS/2026/0007"}, {"contact", "+00 123 456"}};
    w = open_vec("several", -1);
    add(w, "meteo/2026-01-02-gale-warning.txt", T0 + 86400, "Severe weather warning",
        "Meteorological Office", "text/plain; charset=utf-8", 3, m1, weather, strlen(weather));
    add(w, "courts/2026-01-03-hearing.txt", T0 + 2 * 86400, "Notice of public hearing",
        "Administrative Court of the Capital District", NULL, 0, NULL, court, strlen(court));
    add(w, "police/2026-01-04-appeal.md", T0 + 3 * 86400, "Appeal for witnesses",
        "Police Service", "text/markdown; charset=utf-8", 2, m2, police, strlen(police));
    add(w, "police/old-appeal.txt", -86400 * 365, "", "", NULL, 0, NULL, police, 60);
    done(w, "several");

    static const char *unicode_text = "Avis de tempête à Saint-Étienne-du-Mont : "
                                      "vents violents, prudence sur la côte.\n";
    w = open_vec("unicode", -1);
    add(w, "météo/Île-de-Ré/tempête-ünïcödé-日本.txt", T0, "Avis de tempête",
        "Office météorologique", NULL, 1, (const rpt_meta[]){{"langue", "français"}},
        unicode_text, strlen(unicode_text));
    done(w, "unicode");

    w = open_vec("empty-payload", -1);
    add(w, "notices/intentionally-blank.txt", T0, "This page is intentionally blank", "", NULL, 0,
        NULL, "", 0);
    done(w, "empty-payload");

    uint8_t bin[300];
    uint32_t x = 2463534242u; /* xorshift32: bytes that do not compress */
    for (size_t i = 0; i < sizeof bin; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bin[i] = (uint8_t)x;
    }
    bin[0] = 0;
    bin[1] = 0xff;
    w = open_vec("binary", -1);
    add(w, "images/seal.bin", T0, "", "Government Press Office", "application/octet-stream", 0,
        NULL, bin, sizeof bin);
    done(w, "binary");

    /* a dictionary made of the phrases the records share */
    static const char dict[] = "The Police Service The Meteorological Office issues warning for "
                               "Members of the public may attend. Notice of public hearing\n\n";
    w = open_vec("dictionary", -1);
    if (rpt_writer_add_dict(w, dict, sizeof dict - 1, NULL)) fail(w, "dictionary");
    add(w, "meteo/warning.txt", T0, "Severe weather warning", "Meteorological Office", NULL, 0,
        NULL, weather, strlen(weather));
    add(w, "courts/hearing.txt", T0, "Notice of public hearing", "Administrative Court", NULL, 0,
        NULL, court, strlen(court));
    done(w, "dictionary");

    w = open_vec("ancillary", -1);
    add(w, "meteo/warning.txt", T0, "Severe weather warning", "Meteorological Office", NULL, 0,
        NULL, weather, strlen(weather));
    static const char note[] = "an ancillary chunk that readers skip";
    if (rpti_writer_put_ancillary(w, RPT_TYPE('n', 'o', 't', 'e'), note, sizeof note - 1))
        fail(w, "ancillary");
    add(w, "courts/hearing.txt", T0, "Notice of public hearing", "Administrative Court", NULL, 0,
        NULL, court, strlen(court));
    done(w, "ancillary");

    /* two generations: a pack, then an append */
    char path[1100];
    w = open_vec("appended", -1);
    add(w, "meteo/warning.txt", T0, "Severe weather warning", "Meteorological Office", NULL, 0,
        NULL, weather, strlen(weather));
    done(w, "appended");
    snprintf(path, sizeof path, "%s/appended.rpt", outdir);
    rpt_writer_options opt;
    rpt_writer_options_init(&opt);
    opt.threads = 1;
    if (rpt_writer_open_append(&w, path, key, &opt)) fail(w, "append");
    add(w, "courts/hearing.txt", T0 + 86400, "Notice of public hearing", "Administrative Court",
        NULL, 0, NULL, court, strlen(court));
    add(w, "police/appeal.txt", T0 + 86400, "Appeal for witnesses", "Police Service", NULL, 0,
        NULL, police, strlen(police));
    done(w, "append");

    /* an append too small to merge: the new INDX lists the old one as a
     * live older segment (3 >= 2 x 1) */
    w = open_vec("two-segments", -1);
    add(w, "meteo/warning.txt", T0, "Severe weather warning", "Meteorological Office", NULL, 0,
        NULL, weather, strlen(weather));
    add(w, "courts/hearing.txt", T0, "Notice of public hearing", "Administrative Court", NULL, 0,
        NULL, court, strlen(court));
    add(w, "police/appeal.txt", T0, "Appeal for witnesses", "Police Service", NULL, 0, NULL, police,
        strlen(police));
    done(w, "two-segments");
    snprintf(path, sizeof path, "%s/two-segments.rpt", outdir);
    if (rpt_writer_open_append(&w, path, key, &opt)) fail(w, "append");
    add(w, "meteo/all-clear.txt", T0 + 86400, "All clear", "Meteorological Office", NULL, 0, NULL,
        "The warning is lifted.\n", 23);
    done(w, "append");

    uint8_t seed2[32], id2[8];
    for (int i = 0; i < 32; i++) seed2[i] = (uint8_t)(0x20 + i);
    memcpy(id2, "rpttest\x02", 8);
    if (rpt_seckey_from_seed(seed2, id2, &key2)) return 1;
    make_negative();
    rpt_seckey_free(key2);
    rpt_seckey_free(key);
    return 0;
}
