/* rpt-pack -- packs files (or standard input) into a signed rpt archive,
 * one record per bulletin, or appends a new sealed generation. */
#include "fe.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <getopt.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_text[] =
    "Usage: rpt-pack -s SECFILE -o ARCHIVE [options] PATH...\n"
    "Pack files and directories into a signed rpt archive, one record each.\n"
    "\n"
    "  -s, --secret FILE      secret key to sign with (minisign format)\n"
    "  -o, --output ARCHIVE   archive to write; '-' for standard output\n"
    "  -f, --force            overwrite an existing archive\n"
    "      --append           add a new sealed generation to ARCHIVE\n"
    "  -p, --public FILE      with --append: also build on generations sealed by\n"
    "                         this minisign public key (repeatable); seals by\n"
    "                         the key of -s are always trusted, any other is\n"
    "                         refused (exit 4)\n"
    "  -P, --pubkey KEY       the same with a base64 public key\n"
    "  -T, --files-from FILE  read more paths from FILE, one a line ('-': stdin)\n"
    "      --stdin-name NAME  pack standard input as one record called NAME\n"
    "      --follow           follow symbolic links (default: skip them)\n"
    "      --issued TIME      issued time of every record: ISO 8601 or @SECONDS\n"
    "                         (default: each file's mtime)\n"
    "      --title TEXT       title (default: first non-empty line of text)\n"
    "      --no-title         store no title\n"
    "      --source TEXT      source of the bulletins\n"
    "      --media-type TYPE  media type (default: text/plain; charset=utf-8 for\n"
    "                         UTF-8 text, application/octet-stream otherwise)\n"
    "      --meta KEY=VALUE   extra metadata, repeatable\n"
    "  -0 ... -9              deflate level (default 6: as small as 9 on bulletins, faster)\n"
    "      --dict auto|none|FILE  preset dictionary (default auto: trained from\n"
    "                         the inputs when there are at least 8 and 64 KiB);\n"
    "                         with --append, none also leaves the archive's\n"
    "                         dictionaries unused\n"
    "  -j, --threads N        worker threads (default: one per core); the\n"
    "                         output is the same for every N\n"
    "      --passphrase-file FILE  passphrase of an encrypted secret key\n"
    "  -v, --verbose          name each record as it is packed\n"
    "  -q, --quiet            no progress, no summary\n"
    "  -h, --help             show this help;  -V, --version  show the version\n"
    "\n"
    "An append checks every earlier seal first, and never cuts off a tail that\n"
    "holds a seal whose signature verifies (a damaged trailer): it stops, exit 3.\n"
    "\n"
    "SOURCE_DATE_EPOCH sets the creation time and makes the archive id a\n"
    "function of the key, that time and the inputs: same inputs, same bytes.\n"
    "\n" FE_EXIT_HELP;

/* Deflate level 6 by default. On bulletins of a few kilobytes with a
 * trained dictionary, level 9 saved 0.1% of the bytes and took a third
 * more time on ../shared/corpus; below 6 the archive grows by 1% a level. */
#define DEFAULT_LEVEL 6
#define TITLE_MAX 200
#define DICT_MIN_RECORDS 8
#define DICT_MIN_BYTES (64u * 1024)
#define DICT_SAMPLE_FILES 400
#define DICT_SAMPLE_BYTES (2u << 20) /* per dictionary */
#define DICT_GROUP_MIN_BYTES (256u * 1024)
#define DICT_GROUPS_MAX 4
#define DICT_GROUPS_SEEN 64

typedef struct input {
    char *name;  /* normalised record name */
    char *path;  /* file to read; NULL: standard input */
    char *given; /* as the user wrote it, for messages */
    uint64_t size;
    int64_t mtime;
    int dict; /* the dictionary of its section, or -1: try each */
} input;

typedef struct dirid {
    dev_t dev;
    ino_t ino;
} dirid;

typedef struct pack {
    /* options */
    const char *sec_path, *out_path, *pass_file, *stdin_name, *dict_opt;
    const char *title, *source, *media_type;
    int force, append, follow, no_title, level, quiet, verbose, have_issued;
    unsigned threads;
    int64_t issued;
    rpt_meta *meta;
    size_t n_meta;
    fe_keys sealers; /* -p/-P: whose earlier seals an append builds on */
    /* inputs */
    input *in;
    size_t n, cap;
    int bad; /* an input was refused: report them all, then stop */
    dirid *stack;
    size_t depth, stack_cap;
    uint8_t *stdin_data;
    size_t stdin_len;
} pack;

/* ---------------------------------------------------------------- inputs */

