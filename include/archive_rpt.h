/* SPDX-License-Identifier: ISC */
/* archive_rpt.h -- the public interface of libarchive_rpt, the reference
 * implementation of the rpt signed bulletin archive format (spec/FORMAT.md).
 *
 * LIFECYCLE
 *
 * Writing an archive:
 *   1) Load the packer's secret key: rpt_seckey_load().
 *   2) Open a writer: rpt_writer_open_path() (temporary file, renamed into
 *      place at close), rpt_writer_open_fd() (a pipe, one pass), or
 *      rpt_writer_open_append() (adds a new sealed generation).
 *   3) Optionally give it compression dictionaries: rpt_writer_add_dict().
 *   4) Add records: rpt_writer_add(), once per bulletin.
 *   5) rpt_writer_close() writes the index, the seal and the trailer.
 *   6) rpt_writer_free() releases the handle; on a handle that was never
 *      closed successfully it discards the temporary file, so a failed
 *      pack never leaves half an archive under the final name.
 *
 * Reading an archive:
 *   1) rpt_reader_open_path() (random access through the trailer) or
 *      rpt_reader_open_fd() (sequential, e.g. a pipe).
 *   2) Declare the keys you trust: rpt_reader_trust().
 *   3) Either look records up (rpt_reader_count(), rpt_reader_entry(),
 *      rpt_reader_find(), rpt_reader_read()), iterate them
 *      (rpt_reader_next()), or check everything (rpt_reader_verify()).
 *   4) rpt_reader_free().
 *
 * ERRORS
 *
 * Every call that can fail returns RPT_OK (0) or a negative RPT_E_* code,
 * one per kind of failure. The handle keeps a human-readable detail string
 * (rpt_writer_error(), rpt_reader_error()) describing the last failure,
 * e.g. "record 17 'a/b.txt': signature does not verify with key
 * E6D397CBE41DE7EE". The library never prints, never exits and never
 * aborts on any input.
 *
 * THREAD SAFETY
 *
 * Every function is thread-safe provided rpt_init() has returned RPT_OK
 * before (it calls sodium_init(), the only global state). A handle
 * (rpt_writer, rpt_reader, rpt_seckey) must not be used from two threads at
 * once; distinct handles may be used concurrently. A writer may start its
 * own worker threads (rpt_writer_options.threads); they never outlive
 * rpt_writer_close() or rpt_writer_free().
 *
 * ABI
 *
 * The shared library's soname is libarchive_rpt.so.1 and every symbol is
 * versioned (RPT_1.0). A struct a caller fills for the library
 * (rpt_writer_options, rpt_record_info) starts with a size field, so the
 * library knows which fields the caller was compiled with; fields are only
 * ever added at the end. A struct the library fills into the caller's
 * storage (rpt_record, rpt_verify_summary, rpt_archive_info) ends in
 * reserved space that later fields are taken from, so its size never
 * changes. A program built against 1.x runs with any later 1.y.
 *
 * MEMORY
 *
 * A random-access reader holds the headers of the live index segments
 * (32 bytes per 16 KiB of index), the index blocks it has used, and one
 * record at a time; a sequential reader or rpt_reader_verify() holds one
 * chunk at a time (at most the largest record or index segment) plus a
 * list of the records seen; a writer holds the index of what it writes
 * and at most 2 * threads records in flight. Memory is bounded by the
 * largest record plus the index, never by the archive size.
 */
#ifndef ARCHIVE_RPT_H
#define ARCHIVE_RPT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define RPT_EXPORT __attribute__((visibility("default")))
#define RPT_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define RPT_EXPORT
#define RPT_WARN_UNUSED
#endif

/* The version of this header. rpt_version() gives the library's. */
#define RPT_VERSION_MAJOR 1
#define RPT_VERSION_MINOR 0
#define RPT_VERSION_PATCH 0
#define RPT_VERSION_STRING "1.0.0"
/* One number that grows with each release: 10000 * major + 100 * minor +
 * patch, for #if tests. */
#define RPT_VERSION_NUMBER                                                     \
    (RPT_VERSION_MAJOR * 10000 + RPT_VERSION_MINOR * 100 + RPT_VERSION_PATCH)

/* ---------------------------------------------------------------------
 * Sizes and limits. tests/unit/test_const.c checks that the code uses
 * exactly these values.
 */
