/* tests/golden/test_golden_transformer.c: attention, multi-head attention,
 * Transformer blocks, AdaLN, sinusoidal positions and a 2-layer GPT against
 * PyTorch (fixtures from scripts/fixtures/gen_transformer.py in
 * tests/golden/data/tf_*.safetensors).
 *
 * Cases: F.scaled_dot_product_attention with no mask, causal, key padding
 * and both, and Tq < Tk (fused and naive kernels); nn.MultiheadAttention
 * plain and with causal + key-padding masks; nn.TransformerEncoderLayer
 * pre-norm and post-norm (GELU, causal + key padding); a pre-norm block with
 * BatchNorm (running statistics too) and with AdaLN; AdaLN alone; the
 * reference VALL-E sinusoidal positions; a 2-layer GPT, tied and untied
 * head: logits, loss, every gradient, the losses of 3 AdamW steps and every
 * parameter after them; blocks and GPTs with the fused and the naive
 * attention. Outputs and gradients within GOLDEN_TOL relative
 * (rule in golden_util.h). The fixtures' weight scales are chosen so that
 * PyTorch's own float32 run is within 3e-6 of the float64 reference (at
 * larger scales float32 itself misses 1e-5: see gen_transformer.py). Run
 * from the repository root. */
#include <stdlib.h>
#include <string.h>

#include "golden_util.h"
#include "valle/gpt.h"
#include "valle/optim.h"

/* Blocks and GPTs use vl_attention_naive instead of the fused kernel. */
static bool g_naive;

/* Copies "<prefix><name>" into every registered tensor (counters -> 0). */
static void load_params(const vl_safetensors *st, vl_params *P, const char *prefix) {
    char key[200];
    for (int i = 0; i < P->count; i++) {
        vl_param_entry *e = &P->entries[i];
        if (strstr(e->name, "num_batches_tracked")) {
            e->t->data[0] = 0.0f;
            continue;
        }
        snprintf(key, sizeof key, "%s%s", prefix, e->name);
        memcpy(e->t->data, fx(st, key, e->t->numel), (size_t)e->t->numel * sizeof(float));
    }
}

/* Compares every trainable gradient with "<prefix><name>"; the fixture must
 * have exactly as many "<prefix>" tensors as we have trainable params. */
static void cmp_param_grads(const char *tag, const vl_safetensors *st, vl_params *P,
                            const char *prefix) {
    char key[200], lab[200];
    int n_fx = 0, n_tr = 0;
    for (int i = 0; i < st->count; i++)
        n_fx += strncmp(st->tensors[i].name, prefix, strlen(prefix)) == 0;
    for (int i = 0; i < P->count; i++) {
        vl_param_entry *e = &P->entries[i];
        if (!e->trainable) continue;
        n_tr++;
        snprintf(key, sizeof key, "%s%s", prefix, e->name);
        snprintf(lab, sizeof lab, "%s grad %s", tag, e->name);
        cmp(lab, P->grad + e->offset, fx(st, key, e->t->numel), e->t->numel);
    }
    CHECK_MSG(n_fx == n_tr, "%s: fixture has %d gradients, model %d parameters", tag,
              n_fx, n_tr);
}

