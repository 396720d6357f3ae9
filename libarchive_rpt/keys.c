/* SPDX-License-Identifier: ISC */
/* keys.c -- minisign 0.11 key files (spec/KEYS.md): parsing and writing the
 * .pub and .key text, scrypt encryption, and the secret key's lifetime. */
#include "internal.h"
#include "place.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ----- the bytes (spec/KEYS.md) ----- */
#define PK_BYTES 42u      /* "Ed" + key number + public key */
#define SK_BYTES 158u     /* header (54) + key block (104) */
#define SK_HEAD 54u       /* algorithms (6) + salt (32) + opslimit + memlimit */
#define SK_BLOCK 104u     /* key number (8) + secret key (64) + checksum (32) */
#define SK_OFF_SALT 6u
#define SK_OFF_OPS 38u
#define SK_OFF_MEM 46u
#define SALT_BYTES 32u
#define CHK_BYTES 32u

/* A key file is two short lines; anything bigger is not one of ours, and
 * capping before reading keeps a hostile path (a device, a huge file) from
 * costing memory. */
#define KEYFILE_MAX 4096u
/* Comments stay well inside the file cap; minisign's own limit is 1024. */
#define COMMENT_MAX 1024u

/* What the reader accepts from a file's KDF fields. minisign writes
 * 2^25 / 1 GiB; these caps leave headroom yet refuse a file that asks for
 * a terabyte or for days of work. */
#define KDF_MEMLIMIT_MAX ((uint64_t)2 << 30) /* 2 GiB */
#define KDF_OPSLIMIT_MAX ((uint64_t)1 << 32)

/* What the writer uses: minisign's own parameters. */
#define KDF_OPSLIMIT_WRITE 33554432ull
#define KDF_MEMLIMIT_WRITE 1073741824ull

static const char pub_comment_prefix[] = "untrusted comment: ";
static const char default_sec_comment[] = "minisign encrypted secret key";

/* ----- key id ----- */
void rpt_key_id_hex(const uint8_t id[RPT_KEY_ID_BYTES], char hex[17]) {
    static const char digits[] = "0123456789ABCDEF";
    /* Little-endian: the most significant digit pair is the last byte. */
    for (int i = 0; i < RPT_KEY_ID_BYTES; i++) {
        uint8_t b = id[RPT_KEY_ID_BYTES - 1 - i];
        hex[2 * i] = digits[b >> 4];
        hex[2 * i + 1] = digits[b & 15];
    }
    hex[16] = '\0';
}

/* ----- text ----- */
static int is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
           c == '\f';
}

/* Takes the next line out of [*p, end): sets *line and *n to it without
 * surrounding whitespace (so CRLF and trailing blanks do not matter).
 * Returns 0 at the end of the text. */
static int next_line(const char **p, const char *end, const char **line,
                     size_t *n) {
    if (*p >= end) return 0;
    const char *s = *p;
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    const char *e = nl ? nl : end;
    *p = nl ? nl + 1 : end;
    while (s < e && is_space(*s)) s++;
    while (e > s && is_space(e[-1])) e--;
    *line = s;
    *n = (size_t)(e - s);
    return 1;
}

/* Finds the base64 line of a key file's text: the line after an
 * "untrusted comment:" line, or the first non-blank line when there is
 * no comment. Only blank lines may follow it. */
static int find_b64(const char *text, size_t len, const char **b64,
                    size_t *b64len, const char *what, char *err,
                    size_t errlen) {
    const char *p = text, *end = text + len, *line;
    size_t n;
    if (memchr(text, '\0', len))
        return rpti_seterr_user(err, errlen, RPT_E_KEY,
                               "%s: contains a NUL byte", what);
    do {
        if (!next_line(&p, end, &line, &n))
            return rpti_seterr_user(err, errlen, RPT_E_KEY, "%s: empty", what);
    } while (n == 0);
    size_t cl = sizeof pub_comment_prefix - 2; /* "untrusted comment:" */
    if (n >= cl && memcmp(line, pub_comment_prefix, cl) == 0) {
        if (!next_line(&p, end, &line, &n) || n == 0)
            return rpti_seterr_user(err, errlen, RPT_E_KEY,
                                   "%s: no key line after the comment", what);
    }
    *b64 = line;
    *b64len = n;
    const char *rest;
    size_t rn;
    while (next_line(&p, end, &rest, &rn))
        if (rn)
            return rpti_seterr_user(err, errlen, RPT_E_KEY,
                                   "%s: unexpected text after the key line",
                                   what);
    return RPT_OK;
}

