/* SPDX-License-Identifier: ISC */
/* fe.c -- the shared front end of the rpt tools. Only tools/ turn library
 * codes into words and exit statuses; this file is where that happens. */
#include "fe.h"

#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

const char *fe_progname = "rpt";
static double fe_started; /* a job's time counts from the program's start */

void fe_init(const char *argv0) {
    if (argv0 && *argv0) {
        const char *slash = strrchr(argv0, '/');
        fe_progname = slash ? slash + 1 : argv0;
    }
    fe_started = fe_clock();
    if (rpt_init() != RPT_OK) {
        fprintf(stderr, "%s: libsodium could not be initialised\n", fe_progname);
        exit(FE_EXIT_USAGE);
    }
}

/* Every message goes through fe_put_safe() whole: its arguments are names,
 * titles and paths from archives and command lines, and the library's
 * details quote them too, so no caller has to remember to escape. */
static void vwarn(const char *fmt, va_list ap) {
    char small[1024], *msg = small;
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n >= (int)sizeof small && (msg = malloc((size_t)n + 1)) != NULL)
        vsnprintf(msg, (size_t)n + 1, fmt, again);
    va_end(again);
    if (!msg) msg = small; /* cut short rather than not said */
    fflush(stdout);
    fprintf(stderr, "%s: ", fe_progname);
    if (n > 0) fe_put_safe(stderr, msg, strlen(msg));
    fputc('\n', stderr);
    if (msg != small) free(msg);
}

void fe_warn(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vwarn(fmt, ap);
    va_end(ap);
}

void fe_die(int status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vwarn(fmt, ap);
    va_end(ap);
    exit(status);
}

void fe_usage_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vwarn(fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try '%s --help' for more information.\n", fe_progname);
    exit(FE_EXIT_USAGE);
}

/* ---------------------------------------------------------------- text */
void fe_text_put(fe_text *t, const void *s, size_t n) {
    if (t->n + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 64;
        while (cap < t->n + n + 1) cap *= 2;
        char *q = realloc(t->p, cap);
        if (!q) fe_die(FE_EXIT_USAGE, "out of memory");
        t->p = q;
        t->cap = cap;
    }
    if (n) memcpy(t->p + t->n, s, n);
    t->n += n;
    t->p[t->n] = '\0';
}

char *fe_text_take(fe_text *t) {
    fe_text_put(t, "", 0);
    char *s = t->p;
    memset(t, 0, sizeof *t);
    return s;
}

/* ---------------------------------------------------------------- options */
/* Edit distance between a and b, capped: enough to rank near misses. */
static size_t edit_distance(const char *a, size_t na, const char *b) {
    size_t nb = strlen(b), row[64];
    if (na >= 63 || nb >= 63) return SIZE_MAX;
    for (size_t j = 0; j <= nb; j++) row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

/* The long option nearest to what was typed ("--sorce" -> "source"), or
 * NULL when nothing is near enough to be a typo. */
static const char *nearest_option(const char *typed, const struct option *longopts) {
    size_t n = strcspn(typed, "=");
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (const struct option *o = longopts; o && o->name; o++) {
        size_t d = edit_distance(typed, n, o->name);
        /* on a tie, the one that starts as typed: "sorce" is "source" */
        if (d < best_d || (d == best_d && best && best[0] != typed[0] && o->name[0] == typed[0]))
            best_d = d, best = o->name;
    }
    size_t limit = n <= 4 ? 1 : 2;
    return best_d <= limit ? best : NULL;
}

/* What to call the option getopt stopped at, for a message. */
static void option_text(char **argv, int optindex, int opt, char *buf, size_t cap) {
    const char *arg = optindex > 0 ? argv[optindex - 1] : NULL;
    if (opt > 0 && opt < 128 && (!arg || strncmp(arg, "--", 2) != 0))
        snprintf(buf, cap, "-%c", opt);
    else if (arg)
        snprintf(buf, cap, "%.*s", (int)strcspn(arg, "="), arg);
    else
        snprintf(buf, cap, "?");
}

int fe_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts) {
    char spec[128];
    /* a leading ':' tells a missing argument (':') from an unknown option */
    snprintf(spec, sizeof spec, ":%s", shortopts);
    opterr = 0;
    int c = getopt_long(argc, argv, spec, longopts, NULL);
    if (c != '?' && c != ':') return c;
    char what[96];
    option_text(argv, optind, optopt, what, sizeof what);
    if (c == ':') fe_usage_error("option '%s' needs an argument", what);
    const char *near = NULL;
    if (strncmp(what, "--", 2) == 0) {
        for (const struct option *o = longopts; o && o->name; o++)
            if (strcmp(o->name, what + 2) == 0 && o->has_arg == no_argument)
                fe_usage_error("option '%s' takes no argument", what);
        near = nearest_option(what + 2, longopts);
    }
    if (near) fe_usage_error("unknown option '%s'; did you mean '--%s'?", what, near);
    fe_usage_error("unknown option '%s'", what);
    return '?';
}

