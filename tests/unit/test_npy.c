/* tests/unit/test_npy.c: the .npy reader/writer and codes files: round trip,
 * the header NumPy writes, and malformed files (bad magic, header longer
 * than the file, truncated data, absurd or Fortran shapes, unknown dtypes,
 * codes of the wrong rank, floats, or beyond 32 bits). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "valle/codec.h"
#include "valle/npy.h"

static char path_buf[512];
static const char *tmp(const char *name) {
    snprintf(path_buf, sizeof path_buf, "%s/%s", test_tmpdir(), name);
    return path_buf;
}

/* writes a v1.0 .npy with the given dict and `data_bytes` bytes of data */
static void write_npy(const char *path, const char *dict, size_t data_bytes) {
    FILE *f = fopen(path, "wb");
    size_t n = strlen(dict);
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(n & 255),
                             (unsigned char)(n >> 8)};
    fwrite(pre, 1, 10, f);
    fwrite(dict, 1, n, f);
    for (size_t i = 0; i < data_bytes; i++) fputc(i & 7, f);
    fclose(f);
}

static void test_roundtrip(void) {
    int64_t v[6] = {0, 1, 2047, -3, 1LL << 40, 5};
    CHECK(vl_npy_write(tmp("a.npy"), "<i8", 3, (int64_t[]){1, 2, 3}, v) == VL_OK);
    vl_npy a;
    CHECK(vl_npy_read(&a, tmp("a.npy")) == VL_OK);
    CHECK(!strcmp(a.dtype, "<i8"));
    CHECK_INT(a.ndim, 3);
    CHECK_INT(a.shape[0] * 100 + a.shape[1] * 10 + a.shape[2], 123);
    for (int i = 0; i < 6; i++) CHECK_INT(vl_npy_get_i64(&a, i), v[i]);
    vl_npy_free(&a);
    /* data starts at a multiple of 64 and the header ends with '\n' */
    FILE *f = fopen(tmp("a.npy"), "rb");
    unsigned char h[10];
    CHECK(fread(h, 1, 10, f) == 10);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    CHECK_INT((10 + (h[8] | h[9] << 8)) % 64, 0);
    CHECK_INT(size, 10 + (h[8] | h[9] << 8) + 48);
    /* 1-D shape is written "(n,)" and read back */
    float fv[3] = {1.5f, -2, 3};
    CHECK(vl_npy_write(tmp("f.npy"), "<f4", 1, (int64_t[]){3}, fv) == VL_OK);
    CHECK(vl_npy_read(&a, tmp("f.npy")) == VL_OK);
    CHECK_INT(a.ndim, 1);
    CHECK_NEAR(vl_npy_get_f64(&a, 0), 1.5, 0);
    vl_npy_free(&a);
}

static void test_bad(void) {
    vl_npy a;
    write_npy(tmp("ok.npy"), "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }\n", 24);
    CHECK(vl_npy_read(&a, tmp("ok.npy")) == VL_OK);
    vl_npy_free(&a);
    write_npy(tmp("short.npy"), "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }\n", 23);
    CHECK(vl_npy_read(&a, tmp("short.npy")) == VL_ERR_FORMAT);
    CHECK(strstr(vl_last_error(), "truncated") != NULL);
    write_npy(tmp("long.npy"), "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }\n", 25);
    CHECK(vl_npy_read(&a, tmp("long.npy")) == VL_ERR_FORMAT);
    write_npy(tmp("fortran.npy"), "{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }\n", 24);
    CHECK(vl_npy_read(&a, tmp("fortran.npy")) == VL_ERR_UNSUPPORTED);
    write_npy(tmp("dtype.npy"), "{'descr': '>i4', 'fortran_order': False, 'shape': (2, 3), }\n", 24);
    CHECK(vl_npy_read(&a, tmp("dtype.npy")) == VL_ERR_UNSUPPORTED);
    write_npy(tmp("huge.npy"),
              "{'descr': '<i8', 'fortran_order': False, 'shape': (1000000000, 1000000000), }\n", 8);
    CHECK(vl_npy_read(&a, tmp("huge.npy")) == VL_ERR_FORMAT);
    write_npy(tmp("noshape.npy"), "{'descr': '<i8', 'fortran_order': False}\n", 8);
    CHECK(vl_npy_read(&a, tmp("noshape.npy")) == VL_ERR_FORMAT);
    write_npy(tmp("neg.npy"), "{'descr': '<i8', 'fortran_order': False, 'shape': (-1,), }\n", 8);
    CHECK(vl_npy_read(&a, tmp("neg.npy")) == VL_ERR_FORMAT);
    FILE *f = fopen(tmp("magic.npy"), "wb");
    fputs("PK\x03\x04 this is a zip", f);
    fclose(f);
    CHECK(vl_npy_read(&a, tmp("magic.npy")) == VL_ERR_FORMAT);
    /* header length pointing past the end */
    f = fopen(tmp("hlen.npy"), "wb");
    fwrite("\x93NUMPY\x01\x00\xff\xff{", 1, 11, f);
    fclose(f);
    CHECK(vl_npy_read(&a, tmp("hlen.npy")) == VL_ERR_FORMAT);
    f = fopen(tmp("empty.npy"), "wb");
    fclose(f);
    CHECK(vl_npy_read(&a, tmp("empty.npy")) == VL_ERR_FORMAT);
    CHECK(vl_npy_read(&a, tmp("nope.npy")) == VL_ERR_IO);
}