/* Decodes exactly want bytes of standard, padded base64. */
static int decode_b64(uint8_t *out, size_t want, const char *b64, size_t n,
                      const char *what, char *err, size_t errlen) {
    size_t got = 0;
    const char *stop = NULL;
    /* A base64 text longer than want's encoding cannot be right; refusing
     * it first keeps sodium from decoding a long line for nothing. */
    if (n != sodium_base64_ENCODED_LEN(want, sodium_base64_VARIANT_ORIGINAL) - 1)
        return rpti_seterr_user(err, errlen, RPT_E_KEY,
                               "%s: the key line has %zu characters, "
                               "expected %zu", what, n,
                               (size_t)sodium_base64_ENCODED_LEN(
                                   want, sodium_base64_VARIANT_ORIGINAL) - 1);
    if (sodium_base642bin(out, want, b64, n, NULL, &got, &stop,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        stop != b64 + n || got != want)
        return rpti_seterr_user(err, errlen, RPT_E_KEY,
                               "%s: the key line is not valid base64 of %zu "
                               "bytes", what, want);
    return RPT_OK;
}

/* ----- public keys ----- */
int rpt_pubkey_parse(const char *text, size_t len, rpt_pubkey *out, char *err,
                     size_t errlen) {
    if (!text || !out)
        return rpti_seterr_user(err, errlen, RPT_E_ARG, "public key: no input");
    const char *b64;
    size_t n;
    uint8_t raw[PK_BYTES];
    int rc = find_b64(text, len, &b64, &n, "public key", err, errlen);
    if (rc) return rc;
    rc = decode_b64(raw, sizeof raw, b64, n, "public key", err, errlen);
    if (rc) return rc;
    if (raw[0] != 'E' || raw[1] != 'd')
        return rpti_seterr_user(err, errlen, RPT_E_KEY,
                               "public key: algorithm 0x%02X%02X is not "
                               "Ed25519 ('Ed')", raw[0], raw[1]);
    memcpy(out->id, raw + 2, RPT_KEY_ID_BYTES);
    memcpy(out->pk, raw + 2 + RPT_KEY_ID_BYTES, RPT_PUBLIC_KEY_BYTES);
    return RPT_OK;
}

/* Reads a whole key file of at most KEYFILE_MAX bytes into buf (at least
 * KEYFILE_MAX + 1 bytes). Opens with O_NOCTTY and reads with read(2), not
 * stdio, so no library buffer keeps a copy of a secret file. */
static int read_keyfile(const char *path, char *buf, size_t *len,
                        char *err, size_t errlen) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return rpti_seterr_user(err, errlen, RPT_E_IO, "%s: %s", path,
                               strerror(errno));
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        st.st_size > (off_t)KEYFILE_MAX) {
        close(fd);
        return rpti_seterr_user(err, errlen, RPT_E_KEY,
                               "%s: %lld bytes is too big for a key file "
                               "(at most %u)", path, (long long)st.st_size,
                               KEYFILE_MAX);
    }
    size_t got = 0;
    while (got <= KEYFILE_MAX) {
        ssize_t r = read(fd, buf + got, KEYFILE_MAX + 1 - got);
        if (r < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            close(fd);
            return rpti_seterr_user(err, errlen, RPT_E_IO, "%s: %s", path,
                                   strerror(e));
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    close(fd);
    if (got > KEYFILE_MAX)
        return rpti_seterr_user(err, errlen, RPT_E_KEY,
                               "%s: too big for a key file (at most %u bytes)",
                               path, KEYFILE_MAX);
    *len = got;
    return RPT_OK;
}

int rpt_pubkey_load(const char *path, rpt_pubkey *out, char *err,
                    size_t errlen) {
    if (!path || !out)
        return rpti_seterr_user(err, errlen, RPT_E_ARG, "public key: no path");
    char buf[KEYFILE_MAX + 1];
    size_t len;
    int rc = read_keyfile(path, buf, &len, err, errlen);
    if (rc) return rc;
    char detail[RPT_ERRLEN];
    rc = rpt_pubkey_parse(buf, len, out, detail, sizeof detail);
    if (rc)
        return rpti_seterr_user(err, errlen, rc, "%s: %s", path, detail);
    return RPT_OK;
}

/* ----- secret keys: reading ----- */

/* Reads and decodes a secret key file into raw (SK_BYTES, sodium memory).
 * The file text holds an unencrypted key in the clear, so it too lives in
 * sodium memory and is wiped on the way out. */
static int read_seckey_raw(const char *path, uint8_t *raw, char *err,
                           size_t errlen) {
    char *text = sodium_malloc(KEYFILE_MAX + 1);
    if (!text)
        return rpti_seterr_user(err, errlen, RPT_E_NOMEM, "out of memory");
    size_t len = 0;
    char detail[RPT_ERRLEN];
    const char *b64;
    size_t n;
    int rc = read_keyfile(path, text, &len, err, errlen);
    if (rc) goto out;
    rc = find_b64(text, len, &b64, &n, "secret key", detail, sizeof detail);
    if (!rc)
        rc = decode_b64(raw, SK_BYTES, b64, n, "secret key", detail,
                        sizeof detail);
    if (rc) {
        rpti_seterr_user(err, errlen, rc, "%s: %s", path, detail);
        goto out;
    }
    if (raw[0] != 'E' || raw[1] != 'd') {
        rc = rpti_seterr_user(err, errlen, RPT_E_KEY,
                             "%s: signature algorithm 0x%02X%02X is not "
                             "Ed25519 ('Ed')", path, raw[0], raw[1]);
        goto out;
    }
    if (!((raw[2] == 'S' && raw[3] == 'c') || (raw[2] == 0 && raw[3] == 0))) {
        rc = rpti_seterr_user(err, errlen, RPT_E_KEY,
                             "%s: key derivation 0x%02X%02X is neither "
                             "scrypt ('Sc') nor none", path, raw[2], raw[3]);
        goto out;
    }
    if (raw[4] != 'B' || raw[5] != '2') {
        rc = rpti_seterr_user(err, errlen, RPT_E_KEY,
                             "%s: checksum algorithm 0x%02X%02X is not "
                             "BLAKE2b ('B2')", path, raw[4], raw[5]);
        goto out;
    }
out:
    sodium_free(text);
    return rc;
}

int rpt_seckey_is_encrypted(const char *path, int *encrypted, char *err,
                            size_t errlen) {
    if (!path || !encrypted)
        return rpti_seterr_user(err, errlen, RPT_E_ARG, "secret key: no path");
    if (sodium_init() < 0)
        return rpti_seterr_user(err, errlen, RPT_E_CRYPTO,
                               "cannot initialise libsodium");
    uint8_t *raw = sodium_malloc(SK_BYTES);
    if (!raw)
        return rpti_seterr_user(err, errlen, RPT_E_NOMEM, "out of memory");
    int rc = read_seckey_raw(path, raw, err, errlen);
    if (!rc) *encrypted = raw[2] == 'S';
    sodium_free(raw);
    return rc;
}

/* BLAKE2b-256 of "Ed" || key number || secret key. */
static void key_checksum(uint8_t out[CHK_BYTES], const uint8_t id[8],
                         const uint8_t sk[64]) {
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, CHK_BYTES);
    crypto_generichash_update(&st, (const uint8_t *)"Ed", 2);
    crypto_generichash_update(&st, id, 8);
    crypto_generichash_update(&st, sk, 64);
    crypto_generichash_final(&st, out, CHK_BYTES);
    sodium_memzero(&st, sizeof st);
}

