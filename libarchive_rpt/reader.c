/* SPDX-License-Identifier: ISC */
/* reader.c -- opening an archive: magic and header, the trailer found from
 * the end (or by looking back past an incomplete append), the seal, the
 * index segments, keys and dictionaries; then lookups and verified reads. */
#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* ----- bytes from the source ----- */
int rpti_src_read(rpt_reader *r, uint64_t off, void *buf, size_t n) {
    uint8_t *p = buf;
    /* a file is read as it was at open, or up to the newest generation
     * while another process appends: what grows later is not this view */
    if (!r->seq && (off > r->file_size || n > r->file_size - off)) return RPT_E_TRUNCATED;
    while (n > 0) {
        ssize_t got = r->seq ? read(r->fd, p, n) : pread(r->fd, p, n, (off_t)off);
        if (got < 0) {
            if (errno == EINTR) continue;
            return rpti_seterr(r->err, RPT_E_IO, "read error at offset %llu: %s",
                              (unsigned long long)off, strerror(errno));
        }
        if (got == 0) return RPT_E_TRUNCATED;
        p += got;
        n -= (size_t)got;
        off += (uint64_t)got;
    }
    return RPT_OK;
}

/* ----- opening ----- */
rpt_reader *rpti_reader_new(void) {
    rpt_reader *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->fd = -1;
    r->spill = -1;
    if (rpti_work_init(&r->w)) {
        free(r);
        return NULL;
    }
    return r;
}

int rpti_read_start(rpt_reader *r) {
    uint8_t m[RPT_MAGIC_BYTES];
    int rc = rpti_src_read(r, 0, m, sizeof m);
    if (rc == RPT_E_TRUNCATED)
        return rpti_seterr(r->err, RPT_E_FORMAT, "not an rpt archive: shorter than its magic bytes");
    if (rc) return rc;
    if (memcmp(m + 1, rpti_magic + 1, 7) != 0 || !(m[0] & 0x80))
        return rpti_seterr(r->err, RPT_E_FORMAT, "not an rpt archive (bad magic bytes)");
    if (m[0] != rpti_magic[0])
        return rpti_seterr(r->err, RPT_E_UNSUPPORTED, "rpt format major version %d: this reader knows %d",
                          m[0] & 0x7f, RPT_FORMAT_MAJOR);
    rpt_chunk c;
    if ((rc = rpti_read_chunk(r, RPT_MAGIC_BYTES, &c))) return rc;
    if ((rc = rpti_take_head(r, &c))) return rc;
    r->scan.pos = RPT_MAGIC_BYTES + c.raw_len;
    return RPT_OK;
}

/* A trailer candidate at off: framing, CRC, offsets that point back into
 * the file, and a seal at its seal offset that agrees with it. */
static int trailer_at(rpt_reader *r, uint64_t off, rpt_trailer *t, rpt_seal *s) {
    uint8_t b[RPT_TRAILER_BYTES];
    if (off < RPT_MAGIC_BYTES) return RPT_E_NOSEAL;
    int rc = rpti_src_read(r, off, b, sizeof b);
    if (rc) return rc == RPT_E_IO ? rc : RPT_E_NOSEAL; /* a failed read is not a bad trailer */
    if (rpti_le32_load(b) != RPT_T_TRLR || rpti_le32_load(b + 4) != RPT_TRAILER_BODY ||
        rpti_le32_load(b + 44) != rpti_chunk_crc(RPT_T_TRLR, b + 8, RPT_TRAILER_BODY) ||
        rpti_trailer_parse(b + 8, RPT_TRAILER_BODY, t))
        return RPT_E_NOSEAL;
    if (t->seal_offset >= off || t->index_offset >= t->seal_offset ||
        t->index_offset < RPT_MAGIC_BYTES || t->prev_trailer >= t->index_offset)
        return RPT_E_NOSEAL;
    rpt_chunk c;
    if ((rc = rpti_read_chunk(r, t->seal_offset, &c)) == RPT_E_IO || rc == RPT_E_NOMEM) return rc;
    if (rc || c.type != RPT_T_SEAL ||
        rpti_seal_parse(c.body, c.len, s) || s->generation != t->generation ||
        s->count != t->count || t->seal_offset + c.raw_len != off)
        return RPT_E_NOSEAL;
    return RPT_OK;
}