void fe_print_version(void) {
    printf("%s %s (libarchive_rpt %s)\n", fe_progname, rpt_version(),
           rpt_version());
    exit(FE_EXIT_OK);
}

int fe_exit_status(int code) {
    switch (code) {
    case RPT_OK:
        return FE_EXIT_OK;
    case RPT_E_BADSIG:
    case RPT_E_DIGEST:
        return FE_EXIT_AUTH;
    case RPT_E_FORMAT:
    case RPT_E_TRUNCATED:
    case RPT_E_LIMIT:
    case RPT_E_UNSUPPORTED:
    case RPT_E_NOSEAL:
        return FE_EXIT_DAMAGED;
    case RPT_E_UNTRUSTED:
        return FE_EXIT_UNTRUSTED;
    case RPT_E_BUSY:
        return FE_EXIT_BUSY;
    default:
        return FE_EXIT_USAGE;
    }
}

static int severity(int status) {
    switch (status) {
    case FE_EXIT_OK: return 0;
    case FE_EXIT_UNTRUSTED: return 1;
    case FE_EXIT_AUTH: return 2;
    case FE_EXIT_DAMAGED: return 3;
    default: return 4;
    }
}

int fe_worse(int a, int b) { return severity(b) > severity(a) ? b : a; }

void fe_note_appending(const char *archive, const rpt_archive_info *in, const char *done) {
    if (!in->appending) return;
    fe_warn("note: %s: another process is appending to it; %s as of generation %zu, "
            "the newest complete one (%llu bytes of the append not read)",
            archive, done, in->n_generations, (unsigned long long)in->appending_bytes);
}

int fe_report_tail(const char *archive, rpt_reader *r) {
    rpt_archive_info in;
    int rc = rpt_reader_info(r, &in);
    if (rc != RPT_OK) return fe_exit_status(rc);
    fe_note_appending(archive, &in, "read");
    if (in.tail_status == RPT_OK) return FE_EXIT_OK;
    if (in.tail_seals)
        fe_warn("%s: %llu bytes after the trailer of generation %zu are not part of the sealed "
                "archive (%s): they hold a newer seal, so generation %zu, the one read, is not "
                "the newest",
                archive, (unsigned long long)in.tail_bytes, in.n_generations,
                rpt_strerror(in.tail_status), in.n_generations);
    else if (in.tail_status == RPT_E_TRUNCATED)
        fe_warn("%s: %llu bytes after the trailer of generation %zu are not part of the sealed "
                "archive: an incomplete generation, an append that did not finish "
                "(rpt-pack --append cuts it off)",
                archive, (unsigned long long)in.tail_bytes, in.n_generations);
    else
        fe_warn("%s: %llu bytes after the trailer of generation %zu are not part of the sealed "
                "archive (%s)",
                archive, (unsigned long long)in.tail_bytes, in.n_generations,
                rpt_strerror(in.tail_status));
    return fe_exit_status(in.tail_status);
}

/* ---------------------------------------------------------------- passphrases */

#define PASS_MAX 1024

static int tty_fd = -1;
static struct termios tty_saved;
static volatile sig_atomic_t tty_changed;

/* A signal while echo is off must not leave the terminal silent. */
static void tty_restore_signal(int sig) {
    if (tty_changed) tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
    signal(sig, SIG_DFL);
    raise(sig);
}

