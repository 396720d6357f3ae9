/* SPDX-License-Identifier: ISC */
/* mbox.h -- rpt-pack --mbox: an mbox file cut into its messages. */
#ifndef RPT_MBOX_H
#define RPT_MBOX_H

#include <stddef.h>
#include <stdint.h>

/* One message: the bytes after its "From " line, up to the empty line
 * that comes before the next "From " line (or the end). */
typedef struct mbox_msg {
    size_t off, len;
    int have_date; /* date holds the "From " line's time */
    int64_t date;
} mbox_msg;

/* Cuts the n bytes at p, which must start with a "From " line; a message
 * starts at every line beginning "From " that follows an empty line.
 * Returns the number of messages with *out malloc'd, or 0 with *why set
 * when p is not an mbox. */
size_t mbox_split(const uint8_t *p, size_t n, mbox_msg **out, const char **why);

/* A copy of a message with the mboxrd quoting undone: one '>' goes from
 * every line that is ">From ", ">>From " and so on. malloc'd. */
uint8_t *mbox_unquote(const uint8_t *p, size_t n, size_t *len);

#endif /* RPT_MBOX_H */