/* Bytes after the last valid trailer are not part of the sealed archive,
 * and every reader must say so (spec 7.2). Their chunks are framed the
 * way a sequential pass frames them, so a tool that opens the archive
 * and one that verifies it class the tail alike: an append that did not
 * finish is truncated, anything else is damage. A SEAL in the tail
 * means a newer generation exists whose trailer was lost: the archive
 * opened at an older one. */
static int check_tail(rpt_reader *r) {
    uint64_t end = r->trailer_offset + RPT_TRAILER_BYTES, pos = end;
    uint32_t gen = r->trailer.generation;
    char why[RPT_ERRLEN];
    int st = RPT_E_TRUNCATED;
    snprintf(why, sizeof why, "an incomplete generation (an append that did not finish)");
    while (pos < r->file_size) {
        rpt_chunk c;
        int rc = rpti_read_chunk(r, pos, &c);
        if (rc == RPT_E_IO || rc == RPT_E_NOMEM) return rc;
        if (rc) {
            st = rc;
            snprintf(why, sizeof why, "%s", r->err);
            break;
        }
        if (c.type == RPT_T_SEAL) r->tail_seals++;
        if (c.type == RPT_T_TRLR) {
            st = RPT_E_FORMAT;
            snprintf(why, sizeof why, "the trailer at offset %llu is not valid",
                     (unsigned long long)pos);
            break;
        }
        pos += c.raw_len;
    }
    r->tail_status = st;
    rpti_seterr(r->tail_detail, st,
             "%llu bytes after the trailer of generation %u are not part of the sealed archive: %s%s",
             (unsigned long long)(r->file_size - end), gen, why,
             r->tail_seals ? "; they hold a newer seal, so the generation opened is not the newest"
                           : "");
    return RPT_OK;
}

/* The newest valid trailer: the last 48 bytes, or else looking back. */
static int find_trailer(rpt_reader *r) {
    uint64_t size = r->file_size;
    rpt_trailer t;
    rpt_seal s;
    int rc = size >= RPT_TRAILER_BYTES ? trailer_at(r, size - RPT_TRAILER_BYTES, &t, &s) : RPT_E_NOSEAL;
    if (rc == RPT_E_IO || rc == RPT_E_NOMEM) return rc; /* never an older generation instead */
    if (rc == RPT_OK) {
        r->trailer_offset = size - RPT_TRAILER_BYTES;
    } else {
        /* An append that crashed, or a damaged end: look back for the last
         * position holding "TRLR" and length 36 that checks out. */
        static const uint8_t pat[8] = {'T', 'R', 'L', 'R', RPT_TRAILER_BODY, 0, 0, 0};
        uint8_t blk[65536 + 8];
        int found = 0;
        uint64_t end = size;
        while (end > RPT_MAGIC_BYTES && !found) {
            uint64_t start = end > 65536 + RPT_MAGIC_BYTES ? end - 65536 : RPT_MAGIC_BYTES;
            size_t n = (size_t)(end - start);
            size_t extra = (size_t)(size - end < 7 ? size - end : 7);
            if ((rc = rpti_src_read(r, start, blk, n + extra)) == RPT_E_IO) return rc;
            if (rc) break;
            for (size_t i = n; i-- > 0 && !found;) {
                if (i + 8 > n + extra || memcmp(blk + i, pat, 8) != 0) continue;
                if ((rc = trailer_at(r, start + i, &t, &s)) == RPT_E_IO || rc == RPT_E_NOMEM) return rc;
                if (rc == RPT_OK) {
                    r->trailer_offset = start + i;
                    found = 1;
                }
            }
            end = start;
        }
        if (!found)
            return rpti_seterr(r->err, RPT_E_NOSEAL,
                              "no valid trailer: the archive is truncated or was never sealed");
    }
    r->trailer = t;
    r->seal = s;
    r->tail_bytes = size - r->trailer_offset - RPT_TRAILER_BYTES;
    if (r->appending) {
        /* another process's append in progress, not a tail: left unread */
        r->appending_bytes = r->tail_bytes;
        r->tail_bytes = 0;
        r->file_size = r->trailer_offset + RPT_TRAILER_BYTES;
        return RPT_OK;
    }
    return r->tail_bytes ? check_tail(r) : RPT_OK;
}