static void add_input(pack *pk, const char *path, const struct stat *st) {
    const char *why = NULL;
    char *name = fe_name_normalise(path, &why);
    input *e;
    if (!name) {
        fe_warn("'%s': %s", path, why);
        pk->bad = 1;
        return;
    }
    if ((uint64_t)st->st_size > RPT_PAYLOAD_MAX) {
        fe_warn("'%s' is %llu bytes; a record holds at most %u bytes", path,
                (unsigned long long)st->st_size, RPT_PAYLOAD_MAX);
        pk->bad = 1;
    }
    if (pk->n == pk->cap) {
        size_t cap = pk->cap ? pk->cap * 2 : 64;
        input *v = realloc(pk->in, cap * sizeof *v);
        if (!v) fe_die(FE_EXIT_USAGE, "out of memory");
        pk->in = v;
        pk->cap = cap;
    }
    e = &pk->in[pk->n++];
    e->name = name;
    e->path = strdup(path);
    e->given = e->path;
    e->size = (uint64_t)st->st_size;
    e->mtime = (int64_t)st->st_mtime;
    e->dict = -1;
    if (!e->path) fe_die(FE_EXIT_USAGE, "out of memory");
}

static int skip_dots(const struct dirent *d) {
    return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

/* Byte order, not the locale's: the same tree packs the same everywhere. */
static int byte_order(const struct dirent **a, const struct dirent **b) {
    return strcmp((*a)->d_name, (*b)->d_name);
}

static void add_path(pack *pk, const char *path);

static void walk_dir(pack *pk, const char *path, const struct stat *st) {
    struct dirent **list;
    int n;
    for (size_t i = 0; i < pk->depth; i++) {
        if (pk->stack[i].dev == st->st_dev && pk->stack[i].ino == st->st_ino) {
            fe_warn("'%s': directory loop through a symbolic link, skipped", path);
            return;
        }
    }
    n = scandir(path, &list, skip_dots, byte_order);
    if (n < 0) {
        fe_warn("cannot read directory '%s': %s", path, strerror(errno));
        pk->bad = 1;
        return;
    }
    if (pk->depth == pk->stack_cap) {
        size_t cap = pk->stack_cap ? pk->stack_cap * 2 : 16;
        dirid *s = realloc(pk->stack, cap * sizeof *s);
        if (!s) fe_die(FE_EXIT_USAGE, "out of memory");
        pk->stack = s;
        pk->stack_cap = cap;
    }
    pk->stack[pk->depth].dev = st->st_dev;
    pk->stack[pk->depth].ino = st->st_ino;
    pk->depth++;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(path);
        int slash = len > 0 && path[len - 1] == '/';
        char *child = malloc(len + strlen(list[i]->d_name) + 2);
        if (!child) fe_die(FE_EXIT_USAGE, "out of memory");
        sprintf(child, "%s%s%s", path, slash ? "" : "/", list[i]->d_name);
        add_path(pk, child);
        free(child);
        free(list[i]);
    }
    free(list);
    pk->depth--;
}

static void add_path(pack *pk, const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) {
        fe_warn("cannot read '%s': %s", path, strerror(errno));
        pk->bad = 1;
        return;
    }
    if (S_ISLNK(st.st_mode)) {
        if (!pk->follow) {
            if (!pk->quiet)
                fe_warn("note: skipping symbolic link '%s' (--follow packs its target)", path);
            return;
        }
        if (stat(path, &st) != 0) {
            fe_warn("cannot follow '%s': %s", path, strerror(errno));
            pk->bad = 1;
            return;
        }
    }
    if (S_ISDIR(st.st_mode)) walk_dir(pk, path, &st);
    else if (S_ISREG(st.st_mode)) add_input(pk, path, &st);
    else if (!pk->quiet) fe_warn("note: skipping '%s': not a regular file", path);
}

static void add_list_file(pack *pk, const char *file) {
    FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    if (!f) fe_die(FE_EXIT_USAGE, "cannot open '%s': %s", file, strerror(errno));
    while ((len = getline(&line, &cap, f)) >= 0) {
        if (len > 0 && line[len - 1] == '\n') line[--len] = '\0';
        if (len > 0 && line[len - 1] == '\r') line[--len] = '\0';
        if (len > 0) add_path(pk, line);
    }
    if (ferror(f)) fe_die(FE_EXIT_USAGE, "cannot read '%s': %s", file, strerror(errno));
    free(line);
    if (f != stdin) fclose(f);
}

static int by_name(const void *a, const void *b) {
    const input *x = *(input *const *)a, *y = *(input *const *)b;
    return strcmp(x->name, y->name);
}

/* Two inputs stored under one name would make extraction ambiguous. */
static void check_duplicates(pack *pk) {
    input **order;
    if (pk->n < 2) return;
    order = malloc(pk->n * sizeof *order);
    if (!order) fe_die(FE_EXIT_USAGE, "out of memory");
    for (size_t i = 0; i < pk->n; i++) order[i] = &pk->in[i];
    qsort(order, pk->n, sizeof *order, by_name);
    for (size_t i = 1; i < pk->n; i++) {
        if (strcmp(order[i - 1]->name, order[i]->name) == 0) {
            fe_warn("'%s' and '%s' would both be stored as '%s'",
                    order[i - 1]->given, order[i]->given, order[i]->name);
            pk->bad = 1;
        }
    }
    free(order);
}

