/* tests/harness.h: a minimal test harness. Each test program calls
 * CHECK-style macros and ends with `return test_summary();`, which prints
 * "N passed, N failed" and returns non-zero on failure. Exit code 77 means
 * "skipped" to ctest (used when ../shared data is absent). */
#ifndef VALLE_TEST_HARNESS_H
#define VALLE_TEST_HARNESS_H

#include <math.h>
#include <stdio.h>
#include "valle/core.h"

extern int test_passed, test_failed;

void test_fail_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int test_summary(void);
/* Path of ../shared/data/<rel> from $VALLE_SHARED, or NULL (with a printed
 * skip message) when absent. The string is static. */
const char *test_shared_path(const char *rel);
/* Largest |a-b| / max(|b|, floor) over n values; also reports the index. */
double test_max_rel_err(const float *a, const float *b, long n, double floor,
                        long *where);
/* Fresh temp directory for this test (removed by the OS / CI clean). */
const char *test_tmpdir(void);

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (cond) test_passed++;                                               \
        else test_fail_at(__FILE__, __LINE__, "%s", #cond);                    \
    } while (0)
#define CHECK_MSG(cond, ...)                                                   \
    do {                                                                       \
        if (cond) test_passed++;                                               \
        else test_fail_at(__FILE__, __LINE__, __VA_ARGS__);                    \
    } while (0)
#define CHECK_NEAR(a, b, tol)                                                  \
    do {                                                                       \
        double a_ = (a), b_ = (b);                                             \
        if (fabs(a_ - b_) <= (tol)) test_passed++;                             \
        else test_fail_at(__FILE__, __LINE__, "%s = %.9g vs %s = %.9g",        \
                          #a, a_, #b, b_);                                     \
    } while (0)
#define CHECK_INT(a, b)                                                        \
    do {                                                                       \
        long long a_ = (a), b_ = (b);                                          \
        if (a_ == b_) test_passed++;                                           \
        else test_fail_at(__FILE__, __LINE__, "%s = %lld, expected %lld", #a,  \
                          a_, b_);                                             \
    } while (0)

#endif