/* Opens an INDX for random access: its framing and header only. Its
 * CRC covers the whole chunk and is left to a full verification; what
 * is used of the data area is checked block by block against the
 * digests in the header, which the seal covers through the root. */
static int load_segment(rpt_reader *r, uint64_t off, rpt_segment *seg) {
    uint8_t h[8];
    int rc = rpti_src_read(r, off, h, 8);
    if (rc) return rc == RPT_E_TRUNCATED ? rpti_seterr(r->err, RPT_E_FORMAT, "no index chunk at offset %llu",
                                                      (unsigned long long)off)
                                         : rc;
    uint32_t len = rpti_le32_load(h + 4);
    if (rpti_le32_load(h) != RPT_T_INDX)
        return rpti_seterr(r->err, RPT_E_FORMAT, "no index chunk at offset %llu", (unsigned long long)off);
    if (len > rpti_chunk_cap(RPT_T_INDX))
        return rpti_seterr(r->err, RPT_E_LIMIT, "index chunk at offset %llu claims %u bytes, over its cap",
                          (unsigned long long)off, len);
    if ((uint64_t)len + 12 > r->file_size - off)
        return rpti_seterr(r->err, RPT_E_TRUNCATED, "index chunk at offset %llu runs past the end of the file",
                          (unsigned long long)off);
    return rpti_segment_open(seg, r->fd, off, len, r->err);
}

/* The index through the trailer: the newest segment, the older ones it
 * lists (each matching its root), their coverage of the records, and the
 * keys and dictionaries it lists. */
static int load_index(rpt_reader *r) {
    rpt_segment top;
    memset(&top, 0, sizeof top);
    int rc = load_segment(r, r->trailer.index_offset, &top);
    if (rc) {
        rpti_segment_free(&top);
        return rc;
    }
    if (top.n_older > RPT_MAX_OLDER_SEGMENTS || top.n_aux > RPT_MAX_AUX_CHUNKS) {
        rpti_segment_free(&top);
        return rpti_seterr(r->err, RPT_E_LIMIT, "index lists too many segments or chunks");
    }
    r->segs = calloc(top.n_older + 1, sizeof *r->segs);
    if (!r->segs) {
        rpti_segment_free(&top);
        return rpti_seterr(r->err, RPT_E_NOMEM, "out of memory");
    }
    r->n_segs = top.n_older + 1;
    r->segs[top.n_older] = top;
    const rpt_segment *t = &r->segs[top.n_older];
    rpti_span spans[RPT_MAX_OLDER_SEGMENTS + 1];
    for (size_t i = 0; i < r->n_segs; i++) {
        rpt_segment *s = &r->segs[i];
        if (i < t->n_older) {
            if (t->older[i].offset >= t->offset)
                return rpti_seterr(r->err, RPT_E_FORMAT, "index segment reference points forward");
            if ((rc = load_segment(r, t->older[i].offset, s))) return rc;
            if (sodium_memcmp(s->root, t->older[i].root, 32) != 0)
                return rpti_seterr(r->err, RPT_E_DIGEST, "index segment at offset %llu does not match its digest",
                                   (unsigned long long)s->offset);
        }
        spans[i] = (rpti_span){s->first, s->n};
    }
    if ((rc = rpti_index_covers(spans, r->n_segs, r->trailer.count, t->offset, r->err))) return rc;
    r->count = r->trailer.count;
    /* keys and dictionaries, where the index says they are */
    for (size_t i = 0; i < t->n_aux; i++) {
        rpt_chunk c;
        if (t->aux[i] >= t->offset || (i && t->aux[i] <= t->aux[i - 1]))
            return rpti_seterr(r->err, RPT_E_FORMAT, "index lists keys or dictionaries out of order");
        if ((rc = rpti_read_chunk(r, t->aux[i], &c))) return rc;
        if ((rc = rpti_take_aux(r, &c))) return rc;
    }
    return RPT_OK;
}

/* The chain of trailers back to generation 1. A generation number out of
 * step is a seal that disagrees with what it covers (spec 7.7). */
