/* SPDX-License-Identifier: ISC */
/* scan.c -- one sequential pass over an archive, chunk by chunk: what a
 * pipe reader, rpt_reader_verify() and a salvage all do. Each record is
 * handed out only after its CRC, payload, digest and signature checked;
 * each index, seal and trailer is checked against what came before. */
#include "pool.h"
#include "reader.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void rpti_scan_free(rpt_scan *s) {
    free(s->seen);
    free(s->segs);
    rpti_names_free(&s->names);
    free(s->damaged);
    free(s->verdicts);
    memset(s, 0, sizeof *s);
}

/* Records reported already (damaged or tampered): the index entry that
 * no longer matches them is not reported a second time. */
static int mark_reported(rpt_scan *s, uint64_t number, uint64_t offset, uint64_t stored) {
    if (rpti_grow(&s->damaged, &s->cap_damaged, s->n_damaged + 1, sizeof *s->damaged))
        return RPT_E_NOMEM;
    s->damaged[s->n_damaged++] = (struct rpti_reported){number, offset, stored};
    return RPT_OK;
}

/* What the index entry of a record must say, in 16 bytes: its offset,
 * then 64 bits of BLAKE2b over the rest. A million records take 16 MB;
 * an entry that differs from its record only where the two digests
 * collide is one forged chance in 2^64, and the record itself is
 * checked by its own signature either way. */
static void seen_print(const uint8_t *name, size_t name_len, uint64_t offset, uint64_t stored,
                       uint64_t size, int64_t issued, const uint8_t *digest,
                       uint8_t out[RPTI_SEEN_BYTES]) {
    crypto_generichash_state st;
    uint8_t f[24];
    rpti_le64_store(f, stored);
    rpti_le64_store(f + 8, size);
    rpti_le64_store(f + 16, (uint64_t)issued);
    crypto_generichash_init(&st, NULL, 0, 8);
    crypto_generichash_update(&st, f, sizeof f);
    crypto_generichash_update(&st, digest, RPT_DIGEST_BYTES);
    crypto_generichash_update(&st, name, name_len);
    rpti_le64_store(out, offset);
    crypto_generichash_final(&st, out + 8, 8);
}

static int add_seen(rpt_scan *s, const uint8_t *name, size_t name_len, uint64_t offset,
                    uint64_t stored, uint64_t size, int64_t issued, const uint8_t *digest) {
    if (rpti_grow(&s->seen, &s->cap_seen, (size_t)s->n_seen + 1, sizeof *s->seen))
        return RPT_E_NOMEM;
    seen_print(name, name_len, offset, stored, size, issued, digest, s->seen[s->n_seen]);
    s->n_seen++;
    return RPT_OK;
}

/* A record chunk too damaged to read still takes its place in the order
 * of records, so that one bad disk sector is reported once, as damage,
 * and not again as an index or seal that no longer matches. */
static int add_damaged(rpt_reader *r, uint64_t offset, const uint8_t *raw, size_t raw_len) {
    rpt_scan *s = &r->scan;
    uint8_t dg[RPT_DIGEST_BYTES];
    crypto_generichash(dg, sizeof dg, raw, raw_len, NULL, 0);
    if (mark_reported(s, s->n_seen, offset, raw_len)) return RPT_E_NOMEM;
    return add_seen(s, (const uint8_t *)"", 0, offset, raw_len, 0, 0, dg);
}

static const struct rpti_reported *reported(const rpt_scan *s, uint64_t number) {
    size_t lo = 0, hi = s->n_damaged;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->damaged[mid].number < number) lo = mid + 1; else hi = mid;
    }
    return lo < s->n_damaged && s->damaged[lo].number == number ? &s->damaged[lo] : NULL;
}

/* The name the opened archive's index gives the record at offset, for a
 * record whose own bytes cannot be trusted to say it. */
static const char *index_name(rpt_reader *r, uint64_t number, uint64_t offset, rpt_record *tmp) {
    rpt_reader *p = (rpt_reader *)r->scan.names_from;
    if (!p || rpt_reader_entry(p, number, tmp) != RPT_OK || tmp->offset != offset) return "";
    return tmp->name;
}