#define RPT_FORMAT_MAJOR 1
#define RPT_FORMAT_MINOR 0
#define RPT_MAGIC_BYTES 8          /* 0x81 'R' 'P' 'T' CR LF ^Z LF */
#define RPT_CHUNK_OVERHEAD 12      /* type(4) + length(4) + crc(4) */
#define RPT_ARCHIVE_ID_BYTES 16
#define RPT_KEY_ID_BYTES 8
#define RPT_PUBLIC_KEY_BYTES 32
#define RPT_SIGNATURE_BYTES 64
#define RPT_DIGEST_BYTES 32        /* BLAKE2b-256 */
#define RPT_TRAILER_BYTES 48       /* the whole TRLR chunk, framing included */
#define RPT_DICT_MAX 32768         /* a zlib preset dictionary: 32 KiB */
#define RPT_NAME_MAX 4096          /* bytes of a record name */
#define RPT_TEXT_MAX 4096          /* bytes of a title, source or media type */
#define RPT_META_MAX 256           /* extra key=value pairs per record */
#define RPT_META_KEY_MAX 256       /* bytes of an extra key */
#define RPT_META_VALUE_MAX 65536   /* bytes of an extra value */
#define RPT_PAYLOAD_MAX (64u << 20) /* uncompressed bytes of one record */
#define RPT_DEFAULT_MEDIA_TYPE "text/plain; charset=utf-8"

/* ---------------------------------------------------------------------
 * Return codes. Tools map them to exit statuses:
 *   1 authenticity: RPT_E_BADSIG, RPT_E_DIGEST
 *   3 damaged:      RPT_E_FORMAT, RPT_E_TRUNCATED, RPT_E_LIMIT,
 *                   RPT_E_UNSUPPORTED, RPT_E_NOSEAL
 *   4 untrusted:    RPT_E_UNTRUSTED
 *   5 busy:         RPT_E_BUSY
 *   2 anything else (usage, I/O, keys, names, memory).
 */
#define RPT_OK 0
#define RPT_EOF 1              /* rpt_reader_next(): no more records */
#define RPT_E_IO (-1)          /* read, write, open, rename or sync failed */
#define RPT_E_NOMEM (-2)       /* out of memory */
#define RPT_E_ARG (-3)         /* invalid argument or call out of order */
#define RPT_E_FORMAT (-4)      /* damaged: bad magic, CRC, framing, field */
#define RPT_E_TRUNCATED (-5)   /* the data ends early */
#define RPT_E_LIMIT (-6)       /* a length or count is over its cap */
#define RPT_E_UNSUPPORTED (-7) /* unknown critical chunk, newer major version */
#define RPT_E_NOSEAL (-8)      /* no valid seal or trailer */
#define RPT_E_BADSIG (-9)      /* an Ed25519 signature does not verify */
#define RPT_E_DIGEST (-10)     /* a BLAKE2b digest does not match */
#define RPT_E_UNTRUSTED (-11)  /* a valid signature by a key not trusted */
#define RPT_E_NAME (-12)       /* an unsafe or invalid record name */
#define RPT_E_DUPLICATE (-13)  /* two records with the same name */
#define RPT_E_NOTFOUND (-14)   /* no record by that name */
#define RPT_E_KEY (-15)        /* a key file is malformed or unsupported */
#define RPT_E_PASSPHRASE (-16) /* wrong passphrase for an encrypted key */
#define RPT_E_EXISTS (-17)     /* the output exists and overwrite was not asked */
#define RPT_E_CRYPTO (-18)     /* libsodium could not be initialised */
#define RPT_E_BUSY (-19)       /* another process is appending to the archive */

/* Returns the library's version, e.g. "1.0.0". Never NULL. */
RPT_EXPORT const char *rpt_version(void);

/* Initialises libsodium. Call once before anything else; safe to call more
 * than once and from several threads. Returns RPT_OK or RPT_E_CRYPTO. */
RPT_EXPORT int rpt_init(void) RPT_WARN_UNUSED;

/* A short, static, English description of an RPT_E_* code. Never NULL. */
RPT_EXPORT const char *rpt_strerror(int code);

/* ---------------------------------------------------------------------
 * Keys: minisign 0.11 compatible key files (spec/KEYS.md).
 */

/* A public key. Plain data: copy it freely. */
typedef struct rpt_pubkey {
    uint8_t id[RPT_KEY_ID_BYTES];     /* minisign's key number, as stored */
    uint8_t pk[RPT_PUBLIC_KEY_BYTES]; /* Ed25519 public key */
} rpt_pubkey;

/* A secret key, kept in sodium_malloc() memory and wiped when freed. */
typedef struct rpt_seckey rpt_seckey;

/* Writes the key id as 16 upper-case hex digits and a NUL into hex (17
 * bytes): the number minisign prints, i.e. id read as little-endian. */
RPT_EXPORT void rpt_key_id_hex(const uint8_t id[RPT_KEY_ID_BYTES], char hex[17]);

/* Parses a public key from the text of a minisign .pub file, or from the
 * bare base64 line alone (as `minisign -P` takes it). text need not be
 * NUL-terminated. Returns RPT_OK, RPT_E_KEY (malformed; detail in err if
 * err is not NULL, errlen bytes at most) or RPT_E_ARG. */
