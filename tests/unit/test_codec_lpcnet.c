/* tests/unit/test_codec_lpcnet.c: the lpcnet backend on tests/data/speech.wav
 * (espeak-ng, 16 kHz, 2.7 s): six levels with vocabularies 2048 x 4, 64, 4,
 * one frame per 480 samples, every code in range, deterministic encoding
 * (separate, fresh instances), direct-mode independence of frames, and a
 * decode whose energy envelope follows the input's. Bad codes are refused. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "valle/audio.h"
#include "valle/codec.h"

/* log energy of 30 ms frames, correlation between two signals */
static double envelope_corr(const float *a, const float *b, int64_t frames, int hop) {
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    for (int64_t f = 0; f < frames; f++) {
        double ea = 1e-8, eb = 1e-8;
        for (int i = 0; i < hop; i++) {
            ea += a[f * hop + i] * a[f * hop + i];
            eb += b[f * hop + i] * b[f * hop + i];
        }
        ea = log(ea), eb = log(eb);
        sa += ea, sb += eb, saa += ea * ea, sbb += eb * eb, sab += ea * eb;
    }
    double n = (double)frames;
    return (sab - sa * sb / n) / sqrt((saa - sa * sa / n) * (sbb - sb * sb / n));
}

int main(void) {
    vl_codec *cd;
    vl_codec_opts o = {.name = "lpcnet"};
    CHECK(vl_codec_open(&cd, &o) == VL_OK);
    const vl_codec_info *in = vl_codec_get_info(cd);
    CHECK_INT(in->sample_rate, 16000);
    CHECK_INT(in->hop, 480);
    CHECK_INT(in->levels, 6);
    int want_vocab[6] = {2048, 2048, 2048, 2048, 64, 4};
    for (int l = 0; l < 6; l++) CHECK_INT(in->vocab[l], want_vocab[l]);

    vl_audio a;
    CHECK(vl_audio_load_mono(&a, "tests/data/speech.wav", 16000) == VL_OK);
    vl_codes q, q2;
    CHECK(vl_codec_encode(cd, a.data, a.frames, a.rate, &q) == VL_OK);
    CHECK_INT(q.frames, a.frames / 480);
    CHECK_INT(q.levels, 6);
    int in_range = 1, distinct_vq = 0;
    for (int l = 0; l < 6; l++)
        for (int64_t t = 0; t < q.frames; t++) {
            int v = q.data[l * q.frames + t];
            in_range &= v >= 0 && v < want_vocab[l];
            if (l == 0 && t > 0) distinct_vq += v != q.data[t - 1];
        }
    CHECK(in_range);
    CHECK_MSG(distinct_vq > q.frames / 2, "first VQ stage barely changes (%d)", distinct_vq);
    /* the same input again gives the same codes */
    CHECK(vl_codec_encode(cd, a.data, a.frames, a.rate, &q2) == VL_OK);
    CHECK(q2.frames == q.frames && !memcmp(q.data, q2.data, sizeof(int32_t) * 6 * q.frames));
    vl_codes_free(&q2);
    /* direct mode: dropping the first 20 frames leaves the later frames' codes
     * (after the analysis window settles) mostly unchanged: the quantiser has no
     * prediction, but the pitch tracker, filters and dither carry history */
    int skip = 20;
    CHECK(vl_codec_encode(cd, a.data + skip * 480, a.frames - skip * 480, a.rate, &q2) == VL_OK);
    int same = 0, total = 0;
    for (int64_t t = 3; t < q2.frames; t++)
        for (int l = 0; l < 4; l++) {
            total++;
            same += q2.data[l * q2.frames + t] == q.data[l * q.frames + t + skip];
        }
    printf("direct mode: %d of %d VQ codes unchanged after dropping %d frames\n", same, total, skip);
    CHECK_MSG(same >= total * 8 / 10, "only %d of %d codes unchanged", same, total);
    vl_codes_free(&q2);
    /* input at another rate is resampled: 22.05 kHz of the same speech */
    vl_audio b;
    CHECK(vl_audio_load_mono(&b, "tests/data/speech.wav", 22050) == VL_OK);
    CHECK(vl_codec_encode(cd, b.data, b.frames, b.rate, &q2) == VL_OK);
    CHECK(llabs(q2.frames - q.frames) <= 1);
    vl_codes_free(&q2);
    vl_audio_free(&b);

    /* decode the first 40 frames (1.2 s) */
    vl_codes part;
    int64_t T = q.frames < 40 ? q.frames : 40;
    vl_codes_init(&part, 6, T);
    for (int l = 0; l < 6; l++) memcpy(part.data + l * T, q.data + l * q.frames, sizeof(int32_t) * T);
    float *y = NULL;
    int64_t n = 0;
    CHECK(vl_codec_decode(cd, &part, &y, &n) == VL_OK);
    CHECK_INT(n, T * 480);
    if (y && n == T * 480) {
        /* LPCNet's output lags its input by a few frames: best correlation over lags 0..5 */
        double best = -1;
        int best_lag = 0;
        for (int lag = 0; lag <= 5; lag++) {
            double r = envelope_corr(a.data, y + lag * 480, T - lag, 480);
            if (r > best) best = r, best_lag = lag;
        }
        printf("decoded energy envelope vs input: r = %.3f at a lag of %d frames\n", best, best_lag);
        CHECK_MSG(best > 0.8, "envelope correlation %.3f", best);
    }
    free(y);
    /* bad codes: out of range, negative, wrong level count */
    part.data[4 * T + 3] = 64;
    CHECK(vl_codec_decode(cd, &part, &y, &n) == VL_ERR_FORMAT);
    CHECK(strstr(vl_last_error(), "level 4") != NULL);
    part.data[4 * T + 3] = -1;
    CHECK(vl_codec_decode(cd, &part, &y, &n) == VL_ERR_FORMAT);
    part.levels = 5;
    CHECK(vl_codec_decode(cd, &part, &y, &n) == VL_ERR_SHAPE);
    part.levels = 6;
    vl_codes_free(&part);
    /* too short, bad rates */
    CHECK(vl_codec_encode(cd, a.data, 100, 16000, &q2) == VL_ERR_ARG);
    CHECK(vl_codec_encode(cd, a.data, a.frames, 0, &q2) == VL_ERR_ARG);
    CHECK(vl_codec_encode(cd, a.data, a.frames, 50000000, &q2) == VL_ERR_ARG);
    vl_codes_free(&q);
    vl_audio_free(&a);
    vl_codec_close(cd);
    /* options */
    vl_codec_opts bad = {.name = "mp3"};
    CHECK(vl_codec_open(&cd, &bad) == VL_ERR_ARG);
    vl_codec_opts w = {.name = "lpcnet", .weights = "x"};
    CHECK(vl_codec_open(&cd, &w) == VL_ERR_ARG);
    vl_codec_opts e = {.name = "encodec"};
    CHECK(vl_codec_open(&cd, &e) == VL_ERR_ARG);
    return test_summary();
}
