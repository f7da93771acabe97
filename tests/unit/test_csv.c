/* tests/unit/test_csv.c: CSV classification loading: headers, blank lines,
 * CRLF, and errors that name the file and line. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "valle/io.h"

static const char *write_csv(const char *name, const char *text) {
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); exit(2); }
    fputs(text, f);
    fclose(f);
    return path;
}

/* Loads text; returns the status and checks the message contains `msg`. */
static int load_err(const char *text, const char *msg) {
    vl_csv_data d;
    int rc = vl_csv_load(write_csv("bad.csv", text), &d);
    CHECK(d.x == NULL && d.y == NULL && d.n == 0);
    if (rc == VL_OK) vl_csv_free(&d);
    else CHECK_MSG(strstr(vl_last_error(), msg) != NULL, "message '%s' lacks '%s'",
                   vl_last_error(), msg);
    return rc;
}

static void test_good(void) {
    vl_csv_data d;
    const char *p = write_csv("good.csv", "x1, x2 ,label\n0.5,1,0\n\n-1e-3, 2.5 ,2\n  \n3,4,1");
    CHECK_INT(vl_csv_load(p, &d), VL_OK);
    CHECK(d.n == 3 && d.d == 2 && d.n_classes == 3);
    if (d.n == 3) {
        float want_x[6] = {0.5f, 1, -1e-3f, 2.5f, 3, 4};
        int want_y[3] = {0, 2, 1};
        for (int k = 0; k < 6; k++) CHECK_NEAR(d.x[k], want_x[k], 0);
        for (int k = 0; k < 3; k++) CHECK_INT(d.y[k], want_y[k]);
    }
    vl_csv_free(&d);
    CHECK(d.x == NULL && d.n == 0);

    /* no header, CRLF, BOM, trailing newline */
    p = write_csv("crlf.csv", "\xef\xbb\xbf" "1,2,3,0\r\n4,5,6,4\r\n\r\n");
    CHECK_INT(vl_csv_load(p, &d), VL_OK);
    CHECK(d.n == 2 && d.d == 3 && d.n_classes == 5);
    if (d.n == 2) CHECK(d.x[3] == 4 && d.x[5] == 6 && d.y[1] == 4);
    vl_csv_free(&d);

    /* one feature, header with CRLF */
    p = write_csv("one.csv", "x,y\r\n0.25,1\r\n");
    CHECK_INT(vl_csv_load(p, &d), VL_OK);
    CHECK(d.n == 1 && d.d == 1 && d.n_classes == 2 && d.x[0] == 0.25f);
    vl_csv_free(&d);
}

static void test_bad(void) {
    CHECK_INT(load_err("a,b,c\n1,2,0\n3,4\n", "bad.csv:3: expected 3 columns, found 2"),
              VL_ERR_FORMAT);
    CHECK_INT(load_err("1,2,0\n\n3,4,5,1\n", "bad.csv:3: expected 3 columns, found 4"),
              VL_ERR_FORMAT);
    CHECK_INT(load_err("1,2,0\n3,4,abc\n", "bad.csv:2: label 'abc' is not a non-negative integer"),
              VL_ERR_FORMAT);
    CHECK_INT(load_err("1,2,0\n3,4,-1\n", "label '-1' is not a non-negative integer"),
              VL_ERR_FORMAT);
    CHECK_INT(load_err("1,2,0\n3,4,1.5\n", "label '1.5'"), VL_ERR_FORMAT);
    CHECK_INT(load_err("1,2,0\n3,4,\n", "label ''"), VL_ERR_FORMAT);
    CHECK_INT(load_err("1,2,0\n3,4,99999999999999999999\n", "too large"), VL_ERR_FORMAT);
    CHECK_INT(load_err("1,2,0\nnan,4,1\n", "bad.csv:2: feature 'nan' is not a finite number"),
              VL_ERR_FORMAT);
    CHECK_INT(load_err("x,y,z\n1,inf,1\n", "feature 'inf'"), VL_ERR_FORMAT);
    CHECK_INT(load_err("1,2,0\n1e999,2,1\n", "feature '1e999'"), VL_ERR_FORMAT);
    CHECK_INT(load_err("1,2,0\n1e39,2,1\n", "feature '1e39'"), VL_ERR_FORMAT);
    CHECK_INT(load_err("1,2,0\n1,,1\n", "feature ''"), VL_ERR_FORMAT);
    CHECK_INT(load_err("1,2,0\n1,2x,1\n", "feature '2x'"), VL_ERR_FORMAT);
    CHECK_INT(load_err("", "bad.csv: file is empty"), VL_ERR_FORMAT);
    CHECK_INT(load_err("\n\r\n  \n", "no data rows"), VL_ERR_FORMAT);
    CHECK_INT(load_err("a,b,label\n", "no data rows"), VL_ERR_FORMAT);
    CHECK_INT(load_err("1\n2\n", "at least 2 columns"), VL_ERR_FORMAT);

    vl_csv_data d;
    char path[512];
    snprintf(path, sizeof path, "%s/missing.csv", test_tmpdir());
    CHECK_INT(vl_csv_load(path, &d), VL_ERR_IO);
    CHECK(strstr(vl_last_error(), "missing.csv") && strstr(vl_last_error(), "No such file"));
    CHECK_INT(vl_csv_load(test_tmpdir(), &d), VL_ERR_IO);   /* a directory */
}

int main(void) {
    test_good();
    test_bad();
    return test_summary();
}