RPT_EXPORT int rpt_pubkey_parse(const char *text, size_t len, rpt_pubkey *out,
                                char *err, size_t errlen) RPT_WARN_UNUSED;

/* Reads and parses a public key file. Returns RPT_OK, RPT_E_IO, RPT_E_KEY
 * or RPT_E_ARG; a detail goes to err as above. */
RPT_EXPORT int rpt_pubkey_load(const char *path, rpt_pubkey *out, char *err,
                               size_t errlen) RPT_WARN_UNUSED;

/* Tells whether the secret key file at path is encrypted with a passphrase.
 * Sets *encrypted to 1 or 0. Returns RPT_OK, RPT_E_IO or RPT_E_KEY. */
RPT_EXPORT int rpt_seckey_is_encrypted(const char *path, int *encrypted,
                                       char *err, size_t errlen) RPT_WARN_UNUSED;

/* Loads a minisign secret key file. passphrase (passlen bytes, not
 * necessarily NUL-terminated) is used only when the file is encrypted, and
 * may be NULL otherwise. On success *out is a new key the caller frees
 * with rpt_seckey_free(). Returns RPT_OK, RPT_E_IO, RPT_E_KEY,
 * RPT_E_PASSPHRASE (the checksum does not match: wrong passphrase; also an
 * encrypted key given a NULL passphrase), RPT_E_NOMEM, RPT_E_CRYPTO or
 * RPT_E_ARG. The key functions call sodium_init() themselves, so each may
 * also return RPT_E_CRYPTO. */
RPT_EXPORT int rpt_seckey_load(const char *path, const char *passphrase,
                               size_t passlen, rpt_seckey **out, char *err,
                               size_t errlen) RPT_WARN_UNUSED;

/* Makes a new random key pair. *out is freed with rpt_seckey_free().
 * Returns RPT_OK or RPT_E_NOMEM. */
RPT_EXPORT int rpt_seckey_generate(rpt_seckey **out) RPT_WARN_UNUSED;

/* Makes the key pair for a 32-byte seed, with the given key id. Meant for
 * test vectors and deterministic tests only. */
RPT_EXPORT int rpt_seckey_from_seed(const uint8_t seed[32],
                                    const uint8_t id[RPT_KEY_ID_BYTES],
                                    rpt_seckey **out) RPT_WARN_UNUSED;

/* Copies the public half of sk into *out. */
RPT_EXPORT void rpt_seckey_public(const rpt_seckey *sk, rpt_pubkey *out);

/* Writes sk as minisign key files: the public key to pub_path and the
 * secret key to sec_path (created with mode 0600). With passphrase NULL the
 * secret key is written unencrypted, as `minisign -G -W` does; otherwise it
 * is encrypted with scrypt using minisign's parameters. comment goes on
 * the untrusted comment lines (NULL: a default). Existing files are
 * refused with RPT_E_EXISTS unless overwrite is non-zero. Both files are
 * written to temporary names and moved into place. Returns RPT_OK,
 * RPT_E_EXISTS, RPT_E_IO, RPT_E_NOMEM, RPT_E_CRYPTO or RPT_E_ARG (a
 * comment that is not one line of at most 1024 bytes, or the same path
 * twice). */
RPT_EXPORT int rpt_seckey_save(const rpt_seckey *sk, const char *pub_path,
                               const char *sec_path, const char *passphrase,
                               size_t passlen, const char *comment,
                               int overwrite, char *err,
                               size_t errlen) RPT_WARN_UNUSED;

/* Wipes and frees a secret key. Accepts NULL. */
RPT_EXPORT void rpt_seckey_free(rpt_seckey *sk);

/* ---------------------------------------------------------------------
 * Records.
 */

/* One extra key=value pair of metadata. Both strings are UTF-8, NUL-free. */
typedef struct rpt_meta {
    const char *key;
    const char *value;
} rpt_meta;

/* The metadata of a record, as given to rpt_writer_add(). Strings are
 * UTF-8 and NUL-terminated; the writer copies what it needs. */
typedef struct rpt_record_info {
    size_t size;            /* sizeof(rpt_record_info), or 0: the 1.0 fields */
    const char *name;       /* required: path-like, unique (spec 4.4) */
    int64_t issued;         /* seconds since 1970-01-01T00:00:00Z */
    const char *title;      /* NULL or "": none */
    const char *source;     /* NULL or "": none */
    const char *media_type; /* NULL or "": RPT_DEFAULT_MEDIA_TYPE */
    size_t n_meta;
    const rpt_meta *meta;   /* n_meta pairs, keys unique */
} rpt_record_info;

