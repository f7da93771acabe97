/* tests/unit/test_kv_cache.c: KV-cached incremental decoding of the GPT
 * equals recomputing the whole prefix: for every position the logits agree
 * within 1e-5 (relative to max(1, |logit|)) and the argmax is the same
 * token; greedy generation with and without the cache emits the same
 * sequence. Token-by-token and prompt-chunk feeding, learned and
 * sinusoidal positions, LayerNorm and BatchNorm (eval mode) models. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "valle/gpt.h"

static int argmax(const float *x, int n) {
    int b = 0;
    for (int i = 1; i < n; i++)
        if (x[i] > x[b]) b = i;
    return b;
}

static void randomise(vl_params *P, uint64_t seed) {
    vl_rng r;
    vl_rng_seed(&r, seed);
    for (int64_t i = 0; i < P->n_train; i++) P->data[i] += 0.1f * vl_rng_normal(&r);
    for (int i = 0; i < P->count; i++) {
        vl_param_entry *e = &P->entries[i];
        if (strstr(e->name, "running_var"))
            for (int64_t k = 0; k < e->t->numel; k++) e->t->data[k] = 0.5f + vl_rng_uniform(&r);
        if (strstr(e->name, "running_mean"))
            for (int64_t k = 0; k < e->t->numel; k++) e->t->data[k] = 0.2f * vl_rng_normal(&r);
    }
}

static void run_case(bool sinusoidal, vl_tf_norm norm, int prompt) {
    const int B = 2, T = 20, V = 13;
    vl_gpt_config cfg = vl_gpt_config_default();
    cfg.vocab = V;
    cfg.block_size = 24;
    cfg.n_layer = 2;
    cfg.n_head = 2;
    cfg.n_embd = 16;
    cfg.sinusoidal = sinusoidal;
    cfg.norm = norm;
    vl_params P;
    vl_params_init(&P);
    vl_gpt g;
    vl_gpt_init(&g, &P, "", &cfg);
    vl_params_finalize(&P, 11);
    randomise(&P, 12);
    int ids[2 * 20];
    vl_rng r;
    vl_rng_seed(&r, 13);
    for (int i = 0; i < B * T; i++) ids[i] = (int)vl_rng_below(&r, V);
    vl_ctx *c = vl_ctx_new(1);
    vl_set_grad_enabled(c, false);
    vl_set_training(c, false);
    vl_gpt_cache kc;
    vl_gpt_cache_init(&kc, &g, B, cfg.block_size);
    double worst = 0;
    int argmax_diff = 0;
    float *cached = malloc(sizeof(float) * B * T * V);
    /* cached pass: `prompt` tokens at once, then one at a time */
    for (int t = 0; t < T;) {
        int n = t == 0 ? prompt : 1;
        int *chunk = malloc(sizeof(int) * B * n);
        for (int b = 0; b < B; b++) memcpy(chunk + b * n, ids + b * T + t, sizeof(int) * n);
        vl_ctx_reset(c);
        vl_tensor *lg = vl_gpt_forward(c, &g, chunk, B, n, &kc); /* (B, n, V) */
        for (int b = 0; b < B; b++)
            memcpy(cached + ((size_t)b * T + t) * V, lg->data + (size_t)b * n * V,
                   sizeof(float) * n * V);
        free(chunk);
        t += n;
    }
    CHECK_INT(kc.pos, T);
    /* full recomputation of every prefix */
    for (int t = 1; t <= T; t++) {
        int *pre = malloc(sizeof(int) * B * t);
        for (int b = 0; b < B; b++) memcpy(pre + b * t, ids + b * T, sizeof(int) * t);
        vl_ctx_reset(c);
        vl_tensor *lg = vl_gpt_forward(c, &g, pre, B, t, NULL); /* (B, t, V) */
        for (int b = 0; b < B; b++) {
            const float *full = lg->data + ((size_t)b * t + t - 1) * V;
            const float *inc = cached + ((size_t)b * T + t - 1) * V;
            for (int v = 0; v < V; v++)
                worst = fmax(worst, fabs((double)full[v] - inc[v]) / fmax(1.0, fabs(full[v])));
            argmax_diff += argmax(full, V) != argmax(inc, V);
        }
        free(pre);
    }
    printf("kv cache %s %s prompt %d: worst logit diff %.3g, argmax mismatches %d\n",
           sinusoidal ? "sinusoidal" : "learned", vl_tf_norm_name(norm), prompt, worst,
           argmax_diff);
    CHECK_MSG(worst <= 1e-5, "logits differ by %g", worst);
    /* the comparison is not vacuous: logits change along the sequence */
    double spread = 0;
    for (int t = 1; t < T; t++)
        for (int v = 0; v < V; v++)
            spread = fmax(spread, fabs((double)cached[(size_t)t * V + v] - cached[v]));
    CHECK_MSG(spread > 1e-2, "logits barely change along the sequence (%g)", spread);
    CHECK_INT(argmax_diff, 0);

    /* greedy generation: cache vs recompute */
    int seq_a[24], seq_b[24];
    seq_a[0] = seq_b[0] = 3;
    vl_gpt_cache_reset(&kc);
    vl_gpt_cache kc1;
    vl_gpt_cache_init(&kc1, &g, 1, cfg.block_size);
    for (int t = 1; t < 24; t++) {
        vl_ctx_reset(c);
        vl_tensor *lg = vl_gpt_forward(c, &g, &seq_a[t - 1], 1, 1, &kc1);
        seq_a[t] = argmax(lg->data, V);
        vl_ctx_reset(c);
        lg = vl_gpt_forward(c, &g, seq_b, 1, t, NULL);
        seq_b[t] = argmax(lg->data + (size_t)(t - 1) * V, V);
    }
    CHECK(memcmp(seq_a, seq_b, sizeof seq_a) == 0);
    vl_gpt_cache_free(&kc1);
    vl_gpt_cache_free(&kc);
    free(cached);
    vl_ctx_free(c);
    vl_gpt_free(&g);
    vl_params_free(&P);
}

int main(void) {
    run_case(false, VL_TF_LAYERNORM, 1);
    run_case(false, VL_TF_LAYERNORM, 7);
    run_case(true, VL_TF_LAYERNORM, 5);
    run_case(false, VL_TF_BATCHNORM, 3);
    return test_summary();
}