/* Outcome of one step. */
typedef struct step {
    int status;       /* RPT_OK or a code */
    int is_record;    /* out holds a record (maybe failed) */
    int end;          /* clean end of data */
    char detail[RPT_ERRLEN];
} step;

static int fail(step *st, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int fail(step *st, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->detail, sizeof st->detail, fmt, ap);
    va_end(ap);
    st->status = code;
    return code;
}

/* Checking a record is two phases. The first is the record layer's one
 * check (rpti_record_verify): it needs only the chunk's bytes, the keys
 * and the dictionaries, so verifier threads run it in parallel. The
 * second keeps the order of records (names, duplicates, the list the
 * index is checked against) and runs on one thread, in file order. */
typedef struct recjob {
    rpt_work *wk;       /* never copied: a z_stream points back at itself */
    rpt_work own;
    rpt_buf raw;        /* the chunk, when a worker checks it */
    int parsed, status;
    char detail[RPT_ERRLEN];
    rpt_record rec;
} recjob;

static void record_phase_a(const rpt_reader *r, recjob *j, const uint8_t *raw, size_t raw_len,
                           uint64_t offset) {
    j->status = rpti_record_verify(r, j->wk, raw, raw_len, offset, 0, &j->rec, &j->parsed,
                                   j->detail);
}

static void record_phase_b(rpt_reader *r, recjob *j, const uint8_t *raw, rpt_record *out,
                           step *st) {
    rpt_scan *s = &r->scan;
    uint64_t first;
    *out = j->rec;
    out->number = s->n_seen;
    st->is_record = 1;
    if (s->gen_index_off) {
        fail(st, RPT_E_FORMAT, "record chunk at offset %llu comes after its generation's index",
             (unsigned long long)out->offset);
        return;
    }
    if (j->status == RPT_E_NOMEM) {
        fail(st, RPT_E_NOMEM, "out of memory");
        return;
    }
    if (!j->parsed) {
        rpt_record tmp;
        out->name = index_name(r, s->n_seen, out->offset, &tmp);
        if (add_damaged(r, out->offset, raw, (size_t)out->stored)) {
            fail(st, RPT_E_NOMEM, "out of memory");
            return;
        }
        fail(st, j->status, "%s", j->detail);
        return;
    }
    size_t name_len = strlen(out->name);
    if (rpti_names_add(&s->names, (const uint8_t *)out->name, name_len, s->n_seen, &first)) {
        fail(st, RPT_E_NOMEM, "out of memory");
        return;
    }
    if (first != UINT64_MAX) {
        fail(st, RPT_E_FORMAT, "record %llu has the same name: names must be unique",
             (unsigned long long)first);
        return;
    }
    if (j->status && j->status != RPT_E_UNTRUSTED &&
        mark_reported(s, s->n_seen, out->offset, out->stored)) {
        fail(st, RPT_E_NOMEM, "out of memory");
        return;
    }
    if (add_seen(s, (const uint8_t *)out->name, name_len, out->offset, out->stored, out->size,
                 out->issued, out->digest)) {
        fail(st, RPT_E_NOMEM, "out of memory");
        return;
    }
    if (j->status) fail(st, j->status, "%s", j->detail);
}

/* One record on the calling thread, with the reader's own scratch. */
static void do_record(rpt_reader *r, const rpt_chunk *c, rpt_record *out, step *st) {
    recjob *j = calloc(1, sizeof *j);
    if (!j) {
        fail(st, RPT_E_NOMEM, "out of memory");
        return;
    }
    j->wk = &r->w; /* out points into the reader's scratch afterwards */
    record_phase_a(r, j, c->raw, c->raw_len, c->offset);
    record_phase_b(r, j, c->raw, out, st);
    free(j);
}

/* The index against what came before it: older segments seen at those
 * offsets with those roots, coverage, aux, and each entry against its
 * record. */