/* Compression methods (spec 4.5). */
#define RPT_METHOD_STORED 0
#define RPT_METHOD_DEFLATE 1
#define RPT_METHOD_DEFLATE_DICT 2

/* A record as read back. Every pointer points into memory owned by the
 * reader and stays valid until the next call on that reader that returns a
 * record or entry, or until rpt_reader_free(). */
typedef struct rpt_record {
    uint64_t number;        /* 0-based position in the archive */
    uint64_t offset;        /* file offset of the record's chunk */
    uint64_t stored;        /* bytes of the whole chunk, framing included */
    uint64_t size;          /* uncompressed payload bytes */
    const char *name;
    int64_t issued;
    const char *title;      /* "" when none */
    const char *source;     /* "" when none */
    const char *media_type; /* RPT_DEFAULT_MEDIA_TYPE when stored empty */
    size_t n_meta;
    const rpt_meta *meta;
    int method;             /* RPT_METHOD_* */
    uint32_t dict;          /* dictionary number, for RPT_METHOD_DEFLATE_DICT */
    uint8_t key_id[RPT_KEY_ID_BYTES];
    uint8_t digest[RPT_DIGEST_BYTES]; /* BLAKE2b-256 of the whole chunk */
    const uint8_t *data;    /* the payload; NULL when only metadata was read */
    size_t data_len;
    int trusted;            /* 1 when the signer is in the trusted set */
    uint64_t reserved[6];   /* for later fields; the library zeroes it */
} rpt_record;

/* ---------------------------------------------------------------------
 * Writer.
 */
typedef struct rpt_writer rpt_writer;

typedef struct rpt_writer_options {
    size_t size;            /* set by rpt_writer_options_init(); 0: 1.0 */
    int level;              /* zlib level 0..9; -1 = default (6) */
    unsigned threads;       /* worker threads; 0 = one per core it may use */
    int64_t created;        /* creation time; INT64_MIN = now */
    const uint8_t *archive_id; /* 16 bytes; NULL = random */
    const char *software;   /* creating software; NULL = "rpt <version>" */
    const char *key_comment; /* comment stored with the signer key */
    /* Append only: the keys whose seals an append may build on, besides
     * the signer's own (always trusted). n_trusted keys, not copied: they
     * must outlive rpt_writer_open_append(). */
    const rpt_pubkey *trusted;
    size_t n_trusted;
    /* Append only: how long to wait, in seconds, while another process
     * appends to the archive: 0 refuses at once with RPT_E_BUSY, a
     * negative number waits as long as it takes. */
    int lock_wait;
} rpt_writer_options;

/* Fills the size bytes at opt with the defaults and sets opt->size to
 * size. Call it through rpt_writer_options_init(), which passes the size
 * the caller was compiled with; a binding that cannot use inline functions
 * calls this with its own struct size. */
RPT_EXPORT void rpt_writer_options_init_size(rpt_writer_options *opt, size_t size);

/* Fills *opt with the defaults. */
static inline void rpt_writer_options_init(rpt_writer_options *opt) {
    rpt_writer_options_init_size(opt, sizeof *opt);
}

/* Opens a writer that builds a new archive at path. The bytes go to a
 * temporary file in the same directory, which rpt_writer_close() fsyncs
 * and renames to path. An existing path is refused with RPT_E_EXISTS
 * unless overwrite is non-zero. sk must outlive the writer. opt may be
 * NULL for defaults. On success *out is the handle; on failure *out is
 * still a handle (free it) carrying the error detail, or NULL when memory
 * ran out. Returns RPT_OK, RPT_E_IO, RPT_E_EXISTS, RPT_E_NOMEM or
 * RPT_E_ARG. */
RPT_EXPORT int rpt_writer_open_path(rpt_writer **out, const char *path,
                                    int overwrite, const rpt_seckey *sk,
                                    const rpt_writer_options *opt) RPT_WARN_UNUSED;

/* Opens a writer on a descriptor the caller owns (a pipe, a socket, a
 * file). It writes in one pass, never seeks, and does not close fd.
 * Past 64 KiB, its index entries wait in an unnamed scratch file in
 * $TMPDIR (or /tmp when unset); a path or append writer makes that file
 * in the archive's directory. Returns as rpt_writer_open_path(). */
RPT_EXPORT int rpt_writer_open_fd(rpt_writer **out, int fd,
                                  const rpt_seckey *sk,
                                  const rpt_writer_options *opt) RPT_WARN_UNUSED;