/* ---------------------------------------------------------------- metadata */

/* The first non-empty line of UTF-8 text, trimmed, at most TITLE_MAX bytes
 * cut at a character boundary; "" for anything that is not text. */
static void guess_title(const uint8_t *p, size_t n, char out[TITLE_MAX + 1]) {
    size_t i = 0;
    out[0] = '\0';
    if (!fe_utf8_text(p, n)) return;
    if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) i = 3; /* BOM */
    while (i < n) {
        size_t s = i, e, len;
        while (i < n && p[i] != '\n') i++;
        e = i++;
        while (s < e && (p[s] == ' ' || p[s] == '\t' || p[s] == '\r' || p[s] == '\f' || p[s] == '\v')) s++;
        while (e > s && (p[e - 1] == ' ' || p[e - 1] == '\t' || p[e - 1] == '\r' || p[e - 1] == '\f' || p[e - 1] == '\v')) e--;
        if (e == s) continue;
        len = e - s;
        if (len > TITLE_MAX) {
            len = TITLE_MAX;
            while (len > 0 && (p[s + len] & 0xc0) == 0x80) len--;
        }
        for (size_t k = 0; k < len; k++) {
            uint8_t c = p[s + k];
            out[k] = (char)(c < 0x20 || c == 0x7f ? ' ' : c);
        }
        out[len] = '\0';
        return;
    }
}

static void parse_meta(pack *pk, const char *arg) {
    const char *eq = strchr(arg, '=');
    char *key;
    if (!eq || eq == arg) fe_usage_error("--meta wants KEY=VALUE, not '%s'", arg);
    if ((size_t)(eq - arg) > RPT_META_KEY_MAX)
        fe_usage_error("--meta key longer than %d bytes", RPT_META_KEY_MAX);
    if (strlen(eq + 1) > RPT_META_VALUE_MAX)
        fe_usage_error("--meta value longer than %d bytes", RPT_META_VALUE_MAX);
    if (pk->n_meta == RPT_META_MAX) fe_usage_error("more than %d --meta pairs", RPT_META_MAX);
    key = strndup(arg, (size_t)(eq - arg));
    if (!key) fe_die(FE_EXIT_USAGE, "out of memory");
    for (size_t i = 0; i < pk->n_meta; i++)
        if (strcmp(pk->meta[i].key, key) == 0) fe_usage_error("--meta key '%s' given twice", key);
    if (!fe_utf8_text((const uint8_t *)arg, strlen(arg)))
        fe_usage_error("--meta '%s' is not UTF-8 text", key);
    pk->meta = realloc(pk->meta, (pk->n_meta + 1) * sizeof *pk->meta);
    if (!pk->meta) fe_die(FE_EXIT_USAGE, "out of memory");
    pk->meta[pk->n_meta].key = key;
    pk->meta[pk->n_meta].value = eq + 1;
    pk->n_meta++;
}

static void check_text_opt(const char *opt, const char *v) {
    if (v && (strlen(v) > RPT_TEXT_MAX || !fe_utf8_text((const uint8_t *)v, strlen(v))))
        fe_usage_error("%s must be UTF-8 text of at most %d bytes", opt, RPT_TEXT_MAX);
}

/* ---------------------------------------------------------------- reading */

/* Reads an input whole. Returns 0, or prints why and returns 2. */
static int read_input(pack *pk, const input *e, uint8_t **data, size_t *len) {
    int fd, rc;
    struct stat st;
    if (!e->path) {
        *data = pk->stdin_data;
        *len = pk->stdin_len;
        return 0;
    }
    fd = open(e->path, O_RDONLY | O_CLOEXEC | (pk->follow ? 0 : O_NOFOLLOW));
    if (fd < 0) {
        fe_warn("cannot open '%s': %s", e->path, strerror(errno));
        return FE_EXIT_USAGE;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        fe_warn("'%s' is no longer a regular file", e->path);
        close(fd);
        return FE_EXIT_USAGE;
    }
    rc = fe_read_fd(fd, RPT_PAYLOAD_MAX, data, len);
    close(fd);
    if (rc == -2) {
        fe_warn("'%s' grew past %u bytes, the most a record holds", e->path, RPT_PAYLOAD_MAX);
        return FE_EXIT_USAGE;
    }
    if (rc != 0) {
        fe_warn("cannot read '%s': %s", e->path, strerror(errno));
        return FE_EXIT_USAGE;
    }
    return 0;
}

static void free_data(pack *pk, uint8_t *data) {
    if (data != pk->stdin_data) free(data);
}

/* ---------------------------------------------------------------- dictionary */

/* One dictionary serves a mixed archive poorly (mail beside news), and
 * the records of one top-level directory are alike. So each section big
 * enough (up to four) gets a dictionary of its own and its records use
 * that one alone; records of the other sections use the largest
 * section's. A record is deflated once, so pack time does not grow with
 * the number of dictionaries. An archive with fewer than two big
 * sections gets one dictionary trained on everything. */
