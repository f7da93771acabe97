/* src/io/npy.c: NumPy .npy reader and writer (C order, little-endian).
 * The reader bounds-checks everything: magic, version, header length
 * against the file, the dict's keys, dims and that shape x itemsize equals
 * the bytes that follow. The writer goes through vl_atomic_*. */
#include "valle/npy.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "valle/io.h"

static const struct { const char *name; size_t size; int is_int; } dtypes[] = {
    {"<i8", 8, 1}, {"<i4", 4, 1}, {"<i2", 2, 1}, {"|i1", 1, 1}, {"|u1", 1, 1},
    {"<u2", 2, 1}, {"<u4", 4, 1}, {"<f4", 4, 0}, {"<f8", 8, 0},
};
#define N_DTYPES (int)(sizeof dtypes / sizeof *dtypes)

static int dtype_index(const char *s) {
    for (int i = 0; i < N_DTYPES; i++)
        if (!strcmp(s, dtypes[i].name)) return i;
    return -1;
}

int vl_npy_is_int(const vl_npy *a) {
    int i = dtype_index(a->dtype);
    return i >= 0 && dtypes[i].is_int;
}

void vl_npy_free(vl_npy *a) {
    if (!a) return;
    free(a->data);
    memset(a, 0, sizeof *a);
}

/* Value of 'key' in the header dict: pointer just after the ':' or NULL. */
static const char *dict_value(const char *h, const char *key) {
    char pat[32];
    snprintf(pat, sizeof pat, "'%s'", key);
    const char *p = strstr(h, pat);
    if (!p) return NULL;
    p += strlen(pat);
    while (isspace((unsigned char)*p)) p++;
    if (*p != ':') return NULL;
    p++;
    while (isspace((unsigned char)*p)) p++;
    return p;
}

int vl_npy_read(vl_npy *a, const char *path) {
    memset(a, 0, sizeof *a);
    FILE *f = fopen(path, "rb");
    if (!f) return vl_error(VL_ERR_IO, "%s: %s", path, strerror(errno));
    int rc = VL_OK;
    char *hdr = NULL;
    fseek(f, 0, SEEK_END);
    long fsize = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char pre[12];
    if (fsize < 10 || fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6)) {
        rc = vl_error(VL_ERR_FORMAT, "%s: not a .npy file (bad magic or too short)", path);
        goto out;
    }
    int major = pre[6];
    size_t hlen, pos;
    if (major == 1) {
        hlen = pre[8] | (size_t)pre[9] << 8;
        pos = 10;
    } else if (major == 2 || major == 3) {
        if (fread(pre + 10, 1, 2, f) != 2) {
            rc = vl_error(VL_ERR_FORMAT, "%s: truncated .npy header", path);
            goto out;
        }
        hlen = pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
        pos = 12;
    } else {
        rc = vl_error(VL_ERR_FORMAT, "%s: unsupported .npy version %d", path, major);
        goto out;
    }
    if (hlen > 1 << 20 || pos + hlen > (size_t)fsize) {
        rc = vl_error(VL_ERR_FORMAT, "%s: .npy header length %zu exceeds the file", path, hlen);
        goto out;
    }
    hdr = vl_xmalloc(hlen + 1);
    if (fread(hdr, 1, hlen, f) != hlen) {
        rc = vl_error(VL_ERR_FORMAT, "%s: truncated .npy header", path);
        goto out;
    }
    hdr[hlen] = 0;
    if (strlen(hdr) != hlen) {
        rc = vl_error(VL_ERR_FORMAT, "%s: NUL byte in the .npy header", path);
        goto out;
    }
    const char *d = dict_value(hdr, "descr"), *fo = dict_value(hdr, "fortran_order"),
               *sh = dict_value(hdr, "shape");
    if (!d || !fo || !sh || *d != '\'' || *sh != '(') {
        rc = vl_error(VL_ERR_FORMAT, "%s: .npy header lacks descr/fortran_order/shape", path);
        goto out;
    }
    const char *e = strchr(d + 1, '\'');
    if (!e || e - d - 1 >= (long)sizeof a->dtype) {
        rc = vl_error(VL_ERR_FORMAT, "%s: bad dtype in .npy header", path);
        goto out;
    }
    memcpy(a->dtype, d + 1, (size_t)(e - d - 1));
    a->dtype[e - d - 1] = 0;
    if (a->dtype[0] == '=') a->dtype[0] = '<';
    if (!strcmp(a->dtype, "<i1") || !strcmp(a->dtype, "<u1")) a->dtype[0] = '|';
    int di = dtype_index(a->dtype);
    if (di < 0) {
        rc = vl_error(VL_ERR_UNSUPPORTED, "%s: unsupported .npy dtype '%s'", path, a->dtype);
        goto out;
    }
    a->itemsize = dtypes[di].size;
    if (strncmp(fo, "False", 5)) {
        rc = vl_error(VL_ERR_UNSUPPORTED, "%s: Fortran-order .npy arrays are not supported", path);
        goto out;
    }
    const char *p = sh + 1;
    a->numel = 1;
    for (;;) {
        while (isspace((unsigned char)*p) || *p == ',') p++;
        if (*p == ')') break;
        if (!isdigit((unsigned char)*p) || a->ndim == VL_NPY_MAX_DIMS) {
            rc = vl_error(VL_ERR_FORMAT, "%s: bad shape in .npy header", path);
            goto out;
        }
        char *end;
        errno = 0;
        long long v = strtoll(p, &end, 10);
        if (errno || v < 0 || v > ((int64_t)1 << 40)) {
            rc = vl_error(VL_ERR_FORMAT, "%s: absurd dimension in .npy shape", path);
            goto out;
        }
        a->shape[a->ndim++] = v;
        if (v && a->numel > ((int64_t)1 << 40) / v) {
            rc = vl_error(VL_ERR_FORMAT, "%s: .npy shape too large", path);
            goto out;
        }
        a->numel *= v;
        p = end;
    }
    size_t nbytes = (size_t)a->numel * a->itemsize;
    if ((size_t)fsize - pos - hlen != nbytes) {
        rc = vl_error(VL_ERR_FORMAT, "%s: .npy data is %zu bytes, shape needs %zu (truncated?)",
                      path, (size_t)fsize - pos - hlen, nbytes);
        goto out;
    }
    a->data = vl_xmalloc(nbytes ? nbytes : 1);
    if (nbytes && fread(a->data, 1, nbytes, f) != nbytes) {
        rc = vl_error(VL_ERR_IO, "%s: read failed", path);
        goto out;
    }