/* Opens an existing archive to append a new generation. The archive is
 * checked first, before a byte is written or cut (not every record):
 * every generation's seal (its digest, the chain, the signature) must
 * verify and be signed by sk's own key or by one of opt->trusted, since
 * the new seal vouches for everything before it (RPT_E_UNTRUSTED
 * otherwise); sk's key id must not be listed with another public key
 * (RPT_E_KEY). New records go after the last trailer;
 * rpt_writer_close() writes a new index segment, a seal chained to the
 * previous one and a new trailer, then fsyncs. Until then the earlier
 * generation stays complete and valid. An incomplete tail left by an
 * earlier crash is cut off first, but only when it holds no SEAL of this
 * archive whose signature verifies: such a tail is a sealed generation
 * whose trailer is damaged, and the append fails with RPT_E_FORMAT,
 * leaving the file as it was. opt's archive_id, created and software
 * are ignored. One process appends at a time (flock); another waits
 * opt->lock_wait seconds, then gets RPT_E_BUSY. Returns RPT_OK, RPT_E_IO,
 * RPT_E_BUSY, the reader's codes for a damaged archive, RPT_E_DIGEST,
 * RPT_E_BADSIG, RPT_E_UNTRUSTED, RPT_E_KEY, RPT_E_NOMEM or RPT_E_ARG. */
RPT_EXPORT int rpt_writer_open_append(rpt_writer **out, const char *path,
                                      const rpt_seckey *sk,
                                      const rpt_writer_options *opt) RPT_WARN_UNUSED;

/* Adds a preset dictionary (at most RPT_DICT_MAX bytes) before the first
 * record; records then use whichever dictionary compresses them best.
 * Returns its number in *number (may be NULL). Returns RPT_OK, RPT_E_LIMIT,
 * RPT_E_ARG (after the first record, or more than 255 dictionaries) or
 * RPT_E_NOMEM. */
RPT_EXPORT int rpt_writer_add_dict(rpt_writer *w, const void *dict, size_t len,
                                   uint32_t *number) RPT_WARN_UNUSED;

/* Adds one record: compresses, hashes and signs it (possibly on a worker
 * thread) and writes it in call order. data (len bytes) and info are
 * copied before the call returns. Returns RPT_OK, RPT_E_NAME (unsafe or
 * invalid name, or invalid metadata), RPT_E_DUPLICATE, RPT_E_LIMIT,
 * RPT_E_IO (possibly from an earlier record written in the background),
 * RPT_E_NOMEM or RPT_E_ARG. A call refused for a bad argument before
 * anything was written (RPT_E_ARG: no record, no such dictionary) leaves
 * the writer usable; after any other failure every later call returns
 * that first failure's code, and only rpt_writer_free() is left to do. */
RPT_EXPORT int rpt_writer_add(rpt_writer *w, const rpt_record_info *info,
                              const void *data, size_t len) RPT_WARN_UNUSED;

/* Like rpt_writer_add(), but compresses with one dictionary only: dict
 * is a number from rpt_writer_add_dict() (or an earlier generation's, when
 * appending), or RPT_DICT_NONE for plain deflate. Trying every dictionary
 * costs one deflate each; a caller that knows which one fits (the
 * records of one section of an archive) saves that time. The payload is
 * still stored as is when compression does not pay. Returns as
 * rpt_writer_add(), and RPT_E_ARG for a dictionary that does not exist. */
#define RPT_DICT_NONE UINT32_MAX
RPT_EXPORT int rpt_writer_add_using(rpt_writer *w, const rpt_record_info *info,
                                    const void *data, size_t len,
                                    uint32_t dict) RPT_WARN_UNUSED;

/* Finishes: waits for the workers, writes index, seal and trailer,
 * fsyncs, and renames into place (path writers). Returns RPT_OK, RPT_E_IO,
 * RPT_E_EXISTS, RPT_E_NOMEM or RPT_E_ARG; on a writer that has already
 * failed, the code of that first failure. Closing a closed writer returns
 * RPT_OK. */
RPT_EXPORT int rpt_writer_close(rpt_writer *w) RPT_WARN_UNUSED;

/* Records rpt_writer_add() and rpt_writer_add_using() have taken so far
 * in this generation, and bytes this writer has written so far (for an
 * append, only the bytes it adds). With worker threads the bytes lag:
 * the last records taken may still be in compression until the next
 * add or rpt_writer_close(). */
RPT_EXPORT uint64_t rpt_writer_records(const rpt_writer *w);
RPT_EXPORT uint64_t rpt_writer_bytes(const rpt_writer *w);

/* The detail of the writer's first failure, or "" when none: a failure
 * is kept, and every later call on the writer (but rpt_writer_free())
 * returns its code. Never NULL for a non-NULL handle. */
RPT_EXPORT const char *rpt_writer_error(const rpt_writer *w);

