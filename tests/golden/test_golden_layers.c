/* tests/golden/test_golden_layers.c: layers and pointwise ops against PyTorch.
 *
 * Fixtures come from scripts/fixtures/gen_golden.py (tests/golden/data/
 * <case>.safetensors, read with valle's own safetensors reader). Cases: Linear
 * (2-D and 3-D input), BatchNorm1d ((N,C) and (N,C,L), train and eval,
 * running statistics), LayerNorm ((N,D) and (B,T,D)), Embedding (repeated
 * ids), softmax, log_softmax, GELU exact and tanh. Each forward output and
 * every gradient of loss = sum(out * r) (seeded through vl_backward_grad)
 * must match within GOLDEN_TOL relative error (rule in golden_util.h). The worst
 * error of every tensor is printed. Run from the repository root. */
#include <stdlib.h>
#include <string.h>

#include "golden_util.h"
#include "valle/io.h"
#include "valle/nn.h"
#include "valle/ops.h"

/* ---- Linear(5, 3) on (4,5) and (2,4,5) ---- */
static void test_linear(void) {
    printf("linear\n");
    vl_safetensors st;
    if (!open_fx(&st, "linear")) return;
    vl_params P;
    vl_params_init(&P);
    vl_linear_layer l;
    vl_linear_init(&l, &P, "fc", 5, 3, true);
    vl_params_finalize(&P, 1);
    memcpy(l.weight->data, fx(&st, "weight", 15), 15 * sizeof(float));
    memcpy(l.bias->data, fx(&st, "bias", 3), 3 * sizeof(float));

    vl_ctx *c = vl_ctx_new(1);
    for (int k = 0; k < 2; k++) {
        const char *tag = k == 0 ? "2" : "3";
        int ndim = k == 0 ? 2 : 3;
        const int *xs = k == 0 ? (int[]){4, 5} : (int[]){2, 4, 5};
        const int *ys = k == 0 ? (int[]){4, 3} : (int[]){2, 4, 3};
        int64_t nx = prod(ndim, xs), ny = prod(ndim, ys);
        char key[64], lab[64];
        vl_params_zero_grad(&P);
        vl_ctx_reset(c);
        snprintf(key, sizeof key, "x%s", tag);
        vl_tensor *x = input(c, ndim, xs, fx(&st, key, nx));
        vl_tensor *y = vl_linear_forward(c, &l, x);
        snprintf(lab, sizeof lab, "linear%sd out", tag);
        check_shape(lab, y, ndim, ys);
        snprintf(key, sizeof key, "out%s", tag);
        cmp_t(lab, y, fx(&st, key, ny), ny);
        snprintf(key, sizeof key, "r%s", tag);
        vl_backward_grad(c, y, fx(&st, key, ny));
        snprintf(lab, sizeof lab, "linear%sd grad x", tag);
        snprintf(key, sizeof key, "grad_x%s", tag);
        cmp_g(lab, x->grad, fx(&st, key, nx), nx);
        snprintf(lab, sizeof lab, "linear%sd grad weight", tag);
        snprintf(key, sizeof key, "grad_weight%s", tag);
        cmp_g(lab, l.weight->grad, fx(&st, key, 15), 15);
        snprintf(lab, sizeof lab, "linear%sd grad bias", tag);
        snprintf(key, sizeof key, "grad_bias%s", tag);
        cmp_g(lab, l.bias->grad, fx(&st, key, 3), 3);
    }
    vl_ctx_free(c);
    vl_params_free(&P);
    vl_st_close(&st);
}

