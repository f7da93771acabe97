/* tests/unit/test_safetensors.c: f16/bf16 conversions, writer -> reader round
 * trips for every dtype and metadata, and rejection of malformed files
 * (truncated, absurd sizes, bad offsets, bad header) without crashing. */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "valle/io.h"

static char *tmp_path(const char *name) {
    static char buf[8][512];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 512, "%s/%s", test_tmpdir(), name);
    return p;
}

static void write_bytes(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); exit(2); }
    if (n) fwrite(data, 1, n, f);
    fclose(f);
}

static unsigned char *read_bytes(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc((size_t)len + 1);
    *n = fread(p, 1, (size_t)len, f);
    fclose(f);
    return p;
}

/* A file with the given header text (length field = strlen) and data. */
static void write_st(const char *path, const char *header, const void *data,
                     size_t ndata) {
    size_t h = strlen(header);
    unsigned char *buf = malloc(8 + h + ndata + 1);
    for (int k = 0; k < 8; k++) buf[k] = (unsigned char)((uint64_t)h >> 8 * k);
    memcpy(buf + 8, header, h);
    if (ndata) memcpy(buf + 8 + h, data, ndata);
    write_bytes(path, buf, 8 + h + ndata);
    free(buf);
}

static int open_status(const char *path) {
    vl_safetensors st;
    int rc = vl_st_open(&st, path);
    if (rc == VL_OK) vl_st_close(&st);
    return rc;
}

static float bits_f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

static void test_f16(void) {
    CHECK_INT(vl_f32_to_f16(1.0f), 0x3C00);
    CHECK_INT(vl_f32_to_f16(-2.0f), 0xC000);
    CHECK_INT(vl_f32_to_f16(0.0f), 0x0000);
    CHECK_INT(vl_f32_to_f16(-0.0f), 0x8000);
    CHECK_INT(vl_f32_to_f16(0.1f), 0x2E66);
    CHECK_INT(vl_f32_to_f16(65504.0f), 0x7BFF);
    CHECK_INT(vl_f32_to_f16(65519.0f), 0x7BFF);   /* just below the tie */
    CHECK_INT(vl_f32_to_f16(65520.0f), 0x7C00);   /* tie -> even -> inf */
    CHECK_INT(vl_f32_to_f16(1e10f), 0x7C00);
    CHECK_INT(vl_f32_to_f16(-1e10f), 0xFC00);
    CHECK_INT(vl_f32_to_f16(INFINITY), 0x7C00);
    CHECK_INT(vl_f32_to_f16(-INFINITY), 0xFC00);
    uint16_t nan = vl_f32_to_f16(NAN);
    CHECK((nan & 0x7C00) == 0x7C00 && (nan & 0x3FF) != 0);
    CHECK(isnan(vl_f16_to_f32(nan)));
    CHECK_INT(vl_f32_to_f16(0x1p-14f), 0x0400);    /* smallest normal */
    CHECK_INT(vl_f32_to_f16(0x1p-24f), 0x0001);    /* smallest subnormal */
    CHECK_INT(vl_f32_to_f16(1023 * 0x1p-24f), 0x03FF);
    CHECK_INT(vl_f32_to_f16(0x1p-25f), 0x0000);    /* tie -> even (0) */
    CHECK_INT(vl_f32_to_f16(-0x1p-25f), 0x8000);
    CHECK_INT(vl_f32_to_f16(0x1.000002p-25f), 0x0001);
    CHECK_INT(vl_f32_to_f16(3 * 0x1p-25f), 0x0002);   /* tie -> even (2) */
    CHECK_INT(vl_f32_to_f16(5 * 0x1p-25f), 0x0002);   /* tie -> even (2) */
    CHECK_INT(vl_f32_to_f16(0x1p-30f), 0x0000);
    CHECK_INT(vl_f32_to_f16(1.0f + 0x1p-11f), 0x3C00);      /* tie -> even */
    CHECK_INT(vl_f32_to_f16(1.0f + 3 * 0x1p-11f), 0x3C02);  /* tie -> even */
    CHECK_INT(vl_f32_to_f16(1.0f + 0x1.8p-11f), 0x3C01);    /* above tie */
    CHECK_INT(vl_f32_to_f16(2047 * 0x1p-25f), 0x0400);   /* rounds up to normal */
    CHECK_NEAR(vl_f16_to_f32(0x3C00), 1.0, 0);
    CHECK_NEAR(vl_f16_to_f32(0x7BFF), 65504.0, 0);
    CHECK_NEAR(vl_f16_to_f32(0x0001), 0x1p-24, 0);
    CHECK_NEAR(vl_f16_to_f32(0x8001), -0x1p-24, 0);
    CHECK(isinf(vl_f16_to_f32(0xFC00)) && vl_f16_to_f32(0xFC00) < 0);
    /* every half round-trips exactly through float */
    int bad = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        float f = vl_f16_to_f32((uint16_t)h);
        bool is_nan = (h & 0x7C00) == 0x7C00 && (h & 0x3FF);
        if (is_nan ? !isnan(f) || !isnan(vl_f16_to_f32(vl_f32_to_f16(f)))
                   : vl_f32_to_f16(f) != h)
            bad++;
    }
    CHECK_INT(bad, 0);
    /* midpoints between consecutive positive halves round to the even one */
    bad = 0;
    for (uint32_t h = 0; h < 0x7BFF; h++) {
        double lo = vl_f16_to_f32((uint16_t)h), hi = vl_f16_to_f32((uint16_t)(h + 1));
        float mid = (float)((lo + hi) / 2);           /* exact in float */
        uint16_t want = (h & 1) ? (uint16_t)(h + 1) : (uint16_t)h;
        if (vl_f32_to_f16(mid) != want) bad++;
    }
    CHECK_INT(bad, 0);
}

