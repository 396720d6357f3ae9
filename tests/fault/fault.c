/* SPDX-License-Identifier: ISC */
/* fault.c -- faults on purpose: pack, append, verify, list, extract and
 * key saving of a small archive, run again and again with the Nth
 * allocation or I/O call failing (shim.c), for every N until a run no
 * longer reaches N. Every run must end either exactly as an unfaulted run
 * does, or in a clean error: the right code, the first failure's text
 * (not empty, not quoting itself), no block or descriptor left behind,
 * and the archive that existed before byte for byte as it was. */
#include "helpers.h"
#include "ispill.h"
#include "place.h"
#include "reader.h"
#include "shim.h"

#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <time.h>

/* What one run of an operation gives back. */
typedef struct run {
    int rc;
    char msg[512];
    crypto_generichash_state h; /* what the operation saw, for readers */
} run;

/* What an operation does with scratch files (place.c), which a small
 * archive needs none of unless told to. */
enum {
    SPILL_ENTRIES = 1, /* the writer's index entries go to one at once */
    SPILL_INDX = 2,    /* a verifier copies every INDX into one */
    SPILL_NAMED = 4,   /* as where the file system has no O_TMPFILE */
};

/* How far the faults reached into scratch files: runs that failed
 * making, writing and reading one back. */
enum { AT_MAKE, AT_WRITE, AT_READ, AT_STAGES };

typedef struct op {
    const char *name;
    unsigned threads;        /* writer threads; 1 keeps the counts fixed */
    void (*prepare)(void);   /* unarmed: put the files in place */
    int (*body)(run *r);     /* armed */
    const char *(*after)(int ok); /* unarmed: a complaint about the files */
    uint8_t ref[32];         /* digest of an unfaulted run */
    unsigned spill;          /* SPILL_* */
    long scratch_failed[AT_STAGES];
} op;

static struct {
    char dir[64], tmpdir[96]; /* tmpdir is TMPDIR, inside dir */
    char key_sec[256], key_pub[256], kg_dir[256], kg_sec[256], kg_pub[256];
    char ref1[256], ref2[256], target[256], damaged[256];
    rpt_seckey *sk;
    rpt_pubkey pk;
    uint8_t *older, *r1, *r2, *kg_sec_text, *kg_pub_text;
    size_t older_len, r1_len, r2_len, kg_sec_len, kg_pub_len;
    int fd;
    unsigned threads;
    int verbose;
    const char *fired_at; /* the call the current run failed, or "" */
    fault_kind kind;      /* of the current run */
} g;

/* A disk that fails every call from some point on refuses the clean-up
 * too (unlink, ftruncate): what is left behind then is not the library's
 * doing, and only what was there before must be intact. */
static int disk_dead(void) { return g.kind == FAULT_EIO_ALL && g.fired_at[0]; }

static const char dict_text[] =
    "The Ministry of the Interior reports that officers took part in operation number "
    "Seizures were recorded in districts, and the weekly report will follow on day "
    "Bulletin Weekly report Ministry of the Interior";

/* ----- helpers ----- */
static int keep(run *r, int rc, const char *msg) {
    if (!r->rc) {
        r->rc = rc;
        snprintf(r->msg, sizeof r->msg, "%s", msg ? msg : "");
    }
    return rc;
}

static void put(run *r, const void *p, size_t n) { crypto_generichash_update(&r->h, p, n); }
static void put_u64(run *r, uint64_t v) { put(r, &v, sizeof v); }
static void put_str(run *r, const char *s) { put(r, s, strlen(s) + 1); }

static int same_file(const char *path, const uint8_t *want, size_t want_len) {
    size_t len;
    uint8_t *p = slurp(path, &len);
    int same = p && len == want_len && memcmp(p, want, len) == 0;
    free(p);
    return same;
}

static int copy_file(const char *to, const uint8_t *p, size_t n) { return spit(to, p, n); }

