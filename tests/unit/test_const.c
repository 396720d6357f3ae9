/* test_const.c -- the sizes the header promises are the sizes the code
 * uses (libsodium's constcheck, for rpt). */
#include "helpers.h"
#include "index.h"
#include "internal.h"

#include <stddef.h>

/* Caller-filled structs carry their size: an older, smaller caller's
 * struct is filled only as far as it goes, and a size between 0 and the
 * 1.0 layout is refused. */
static void check_struct_sizes(void) {
    union {
        rpt_writer_options o;
        unsigned char bytes[sizeof(rpt_writer_options) + 16];
    } u;
    memset(u.bytes, 0xAA, sizeof u.bytes);
    rpt_writer_options_init(&u.o);
    CHECK_EQ_INT(u.o.size, sizeof(rpt_writer_options));
    CHECK_EQ_INT(u.bytes[sizeof(rpt_writer_options)], 0xAA); /* nothing past it */
    memset(u.bytes, 0xAA, sizeof u.bytes);
    size_t small = offsetof(rpt_writer_options, level) + sizeof u.o.level;
    rpt_writer_options_init_size(&u.o, small);
    CHECK_EQ_INT(u.o.size, small);
    CHECK_EQ_INT(u.o.level, -1);
    CHECK_EQ_INT(u.bytes[small], 0xAA); /* a 1-field caller: not one byte more */
    memset(u.bytes, 0, sizeof u.bytes);
    rpt_writer_options_init_size(&u.o, sizeof u.bytes); /* a newer caller */
    CHECK_EQ_INT(u.o.size, sizeof u.bytes);
    CHECK(u.o.created == INT64_MIN);
    CHECK_EQ_INT(u.bytes[sizeof u.bytes - 1], 0); /* fields it knows, we don't: zero */

    rpt_seckey *sk = NULL;
    const uint8_t seed[32] = {1}, id[RPT_KEY_ID_BYTES] = {2};
    CHECK_EQ_INT(rpt_seckey_from_seed(seed, id, &sk), RPT_OK);
    int fds[2];
    CHECK_EQ_INT(pipe(fds), 0);
    rpt_writer *w = NULL;
    CHECK_EQ_INT(rpt_writer_open_fd(&w, fds[1], sk, NULL), RPT_OK);
    rpt_record_info info = {.size = 8, .name = "a.txt"};
    CHECK_EQ_INT(rpt_writer_add(w, &info, "x", 1), RPT_E_ARG);
    CHECK(strstr(rpt_writer_error(w), "size") != NULL);
    rpt_writer_free(w);
    close(fds[0]);
    close(fds[1]);
    rpt_seckey_free(sk);
}

int main(void) {
    CHECK_EQ_INT(rpt_init(), RPT_OK);
    CHECK_EQ_INT(sizeof rpti_magic, RPT_MAGIC_BYTES);
    CHECK_EQ_INT(rpti_magic[0], 0x80 | RPT_FORMAT_MAJOR);
    CHECK(memcmp(rpti_magic + 1, "RPT\r\n\x1a\n", 7) == 0);
    CHECK_EQ_INT(RPT_TRAILER_BYTES, RPT_CHUNK_OVERHEAD + RPT_TRAILER_BODY);
    CHECK_EQ_INT(sizeof RPT_RECORD_PREFIX - 1, RPT_PREFIX_BYTES);
    CHECK_EQ_INT(sizeof RPT_SEAL_PREFIX - 1, RPT_PREFIX_BYTES);
    CHECK_EQ_INT(strlen(RPT_RECORD_PREFIX), 13);
    CHECK_EQ_INT(strlen(RPT_SEAL_PREFIX), 11);
    CHECK_EQ_INT(RPT_SEAL_BODY, 4 + 8 + 32 + 32 + RPT_KEY_ID_BYTES + RPT_SIGNATURE_BYTES);
    CHECK_EQ_INT(rpti_chunk_cap(RPT_T_TRLR), RPT_TRAILER_BODY);
    CHECK_EQ_INT(rpti_chunk_cap(RPT_T_DICT), RPT_DICT_MAX + 64);
    CHECK(rpti_chunk_cap(RPT_T_RECD) >= RPT_PAYLOAD_MAX + RPT_METADATA_MAX);
    CHECK_EQ_INT(rpti_chunk_cap(RPT_TYPE('Z', 'z', 'z', 'z')), 0);
    CHECK(rpti_chunk_cap(RPT_TYPE('z', 'z', 'z', 'z')) > 0);
    CHECK(rpti_chunk_is_critical(RPT_T_RECD));
    CHECK(!rpti_chunk_is_critical(RPT_TYPE('n', 'o', 't', 'e')));
    CHECK(!rpti_chunk_type_valid(RPT_TYPE('R', 'E', 'C', '1')));
    /* the sizes in real output: a seal chunk and a trailer chunk */
    rpt_buf b = {0};
    rpt_seal s;
    memset(&s, 0, sizeof s);
    s.generation = 1;
    CHECK_EQ_INT(rpti_seal_encode(&b, &s), RPT_OK);
    CHECK_EQ_INT(b.len, RPT_CHUNK_OVERHEAD + RPT_SEAL_BODY);
    b.len = 0;
    rpt_trailer t = {1, 2, 0, 1, 0};
    CHECK_EQ_INT(rpti_trailer_encode(&b, &t), RPT_OK);
    CHECK_EQ_INT(b.len, RPT_TRAILER_BYTES);
    rpti_buf_free(&b);
    /* the default level and the key id's hex form */
    rpt_writer_options o;
    rpt_writer_options_init(&o);
    CHECK_EQ_INT(o.level, -1);
    CHECK(o.created == INT64_MIN);
    char hex[17];
    const uint8_t id[8] = {0x06, 0x34, 0xe6, 0xe9, 0xce, 0x48, 0xe8, 0xa1};
    rpt_key_id_hex(id, hex);
    CHECK(strcmp(hex, "A1E848CEE9E63406") == 0);
    CHECK(strcmp(rpt_strerror(RPT_E_BADSIG), "signature does not verify") == 0);
    CHECK(strcmp(rpt_strerror(-999), "unknown error") == 0);
    CHECK(strcmp(rpt_version(), RPT_VERSION_STRING) == 0);
    char v[32];
    snprintf(v, sizeof v, "%d.%d.%d", RPT_VERSION_MAJOR, RPT_VERSION_MINOR, RPT_VERSION_PATCH);
    CHECK(strcmp(v, RPT_VERSION_STRING) == 0);
    check_struct_sizes();
    return t_done("test_const");
}