/* ---- F.scaled_dot_product_attention ---- */
static void test_sdpa(void) {
    printf("sdpa\n");
    vl_safetensors st;
    if (!open_fx(&st, "tf_sdpa")) return;
    const int B = 2, H = 2, T = 6, D = 4, n = B * H * T * D, nc = B * H * 3 * D;
    const int sh[4] = {B, H, T, D}, shc[4] = {B, H, 3, D};
    const float *q = fx(&st, "q", n), *k = fx(&st, "k", n), *v = fx(&st, "v", n);
    const float *r = fx(&st, "r", n);
    const int *kpm = fx_int(&st, "kpm", B * T);
    uint8_t pad[B * T];
    for (int i = 0; i < B * T; i++) pad[i] = (uint8_t)kpm[i];
    const char *names[4] = {"none", "causal", "padding", "both"};
    vl_attn_opts opts[4] = {{0}, {.causal = true}, {.key_padding = pad},
                            {.causal = true, .key_padding = pad}};
    char lab[96], key[64];
    for (int f = 0; f < 2; f++) {
        for (int m = 0; m < 5; m++) {
            vl_ctx *c = vl_ctx_new(1);
            bool cross = m == 4;
            const char *mn = cross ? "cross" : names[m];
            vl_tensor *tq = input(c, 4, cross ? shc : sh,
                                  cross ? fx(&st, "qc", nc) : q);
            vl_tensor *tk = input(c, 4, sh, k), *tv = input(c, 4, sh, v);
            const vl_attn_opts *o = cross ? NULL : &opts[m];
            vl_tensor *out = f ? vl_attention(c, tq, tk, tv, 0, o)
                               : vl_attention_naive(c, tq, tk, tv, 0, o);
            const char *kind = f ? "fused" : "naive";
            int nq = cross ? nc : n;
            snprintf(lab, sizeof lab, "sdpa %s %s out", kind, mn);
            snprintf(key, sizeof key, "out_%s", mn);
            cmp_t(lab, out, fx(&st, key, nq), nq);
            vl_backward_grad(c, out, cross ? fx(&st, "rc", nc) : r);
            snprintf(lab, sizeof lab, "sdpa %s %s grad q", kind, mn);
            snprintf(key, sizeof key, cross ? "grad_qc_%s" : "grad_q_%s", mn);
            cmp_g(lab, tq->grad, fx(&st, key, nq), nq);
            snprintf(lab, sizeof lab, "sdpa %s %s grad k", kind, mn);
            snprintf(key, sizeof key, "grad_k_%s", mn);
            cmp_g(lab, tk->grad, fx(&st, key, n), n);
            snprintf(lab, sizeof lab, "sdpa %s %s grad v", kind, mn);
            snprintf(key, sizeof key, "grad_v_%s", mn);
            cmp_g(lab, tv->grad, fx(&st, key, n), n);
            vl_ctx_free(c);
        }
    }
    vl_st_close(&st);
}

/* ---- nn.MultiheadAttention ---- */
static void test_mha(void) {
    printf("mha\n");
    vl_safetensors st;
    if (!open_fx(&st, "tf_mha")) return;
    const int B = 2, T = 5, C = 8, n = B * T * C;
    const int *kpm = fx_int(&st, "kpm", B * T);
    uint8_t pad[B * T];
    for (int i = 0; i < B * T; i++) pad[i] = (uint8_t)kpm[i];
    for (int naive = 0; naive < 2; naive++)
        for (int m = 0; m < 2; m++) {
            const char *mn = m ? "masked" : "plain";
            vl_params P;
            vl_params_init(&P);
            vl_mha mha;
            vl_mha_init(&mha, &P, "", C, 2, 0.0f, true, 0, 0);
            mha.naive = naive;
            vl_params_finalize(&P, 1);
            load_params(&st, &P, "");
            vl_params_zero_grad(&P);
            vl_ctx *c = vl_ctx_new(1);
            vl_tensor *x = input(c, 3, (int[]){B, T, C}, fx(&st, "x", n));
            vl_tensor *out = vl_mha_forward(c, &mha, x, m == 1, m ? pad : NULL, NULL);
            char lab[96], key[64];
            snprintf(lab, sizeof lab, "mha %s%s out", mn, naive ? " (naive)" : "");
            snprintf(key, sizeof key, "out_%s", mn);
            cmp_t(lab, out, fx(&st, key, n), n);
            vl_backward_grad(c, out, fx(&st, "r", n));
            snprintf(lab, sizeof lab, "mha %s%s grad x", mn, naive ? " (naive)" : "");
            snprintf(key, sizeof key, "grad_x_%s", mn);
            cmp_g(lab, x->grad, fx(&st, key, n), n);
            snprintf(key, sizeof key, "grad_%s.", mn);
            snprintf(lab, sizeof lab, "mha %s%s", mn, naive ? " (naive)" : "");
            cmp_param_grads(lab, &st, &P, key);
            vl_ctx_free(c);
            vl_params_free(&P);
        }
    vl_st_close(&st);
}