static int tty_read_line(const char *prompt, char *buf, size_t cap, size_t *len) {
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};
    struct sigaction sa, old[sizeof sigs / sizeof sigs[0]];
    struct termios t;
    size_t n = 0;
    int rc = 0;

    if (tcgetattr(tty_fd, &tty_saved) != 0) return -1;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = tty_restore_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, &old[i]);
    t = tty_saved;
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK);
    t.c_lflag |= ECHONL | ICANON;
    if (tcsetattr(tty_fd, TCSAFLUSH, &t) != 0) rc = -1;
    else tty_changed = 1;
    /* The prompt comes once echo is off and old input is flushed: what is
     * typed after it shows is neither echoed nor thrown away. */
    if (rc == 0 && write(tty_fd, prompt, strlen(prompt)) < 0) rc = -1;
    while (rc == 0) {
        char c;
        ssize_t got = read(tty_fd, &c, 1);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0 || c == '\n') break;
        if (n + 1 >= cap) { rc = -2; break; }
        buf[n++] = c;
    }
    if (n > 0 && buf[n - 1] == '\r') n--;
    buf[n] = '\0';
    if (tty_changed) {
        tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
        tty_changed = 0;
    }
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &old[i], NULL);
    *len = n;
    return rc;
}

static int pass_from_file(const char *file, fe_pass *out) {
    int fd = strcmp(file, "-") == 0 ? STDIN_FILENO : open(file, O_RDONLY | O_CLOEXEC);
    size_t n = 0;
    if (fd < 0) {
        fe_warn("cannot open passphrase file '%s': %s", file, strerror(errno));
        return FE_EXIT_USAGE;
    }
    for (;;) {
        ssize_t got = read(fd, out->p + n, PASS_MAX + 1 - n);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            fe_warn("cannot read passphrase file '%s': %s", file, strerror(errno));
            if (fd != STDIN_FILENO) close(fd);
            return FE_EXIT_USAGE;
        }
        if (got == 0) break;
        n += (size_t)got;
        if (n > PASS_MAX) {
            fe_warn("passphrase file '%s' is longer than %d bytes", file, PASS_MAX);
            if (fd != STDIN_FILENO) close(fd);
            return FE_EXIT_USAGE;
        }
    }
    if (fd != STDIN_FILENO) close(fd);
    /* One trailing newline is the file's, not the passphrase's. */
    if (n > 0 && out->p[n - 1] == '\n') {
        n--;
        if (n > 0 && out->p[n - 1] == '\r') n--;
    }
    out->p[n] = '\0';
    out->len = n;
    return 0;
}

int fe_pass_get(const char *file, const char *prompt, int confirm, fe_pass *out) {
    char *again = NULL;
    size_t again_len = 0;
    int rc;

    out->len = 0;
    out->p = sodium_malloc(PASS_MAX + 2);
    if (!out->p) {
        fe_warn("out of memory");
        return FE_EXIT_USAGE;
    }
    if (file) {
        rc = pass_from_file(file, out);
        if (rc) fe_pass_free(out);
        return rc;
    }
    tty_fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (tty_fd < 0) {
        fe_warn("no terminal to ask for the passphrase on; use --passphrase-file FILE");
        fe_pass_free(out);
        return FE_EXIT_USAGE;
    }
    rc = tty_read_line(prompt, out->p, PASS_MAX + 1, &out->len);
    if (rc == 0 && confirm) {
        again = sodium_malloc(PASS_MAX + 2);
        if (!again) rc = -1;
        else rc = tty_read_line("Passphrase (again): ", again, PASS_MAX + 1, &again_len);
        if (rc == 0 && (again_len != out->len ||
                        sodium_memcmp(again, out->p, out->len) != 0)) {
            sodium_free(again);
            close(tty_fd);
            tty_fd = -1;
            fe_pass_free(out);
            fe_warn("the passphrases do not match");
            return FE_EXIT_USAGE;
        }
        if (again) sodium_free(again);
    }
    close(tty_fd);
    tty_fd = -1;
    if (rc != 0) {
        if (rc == -2) fe_warn("passphrase longer than %d bytes", PASS_MAX);
        else fe_warn("cannot read the passphrase from the terminal");
        fe_pass_free(out);
        return FE_EXIT_USAGE;
    }
    return 0;
}

void fe_pass_free(fe_pass *pw) {
    if (pw->p) sodium_free(pw->p); /* sodium_free wipes before freeing */
    pw->p = NULL;
    pw->len = 0;
}

/* ---------------------------------------------------------------- keys */