/* XORs the scrypt output for (passphrase, salt, limits) over block.
 * Returns RPT_OK or RPT_E_NOMEM. */
static int kdf_xor(uint8_t *block, const char *pass, size_t passlen,
                   const uint8_t salt[SALT_BYTES], uint64_t ops, uint64_t mem) {
    uint8_t *stream = sodium_malloc(SK_BLOCK);
    if (!stream) return RPT_E_NOMEM;
    int rc = RPT_OK;
    if (crypto_pwhash_scryptsalsa208sha256(stream, SK_BLOCK, pass, passlen,
                                           salt, (unsigned long long)ops,
                                           (size_t)mem) != 0)
        rc = RPT_E_NOMEM;
    else
        for (size_t i = 0; i < SK_BLOCK; i++) block[i] ^= stream[i];
    sodium_free(stream);
    return rc;
}

int rpt_seckey_load(const char *path, const char *passphrase, size_t passlen,
                    rpt_seckey **out, char *err, size_t errlen) {
    if (!out)
        return rpti_seterr_user(err, errlen, RPT_E_ARG, "secret key: no output");
    *out = NULL;
    if (!path)
        return rpti_seterr_user(err, errlen, RPT_E_ARG, "secret key: no path");
    if (sodium_init() < 0)
        return rpti_seterr_user(err, errlen, RPT_E_CRYPTO,
                               "cannot initialise libsodium");
    uint8_t *raw = sodium_malloc(SK_BYTES);
    if (!raw)
        return rpti_seterr_user(err, errlen, RPT_E_NOMEM, "out of memory");
    rpt_seckey *k = NULL;
    uint8_t chk[CHK_BYTES];
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    int rc = read_seckey_raw(path, raw, err, errlen);
    if (rc) goto out;

    uint8_t *block = raw + SK_HEAD;
    const uint8_t *id = block, *sk = block + 8, *stored = block + 72;
    int encrypted = raw[2] == 'S';
    if (encrypted) {
        uint64_t ops = rpti_le64_load(raw + SK_OFF_OPS);
        uint64_t mem = rpti_le64_load(raw + SK_OFF_MEM);
        if (mem > KDF_MEMLIMIT_MAX || ops > KDF_OPSLIMIT_MAX) {
            rc = rpti_seterr_user(err, errlen, RPT_E_KEY,
                                 "%s: scrypt limits opslimit %" PRIu64
                                 ", memlimit %" PRIu64 " are over this "
                                 "reader's caps (%" PRIu64 ", %" PRIu64 ")",
                                 path, ops, mem, KDF_OPSLIMIT_MAX,
                                 KDF_MEMLIMIT_MAX);
            goto out;
        }
        if (!passphrase) {
            rc = rpti_seterr_user(err, errlen, RPT_E_PASSPHRASE,
                                 "%s: the key is encrypted and no passphrase "
                                 "was given", path);
            goto out;
        }
        rc = kdf_xor(block, passphrase, passlen, raw + SK_OFF_SALT, ops, mem);
        if (rc) {
            rpti_seterr_user(err, errlen, rc,
                            "%s: scrypt could not get %" PRIu64 " bytes of "
                            "memory", path, mem);
            goto out;
        }
    }

    key_checksum(chk, id, sk);
    if (encrypted || !sodium_is_zero(stored, CHK_BYTES)) {
        if (sodium_memcmp(chk, stored, CHK_BYTES) != 0) {
            rc = encrypted
                     ? rpti_seterr_user(err, errlen, RPT_E_PASSPHRASE,
                                       "%s: wrong passphrase (the key's "
                                       "checksum does not match)", path)
                     : rpti_seterr_user(err, errlen, RPT_E_KEY,
                                       "%s: the key's checksum does not "
                                       "match: the file is damaged", path);
            goto out;
        }
    }
    /* An unencrypted -W key has no checksum at all; the public half stored
     * inside the secret key is then the only thing that can catch damage,
     * and a key whose halves disagree would sign with one key and name
     * another. */
    crypto_sign_ed25519_sk_to_pk(pk, sk);
    {
        uint8_t derived_pk[crypto_sign_PUBLICKEYBYTES];
        uint8_t *ekp = sodium_malloc(64);
        if (!ekp) {
            rc = rpti_seterr_user(err, errlen, RPT_E_NOMEM, "out of memory");
            goto out;
        }
        crypto_sign_seed_keypair(derived_pk, ekp, sk);
        sodium_free(ekp);
        if (sodium_memcmp(derived_pk, pk, sizeof pk) != 0) {
            rc = rpti_seterr_user(err, errlen, RPT_E_KEY,
                                 "%s: the public key inside the secret key "
                                 "does not belong to its seed: the file is "
                                 "damaged", path);
            goto out;
        }
    }

    k = sodium_malloc(sizeof *k);
    if (!k) {
        rc = rpti_seterr_user(err, errlen, RPT_E_NOMEM, "out of memory");
        goto out;
    }
    memcpy(k->id, id, RPT_KEY_ID_BYTES);
    memcpy(k->sk, sk, 64);
    *out = k;
    rc = RPT_OK;
out:
    sodium_memzero(chk, sizeof chk);
    sodium_free(raw);
    return rc;
}

