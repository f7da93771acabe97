/* tests/golden/test_golden_mlp.c: MLP, cross-entropy and AdamW against
 * PyTorch.
 *
 * Fixtures come from scripts/fixtures/gen_golden.py (tests/golden/data/
 * <case>.safetensors, read with valle's own safetensors reader). Cases: MLP
 * 6-16-16-3 in train mode with mean cross-entropy (relu/tanh/gelu without
 * norm, relu with BatchNorm (running statistics checked) and LayerNorm,
 * gelu_tanh + LayerNorm, sigmoid + BatchNorm); cross-entropy with
 * ignore_index -100 on (6,5) and (2,3,5) logits; five AdamW steps on an MLP
 * 4-8-8-3 (losses, step-1 gradients, final parameters). Everything must
 * match within GOLDEN_TOL relative error (rule in golden_util.h); the worst error
 * of every tensor is printed. Run from the repository root. */
#include <stdlib.h>
#include <string.h>

#include "golden_util.h"
#include "valle/io.h"
#include "valle/nn.h"
#include "valle/ops.h"
#include "valle/optim.h"

/* Copies fixture tensors "<prefix><name>" into every registered tensor;
 * num_batches_tracked counters start at 0. Also checks that every
 * parameter the fixture has a gradient for ("grad.<name>") is registered. */
static void load_params(const vl_safetensors *st, vl_params *P,
                        const char *prefix) {
    char key[160];
    for (int i = 0; i < P->count; i++) {
        vl_param_entry *e = &P->entries[i];
        if (strstr(e->name, "num_batches_tracked")) {
            e->t->data[0] = 0.0f;
            continue;
        }
        snprintf(key, sizeof key, "%s%s", prefix, e->name);
        memcpy(e->t->data, fx(st, key, e->t->numel),
               (size_t)e->t->numel * sizeof(float));
    }
    for (int i = 0; i < st->count; i++) {
        const char *n = st->tensors[i].name;
        if (strncmp(n, "grad.", 5) == 0 && strcmp(n, "grad.x") != 0)
            CHECK_MSG(vl_params_find(P, n + 5) != NULL,
                      "parameter %s not registered by vl_mlp_init", n + 5);
        if (strncmp(n, "grad1.", 6) == 0)
            CHECK_MSG(vl_params_find(P, n + 6) != NULL,
                      "parameter %s not registered by vl_mlp_init", n + 6);
    }
}

/* Compares the gradient of every trainable parameter with "<prefix><name>". */
static void cmp_param_grads(const char *tag, const vl_safetensors *st,
                            vl_params *P, const char *prefix) {
    char key[160], lab[160];
    for (int i = 0; i < P->count; i++) {
        vl_param_entry *e = &P->entries[i];
        if (!e->trainable) continue;
        snprintf(key, sizeof key, "%s%s", prefix, e->name);
        snprintf(lab, sizeof lab, "%s grad %s", tag, e->name);
        cmp(lab, P->grad + e->offset, fx(st, key, e->t->numel), e->t->numel);
    }
}

static vl_mlp_config mlp_cfg(int in, int h, int out, vl_activation act,
                             vl_norm_kind norm) {
    vl_mlp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.in_dim = in;
    cfg.out_dim = out;
    cfg.n_hidden = 2;
    cfg.hidden[0] = cfg.hidden[1] = h;
    cfg.act = act;
    cfg.norm = norm;
    cfg.dropout = 0.0f;
    return cfg;
}