static int index_matches(rpt_reader *r, const rpt_segment *seg, step *st) {
    rpt_scan *s = &r->scan;
    rpti_span spans[RPT_MAX_OLDER_SEGMENTS + 1];
    char detail[RPT_ERRLEN];
    for (size_t i = 0; i < seg->n_older; i++) {
        size_t j;
        for (j = 0; j < s->n_segs; j++)
            if (s->segs[j].offset == seg->older[i].offset) break;
        if (j == s->n_segs || sodium_memcmp(s->segs[j].digest, seg->older[i].root, 32) != 0)
            return fail(st, RPT_E_DIGEST, "index at offset %llu refers to an older index segment that does not match",
                        (unsigned long long)seg->offset);
        spans[i] = (rpti_span){s->segs[j].first, s->segs[j].n};
    }
    spans[seg->n_older] = (rpti_span){seg->first, seg->n};
    if (rpti_index_covers(spans, seg->n_older + 1, s->n_seen, seg->offset, detail))
        return fail(st, RPT_E_DIGEST, "%s", detail);
    if (seg->n_aux != r->n_aux ||
        (r->n_aux && memcmp(seg->aux, r->aux_off, r->n_aux * sizeof *seg->aux) != 0))
        return fail(st, RPT_E_DIGEST, "index at offset %llu lists keys and dictionaries that are not the archive's",
                    (unsigned long long)seg->offset);
    for (uint64_t k = 0; k < seg->n; k++) {
        rpt_ient e;
        uint8_t got[RPTI_SEEN_BYTES];
        const uint8_t *want = s->seen[seg->first + k];
        (void)rpti_segment_entry((rpt_segment *)seg, k, &e);
        const struct rpti_reported *rp = reported(s, seg->first + k);
        /* reported already (damaged or tampered): only where it lies can
         * be compared */
        if (rp && e.offset == rp->offset && e.stored == rp->stored) continue;
        seen_print(e.name, e.name_len, e.offset, e.stored, e.size, e.issued, e.digest, got);
        if (memcmp(got, want, RPTI_SEEN_BYTES) == 0) continue;
        return fail(st, RPT_E_DIGEST, "record %llu '%.*s': the index entry's %s does not match the record",
                    (unsigned long long)(seg->first + k), (int)(e.name_len > 200 ? 200 : e.name_len),
                    e.name,
                    memcmp(got, want, 8) ? "offset" : "name, stored length, size, issue time or digest");
    }
    return RPT_OK;
}

static void do_index(rpt_reader *r, const rpt_chunk *c, step *st) {
    rpt_scan *s = &r->scan;
    if (s->gen_index_off) {
        fail(st, RPT_E_FORMAT, "a second index in generation %u", s->gen + 1);
        return;
    }
    s->gen_index_off = c->offset;
    rpt_segment seg;
    char perr[RPT_ERRLEN];
    int rc = c->spilled ? rpti_segment_check_fd(&seg, r->spill, c->offset, c->len, perr)
                        : rpti_segment_check(&seg, c->body, c->len, c->offset, perr);
    if (rc == RPT_E_IO && c->spilled) {
        /* the archive was read whole; what failed is the copy */
        fail(st, rc, "reading the index back from its scratch file in '%s': %s", r->spill_dir, perr);
        goto out;
    }
    if (rc) {
        s->index_damaged = 1; /* said here; the seal's D is not checked again */
        fail(st, rc, "%s", perr);
        goto out;
    }
    memcpy(s->gen_index_digest, seg.root, 32);
    /* the seal's D, now: keys and dictionaries cannot follow the index */
    rpti_seal_digest_d(r, seg.root, s->gen_d);
    if (seg.n_older > RPT_MAX_OLDER_SEGMENTS || seg.n_aux > RPT_MAX_AUX_CHUNKS) {
        fail(st, RPT_E_LIMIT, "index at offset %llu lists too many segments or chunks",
             (unsigned long long)c->offset);
        goto out;
    }
    if (index_matches(r, &seg, st)) goto out;
    if (rpti_grow(&s->segs, &s->cap_segs, s->n_segs + 1, sizeof *s->segs)) {
        fail(st, RPT_E_NOMEM, "out of memory");
        goto out;
    }
    rpt_seen_seg *ss = &s->segs[s->n_segs++];
    ss->offset = c->offset;
    ss->first = seg.first;
    ss->n = seg.n;
    memcpy(ss->digest, s->gen_index_digest, 32);
out:
    rpti_segment_free(&seg);
}