/* The name of the temporary file a writer opened by rpt_writer_open_path()
 * is filling, so that a program's signal handler can unlink() it; NULL
 * when there is none to remove: the temporary is unnamed (O_TMPFILE, where
 * the file system has it, vanishes on its own when the process dies), the
 * writer is not a path writer, or it is closed. Named temporaries are
 * called PATH.rpt-tmp-HEX. The string is the writer's and stays valid
 * until rpt_writer_close() or rpt_writer_free(). */
RPT_EXPORT const char *rpt_writer_temp_path(const rpt_writer *w);

/* Frees the writer. If it was not closed successfully, stops the workers
 * and removes the temporary file (path writers) or cuts an append back to
 * the earlier generation. Accepts NULL. */
RPT_EXPORT void rpt_writer_free(rpt_writer *w);

/* Validates a record name without writing (spec 4.4). Returns RPT_OK or
 * RPT_E_NAME. */
RPT_EXPORT int rpt_name_check(const char *name, size_t len) RPT_WARN_UNUSED;

/* ---------------------------------------------------------------------
 * Dictionary training.
 */

/* Trains a preset dictionary of at most capacity bytes (<= RPT_DICT_MAX)
 * from n samples, by a COVER-style selection of frequent segments (spec
 * 6). The most valuable segments are placed last, where deflate reaches
 * them most cheaply. Deterministic for the same samples. On success
 * *dict_len is the dictionary's length (0 when the samples are too small
 * to be worth one). Returns RPT_OK, RPT_E_NOMEM or RPT_E_ARG. */
RPT_EXPORT int rpt_dict_train(const void *const *samples, const size_t *sizes,
                              size_t n, uint8_t *dict, size_t capacity,
                              size_t *dict_len) RPT_WARN_UNUSED;

/* ---------------------------------------------------------------------
 * Reader.
 */
typedef struct rpt_reader rpt_reader;

/* Flags for rpt_reader_open_*(). */
#define RPT_OPEN_SALVAGE 1u  /* damaged archive: scan for intact records */

/* Opens an archive file for random access: reads the magic, the header
 * and, through the trailer, the newest seal, the header of each live
 * index segment, the keys and the dictionaries, and verifies the seal (D
 * and signature) before the index is used. Index blocks are read and
 * checked against their digests when a lookup needs them. A file whose
 * last bytes are not a valid trailer (a crash during append) opens at the
 * last valid generation; rpt_reader_info() reports the incomplete tail.
 * On success *out is the handle; on failure *out is a handle carrying the
 * error detail (free it) or NULL when memory ran out. Returns RPT_OK,
 * RPT_E_IO, RPT_E_FORMAT, RPT_E_TRUNCATED, RPT_E_LIMIT,
 * RPT_E_UNSUPPORTED, RPT_E_NOSEAL, RPT_E_NOMEM or RPT_E_ARG.
 * With RPT_OPEN_SALVAGE it never fails on damage: records are found by a
 * scan (rpt_reader_next()), and rpt_reader_count() is unknown (0). */
RPT_EXPORT int rpt_reader_open_path(rpt_reader **out, const char *path,
                                    unsigned flags) RPT_WARN_UNUSED;

/* Opens a descriptor for one sequential pass (a pipe). Only the header is
 * read here; records come from rpt_reader_next() or rpt_reader_verify(),
 * each verified before it is returned. Lookups by number or name are
 * not available (RPT_E_ARG). The caller keeps ownership of fd. */
RPT_EXPORT int rpt_reader_open_fd(rpt_reader **out, int fd,
                                  unsigned flags) RPT_WARN_UNUSED;

/* Opens a second handle on the archive r has open, for another thread:
 * a reader of its own over the same open file (a duplicate of r's
 * descriptor), so that it reads the archive r read even if the path is
 * renamed, replaced or appended to meanwhile. It ends where r ends, and
 * it checks the header, the index and the seal again, as an open does.
 * It trusts the keys r trusts now; rpt_reader_trust() on either handle
 * later affects that handle only. r must not be in use by another
 * thread during the call; after it, the two handles may be used at once
 * from different threads (one handle may not). It sees what r saw of
 * the bytes after the newest trailer (rpt_archive_info's tail), even if
 * an append has since cut them. r must have been opened with
 * rpt_reader_open_path() without RPT_OPEN_SALVAGE, successfully (else
 * RPT_E_ARG). *out is set as by rpt_reader_open_path(). Returns RPT_OK,
 * RPT_E_IO, RPT_E_NOMEM, RPT_E_ARG or what the checks find, as
 * rpt_reader_open_path() does. */
RPT_EXPORT int rpt_reader_open_twin(rpt_reader **out,
                                    const rpt_reader *r) RPT_WARN_UNUSED;