/* ---- MLP 6-16-16-3, batch of 8, train mode, mean CE ---- */
static void test_mlp_case(const char *name, vl_activation act,
                          vl_norm_kind norm) {
    printf("%s\n", name);
    vl_safetensors st;
    if (!open_fx(&st, name)) return;
    const int N = 8, IN = 6, OUT = 3;
    vl_mlp_config cfg = mlp_cfg(IN, 16, OUT, act, norm);
    vl_params P;
    vl_params_init(&P);
    vl_mlp m;
    vl_mlp_init(&m, &P, "", &cfg);
    vl_params_finalize(&P, 1);
    load_params(&st, &P, "");
    vl_params_zero_grad(&P);

    vl_ctx *c = vl_ctx_new(1);
    vl_set_training(c, true);
    vl_tensor *x = input(c, 2, (int[]){N, IN}, fx(&st, "x", N * IN));
    const int *y = fx_int(&st, "y", N);
    vl_tensor *out = vl_mlp_forward(c, &m, x);
    char lab[160], key[160];
    snprintf(lab, sizeof lab, "%s out", name);
    check_shape(lab, out, 2, (int[]){N, OUT});
    cmp_t(lab, out, fx(&st, "out", N * OUT), N * OUT);
    vl_tensor *loss = vl_cross_entropy(c, out, y, -100);
    snprintf(lab, sizeof lab, "%s loss", name);
    cmp_t(lab, loss, fx(&st, "loss", 1), 1);
    vl_backward(c, loss);
    snprintf(lab, sizeof lab, "%s grad x", name);
    cmp_g(lab, x->grad, fx(&st, "grad.x", N * IN), N * IN);
    cmp_param_grads(name, &st, &P, "grad.");
    if (norm == VL_NORM_BATCH) {
        for (int i = 0; i < P.count; i++) {
            vl_param_entry *e = &P.entries[i];
            if (e->trainable) continue;
            snprintf(key, sizeof key, "after.%s", e->name);
            snprintf(lab, sizeof lab, "%s %s after", name, e->name);
            if (strstr(e->name, "num_batches_tracked")) {
                const int *nb = fx_int(&st, key, 1);
                CHECK_MSG(e->t->data[0] == (float)nb[0],
                          "%s = %g, expected %d", lab, (double)e->t->data[0],
                          nb[0]);
            } else {
                cmp(lab, e->t->data, fx(&st, key, e->t->numel), e->t->numel);
            }
        }
    }
    vl_ctx_free(c);
    vl_params_free(&P);
    vl_st_close(&st);
}

/* ---- cross-entropy with ignore_index, (6,5) and (2,3,5) logits ---- */
static void test_cross_entropy(void) {
    printf("cross_entropy\n");
    vl_safetensors st;
    if (!open_fx(&st, "cross_entropy")) return;
    vl_ctx *c = vl_ctx_new(1);
    const float *l2 = fx(&st, "logits2", 30), *l3 = fx(&st, "logits3", 30);
    const int *t2 = fx_int(&st, "targets2", 6), *t3 = fx_int(&st, "targets3", 6);

    vl_tensor *x = input(c, 2, (int[]){6, 5}, l2);
    vl_tensor *loss = vl_cross_entropy(c, x, t2, -100);
    cmp_t("ce (6,5) loss", loss, fx(&st, "loss2", 1), 1);
    vl_backward(c, loss);
    cmp_g("ce (6,5) grad logits", x->grad, fx(&st, "grad_logits2", 30), 30);

    /* 3-D logits straight into the op ((..., C) form) */
    vl_ctx_reset(c);
    x = input(c, 3, (int[]){2, 3, 5}, l3);
    loss = vl_cross_entropy(c, x, t3, -100);
    cmp_t("ce (2,3,5) loss", loss, fx(&st, "loss3", 1), 1);
    vl_backward(c, loss);
    cmp_g("ce (2,3,5) grad logits", x->grad, fx(&st, "grad_logits3", 30), 30);

    /* 3-D logits through view(-1, C), as PyTorch code does */
    vl_ctx_reset(c);
    x = input(c, 3, (int[]){2, 3, 5}, l3);
    vl_tensor *flat = vl_reshape(c, x, 2, (int[]){-1, 5});
    check_shape("ce reshape(-1,5)", flat, 2, (int[]){6, 5});
    loss = vl_cross_entropy(c, flat, t3, -100);
    cmp_t("ce view(-1,5) loss", loss, fx(&st, "loss3", 1), 1);
    vl_backward(c, loss);
    cmp_g("ce view(-1,5) grad logits", x->grad, fx(&st, "grad_logits3", 30),
          30);
    vl_ctx_free(c);
    vl_st_close(&st);
}

