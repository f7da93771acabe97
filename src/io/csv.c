/* src/io/csv.c: loads classification data from CSV: each row is feature
 * values followed by an integer class label. Plain comma-separated fields
 * (no quoting); an optional header row; blank lines, a UTF-8 BOM, CRLF line
 * ends and spaces around fields are tolerated. Every error names the file and
 * line. */
#include "valle/io.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CSV_MAX_LABEL 1000000

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t')) *--e = 0;
    return s;
}

/* A finite or non-finite number spanning the whole field. */
static bool parse_num(const char *s, double *v) {
    char *end;
    if (!*s) return false;
    *v = strtod(s, &end);
    return *end == 0;
}

/* Splits a line in place at commas; returns the field count (fields are
 * trimmed and written to f[] up to max). */
static int split(char *line, char **f, int max) {
    int n = 0;
    for (char *p = line;; ) {
        char *c = strchr(p, ',');
        if (c) *c = 0;
        if (n < max) f[n] = trim(p);
        n++;
        if (!c) return n;
        p = c + 1;
    }
}

/* labelled: the last column is the label; else every column is a feature
 * and the labels are all 0. */
static int load(const char *path, bool labelled, vl_csv_data *out) {
    memset(out, 0, sizeof *out);
    char *buf = NULL;
    size_t len = 0;
    int rc = vl_read_file(path, &buf, &len);
    if (rc < 0) return rc;
    char *p = buf;
    if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) p += 3;

    int ncols = 0, line = 0, n = 0, cap = 0, max_label = -1;
    char **f = NULL;
    float *x = NULL;
    int *y = NULL;
    for (char *next; p < buf + len; p = next) {
        char *nl = memchr(p, '\n', (size_t)(buf + len - p));
        next = nl ? nl + 1 : buf + len;
        if (nl) *nl = 0;
        if (nl && nl > p && nl[-1] == '\r') nl[-1] = 0;
        line++;
        char *s = trim(p);
        if (!*s) continue;
        if (!ncols) {                               /* first row: header? */
            int cols = 1;
            for (const char *q = s; *q; q++) cols += *q == ',';
            if (labelled && cols < 2) {
                rc = vl_error(VL_ERR_FORMAT, "%s:%d: need at least 2 columns "
                              "(features, then the label), found 1", path, line);
                goto fail;
            }
            ncols = cols;
            f = vl_xmalloc((size_t)ncols * sizeof *f);
            char *copy = vl_xstrdup(s);
            split(copy, f, ncols);
            bool numeric = true;
            double v;
            for (int k = 0; k < ncols && numeric; k++) numeric = parse_num(f[k], &v);
            free(copy);
            if (!numeric) continue;                 /* header row */
        }
        int cols = split(s, f, ncols);
        if (cols != ncols) {
            rc = vl_error(VL_ERR_FORMAT, "%s:%d: expected %d columns, found %d",
                          path, line, ncols, cols);
            goto fail;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 1024;
            x = vl_xrealloc(x, (size_t)cap * (size_t)ncols * sizeof *x);
            y = vl_xrealloc(y, (size_t)cap * sizeof *y);
        }
        int nfeat = labelled ? ncols - 1 : ncols;
        for (int k = 0; k < nfeat; k++) {
            double v;
            if (!parse_num(f[k], &v) || !isfinite(v) || fabs(v) > FLT_MAX) {
                rc = vl_error(VL_ERR_FORMAT, "%s:%d: feature '%.40s' is not a finite number",
                              path, line, f[k]);
                goto fail;
            }
            x[(size_t)n * (size_t)nfeat + (size_t)k] = (float)v;
        }
        if (!labelled) {
            y[n++] = 0;
            max_label = 0;
            continue;
        }
        const char *lab = f[ncols - 1];
        long label = 0;
        bool ok = *lab != 0;
        for (const char *q = lab; ok && *q; q++) {
            ok = *q >= '0' && *q <= '9';
            if (ok && label <= CSV_MAX_LABEL) label = label * 10 + (*q - '0');
        }
        if (!ok) {
            rc = vl_error(VL_ERR_FORMAT, "%s:%d: label '%.40s' is not a non-negative integer",
                          path, line, lab);
            goto fail;
        }
        if (label > CSV_MAX_LABEL) {
            rc = vl_error(VL_ERR_FORMAT, "%s:%d: label '%.40s' is too large (at most %d)",
                          path, line, lab, CSV_MAX_LABEL);
            goto fail;
        }
        y[n++] = (int)label;
        if (label > max_label) max_label = (int)label;
    }
    if (!n) {
        rc = vl_error(VL_ERR_FORMAT, len ? "%s: no data rows" : "%s: file is empty", path);
        goto fail;
    }
    free(buf);
    free(f);
    out->x = x, out->y = y, out->n = n, out->d = labelled ? ncols - 1 : ncols;
    out->n_classes = max_label + 1;
    return VL_OK;
fail:
    free(buf);
    free(f);
    free(x);
    free(y);
    return rc;
}

int vl_csv_load(const char *path, vl_csv_data *out) {
    return load(path, true, out);
}

int vl_csv_load_features(const char *path, vl_csv_data *out) {
    return load(path, false, out);
}

void vl_csv_free(vl_csv_data *d) {
    free(d->x);
    free(d->y);
    memset(d, 0, sizeof *d);
}
