/* SPDX-License-Identifier: ISC */
/* internal.h -- what the library's modules share and callers never see:
 * byte helpers, growable buffers, the chunk vocabulary and the key struct.
 * Functions shared between modules are named rpti_*, so that rpt_* is the
 * public API alone: a program linking the static library cannot collide
 * with them by accident, and `nm` tells the two apart at a glance. */
#ifndef RPT_INTERNAL_H
#define RPT_INTERNAL_H

#include "archive_rpt.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

/* ----- magic, chunk types, caps (spec/FORMAT.md sections 2-3) ----- */
extern const uint8_t rpti_magic[RPT_MAGIC_BYTES];

#define RPT_TYPE(a, b, c, d)                                                   \
    ((uint32_t)(uint8_t)(a) | (uint32_t)(uint8_t)(b) << 8 |                    \
     (uint32_t)(uint8_t)(c) << 16 | (uint32_t)(uint8_t)(d) << 24)
#define RPT_T_HEAD RPT_TYPE('H', 'E', 'A', 'D')
#define RPT_T_KEYS RPT_TYPE('K', 'E', 'Y', 'S')
#define RPT_T_DICT RPT_TYPE('D', 'I', 'C', 'T')
#define RPT_T_RECD RPT_TYPE('R', 'E', 'C', 'D')
#define RPT_T_INDX RPT_TYPE('I', 'N', 'D', 'X')
#define RPT_T_SEAL RPT_TYPE('S', 'E', 'A', 'L')
#define RPT_T_TRLR RPT_TYPE('T', 'R', 'L', 'R')

#define RPT_TRAILER_BODY 36u
#define RPT_SEAL_BODY 148u
#define RPT_MAX_DICTS 255u
#define RPT_METADATA_MAX (1u << 20) /* bytes of a record's metadata section */

/* Domain-separation prefixes: 16 bytes each (spec 5). */
#define RPT_RECORD_PREFIX "RPT-RECORD-V1\0\0\0"
#define RPT_SEAL_PREFIX "RPT-SEAL-V1\0\0\0\0\0"
#define RPT_PREFIX_BYTES 16u

/* Cap on a chunk body of the given type; 0 for an unknown type that is
 * critical (must stop). */
uint32_t rpti_chunk_cap(uint32_t type);
int rpti_chunk_type_valid(uint32_t type);   /* four ASCII letters */
int rpti_chunk_is_critical(uint32_t type);  /* first letter upper case */
void rpti_type_str(uint32_t type, char out[5]); /* printable, '?' for others */