/* ---- BatchNorm1d(4): train (batch stats, running update) and eval ---- */
static void test_batchnorm(void) {
    printf("batchnorm\n");
    vl_safetensors st;
    if (!open_fx(&st, "batchnorm")) return;
    const int C = 4;
    vl_params P;
    vl_params_init(&P);
    vl_batchnorm_layer bn;
    vl_batchnorm_init(&bn, &P, "norm", C, 0.1f, 1e-5f);
    vl_params_finalize(&P, 1);
    memcpy(bn.weight->data, fx(&st, "weight", C), C * sizeof(float));
    memcpy(bn.bias->data, fx(&st, "bias", C), C * sizeof(float));

    vl_ctx *c = vl_ctx_new(1);
    for (int k = 0; k < 2; k++) {
        const char *tag = k == 0 ? "2" : "3";
        int ndim = k == 0 ? 2 : 3;
        const int *xs = k == 0 ? (int[]){6, 4} : (int[]){3, 4, 5};
        int64_t n = prod(ndim, xs);
        char key[64], lab[64];
        for (int train = 1; train >= 0; train--) {
            const char *mode = train ? "train" : "eval";
            vl_params_zero_grad(&P);
            vl_ctx_reset(c);
            vl_set_training(c, train);
            if (train) {
                for (int i = 0; i < C; i++) {
                    bn.running_mean->data[i] = 0.0f;
                    bn.running_var->data[i] = 1.0f;
                }
                bn.num_batches_tracked->data[0] = 0.0f;
            } else {
                memcpy(bn.running_mean->data, fx(&st, "rm_eval", C),
                       C * sizeof(float));
                memcpy(bn.running_var->data, fx(&st, "rv_eval", C),
                       C * sizeof(float));
            }
            snprintf(key, sizeof key, "x%s", tag);
            vl_tensor *x = input(c, ndim, xs, fx(&st, key, n));
            vl_tensor *y = vl_batchnorm_forward(c, &bn, x);
            snprintf(lab, sizeof lab, "bn%sd %s out", tag, mode);
            check_shape(lab, y, ndim, xs);
            snprintf(key, sizeof key, "out_%s%s", mode, tag);
            cmp_t(lab, y, fx(&st, key, n), n);
            snprintf(key, sizeof key, "r%s", tag);
            vl_backward_grad(c, y, fx(&st, key, n));
            snprintf(lab, sizeof lab, "bn%sd %s grad x", tag, mode);
            snprintf(key, sizeof key, "grad_x_%s%s", mode, tag);
            cmp_g(lab, x->grad, fx(&st, key, n), n);
            snprintf(lab, sizeof lab, "bn%sd %s grad weight", tag, mode);
            snprintf(key, sizeof key, "grad_weight_%s%s", mode, tag);
            cmp_g(lab, bn.weight->grad, fx(&st, key, C), C);
            snprintf(lab, sizeof lab, "bn%sd %s grad bias", tag, mode);
            snprintf(key, sizeof key, "grad_bias_%s%s", mode, tag);
            cmp_g(lab, bn.bias->grad, fx(&st, key, C), C);
            if (train) {
                snprintf(lab, sizeof lab, "bn%sd running_mean after", tag);
                snprintf(key, sizeof key, "running_mean_after%s", tag);
                cmp(lab, bn.running_mean->data, fx(&st, key, C), C);
                snprintf(lab, sizeof lab, "bn%sd running_var after", tag);
                snprintf(key, sizeof key, "running_var_after%s", tag);
                cmp(lab, bn.running_var->data, fx(&st, key, C), C);
                CHECK_NEAR(bn.num_batches_tracked->data[0], 1.0, 0.0);
            } else {
                /* eval must leave the running statistics alone */
                snprintf(lab, sizeof lab, "bn%sd eval running_mean kept", tag);
                cmp(lab, bn.running_mean->data, fx(&st, "rm_eval", C), C);
                snprintf(lab, sizeof lab, "bn%sd eval running_var kept", tag);
                cmp(lab, bn.running_var->data, fx(&st, "rv_eval", C), C);
            }
        }
    }
    vl_ctx_free(c);
    vl_params_free(&P);
    vl_st_close(&st);
}

