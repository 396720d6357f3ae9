/* SPDX-License-Identifier: ISC */
/* detect.h -- rpt-pack's metadata from a bulletin's own bytes: the Date,
 * Subject, From and Message-ID of an RFC 5322 message, the first line of
 * a text, a date at the start of a file name. */
#ifndef RPT_DETECT_H
#define RPT_DETECT_H

#include <stddef.h>
#include <stdint.h>

/* What --detect asks for. auto: a mail when the bytes start with a header
 * block (an mbox "From " line may come first) that has a From or a Date
 * field, a text otherwise. */
typedef enum detect_mode { DETECT_AUTO, DETECT_MAIL, DETECT_TEXT, DETECT_NONE } detect_mode;

/* Parses "auto", "mail", "text" or "none". Returns 0 or -1. */
int detect_mode_parse(const char *s, detect_mode *out);

/* A text's title is its first non-empty line, cut to this many bytes. */
#define DETECT_LINE_TITLE_MAX 200

#define DETECT_MEDIA_MAIL "message/rfc822"

/* What was found. Strings are malloc'd UTF-8 with no control characters,
 * or NULL when not found; detect_free() frees them. Out of memory ends
 * the program (fe_die), as everywhere in rpt-pack. */
typedef struct detected {
    int is_mail;
    int have_issued; /* issued holds the Date field's time */
    int64_t issued;
    char *title;      /* Subject, decoded; or a text's first line */
    char *source;     /* From, decoded */
    char *message_id; /* Message-ID, as written */
} detected;

/* Fills *out from the n bytes at p. */
void detect_content(const uint8_t *p, size_t n, detect_mode mode, detected *out);
void detect_free(detected *d);

/* An RFC 5322 date-time, obsolete forms included (two- and three-digit
 * years, zone names, comments), into seconds since the epoch. A missing
 * or unknown zone is taken as UTC (RFC 5322's -0000). Returns 0 or -1. */
int detect_mail_date(const char *s, size_t n, int64_t *out);

/* A header field's value made text: folding removed, RFC 2047 encoded
 * words (B and Q, any charset iconv knows) decoded to UTF-8, raw bytes
 * that are not UTF-8 read as ISO-8859-1, controls made spaces, the ends
 * trimmed, cut to max bytes at a character boundary. */
char *detect_header_text(const char *s, size_t n, size_t max);

/* The first non-empty line of UTF-8 text, trimmed, controls made spaces,
 * at most DETECT_LINE_TITLE_MAX bytes; NULL for bytes that are not text
 * or hold no such line. */
char *detect_text_title(const uint8_t *p, size_t n);

/* A date at the start of name read by strptime(3) FORMAT (%Y, %m, %d,
 * %H, %M, %S, %j, %b and the like); fields not in FORMAT are the first
 * of the year and midnight, UTC. Returns 0, or -1 when name does not
 * start with such a date. */
int detect_date_from_name(const char *format, const char *name, int64_t *out);

/* The date of an mbox "From " line ("From addr Thu Aug 22 12:36:23 2002",
 * the line without its end). Returns 0 or -1. */
int detect_mbox_from_date(const char *line, size_t n, int64_t *out);

#endif /* RPT_DETECT_H */