/* Adds a trusted public key. Signatures are always verified with the
 * archive's own keys, each listed in a KEYS chunk before what it signs.
 * Once at least one key is trusted, a record or seal whose key (id and
 * public key) is not in the trusted set reports RPT_E_UNTRUSTED. With
 * none, rpt_record.trusted stays 0. */
RPT_EXPORT int rpt_reader_trust(rpt_reader *r, const rpt_pubkey *pk) RPT_WARN_UNUSED;

/* Number of records in the archive (random access), or 0. */
RPT_EXPORT uint64_t rpt_reader_count(const rpt_reader *r);

/* What the index says of record i (random access): number, offset, stored,
 * size, name, issued and digest; the other fields are zero or "". No
 * record chunk is read. Entries asked for in order from 0 are checked
 * for names that come twice (spec 4.4). Returns RPT_OK, RPT_E_NOTFOUND
 * (i out of range), RPT_E_FORMAT (a damaged entry, or a name met
 * twice), RPT_E_DIGEST (its index block does not match), RPT_E_UNTRUSTED
 * (with trusted keys, a seal of the chain is by another key; *out is
 * filled), RPT_E_IO, RPT_E_NOMEM or RPT_E_ARG. */
RPT_EXPORT int rpt_reader_entry(rpt_reader *r, uint64_t i,
                                rpt_record *out) RPT_WARN_UNUSED;

/* Finds a record by exact name through the index's lookup table, without a
 * linear scan; every live segment is searched, so a name held twice is
 * found twice. Sets *i. Returns RPT_OK, RPT_E_NOTFOUND, RPT_E_FORMAT (the
 * name is held twice, or the index is damaged), RPT_E_DIGEST, RPT_E_IO,
 * RPT_E_NOMEM or RPT_E_ARG. */
RPT_EXPORT int rpt_reader_find(rpt_reader *r, const char *name,
                               uint64_t *i) RPT_WARN_UNUSED;

/* Flags for rpt_reader_read(). */
#define RPT_READ_NO_PAYLOAD 1u /* metadata only: skip inflating the payload */
#define RPT_READ_NO_VERIFY 2u  /* skip signature and digest checks */

/* Reads record i (random access): checks the chunk's CRC and its digest
 * against the index, inflates the payload and verifies the signature,
 * unless flags say otherwise, then compares the record with its index
 * entry (any disagreement is RPT_E_DIGEST). With trusted keys, every
 * seal of the chain must be by one of them. Returns RPT_OK, RPT_E_IO,
 * RPT_E_FORMAT (damaged; also a name met twice while reading in order),
 * RPT_E_TRUNCATED, RPT_E_LIMIT, RPT_E_UNSUPPORTED, RPT_E_DIGEST,
 * RPT_E_BADSIG, RPT_E_UNTRUSTED, RPT_E_NOTFOUND, RPT_E_NOMEM or
 * RPT_E_ARG. On RPT_E_UNTRUSTED *out is filled: the record's signature is
 * valid, and its signer or a seal's is not trusted. */
RPT_EXPORT int rpt_reader_read(rpt_reader *r, uint64_t i, unsigned flags,
                               rpt_record *out) RPT_WARN_UNUSED;

/* Returns the next record in file order, verified (signature; digest
 * against the index where one is known). Returns RPT_OK, RPT_EOF at a
 * clean end only, or an error code as rpt_reader_read(). At the end of an
 * archive with an incomplete tail it returns rpt_archive_info's
 * tail_status instead of RPT_EOF. In sequential mode an index, seal or
 * trailer that fails is reported here too, once, and the pass goes on;
 * data that ends early or framing that is lost ends the pass: every
 * later call returns the same code. In salvage mode
 * damaged stretches are skipped and only intact, verified records are
 * returned; rpt_reader_salvage_lost() tells how many bytes were skipped. */
RPT_EXPORT int rpt_reader_next(rpt_reader *r, rpt_record *out) RPT_WARN_UNUSED;

/* Sequential reading and salvage: whether record number i, once
 * returned by rpt_reader_next(), is covered by its own generation's
 * seal. Returns 1 once that generation's index, seal and trailer have
 * been read and checked in full (the seal's digest, the chain, the
 * signature, and trust when keys are trusted); 0 while they have not
 * been read yet; or, when they never will cover it, the code of the
 * first failure among them (RPT_E_BADSIG, RPT_E_DIGEST, RPT_E_UNTRUSTED,
 * a damage code, or RPT_E_TRUNCATED when the data ended first). A tool
 * that writes records as they come keeps each aside until this says 1
 * (spec 7.3). RPT_E_ARG in random-access mode, where the seal is checked
 * before any record is read. */
RPT_EXPORT int rpt_reader_sealed(const rpt_reader *r, uint64_t i) RPT_WARN_UNUSED;