static void test_codes(void) {
    vl_codes q;
    vl_codes_init(&q, 6, 4);
    for (int i = 0; i < 24; i++) q.data[i] = i * 80;
    CHECK(vl_codes_save_npy(&q, tmp("c.qnt.npy")) == VL_OK);
    vl_codes r;
    CHECK(vl_codes_load_npy(&r, tmp("c.qnt.npy")) == VL_OK);
    CHECK_INT(r.levels, 6);
    CHECK_INT(r.frames, 4);
    CHECK(!memcmp(r.data, q.data, sizeof(int32_t) * 24));
    vl_codes_free(&r);
    vl_codes_free(&q);
    /* (levels, frames) int32 is accepted */
    int32_t v[6] = {1, 2, 3, 4, 5, 6};
    CHECK(vl_npy_write(tmp("c2.npy"), "<i4", 2, (int64_t[]){2, 3}, v) == VL_OK);
    CHECK(vl_codes_load_npy(&r, tmp("c2.npy")) == VL_OK);
    CHECK_INT(r.levels * 10 + r.frames, 23);
    CHECK_INT(r.data[5], 6);
    vl_codes_free(&r);
    /* rejected: floats, rank 1, batch 2, no frames, values beyond int32 */
    float fv[2] = {1, 2};
    CHECK(vl_npy_write(tmp("cf.npy"), "<f4", 2, (int64_t[]){1, 2}, fv) == VL_OK);
    CHECK(vl_codes_load_npy(&r, tmp("cf.npy")) == VL_ERR_FORMAT);
    CHECK(vl_npy_write(tmp("c1.npy"), "<i4", 1, (int64_t[]){6}, v) == VL_OK);
    CHECK(vl_codes_load_npy(&r, tmp("c1.npy")) == VL_ERR_SHAPE);
    CHECK(vl_npy_write(tmp("cb.npy"), "<i4", 3, (int64_t[]){2, 1, 3}, v) == VL_OK);
    CHECK(vl_codes_load_npy(&r, tmp("cb.npy")) == VL_ERR_SHAPE);
    CHECK(vl_npy_write(tmp("c0.npy"), "<i4", 3, (int64_t[]){1, 6, 0}, v) == VL_OK);
    CHECK(vl_codes_load_npy(&r, tmp("c0.npy")) == VL_ERR_SHAPE);
    int64_t big[2] = {1, 1LL << 40};
    CHECK(vl_npy_write(tmp("cbig.npy"), "<i8", 3, (int64_t[]){1, 1, 2}, big) == VL_OK);
    CHECK(vl_codes_load_npy(&r, tmp("cbig.npy")) == VL_ERR_FORMAT);
}

int main(void) {
    test_roundtrip();
    test_bad();
    test_codes();
    return test_summary();
}