/* ----- little-endian and LEB128 helpers ----- */
static inline void rpti_le16_store(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void rpti_le32_store(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void rpti_le64_store(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint16_t rpti_le16_load(const uint8_t *p) {
    return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t rpti_le32_load(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}
static inline uint64_t rpti_le64_load(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* A growable byte buffer. */
typedef struct rpt_buf {
    uint8_t *p;
    size_t len, cap;
} rpt_buf;
int rpti_buf_reserve(rpt_buf *b, size_t extra);     /* RPT_OK / RPT_E_NOMEM */
int rpti_buf_put(rpt_buf *b, const void *p, size_t n);
int rpti_buf_u8(rpt_buf *b, uint8_t v);
int rpti_buf_u32(rpt_buf *b, uint32_t v);
int rpti_buf_u64(rpt_buf *b, uint64_t v);
int rpti_buf_varint(rpt_buf *b, uint64_t v);
int rpti_buf_str(rpt_buf *b, const void *s, size_t n); /* varint length + bytes */
void rpti_buf_free(rpt_buf *b);

/* The one growth helper for arrays: makes *pp (a pointer to an array of
 * elem-byte elements, with room for *cap) hold at least need elements,
 * doubling. pp is the address of the array pointer. On failure neither
 * the pointer nor *cap changes, so the caller's array stays valid and is
 * freed once, by its owner. Returns RPT_OK or RPT_E_NOMEM. */
int rpti_grow(void *pp, size_t *cap, size_t need, size_t elem);

/* A bounds-checked cursor over bytes that came from a file. Every getter
 * returns RPT_OK, RPT_E_TRUNCATED (runs past the end) or RPT_E_FORMAT
 * (an over-long or overflowing varint). */
typedef struct rpt_cur {
    const uint8_t *p;
    size_t len, pos;
} rpt_cur;
int rpti_cur_u8(rpt_cur *c, uint8_t *v);
int rpti_cur_u32(rpt_cur *c, uint32_t *v);
int rpti_cur_u64(rpt_cur *c, uint64_t *v);
int rpti_cur_varint(rpt_cur *c, uint64_t *v);
int rpti_cur_bytes(rpt_cur *c, size_t n, const uint8_t **p);
/* varint length (<= cap, else RPT_E_LIMIT) then that many bytes */
int rpti_cur_str(rpt_cur *c, size_t cap, const uint8_t **p, size_t *n);

size_t rpti_varint_encode(uint8_t out[10], uint64_t v);

/* ----- errors on handles ----- */
#define RPT_ERRLEN 512
/* Formats a detail string into buf (RPT_ERRLEN bytes) and returns code. */
int rpti_seterr(char *buf, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* A handle's failure state, kept the way libarchive keeps ARCHIVE_FATAL:
 * the first failure wins. rpti_fail() formats into scratch space first, so
 * a message may quote the current one ("%s", f->msg) without clobbering
 * it, and once code is set every later rpti_fail() leaves code and msg as
 * they were and returns the first code. A public call on a failed handle
 * returns rpti_failed() at once. */
typedef struct rpti_failure {
    int code;              /* RPT_OK until the first failure */
    char msg[RPT_ERRLEN];  /* the first failure's detail */
} rpti_failure;
int rpti_fail(rpti_failure *f, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* The code of the first failure, or RPT_OK. */
static inline int rpti_failed(const rpti_failure *f) { return f->code; }

/* Copies a detail into a caller's (err, errlen), which may be NULL. */
int rpti_seterr_user(char *err, size_t errlen, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* ----- keys ----- */
struct rpt_seckey {
    uint8_t id[RPT_KEY_ID_BYTES];
    uint8_t sk[64]; /* libsodium Ed25519 secret key: seed then public key */
};

/* ----- names and text ----- */
int rpti_utf8_valid(const uint8_t *s, size_t n);
/* The cores this process may run on (its affinity mask, which taskset and
 * container cpusets set), at least 1. */
unsigned rpti_cpu_count(void);

/* ----- record body (record.c) ----- */
typedef struct rpt_recinfo {
    /* parsed view; pointers into the chunk body */
    const uint8_t *meta;  /* the signed metadata section */
    size_t meta_len;
    const uint8_t *name; size_t name_len;
    int64_t issued;
    const uint8_t *title; size_t title_len;
    const uint8_t *source; size_t source_len;
    const uint8_t *media; size_t media_len;
    uint64_t n_meta;
    const uint8_t *extras; size_t extras_len; /* the encoded pairs */
    uint64_t size;
    uint8_t method;
    uint32_t dict;
    const uint8_t *key_id;
    const uint8_t *sig;
    const uint8_t *payload; size_t payload_len;
} rpt_recinfo;

/* Encodes a record's metadata section (spec 4.5) into b. */
int rpti_record_meta_encode(rpt_buf *b, const rpt_record_info *info,
                           uint64_t size, char *err);
/* Parses a RECD body. Returns RPT_OK, RPT_E_FORMAT, RPT_E_TRUNCATED,
 * RPT_E_LIMIT or RPT_E_NAME, with a detail in err. */
int rpti_record_parse(const uint8_t *body, size_t len, rpt_recinfo *ri, char *err);
/* The 80-byte message a record signature covers. */
void rpti_record_sigmsg(uint8_t msg[80], const uint8_t *meta, size_t meta_len,
                       const uint8_t *payload, size_t payload_len);

/* ----- chunk bytes (chunk.c) ----- */
/* Appends a whole chunk (header, body, CRC) to b. */
int rpti_chunk_put(rpt_buf *b, uint32_t type, const uint8_t *body, size_t len);
/* CRC of a chunk: crc32 over type then body. */
uint32_t rpti_chunk_crc(uint32_t type, const uint8_t *body, size_t len);

/* writer.c: an ancillary chunk (lower-case first letter) for tests. */
int rpti_writer_put_ancillary(rpt_writer *w, uint32_t type, const void *body, size_t len);


#endif