static void test_bf16(void) {
    CHECK_INT(vl_f32_to_bf16(1.0f), 0x3F80);
    CHECK_INT(vl_f32_to_bf16(-2.0f), 0xC000);
    CHECK_INT(vl_f32_to_bf16(1.0f + 0x1p-8f), 0x3F80);       /* tie -> even */
    CHECK_INT(vl_f32_to_bf16(1.0f + 3 * 0x1p-8f), 0x3F82);   /* tie -> even */
    CHECK_INT(vl_f32_to_bf16(1.0f + 0x1.8p-8f), 0x3F81);
    CHECK_INT(vl_f32_to_bf16(FLT_MAX), 0x7F80);              /* rounds to inf */
    CHECK_INT(vl_f32_to_bf16(INFINITY), 0x7F80);
    CHECK_INT(vl_f32_to_bf16(-INFINITY), 0xFF80);
    CHECK_INT(vl_f32_to_bf16(bits_f(0x00000001)), 0x0000);    /* tiny subnormal */
    CHECK_INT(vl_f32_to_bf16(bits_f(0x00018000)), 0x0002);    /* subnormal tie */
    uint16_t nan = vl_f32_to_bf16(bits_f(0x7F800001));        /* payload in low bits */
    CHECK(isnan(vl_bf16_to_f32(nan)));
    CHECK(isnan(vl_bf16_to_f32(vl_f32_to_bf16(-NAN))));
    CHECK_NEAR(vl_bf16_to_f32(0x3F80), 1.0, 0);
    int bad = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        float f = vl_bf16_to_f32((uint16_t)h);
        if (isnan(f) ? !isnan(vl_bf16_to_f32(vl_f32_to_bf16(f))) : vl_f32_to_bf16(f) != h)
            bad++;
    }
    CHECK_INT(bad, 0);
}

static void test_dtype_table(void) {
    const char *names[] = {"F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL"};
    const size_t sizes[] = {4, 2, 2, 8, 8, 4, 2, 1, 1, 1};
    for (int d = 0; d < 10; d++) {
        CHECK(strcmp(vl_dtype_name((vl_dtype)d), names[d]) == 0);
        CHECK_INT((long long)vl_dtype_size((vl_dtype)d), (long long)sizes[d]);
    }
}