typedef struct dgroup {
    const char *key;
    size_t keylen;
    uint64_t bytes;
    size_t count;
    int dict;
} dgroup;

static size_t section_len(const char *name) {
    const char *s = strchr(name, '/');
    return s ? (size_t)(s - name) : 0;
}

static int in_group(const input *e, const dgroup *g) {
    return !g || (section_len(e->name) == g->keylen && memcmp(e->name, g->key, g->keylen) == 0);
}

/* One training job: an evenly spaced, deterministic sample of the inputs
 * of g (NULL: all), at most budget bytes, trained on a thread of its
 * own so that sections train side by side. */
typedef struct tjob {
    pack *pk;
    const dgroup *g;
    size_t budget;
    uint8_t dict[RPT_DICT_MAX];
    size_t dict_len;
    int rc, lrc;
} tjob;

static void *train_job(void *arg) {
    tjob *t = arg;
    pack *pk = t->pk;
    size_t members = 0, used = 0, taken = 0;
    for (size_t i = 0; i < pk->n; i++) members += in_group(&pk->in[i], t->g);
    size_t k = members < DICT_SAMPLE_FILES ? members : DICT_SAMPLE_FILES;
    size_t *pick = calloc(members ? members : 1, sizeof *pick);
    const void **samples = calloc(k ? k : 1, sizeof *samples);
    size_t *sizes = calloc(k ? k : 1, sizeof *sizes);
    if (!pick || !samples || !sizes) fe_die(FE_EXIT_USAGE, "out of memory");
    for (size_t i = 0, m = 0; i < pk->n; i++)
        if (in_group(&pk->in[i], t->g)) pick[m++] = i;
    for (size_t j = 0; j < k && taken < t->budget; j++) {
        const input *e = &pk->in[pick[j * members / k]];
        uint8_t *data;
        size_t len;
        if ((t->rc = read_input(pk, e, &data, &len)) != 0) break;
        if (len > t->budget - taken) len = t->budget - taken;
        samples[used] = data;
        sizes[used++] = len;
        taken += len;
    }
    if (t->rc == 0) t->lrc = rpt_dict_train(samples, sizes, used, t->dict, sizeof t->dict, &t->dict_len);
    for (size_t j = 0; j < used; j++) free_data(pk, (uint8_t *)samples[j]);
    free(samples);
    free(sizes);
    free(pick);
    return NULL;
}

/* Trains the dictionaries of n jobs in parallel and adds them to the
 * writer in job order (so the output does not depend on timing); sets
 * made[i] to each dictionary's number, or -1. */
static int train_all(rpt_writer *w, tjob *jobs, size_t n, int *made) {
    pthread_t th[DICT_GROUPS_MAX];
    int started[DICT_GROUPS_MAX] = {0};
    int rc = 0;
    for (size_t i = 1; i < n; i++) started[i] = pthread_create(&th[i], NULL, train_job, &jobs[i]) == 0;
    train_job(&jobs[0]);
    for (size_t i = 1; i < n; i++) {
        if (started[i]) pthread_join(th[i], NULL);
        else train_job(&jobs[i]);
    }
    for (size_t i = 0; i < n; i++) {
        tjob *t = &jobs[i];
        uint32_t num;
        made[i] = -1;
        if (t->rc) return t->rc;
        if (t->lrc != RPT_OK) {
            fe_warn("cannot train a dictionary: %s", rpt_strerror(t->lrc));
            return fe_exit_status(t->lrc);
        }
        if (t->dict_len == 0) continue;
        if ((rc = rpt_writer_add_dict(w, t->dict, t->dict_len, &num)) != RPT_OK) {
            fe_warn("cannot add the dictionary: %s", rpt_writer_error(w));
            return fe_exit_status(rc);
        }
        made[i] = (int)num;
    }
    return 0;
}

static int cmp_group(const void *a, const void *b) {
    const dgroup *x = a, *y = b;
    if (x->bytes != y->bytes) return x->bytes > y->bytes ? -1 : 1;
    return x->key < y->key ? -1 : x->key > y->key; /* first seen first */
}

