/* SPDX-License-Identifier: ISC */
/* manifest.c -- reads rpt-pack's manifests: CSV (RFC 4180, a header line
 * naming the columns) or JSON Lines (one object a line), into rows. */
#include "manifest.h"
#include "fe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A manifest is a list of names and a few words each: 64 MiB is ample. */
#define MANIFEST_MAX (64u << 20)

enum field { F_PATH, F_NAME, F_ISSUED, F_TITLE, F_SOURCE, F_MEDIA, F_META, F_COUNT };
static const char *const field_names[F_META] = {"path", "name", "issued", "title", "source",
                                                "media_type"};

static int fail(char *err, size_t errlen, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, size_t line, const char *fmt, ...) {
    va_list ap;
    int k = snprintf(err, errlen, "line %zu: ", line);
    va_start(ap, fmt);
    if (k >= 0 && (size_t)k < errlen) vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
    va_end(ap);
    return -1;
}

static enum field field_of(const char *name) {
    for (int f = 0; f < F_META; f++)
        if (strcmp(name, field_names[f]) == 0) return (enum field)f;
    return strncmp(name, "meta.", 5) == 0 && name[5] ? F_META : F_COUNT;
}

/* Sets one value of a row; value is taken (and freed on failure). */
static int row_set(manifest_row *r, enum field f, const char *key, char *value, char *err,
                   size_t errlen) {
    char **slot[F_META] = {&r->path, &r->name, &r->issued, &r->title, &r->source, &r->media_type};
    if (!fe_utf8_text((const uint8_t *)value, strlen(value))) {
        free(value);
        return fail(err, errlen, r->line, "the %s is not UTF-8 text", f == F_META ? key : field_names[f]);
    }
    if (f != F_META) {
        if (*slot[f]) {
            free(value);
            return fail(err, errlen, r->line, "'%s' is given twice", field_names[f]);
        }
        *slot[f] = value;
        return 0;
    }
    if (strlen(key) > RPT_META_KEY_MAX || strlen(value) > RPT_META_VALUE_MAX ||
        r->n_meta == RPT_META_MAX) {
        free(value);
        return fail(err, errlen, r->line, "meta '%s' is over the limits (keys %d bytes, values %d, "
                    "%d pairs)", key, RPT_META_KEY_MAX, RPT_META_VALUE_MAX, RPT_META_MAX);
    }
    for (size_t i = 0; i < r->n_meta; i++)
        if (strcmp(r->meta[i].key, key) == 0) {
            free(value);
            return fail(err, errlen, r->line, "meta '%s' is given twice", key);
        }
    rpt_meta *m = realloc(r->meta, (r->n_meta + 1) * sizeof *m);
    char *k = strdup(key);
    if (!m || !k) fe_die(FE_EXIT_USAGE, "out of memory");
    r->meta = m;
    m[r->n_meta].key = k;
    m[r->n_meta++].value = value;
    return 0;
}

static void row_free(manifest_row *r) {
    free(r->path);
    free(r->name);
    free(r->issued);
    free(r->title);
    free(r->source);
    free(r->media_type);
    for (size_t i = 0; i < r->n_meta; i++) {
        free((char *)r->meta[i].key);
        free((char *)r->meta[i].value);
    }
    free(r->meta);
}

void manifest_free(manifest *m) {
    for (size_t i = 0; i < m->n; i++) row_free(&m->rows[i]);
    free(m->rows);
    m->rows = NULL;
    m->n = 0;
}

static manifest_row *new_row(manifest *m, size_t line) {
    manifest_row *v = realloc(m->rows, (m->n + 1) * sizeof *v);
    if (!v) fe_die(FE_EXIT_USAGE, "out of memory");
    m->rows = v;
    memset(&v[m->n], 0, sizeof v[m->n]);
    v[m->n].line = line;
    return &v[m->n++];
}

/* ---------------------------------------------------------------- CSV */

typedef struct csv {
    const char *p;
    size_t n, i, line;
} csv;

typedef struct cells {
    char **v;
    size_t n;
} cells;

static void cells_free(cells *c) {
    for (size_t i = 0; i < c->n; i++) free(c->v[i]);
    free(c->v);
    c->v = NULL;
    c->n = 0;
}

static void cells_push(cells *c, char *s) {
    char **v = realloc(c->v, (c->n + 1) * sizeof *v);
    if (!v) fe_die(FE_EXIT_USAGE, "out of memory");
    c->v = v;
    c->v[c->n++] = s;
}