static void do_seal(rpt_reader *r, const rpt_chunk *c, step *st) {
    rpt_scan *s = &r->scan;
    rpt_seal sl;
    if (!s->gen_index_off || s->gen_seal_off) {
        fail(st, RPT_E_FORMAT, "seal at offset %llu is not right after an index",
             (unsigned long long)c->offset);
        return;
    }
    s->gen_seal_off = c->offset;
    s->gen_seal_end = c->offset + c->raw_len;
    uint8_t prev[32];
    memcpy(prev, s->prev_seal, 32);
    crypto_generichash(s->prev_seal, 32, c->raw, c->raw_len, NULL, 0);
    if (rpti_seal_parse(c->body, c->len, &sl)) {
        fail(st, RPT_E_FORMAT, "seal at offset %llu is malformed", (unsigned long long)c->offset);
        return;
    }
    /* the trailer repeats what the seal says; a seal that is wrong about
     * it is reported here, once */
    s->seal_generation = sl.generation;
    s->seal_count = sl.count;
    int prev_damaged = s->seal_damaged;
    s->seal_damaged = 0;
    /* a damaged index or seal was reported already: D or prev cannot
     * match, and saying so again would hide nothing but add noise */
    rpti_seal_expect x = {s->gen + 1, s->n_seen, s->index_damaged ? NULL : s->gen_d,
                          prev_damaged ? NULL : prev, c->offset};
    int rc = rpti_seal_check(r, &sl, &x, st->detail);
    if (rc) st->status = rc;
    else if (x.d && x.prev) s->gen_sealed = 1; /* checked in full */
}

/* Keeps what the generation's own chunks came to; status is the
 * trailer's. A record may be relied on only when this is RPT_OK. */
static int keep_verdict(rpt_scan *s, int status) {
    if (!status) status = s->gen_status;
    if (!status && !s->gen_sealed) status = RPT_E_FORMAT; /* no seal checked */
    if (rpti_grow(&s->verdicts, &s->cap_verdicts, s->n_verdicts + 1, sizeof *s->verdicts))
        return RPT_E_NOMEM;
    s->verdicts[s->n_verdicts].end = s->n_seen;
    s->verdicts[s->n_verdicts++].status = status;
    s->gen_status = 0;
    s->gen_sealed = 0;
    return RPT_OK;
}

static void end_generation(rpt_scan *s, uint64_t offset, size_t len, step *st) {
    if (keep_verdict(s, st->status)) {
        fail(st, RPT_E_NOMEM, "out of memory");
        s->stop = 1;
    }
    s->gen++;
    s->in_gen = 0;
    s->gen_index_off = s->gen_seal_off = 0;
    s->index_damaged = 0;
    s->last_trailer = offset;
    s->last_trailer_end = offset + len;
}

static void do_trailer(rpt_reader *r, const rpt_chunk *c, step *st) {
    rpt_scan *s = &r->scan;
    rpt_trailer t;
    if (!s->gen_seal_off) {
        fail(st, RPT_E_FORMAT, "trailer at offset %llu is not right after a seal",
             (unsigned long long)c->offset);
    } else if (c->offset != s->gen_seal_end) {
        fail(st, RPT_E_FORMAT, "trailer at offset %llu does not follow its seal directly",
             (unsigned long long)c->offset);
    } else if (rpti_trailer_parse(c->body, c->len, &t) || t.index_offset != s->gen_index_off ||
               t.seal_offset != s->gen_seal_off || t.prev_trailer != s->last_trailer ||
               (!s->seal_damaged &&
                (t.generation != s->seal_generation || t.count != s->seal_count))) {
        fail(st, RPT_E_FORMAT, "trailer at offset %llu does not agree with its generation",
             (unsigned long long)c->offset);
    }
    /* whatever the verdict, the generation ends here */
    end_generation(s, c->offset, c->raw_len, st);
}

/* Finds the next plausible chunk after a damaged stretch (salvage): 1
 * found, 0 none left, or RPT_E_IO / RPT_E_NOMEM (detail in r->err),
 * which end the salvage rather than pass for lost bytes. */