out:
    free(hdr);
    fclose(f);
    if (rc < 0) vl_npy_free(a);
    return rc;
}

int64_t vl_npy_get_i64(const vl_npy *a, int64_t i) {
    const char *p = (const char *)a->data + i * a->itemsize;
    const char *t = a->dtype;
    if (!strcmp(t, "<i8")) { int64_t v; memcpy(&v, p, 8); return v; }
    if (!strcmp(t, "<i4")) { int32_t v; memcpy(&v, p, 4); return v; }
    if (!strcmp(t, "<i2")) { int16_t v; memcpy(&v, p, 2); return v; }
    if (!strcmp(t, "|i1")) return (int8_t)*p;
    if (!strcmp(t, "|u1")) return (uint8_t)*p;
    if (!strcmp(t, "<u2")) { uint16_t v; memcpy(&v, p, 2); return v; }
    if (!strcmp(t, "<u4")) { uint32_t v; memcpy(&v, p, 4); return v; }
    return (int64_t)vl_npy_get_f64(a, i);
}

double vl_npy_get_f64(const vl_npy *a, int64_t i) {
    const char *p = (const char *)a->data + i * a->itemsize;
    if (!strcmp(a->dtype, "<f4")) { float v; memcpy(&v, p, 4); return v; }
    if (!strcmp(a->dtype, "<f8")) { double v; memcpy(&v, p, 8); return v; }
    return (double)vl_npy_get_i64(a, i);
}

int vl_npy_write(const char *path, const char *dtype, int ndim, const int64_t *shape,
                 const void *data) {
    int di = dtype_index(dtype);
    if (di < 0 || ndim < 0 || ndim > VL_NPY_MAX_DIMS)
        return vl_error(VL_ERR_ARG, "npy write: bad dtype or ndim");
    char dict[512];
    int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                     dtype);
    int64_t numel = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) return vl_error(VL_ERR_ARG, "npy write: negative dim");
        n += snprintf(dict + n, sizeof dict - n, "%lld%s", (long long)shape[i],
                      ndim == 1 ? "," : i + 1 < ndim ? ", " : "");
        numel *= shape[i];
    }
    n += snprintf(dict + n, sizeof dict - n, "), }");
    /* pad with spaces so data starts at a multiple of 64, end with '\n' */
    size_t total = 10 + (size_t)n + 1;
    size_t padded = (total + 63) / 64 * 64;
    char hdr[640];
    memcpy(hdr, "\x93NUMPY\x01\x00", 8);
    size_t hlen = padded - 10;
    hdr[8] = (char)(hlen & 0xff), hdr[9] = (char)(hlen >> 8);
    memcpy(hdr + 10, dict, (size_t)n);
    memset(hdr + 10 + n, ' ', padded - total);
    hdr[padded - 1] = '\n';
    vl_atomic_file af;
    int rc = vl_atomic_open(&af, path);
    if (rc < 0) return rc;
    size_t nbytes = (size_t)numel * dtypes[di].size;
    if (fwrite(hdr, 1, padded, af.f) != padded ||
        (nbytes && fwrite(data, 1, nbytes, af.f) != nbytes)) {
        vl_atomic_abort(&af);
        return vl_error(VL_ERR_IO, "%s: write failed", path);
    }
    return vl_atomic_commit(&af);
}