static void test_round_trip(void) {
    const char *path = tmp_path("rt.safetensors");
    float w[6] = {1.0f, -2.5f, 0.1f, 65504.0f, 1e-6f, 3.14159265f};
    int ints[6] = {0, -1, 2147483647, -2147483647 - 1, 42, 7};
    int16_t i16[3] = {-32768, 32767, -5};
    int8_t i8[3] = {-128, 127, 0};
    uint8_t u8[3] = {0, 255, 9};
    uint8_t bools[4] = {1, 0, 0, 1};
    int64_t s23[2] = {2, 3}, s3[1] = {3}, s4[1] = {4}, s0[2] = {0, 5};
    vl_st_writer wr;
    vl_st_writer_init(&wr);
    /* added out of order: the file must list them sorted */
    CHECK_INT(vl_st_writer_add_f32(&wr, "w.f64", VL_DT_F64, 2, s23, w), VL_OK);
    CHECK_INT(vl_st_writer_add_f32(&wr, "w.f32", VL_DT_F32, 2, s23, w), VL_OK);
    CHECK_INT(vl_st_writer_add_f32(&wr, "w.f16", VL_DT_F16, 2, s23, w), VL_OK);
    CHECK_INT(vl_st_writer_add_f32(&wr, "w.bf16", VL_DT_BF16, 2, s23, w), VL_OK);
    CHECK_INT(vl_st_writer_add_int(&wr, "i.i32", VL_DT_I32, 2, s23, ints), VL_OK);
    CHECK_INT(vl_st_writer_add_int(&wr, "i.i64", VL_DT_I64, 2, s23, ints), VL_OK);
    CHECK_INT(vl_st_writer_add(&wr, "i.i16", VL_DT_I16, 1, s3, i16), VL_OK);
    CHECK_INT(vl_st_writer_add(&wr, "i.i8", VL_DT_I8, 1, s3, i8), VL_OK);
    CHECK_INT(vl_st_writer_add(&wr, "i.u8", VL_DT_U8, 1, s3, u8), VL_OK);
    CHECK_INT(vl_st_writer_add(&wr, "i.bool", VL_DT_BOOL, 1, s4, bools), VL_OK);
    CHECK_INT(vl_st_writer_add_f32(&wr, "scalar", VL_DT_F32, 0, NULL, w + 1), VL_OK);
    CHECK_INT(vl_st_writer_add_f32(&wr, "empty", VL_DT_F16, 2, s0, NULL), VL_OK);
    CHECK_INT(vl_st_writer_add_f32(&wr, "caf\xc3\xa9 \"q\"", VL_DT_F32, 1, s3, w), VL_OK);
    CHECK_INT(vl_st_writer_meta(&wr, "config", "{\"dim\": 3, \"name\": \"a\\\\b\"}"), VL_OK);
    CHECK_INT(vl_st_writer_meta(&wr, "format", "pt"), VL_OK);
    CHECK_INT(vl_st_writer_meta(&wr, "format", "valle"), VL_OK);   /* replaces */
    CHECK_INT(vl_st_writer_meta(&wr, "note", "line1\nline2\t\xe2\x82\xac"), VL_OK);
    CHECK_INT(vl_st_writer_save(&wr, path), VL_OK);
    vl_st_writer_free(&wr);
    CHECK(wr.count == 0 && wr.items == NULL);

    /* raw layout: 8-byte aligned header, metadata first, names sorted */
    size_t n;
    unsigned char *raw = read_bytes(path, &n);
    uint64_t hl = 0;
    for (int k = 7; k >= 0; k--) hl = hl << 8 | raw[k];
    CHECK(hl % 8 == 0 && 8 + hl <= n);
    char *hdr = calloc(1, hl + 1);
    memcpy(hdr, raw + 8, hl);
    CHECK(strncmp(hdr, "{\"__metadata__\":{", 17) == 0);
    char *a = strstr(hdr, "\"i.bool\""), *b = strstr(hdr, "\"i.i16\""), *c = strstr(hdr, "\"w.f64\"");
    CHECK(a && b && c && a < b && b < c);
    CHECK(strstr(hdr, "\"w.f32\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[") != NULL);
    CHECK(hdr[hl - 1] == ' ' || hdr[hl - 1] == '}');
    free(hdr);
    free(raw);

    vl_safetensors st;
    CHECK_INT(vl_st_open(&st, path), VL_OK);
    CHECK_INT(st.count, 13);
    CHECK_INT(st.meta_count, 3);
    CHECK(strcmp(vl_st_meta(&st, "config"), "{\"dim\": 3, \"name\": \"a\\\\b\"}") == 0);
    CHECK(strcmp(vl_st_meta(&st, "format"), "valle") == 0);
    CHECK(strcmp(vl_st_meta(&st, "note"), "line1\nline2\t\xe2\x82\xac") == 0);
    CHECK(vl_st_meta(&st, "nope") == NULL);
    float got[6];
    CHECK_INT(vl_st_read_f32(&st, "w.f32", got, 2, s23), VL_OK);
    CHECK(memcmp(got, w, sizeof w) == 0);
    CHECK_INT(vl_st_read_f32(&st, "w.f64", got, 2, s23), VL_OK);
    CHECK(memcmp(got, w, sizeof w) == 0);
    CHECK_INT(vl_st_read_f32(&st, "w.f16", got, 2, s23), VL_OK);
    for (int k = 0; k < 6; k++)
        CHECK_NEAR(got[k], vl_f16_to_f32(vl_f32_to_f16(w[k])), 0);
    CHECK_NEAR(got[3], 65504.0, 0);
    CHECK_NEAR(got[2], 0.0999755859375, 0);
    CHECK_INT(vl_st_read_f32(&st, "w.bf16", got, 2, s23), VL_OK);
    for (int k = 0; k < 6; k++)
        CHECK_NEAR(got[k], vl_bf16_to_f32(vl_f32_to_bf16(w[k])), 0);
    CHECK_NEAR(got[1], -2.5, 0);
    const vl_st_tensor *t = vl_st_find(&st, "w.bf16");
    CHECK(t && t->dtype == VL_DT_BF16 && t->ndim == 2 && t->shape[0] == 2 &&
          t->shape[1] == 3 && t->numel == 6 && t->nbytes == 12);
    int gi[6];
    CHECK_INT(vl_st_read_int(&st, "i.i32", gi, 2, s23), VL_OK);
    CHECK(memcmp(gi, ints, sizeof ints) == 0);
    CHECK_INT(vl_st_read_int(&st, "i.i64", gi, 2, s23), VL_OK);
    CHECK(memcmp(gi, ints, sizeof ints) == 0);
    CHECK_INT(vl_st_read_int(&st, "i.i16", gi, 1, s3), VL_OK);
    CHECK(gi[0] == -32768 && gi[1] == 32767 && gi[2] == -5);
    CHECK_INT(vl_st_read_int(&st, "i.i8", gi, 1, s3), VL_OK);
    CHECK(gi[0] == -128 && gi[1] == 127 && gi[2] == 0);
    CHECK_INT(vl_st_read_int(&st, "i.u8", gi, 1, s3), VL_OK);
    CHECK(gi[0] == 0 && gi[1] == 255 && gi[2] == 9);
    CHECK_INT(vl_st_read_int(&st, "i.bool", gi, 1, s4), VL_OK);
    CHECK(gi[0] == 1 && gi[1] == 0 && gi[2] == 0 && gi[3] == 1);
    CHECK_INT(vl_st_read_f32(&st, "scalar", got, 0, NULL), VL_OK);
    CHECK_NEAR(got[0], -2.5, 0);
    t = vl_st_find(&st, "empty");
    CHECK(t && t->numel == 0 && t->nbytes == 0);
    CHECK_INT(vl_st_read_f32(&st, "empty", got, 2, s0), VL_OK);
    CHECK_INT(vl_st_read_f32(&st, "caf\xc3\xa9 \"q\"", got, 1, s3), VL_OK);
    CHECK_NEAR(got[2], w[2], 0);

    /* errors on reading */
    int64_t s32[2] = {3, 2};
    CHECK_INT(vl_st_read_f32(&st, "w.f32", got, 2, s32), VL_ERR_SHAPE);
    CHECK(strcmp(vl_last_error(), "tensor 'w.f32': shape (2, 3) in file, expected (3, 2)") == 0);
    CHECK_INT(vl_st_read_f32(&st, "w.f32", got, 1, s3), VL_ERR_SHAPE);
    CHECK_INT(vl_st_read_int(&st, "i.i32", gi, 1, s3), VL_ERR_SHAPE);
    CHECK_INT(vl_st_read_f32(&st, "missing", got, 2, s23), VL_ERR_NOTFOUND);
    CHECK(strstr(vl_last_error(), "missing") != NULL);
    CHECK_INT(vl_st_read_int(&st, "missing", gi, 2, s23), VL_ERR_NOTFOUND);
    CHECK_INT(vl_st_read_f32(&st, "i.i32", got, 2, s23), VL_ERR_FORMAT);
    CHECK_INT(vl_st_read_int(&st, "w.f32", gi, 2, s23), VL_ERR_FORMAT);
    CHECK_INT(vl_st_read_f32(&st, "w.f32", got, 9, s23), VL_ERR_ARG);
    CHECK(vl_st_find(&st, "w.f3") == NULL && vl_st_find(&st, "") == NULL);
    vl_st_close(&st);
    CHECK(st.map == NULL && st.count == 0);
}

