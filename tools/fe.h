/* SPDX-License-Identifier: ISC */
/* fe.h -- the front end the rpt tools share: messages and exit statuses,
 * passphrases, trusted keys, times, JSON strings, names and progress. */
#ifndef RPT_FE_H
#define RPT_FE_H

#include "archive_rpt.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses, the same for every tool (see each man page). */
#define FE_EXIT_OK 0
#define FE_EXIT_AUTH 1      /* a signature or digest does not match */
#define FE_EXIT_USAGE 2     /* usage or I/O error */
#define FE_EXIT_DAMAGED 3   /* damaged or truncated archive */
#define FE_EXIT_UNTRUSTED 4 /* valid signatures by a key not trusted */
#define FE_EXIT_BUSY 5      /* another process is appending to the archive */

/* The block every --help ends with. */
#define FE_EXIT_HELP                                                           \
    "Exit status: 0 ok; 1 a signature or digest does not match; 2 usage or\n"  \
    "I/O error; 3 damaged or truncated archive; 4 valid signatures by a key\n" \
    "that is not trusted.\n"

/* Program name for messages: the basename of argv[0]. */
extern const char *fe_progname;
void fe_init(const char *argv0);

/* "rpt-pack: MESSAGE\n" on stderr. */
void fe_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* As fe_warn, then exit(status). */
void fe_die(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
/* A usage error: the message, a pointer to --help, exit 2. */
void fe_usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
/* Prints "PROG VERSION (libarchive_rpt VERSION)" and exits 0. */
void fe_print_version(void) __attribute__((noreturn));

/* The exit status for an RPT_E_* code (0 for RPT_OK). */
int fe_exit_status(int code);
/* The more serious of two exit statuses: 2 > 3 > 1 > 4 > 0. */
int fe_worse(int a, int b);

/* Every reading tool reports bytes after the last valid trailer (spec
 * 7.2), and says when the generation it opened is not the newest: prints
 * the reader's words for it and returns the exit status it calls for (0
 * for a clean archive). */
int fe_report_tail(const char *archive, rpt_reader *r);
/* The note that another process was appending as the archive was opened
 * (rpt_archive_info.appending); done says what was done to it: "read". */
void fe_note_appending(const char *archive, const rpt_archive_info *in, const char *done);

/* Passphrases live in sodium_malloc() memory; free with fe_pass_free(). */
typedef struct fe_pass {
    char *p;
    size_t len;
} fe_pass;
/* Reads a passphrase from file (one trailing newline stripped) or, when
 * file is NULL, asks for it on /dev/tty without echo; with confirm it is
 * asked twice and must match. Returns 0, or prints why and returns 2. */
int fe_pass_get(const char *file, const char *prompt, int confirm, fe_pass *out);
void fe_pass_free(fe_pass *pw);

/* Trusted public keys from -p FILE and -P BASE64. */
typedef struct fe_keys {
    rpt_pubkey *k;
    size_t n, cap;
} fe_keys;
/* Each returns 0, or prints why and returns 2. */
int fe_keys_add_file(fe_keys *ks, const char *path);
int fe_keys_add_base64(fe_keys *ks, const char *b64);
int fe_keys_trust(const fe_keys *ks, rpt_reader *r);
void fe_keys_free(fe_keys *ks);
/* Without -p or -P a tool can check signatures only against the
 * archive's own keys, which proves integrity, not who signed (spec 7.6).
 * Every tool that verifies treats that alike: with no key given it
 * prints the same note (when say is non-zero) and returns the worse of
 * status and 4; with keys it returns status. */
int fe_keys_none(const fe_keys *ks, int status, int say);

/* Parses "@SECONDS", "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.frac]]" with
 * 'T' or ' ', then "Z", "+HH:MM", "-HHMM", "+HH" or nothing (UTC).
 * Returns 0 or -1. */
int fe_time_parse(const char *s, int64_t *out);
/* "2024-05-01T09:00:00Z" (RFC 3339, UTC) into buf. */
#define FE_TIME_BYTES 32
void fe_time_format(int64_t t, char buf[FE_TIME_BYTES]);
/* Seconds from SOURCE_DATE_EPOCH, or the current time when unset.
 * Returns 0, or -1 when SOURCE_DATE_EPOCH is set but not a number. */
int fe_now(int64_t *out, int *from_env);

/* Writes s (n bytes) as a JSON string, quotes included. Invalid UTF-8
 * becomes U+FFFD. */
void fe_json_str(FILE *f, const char *s, size_t n);
void fe_json_cstr(FILE *f, const char *s);
/* Writes n bytes as lower-case hex. */
void fe_hex(FILE *f, const uint8_t *p, size_t n);

/* Text from an archive or a command line, for a person (fe_safe.c): C0,
 * DEL and C1 controls, bidi controls and invalid UTF-8 show as visible
 * escapes (\x1b, \u202e, \xff) and a backslash as \\. Every human-readable
 * output goes through these; JSON output is escaped by fe_json_str(). */
void fe_put_safe(FILE *f, const char *s, size_t n);
void fe_print_safe(FILE *f, const char *s);
/* The escaped form of s in one of four rotating buffers, for messages:
 * fe_warn("record '%s'", fe_safe(name)). Valid until four more calls. */
const char *fe_safe(const char *s);

/* Normalises a path as given into a record name, as tar does: removes
 * "./" components and repeated slashes. Refuses a leading '/', a ".."
 * component, an empty result and whatever rpt_name_check() refuses.
 * Returns a malloc'd name, or NULL with *why set to a static reason. */
char *fe_name_normalise(const char *path, const char **why);

/* 1 when the n bytes are valid UTF-8 with no NUL. */
int fe_utf8_text(const uint8_t *p, size_t n);

/* Makes the array at *pp (of elem-byte items, *cap of them) hold need:
 * capacity doubles from first. Out of memory ends the program (exit 2),
 * as every allocation in the tools does. */
void fe_grow(void *pp, size_t *cap, size_t need, size_t elem, size_t first);

/* What a file that is not a regular one is, for a refusal: "a directory",
 * "a symbolic link", "a FIFO", "a device or socket" (from st_mode). */
const char *fe_file_kind(unsigned mode);

/* "12.3 KiB" into buf. */
void fe_bytes_human(uint64_t n, char buf[32]);

/* getopt_long() with the front end's messages: an unknown option, with
 * "did you mean" for a near miss of a long one, or a missing argument is
 * a usage error (exit 2), said once. Returns as getopt_long(). */
struct option;
int fe_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);