static int resync(rpt_reader *r, uint64_t from) {
    static const char *types[] = {"RECD", "KEYS", "DICT", "INDX", "SEAL", "TRLR"};
    uint8_t blk[65536];
    uint64_t pos = from;
    while (pos + 12 <= r->file_size) {
        size_t n = (size_t)(r->file_size - pos < sizeof blk ? r->file_size - pos : sizeof blk);
        int rc = rpti_src_read(r, pos, blk, n);
        if (rc) return rc == RPT_E_IO ? rc : 0;
        for (size_t i = 0; i + 4 <= n; i++) {
            for (size_t t = 0; t < sizeof types / sizeof *types; t++) {
                if (memcmp(blk + i, types[t], 4) != 0) continue;
                rpt_chunk c;
                if ((rc = rpti_read_chunk(r, pos + i, &c)) == RPT_E_IO || rc == RPT_E_NOMEM) return rc;
                if (rc == RPT_OK) {
                    r->scan.lost += pos + i - r->scan.pos;
                    r->scan.pos = pos + i;
                    return 1;
                }
            }
        }
        if (n < 4) break;
        pos += n - 3;
    }
    r->scan.lost += r->file_size - r->scan.pos;
    r->scan.pos = r->file_size;
    return 0;
}

/* One chunk. Sets st->end at a clean end; s->stop when the framing is
 * lost and the pass cannot go on. */
static void scan_handle(rpt_reader *r, rpt_chunk c, int rc, int eof, rpt_record *out, step *st);
static void scan_chunk(rpt_reader *r, rpt_chunk c, int rc, int eof, rpt_record *out, step *st);

static void scan_step(rpt_reader *r, rpt_record *out, step *st) {
    rpt_chunk c;
    int eof;
    memset(st, 0, sizeof *st);
    int rc = rpti_read_chunk_ex(r, r->scan.pos, &c, &eof);
    scan_handle(r, c, rc, eof, out, st);
}

/* A failure that is not a record's (index, seal, keys out of place...)
 * means the generation's records are not covered by its seal. */
static void scan_handle(rpt_reader *r, rpt_chunk c, int rc, int eof, rpt_record *out, step *st) {
    uint32_t gen = r->scan.gen;
    scan_chunk(r, c, rc, eof, out, st);
    if (st->status && !st->is_record && r->scan.gen == gen && !r->scan.gen_status)
        r->scan.gen_status = st->status;
}

/* What to make of the chunk just read (or of its failure, or the end). */
static void scan_chunk(rpt_reader *r, rpt_chunk c, int rc, int eof, rpt_record *out, step *st) {
    rpt_scan *s = &r->scan;
    memset(st, 0, sizeof *st);
    if (eof) {
        st->end = 1;
        if (s->gen == 0)
            fail(st, RPT_E_NOSEAL, "the archive ends at offset %llu without any seal: it is truncated or was never finished",
                 (unsigned long long)s->pos);
        else if (s->in_gen || s->pos != s->last_trailer_end)
            fail(st, RPT_E_TRUNCATED, "%llu bytes after the trailer of generation %u are an incomplete generation (an append that did not finish); generation %u is complete",
                 (unsigned long long)(s->pos - s->last_trailer_end), s->gen, s->gen);
        return;
    }
    if (rc) {
        fail(st, rc, "%s", r->err);
        if (rc == RPT_E_FORMAT && rpti_chunk_type_valid(c.type) && c.len <= rpti_chunk_cap(c.type)) {
            /* a CRC mismatch: the framing holds, go on after it */
            if (c.type == RPT_T_RECD) {
                rpt_record tmp; /* out->name points into the index reader, not here */
                st->is_record = 1;
                memset(out, 0, sizeof *out);
                out->number = s->n_seen;
                out->offset = s->pos;
                out->stored = (uint64_t)c.len + 12;
                out->title = out->source = out->media_type = "";
                out->name = index_name(r, s->n_seen, s->pos, &tmp);
                if (add_damaged(r, s->pos, r->cbuf.p, r->cbuf.len)) {
                    fail(st, RPT_E_NOMEM, "out of memory");
                    s->stop = 1;
                    return;
                }
            }
            /* a damaged index, seal or trailer still marks its place in
             * the generation, so what follows is judged on its own */
            uint64_t at = s->pos, len = (uint64_t)c.len + 12;
            if (c.type == RPT_T_INDX && !s->gen_index_off) {
                s->gen_index_off = at;
                s->index_damaged = 1;
            } else if (c.type == RPT_T_SEAL && s->gen_index_off && !s->gen_seal_off) {
                s->gen_seal_off = at;
                s->gen_seal_end = at + len;
                s->seal_damaged = 1;
            }
            if (r->flags & RPT_OPEN_SALVAGE) s->lost += len;
            s->pos += len;
            if (c.type == RPT_T_TRLR) end_generation(s, at, (size_t)len, st);
            else s->in_gen = 1;
            return;
        }
        if ((r->flags & RPT_OPEN_SALVAGE) && rc != RPT_E_IO) {
            int found = resync(r, s->pos + 1);
            if (found < 0) {
                fail(st, found, "%s", r->err);
                s->stop = 1;
            } else if (!found) {
                st->end = 1;
            }
            return;
        }
        s->stop = 1;
        return;
    }
    s->pos += c.raw_len;
    if (c.type != RPT_T_TRLR) s->in_gen = 1;
    switch (c.type) {
    case RPT_T_HEAD:
        fail(st, RPT_E_FORMAT, "a second HEAD chunk at offset %llu", (unsigned long long)c.offset);
        break;
    case RPT_T_KEYS:
    case RPT_T_DICT:
        if (s->gen_index_off) {
            fail(st, RPT_E_FORMAT, "keys or dictionary after the index at offset %llu",
                 (unsigned long long)c.offset);
            break;
        }
        if ((rc = rpti_take_aux(r, &c))) fail(st, rc, "%s", r->err);
        break;
    case RPT_T_RECD: do_record(r, &c, out, st); break;
    case RPT_T_INDX: do_index(r, &c, st); break;
    case RPT_T_SEAL: do_seal(r, &c, st); break;
    case RPT_T_TRLR: do_trailer(r, &c, st); break;
    default: break; /* ancillary: skipped, its CRC checked */
    }
}