static int load_generations(rpt_reader *r) {
    uint64_t off = r->trailer_offset;
    rpt_trailer t = r->trailer;
    rpt_seal s = r->seal;
    for (;;) {
        if (rpti_grow(&r->gens, &r->cap_gens, r->n_gens + 1, sizeof *r->gens))
            return rpti_seterr(r->err, RPT_E_NOMEM, "out of memory");
        rpt_generation *g = &r->gens[r->n_gens++];
        g->number = t.generation;
        g->records = t.count;
        g->seal_offset = t.seal_offset;
        g->trailer_offset = off;
        memcpy(g->key_id, s.key_id, 8);
        if (t.prev_trailer == 0) break;
        uint64_t prev = t.prev_trailer;
        uint32_t gen = t.generation;
        int rc = trailer_at(r, prev, &t, &s);
        if (rc == RPT_E_IO || rc == RPT_E_NOMEM) return rc; /* not a missing trailer */
        if (rc)
            return rpti_seterr(r->err, RPT_E_FORMAT, "the trailer of generation %u is damaged", gen - 1);
        if (t.generation + 1 != gen)
            return rpti_seterr(r->err, RPT_E_DIGEST, "the trailer before generation %u says generation %u",
                               gen, t.generation);
        off = prev;
    }
    if (r->gens[r->n_gens - 1].number != 1)
        return rpti_seterr(r->err, RPT_E_DIGEST,
                           "the seal says generation %u, but the chain of trailers has %zu",
                           r->seal.generation, r->n_gens);
    /* oldest first */
    for (size_t i = 0; i < r->n_gens / 2; i++) {
        rpt_generation x = r->gens[i];
        r->gens[i] = r->gens[r->n_gens - 1 - i];
        r->gens[r->n_gens - 1 - i] = x;
    }
    return RPT_OK;
}

/* Every seal of the chain, oldest first, with the one seal check: the
 * records it counts, prev (the digest of the seal before), its key and
 * signature; D for the newest, whose index is the one used. An older D
 * covers an index that later ones list or merged: full verification
 * checks it. */
static int check_chain(rpt_reader *r) {
    uint8_t prev[32] = {0}, d[32];
    rpti_seal_digest_d(r, r->segs[r->n_segs - 1].root, d);
    for (size_t i = 0; i < r->n_gens; i++) {
        const rpt_generation *g = &r->gens[i];
        rpt_chunk c;
        rpt_seal sl;
        int rc = rpti_read_chunk(r, g->seal_offset, &c);
        if (rc) return rc;
        if (rpti_seal_parse(c.body, c.len, &sl))
            return rpti_seterr(r->err, RPT_E_FORMAT, "seal at offset %llu is malformed",
                               (unsigned long long)g->seal_offset);
        int newest = i + 1 == r->n_gens;
        rpti_seal_expect x = {(uint32_t)(i + 1), g->records, newest ? d : NULL, prev,
                              g->seal_offset};
        if ((rc = rpti_seal_check(r, &sl, &x, r->err))) return rc;
        crypto_generichash(prev, 32, c.raw, c.raw_len, NULL, 0);
    }
    memcpy(r->seal_digest, prev, 32);
    return RPT_OK;
}

/* With keys to trust, every seal the reader relies on must be by one of
 * them, not only the newest: an older generation sealed by another key
 * could hold a record replayed from elsewhere (spec 7.6). */
static int chain_trusted(rpt_reader *r) {
    if (!r->n_trusted) return RPT_OK;
    if (r->chain_trust == 0) {
        r->chain_trust = 1;
        for (size_t i = 0; i < r->n_gens; i++) {
            char what[64];
            snprintf(what, sizeof what, "seal of generation %u: ", r->gens[i].number);
            int rc = rpti_trust_check(r, r->gens[i].key_id, r->gens[i].seal_offset, what,
                                      r->chain_detail);
            if (rc) {
                r->chain_trust = rc;
                break;
            }
        }
    }
    return r->chain_trust == 1 ? RPT_OK : r->chain_trust;
}

int rpti_reader_check_seal(rpt_reader *r) {
    int rc = check_chain(r);
    if (!rc && (rc = chain_trusted(r))) rpti_seterr(r->err, rc, "%s", r->chain_detail);
    return rc;
}