/* Files a failed operation left in dir besides those the test put
 * there (keep, NULL-terminated): temporaries, scratch files. They are
 * removed, so that the next run starts clean. */
static const char *strays(const char *dir, const char *const *keep) {
    static char found[300];
    DIR *d = opendir(dir);
    if (!d) return "cannot list a directory";
    struct dirent *e;
    const char *bad = NULL;
    while ((e = readdir(d))) {
        int kept = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
        for (size_t i = 0; keep[i] && !kept; i++) kept = strcmp(e->d_name, keep[i]) == 0;
        if (kept) continue;
        snprintf(found, sizeof found, "left '%s' behind", e->d_name);
        bad = found;
        char path[600];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    return disk_dead() ? NULL : bad;
}

/* In the test's directory and in TMPDIR; kg/ is the key save's. */
static const char *leftovers(void) {
    static const char *const ours[] = {"key.sec",  "key.pub",    "kg",          "tmp", "ref1.rpt",
                                       "ref2.rpt", "target.rpt", "damaged.rpt", NULL};
    static const char *const none[] = {NULL};
    const char *here = strays(g.dir, ours), *in_tmp = strays(g.tmpdir, none);
    return here ? here : in_tmp;
}

static int open_fds(void) {
    int n = 0;
    for (int fd = 0; fd < 1024; fd++)
        if (fcntl(fd, F_GETFD) != -1) n++;
    return n;
}

static void sample(unsigned i, char *name, size_t cap, rpt_record_info *info, char *text,
                   size_t tcap, size_t *len) {
    sample_info(i, name, cap, info);
    *len = sample_text(i, text, tcap);
}

static rpt_writer_options options(void) {
    static const uint8_t id[16] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6};
    rpt_writer_options o;
    rpt_writer_options_init(&o);
    o.threads = g.threads;
    o.created = 1700000000;
    o.archive_id = id;
    o.key_comment = "fault test key";
    return o;
}

/* ----- writing ----- */
/* Three records: one through the dictionary, one without, one with
 * metadata pairs and every dictionary tried. */
static int add_first_three(rpt_writer *w, uint32_t dict) {
    static const rpt_meta meta[2] = {{"lang", "en"}, {"ref", "INT-2026-17"}};
    int rc = RPT_OK;
    for (unsigned i = 0; !rc && i < 3; i++) {
        char name[64], text[512];
        rpt_record_info info;
        size_t len;
        sample(i, name, sizeof name, &info, text, sizeof text, &len);
        if (i == 2) {
            info.n_meta = 2;
            info.meta = meta;
            rc = rpt_writer_add(w, &info, text, len);
        } else {
            rc = rpt_writer_add_using(w, &info, text, len, i == 0 ? dict : RPT_DICT_NONE);
        }
    }
    return rc;
}

static int pack_into(run *r, int to_fd) {
    char err[256] = "";
    rpt_seckey *sk = NULL;
    int rc = rpt_seckey_load(g.key_sec, NULL, 0, &sk, err, sizeof err);
    if (rc) return keep(r, rc, err);
    rpt_writer *w = NULL;
    rpt_writer_options o = options();
    rc = to_fd ? rpt_writer_open_fd(&w, g.fd, sk, &o) : rpt_writer_open_path(&w, g.target, 1, sk, &o);
    uint32_t dict = 0;
    if (!rc) rc = rpt_writer_add_dict(w, dict_text, sizeof dict_text - 1, &dict);
    if (!rc) rc = add_first_three(w, dict);
    if (!rc) rc = rpt_writer_close(w);
    if (rc) keep(r, rc, rpt_writer_error(w));
    rpt_writer_free(w);
    rpt_seckey_free(sk);
    return rc;
}

static void prepare_pack(void) { copy_file(g.target, g.older, g.older_len); }
static int body_pack(run *r) { return pack_into(r, 0); }

