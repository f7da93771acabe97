/* tests/unit/test_valle_generate.c: VALL-E decoding on small random models:
 * AR decoding with the KV cache draws exactly the tokens of full
 * recomputation (same seed), and its logits agree; the stop token and the
 * cap end decoding; level restriction keeps codes inside the codec's
 * vocabulary; the NAR fills every level within its vocabulary; greedy NAR
 * decoding is deterministic; repetition-aware sampling breaks a loop that
 * plain sampling of a peaked distribution would repeat. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "valle/valle_generate.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void make(vl_valle_model *m, vl_params *P, const char *preset, int d, int layers) {
    vl_valle_model_config mc;
    CHECK(vl_valle_preset(&mc, preset, 64, 4, 20) == VL_OK);
    mc.d_model = d;
    mc.n_heads = 2;
    mc.n_layers = layers;
    vl_params_init(P);
    vl_valle_model_init(m, P, "", &mc);
    vl_params_finalize(P, 7);
}

static void test_cache_equals_recompute(void) {
    vl_params P;
    vl_valle_model m;
    make(&m, &P, "ar-tiny", 32, 2);
    /* no stop: decode to the cap */
    m.classifier.bias->data[vl_valle_stop_token(&m)] = -1e4f;
    const int text[6] = {1, 5, 7, 3, 9, 2};
    int32_t prom[10 * 4];
    for (int i = 0; i < 40; i++) prom[i] = (i * 7) % 64;
    vl_valle_sampling o = vl_valle_sampling_default();
    o.max_steps = 200;
    int32_t *a, *b;
    int na, nb;
    bool sa, sb;
    vl_rng r1, r2;
    vl_rng_seed(&r1, 5);
    vl_rng_seed(&r2, 5);
    double t0 = now();
    CHECK(vl_valle_ar_generate(&m, text, 6, prom, 10, 4, &o, 0, true, &r1, &a, &na, &sa) == 0);
    double t1 = now();
    CHECK(vl_valle_ar_generate(&m, text, 6, prom, 10, 4, &o, 0, false, &r2, &b, &nb, &sb) == 0);
    double t2 = now();
    CHECK_INT(na, 200);
    CHECK_INT(nb, 200);
    CHECK(!sa && !sb);
    int same = 0;
    for (int i = 0; i < 200 && i < na && i < nb; i++) same += a[i] == b[i];
    CHECK_INT(same, 200);
    printf("  200 tokens: cache %.3f s, recompute %.3f s (%.1fx)\n", t1 - t0, t2 - t1,
           (t2 - t1) / (t1 - t0));
    /* vocabulary restriction: level 0 of 10 codes */
    free(a);
    vl_rng_seed(&r1, 9);
    o.max_steps = 50;
    CHECK(vl_valle_ar_generate(&m, text, 6, prom, 10, 4, &o, 10, true, &r1, &a, &na, &sa) == 0);
    int outside = 0;
    for (int i = 0; i < na; i++) outside += a[i] < 0 || a[i] >= 10;
    CHECK_INT(outside, 0);
    free(a);
    /* a stop token that always wins ends decoding at once */
    m.classifier.bias->data[vl_valle_stop_token(&m)] = 1e4f;
    CHECK(vl_valle_ar_generate(&m, text, 6, prom, 10, 4, &o, 0, true, &r1, &a, &na, &sa) == 0);
    CHECK(sa);
    CHECK_INT(na, 0);
    free(a);
    free(b);
    /* bad input: empty text, code outside the vocabulary */
    CHECK(vl_valle_ar_generate(&m, text, 0, prom, 10, 4, &o, 0, true, &r1, &a, &na, &sa) < 0);
    free(a);
    prom[3] = 64;
    CHECK(vl_valle_ar_generate(&m, text, 6, prom, 10, 4, &o, 0, true, &r1, &a, &na, &sa) < 0);
    free(a);
    vl_valle_model_free(&m);
    vl_params_free(&P);
}

static void test_nar(void) {
    vl_params P;
    vl_valle_model m;
    make(&m, &P, "nar-tiny", 32, 2);
    const int text[4] = {1, 2, 3, 4}, vocab[4] = {64, 64, 8, 4};
    int32_t prom[5 * 4], resp[7 * 4], resp2[7 * 4];
    for (int i = 0; i < 20; i++) prom[i] = (i * 11) % 64;
    for (int t = 0; t < 7; t++) resp[t * 4] = (t * 5) % 64;
    memcpy(resp2, resp, sizeof resp);
    vl_rng r;
    vl_rng_seed(&r, 1);
    CHECK(vl_valle_nar_generate(&m, text, 4, prom, 5, 4, resp, 7, 4, vocab, 0.0f, &r) == 0);
    CHECK(vl_valle_nar_generate(&m, text, 4, prom, 5, 4, resp2, 7, 4, vocab, 0.0f, &r) == 0);
    int bad = 0, diff = 0;
    for (int t = 0; t < 7; t++)
        for (int l = 0; l < 4; l++) {
            int v = resp[t * 4 + l];
            bad += v < 0 || v >= vocab[l];
            diff += v != resp2[t * 4 + l];
        }
    CHECK_INT(bad, 0);
    CHECK_INT(diff, 0);
    CHECK(vl_valle_nar_generate(&m, text, 4, prom, 5, 4, resp, 7, 5, NULL, 0.0f, &r) < 0);
    vl_valle_model_free(&m);
    vl_params_free(&P);
}

static void test_ras(void) {
    /* a distribution with 90% on token 0: plain sampling repeats 0 about 90%
     * of the time; with RAS every repeat beyond the window threshold is
     * redrawn from the whole distribution, still mostly 0 but never a
     * run where the window is all 0 more than chance allows */
    float logits[8];
    for (int i = 0; i < 8; i++) logits[i] = 0;
    logits[0] = logf(0.9f * 7 / 0.1f);
    vl_valle_sampling o = vl_valle_sampling_default();
    o.top_p = 0.8f;   /* nucleus keeps only token 0 */
    vl_rng r;
    vl_rng_seed(&r, 3);
    int32_t hist[2000];
    int zeros_ras = 0;
    for (int i = 0; i < 2000; i++) {
        hist[i] = vl_valle_pick(logits, 8, &o, hist, i, &r);
        zeros_ras += hist[i] == 0;
    }
    o.ras = false;
    int zeros_plain = 0;
    for (int i = 0; i < 2000; i++) zeros_plain += vl_valle_pick(logits, 8, &o, hist, i, &r) == 0;
    printf("  token 0 share: nucleus %.3f, nucleus + RAS %.3f\n", zeros_plain / 2000.0,
           zeros_ras / 2000.0);
    CHECK_INT(zeros_plain, 2000);            /* nucleus alone: always 0 */
    CHECK(zeros_ras < 1950 && zeros_ras > 1600); /* RAS: ~0.9 */
}

int main(void) {
    test_cache_equals_recompute();
    test_nar();
    test_ras();
    return test_summary();
}