static int keys_push(fe_keys *ks, const rpt_pubkey *pk) {
    if (ks->n == ks->cap) {
        size_t cap = ks->cap ? ks->cap * 2 : 4;
        rpt_pubkey *k = realloc(ks->k, cap * sizeof *k);
        if (!k) {
            fe_warn("out of memory");
            return FE_EXIT_USAGE;
        }
        ks->k = k;
        ks->cap = cap;
    }
    ks->k[ks->n++] = *pk;
    return 0;
}

int fe_keys_add_file(fe_keys *ks, const char *path) {
    rpt_pubkey pk;
    char err[256] = "";
    int rc = rpt_pubkey_load(path, &pk, err, sizeof err);
    if (rc != RPT_OK) {
        fe_warn("public key '%s': %s", path, *err ? err : rpt_strerror(rc));
        return FE_EXIT_USAGE;
    }
    return keys_push(ks, &pk);
}

int fe_keys_add_base64(fe_keys *ks, const char *b64) {
    rpt_pubkey pk;
    char err[256] = "";
    int rc = rpt_pubkey_parse(b64, strlen(b64), &pk, err, sizeof err);
    if (rc != RPT_OK) {
        fe_warn("public key '%s': %s", b64, *err ? err : rpt_strerror(rc));
        return FE_EXIT_USAGE;
    }
    return keys_push(ks, &pk);
}

int fe_keys_trust(const fe_keys *ks, rpt_reader *r) {
    for (size_t i = 0; i < ks->n; i++) {
        int rc = rpt_reader_trust(r, &ks->k[i]);
        if (rc != RPT_OK) {
            fe_warn("cannot trust key: %s", rpt_strerror(rc));
            return FE_EXIT_USAGE;
        }
    }
    return 0;
}

int fe_keys_none(const fe_keys *ks, int status, int say) {
    if (ks->n > 0) return status;
    if (say)
        fe_warn("no key was trusted: the signatures match the archive's own keys, "
                "which proves integrity, not the signer; give -p PUBFILE or -P KEY");
    return fe_worse(status, FE_EXIT_UNTRUSTED);
}

void fe_keys_free(fe_keys *ks) {
    free(ks->k);
    ks->k = NULL;
    ks->n = ks->cap = 0;
}

/* ---------------------------------------------------------------- time */

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int digits(const char **s, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if ((*s)[i] < '0' || (*s)[i] > '9') return -1;
        v = v * 10 + ((*s)[i] - '0');
    }
    *s += n;
    *out = v;
    return 0;
}

int fe_time_parse(const char *s, int64_t *out) {
    int y, mo, d, h = 0, mi = 0, sec = 0;
    int64_t off = 0;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (*s == '@') {
        char *end;
        errno = 0;
        long long v = strtoll(s + 1, &end, 10);
        if (errno || end == s + 1 || *end) return -1;
        *out = v;
        return 0;
    }
    if (digits(&s, 4, &y) || *s++ != '-' || digits(&s, 2, &mo) || *s++ != '-' ||
        digits(&s, 2, &d))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1]) return -1;
    if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
        return -1;
    if (*s == 'T' || *s == 't' || *s == ' ') {
        s++;
        if (digits(&s, 2, &h) || *s++ != ':' || digits(&s, 2, &mi)) return -1;
        if (*s == ':') {
            s++;
            if (digits(&s, 2, &sec)) return -1;
            if (*s == '.' || *s == ',') { /* fractions of a second: dropped */
                s++;
                if (*s < '0' || *s > '9') return -1;
                while (*s >= '0' && *s <= '9') s++;
            }
        }
        if (h > 23 || mi > 59 || sec > 60) return -1;
        if (sec == 60) sec = 59; /* a leap second: Unix time has none */
        if (*s == 'Z' || *s == 'z') {
            s++;
        } else if (*s == '+' || *s == '-') {
            int sign = *s++ == '-' ? -1 : 1, oh, om = 0;
            if (digits(&s, 2, &oh)) return -1;
            if (*s == ':') s++;
            if (*s && digits(&s, 2, &om)) return -1;
            if (oh > 23 || om > 59) return -1;
            off = sign * (int64_t)(oh * 3600 + om * 60);
        }
    }
    if (*s) return -1;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
    return 0;
}

