/* SPDX-License-Identifier: ISC */
/* chunk.c -- the one framing rule every chunk follows: type, length, body,
 * CRC-32 over type and body; the per-type caps and the critical bit. */
#include "internal.h"

#include <zlib.h>

int rpti_chunk_type_valid(uint32_t type) {
    for (int i = 0; i < 4; i++) {
        uint8_t c = (uint8_t)(type >> (8 * i));
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return 0;
    }
    return 1;
}

/* PNG's convention: bit 5 of the first letter clear (upper case) means a
 * reader that does not know the chunk must stop. */
int rpti_chunk_is_critical(uint32_t type) { return (type & 0x20u) == 0; }

uint32_t rpti_chunk_cap(uint32_t type) {
    switch (type) {
    case RPT_T_HEAD: return 8192;
    case RPT_T_KEYS: return 1u << 20;
    case RPT_T_DICT: return RPT_DICT_MAX + 64;
    case RPT_T_RECD: return RPT_PAYLOAD_MAX + (2u << 20);
    case RPT_T_INDX: return 1u << 30;
    case RPT_T_SEAL: return 4096;
    case RPT_T_TRLR: return RPT_TRAILER_BODY;
    default: return rpti_chunk_is_critical(type) ? 0 : 16u << 20;
    }
}

void rpti_type_str(uint32_t type, char out[5]) {
    for (int i = 0; i < 4; i++) {
        uint8_t c = (uint8_t)(type >> (8 * i));
        out[i] = (c >= 0x21 && c < 0x7f) ? (char)c : '?';
    }
    out[4] = 0;
}

uint32_t rpti_chunk_crc(uint32_t type, const uint8_t *body, size_t len) {
    uint8_t t[4];
    rpti_le32_store(t, type);
    uLong crc = crc32(0L, t, 4);
    /* zlib's crc32 takes a uInt length: feed large bodies in pieces. */
    while (len > 0) {
        uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;
        crc = crc32(crc, body, n);
        body += n;
        len -= n;
    }
    return (uint32_t)crc;
}

int rpti_chunk_put(rpt_buf *b, uint32_t type, const uint8_t *body, size_t len) {
    if (len > UINT32_MAX) return RPT_E_LIMIT;
    int rc = rpti_buf_reserve(b, len + RPT_CHUNK_OVERHEAD);
    if (rc) return rc;
    rpti_buf_u32(b, type);
    rpti_buf_u32(b, (uint32_t)len);
    rpti_buf_put(b, body, len);
    return rpti_buf_u32(b, rpti_chunk_crc(type, body, len));
}