/* One field, quoted or not, up to the ',' or line end after it. */
static int csv_field(csv *c, fe_text *t, size_t start, char *err, size_t errlen) {
    if (c->i < c->n && c->p[c->i] == '"') {
        c->i++;
        for (;;) {
            if (c->i >= c->n) return fail(err, errlen, start, "a quoted field is not closed");
            char ch = c->p[c->i++];
            if (ch == '"') {
                if (c->i < c->n && c->p[c->i] == '"') c->i++;
                else break;
            }
            if (ch == '\n') c->line++;
            fe_text_put(t, &ch, 1);
        }
        if (c->i < c->n && c->p[c->i] != ',' && c->p[c->i] != '\n' && c->p[c->i] != '\r')
            return fail(err, errlen, c->line, "text after a closing quote");
        return 0;
    }
    size_t s = c->i;
    while (c->i < c->n && c->p[c->i] != ',' && c->p[c->i] != '\n' && c->p[c->i] != '\r') {
        if (c->p[c->i] == '"')
            return fail(err, errlen, c->line, "a quote inside a field that does not start "
                        "with one (quote the whole field and double the quote)");
        c->i++;
    }
    fe_text_put(t, c->p + s, c->i - s);
    return 0;
}

/* One record. Returns 1, 0 at the end of the input, or -1. */
static int csv_record(csv *c, cells *out, size_t *start, char *err, size_t errlen) {
    *start = c->line;
    if (c->i >= c->n) return 0;
    for (;;) {
        fe_text t = {0};
        if (csv_field(c, &t, *start, err, errlen) != 0) {
            free(t.p);
            cells_free(out);
            return -1;
        }
        cells_push(out, fe_text_take(&t));
        if (c->i < c->n && c->p[c->i] == ',') {
            c->i++;
            continue;
        }
        if (c->i < c->n && c->p[c->i] == '\r') c->i++;
        if (c->i < c->n && c->p[c->i] == '\n') c->i++;
        else if (c->i < c->n) {
            cells_free(out);
            return fail(err, errlen, c->line, "a carriage return inside an unquoted field");
        }
        c->line++;
        return 1;
    }
}

static int csv_header(csv *c, cells *head, enum field *cols, char *err, size_t errlen) {
    size_t line;
    int have_path = 0;
    int rc = csv_record(c, head, &line, err, errlen);
    if (rc <= 0) return rc < 0 ? -1 : fail(err, errlen, 1, "no header line");
    for (size_t k = 0; k < head->n; k++) {
        cols[k] = field_of(head->v[k]);
        if (cols[k] == F_COUNT)
            return fail(err, errlen, line, "unknown column '%s' (known: path, name, issued, title, "
                        "source, media_type, meta.KEY)", head->v[k]);
        for (size_t j = 0; j < k; j++)
            if (strcmp(head->v[j], head->v[k]) == 0)
                return fail(err, errlen, line, "column '%s' is named twice", head->v[k]);
        have_path |= cols[k] == F_PATH;
    }
    return have_path ? 0 : fail(err, errlen, line, "no 'path' column");
}

static int csv_load(const char *p, size_t n, manifest *m, char *err, size_t errlen) {
    csv c = {p, n, 0, 1};
    cells head = {0}, row = {0};
    enum field *cols;
    int rc;
    if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) c.i = 3; /* a BOM from a spreadsheet */
    cols = calloc(n + 1, sizeof *cols);
    if (!cols) fe_die(FE_EXIT_USAGE, "out of memory");
    rc = csv_header(&c, &head, cols, err, errlen);
    for (size_t line; rc == 0 && (rc = csv_record(&c, &row, &line, err, errlen)) == 1; cells_free(&row)) {
        rc = 0;
        if (row.n == 1 && !*row.v[0]) continue; /* a blank line */
        if (row.n != head.n) {
            rc = fail(err, errlen, line, "%zu fields; the header has %zu", row.n, head.n);
            break;
        }
        manifest_row *r = new_row(m, line);
        for (size_t k = 0; k < row.n && rc == 0; k++) {
            if (!*row.v[k]) continue; /* an empty cell gives nothing */
            rc = row_set(r, cols[k], cols[k] == F_META ? head.v[k] + 5 : head.v[k], row.v[k],
                         err, errlen);
            row.v[k] = NULL;
        }
        if (rc == 0 && !r->path) rc = fail(err, errlen, line, "no path");
    }
    cells_free(&row);
    cells_free(&head);
    free(cols);
    return rc < 0 ? -1 : 0;
}

/* ---------------------------------------------------------------- JSON Lines */

typedef struct json {
    const char *p;
    size_t n, i, line;
    char *err;
    size_t errlen;
} json;