int rpti_scan_next(rpt_reader *r, rpt_record *out, rpt_verify_cb cb, void *ctx,
                  rpt_verify_summary *sum) {
    (void)cb; (void)ctx; (void)sum;
    rpt_scan *s = &r->scan;
    int salvage = (r->flags & RPT_OPEN_SALVAGE) != 0;
    for (;;) {
        if (s->done) return RPT_EOF;
        step st;
        scan_step(r, out, &st);
        if (st.end && !st.status) {
            s->done = 1;
            return RPT_EOF;
        }
        if (st.is_record && !s->stop) {
            if (st.status == RPT_OK) return RPT_OK;
            char where[300];
            snprintf(where, sizeof where, "record %llu '%.200s' at offset %llu",
                     (unsigned long long)out->number, out->name, (unsigned long long)out->offset);
            if (st.status == RPT_E_NOMEM || st.status == RPT_E_IO)
                return rpti_fail(&r->fail, st.status, "%s: %s", where, st.detail);
            if (salvage && st.status != RPT_E_UNTRUSTED) {
                s->lost += out->stored;
                continue;
            }
            /* one record's verdict: the pass goes on after it */
            return rpti_seterr(r->err, st.status, "%s: %s", where, st.detail);
        }
        if (st.status == RPT_OK && !s->stop) continue;
        if (salvage && st.status != RPT_E_IO && st.status != RPT_E_NOMEM) {
            if (st.end || s->stop) {
                s->done = 1;
                return RPT_EOF;
            }
            continue;
        }
        /* data that ends early or framing lost: the pass is over, and
         * says so to every later call */
        if (s->stop || st.end)
            return rpti_fail(&r->fail, st.status ? st.status : RPT_E_FORMAT, "%s", st.detail);
        /* an index, seal or trailer that fails is said once; the pass goes
         * on, and the next generation is judged on its own */
        return rpti_seterr(r->err, st.status, "%s", st.detail);
    }
}

/* Worst first: damage, then tampering, then trust. */
static int rank(int code) {
    switch (code) {
    case RPT_OK: return 0;
    case RPT_E_UNTRUSTED: return 1;
    case RPT_E_BADSIG:
    case RPT_E_DIGEST: return 2;
    default: return 3;
    }
}

static int is_damage(int code) { return rank(code) == 3; }