static void test_writer_errors(void) {
    const char *path = tmp_path("werr.safetensors");
    float w[4] = {1, 2, 3, 4};
    int64_t s4[1] = {4}, neg[1] = {-1};
    vl_st_writer wr;
    vl_st_writer_init(&wr);
    CHECK_INT(vl_st_writer_add_f32(&wr, "a", VL_DT_I32, 1, s4, w), VL_ERR_ARG);
    CHECK_INT(vl_st_writer_add_int(&wr, "a", VL_DT_F32, 1, s4, (int[]){1, 2, 3, 4}), VL_ERR_ARG);
    CHECK_INT(vl_st_writer_add_f32(&wr, "a", VL_DT_F32, 1, neg, w), VL_ERR_ARG);
    CHECK_INT(vl_st_writer_add_f32(&wr, "a", VL_DT_F32, 9, s4, w), VL_ERR_ARG);
    CHECK_INT(vl_st_writer_add_f32(&wr, "", VL_DT_F32, 1, s4, w), VL_ERR_ARG);
    CHECK_INT(vl_st_writer_add_f32(&wr, "__metadata__", VL_DT_F32, 1, s4, w), VL_ERR_ARG);
    CHECK_INT(vl_st_writer_add_f32(&wr, "bad\xff", VL_DT_F32, 1, s4, w), VL_ERR_ARG);
    CHECK_INT(vl_st_writer_add(&wr, "a", VL_DT_F32, 1, s4, NULL), VL_ERR_ARG);
    CHECK_INT(vl_st_writer_meta(&wr, "k", "\xc3"), VL_ERR_ARG);
    CHECK_INT(wr.count, 0);
    CHECK_INT(vl_st_writer_add_f32(&wr, "a", VL_DT_F32, 1, s4, w), VL_OK);
    CHECK_INT(vl_st_writer_add_f32(&wr, "a", VL_DT_F16, 1, s4, w), VL_OK);
    CHECK_INT(vl_st_writer_save(&wr, path), VL_ERR_ARG);          /* duplicate */
    CHECK(strstr(vl_last_error(), "duplicate") != NULL);
    CHECK_INT(open_status(path), VL_ERR_IO);                      /* not created */
    vl_st_writer_free(&wr);
    vl_st_writer_init(&wr);
    CHECK_INT(vl_st_writer_save(&wr, tmp_path("no/such/dir/x.safetensors")), VL_ERR_IO);
    /* an empty writer gives a valid (empty) file */
    CHECK_INT(vl_st_writer_save(&wr, path), VL_OK);
    vl_safetensors st;
    CHECK_INT(vl_st_open(&st, path), VL_OK);
    CHECK(st.count == 0 && st.meta_count == 0);
    vl_st_close(&st);
    vl_st_writer_free(&wr);
}