/* Bytes skipped as damaged by a salvage scan so far. */
RPT_EXPORT uint64_t rpt_reader_salvage_lost(const rpt_reader *r);

/* What rpt_reader_verify() reports for one record or for the archive. */
typedef struct rpt_verify_event {
    int status;             /* RPT_OK or an RPT_E_* code */
    const rpt_record *rec;  /* the record; NULL for an archive-level event */
    const char *detail;     /* what failed, in words; "" when ok */
} rpt_verify_event;

/* Called once per record, and once per archive-level failure (index,
 * seal, chain, trailer). Return 0 to go on, non-zero to stop. */
typedef int (*rpt_verify_cb)(const rpt_verify_event *ev, void *ctx);

typedef struct rpt_verify_summary {
    uint64_t records;   /* records checked */
    uint64_t ok;        /* verified and trusted (or no trust set given) */
    uint64_t damaged;   /* CRC, framing or truncation */
    uint64_t tampered;  /* signature or digest mismatch */
    uint64_t untrusted; /* valid signature by a key not trusted */
    uint64_t generations; /* seals verified */
    int archive_status; /* worst archive-level status: RPT_OK or RPT_E_* */
    uint64_t reserved[6]; /* for later fields; the library zeroes it */
} rpt_verify_summary;

/* Checks everything: every chunk's CRC, every record's digest and
 * signature, the index against the records, every seal and the chain of
 * seals. Goes on past a bad record to the end. cb may be NULL. Returns the
 * worst status found: RPT_OK, then RPT_E_UNTRUSTED, then RPT_E_BADSIG or
 * RPT_E_DIGEST, then the damage codes; RPT_E_IO or RPT_E_NOMEM stop it.
 * Works in both random-access and sequential mode. */
RPT_EXPORT int rpt_reader_verify(rpt_reader *r, rpt_verify_cb cb, void *ctx,
                                 rpt_verify_summary *sum) RPT_WARN_UNUSED;

/* One signer key listed in the archive. */
typedef struct rpt_key_info {
    rpt_pubkey key;
    const char *comment;
} rpt_key_info;

/* One generation (seal) of the archive. */
typedef struct rpt_generation {
    uint32_t number;       /* 1-based */
    uint64_t records;      /* records in the archive up to this seal */
    uint64_t seal_offset;
    uint64_t trailer_offset;
    uint8_t key_id[RPT_KEY_ID_BYTES];
} rpt_generation;

/* What rpt_reader_info() reports. Pointers are owned by the reader. */
typedef struct rpt_archive_info {
    int major, minor;
    uint8_t archive_id[RPT_ARCHIVE_ID_BYTES];
    int64_t created;
    const char *software;
    size_t n_keys;
    const rpt_key_info *keys;
    size_t n_dicts;
    const uint32_t *dict_sizes;
    const uint8_t (*dict_ids)[RPT_DIGEST_BYTES]; /* BLAKE2b-256 of each */
    size_t n_generations;
    const rpt_generation *generations;
    uint64_t file_size;
    uint64_t tail_bytes;   /* bytes after the last valid trailer */
    uint64_t index_bytes;  /* bytes of the live index chunks */
    /* When tail_bytes is not 0 the archive is not clean, and a tool MUST
     * report it (spec 7.2): tail_status is RPT_E_TRUNCATED for an append
     * that did not finish, or the damage code (RPT_E_FORMAT...) the chunks
     * after the trailer show; tail_seals counts the SEAL chunks there, each
     * a newer generation whose trailer is lost, so that the generation
     * opened is not the newest. RPT_OK and 0 for a clean archive. The
     * detail in words is what rpt_reader_next() reports at the end. */
    int32_t tail_status;
    uint32_t tail_seals;
    /* 1 when another process was appending to the archive as it was
     * opened (it held the append lock). The reader then reads the newest
     * complete generation and nothing after it: the bytes that append has
     * written so far (appending_bytes) are neither read nor a tail. */
    int32_t appending;
    uint32_t pad_;
    uint64_t appending_bytes;
    uint64_t reserved[5];  /* for later fields; the library zeroes it */
} rpt_archive_info;

/* Fills *out (random access; in sequential mode after the pass). */
RPT_EXPORT int rpt_reader_info(rpt_reader *r, rpt_archive_info *out) RPT_WARN_UNUSED;

/* The detail of the last failure, or "". A fatal failure (opening,
 * I/O, memory, a sequential pass that cannot go on) is kept: every later
 * call on the handle returns its code, and this returns its detail. */
RPT_EXPORT const char *rpt_reader_error(const rpt_reader *r);

/* Frees the reader. Accepts NULL. */
RPT_EXPORT void rpt_reader_free(rpt_reader *r);

#ifdef __cplusplus
}
#endif
#endif /* ARCHIVE_RPT_H */