int rpti_reader_fatal(rpt_reader *r, int code) { return rpti_fail(&r->fail, code, "%s", r->err); }

/* IO and memory failures end the handle; verdicts about one record do not. */
static int verdict(rpt_reader *r, int rc) {
    return rc == RPT_E_IO || rc == RPT_E_NOMEM ? rpti_reader_fatal(r, rc) : rc;
}

/* The index, the generations and the seal chain, once the trailer is
 * known. */
static int open_sealed(rpt_reader *r) {
    int rc;
    if ((rc = load_index(r))) return rc;
    if ((rc = load_generations(r))) return rc;
    /* The index is used only once the seal vouches for it: a lookup must
     * not miss a record that an attacker dropped from the index. Whether
     * the sealers are trusted is known only after rpt_reader_trust(), so
     * reads check that (chain_trusted). */
    return check_chain(r);
}

static int open_random(rpt_reader *r) {
    int rc;
    if ((rc = rpti_read_start(r))) return rc;
    if ((rc = find_trailer(r))) return rc;
    return open_sealed(r);
}

/* A twin takes r's trailer, checked again, and r's verdict on whatever
 * follows it: those bytes may have changed since (an append cuts a
 * damaged tail and writes there), and the twin must see what r saw. */
static int open_as(rpt_reader *t, const rpt_reader *r) {
    int rc;
    if ((rc = rpti_read_start(t))) return rc;
    if ((rc = trailer_at(t, r->trailer_offset, &t->trailer, &t->seal))) return rc;
    t->trailer_offset = r->trailer_offset;
    t->tail_bytes = r->tail_bytes;
    t->tail_status = r->tail_status;
    t->tail_seals = r->tail_seals;
    memcpy(t->tail_detail, r->tail_detail, sizeof t->tail_detail);
    t->appending = r->appending;
    t->appending_bytes = r->appending_bytes;
    return open_sealed(t);
}

int rpt_reader_open_path(rpt_reader **out, const char *path, unsigned flags) {
    if (!out) return RPT_E_ARG;
    rpt_reader *r = *out = rpti_reader_new();
    if (!r) return RPT_E_NOMEM;
    if (!path) return rpti_fail(&r->fail, RPT_E_ARG, "no path given");
    r->flags = flags;
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0)
        return rpti_fail(&r->fail, RPT_E_IO, "cannot open '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(r->fd, &st) != 0 || !S_ISREG(st.st_mode))
        return rpti_fail(&r->fail, RPT_E_IO, "'%s' is not a regular file", path);
    r->file_size = (uint64_t)st.st_size;
    /* An appender holds the lock exclusively; if a shared one cannot be
     * had, an append is under way. It is only looked at, not kept: a
     * reader never makes an appender wait. */
    if (!(flags & (RPT_OPEN_SALVAGE | RPTI_OPEN_LOCKED))) {
        if (flock(r->fd, LOCK_SH | LOCK_NB) != 0) r->appending = errno == EWOULDBLOCK;
        else flock(r->fd, LOCK_UN);
    }
    if (flags & RPT_OPEN_SALVAGE) {
        /* salvage never fails on damage: the scan resynchronises */
        int rc = rpti_read_start(r);
        if (rc == RPT_E_IO || rc == RPT_E_NOMEM) return rpti_reader_fatal(r, rc);
        r->err[0] = 0;
        if (rc != RPT_OK) r->scan.pos = RPT_MAGIC_BYTES;
        return RPT_OK;
    }
    int rc = open_random(r);
    return rc ? rpti_reader_fatal(r, rc) : RPT_OK;
}

