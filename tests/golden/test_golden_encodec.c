/* tests/golden/test_golden_encodec.c: EnCodec against the `encodec` package
 * (fixtures from scripts/fixtures/gen_encodec.py): the causal conv (strided;
 * dilated on input shorter than its padding), the transposed conv, the skip
 * LSTM and the residual VQ alone, then a whole reduced-width 24 kHz model
 * loaded under the original names, the HuggingFace names and HF's
 * parametrizations.weight.original0/1 names: codes must equal the
 * reference's exactly and the decoded audio be within 1e-4. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codec/encodec_internal.h"
#include "golden_util.h"
#include "valle/codec.h"

static double max_abs(const float *a, const float *b, int64_t n) {
    double m = 0;
    for (int64_t i = 0; i < n; i++) m = fmax(m, fabs((double)a[i] - b[i]));
    return m;
}

static void test_conv(const vl_safetensors *st, const char *p, int cin, int cout, int k, int s,
                      int d, int t, int t_ref) {
    enc_conv c;
    int rc = enc_conv_load(&c, st, p, cin, cout, k, s, d);
    CHECK_MSG(rc == VL_OK, "load %s: %s", p, vl_last_error());
    if (rc < 0) return;
    char name[64];
    snprintf(name, sizeof name, "%s.x", p);
    float *x = fx(st, name, (int64_t)cin * t);
    snprintf(name, sizeof name, "%s.y", p);
    float *ref = fx(st, name, (int64_t)cout * t_ref);
    int to = 0;
    float *y = enc_conv_forward(&c, x, t, &to);
    CHECK_INT(to, t_ref);
    if (y && to == t_ref) cmp(p, y, ref, (int64_t)cout * to);
    free(y);
    enc_conv_free(&c);
}

static void test_pieces(void) {
    vl_safetensors st;
    if (!open_fx(&st, "encodec_pieces")) return;
    /* conv 3->5 k4 s2 on 37 steps: ceil(37/2) = 19 frames */
    test_conv(&st, "conv", 3, 5, 4, 2, 1, 37, 19);
    /* conv 2->3 k3 dilation 2 on 3 steps (padding 4 > length) */
    test_conv(&st, "conv2", 2, 3, 3, 1, 2, 3, 3);
    enc_convtr tr;
    int rc = enc_convtr_load(&tr, &st, "convtr", 5, 3, 8, 4);
    CHECK_MSG(rc == VL_OK, "load convtr: %s", vl_last_error());
    if (rc == VL_OK) {
        float *x = fx(&st, "convtr.x", 5 * 9), *ref = fx(&st, "convtr.y", 3 * 36);
        int to = 0;
        float *y = enc_convtr_forward(&tr, x, 9, &to);
        CHECK_INT(to, 36);
        if (y && to == 36) cmp("convtr", y, ref, 3 * 36);
        free(y);
        enc_convtr_free(&tr);
    }
    enc_lstm l;
    rc = enc_lstm_load(&l, &st, "lstm", 6, 2);
    CHECK_MSG(rc == VL_OK, "load lstm: %s", vl_last_error());
    if (rc == VL_OK) {
        float *x = fx(&st, "lstm.x", 6 * 11), *ref = fx(&st, "lstm.y", 6 * 11);
        float *y = enc_lstm_forward(&l, x, 11);
        if (y) cmp("lstm", y, ref, 6 * 11);
        free(y);
        enc_lstm_free(&l);
    }
    float *cb = track(vl_xmalloc(sizeof(float) * 4 * 16 * 8));
    for (int q = 0; q < 4; q++) {
        char name[32];
        snprintf(name, sizeof name, "rvq.embed.%d", q);
        memcpy(cb + q * 128, fx(&st, name, 128), sizeof(float) * 128);
    }
    float *x = fx(&st, "rvq.x", 8 * 20), *ref = fx(&st, "rvq.y", 8 * 20);
    int *cref = fx_int(&st, "rvq.codes", 4 * 20);
    int32_t codes[80];
    enc_rvq_encode(cb, 4, 16, 8, x, 20, codes);
    int same = 1;
    for (int i = 0; i < 80; i++) same &= codes[i] == cref[i];
    CHECK_MSG(same, "rvq codes differ from the reference");
    float *y = enc_rvq_decode(cb, 4, 16, 8, codes, 20);
    if (y) cmp("rvq decode", y, ref, 8 * 20);
    free(y);
    vl_st_close(&st);
}

/* Copy of the HF file with weight_g/weight_v renamed to
 * parametrizations.weight.original0/1 (newer transformers' names). */
