/* test_corpus.c -- packs every file of ../shared/corpus through the
 * library and reads each record back byte for byte: by name, in order,
 * and through a pipe. Skipped (saying so) where the corpus is absent. */
#include "helpers.h"

#include <dirent.h>

#define CORPUS "../shared/corpus"

typedef struct {
    char **names;
    size_t n, cap;
} list;

static void walk(list *l, const char *dir, const char *rel) {
    struct dirent **ents;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    int n = scandir(path, &ents, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        const char *nm = ents[i]->d_name;
        if (nm[0] != '.') {
            char sub[4096], full[8192];
            snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", nm);
            snprintf(full, sizeof full, "%s/%s", dir, sub);
            struct stat st;
            if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode)) walk(l, dir, sub);
            else if (S_ISREG(st.st_mode) && strcmp(sub, "README.md") != 0) {
                if (l->n == l->cap) {
                    l->cap = l->cap ? l->cap * 2 : 1024;
                    l->names = realloc(l->names, l->cap * sizeof *l->names);
                }
                l->names[l->n++] = strdup(sub);
            }
        }
        free(ents[i]);
    }
    free(ents);
}

int main(void) {
    struct stat st;
    if (stat(CORPUS, &st) != 0) SKIP("../shared/corpus is absent");
    CHECK_EQ_INT(rpt_init(), RPT_OK);
    list l = {0};
    walk(&l, CORPUS, "");
    CHECK(l.n > 2000);
    rpt_seckey *sk = test_key(3);
    const char *a = tpath("corpus.rpt");
    rpt_writer *w = NULL;
    CHECK_EQ_INT(rpt_writer_open_path(&w, a, 1, sk, NULL), RPT_OK);
    uint64_t in_bytes = 0;
    for (size_t i = 0; i < l.n; i++) {
        char full[8192];
        snprintf(full, sizeof full, "%s/%s", CORPUS, l.names[i]);
        size_t len = 0;
        uint8_t *data = slurp(full, &len);
        rpt_record_info info = {.name = l.names[i], .issued = 1000000000 + (int64_t)i, .title = "", .source = "corpus"};
        int rc = rpt_writer_add(w, &info, data, len);
        if (rc) fprintf(stderr, "%s\n", rpt_writer_error(w));
        CHECK_EQ_INT(rc, RPT_OK);
        in_bytes += len;
        free(data);
    }
    CHECK_EQ_INT(rpt_writer_close(w), RPT_OK);
    rpt_writer_free(w);

    rpt_reader *r = NULL;
    CHECK_EQ_INT(rpt_reader_open_path(&r, a, 0), RPT_OK);
    CHECK_EQ_INT(rpt_reader_count(r), l.n);
    size_t same = 0;
    for (size_t i = 0; i < l.n; i++) {
        char full[8192];
        snprintf(full, sizeof full, "%s/%s", CORPUS, l.names[i]);
        size_t len = 0;
        uint8_t *data = slurp(full, &len);
        uint64_t k;
        rpt_record rec;
        if (rpt_reader_find(r, l.names[i], &k) == RPT_OK && k == i &&
            rpt_reader_read(r, k, 0, &rec) == RPT_OK && rec.data_len == len &&
            memcmp(rec.data, data, len) == 0)
            same++;
        free(data);
    }
    CHECK_EQ_INT(same, l.n);
    rpt_verify_summary sum;
    CHECK_EQ_INT(rpt_reader_verify(r, NULL, NULL, &sum), RPT_OK);
    CHECK_EQ_INT(sum.ok, l.n);
    rpt_reader_free(r);
    stat(a, &st);
    printf("test_corpus: %zu records, %llu bytes in, %lld bytes archived (%.3f)\n", l.n,
           (unsigned long long)in_bytes, (long long)st.st_size, (double)st.st_size / (double)in_bytes);

    /* and once more through a pipe, in one pass */
    int fd = open(a, O_RDONLY);
    CHECK_EQ_INT(rpt_reader_open_fd(&r, fd, 0), RPT_OK);
    rpt_record rec;
    size_t n = 0;
    int rc;
    while ((rc = rpt_reader_next(r, &rec)) == RPT_OK)
        if (strcmp(rec.name, l.names[n]) == 0) n++;
    CHECK_EQ_INT(rc, 1);
    CHECK_EQ_INT(n, l.n);
    rpt_reader_free(r);
    close(fd);
    for (size_t i = 0; i < l.n; i++) free(l.names[i]);
    free(l.names);
    rpt_seckey_free(sk);
    t_cleanup();
    return t_done("test_corpus");
}
