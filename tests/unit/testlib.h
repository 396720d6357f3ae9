/* SPDX-License-Identifier: ISC */
/* testlib.h -- a tiny assertion harness for the unit tests: each test file
 * is one program; CHECK records a failure and goes on, the exit status is
 * the number of failures (capped), and SKIP exits 77. */
#ifndef RPT_TESTLIB_H
#define RPT_TESTLIB_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_failures;
static int t_checks;

#define CHECK(cond)                                                            \
    do {                                                                       \
        t_checks++;                                                            \
        if (!(cond)) {                                                         \
            t_failures++;                                                      \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,  \
                    #cond);                                                    \
        }                                                                      \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                     \
    do {                                                                       \
        long long t_a_ = (long long)(a), t_b_ = (long long)(b);                \
        t_checks++;                                                            \
        if (t_a_ != t_b_) {                                                    \
            t_failures++;                                                      \
            fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n",        \
                    __FILE__, __LINE__, #a, t_a_, #b, t_b_);                   \
        }                                                                      \
    } while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

#define SKIP(why)                                                              \
    do {                                                                       \
        printf("SKIP: %s\n", why);                                             \
        exit(77);                                                              \
    } while (0)

static inline int t_done(const char *name) {
    if (t_failures)
        fprintf(stderr, "%s: %d of %d checks failed\n", name, t_failures,
                t_checks);
    else
        printf("%s: %d checks passed\n", name, t_checks);
    return t_failures ? 1 : 0;
}

#endif
