/* SPDX-License-Identifier: ISC */
/* util.c -- the small things every module needs: growable buffers, a
 * bounds-checked cursor, LEB128 varints, error strings and rpt_init. */
#include "internal.h"

#include <sched.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


const uint8_t rpti_magic[RPT_MAGIC_BYTES] = {0x80 | RPT_FORMAT_MAJOR, 'R', 'P', 'T',
                                            0x0D, 0x0A, 0x1A, 0x0A};

const char *rpt_version(void) { return RPT_VERSION_STRING; }

int rpt_init(void) { return sodium_init() < 0 ? RPT_E_CRYPTO : RPT_OK; }

const char *rpt_strerror(int code) {
    switch (code) {
    case RPT_OK: return "success";
    case RPT_E_IO: return "input/output error";
    case RPT_E_NOMEM: return "out of memory";
    case RPT_E_ARG: return "invalid argument";
    case RPT_E_FORMAT: return "damaged archive";
    case RPT_E_TRUNCATED: return "truncated archive";
    case RPT_E_LIMIT: return "a length is over its limit";
    case RPT_E_UNSUPPORTED: return "unsupported format feature";
    case RPT_E_NOSEAL: return "no valid seal or trailer";
    case RPT_E_BADSIG: return "signature does not verify";
    case RPT_E_DIGEST: return "digest does not match";
    case RPT_E_UNTRUSTED: return "signer is not trusted";
    case RPT_E_NAME: return "unsafe or invalid record name";
    case RPT_E_DUPLICATE: return "duplicate record name";
    case RPT_E_NOTFOUND: return "no such record";
    case RPT_E_KEY: return "malformed key";
    case RPT_E_PASSPHRASE: return "wrong passphrase";
    case RPT_E_EXISTS: return "file exists";
    case RPT_E_CRYPTO: return "cannot initialise libsodium";
    case RPT_E_BUSY: return "another process is appending to the archive";
    default: return "unknown error";
    }
}

int rpti_seterr(char *buf, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, RPT_ERRLEN, fmt, ap);
    va_end(ap);
    return code;
}

int rpti_fail(rpti_failure *f, int code, const char *fmt, ...) {
    if (f->code != RPT_OK) return f->code;
    char scratch[RPT_ERRLEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(scratch, sizeof scratch, fmt, ap);
    va_end(ap);
    memcpy(f->msg, scratch, sizeof f->msg);
    f->code = code;
    return code;
}

int rpti_seterr_user(char *err, size_t errlen, int code, const char *fmt, ...) {
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

int rpti_grow(void *pp, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return RPT_OK;
    size_t nc = *cap ? *cap : 4;
    while (nc < need) {
        if (nc > SIZE_MAX / 2 / elem) return RPT_E_NOMEM;
        nc *= 2;
    }
    void *p;
    memcpy(&p, pp, sizeof p);
    void *np = realloc(p, nc * elem);
    if (!np) return RPT_E_NOMEM;
    memcpy(pp, &np, sizeof np);
    *cap = nc;
    return RPT_OK;
}

/* ----- buffers ----- */
int rpti_buf_reserve(rpt_buf *b, size_t extra) {
    if (extra <= b->cap - b->len) return RPT_OK;
    if (extra > SIZE_MAX / 2 - b->len) return RPT_E_NOMEM;
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap - b->len < extra) ncap *= 2;
    uint8_t *np = realloc(b->p, ncap);
    if (!np) return RPT_E_NOMEM;
    b->p = np;
    b->cap = ncap;
    return RPT_OK;
}

int rpti_buf_put(rpt_buf *b, const void *p, size_t n) {
    if (n == 0) return RPT_OK;
    int rc = rpti_buf_reserve(b, n);
    if (rc) return rc;
    memcpy(b->p + b->len, p, n);
    b->len += n;
    return RPT_OK;
}

int rpti_buf_u8(rpt_buf *b, uint8_t v) { return rpti_buf_put(b, &v, 1); }

int rpti_buf_u32(rpt_buf *b, uint32_t v) {
    uint8_t t[4];
    rpti_le32_store(t, v);
    return rpti_buf_put(b, t, 4);
}

int rpti_buf_u64(rpt_buf *b, uint64_t v) {
    uint8_t t[8];
    rpti_le64_store(t, v);
    return rpti_buf_put(b, t, 8);
}

size_t rpti_varint_encode(uint8_t out[10], uint64_t v) {
    size_t n = 0;
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        out[n++] = (uint8_t)(byte | (v ? 0x80 : 0));
    } while (v);
    return n;
}

int rpti_buf_varint(rpt_buf *b, uint64_t v) {
    uint8_t t[10];
    return rpti_buf_put(b, t, rpti_varint_encode(t, v));
}

int rpti_buf_str(rpt_buf *b, const void *s, size_t n) {
    int rc = rpti_buf_varint(b, n);
    return rc ? rc : rpti_buf_put(b, s, n);
}

void rpti_buf_free(rpt_buf *b) {
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* ----- cursor ----- */
int rpti_cur_bytes(rpt_cur *c, size_t n, const uint8_t **p) {
    if (n > c->len - c->pos) return RPT_E_TRUNCATED;
    *p = c->p + c->pos;
    c->pos += n;
    return RPT_OK;
}

int rpti_cur_u8(rpt_cur *c, uint8_t *v) {
    const uint8_t *p;
    int rc = rpti_cur_bytes(c, 1, &p);
    if (!rc) *v = p[0];
    return rc;
}

int rpti_cur_u32(rpt_cur *c, uint32_t *v) {
    const uint8_t *p;
    int rc = rpti_cur_bytes(c, 4, &p);
    if (!rc) *v = rpti_le32_load(p);
    return rc;
}

int rpti_cur_u64(rpt_cur *c, uint64_t *v) {
    const uint8_t *p;
    int rc = rpti_cur_bytes(c, 8, &p);
    if (!rc) *v = rpti_le64_load(p);
    return rc;
}

/* Unsigned LEB128. Over-long forms (a last byte of zero after the first)
 * and values past 64 bits are damage: every value has exactly one
 * encoding, which keeps signed and hashed bytes canonical. */
int rpti_cur_varint(rpt_cur *c, uint64_t *v) {
    uint64_t val = 0;
    for (unsigned i = 0; i < 10; i++) {
        if (c->pos >= c->len) return RPT_E_TRUNCATED;
        uint8_t byte = c->p[c->pos++];
        if (i == 9 && byte > 1) return RPT_E_FORMAT;
        val |= (uint64_t)(byte & 0x7f) << (7 * i);
        if (!(byte & 0x80)) {
            if (i > 0 && byte == 0) return RPT_E_FORMAT;
            *v = val;
            return RPT_OK;
        }
    }
    return RPT_E_FORMAT;
}

int rpti_cur_str(rpt_cur *c, size_t cap, const uint8_t **p, size_t *n) {
    uint64_t len;
    int rc = rpti_cur_varint(c, &len);
    if (rc) return rc;
    if (len > cap) return RPT_E_LIMIT;
    if (len > c->len - c->pos) return RPT_E_TRUNCATED;
    *n = (size_t)len;
    return rpti_cur_bytes(c, (size_t)len, p);
}

/* ----- text ----- */
int rpti_utf8_valid(const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) { i++; continue; }
        size_t need;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) { need = 1; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { need = 2; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { need = 3; cp = c & 0x07; }
        else return 0;
        if (n - i - 1 < need) return 0;
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return 0;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += need + 1;
    }
    return 1;
}

unsigned rpti_cpu_count(void) {
    /* the online count would put workers on cores this process may not use */
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return (unsigned)CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}