static void j_ws(json *j) {
    while (j->i < j->n && (j->p[j->i] == ' ' || j->p[j->i] == '\t' || j->p[j->i] == '\r')) j->i++;
}

static int j_hex4(json *j, unsigned *v) {
    *v = 0;
    if (j->n - j->i < 4) return -1;
    for (int k = 0; k < 4; k++) {
        char ch = j->p[j->i++];
        int d = ch >= '0' && ch <= '9' ? ch - '0' : (ch | 0x20) >= 'a' && (ch | 0x20) <= 'f' ? (ch | 0x20) - 'a' + 10 : -1;
        if (d < 0) return -1;
        *v = *v << 4 | (unsigned)d;
    }
    return 0;
}

static void put_utf8(fe_text *t, unsigned cp) {
    char b[4];
    size_t n;
    if (cp < 0x80) b[0] = (char)cp, n = 1;
    else if (cp < 0x800) b[0] = (char)(0xc0 | cp >> 6), b[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
    else if (cp < 0x10000)
        b[0] = (char)(0xe0 | cp >> 12), b[1] = (char)(0x80 | (cp >> 6 & 0x3f)),
        b[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
    else
        b[0] = (char)(0xf0 | cp >> 18), b[1] = (char)(0x80 | (cp >> 12 & 0x3f)),
        b[2] = (char)(0x80 | (cp >> 6 & 0x3f)), b[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
    fe_text_put(t, b, n);
}

static int j_escape(json *j, fe_text *t) {
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    unsigned cp, lo;
    char e = j->i < j->n ? j->p[j->i++] : 0;
    const char *k = e ? strchr(from, e) : NULL;
    if (k) {
        fe_text_put(t, &to[k - from], 1);
        return 0;
    }
    if (e != 'u' || j_hex4(j, &cp)) return fail(j->err, j->errlen, j->line, "a bad escape in a string");
    if (cp >= 0xd800 && cp <= 0xdbff) { /* a surrogate pair */
        if (j->n - j->i < 2 || j->p[j->i] != '\\' || j->p[j->i + 1] != 'u') return -2;
        j->i += 2;
        if (j_hex4(j, &lo) || lo < 0xdc00 || lo > 0xdfff) return -2;
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
    } else if (cp >= 0xdc00 && cp <= 0xdfff) {
        return -2;
    }
    if (cp == 0) return fail(j->err, j->errlen, j->line, "a NUL character in a string");
    put_utf8(t, cp);
    return 0;
}

static int j_string(json *j, char **out) {
    fe_text t = {0};
    if (j->i >= j->n || j->p[j->i] != '"') return fail(j->err, j->errlen, j->line, "a string was expected");
    j->i++;
    for (;;) {
        if (j->i >= j->n) {
            free(t.p);
            return fail(j->err, j->errlen, j->line, "a string is not closed");
        }
        char ch = j->p[j->i++];
        if (ch == '"') break;
        if ((unsigned char)ch < 0x20) {
            free(t.p);
            return fail(j->err, j->errlen, j->line, "a control character in a string");
        }
        if (ch != '\\') {
            fe_text_put(&t, &ch, 1);
            continue;
        }
        int rc = j_escape(j, &t);
        if (rc) {
            free(t.p);
            return rc == -2 ? fail(j->err, j->errlen, j->line, "a lone UTF-16 surrogate") : -1;
        }
    }
    *out = fe_text_take(&t);
    return 0;
}

/* A whole number for "issued", as "@SECONDS". */
static int j_number(json *j, char **out) {
    size_t s = j->i;
    if (j->i < j->n && j->p[j->i] == '-') j->i++;
    while (j->i < j->n && j->p[j->i] >= '0' && j->p[j->i] <= '9') j->i++;
    if (j->i == s || (j->p[j->i - 1] == '-') || j->i - s > 19 ||
        (j->i < j->n && (j->p[j->i] == '.' || (j->p[j->i] | 0x20) == 'e')))
        return fail(j->err, j->errlen, j->line, "\"issued\" wants whole seconds or an ISO 8601 string");
    *out = malloc(j->i - s + 2);
    if (!*out) fe_die(FE_EXIT_USAGE, "out of memory");
    (*out)[0] = '@';
    memcpy(*out + 1, j->p + s, j->i - s);
    (*out)[j->i - s + 1] = '\0';
    return 0;
}

static int j_literal(json *j, const char *lit) {
    size_t n = strlen(lit);
    if (j->n - j->i >= n && memcmp(j->p + j->i, lit, n) == 0) {
        j->i += n;
        return 1;
    }
    return 0;
}

/* Calls back for each member of an object: key, then the parser sits at
 * the value. */
typedef int (*member_fn)(json *j, const char *key, manifest_row *r);

static int j_object(json *j, manifest_row *r, member_fn fn) {
    j_ws(j);
    if (j->i >= j->n || j->p[j->i] != '{') return fail(j->err, j->errlen, j->line, "a JSON object was expected");
    j->i++;
    j_ws(j);
    if (j->i < j->n && j->p[j->i] == '}') {
        j->i++;
        return 0;
    }
    for (;;) {
        char *key;
        j_ws(j);
        if (j_string(j, &key)) return -1;
        j_ws(j);
        if (j->i >= j->n || j->p[j->i] != ':') {
            free(key);
            return fail(j->err, j->errlen, j->line, "':' was expected after a key");
        }
        j->i++;
        j_ws(j);
        int rc = fn(j, key, r);
        free(key);
        if (rc) return -1;
        j_ws(j);
        if (j->i < j->n && j->p[j->i] == ',') {
            j->i++;
            continue;
        }
        if (j->i < j->n && j->p[j->i] == '}') {
            j->i++;
            return 0;
        }
        return fail(j->err, j->errlen, j->line, "',' or '}' was expected");
    }
}

static int meta_member(json *j, const char *key, manifest_row *r) {
    char *v;
    if (j_literal(j, "null")) return 0;
    if (j_string(j, &v)) return -1;
    return row_set(r, F_META, key, v, j->err, j->errlen);
}

static int row_member(json *j, const char *key, manifest_row *r) {
    enum field f = strcmp(key, "meta") == 0 ? F_COUNT + 1 : field_of(key);
    char *v = NULL;
    if (f == F_COUNT)
        return fail(j->err, j->errlen, j->line, "unknown key '%s' (known: path, name, issued, "
                    "title, source, media_type, meta, meta.KEY)", key);
    if (j_literal(j, "null")) return 0;
    if (f == F_COUNT + 1) return j_object(j, r, meta_member);
    if (f == F_ISSUED && j->i < j->n && j->p[j->i] != '"') {
        if (j_number(j, &v)) return -1;
    } else if (j_string(j, &v)) {
        return -1;
    }
    if (!*v) { /* "" gives nothing, as an empty CSV cell */
        free(v);
        return 0;
    }
    return row_set(r, f, f == F_META ? key + 5 : key, v, j->err, j->errlen);
}

static int jsonl_load(const char *p, size_t n, manifest *m, char *err, size_t errlen) {
    size_t i = 0, line = 1;
    while (i < n) {
        size_t e = i;
        while (e < n && p[e] != '\n') e++;
        json j = {p + i, e - i, 0, line, err, errlen};
        j_ws(&j);
        if (j.i < j.n) {
            manifest_row *r = new_row(m, line);
            if (j_object(&j, r, row_member)) return -1;
            j_ws(&j);
            if (j.i < j.n) return fail(err, errlen, line, "text after the object");
            if (!r->path) return fail(err, errlen, line, "no \"path\"");
        }
        i = e + 1;
        line++;
    }
    return 0;
}

/* ---------------------------------------------------------------- loading */

static int ends_with(const char *s, const char *tail) {
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && strcmp(s + a - b, tail) == 0;
}

int manifest_load(const char *path, manifest *m, char *err, size_t errlen) {
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    uint8_t *data;
    size_t len, k = 0;
    int rc, is_json;
    memset(m, 0, sizeof *m);
    if (fd < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    rc = fe_read_fd(fd, MANIFEST_MAX, &data, &len);
    if (fd != STDIN_FILENO) close(fd);
    if (rc == -2) {
        snprintf(err, errlen, "larger than %u bytes", MANIFEST_MAX);
        return -1;
    }
    if (rc) {
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    if (memchr(data, 0, len)) {
        free(data);
        snprintf(err, errlen, "holds a NUL byte: not a CSV or JSON Lines text");
        return -1;
    }
    while (k < len && (data[k] == ' ' || data[k] == '\t' || data[k] == '\r' || data[k] == '\n')) k++;
    if (ends_with(path, ".csv")) is_json = 0;
    else if (ends_with(path, ".jsonl") || ends_with(path, ".ndjson") || ends_with(path, ".json")) is_json = 1;
    else is_json = k < len && data[k] == '{';
    rc = is_json ? jsonl_load((const char *)data, len, m, err, errlen)
                 : csv_load((const char *)data, len, m, err, errlen);
    free(data);
    if (rc) manifest_free(m);
    return rc;
}