/* The verification pass: tallies, callbacks and the worst status. */
typedef struct vstate {
    rpt_verify_cb cb;
    void *ctx;
    rpt_verify_summary *sum;
    int worst, halt, fatal;
} vstate;

/* Accounts for one step; returns non-zero when the pass must stop. */
static int account(rpt_reader *r, vstate *vs, const step *st, const rpt_record *rec) {
    rpt_verify_summary *sum = vs->sum;
    if (st->status == RPT_E_IO || st->status == RPT_E_NOMEM) {
        rpti_fail(&r->fail, st->status, "%s", st->detail);
        vs->fatal = st->status;
        return 1;
    }
    if (st->is_record) {
        sum->records++;
        if (st->status == RPT_OK) sum->ok++;
        else if (st->status == RPT_E_UNTRUSTED) sum->untrusted++;
        else if (rank(st->status) == 2) sum->tampered++;
        else sum->damaged++;
    } else if (st->status && rank(st->status) > rank(sum->archive_status)) {
        sum->archive_status = st->status;
    }
    if (st->status && rank(st->status) > rank(vs->worst)) {
        vs->worst = st->status;
        rpti_seterr(r->err, vs->worst, "%s", st->detail);
    }
    if (vs->cb && (st->is_record || st->status)) {
        rpt_verify_event ev = {st->status, st->is_record ? rec : NULL, st->detail};
        if (vs->cb(&ev, vs->ctx)) vs->halt = 1;
    }
    return vs->halt;
}

/* Verifier threads (pool.c): phase one of each record, in parallel;
 * ring[i] is the pool's slot i. */
typedef struct vpool {
    const rpt_reader *r;
    recjob *ring;
    rpti_pool pool;
} vpool;

static void vworker_run(void *ctx, size_t slot, void *state) {
    (void)state;
    vpool *p = ctx;
    recjob *j = &p->ring[slot];
    record_phase_a(p->r, j, j->raw.p, j->raw.len, j->rec.offset);
}

static void vpool_free(vpool *p) {
    size_t n = p->pool.n_slots;
    rpti_pool_stop(&p->pool);
    for (size_t i = 0; p->ring && i < n; i++) {
        rpti_work_free(&p->ring[i].own);
        rpti_buf_free(&p->ring[i].raw);
    }
    free(p->ring);
    p->ring = NULL;
}

/* 1 with workers, 0 to check every record on this thread. */
static int vpool_init(vpool *p, const rpt_reader *r) {
    memset(p, 0, sizeof *p);
    unsigned cpus = rpti_cpu_count();
    size_t t = cpus > 16 ? 16 : cpus;
    if (t < 2) return 0;
    p->r = r;
    size_t n = 2 * t;
    if (!(p->ring = calloc(n, sizeof *p->ring))) return 0;
    for (size_t i = 0; i < n; i++) {
        p->ring[i].wk = &p->ring[i].own;
        if (rpti_work_init(&p->ring[i].own)) {
            for (size_t k = 0; k < i; k++) rpti_work_free(&p->ring[k].own);
            free(p->ring);
            p->ring = NULL;
            return 0;
        }
    }
    if (rpti_pool_start(&p->pool, n, (unsigned)t, vworker_run, NULL, NULL, p)) return 1;
    for (size_t i = 0; i < n; i++) rpti_work_free(&p->ring[i].own);
    free(p->ring);
    p->ring = NULL;
    return 0;
}

/* Phase two of the oldest record in flight, once a worker is done. */
static int vpool_finish_one(rpt_reader *r, vpool *p, vstate *vs) {
    recjob *j = &p->ring[rpti_pool_oldest(&p->pool, 1)];
    rpti_pool_retire(&p->pool);
    step st;
    rpt_record rec;
    memset(&st, 0, sizeof st);
    record_phase_b(r, j, j->raw.p, &rec, &st);
    return account(r, vs, &st, &rec);
}

static int vpool_finish_all(rpt_reader *r, vpool *p, vstate *vs) {
    int stop = 0;
    while (rpti_pool_busy(&p->pool))
        if (vpool_finish_one(r, p, vs)) stop = 1;
    return stop;
}