static int train_dict(pack *pk, rpt_writer *w) {
    uint64_t total = 0;
    dgroup groups[DICT_GROUPS_SEEN];
    size_t ng = 0, nq = 0;
    int rc;
    for (size_t i = 0; i < pk->n; i++) total += pk->in[i].size;
    if (pk->n < DICT_MIN_RECORDS || total < DICT_MIN_BYTES) return 0;
    for (size_t i = 0; i < pk->n; i++) {
        const input *e = &pk->in[i];
        size_t kl = section_len(e->name), g;
        if (kl == 0) continue;
        for (g = 0; g < ng; g++)
            if (groups[g].keylen == kl && memcmp(groups[g].key, e->name, kl) == 0) break;
        if (g == ng) {
            if (ng == DICT_GROUPS_SEEN) continue;
            groups[ng++] = (dgroup){e->name, kl, 0, 0, -1};
        }
        groups[g].bytes += e->size;
        groups[g].count++;
    }
    qsort(groups, ng, sizeof *groups, cmp_group);
    while (nq < ng && nq < DICT_GROUPS_MAX && groups[nq].bytes >= DICT_GROUP_MIN_BYTES &&
           groups[nq].count >= DICT_MIN_RECORDS)
        nq++;
    size_t nj = nq < 2 ? 1 : nq;
    tjob *jobs = calloc(nj, sizeof *jobs);
    int made[DICT_GROUPS_MAX];
    if (!jobs) fe_die(FE_EXIT_USAGE, "out of memory");
    for (size_t j = 0; j < nj; j++) {
        jobs[j].pk = pk;
        jobs[j].g = nq < 2 ? NULL : &groups[j];
        jobs[j].budget = DICT_SAMPLE_BYTES;
    }
    rc = train_all(w, jobs, nj, made);
    free(jobs);
    if (rc || nq < 2) return rc;
    for (size_t g = 0; g < nq; g++) groups[g].dict = made[g];
    for (size_t i = 0; i < pk->n; i++) {
        pk->in[i].dict = groups[0].dict; /* the largest, for the rest */
        for (size_t g = 0; g < nq; g++)
            if (groups[g].dict >= 0 && in_group(&pk->in[i], &groups[g])) pk->in[i].dict = groups[g].dict;
    }
    return 0;
}

static int add_dict_file(const char *path, rpt_writer *w) {
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc;
    uint8_t *data;
    size_t len;
    if (fd < 0) fe_die(FE_EXIT_USAGE, "cannot open dictionary '%s': %s", path, strerror(errno));
    rc = fe_read_fd(fd, RPT_DICT_MAX, &data, &len);
    close(fd);
    if (rc == -2) fe_die(FE_EXIT_USAGE, "dictionary '%s' is larger than %d bytes", path, RPT_DICT_MAX);
    if (rc != 0) fe_die(FE_EXIT_USAGE, "cannot read dictionary '%s': %s", path, strerror(errno));
    if (len == 0) fe_die(FE_EXIT_USAGE, "dictionary '%s' is empty", path);
    rc = rpt_writer_add_dict(w, data, len, NULL);
    free(data);
    if (rc != RPT_OK) {
        fe_warn("cannot add dictionary '%s': %s", path, rpt_writer_error(w));
        return fe_exit_status(rc);
    }
    return 0;
}

/* ---------------------------------------------------------------- packing */

static void le64(uint8_t b[8], uint64_t v) {
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
}

static int64_t issued_of(const pack *pk, const input *e) {
    return pk->have_issued ? pk->issued : e->mtime;
}

/* With SOURCE_DATE_EPOCH the archive id must not be random, or two
 * builds of the same inputs differ; it is derived from the key, the time
 * and the inputs' names, sizes and issued times. */
static void derive_archive_id(const pack *pk, const rpt_seckey *sk, int64_t epoch,
                              uint8_t id[RPT_ARCHIVE_ID_BYTES]) {
    static const char key[] = "rpt-pack archive id v1";
    crypto_generichash_state st;
    rpt_pubkey pub;
    uint8_t b[8];
    rpt_seckey_public(sk, &pub);
    crypto_generichash_init(&st, (const uint8_t *)key, sizeof key - 1, RPT_ARCHIVE_ID_BYTES);
    crypto_generichash_update(&st, pub.pk, sizeof pub.pk);
    le64(b, (uint64_t)epoch);
    crypto_generichash_update(&st, b, 8);
    for (size_t i = 0; i < pk->n; i++) {
        const input *e = &pk->in[i];
        crypto_generichash_update(&st, (const uint8_t *)e->name, strlen(e->name) + 1);
        le64(b, e->size);
        crypto_generichash_update(&st, b, 8);
        le64(b, (uint64_t)issued_of(pk, e));
        crypto_generichash_update(&st, b, 8);
    }
    crypto_generichash_final(&st, id, RPT_ARCHIVE_ID_BYTES);
}

