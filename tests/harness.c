/* tests/harness.c: counters, failure reporting, shared-data lookup. */
#include "harness.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int test_passed, test_failed;

void test_fail_at(const char *file, int line, const char *fmt, ...) {
    va_list ap;
    test_failed++;
    fprintf(stderr, "FAIL %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int test_summary(void) {
    printf("%d passed, %d failed\n", test_passed, test_failed);
    return test_failed ? 1 : 0;
}

const char *test_shared_path(const char *rel) {
    static char buf[4096];
    const char *root = getenv("VALLE_SHARED");
    if (!root || !*root) root = "../shared";
    snprintf(buf, sizeof buf, "%s/data/%s", root, rel);
    if (access(buf, R_OK) != 0) {
        printf("SKIP: %s not found (needs ../shared/data)\n", buf);
        return NULL;
    }
    return buf;
}

double test_max_rel_err(const float *a, const float *b, long n, double floor,
                        long *where) {
    double worst = 0;
    long at = -1;
    for (long i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        double s = fabs((double)b[i]);
        double e = d / (s > floor ? s : floor);
        if (!(e <= worst)) { worst = e; at = i; }  /* NaN counts as worst */
        if (isnan(e)) { worst = INFINITY; break; }
    }
    if (where) *where = at;
    return worst;
}

const char *test_tmpdir(void) {
    static char dir[256];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/valle-test-XXXXXX");
        if (!mkdtemp(dir)) { perror("mkdtemp"); exit(2); }
    }
    return dir;
}
