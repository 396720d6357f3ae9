/* SPDX-License-Identifier: ISC */
/* manifest.h -- rpt-pack --manifest: a catalogue's list of records, as CSV
 * with a header line (RFC 4180) or as JSON Lines, read into rows. */
#ifndef RPT_MANIFEST_H
#define RPT_MANIFEST_H

#include "archive_rpt.h"

#include <stddef.h>

/* One record of the manifest. Every string is malloc'd UTF-8, or NULL
 * when the row does not give it (an empty CSV cell, a JSON null). issued
 * is as written: ISO 8601 or "@SECONDS" (a JSON number becomes that). */
typedef struct manifest_row {
    size_t line; /* where the row starts, from 1 */
    char *path, *name, *issued, *title, *source, *media_type;
    rpt_meta *meta; /* n_meta pairs from meta.KEY columns or a "meta" object */
    size_t n_meta;
} manifest_row;

typedef struct manifest {
    manifest_row *rows;
    size_t n;
} manifest;

/* Reads the manifest at path ("-": standard input). The format is JSON
 * Lines when the name ends in .jsonl, .ndjson or .json, CSV when it ends
 * in .csv, and otherwise JSON Lines when the first non-blank byte is '{'.
 * Returns 0, or -1 with "line N: what is wrong" (or why the file cannot
 * be read) in err; then *m holds nothing. */
int manifest_load(const char *path, manifest *m, char *err, size_t errlen);
void manifest_free(manifest *m);

#endif /* RPT_MANIFEST_H */
