/* SPDX-License-Identifier: ISC */
/* regress.c -- runs the fuzz harness once on each file named on the
 * command line (the golden vectors, and any input the fuzzer once
 * crashed on, kept in tests/fuzz/crashers/), so make test replays them
 * under the sanitizers without libFuzzer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 2;
        }
        static uint8_t buf[1 << 20];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, n);
    }
    printf("fuzz regress: %d inputs replayed\n", argc - 1);
    return 0;
}