/* ---- LayerNorm(8) on (5,8) and (2,3,8) ---- */
static void test_layernorm(void) {
    printf("layernorm\n");
    vl_safetensors st;
    if (!open_fx(&st, "layernorm")) return;
    const int D = 8;
    vl_params P;
    vl_params_init(&P);
    vl_layernorm_layer ln;
    vl_layernorm_init(&ln, &P, "norm", D, 1e-5f);
    vl_params_finalize(&P, 1);
    memcpy(ln.weight->data, fx(&st, "weight", D), D * sizeof(float));
    memcpy(ln.bias->data, fx(&st, "bias", D), D * sizeof(float));

    vl_ctx *c = vl_ctx_new(1);
    for (int k = 0; k < 2; k++) {
        const char *tag = k == 0 ? "2" : "3";
        int ndim = k == 0 ? 2 : 3;
        const int *xs = k == 0 ? (int[]){5, 8} : (int[]){2, 3, 8};
        int64_t n = prod(ndim, xs);
        char key[64], lab[64];
        vl_params_zero_grad(&P);
        vl_ctx_reset(c);
        snprintf(key, sizeof key, "x%s", tag);
        vl_tensor *x = input(c, ndim, xs, fx(&st, key, n));
        vl_tensor *y = vl_layernorm_forward(c, &ln, x);
        snprintf(lab, sizeof lab, "ln%sd out", tag);
        check_shape(lab, y, ndim, xs);
        snprintf(key, sizeof key, "out%s", tag);
        cmp_t(lab, y, fx(&st, key, n), n);
        snprintf(key, sizeof key, "r%s", tag);
        vl_backward_grad(c, y, fx(&st, key, n));
        snprintf(lab, sizeof lab, "ln%sd grad x", tag);
        snprintf(key, sizeof key, "grad_x%s", tag);
        cmp_g(lab, x->grad, fx(&st, key, n), n);
        snprintf(lab, sizeof lab, "ln%sd grad weight", tag);
        snprintf(key, sizeof key, "grad_weight%s", tag);
        cmp_g(lab, ln.weight->grad, fx(&st, key, D), D);
        snprintf(lab, sizeof lab, "ln%sd grad bias", tag);
        snprintf(key, sizeof key, "grad_bias%s", tag);
        cmp_g(lab, ln.bias->grad, fx(&st, key, D), D);
    }
    vl_ctx_free(c);
    vl_params_free(&P);
    vl_st_close(&st);
}

/* ---- Embedding(7, 4) with ids (2,5), repeated ids accumulate ---- */
static void test_embedding(void) {
    printf("embedding\n");
    vl_safetensors st;
    if (!open_fx(&st, "embedding")) return;
    vl_params P;
    vl_params_init(&P);
    vl_embedding_layer e;
    vl_embedding_init(&e, &P, "emb", 7, 4);
    vl_params_finalize(&P, 1);
    memcpy(e.weight->data, fx(&st, "weight", 28), 28 * sizeof(float));
    const int *ids = fx_int(&st, "ids", 10);

    vl_ctx *c = vl_ctx_new(1);
    vl_params_zero_grad(&P);
    vl_tensor *y = vl_embedding_forward(c, &e, ids, 2, (int[]){2, 5});
    check_shape("embedding out", y, 3, (int[]){2, 5, 4});
    cmp_t("embedding out", y, fx(&st, "out", 40), 40);
    vl_backward_grad(c, y, fx(&st, "r", 40));
    cmp_g("embedding grad weight", e.weight->grad, fx(&st, "grad_weight", 28),
          28);
    vl_ctx_free(c);
    vl_params_free(&P);
    vl_st_close(&st);
}

/* ---- softmax, log_softmax, gelu (exact), gelu (tanh) on (3,7) ---- */
static void test_activations(void) {
    printf("activations\n");
    vl_safetensors st;
    if (!open_fx(&st, "activations")) return;
    const float *xd = fx(&st, "x", 21), *r = fx(&st, "r", 21);
    static const char *names[] = {"softmax", "log_softmax", "gelu",
                                  "gelu_tanh"};
    vl_ctx *c = vl_ctx_new(1);
    for (int k = 0; k < 4; k++) {
        char key[64], lab[64];
        vl_ctx_reset(c);
        vl_tensor *x = input(c, 2, (int[]){3, 7}, xd);
        vl_tensor *y = k == 0   ? vl_softmax(c, x)
                       : k == 1 ? vl_log_softmax(c, x)
                       : k == 2 ? vl_gelu(c, x)
                                : vl_gelu_tanh(c, x);
        snprintf(lab, sizeof lab, "%s out", names[k]);
        check_shape(lab, y, 2, (int[]){3, 7});
        snprintf(key, sizeof key, "%s_out", names[k]);
        cmp_t(lab, y, fx(&st, key, 21), 21);
        vl_backward_grad(c, y, r);
        snprintf(lab, sizeof lab, "%s grad x", names[k]);
        snprintf(key, sizeof key, "%s_grad", names[k]);
        cmp_g(lab, x->grad, fx(&st, key, 21), 21);
    }
    vl_ctx_free(c);
    vl_st_close(&st);
}

int main(void) {
    test_linear();
    test_batchnorm();
    test_layernorm();
    test_embedding();
    test_activations();
    pool_free();
    return test_summary();
}