/* ---- blocks and AdaLN ---- */
static void test_block(const vl_safetensors *st, const char *name, bool prenorm,
                       vl_tf_norm norm, bool causal, bool use_pad) {
    const int B = 2, T = 5, C = 8, n = B * T * C;
    const int *kpm = fx_int(st, "kpm", B * T), *levels = fx_int(st, "levels", B);
    uint8_t pad[B * T];
    for (int i = 0; i < B * T; i++) pad[i] = (uint8_t)kpm[i];
    vl_params P;
    vl_params_init(&P);
    vl_block blk;
    vl_block_config bc = {.dim = C, .n_heads = 2, .ff_dim = 32, .prenorm = prenorm,
                          .causal = causal, .bias = true, .norm = norm, .n_levels = 4,
                          .naive_attention = g_naive};
    char pre[32], key[200], lab[200];
    vl_block_init(&blk, &P, "", &bc);
    vl_params_finalize(&P, 1);
    snprintf(pre, sizeof pre, "%s.", name);
    load_params(st, &P, pre);
    vl_params_zero_grad(&P);
    vl_ctx *c = vl_ctx_new(1);
    vl_set_training(c, true);
    vl_tensor *x = input(c, 3, (int[]){B, T, C}, fx(st, "x", n));
    vl_tensor *out = vl_block_forward(c, &blk, x, use_pad ? pad : NULL, levels, NULL);
    snprintf(lab, sizeof lab, "block %s out", name);
    snprintf(key, sizeof key, "out_%s", name);
    cmp_t(lab, out, fx(st, key, n), n);
    vl_backward_grad(c, out, fx(st, "r", n));
    snprintf(lab, sizeof lab, "block %s grad x", name);
    snprintf(key, sizeof key, "grad_x_%s", name);
    cmp_g(lab, x->grad, fx(st, key, n), n);
    snprintf(key, sizeof key, "grad_%s.", name);
    snprintf(lab, sizeof lab, "block %s", name);
    cmp_param_grads(lab, st, &P, key);
    if (norm == VL_TF_BATCHNORM)
        for (int i = 0; i < P.count; i++) {
            vl_param_entry *e = &P.entries[i];
            if (e->trainable || strstr(e->name, "num_batches")) continue;
            snprintf(key, sizeof key, "after_bn.%s", e->name);
            snprintf(lab, sizeof lab, "block bn %s after", e->name);
            cmp(lab, e->t->data, fx(st, key, e->t->numel), e->t->numel);
        }
    vl_ctx_free(c);
    vl_params_free(&P);
}

static void test_blocks(void) {
    printf("blocks\n");
    vl_safetensors st;
    if (!open_fx(&st, "tf_blocks")) return;
    test_block(&st, "pre", true, VL_TF_LAYERNORM, true, true);
    test_block(&st, "post", false, VL_TF_LAYERNORM, true, true);
    test_block(&st, "bn", true, VL_TF_BATCHNORM, true, false);
    test_block(&st, "ada", true, VL_TF_ADALN, false, true);

    /* AdaLN alone */
    const int B = 2, T = 3, C = 8, n = B * T * C;
    vl_params P;
    vl_params_init(&P);
    vl_adaln a;
    vl_adaln_init(&a, &P, "adaln", C, 4);
    vl_params_finalize(&P, 1);
    load_params(&st, &P, "");
    vl_params_zero_grad(&P);
    CHECK_NEAR(a.k, 0.1, 1e-7);
    CHECK_NEAR(a.c, 2.0, 0);
    vl_ctx *c = vl_ctx_new(1);
    vl_tensor *x = input(c, 3, (int[]){B, T, C}, fx(&st, "ada_x", n));
    vl_tensor *out = vl_adaln_forward(c, &a, x, fx_int(&st, "levels", B));
    cmp_t("adaln out", out, fx(&st, "ada_out", n), n);
    vl_backward_grad(c, out, fx(&st, "ada_r", n));
    cmp_g("adaln grad x", x->grad, fx(&st, "ada_grad_x", n), n);
    cmp_g("adaln grad emb", a.emb.weight->grad ? P.grad : P.grad,
          fx(&st, "ada_grad_emb", 4 * 2 * C), 4 * 2 * C);
    vl_ctx_free(c);
    vl_params_free(&P);
    vl_st_close(&st);
}

static void test_sinusoidal(void) {
    printf("sinusoidal\n");
    vl_safetensors st;
    if (!open_fx(&st, "tf_sinusoidal")) return;
    float pe[20 * 8], pe2[12 * 8];
    vl_sinusoidal_fill(pe, 20, 8, 0);
    cmp("sinusoidal pe (20, 8)", pe, fx(&st, "pe", 160), 160);
    vl_sinusoidal_fill(pe2, 12, 8, 8); /* positions 8..19 */
    cmp("sinusoidal pe from 8", pe2, fx(&st, "pe", 160) + 64, 96);
    vl_st_close(&st);
}