/* Writes a small valid file and returns its bytes. */
static unsigned char *valid_file(size_t *n) {
    const char *path = tmp_path("valid.safetensors");
    float w[6] = {1, 2, 3, 4, 5, 6};
    int64_t s23[2] = {2, 3};
    vl_st_writer wr;
    vl_st_writer_init(&wr);
    vl_st_writer_add_f32(&wr, "a", VL_DT_F32, 2, s23, w);
    vl_st_writer_add_f32(&wr, "b", VL_DT_F16, 2, s23, w);
    vl_st_writer_meta(&wr, "k", "v");
    vl_st_writer_save(&wr, path);
    vl_st_writer_free(&wr);
    return read_bytes(path, n);
}

static void test_bad_files(void) {
    const char *p = tmp_path("bad.safetensors");
    size_t n;
    unsigned char *good = valid_file(&n);
    write_bytes(p, good, n);
    CHECK_INT(open_status(p), VL_OK);

    /* truncations at many points, including inside header and data */
    size_t cuts[] = {0, 1, 7, 8, 9, 20, 40, n - 37, n - 12, n - 1};
    for (size_t k = 0; k < sizeof cuts / sizeof *cuts; k++) {
        write_bytes(p, good, cuts[k]);
        CHECK_MSG(open_status(p) == VL_ERR_FORMAT, "cut at %zu of %zu", cuts[k], n);
        CHECK(strstr(vl_last_error(), p) != NULL);
    }
    int crashes_or_ok = 0;
    for (size_t cut = 0; cut < n; cut++) {
        write_bytes(p, good, cut);
        crashes_or_ok += open_status(p) != VL_ERR_FORMAT;
    }
    CHECK_INT(crashes_or_ok, 0);

    /* header length larger than the file, and absurd */
    unsigned char *mod = malloc(n);
    memcpy(mod, good, n);
    mod[0] = (unsigned char)(n - 7);
    mod[1] = 0;
    write_bytes(p, mod, n);
    CHECK_INT(open_status(p), VL_ERR_FORMAT);
    CHECK(strstr(vl_last_error(), "header length") != NULL);
    memset(mod, 0xff, 8);
    write_bytes(p, mod, n);
    CHECK_INT(open_status(p), VL_ERR_FORMAT);
    free(mod);

    /* hand-written headers */
    unsigned char data[64] = {0};
    struct { const char *hdr; int want; } cases[] = {
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}", VL_OK},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
         "\"b\":{\"dtype\":\"U8\",\"shape\":[],\"data_offsets\":[24,25]},"
         "\"__metadata__\":{}}  ", VL_OK},
        {"[]", VL_ERR_FORMAT},
        {"\"str\"", VL_ERR_FORMAT},
        {"null", VL_ERR_FORMAT},
        {"", VL_ERR_FORMAT},
        {"{\"a\":", VL_ERR_FORMAT},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}x", VL_ERR_FORMAT},
        {"{\"a\":[]}", VL_ERR_FORMAT},
        {"{\"a\":{\"dtype\":\"F8\",\"shape\":[2],\"data_offsets\":[0,2]}}", VL_ERR_FORMAT},
        {"{\"a\":{\"dtype\":\"f32\",\"shape\":[2],\"data_offsets\":[0,8]}}", VL_ERR_FORMAT},
        {"{\"a\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", VL_ERR_FORMAT},
        {"{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", VL_ERR_FORMAT},
        {"{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", VL_ERR_FORMAT},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}}", VL_ERR_FORMAT},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1000000000000,1000000000000],"
         "\"data_offsets\":[0,8]}}", VL_ERR_FORMAT},
        {"{\"a\":{\"dtype\":\"F64\",\"shape\":[4611686018427387904],"
         "\"data_offsets\":[0,8]}}", VL_ERR_FORMAT},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536,65536,65536],"
         "\"data_offsets\":[0,0]}}", VL_ERR_FORMAT},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1e300],\"data_offsets\":[0,8]}}", VL_ERR_FORMAT},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", VL_ERR_FORMAT},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", VL_ERR_FORMAT},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", VL_ERR_FORMAT},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,1]}}",
         VL_ERR_FORMAT},
        {"{\"a\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,1],\"data_offsets\":[0,1]}}", VL_OK},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1000000000000,0],\"data_offsets\":[0,0]}}", VL_OK},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,80]}}", VL_ERR_FORMAT},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[60,68]}}", VL_ERR_FORMAT},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", VL_ERR_FORMAT},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,12]}}", VL_ERR_FORMAT},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", VL_ERR_FORMAT},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", VL_ERR_FORMAT},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", VL_ERR_FORMAT},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,16]}}", VL_ERR_FORMAT},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[18446744073709551615,"
         "18446744073709551623]}}", VL_ERR_FORMAT},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":\"0,8\"}}", VL_ERR_FORMAT},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
         "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", VL_ERR_FORMAT},
        {"{\"__metadata__\":{\"k\":1}}", VL_ERR_FORMAT},
        {"{\"__metadata__\":{\"k\":null}}", VL_ERR_FORMAT},
        {"{\"__metadata__\":{\"k\":{\"x\":\"y\"}}}", VL_ERR_FORMAT},
        {"{\"__metadata__\":[\"k\"]}", VL_ERR_FORMAT},
        {"{\"__metadata__\":\"k\"}", VL_ERR_FORMAT},
        {"{\"__metadata__\":{},\"__metadata__\":{}}", VL_ERR_FORMAT},
        {"{\"__metadata__\":{\"k\":\"v\"}}", VL_OK},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        write_st(p, cases[k].hdr, data, sizeof data);
        int rc = open_status(p);
        CHECK_MSG(rc == cases[k].want, "case %zu: got %d, want %d (%s): %s", k, rc,
                  cases[k].want, cases[k].hdr, vl_last_error());
        if (rc < 0) CHECK(strstr(vl_last_error(), p) != NULL);
    }
    /* messages name the tensor */
    write_st(p, "{\"weight\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", data, 8);
    CHECK_INT(open_status(p), VL_ERR_FORMAT);
    CHECK(strstr(vl_last_error(), "'weight'") != NULL);
    write_st(p, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", data, 8);
    CHECK_INT(open_status(p), VL_ERR_FORMAT);
    CHECK(strstr(vl_last_error(), "duplicate") != NULL);

    /* unaligned data and int range */
    unsigned char raw[16] = {0, 0, 0x80, 0x3f, 0, 0, 0, 0x40};   /* F32 at offset 1 */
    memmove(raw + 1, raw, 8);
    write_st(p, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[1,9]}}", raw, 9);
    vl_safetensors st;
    float f[2];
    if (vl_st_open(&st, p) == VL_OK) {
        CHECK_INT(vl_st_read_f32(&st, "a", f, 1, (int64_t[]){2}), VL_OK);
        CHECK(f[0] == 1.0f && f[1] == 2.0f);
        vl_st_close(&st);
    } else CHECK(!"open unaligned");
    unsigned char big[8] = {0, 0, 0, 0, 1, 0, 0, 0};             /* I64 2^32 */
    write_st(p, "{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", big, 8);
    if (vl_st_open(&st, p) == VL_OK) {
        int v;
        CHECK_INT(vl_st_read_int(&st, "a", &v, 1, (int64_t[]){1}), VL_ERR_FORMAT);
        vl_st_close(&st);
    } else CHECK(!"open I64");

    /* not a file / missing */
    CHECK_INT(open_status(tmp_path("does-not-exist.safetensors")), VL_ERR_IO);
    CHECK(strstr(vl_last_error(), "does-not-exist") != NULL);
    CHECK_INT(open_status(test_tmpdir()), VL_ERR_IO);

    /* random corruption of a valid file: any status, never a crash */
    uint64_t r = 99;
    unsigned char *buf = malloc(n);
    int opened = 0;
    for (int iter = 0; iter < 400; iter++) {
        memcpy(buf, good, n);
        for (int m = 0; m < 2; m++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            buf[(r >> 33) % n] = (unsigned char)(r >> 20);
        }
        write_bytes(p, buf, n);
        if (vl_st_open(&st, p) == VL_OK) {
            opened++;
            for (int k = 0; k < st.count; k++) {
                const vl_st_tensor *t = &st.tensors[k];
                float *dst = malloc((size_t)t->numel * sizeof(float) + 1);
                vl_st_read_f32(&st, t->name, dst, t->ndim, t->shape);
                free(dst);
            }
            vl_st_close(&st);
        }
    }
    CHECK(opened > 0);
    free(buf);
    free(good);
}

int main(void) {
    test_f16();
    test_bf16();
    test_dtype_table();
    test_round_trip();
    test_writer_errors();
    test_bad_files();
    return test_summary();
}