/* ---- AdamW: MLP 4-8-8-3 relu, 5 steps on a fixed batch ---- */
static void test_adamw_mlp(void) {
    printf("adamw_mlp\n");
    vl_safetensors st;
    if (!open_fx(&st, "adamw_mlp")) return;
    const int N = 10, IN = 4, OUT = 3, STEPS = 5;
    vl_mlp_config cfg = mlp_cfg(IN, 8, OUT, VL_ACT_RELU, VL_NORM_NONE);
    vl_params P;
    vl_params_init(&P);
    vl_mlp m;
    vl_mlp_init(&m, &P, "", &cfg);
    vl_params_finalize(&P, 1);
    load_params(&st, &P, "init.");
    const float *xd = fx(&st, "x", N * IN);
    const int *y = fx_int(&st, "y", N);

    vl_optim o;
    vl_optim_init(&o, VL_OPT_ADAMW, P.n_train);
    o.lr = 1e-2f;
    o.weight_decay = 0.01f;
    CHECK_NEAR(o.beta1, 0.9, 1e-7);
    CHECK_NEAR(o.beta2, 0.999, 1e-7);
    CHECK_NEAR(o.eps, 1e-8, 1e-15);

    vl_ctx *c = vl_ctx_new(1);
    vl_set_training(c, true);
    float losses[5];
    for (int s = 0; s < STEPS; s++) {
        vl_ctx_reset(c);
        vl_params_zero_grad(&P);
        vl_tensor *x = vl_tensor_from(c, 2, (int[]){N, IN}, xd);
        vl_tensor *out = vl_mlp_forward(c, &m, x);
        vl_tensor *loss = vl_cross_entropy(c, out, y, -100);
        vl_copy_out(loss, &losses[s]);
        vl_backward(c, loss);
        if (s == 0) cmp_param_grads("adamw step1", &st, &P, "grad1.");
        vl_optim_step(&o, P.data, P.grad);
    }
    CHECK_INT(o.step, STEPS);
    cmp("adamw losses (5 steps)", losses, fx(&st, "losses", STEPS), STEPS);
    char key[160], lab[160];
    for (int i = 0; i < P.count; i++) {
        vl_param_entry *e = &P.entries[i];
        snprintf(key, sizeof key, "final.%s", e->name);
        snprintf(lab, sizeof lab, "adamw final %s", e->name);
        cmp_t(lab, e->t, fx(&st, key, e->t->numel), e->t->numel);
    }
    vl_ctx_free(c);
    vl_optim_free(&o);
    vl_params_free(&P);
    vl_st_close(&st);
}

int main(void) {
    test_mlp_case("mlp_relu", VL_ACT_RELU, VL_NORM_NONE);
    test_mlp_case("mlp_tanh", VL_ACT_TANH, VL_NORM_NONE);
    test_mlp_case("mlp_gelu", VL_ACT_GELU, VL_NORM_NONE);
    test_mlp_case("mlp_batch", VL_ACT_RELU, VL_NORM_BATCH);
    test_mlp_case("mlp_layer", VL_ACT_RELU, VL_NORM_LAYER);
    test_mlp_case("mlp_gelu_tanh_layer", VL_ACT_GELU_TANH, VL_NORM_LAYER);
    test_mlp_case("mlp_sigmoid_batch", VL_ACT_SIGMOID, VL_NORM_BATCH);
    test_cross_entropy();
    test_adamw_mlp();
    pool_free();
    return test_summary();
}