static const char *parametrized_copy(void) {
    static char path[512];
    snprintf(path, sizeof path, "%s/encodec_param.safetensors", test_tmpdir());
    vl_safetensors st;
    if (vl_st_open(&st, "tests/golden/data/encodec_small_hf.safetensors") < 0) return NULL;
    vl_st_writer w;
    vl_st_writer_init(&w);
    for (int i = 0; i < st.count; i++) {
        const vl_st_tensor *t = &st.tensors[i];
        char name[512];
        size_t n = strlen(t->name);
        if (n > 9 && !strcmp(t->name + n - 9, ".weight_g"))
            snprintf(name, sizeof name, "%.*s.parametrizations.weight.original0", (int)(n - 9), t->name);
        else if (n > 9 && !strcmp(t->name + n - 9, ".weight_v"))
            snprintf(name, sizeof name, "%.*s.parametrizations.weight.original1", (int)(n - 9), t->name);
        else
            snprintf(name, sizeof name, "%s", t->name);
        vl_st_writer_add(&w, name, t->dtype, t->ndim, t->shape, t->data);
    }
    int rc = vl_st_writer_save(&w, path);
    vl_st_writer_free(&w);
    vl_st_close(&st);
    return rc == VL_OK ? path : NULL;
}

static void test_model(const char *weights, const char *label) {
    vl_safetensors io;
    if (!open_fx(&io, "encodec_small_io")) return;
    float *x = fx(&io, "input", 24000);
    int *c6 = fx_int(&io, "codes_6", 13 * 75), *c15 = fx_int(&io, "codes_1_5", 3 * 75);
    float *ref = fx(&io, "audio_6", 24000);
    for (int pass = 0; pass < 2; pass++) {
        float bw = pass == 0 ? 6.0f : 1.5f;
        int nq = pass == 0 ? 13 : 3;
        const int *cref = pass == 0 ? c6 : c15;
        vl_codec_opts o = {.name = "encodec", .weights = weights, .bandwidth = bw};
        vl_codec *cd;
        int rc = vl_codec_open(&cd, &o);
        CHECK_MSG(rc == VL_OK, "%s: open: %s", label, vl_last_error());
        if (rc < 0) continue;
        const vl_codec_info *in = vl_codec_get_info(cd);
        CHECK_INT(in->levels, nq);
        CHECK_INT(in->vocab[0], 64);
        CHECK_INT(in->sample_rate, 24000);
        CHECK_NEAR(in->frame_rate, 75.0, 1e-9);
        vl_codes q;
        rc = vl_codec_encode(cd, x, 24000, 24000, &q);
        CHECK_MSG(rc == VL_OK, "%s: encode: %s", label, vl_last_error());
        if (rc == VL_OK) {
            CHECK_INT(q.levels, nq);
            CHECK_INT(q.frames, 75);
            int diff = 0;
            for (int i = 0; i < nq * 75 && q.frames == 75; i++) diff += q.data[i] != cref[i];
            CHECK_MSG(diff == 0, "%s @ %g kbps: %d of %d codes differ", label, bw, diff, nq * 75);
            printf("%s @ %g kbps: %d levels x %lld frames, %d codes differ\n", label, bw, q.levels,
                   (long long)q.frames, diff);
            vl_codes_free(&q);
        }
        if (pass == 0) {
            vl_codes r;
            vl_codes_init(&r, 13, 75);
            for (int i = 0; i < 13 * 75; i++) r.data[i] = cref[i];
            float *y = NULL;
            int64_t n = 0;
            rc = vl_codec_decode(cd, &r, &y, &n);
            CHECK_MSG(rc == VL_OK, "%s: decode: %s", label, vl_last_error());
            CHECK_INT(n, 24000);
            if (rc == VL_OK && n == 24000) {
                double e = max_abs(y, ref, 24000);
                float peak = 0;
                for (int i = 0; i < 24000; i++) peak = fmaxf(peak, fabsf(ref[i]));
                printf("%s: decoded audio max abs error %.3g (reference peak %.3g)\n", label, e, peak);
                CHECK_MSG(e <= 1e-4, "%s: decoded audio max abs error %g > 1e-4", label, e);
            }
            free(y);
            vl_codes_free(&r);
        }
        vl_codec_close(cd);
    }
    vl_st_close(&io);
}

int main(void) {
    test_pieces();
    test_model("tests/golden/data/encodec_small_orig.safetensors", "original names");
    test_model("tests/golden/data/encodec_small_hf.safetensors", "HF names");
    const char *p = parametrized_copy();
    CHECK_MSG(p != NULL, "writing the parametrized copy: %s", vl_last_error());
    if (p) test_model(p, "HF parametrizations names");
    pool_free();
    return test_summary();
}