int rpt_reader_open_twin(rpt_reader **out, const rpt_reader *r) {
    if (!out) return RPT_E_ARG;
    rpt_reader *t = *out = rpti_reader_new();
    if (!t) return RPT_E_NOMEM;
    if (!r || rpti_failed(&r->fail) || r->seq || r->fd < 0 || (r->flags & RPT_OPEN_SALVAGE))
        return rpti_fail(&t->fail, RPT_E_ARG, "a twin needs a reader opened by path, for lookups");
    t->flags = r->flags;
    t->fd = fcntl(r->fd, F_DUPFD_CLOEXEC, 0);
    if (t->fd < 0) return rpti_fail(&t->fail, RPT_E_IO, "dup: %s", strerror(errno));
    /* r's end, not the file's now: an append since is not looked at */
    t->file_size = r->file_size;
    int rc = open_as(t, r);
    if (rc) return rpti_reader_fatal(t, rc);
    /* as rpt_reader_trust() after an open: judged at each read */
    if (r->n_trusted) {
        if (rpti_grow(&t->trusted, &t->cap_trusted, r->n_trusted, sizeof *t->trusted))
            return rpti_fail(&t->fail, RPT_E_NOMEM, "out of memory");
        memcpy(t->trusted, r->trusted, r->n_trusted * sizeof *t->trusted);
        t->n_trusted = r->n_trusted;
        t->chain_trust = 0;
    }
    return RPT_OK;
}

int rpt_reader_open_fd(rpt_reader **out, int fd, unsigned flags) {
    if (!out) return RPT_E_ARG;
    rpt_reader *r = *out = rpti_reader_new();
    if (!r) return RPT_E_NOMEM;
    if (fd < 0) return rpti_fail(&r->fail, RPT_E_ARG, "bad descriptor");
    if (flags & RPT_OPEN_SALVAGE)
        return rpti_fail(&r->fail, RPT_E_ARG, "salvage needs a file, not a stream");
    r->fd = dup(fd);
    if (r->fd < 0) return rpti_fail(&r->fail, RPT_E_IO, "dup: %s", strerror(errno));
    r->seq = 1;
    r->flags = flags;
    int rc = rpti_read_start(r);
    return rc ? rpti_reader_fatal(r, rc) : RPT_OK;
}

int rpt_reader_trust(rpt_reader *r, const rpt_pubkey *pk) {
    if (!r || !pk) return RPT_E_ARG;
    if (rpti_failed(&r->fail)) return r->fail.code;
    r->chain_trust = 0; /* to be checked again against the new set */
    if (rpti_grow(&r->trusted, &r->cap_trusted, r->n_trusted + 1, sizeof *r->trusted))
        return rpti_fail(&r->fail, RPT_E_NOMEM, "out of memory");
    r->trusted[r->n_trusted++] = *pk;
    return RPT_OK;
}

uint64_t rpt_reader_count(const rpt_reader *r) {
    return r && !r->seq && !rpti_failed(&r->fail) ? r->count : 0;
}

static rpt_segment *seg_of(rpt_reader *r, uint64_t i, uint64_t *k) {
    size_t lo = 0, hi = r->n_segs;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->segs[mid].first <= i) lo = mid; else hi = mid;
    }
    *k = i - r->segs[lo].first;
    return &r->segs[lo];
}

/* The start of every lookup: a live handle opened for random access. */
static int random_ok(rpt_reader *r) {
    if (rpti_failed(&r->fail)) return r->fail.code;
    if (r->seq || !r->segs)
        return rpti_seterr(r->err, RPT_E_ARG, "lookups need an archive opened by path, not salvage or a stream");
    return RPT_OK;
}

/* Index entry i. Entries met in order, as a listing or an extraction
 * meets them, go through the name set: a second record with a name is
 * damage (spec 4.4 rule 6), whichever generation it is in. */
static int entry_at(rpt_reader *r, uint64_t i, rpt_ient *e) {
    if (i >= r->count) return rpti_seterr(r->err, RPT_E_NOTFOUND, "no record %llu", (unsigned long long)i);
    uint64_t k, first;
    rpt_segment *s = seg_of(r, i, &k);
    int rc = rpti_segment_entry(s, k, e);
    if (rc)
        return verdict(r, rpti_seterr(r->err, rc, "index entry %llu %s", (unsigned long long)i,
                                      rpti_segment_why(s, rc)));
    if (i != r->names_next) return RPT_OK;
    if (rpti_names_add(&r->names, e->name, e->name_len, i, &first))
        return rpti_fail(&r->fail, RPT_E_NOMEM, "out of memory");
    r->names_next++;
    if (first != UINT64_MAX)
        return rpti_seterr(r->err, RPT_E_FORMAT, "record %llu '%.*s' has the name of record %llu: names must be unique",
                           (unsigned long long)i, (int)(e->name_len > 200 ? 200 : e->name_len),
                           e->name, (unsigned long long)first);
    return RPT_OK;
}