/* The archive it replaces stays whole until the new one is complete. */
static const char *after_pack(int ok) {
    if (!same_file(g.target, ok ? g.r1 : g.older, ok ? g.r1_len : g.older_len))
        return ok ? "the archive differs from an unfaulted pack" : "the replaced file was changed";
    return NULL;
}

static void prepare_pack_fd(void) {
    g.fd = open(g.target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (g.fd < 0) abort();
}
static int body_pack_fd(run *r) { return pack_into(r, 1); }
static const char *after_pack_fd(int ok) {
    close(g.fd);
    if (ok && !same_file(g.target, g.r1, g.r1_len)) return "the stream differs from an unfaulted pack";
    return NULL;
}

static void prepare_append(void) { copy_file(g.target, g.r1, g.r1_len); }

static int body_append(run *r) {
    rpt_writer *w = NULL;
    rpt_writer_options o = options();
    int rc = rpt_writer_open_append(&w, g.target, g.sk, &o);
    for (unsigned i = 3; !rc && i < 5; i++) {
        char name[64], text[512];
        rpt_record_info info;
        size_t len;
        sample(i, name, sizeof name, &info, text, sizeof text, &len);
        rc = rpt_writer_add(w, &info, text, len);
    }
    if (!rc) rc = rpt_writer_close(w);
    if (rc) keep(r, rc, rpt_writer_error(w));
    rpt_writer_free(w);
    return rc;
}

/* A failed append leaves the earlier generation exactly as it was; on a
 * dead disk that cannot cut its bytes back, it is at least untouched. */
static const char *after_append(int ok) {
    if (same_file(g.target, ok ? g.r2 : g.r1, ok ? g.r2_len : g.r1_len)) return NULL;
    if (ok) return "the archive differs from an unfaulted append";
    size_t len;
    uint8_t *p = slurp(g.target, &len);
    int kept = p && len >= g.r1_len && memcmp(p, g.r1, g.r1_len) == 0;
    free(p);
    if (disk_dead() && kept) return NULL;
    return "the archive appended to is not byte-identical to before";
}

static void prepare_keygen(void) {}

static int body_keygen(run *r) {
    rpt_seckey *fresh = NULL;
    int rc = rpt_seckey_generate(&fresh);
    rpt_seckey_free(fresh);
    if (rc) return keep(r, rc, rpt_strerror(rc)); /* it has no detail to give */
    char err[256] = "";
    rc = rpt_seckey_save(g.sk, g.kg_pub, g.kg_sec, NULL, 0, NULL, 0, err, sizeof err);
    return rc ? keep(r, rc, err) : RPT_OK;
}

/* Both key files and nothing else, or nothing at all. */
static const char *after_keygen(int ok) {
    const char *bad = NULL;
    if (ok && (!same_file(g.kg_sec, g.kg_sec_text, g.kg_sec_len) ||
               !same_file(g.kg_pub, g.kg_pub_text, g.kg_pub_len)))
        bad = "the key files differ from an unfaulted save";
    static char why[400];
    DIR *d = opendir(g.kg_dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        n++;
        if (!bad && !ok && !disk_dead()) {
            snprintf(why, sizeof why, "a failed save left '%s'", e->d_name);
            bad = why;
        }
        char path[600];
        snprintf(path, sizeof path, "%s/%s", g.kg_dir, e->d_name);
        unlink(path); /* the next run starts from an empty directory */
    }
    if (d) closedir(d);
    /* link() then unlink() places a key without replacing one; when that
     * unlink fails, the key is in place under both names. Nothing better
     * can be done, so that alone is let through. */
    if (!bad && ok && n != 2 && !(n == 3 && strcmp(g.fired_at, "unlink") == 0))
        bad = "extra files next to the keys";
    return bad;
}

/* ----- reading ----- */
static int verify_event(const rpt_verify_event *ev, void *ctx) {
    run *r = ctx;
    put_u64(r, (uint64_t)(int64_t)ev->status);
    if (ev->rec) {
        put_u64(r, ev->rec->number);
        put_str(r, ev->rec->name);
        put(r, ev->rec->digest, sizeof ev->rec->digest);
    }
    return 0;
}

static int open_reader(run *r, rpt_reader **rd, int seq) {
    int rc = seq ? rpt_reader_open_fd(rd, g.fd, 0) : rpt_reader_open_path(rd, g.ref2, 0);
    if (!rc) rc = rpt_reader_trust(*rd, &g.pk);
    if (rc) keep(r, rc, *rd ? rpt_reader_error(*rd) : "out of memory");
    return rc;
}

static int verify_with(run *r, int seq) {
    char err[256] = "";
    rpt_pubkey pk;
    int rc = seq ? RPT_OK : rpt_pubkey_load(g.key_pub, &pk, err, sizeof err);
    if (rc) return keep(r, rc, err);
    rpt_reader *rd = NULL;
    rc = open_reader(r, &rd, seq);
    rpt_verify_summary sum;
    if (!rc) rc = rpt_reader_verify(rd, verify_event, r, &sum);
    if (rc) {
        keep(r, rc, rd ? rpt_reader_error(rd) : "out of memory");
    } else {
        put_u64(r, sum.records);
        put_u64(r, sum.ok);
        put_u64(r, sum.generations);
        rpt_archive_info info;
        rc = rpt_reader_info(rd, &info);
        if (rc) keep(r, rc, rpt_reader_error(rd));
        else put_u64(r, info.n_generations);
    }
    rpt_reader_free(rd);
    return rc;
}

static void prepare_seq(void) {
    g.fd = open(g.ref2, O_RDONLY | O_CLOEXEC);
    if (g.fd < 0) abort();
}
static const char *after_seq(int ok) {
    (void)ok;
    close(g.fd);
    return NULL;
}
static void prepare_nothing(void) {}
static const char *after_nothing(int ok) {
    (void)ok;
    return NULL;
}

static int body_verify(run *r) { return verify_with(r, 0); }
static int body_verify_seq(run *r) { return verify_with(r, 1); }

static void put_record(run *r, const rpt_record *rec) {
    put_u64(r, rec->number);
    put_str(r, rec->name);
    put_str(r, rec->title);
    put_str(r, rec->media_type);
    put_u64(r, rec->n_meta);
    put_u64(r, (uint64_t)rec->trusted);
    if (rec->data) put(r, rec->data, rec->data_len);
}

static int body_list(run *r) {
    rpt_reader *rd = NULL;
    int rc = open_reader(r, &rd, 0);
    uint64_t n = rc ? 0 : rpt_reader_count(rd);
    put_u64(r, n);
    for (uint64_t i = 0; !rc && i < n; i++) {
        rpt_record rec;
        rc = rpt_reader_entry(rd, i, &rec);
        if (!rc) {
            put_u64(r, rec.offset);
            put_u64(r, rec.size);
            put(r, rec.digest, sizeof rec.digest);
            rc = rpt_reader_read(rd, i, RPT_READ_NO_PAYLOAD, &rec);
        }
        if (!rc) put_record(r, &rec);
    }
    rpt_archive_info info;
    if (!rc) rc = rpt_reader_info(rd, &info);
    if (!rc) {
        put_u64(r, info.n_generations);
        put_u64(r, info.n_keys);
        put_u64(r, info.n_dicts);
        put_u64(r, info.tail_bytes);
    }
    if (rc) keep(r, rc, rd ? rpt_reader_error(rd) : "out of memory");
    rpt_reader_free(rd);
    return rc;
}

/* Every record by name, then every record in file order. */
static int body_extract(run *r) {
    rpt_reader *rd = NULL;
    int rc = open_reader(r, &rd, 0);
    for (unsigned i = 0; !rc && i < 5; i++) {
        char name[64];
        rpt_record_info info;
        sample_info(i, name, sizeof name, &info);
        uint64_t k;
        rpt_record rec;
        rc = rpt_reader_find(rd, name, &k);
        if (!rc) rc = rpt_reader_read(rd, k, 0, &rec);
        if (!rc) put_record(r, &rec);
    }
    rpt_record rec;
    while (!rc && (rc = rpt_reader_next(rd, &rec)) == RPT_OK) put_record(r, &rec);
    if (rc == RPT_EOF) rc = RPT_OK;
    if (rc) keep(r, rc, rd ? rpt_reader_error(rd) : "out of memory");
    rpt_reader_free(rd);
    return rc;
}

/* What a pipe extract does: records in one pass, each verified. */
static int body_extract_seq(run *r) {
    rpt_reader *rd = NULL;
    int rc = open_reader(r, &rd, 1);
    rpt_record rec;
    while (!rc && (rc = rpt_reader_next(rd, &rec)) == RPT_OK) put_record(r, &rec);
    if (rc == RPT_EOF) rc = RPT_OK;
    if (rc) keep(r, rc, rd ? rpt_reader_error(rd) : "out of memory");
    rpt_reader_free(rd);
    return rc;
}

/* A damaged archive's records, found by a scan that has to find its
 * way again after a chunk whose length is gone. */
static int body_salvage(run *r) {
    rpt_reader *rd = NULL;
    int rc = rpt_reader_open_path(&rd, g.damaged, RPT_OPEN_SALVAGE);
    if (!rc) rc = rpt_reader_trust(rd, &g.pk);
    rpt_record rec;
    while (!rc && (rc = rpt_reader_next(rd, &rec)) == RPT_OK) put_record(r, &rec);
    if (rc == RPT_EOF) rc = RPT_OK;
    if (!rc) put_u64(r, rpt_reader_salvage_lost(rd));
    if (rc) keep(r, rc, rd ? rpt_reader_error(rd) : "out of memory");
    rpt_reader_free(rd);
    return rc;
}

/* What pack --dict train does with the records' texts. */
static int body_train(run *r) {
    char texts[12][512];
    const void *samples[12];
    size_t sizes[12];
    for (unsigned i = 0; i < 12; i++) {
        sizes[i] = sample_text(i, texts[i], sizeof texts[i]);
        samples[i] = texts[i];
    }
    uint8_t dict[1024];
    size_t len = 0;
    int rc = rpt_dict_train(samples, sizes, 12, dict, sizeof dict, &len);
    if (rc) return keep(r, rc, rpt_strerror(rc)); /* it has no detail to give */
    put(r, dict, len);
    return RPT_OK;
}

static op ops[] = {
    {"pack", 1, prepare_pack, body_pack, after_pack, {0}, 0, {0}},
    {"pack (2 threads)", 2, prepare_pack, body_pack, after_pack, {0}, 0, {0}},
    {"pack to a stream", 1, prepare_pack_fd, body_pack_fd, after_pack_fd, {0}, 0, {0}},
    {"append", 1, prepare_append, body_append, after_append, {0}, 0, {0}},
    {"append (2 threads)", 2, prepare_append, body_append, after_append, {0}, 0, {0}},
    {"verify", 1, prepare_nothing, body_verify, after_nothing, {0}, 0, {0}},
    {"verify a stream", 1, prepare_seq, body_verify_seq, after_seq, {0}, 0, {0}},
    {"list", 1, prepare_nothing, body_list, after_nothing, {0}, 0, {0}},
    {"extract", 1, prepare_nothing, body_extract, after_nothing, {0}, 0, {0}},
    {"extract a stream", 1, prepare_seq, body_extract_seq, after_seq, {0}, 0, {0}},
    {"salvage", 1, prepare_nothing, body_salvage, after_nothing, {0}, 0, {0}},
    {"dictionary training", 1, prepare_nothing, body_train, after_nothing, {0}, 0, {0}},
    {"key save", 1, prepare_keygen, body_keygen, after_keygen, {0}, 0, {0}},
    /* the same with scratch files, made, written and read back; a small
     * archive needs none, a large one does */
    {"pack, entries in a scratch file", 1, prepare_pack, body_pack, after_pack, {0}, SPILL_ENTRIES, {0}},
    {"pack to a stream, entries in a named scratch file", 1, prepare_pack_fd, body_pack_fd,
     after_pack_fd, {0}, SPILL_ENTRIES | SPILL_NAMED, {0}},
    {"append, entries and INDX in scratch files", 1, prepare_append, body_append, after_append, {0},
     SPILL_ENTRIES | SPILL_INDX, {0}},
    {"verify, INDX in a scratch file", 1, prepare_nothing, body_verify, after_nothing, {0}, SPILL_INDX, {0}},
    {"verify a stream, INDX in a named scratch file", 1, prepare_seq, body_verify_seq, after_seq, {0},
     SPILL_INDX | SPILL_NAMED, {0}},
};

static size_t default_hold;
static uint32_t default_spill_min;

static void set_spill(unsigned spill) {
    rpti_ispill_hold = spill & SPILL_ENTRIES ? 0 : default_hold;
    rpti_indx_spill_min = spill & SPILL_INDX ? 0 : default_spill_min;
    rpti_scratch_unnamed = !(spill & SPILL_NAMED);
}

/* ----- judging one run ----- */
/* "a: b: b" or "failed: failed": a message that quotes itself lost the
 * first failure's words. */
static int repeats_itself(const char *msg) {
    const char *a = msg;
    for (const char *b; (b = strstr(a, ": ")); a = b + 2) {
        size_t n = (size_t)(b - a);
        if (n && strncmp(b + 2, a, n) == 0 && (b[2 + n] == ':' || b[2 + n] == 0)) return 1;
    }
    return 0;
}

static const char *judge(fault_kind kind, const char *where, const run *r,
                         const uint8_t digest[32], const uint8_t ref[32]) {
    static char why[600];
    if (r->rc == RPT_OK)
        return memcmp(digest, ref, 32) ? "succeeded with a different result" : NULL;
    if (kind == FAULT_SHORT || kind == FAULT_SHORT_READ) return "a short read or write is not an error";
    if (strcmp(where, "pthread_create") == 0 && kind != FAULT_EIO_ALL)
        return "no thread is not an error: the work is done inline";
    if (!r->msg[0]) return "failed with no message";
    if (repeats_itself(r->msg)) return "the message quotes itself";
    int want = kind == FAULT_ALLOC || kind == FAULT_ALLOC_ALL ? RPT_E_NOMEM : RPT_E_IO;
    if (r->rc != want) {
        snprintf(why, sizeof why, "returned %s, not %s", rpt_strerror(r->rc), rpt_strerror(want));
        return why;
    }
    const char *words = want == RPT_E_NOMEM ? "memory"
                        : strerror(kind == FAULT_EIO || kind == FAULT_EIO_ALL ? EIO : ENOSPC);
    if (!strstr(r->msg, words)) {
        snprintf(why, sizeof why, "the message does not say '%s'", words);
        return why;
    }
    return NULL;
}

/* A failure of a scratch file names the directory it is in, so that
 * TMPDIR can be pointed elsewhere, and says what was being done. */
static const char *scratch_words(op *o, const run *r) {
    if (r->rc == RPT_OK || !strstr(r->msg, "scratch file")) return NULL;
    char here[128], tmp[128];
    snprintf(here, sizeof here, "'%s'", g.dir);
    snprintf(tmp, sizeof tmp, "'%s'", g.tmpdir);
    if (!strstr(r->msg, here) && !strstr(r->msg, tmp)) return "a scratch file's failure does not name its directory";
    if (strstr(r->msg, "make a scratch file")) o->scratch_failed[AT_MAKE]++;
    else if (strstr(r->msg, "read") && strstr(r->msg, "back")) o->scratch_failed[AT_READ]++;
    else if (strstr(r->msg, "write") || strstr(r->msg, "empty")) o->scratch_failed[AT_WRITE]++;
    else return "a scratch file's failure does not say what failed";
    return NULL;
}

static long failures;

/* Runs o once with the fault armed at n; returns 1 if it was injected. */
static int one_run(op *o, fault_kind kind, long n, int reference) {
    long blocks = shim_live_blocks();
    int fds = open_fds();
    o->prepare();
    run r;
    memset(&r, 0, sizeof r);
    crypto_generichash_init(&r.h, NULL, 0, 32);
    g.threads = o->threads;
    set_spill(o->spill);
    shim_arm(kind, n);
    int rc = o->body(&r);
    const char *where;
    int fired = shim_disarm(&where);
    uint8_t digest[32];
    crypto_generichash_final(&r.h, digest, 32);
    if (reference) memcpy(o->ref, digest, 32);
    r.rc = rc;
    g.fired_at = fired ? where : "";
    g.kind = kind;
    const char *bad = judge(kind, g.fired_at, &r, digest, o->ref);
    const char *files = o->after(rc == RPT_OK), *stray = leftovers();
    if (!bad) bad = scratch_words(o, &r);
    if (!bad) bad = files;
    if (!bad) bad = stray;
    if (!bad && shim_live_blocks() != blocks) bad = "leaked memory";
    if (!bad && open_fds() != fds) bad = "leaked a descriptor";
    if (!bad && !fired && rc != RPT_OK) bad = "failed with no fault injected";
    if (bad) {
        failures++;
        fprintf(stderr, "FAIL %s, %s at call %ld (%s): %s [%s: %s]\n", o->name, shim_kind_name(kind), n,
                fired ? where : "not reached", bad, rpt_strerror(rc), r.msg);
    } else if (g.verbose && fired) {
        printf("  %s, %s at %ld (%s): %s\n", o->name, shim_kind_name(kind), n, where,
               rc ? r.msg : "ok");
    }
    return fired;
}

/* ----- setup ----- */
static void path_in(char *out, const char *name) { snprintf(out, 256, "%s/%s", g.dir, name); }

static void setup(void) {
    snprintf(g.dir, sizeof g.dir, "/tmp/rpt-fault-XXXXXX");
    if (!mkdtemp(g.dir)) abort();
    snprintf(g.tmpdir, sizeof g.tmpdir, "%s/tmp", g.dir);
    if (mkdir(g.tmpdir, 0700) != 0 || setenv("TMPDIR", g.tmpdir, 1) != 0) abort();
    path_in(g.key_sec, "key.sec");
    path_in(g.key_pub, "key.pub");
    path_in(g.kg_dir, "kg");
    path_in(g.kg_sec, "kg/key.sec");
    path_in(g.kg_pub, "kg/key.pub");
    path_in(g.ref1, "ref1.rpt");
    path_in(g.ref2, "ref2.rpt");
    path_in(g.target, "target.rpt");
    path_in(g.damaged, "damaged.rpt");
    if (mkdir(g.kg_dir, 0700) != 0) abort();
    g.sk = test_key(3);
    rpt_seckey_public(g.sk, &g.pk);
    char err[256];
    if (rpt_seckey_save(g.sk, g.key_pub, g.key_sec, NULL, 0, NULL, 1, err, sizeof err)) abort();
    static const char older[] = "an older file under the archive's name\n";
    g.older = (uint8_t *)strdup(older);
    g.older_len = sizeof older - 1;
}

/* The unfaulted results every faulted run is held against. */
static void references(void) {
    run r;
    memset(&r, 0, sizeof r);
    g.threads = 1;
    prepare_pack();
    if (body_pack(&r)) {
        fprintf(stderr, "cannot pack: %s\n", r.msg);
        exit(1);
    }
    g.r1 = slurp(g.target, &g.r1_len);
    if (!g.r1 || copy_file(g.target, g.r1, g.r1_len)) abort();
    if (body_append(&r)) {
        fprintf(stderr, "cannot append: %s\n", r.msg);
        exit(1);
    }
    g.r2 = slurp(g.target, &g.r2_len);
    if (!g.r2 || copy_file(g.ref1, g.r1, g.r1_len) || copy_file(g.ref2, g.r2, g.r2_len)) abort();
    /* record 1's length smashed: salvage must resynchronise */
    rpt_reader *rd = NULL;
    rpt_record rec;
    if (rpt_reader_open_path(&rd, g.ref2, 0) || rpt_reader_entry(rd, 1, &rec)) abort();
    uint8_t *dmg = slurp(g.ref2, &g.r2_len);
    if (!dmg) abort();
    memset(dmg + rec.offset + 4, 0xff, 4);
    if (copy_file(g.damaged, dmg, g.r2_len)) abort();
    free(dmg);
    rpt_reader_free(rd);
    if (body_keygen(&r)) abort();
    g.kg_sec_text = slurp(g.kg_sec, &g.kg_sec_len);
    g.kg_pub_text = slurp(g.kg_pub, &g.kg_pub_len);
    after_keygen(1);
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        if (!one_run(&ops[i], FAULT_NONE, 0, 1) && failures) exit(1);
}

/* Which faults an operation meets: readers write nothing. */
static int meets(const op *o, fault_kind k) {
    int writes = o->body == body_pack || o->body == body_pack_fd || o->body == body_append ||
                 o->body == body_keygen || (o->spill & SPILL_INDX);
    if (o->threads > 1) return k == FAULT_ALLOC || k == FAULT_EIO; /* the pool's own paths */
    if (k == FAULT_EIO_ALL) return 1;
    if (k == FAULT_ENOSPC || k == FAULT_SHORT_FULL || k == FAULT_SHORT) return writes;
    return 1;
}

/* Every stage of an operation's scratch files was made to fail, and
 * said so. */
static void scratch_reached(const op *o) {
    static const char *const stage[AT_STAGES] = {"making", "writing", "reading back"};
    for (int k = 0; o->spill && k < AT_STAGES; k++)
        if (!o->scratch_failed[k]) {
            failures++;
            fprintf(stderr, "FAIL %s: no fault reached the %s of a scratch file\n", o->name, stage[k]);
        }
}

int main(int argc, char **argv) {
    g.verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
    if (rpt_init() != RPT_OK) return 1;
    default_hold = rpti_ispill_hold;
    default_spill_min = rpti_indx_spill_min;
    setup();
    references();
    time_t start = time(NULL);
    long points = 0, by_kind[FAULT_KINDS] = {0};
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        long op_points = 0;
        for (int k = FAULT_ALLOC; k < FAULT_KINDS; k++) {
            if (!meets(&ops[i], (fault_kind)k)) continue;
            for (long n = 1; one_run(&ops[i], (fault_kind)k, n, 0); n++) {
                by_kind[k]++;
                op_points++;
            }
        }
        points += op_points;
        if (g.verbose) printf("%s: %ld fault points\n", ops[i].name, op_points);
        scratch_reached(&ops[i]);
    }
    printf("fault injection: %ld fault points covered (", points);
    for (int k = FAULT_ALLOC; k < FAULT_KINDS; k++)
        printf("%s%s %ld", k > FAULT_ALLOC ? ", " : "", shim_kind_name((fault_kind)k), by_kind[k]);
    printf(") in %lds, %ld failing\n", (long)(time(NULL) - start), failures);
    rpt_seckey_free(g.sk);
    free(g.older);
    free(g.r1);
    free(g.r2);
    free(g.kg_sec_text);
    free(g.kg_pub_text);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g.dir);
    if (!failures && system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", g.dir);
    return failures ? 1 : 0;
}