void fe_time_format(int64_t t, char buf[FE_TIME_BYTES]) {
    int64_t days = t / 86400, rem = t % 86400, y;
    int m, d;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        snprintf(buf, FE_TIME_BYTES, "@%lld", (long long)t);
        return;
    }
    snprintf(buf, FE_TIME_BYTES, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, m, d,
             (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
}

int fe_now(int64_t *out, int *from_env) {
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (from_env) *from_env = 0;
    if (sde && *sde) {
        char *end;
        errno = 0;
        long long v = strtoll(sde, &end, 10);
        if (errno || *end || v < 0) return -1;
        *out = v;
        if (from_env) *from_env = 1;
        return 0;
    }
    *out = (int64_t)time(NULL);
    return 0;
}

/* ---------------------------------------------------------------- text */

/* Length of the valid UTF-8 sequence at p (n bytes left), or 0. */
static size_t utf8_seq(const uint8_t *p, size_t n) {
    uint8_t c = p[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) { len = 2; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { len = 3; cp = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { len = 4; cp = c & 0x07; }
    else return 0;
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80) return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

int fe_utf8_text(const uint8_t *p, size_t n) {
    size_t i = 0;
    while (i < n) {
        size_t l;
        if (p[i] == 0) return 0;
        l = utf8_seq(p + i, n - i);
        if (!l) return 0;
        i += l;
    }
    return 1;
}

void fe_json_str(FILE *f, const char *s, size_t n) {
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0;
    fputc('"', f);
    while (i < n) {
        uint8_t c = p[i];
        size_t l;
        if (c == '"' || c == '\\') {
            fputc('\\', f);
            fputc(c, f);
            i++;
        } else if (c == '\n') { fputs("\\n", f); i++; }
        else if (c == '\t') { fputs("\\t", f); i++; }
        else if (c == '\r') { fputs("\\r", f); i++; }
        else if (c < 0x20 || c == 0x7f) { fprintf(f, "\\u%04x", c); i++; }
        else if ((l = utf8_seq(p + i, n - i)) != 0) {
            fwrite(p + i, 1, l, f);
            i += l;
        } else {
            fputs("\\ufffd", f);
            i++;
        }
    }
    fputc('"', f);
}

void fe_json_cstr(FILE *f, const char *s) { fe_json_str(f, s ? s : "", s ? strlen(s) : 0); }

void fe_hex(FILE *f, const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) fprintf(f, "%02x", p[i]);
}

/* The one rule of rpt_name_check() that a normalised name breaks, said
 * plainly: a person fixes one thing at a time. */
static const char *name_problem(const uint8_t *s, size_t n) {
    if (n > RPT_NAME_MAX) return "the name is longer than 4096 bytes, the most a record name holds";
    for (size_t i = 0; i < n;) {
        size_t l = utf8_seq(s + i, n - i);
        if (!l) return "the name is not valid UTF-8";
        if (s[i] < 0x20 || s[i] == 0x7f) return "the name holds a control character";
        if (s[i] == '\\') return "the name holds a backslash";
        if (l == 2 && s[i] == 0xc2 && s[i + 1] <= 0x9f) return "the name holds a C1 control character";
        if (l == 3 && s[i] == 0xe2 && ((s[i + 1] == 0x80 && s[i + 2] >= 0xaa && s[i + 2] <= 0xae) ||
                                       (s[i + 1] == 0x81 && s[i + 2] >= 0xa6 && s[i + 2] <= 0xa9)))
            return "the name holds a bidirectional control character";
        i += l;
    }
    return "not a valid record name";
}

char *fe_name_normalise(const char *path, const char **why) {
    size_t n = strlen(path), o = 0;
    char *out;
    const char *p = path;

    if (n == 0) {
        *why = "empty name";
        return NULL;
    }
    if (path[0] == '/') {
        *why = "absolute path (leading '/'); give a relative path";
        return NULL;
    }
    out = malloc(n + 1);
    if (!out) {
        *why = "out of memory";
        return NULL;
    }
    while (*p) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            free(out);
            *why = "a '..' component would leave the extraction directory";
            return NULL;
        }
        if (len > 0 && !(len == 1 && p[0] == '.')) {
            if (o) out[o++] = '/';
            memcpy(out + o, p, len);
            o += len;
        }
        p += len;
        if (*p == '/') p++;
    }
    out[o] = '\0';
    if (o == 0) {
        free(out);
        *why = "empty name";
        return NULL;
    }
    if (rpt_name_check(out, o) != RPT_OK) {
        *why = name_problem((const uint8_t *)out, o);
        free(out);
        return NULL;
    }
    return out;
}