/* ----- secret keys: making ----- */
int rpt_seckey_generate(rpt_seckey **out) {
    if (!out) return RPT_E_ARG;
    *out = NULL;
    if (sodium_init() < 0) return RPT_E_CRYPTO;
    rpt_seckey *k = sodium_malloc(sizeof *k);
    if (!k) return RPT_E_NOMEM;
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    crypto_sign_keypair(pk, k->sk);
    randombytes_buf(k->id, sizeof k->id);
    *out = k;
    return RPT_OK;
}

int rpt_seckey_from_seed(const uint8_t seed[32],
                         const uint8_t id[RPT_KEY_ID_BYTES],
                         rpt_seckey **out) {
    if (!out) return RPT_E_ARG;
    *out = NULL;
    if (!seed || !id) return RPT_E_ARG;
    if (sodium_init() < 0) return RPT_E_CRYPTO;
    rpt_seckey *k = sodium_malloc(sizeof *k);
    if (!k) return RPT_E_NOMEM;
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    crypto_sign_seed_keypair(pk, k->sk, seed);
    memcpy(k->id, id, RPT_KEY_ID_BYTES);
    *out = k;
    return RPT_OK;
}

void rpt_seckey_public(const rpt_seckey *sk, rpt_pubkey *out) {
    if (!sk || !out) return;
    memcpy(out->id, sk->id, RPT_KEY_ID_BYTES);
    crypto_sign_ed25519_sk_to_pk(out->pk, sk->sk);
}