/* ---- 2-layer GPT: logits, loss, gradients, 3 AdamW steps ---- */
static void test_gpt(const char *name, bool tied) {
    printf("%s\n", name);
    vl_safetensors st;
    if (!open_fx(&st, name)) return;
    const int V = 11, BLOCK = 8, L = 2, H = 2, C = 16, B = 3, T = 8;
    vl_gpt_config cfg = vl_gpt_config_default();
    cfg.vocab = V;
    cfg.block_size = BLOCK;
    cfg.n_layer = L;
    cfg.n_head = H;
    cfg.n_embd = C;
    cfg.tied = tied;
    cfg.naive_attention = g_naive;
    vl_params P;
    vl_params_init(&P);
    vl_gpt g;
    vl_gpt_init(&g, &P, "", &cfg);
    vl_params_finalize(&P, 1);
    load_params(&st, &P, "init.");
    const int *ids = fx_int(&st, "ids", B * T), *tgt = fx_int(&st, "targets", B * T);
    vl_optim o;
    vl_optim_init(&o, VL_OPT_ADAMW, P.n_train);
    o.lr = 1e-3f;
    o.beta2 = 0.99f;
    o.weight_decay = 0.1f;
    vl_ctx *c = vl_ctx_new(1);
    vl_set_training(c, true);
    float losses[3];
    char lab[200], key[200];
    for (int s = 0; s < 3; s++) {
        vl_ctx_reset(c);
        vl_params_zero_grad(&P);
        vl_tensor *logits = vl_gpt_forward(c, &g, ids, B, T, NULL);
        if (s == 0) {
            snprintf(lab, sizeof lab, "%s logits", name);
            check_shape(lab, logits, 3, (int[]){B, T, V});
            cmp_t(lab, logits, fx(&st, "logits", B * T * V), B * T * V);
        }
        vl_tensor *loss = vl_cross_entropy(c, logits, tgt, -100);
        losses[s] = loss->data[0];
        vl_backward(c, loss);
        if (s == 0) {
            snprintf(lab, sizeof lab, "%s step1", name);
            cmp_param_grads(lab, &st, &P, "grad1.");
        }
        vl_optim_step(&o, P.data, P.grad);
    }
    snprintf(lab, sizeof lab, "%s losses (3 steps)", name);
    cmp(lab, losses, fx(&st, "losses", 3), 3);
    for (int i = 0; i < P.count; i++) {
        vl_param_entry *e = &P.entries[i];
        snprintf(key, sizeof key, "final.%s", e->name);
        snprintf(lab, sizeof lab, "%s final %s", name, e->name);
        const float *ref = fx(&st, key, e->t->numel);
        if (strstr(e->name, "in_proj_bias")) {
            /* The key bias adds q.b_k to every score of a query row, which the
             * softmax cancels: its gradient is exactly zero, float32 and
             * float64 leave different rounding noise there, and Adam turns
             * any noise into a +-lr step. Compare the q and v parts; the k
             * part must stay within 3 steps of lr of the reference. */
            cmp(lab, e->t->data, ref, C);
            cmp(lab, e->t->data + 2 * C, ref + 2 * C, C);
            for (int j = C; j < 2 * C; j++)
                CHECK_MSG(fabsf(e->t->data[j] - ref[j]) <= 3.01e-3f,
                          "%s k-bias %d: %g vs %g", lab, j, (double)e->t->data[j],
                          (double)ref[j]);
            snprintf(key, sizeof key, "grad1.%s", e->name);
            const float *gk = fx(&st, key, e->t->numel) + C;
            float worst = 0;
            for (int j = 0; j < C; j++) worst = fmaxf(worst, fabsf(gk[j]));
            CHECK_MSG(worst < 1e-6f, "%s: reference k-bias gradient %g not ~0", lab,
                      (double)worst);
        } else {
            cmp(lab, e->t->data, ref, e->t->numel);
        }
    }
    vl_ctx_free(c);
    vl_optim_free(&o);
    vl_gpt_free(&g);
    vl_params_free(&P);
    vl_st_close(&st);
}

int main(void) {
    test_sdpa();
    test_mha();
    test_sinusoidal();
    for (int naive = 0; naive < 2; naive++) {
        g_naive = naive;
        printf("---- %s attention\n", naive ? "naive" : "fused");
        test_blocks();
        test_gpt("tf_gpt_tied", true);
        test_gpt("tf_gpt_untied", false);
    }
    pool_free();
    return test_summary();
}