/* A growing NUL-terminated text; out of memory ends the program, as
 * everywhere in the tools. fe_text_take() hands over the string (never
 * NULL) and leaves t empty. */
typedef struct fe_text {
    char *p;
    size_t n, cap;
} fe_text;
void fe_text_put(fe_text *t, const void *s, size_t n);
char *fe_text_take(fe_text *t);

/* Temporary files removed on SIGINT, SIGTERM and SIGHUP (fe_temp.c).
 * fe_temp_add() registers dirfd/name (AT_FDCWD for a path) until
 * fe_temp_forget(), which does not remove the file. fe_signals_hold(1)
 * defers those signals while a file is being moved into place;
 * fe_signals_hold(0) lets them through again. */
typedef struct fe_temp fe_temp;
fe_temp *fe_temp_add(int dirfd, const char *name);
void fe_temp_forget(fe_temp *t);
void fe_signals_hold(int hold);

/* An unnamed scratch file (0600) in $TMPDIR, or /tmp when TMPDIR is unset
 * or empty; never /tmp in place of a TMPDIR that cannot be used, since
 * TMPDIR was set because /tmp would not do. A failure ends the program
 * with exit 2, naming the directory. */
FILE *fe_scratch(void);

/* The same, tried first in the directory near (where an archive is being
 * written: its file system must hold the archive anyway, and /tmp is
 * often memory), or NULL. Returns the file, or NULL with errno set; where
 * gets the directory used or last tried, for messages. */
FILE *fe_scratch_near(const char *near, char *where, size_t cap);

/* The cores this process may run on: its affinity mask (taskset, a
 * container's cpuset), else the online count; at least 1. */
unsigned fe_cpu_count(void);

/* A progress line on stderr, shown only when stderr is a terminal, not
 * quiet, and the job has run past one second. */
typedef struct fe_progress {
    int enabled, shown;
    double start, last;
    uint64_t total_items, total_bytes;
} fe_progress;
void fe_progress_start(fe_progress *pg, int quiet, uint64_t items,
                       uint64_t bytes);
void fe_progress_update(fe_progress *pg, uint64_t items, uint64_t bytes);
void fe_progress_end(fe_progress *pg);
double fe_clock(void);

/* Reads a whole descriptor (up to max bytes) into a malloc'd buffer.
 * Returns 0, -1 with errno on a read error, or -2 when over max. */
int fe_read_fd(int fd, size_t max, uint8_t **out, size_t *len);

#endif /* RPT_FE_H */