void rpt_seckey_free(rpt_seckey *sk) {
    sodium_free(sk); /* wipes; accepts NULL */
}

/* ----- secret keys: saving ----- */

/* Writes all of buf to fd. */
static int write_all(int fd, const char *buf, size_t n) {
    while (n) {
        ssize_t w = write(fd, buf, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Writes text to a new temporary for path (place.c), synced, not yet in
 * place. */
static int write_placed(rpti_place *pl, const char *path, int overwrite, mode_t mode,
                        const char *text, size_t n, char *err, size_t errlen) {
    char why[RPT_ERRLEN];
    int rc = rpti_place_open(pl, path, overwrite, mode, why);
    if (rc == RPT_OK && write_all(pl->fd, text, n) != 0)
        rc = rpti_seterr(why, RPT_E_IO, "%s: %s", path, strerror(errno));
    return rc ? rpti_seterr_user(err, errlen, rc, "%s", why) : RPT_OK;
}

static int commit_placed(rpti_place *pl, char *err, size_t errlen) {
    char why[RPT_ERRLEN];
    int rc = rpti_place_commit(pl, why);
    return rc ? rpti_seterr_user(err, errlen, rc, "%s", why) : RPT_OK;
}

/* Builds "untrusted comment: <comment>\n<base64>\n" into a sodium buffer
 * (the secret file's text is secret). */
static char *key_text(const char *comment, const uint8_t *bin, size_t n,
                      size_t *len) {
    size_t b64cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    size_t cap = sizeof pub_comment_prefix + strlen(comment) + 1 + b64cap + 1;
    char *t = sodium_malloc(cap);
    if (!t) return NULL;
    size_t pos = (size_t)snprintf(t, cap, "%s%s\n", pub_comment_prefix, comment);
    sodium_bin2base64(t + pos, cap - pos, bin, n, sodium_base64_VARIANT_ORIGINAL);
    pos += strlen(t + pos);
    t[pos++] = '\n';
    *len = pos;
    return t;
}

static int comment_ok(const char *c) {
    size_t n = strlen(c);
    if (n > COMMENT_MAX) return 0;
    for (size_t i = 0; i < n; i++)
        if (c[i] == '\n' || c[i] == '\r') return 0;
    return 1;
}

int rpt_seckey_save(const rpt_seckey *sk, const char *pub_path,
                    const char *sec_path, const char *passphrase,
                    size_t passlen, const char *comment, int overwrite,
                    char *err, size_t errlen) {
    if (!sk || !pub_path || !sec_path)
        return rpti_seterr_user(err, errlen, RPT_E_ARG,
                               "save key: missing key or path");
    if (strcmp(pub_path, sec_path) == 0)
        return rpti_seterr_user(err, errlen, RPT_E_ARG,
                               "save key: public and secret paths are the "
                               "same (%s)", pub_path);
    if (comment && !comment_ok(comment))
        return rpti_seterr_user(err, errlen, RPT_E_ARG,
                               "save key: the comment must be one line of at "
                               "most %u bytes", COMMENT_MAX);
    if (sodium_init() < 0)
        return rpti_seterr_user(err, errlen, RPT_E_CRYPTO,
                               "cannot initialise libsodium");
    /* Refuse early, before spending seconds on scrypt; the place's commit
     * makes the check that counts. */
    if (!overwrite) {
        struct stat st;
        const char *paths[2] = {sec_path, pub_path};
        for (int i = 0; i < 2; i++)
            if (lstat(paths[i], &st) == 0)
                return rpti_seterr_user(err, errlen, RPT_E_EXISTS,
                                       "%s: exists (use overwrite to replace "
                                       "it)", paths[i]);
    }

    char hex[17];
    rpt_key_id_hex(sk->id, hex);
    char pub_comment[64];
    snprintf(pub_comment, sizeof pub_comment, "minisign public key %s", hex);

    uint8_t pub[PK_BYTES];
    pub[0] = 'E';
    pub[1] = 'd';
    memcpy(pub + 2, sk->id, RPT_KEY_ID_BYTES);
    crypto_sign_ed25519_sk_to_pk(pub + 2 + RPT_KEY_ID_BYTES, sk->sk);

    int rc = RPT_OK;
    char *pub_text = NULL, *sec_text = NULL;
    rpti_place pub_pl = {.fd = -1}, sec_pl = {.fd = -1};
    int sec_placed = 0;
    size_t pub_len = 0, sec_len = 0;
    uint8_t *raw = sodium_malloc(SK_BYTES);
    if (!raw) {
        rc = rpti_seterr_user(err, errlen, RPT_E_NOMEM, "out of memory");
        goto out;
    }

    memset(raw, 0, SK_BYTES);
    raw[0] = 'E';
    raw[1] = 'd';
    raw[4] = 'B';
    raw[5] = '2';
    uint8_t *block = raw + SK_HEAD;
    memcpy(block, sk->id, 8);
    memcpy(block + 8, sk->sk, 64);
    if (passphrase) {
        raw[2] = 'S';
        raw[3] = 'c';
        randombytes_buf(raw + SK_OFF_SALT, SALT_BYTES);
        rpti_le64_store(raw + SK_OFF_OPS, KDF_OPSLIMIT_WRITE);
        rpti_le64_store(raw + SK_OFF_MEM, KDF_MEMLIMIT_WRITE);
        key_checksum(block + 72, sk->id, sk->sk);
        rc = kdf_xor(block, passphrase, passlen, raw + SK_OFF_SALT,
                     KDF_OPSLIMIT_WRITE, KDF_MEMLIMIT_WRITE);
        if (rc) {
            rpti_seterr_user(err, errlen, rc,
                            "save key: scrypt could not get 1 GiB of memory");
            goto out;
        }
    }
    /* Unencrypted: KDF fields and checksum stay zero, byte for byte what
     * `minisign -G -W` writes. */

    pub_text = key_text(comment ? comment : pub_comment, pub, sizeof pub,
                        &pub_len);
    sec_text = key_text(comment ? comment : default_sec_comment, raw, SK_BYTES,
                        &sec_len);
    if (!pub_text || !sec_text) {
        rc = rpti_seterr_user(err, errlen, RPT_E_NOMEM, "out of memory");
        goto out;
    }

    /* the secret key is for its owner alone; the public one follows the
     * umask, as any file */
    rc = write_placed(&sec_pl, sec_path, overwrite, 0600, sec_text, sec_len, err, errlen);
    if (rc) goto out;
    rc = write_placed(&pub_pl, pub_path, overwrite, 0666, pub_text, pub_len, err, errlen);
    if (rc) goto out;

    /* The secret key first: a crash in between leaves a usable secret key
     * whose public half can be written again, never a public key whose
     * secret is lost. */
    rc = commit_placed(&sec_pl, err, errlen);
    if (rc) goto out;
    sec_placed = 1;
    rc = commit_placed(&pub_pl, err, errlen);

out:
    if (rc && sec_placed && !overwrite) unlink(sec_path); /* ours alone */
    rpti_place_discard(&sec_pl);
    rpti_place_discard(&pub_pl);
    sodium_free(raw);
    sodium_free(pub_text);
    sodium_free(sec_text);
    return rc;
}