static rpt_seckey *load_key(const pack *pk) {
    int encrypted = 0, rc;
    char err[256] = "";
    fe_pass pw = {NULL, 0};
    rpt_seckey *sk = NULL;
    rc = rpt_seckey_is_encrypted(pk->sec_path, &encrypted, err, sizeof err);
    if (rc == RPT_E_KEY) {
        /* the most likely mix-up: the .pub file of the pair */
        rpt_pubkey pub;
        if (rpt_pubkey_load(pk->sec_path, &pub, NULL, 0) == RPT_OK)
            fe_die(FE_EXIT_USAGE, "'%s' is a public key; -s wants the secret key of the pair",
                   pk->sec_path);
    }
    if (rc != RPT_OK)
        fe_die(FE_EXIT_USAGE, "secret key '%s': %s", pk->sec_path, *err ? err : rpt_strerror(rc));
    if (encrypted) {
        char prompt[64];
        snprintf(prompt, sizeof prompt, "Passphrase for %.40s: ", pk->sec_path);
        rc = fe_pass_get(pk->pass_file, prompt, 0, &pw);
        if (rc) exit(rc);
    }
    rc = rpt_seckey_load(pk->sec_path, pw.p, pw.len, &sk, err, sizeof err);
    fe_pass_free(&pw);
    if (rc == RPT_E_PASSPHRASE)
        fe_die(FE_EXIT_USAGE, "wrong passphrase for secret key '%s'", pk->sec_path);
    if (rc != RPT_OK)
        fe_die(FE_EXIT_USAGE, "secret key '%s': %s", pk->sec_path, *err ? err : rpt_strerror(rc));
    return sk;
}

/* Refuses names the archive already holds before anything is written. */
static void check_append_names(pack *pk) {
    rpt_reader *r = NULL;
    int rc = rpt_reader_open_path(&r, pk->out_path, 0);
    if (rc != RPT_OK) {
        fe_warn("cannot append to '%s': %s", pk->out_path, r ? rpt_reader_error(r) : rpt_strerror(rc));
        rpt_reader_free(r);
        exit(fe_exit_status(rc));
    }
    for (size_t i = 0; i < pk->n; i++) {
        uint64_t at;
        int frc = rpt_reader_find(r, pk->in[i].name, &at);
        if (frc == RPT_OK) {
            fe_warn("'%s' is already in '%s' as record %llu", pk->in[i].name, pk->out_path,
                    (unsigned long long)at);
            pk->bad = 1;
        } else if (frc != RPT_E_NOTFOUND) {
            fe_warn("cannot append to '%s': %s", pk->out_path, rpt_reader_error(r));
            rpt_reader_free(r);
            exit(fe_exit_status(frc));
        }
    }
    rpt_reader_free(r);
}

static int pack_all(pack *pk, rpt_writer *w) {
    fe_progress pg;
    uint64_t total = 0, done = 0;
    int rc;
    /* none means none: not the dictionaries an appended archive has either */
    int no_dict = pk->dict_opt && strcmp(pk->dict_opt, "none") == 0;

    if (pk->dict_opt && strcmp(pk->dict_opt, "auto") == 0) rc = train_dict(pk, w);
    else if (pk->dict_opt && strcmp(pk->dict_opt, "none") != 0) rc = add_dict_file(pk->dict_opt, w);
    else rc = 0;
    if (rc) return rc;

    for (size_t i = 0; i < pk->n; i++) total += pk->in[i].size;
    fe_progress_start(&pg, pk->quiet, pk->n, total);
    for (size_t i = 0; i < pk->n; i++) {
        const input *e = &pk->in[i];
        char title[TITLE_MAX + 1] = "";
        rpt_record_info info;
        uint8_t *data;
        size_t len;
        int text;

        if ((rc = read_input(pk, e, &data, &len)) != 0) break;
        text = fe_utf8_text(data, len);
        if (!pk->no_title && !pk->title) guess_title(data, len, title);
        memset(&info, 0, sizeof info);
        info.name = e->name;
        info.issued = issued_of(pk, e);
        info.title = pk->no_title ? NULL : pk->title ? pk->title : title;
        info.source = pk->source;
        info.media_type = pk->media_type ? pk->media_type : text ? NULL : "application/octet-stream";
        info.n_meta = pk->n_meta;
        info.meta = pk->meta;
        if (e->dict >= 0) rc = rpt_writer_add_using(w, &info, data, len, (uint32_t)e->dict);
        else if (no_dict) rc = rpt_writer_add_using(w, &info, data, len, RPT_DICT_NONE);
        else rc = rpt_writer_add(w, &info, data, len);
        free_data(pk, data);
        if (rc != RPT_OK) {
            fe_progress_end(&pg);
            fe_warn("record %zu '%s' (from '%s'): %s", i, e->name, e->path ? e->path : "stdin",
                    rpt_writer_error(w));
            return fe_exit_status(rc);
        }
        if (pk->verbose) {
            fe_progress_end(&pg);
            fprintf(stderr, "%s\n", e->name);
        }
        done += len;
        fe_progress_update(&pg, i + 1, done);
    }
    fe_progress_end(&pg);
    return rc;
}

static unsigned parse_threads(const char *s) {
    char *end;
    unsigned long v;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *end || end == s || v > 1024 || s[0] == '-')
        fe_usage_error("-j wants a number of threads from 0 (one per core) to 1024, not '%s'", s);
    return (unsigned)v;
}