static int verify_pass(rpt_reader *r, rpt_verify_cb cb, void *ctx, rpt_verify_summary *sum) {
    vstate vs = {cb, ctx, sum, RPT_OK, 0, 0};
    rpt_scan *s = &r->scan;
    vpool pool;
    int threaded = vpool_init(&pool, r);
    rpt_record rec;
    while (!s->stop && !s->done && !vs.halt && !vs.fatal) {
        rpt_chunk c;
        int eof;
        int rc = rpti_read_chunk_ex(r, s->pos, &c, &eof);
        if (threaded && !eof && rc == RPT_OK && c.type == RPT_T_RECD && !s->gen_index_off) {
            /* hand the record to a worker; keep reading */
            if (rpti_pool_full(&pool.pool) && vpool_finish_one(r, &pool, &vs)) break;
            recjob *j = &pool.ring[rpti_pool_next(&pool.pool)];
            j->raw.len = 0;
            if (rpti_buf_put(&j->raw, c.raw, c.raw_len)) {
                rpti_fail(&r->fail, RPT_E_NOMEM, "out of memory");
                vs.fatal = RPT_E_NOMEM;
                break;
            }
            j->rec.offset = c.offset;
            rpti_pool_submit(&pool.pool);
            s->pos += c.raw_len;
            s->in_gen = 1;
            continue;
        }
        /* anything else is checked in order, after the records before it */
        if (threaded && vpool_finish_all(r, &pool, &vs)) break;
        step st;
        scan_handle(r, c, rc, eof, &rec, &st);
        if (st.end) s->done = 1;
        if (account(r, &vs, &st, &rec)) break;
    }
    if (threaded) {
        if (!vs.halt && !vs.fatal) vpool_finish_all(r, &pool, &vs);
        vpool_free(&pool);
    }
    if (vs.fatal) return vs.fatal;
    sum->generations = s->gen;
    if (s->stop && !is_damage(vs.worst)) vs.worst = RPT_E_FORMAT;
    return vs.worst;
}

int rpt_reader_verify(rpt_reader *r, rpt_verify_cb cb, void *ctx, rpt_verify_summary *sum) {
    rpt_verify_summary local;
    if (!r) return RPT_E_ARG;
    if (rpti_failed(&r->fail)) return r->fail.code;
    if (!sum) sum = &local;
    memset(sum, 0, sizeof *sum);
    if (r->seq) return verify_pass(r, cb, ctx, sum);
    /* Random access: a fresh sequential pass over the same file, with the
     * same trust, from the first byte. */
    rpt_reader *v = rpti_reader_new();
    if (!v) return rpti_seterr(r->err, RPT_E_NOMEM, "out of memory");
    v->fd = dup(r->fd);
    v->file_size = r->file_size;
    if (v->fd < 0) {
        rpt_reader_free(v);
        return rpti_seterr(r->err, RPT_E_IO, "cannot start a verification pass: %s", strerror(errno));
    }
    int rc;
    for (size_t i = 0; i < r->n_trusted; i++)
        if (rpt_reader_trust(v, &r->trusted[i])) {
            rpt_reader_free(v);
            return rpti_seterr(r->err, RPT_E_NOMEM, "out of memory");
        }
    if ((rc = rpti_read_start(v))) {
        rpti_seterr(r->err, rc, "%s", rpt_reader_error(v));
        rpt_reader_free(v);
        return rc;
    }
    v->scan.names_from = r;
    rc = verify_pass(v, cb, ctx, sum);
    if (rc) rpti_seterr(r->err, rc, "%s", rpt_reader_error(v));
    rpt_reader_free(v);
    return rc;
}

int rpt_reader_sealed(const rpt_reader *r, uint64_t i) {
    if (!r || (!r->seq && !(r->flags & RPT_OPEN_SALVAGE))) return RPT_E_ARG;
    const rpt_scan *s = &r->scan;
    size_t lo = 0, hi = s->n_verdicts;
    while (lo < hi) { /* the first generation that ends after record i */
        size_t mid = lo + (hi - lo) / 2;
        if (s->verdicts[mid].end <= i) lo = mid + 1; else hi = mid;
    }
    if (lo < s->n_verdicts) return s->verdicts[lo].status ? s->verdicts[lo].status : 1;
    return s->done ? RPT_E_TRUNCATED : 0;
}