int rpt_reader_entry(rpt_reader *r, uint64_t i, rpt_record *out) {
    if (!r || !out) return RPT_E_ARG;
    int rc = random_ok(r);
    if (rc) return rc;
    rpt_ient e;
    if ((rc = entry_at(r, i, &e))) return rc;
    memset(out, 0, sizeof *out);
    r->w.strings.len = 0;
    if (rpti_buf_put(&r->w.strings, e.name, e.name_len) || rpti_buf_u8(&r->w.strings, 0))
        return rpti_fail(&r->fail, RPT_E_NOMEM, "out of memory");
    out->number = i;
    out->offset = e.offset;
    out->stored = e.stored;
    out->size = e.size;
    out->name = (const char *)r->w.strings.p;
    out->title = out->source = "";
    out->media_type = "";
    out->issued = e.issued;
    memcpy(out->digest, e.digest, 32);
    if ((rc = chain_trusted(r))) return rpti_seterr(r->err, rc, "%s", r->chain_detail);
    return RPT_OK;
}

int rpt_reader_find(rpt_reader *r, const char *name, uint64_t *i) {
    if (!r || !name || !i) return RPT_E_ARG;
    int rc = random_ok(r);
    if (rc) return rc;
    size_t len = strlen(name);
    int found = 0;
    /* every live segment: a name found twice is damage, not a choice */
    for (size_t s = r->n_segs; s-- > 0;) {
        uint64_t k;
        int twice = 0;
        int rc2 = rpti_segment_find(&r->segs[s], (const uint8_t *)name, len, &k, &twice);
        if (rc2 == RPT_E_NOTFOUND) continue;
        if (rc2)
            return verdict(r, rpti_seterr(r->err, rc2, "the index segment at offset %llu %s",
                                          (unsigned long long)r->segs[s].offset,
                                          rpti_segment_why(&r->segs[s], rc2)));
        if (found || twice)
            return rpti_seterr(r->err, RPT_E_FORMAT, "two records are named '%.200s': names must be unique",
                               name);
        found = 1;
        *i = r->segs[s].first + k;
    }
    if (!found) return rpti_seterr(r->err, RPT_E_NOTFOUND, "no record named '%.200s'", name);
    return RPT_OK;
}

/* Record i through its index entry: the entry's place, the one record
 * check, then the entry against the record; trust last, so that *out is
 * filled whenever the verdict is RPT_E_UNTRUSTED. */
int rpt_reader_read(rpt_reader *r, uint64_t i, unsigned flags, rpt_record *out) {
    if (!r || !out) return RPT_E_ARG;
    int rc = random_ok(r);
    if (rc) return rc;
    rpt_ient e;
    if ((rc = entry_at(r, i, &e))) return rc;
    char where[300], detail[RPT_ERRLEN], ts[5];
    snprintf(where, sizeof where, "record %llu '%.*s' at offset %llu", (unsigned long long)i,
             (int)(e.name_len > 200 ? 200 : e.name_len), e.name, (unsigned long long)e.offset);
    rpt_chunk c;
    if (e.offset < RPT_MAGIC_BYTES || e.offset >= r->trailer.index_offset)
        return rpti_seterr(r->err, RPT_E_DIGEST, "%s: the index entry's offset is outside the records", where);
    if ((rc = rpti_read_chunk(r, e.offset, &c))) {
        snprintf(detail, sizeof detail, "%s", r->err);
        return verdict(r, rpti_seterr(r->err, rc, "%s: %s", where, detail));
    }
    rpti_type_str(c.type, ts);
    if (c.type != RPT_T_RECD)
        return rpti_seterr(r->err, RPT_E_DIGEST, "%s: the index entry points at a '%s' chunk, not a record",
                           where, ts);
    /* the entry's name is in the segment's scratch: keep it for the check */
    uint8_t name[RPT_NAME_MAX];
    size_t name_len = e.name_len < sizeof name ? e.name_len : sizeof name;
    memcpy(name, e.name, name_len);
    e.name = name;
    int parsed, status = rpti_record_verify(r, &r->w, c.raw, c.raw_len, e.offset, flags, out,
                                            &parsed, detail);
    if (status && status != RPT_E_UNTRUSTED)
        return verdict(r, rpti_seterr(r->err, status, "%s: %s", where, detail));
    out->number = i;
    if ((rc = rpti_entry_check(&e, (const uint8_t *)out->name, strlen(out->name), e.offset,
                               c.raw_len, out->size, out->issued,
                               (flags & RPT_READ_NO_VERIFY) ? NULL : out->digest, detail)))
        return rpti_seterr(r->err, rc, "%s: %s", where, detail);
    if (!(flags & RPT_READ_NO_VERIFY) && (rc = chain_trusted(r)))
        return rpti_seterr(r->err, rc, "%s: %s", where, r->chain_detail);
    if (status) return rpti_seterr(r->err, status, "%s: %s", where, detail);
    return RPT_OK;
}