void fe_grow(void *pp, size_t *cap, size_t need, size_t elem, size_t first) {
    if (need <= *cap) return;
    size_t nc = *cap ? *cap : first;
    while (nc < need) {
        if (nc > SIZE_MAX / 2 / elem) fe_die(FE_EXIT_USAGE, "out of memory");
        nc *= 2;
    }
    void *p; /* *pp is a T *, for whatever T: copied as bytes, not cast */
    memcpy(&p, pp, sizeof p);
    if (!(p = realloc(p, nc * elem))) fe_die(FE_EXIT_USAGE, "out of memory");
    memcpy(pp, &p, sizeof p);
    *cap = nc;
}

const char *fe_file_kind(unsigned mode) {
    return S_ISDIR(mode) ? "a directory" : S_ISLNK(mode) ? "a symbolic link"
           : S_ISFIFO(mode) ? "a FIFO" : S_ISREG(mode) ? "a regular file" : "a device or socket";
}

void fe_bytes_human(uint64_t n, char buf[32]) {
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    int u = 0;
    if (n < 1024) {
        snprintf(buf, 32, "%llu B", (unsigned long long)n);
        return;
    }
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    snprintf(buf, 32, "%.1f %s", v, units[u]);
}

/* ---------------------------------------------------------------- progress */

double fe_clock(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void fe_progress_start(fe_progress *pg, int quiet, uint64_t items, uint64_t bytes) {
    memset(pg, 0, sizeof *pg);
    /* a dumb terminal cannot redraw a line in place */
    const char *term = getenv("TERM");
    pg->enabled = !quiet && isatty(STDERR_FILENO) && !(term && strcmp(term, "dumb") == 0);
    pg->start = fe_started > 0 ? fe_started : fe_clock();
    pg->total_items = items;
    pg->total_bytes = bytes;
}

void fe_progress_update(fe_progress *pg, uint64_t items, uint64_t bytes) {
    double now, el, rate;
    char done[32], rbuf[32], left[32] = "";
    if (!pg->enabled) return;
    now = fe_clock();
    el = now - pg->start;
    /* Quick jobs print nothing; long ones redraw five times a second. */
    if (el < 1.0 || (pg->shown && now - pg->last < 0.2 && items < pg->total_items))
        return;
    pg->last = now;
    rate = (double)bytes / el;
    fe_bytes_human(bytes, done);
    fe_bytes_human((uint64_t)rate, rbuf);
    if (rate > 0 && pg->total_bytes > bytes) {
        double s = (double)(pg->total_bytes - bytes) / rate;
        snprintf(left, sizeof left, ", %d:%02d left", (int)(s / 60), (int)s % 60);
    }
    fprintf(stderr, "\r%s: %llu/%llu records, %s, %s/s%s\033[K", fe_progname,
            (unsigned long long)items, (unsigned long long)pg->total_items, done,
            rbuf, left);
    fflush(stderr);
    pg->shown = 1;
}

void fe_progress_end(fe_progress *pg) {
    if (pg->shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    pg->shown = 0;
}

/* ---------------------------------------------------------------- files */

int fe_read_fd(int fd, size_t max, uint8_t **out, size_t *len) {
    size_t n = 0, cap = 65536;
    uint8_t *buf = malloc(cap);
    if (!buf) return -1;
    for (;;) {
        ssize_t got;
        if (n == cap) {
            uint8_t *nb;
            if (cap > max) {
                free(buf);
                return -2;
            }
            cap *= 2;
            nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                errno = ENOMEM;
                return -1;
            }
            buf = nb;
        }
        got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            int e = errno;
            free(buf);
            errno = e;
            return -1;
        }
        if (got == 0) break;
        n += (size_t)got;
        if (n > max) {
            free(buf);
            return -2;
        }
    }
    *out = buf;
    *len = n;
    return 0;
}

unsigned fe_cpu_count(void) {
    cpu_set_t allowed;
    long online;
    if (sched_getaffinity(0, sizeof allowed, &allowed) == 0 && CPU_COUNT(&allowed) > 0)
        return (unsigned)CPU_COUNT(&allowed);
    online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (unsigned)online : 1u;
}
