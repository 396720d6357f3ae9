/* SPDX-License-Identifier: ISC */
/* fuzz_reader.c -- a libFuzzer harness for every parser a hostile archive
 * reaches: random-access open, lookups and reads, verification, the pipe
 * reader and salvage. Inputs are capped at 1 MiB. */
#include "archive_rpt.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void drain(rpt_reader *r) {
    rpt_record rec;
    for (int i = 0; i < 256 && rpt_reader_next(r, &rec) == RPT_OK; i++)
        if (rec.data_len) (void)rec.data[rec.data_len - 1];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int ready, fd = -1;
    static char path[64];
    if (size > (1u << 20)) return 0;
    if (!ready) {
        if (rpt_init() != RPT_OK) return 0;
        fd = memfd_create("fuzz", 0);
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        ready = 1;
    }
    if (fd < 0 || ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
        return 0;
    rpt_reader *r = NULL;
    if (rpt_reader_open_path(&r, path, 0) == RPT_OK) {
        uint64_t n = rpt_reader_count(r);
        rpt_record rec;
        for (uint64_t i = 0; i < n && i < 64; i++) {
            if (rpt_reader_entry(r, i, &rec) == RPT_OK) {
                uint64_t k;
                if (rpt_reader_find(r, rec.name, &k) == RPT_OK && k != i) __builtin_trap();
            }
            if (rpt_reader_read(r, i, 0, &rec) == RPT_OK && rec.data_len)
                (void)rec.data[rec.data_len - 1];
        }
        rpt_archive_info ai;
        if (rpt_reader_info(r, &ai) != RPT_OK) __builtin_trap();
        rpt_verify_summary sum;
        if (rpt_reader_verify(r, NULL, NULL, &sum) == RPT_OK && sum.records != n) __builtin_trap();
    }
    rpt_reader_free(r);
    r = NULL;
    if (lseek(fd, 0, SEEK_SET) == 0 && rpt_reader_open_fd(&r, fd, 0) == RPT_OK) drain(r);
    rpt_reader_free(r);
    r = NULL;
    if (rpt_reader_open_path(&r, path, RPT_OPEN_SALVAGE) == RPT_OK) drain(r);
    rpt_reader_free(r);
    return 0;
}