int rpt_reader_next(rpt_reader *r, rpt_record *out) {
    if (!r || !out) return RPT_E_ARG;
    if (rpti_failed(&r->fail)) return r->fail.code;
    if (!r->seq && !(r->flags & RPT_OPEN_SALVAGE)) {
        if (r->next_i < r->count) return rpt_reader_read(r, r->next_i++, 0, out);
        /* the end is clean only when nothing follows the last trailer */
        if (r->tail_status) return rpti_seterr(r->err, r->tail_status, "%s", r->tail_detail);
        return RPT_EOF;
    }
    return rpti_scan_next(r, out, NULL, NULL, NULL);
}

uint64_t rpt_reader_salvage_lost(const rpt_reader *r) { return r ? r->scan.lost : 0; }

int rpt_reader_info(rpt_reader *r, rpt_archive_info *out) {
    if (!r || !out) return RPT_E_ARG;
    if (rpti_failed(&r->fail)) return r->fail.code;
    memset(out, 0, sizeof *out);
    out->major = r->major;
    out->minor = r->minor;
    memcpy(out->archive_id, r->archive_id, 16);
    out->created = r->created;
    out->software = r->software ? r->software : "";
    out->n_keys = r->n_keys;
    out->keys = r->keys;
    out->n_dicts = r->n_dicts;
    out->dict_sizes = r->dict_sizes;
    out->dict_ids = (const uint8_t(*)[RPT_DIGEST_BYTES])r->dict_ids;
    out->n_generations = r->n_gens;
    out->generations = r->gens;
    out->file_size = r->file_size;
    out->tail_bytes = r->tail_bytes;
    out->tail_status = r->tail_status;
    out->tail_seals = r->tail_seals;
    out->appending = r->appending;
    out->appending_bytes = r->appending_bytes;
    for (size_t i = 0; i < r->n_segs; i++) out->index_bytes += r->segs[i].body_len + 12u;
    return RPT_OK;
}

const char *rpt_reader_error(const rpt_reader *r) {
    if (!r) return "out of memory";
    return rpti_failed(&r->fail) ? r->fail.msg : r->err;
}

void rpt_reader_free(rpt_reader *r) {
    if (!r) return;
    if (r->fd >= 0) close(r->fd);
    rpti_buf_free(&r->head_chunk);
    free(r->software);
    for (size_t i = 0; i < r->n_keys; i++) free((char *)r->keys[i].comment);
    free(r->keys);
    free(r->key_at);
    for (size_t i = 0; i < r->n_dicts; i++) free((void *)r->dicts[i].data);
    free(r->dicts);
    free(r->dict_sizes);
    free(r->dict_ids);
    free(r->dict_at);
    rpti_buf_free(&r->aux);
    free(r->aux_off);
    for (size_t i = 0; i < r->n_segs; i++) rpti_segment_free(&r->segs[i]);
    free(r->segs);
    free(r->gens);
    free(r->trusted);
    rpti_names_free(&r->names);
    rpti_work_free(&r->w);
    rpti_buf_free(&r->cbuf);
    if (r->spill >= 0) close(r->spill);
    rpti_scan_free(&r->scan);
    free(r);
}