int main(int argc, char **argv) {
    enum { O_APPEND_ = 256, O_STDIN_NAME, O_FOLLOW, O_ISSUED, O_TITLE, O_NO_TITLE,
           O_SOURCE, O_MEDIA, O_META, O_DICT, O_PASSFILE };
    static const struct option longopts[] = {
        {"secret", required_argument, NULL, 's'},
        {"output", required_argument, NULL, 'o'},
        {"force", no_argument, NULL, 'f'},
        {"append", no_argument, NULL, O_APPEND_},
        {"public", required_argument, NULL, 'p'},
        {"pubkey", required_argument, NULL, 'P'},
        {"files-from", required_argument, NULL, 'T'},
        {"stdin-name", required_argument, NULL, O_STDIN_NAME},
        {"follow", no_argument, NULL, O_FOLLOW},
        {"issued", required_argument, NULL, O_ISSUED},
        {"title", required_argument, NULL, O_TITLE},
        {"no-title", no_argument, NULL, O_NO_TITLE},
        {"source", required_argument, NULL, O_SOURCE},
        {"media-type", required_argument, NULL, O_MEDIA},
        {"meta", required_argument, NULL, O_META},
        {"dict", required_argument, NULL, O_DICT},
        {"threads", required_argument, NULL, 'j'},
        {"passphrase-file", required_argument, NULL, O_PASSFILE},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    pack pk;
    const char **lists = NULL;
    size_t n_lists = 0;
    rpt_seckey *sk;
    rpt_writer *w = NULL;
    rpt_writer_options opt;
    uint8_t archive_id[RPT_ARCHIVE_ID_BYTES];
    int64_t epoch;
    int from_env, c, rc, to_stdout;
    uint64_t in_bytes = 0;

    fe_init(argv[0]);
    memset(&pk, 0, sizeof pk);
    pk.level = DEFAULT_LEVEL;
    pk.dict_opt = "auto";
    while ((c = fe_getopt(argc, argv, "s:o:fp:P:T:j:vqhV0123456789", longopts)) != -1) {
        switch (c) {
        case 's': pk.sec_path = optarg; break;
        case 'o': pk.out_path = optarg; break;
        case 'f': pk.force = 1; break;
        case O_APPEND_: pk.append = 1; break;
        case 'p': if (fe_keys_add_file(&pk.sealers, optarg)) exit(FE_EXIT_USAGE); break;
        case 'P': if (fe_keys_add_base64(&pk.sealers, optarg)) exit(FE_EXIT_USAGE); break;
        case 'T':
            lists = realloc(lists, (n_lists + 1) * sizeof *lists);
            if (!lists) fe_die(FE_EXIT_USAGE, "out of memory");
            lists[n_lists++] = optarg;
            break;
        case O_STDIN_NAME: pk.stdin_name = optarg; break;
        case O_FOLLOW: pk.follow = 1; break;
        case O_ISSUED:
            if (fe_time_parse(optarg, &pk.issued) != 0)
                fe_usage_error("--issued wants ISO 8601 (2024-05-01T09:00:00Z) or @SECONDS, not '%s'", optarg);
            pk.have_issued = 1;
            break;
        case O_TITLE: pk.title = optarg; break;
        case O_NO_TITLE: pk.no_title = 1; break;
        case O_SOURCE: pk.source = optarg; break;
        case O_MEDIA: pk.media_type = optarg; break;
        case O_META: parse_meta(&pk, optarg); break;
        case O_DICT: pk.dict_opt = optarg; break;
        case 'j': pk.threads = parse_threads(optarg); break;
        case O_PASSFILE: pk.pass_file = optarg; break;
        case 'v': pk.verbose = 1; break;
        case 'q': pk.quiet = 1; break;
        case 'h': fputs(usage_text, stdout); return FE_EXIT_OK;
        case 'V': fe_print_version();
        default:
            if (c >= '0' && c <= '9') pk.level = c - '0';
            else fe_usage_error("unknown option");
        }
    }

    /* Arguments first: a usage error must not cost a passphrase. */
    if (!pk.sec_path) fe_usage_error("no secret key: give -s SECFILE");
    if (!pk.out_path) fe_usage_error("no archive: give -o ARCHIVE (or -o - for standard output)");
    if (optind == argc && n_lists == 0 && !pk.stdin_name) fe_usage_error("nothing to pack: give PATH..., -T FILE or --stdin-name NAME");
    if (pk.title && pk.no_title) fe_usage_error("--title and --no-title contradict each other");
    check_text_opt("--title", pk.title);
    check_text_opt("--source", pk.source);
    check_text_opt("--media-type", pk.media_type);
    to_stdout = strcmp(pk.out_path, "-") == 0;
    if (pk.sealers.n && !pk.append)
        fe_usage_error("-p and -P name the keys whose seals --append builds on; they need --append");
    if (to_stdout && pk.append) fe_usage_error("--append needs an archive file, not standard output");
    if (to_stdout && isatty(STDOUT_FILENO)) fe_usage_error("will not write an archive to a terminal; redirect standard output");
    {
        int stdin_users = !!pk.stdin_name + (pk.pass_file && strcmp(pk.pass_file, "-") == 0);
        for (size_t i = 0; i < n_lists; i++) stdin_users += strcmp(lists[i], "-") == 0;
        if (stdin_users > 1) fe_usage_error("standard input can be read for only one of -T -, --stdin-name and --passphrase-file -");
    }
    if (!pk.append && !pk.force && !to_stdout && access(pk.out_path, F_OK) == 0)
        fe_usage_error("'%s' exists; use -f to overwrite it or --append to add to it", pk.out_path);
    if (fe_now(&epoch, &from_env) != 0) fe_usage_error("SOURCE_DATE_EPOCH is not a number of seconds");

    for (int i = optind; i < argc; i++) add_path(&pk, argv[i]);
    for (size_t i = 0; i < n_lists; i++) add_list_file(&pk, lists[i]);
    free(lists);
    if (pk.stdin_name) {
        struct stat st;
        const char *why;
        char *name = fe_name_normalise(pk.stdin_name, &why);
        if (!name) fe_usage_error("--stdin-name '%s': %s", pk.stdin_name, why);
        rc = fe_read_fd(STDIN_FILENO, RPT_PAYLOAD_MAX, &pk.stdin_data, &pk.stdin_len);
        if (rc == -2) fe_die(FE_EXIT_USAGE, "standard input is over %u bytes, the most a record holds", RPT_PAYLOAD_MAX);
        if (rc) fe_die(FE_EXIT_USAGE, "cannot read standard input: %s", strerror(errno));
        memset(&st, 0, sizeof st);
        if (fstat(STDIN_FILENO, &st) != 0 || !S_ISREG(st.st_mode)) st.st_mtime = (time_t)epoch;
        st.st_size = (off_t)pk.stdin_len;
        add_input(&pk, pk.stdin_name, &st);
        free(pk.in[pk.n - 1].path);
        pk.in[pk.n - 1].path = NULL;
        pk.in[pk.n - 1].given = "standard input";
        free(name);
    }
    check_duplicates(&pk);
    if (pk.append && !pk.bad) check_append_names(&pk);
    if (pk.bad) fe_die(FE_EXIT_USAGE, "nothing was written");
    if (pk.n == 0) fe_die(FE_EXIT_USAGE, "nothing to pack: no regular files found");

    sk = load_key(&pk);
    rpt_writer_options_init(&opt);
    opt.level = pk.level;
    opt.threads = pk.threads;
    opt.trusted = pk.sealers.k;
    opt.n_trusted = pk.sealers.n;
    if (from_env) {
        opt.created = epoch;
        derive_archive_id(&pk, sk, epoch, archive_id);
        opt.archive_id = archive_id;
    }
    if (pk.append) rc = rpt_writer_open_append(&w, pk.out_path, sk, &opt);
    else if (to_stdout) rc = rpt_writer_open_fd(&w, STDOUT_FILENO, sk, &opt);
    else rc = rpt_writer_open_path(&w, pk.out_path, pk.force, sk, &opt);
    if (rc != RPT_OK) {
        fe_warn("cannot %s '%s': %s", pk.append ? "append to" : "write", pk.out_path,
                w ? rpt_writer_error(w) : rpt_strerror(rc));
        if (rc == RPT_E_UNTRUSTED)
            fe_warn("if you trust that key, give its public key with -p PUBFILE or -P KEY");
        rpt_writer_free(w);
        rpt_seckey_free(sk);
        exit(fe_exit_status(rc)); /* exit, not return: pk still owns memory */
    }
    rc = pack_all(&pk, w);
    if (rc == 0 && (rc = rpt_writer_close(w)) != RPT_OK) {
        fe_warn("cannot finish '%s': %s", pk.out_path, rpt_writer_error(w));
        rc = fe_exit_status(rc);
    }
    if (rc == 0 && !pk.quiet) {
        char a[32], b[32];
        uint64_t out_bytes = rpt_writer_bytes(w);
        for (size_t i = 0; i < pk.n; i++) in_bytes += pk.in[i].size;
        fe_bytes_human(in_bytes, a);
        fe_bytes_human(out_bytes, b);
        fprintf(stderr, "%s: %s%zu record%s, %s in, %s %s (%.1f%%)\n", fe_progname,
                pk.append ? "appended " : "", pk.n, pk.n == 1 ? "" : "s", a, b,
                pk.append ? "added" : "archive",
                in_bytes ? 100.0 * (double)out_bytes / (double)in_bytes : 0.0);
    }
    rpt_writer_free(w);
    rpt_seckey_free(sk);
    for (size_t i = 0; i < pk.n; i++) {
        free(pk.in[i].name);
        free(pk.in[i].path);
    }
    free(pk.in);
    for (size_t i = 0; i < pk.n_meta; i++) free((char *)pk.meta[i].key);
    free(pk.meta);
    free(pk.stack);
    free(pk.stdin_data);
    fe_keys_free(&pk.sealers);
    return rc;
}
