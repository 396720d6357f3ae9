/* mkvectors.c -- builds the golden archives of format/vectors/ from fixed
 * inputs, the committed test-only key and a fixed clock and archive id.
 *   mkvectors --make-key DIR   writes test-only.pub / test-only.key
 *   mkvectors KEYFILE OUTDIR   writes every vector into OUTDIR */
#include "internal.h"

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

    rpt_seckey_free(key);
    return 0;
}
