/* tests/grad/test_grad_norm.c: finite-difference gradient checks for the
 * fused LayerNorm and BatchNorm ops (2-D and 3-D, training and eval, with
 * and without affine parameters, strided inputs), the Linear, Embedding,
 * LayerNorm and BatchNorm layers (their parameters through
 * gradcheck_params) and small MLPs with every norm kind. */
#include <string.h>

#include "gradcheck.h"
#include "harness.h"
#include "valle/nn.h"

#define EPS 1e-2
#define TOL 3e-3     /* ops */
#define TOL_MLP 1e-2 /* composed models: more float rounding */

/* ---- ops ---- */
static vl_tensor *f_ln(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_layernorm(c, in[0], in[1], in[2], 1e-5f);
}
static vl_tensor *f_ln_plain(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_layernorm(c, in[0], NULL, NULL, 1e-5f);
}
static vl_tensor *f_ln_gamma_only(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_layernorm(c, in[0], in[1], NULL, 1e-5f);
}
static vl_tensor *f_ln_strided(vl_ctx *c, vl_tensor **in, void *u) {
    /* in[0] (7, 5) -> (5, 7) view */
    return vl_layernorm(c, vl_transpose(c, in[0], 0, 1), in[1], in[2], 1e-5f);
}

static float rm[8], rv[8];
static void set_running(void) {
    for (int k = 0; k < 8; k++) {
        rm[k] = 0.3f * (float)k - 1.0f;
        rv[k] = 0.5f + 0.25f * (float)k;
    }
}
static vl_tensor *f_bn_train(vl_ctx *c, vl_tensor **in, void *u) {
    vl_set_training(c, true);
    return vl_batchnorm(c, in[0], in[1], in[2], rm, rv, 0.1f, 1e-5f);
}
static vl_tensor *f_bn_train_plain(vl_ctx *c, vl_tensor **in, void *u) {
    vl_set_training(c, true);
    return vl_batchnorm(c, in[0], NULL, NULL, NULL, NULL, 0.1f, 1e-5f);
}
static vl_tensor *f_bn_eval(vl_ctx *c, vl_tensor **in, void *u) {
    vl_set_training(c, false);
    return vl_batchnorm(c, in[0], in[1], in[2], rm, rv, 0.1f, 1e-5f);
}
static vl_tensor *f_bn_strided(vl_ctx *c, vl_tensor **in, void *u) {
    /* in[0] (N=3, L=5, C=4) -> (3, 4, 5) view */
    vl_set_training(c, true);
    return vl_batchnorm(c, vl_transpose(c, in[0], 1, 2), in[1], in[2], NULL,
                        NULL, 0.1f, 1e-5f);
}

/* ---- layers ---- */
static vl_tensor *f_linear_layer(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_linear_forward(c, u, in[0]);
}
static vl_tensor *f_embedding_layer(vl_ctx *c, vl_tensor **in, void *u) {
    static const int ids[6] = {2, 0, 2, 4, 1, 2};
    return vl_embedding_forward(c, u, ids, 2, (int[]){3, 2});
}
static vl_tensor *f_ln_layer(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_layernorm_forward(c, u, in[0]);
}
static vl_tensor *f_bn_layer(vl_ctx *c, vl_tensor **in, void *u) {
    vl_set_training(c, true);
    return vl_batchnorm_forward(c, u, in[0]);
}
static vl_tensor *f_bn_layer_eval(vl_ctx *c, vl_tensor **in, void *u) {
    vl_set_training(c, false);
    return vl_batchnorm_forward(c, u, in[0]);
}
static vl_tensor *f_mlp(vl_ctx *c, vl_tensor **in, void *u) {
    vl_set_training(c, true);
    return vl_mlp_forward(c, u, in[0]);
}

/* Random values in every trainable parameter (so norms have non-trivial
 * gamma/beta) and the batchnorm running stats. */
static void randomise(vl_params *P, uint64_t seed) {
    vl_rng r;
    vl_rng_seed(&r, seed);
    for (int64_t i = 0; i < P->n_train; i++)
        P->data[i] += 0.3f * vl_rng_normal(&r);
    for (int i = 0; i < P->count; i++) {
        vl_param_entry *e = &P->entries[i];
        if (e->trainable) continue;
        bool var = strstr(e->name, "running_var") != NULL;
        bool mean = strstr(e->name, "running_mean") != NULL;
        for (int64_t k = 0; k < e->t->numel; k++) {
            if (var) e->t->data[k] = 0.5f + vl_rng_uniform(&r);
            if (mean) e->t->data[k] = 0.5f * vl_rng_normal(&r);
        }
    }
}

static bool check_all_params(const char *name, gc_fn f, void *u, int n_in,
                             const gc_input *in, vl_params *P) {
    return gradcheck_all_params(name, f, u, n_in, in, P, EPS, TOL_MLP);
}

static void test_mlp(vl_norm_kind norm, vl_activation act, int ndim,
                     const int *shape) {
    vl_params P;
    vl_params_init(&P);
    vl_mlp m;
    vl_mlp_config cfg = {.in_dim = shape[ndim - 1], .out_dim = 3,
                         .n_hidden = 2, .hidden = {8, 6},
                         .act = act, .norm = norm, .dropout = 0};
    vl_mlp_init(&m, &P, "model", &cfg);
    vl_params_finalize(&P, 7);
    randomise(&P, 8);
    gc_input in[1] = {{.ndim = ndim}};
    memcpy(in[0].shape, shape, (size_t)ndim * sizeof(int));
    char name[64];
    snprintf(name, sizeof name, "mlp %s %s %dd", vl_norm_name(norm),
             vl_activation_name(act), ndim);
    CHECK(check_all_params(name, f_mlp, &m, 1, in, &P));
    vl_params_free(&P);
}

int main(void) {
    /* ---- layernorm op ---- */
    gc_input ln2[3] = {{.ndim = 2, .shape = {5, 7}},
                       {.ndim = 1, .shape = {7}, .scale = 0.5f, .shift = 1.0f},
                       {.ndim = 1, .shape = {7}}};
    CHECK(gradcheck("layernorm 2d", f_ln, NULL, 3, ln2, EPS, TOL));
    gc_input ln3[3] = {{.ndim = 3, .shape = {2, 3, 8}, .scale = 2.0f, .shift = 1.0f},
                       {.ndim = 1, .shape = {8}, .scale = 0.5f, .shift = 1.0f},
                       {.ndim = 1, .shape = {8}}};
    CHECK(gradcheck("layernorm 3d", f_ln, NULL, 3, ln3, EPS, TOL));
    CHECK(gradcheck("layernorm no affine", f_ln_plain, NULL, 1, ln3, EPS, TOL));
    CHECK(gradcheck("layernorm gamma only", f_ln_gamma_only, NULL, 2, ln3, EPS, TOL));
    gc_input ln_const[3] = {ln2[0], ln2[1], ln2[2]};
    ln_const[0].no_grad = true;   /* only gamma and beta need gradients */
    CHECK(gradcheck("layernorm params only", f_ln, NULL, 3, ln_const, EPS, TOL));
    gc_input ln_view[3] = {{.ndim = 2, .shape = {7, 5}}, ln2[1], ln2[2]};
    CHECK(gradcheck("layernorm strided x", f_ln_strided, NULL, 3, ln_view, EPS, TOL));
    /* wide rows go through the threaded path */
    gc_input ln_big[3] = {{.ndim = 2, .shape = {160, 256}},
                          {.ndim = 1, .shape = {256}, .scale = 0.5f, .shift = 1.0f},
                          {.ndim = 1, .shape = {256}}};
    CHECK(gradcheck("layernorm large", f_ln, NULL, 3, ln_big, EPS, TOL));

    /* ---- batchnorm op ---- */
    set_running();
    gc_input bn2[3] = {{.ndim = 2, .shape = {6, 4}, .scale = 1.5f, .shift = 0.5f},
                       {.ndim = 1, .shape = {4}, .scale = 0.5f, .shift = 1.0f},
                       {.ndim = 1, .shape = {4}}};
    CHECK(gradcheck("batchnorm 2d train", f_bn_train, NULL, 3, bn2, EPS, TOL));
    CHECK(gradcheck("batchnorm 2d eval", f_bn_eval, NULL, 3, bn2, EPS, TOL));
    CHECK(gradcheck("batchnorm 2d no affine", f_bn_train_plain, NULL, 1, bn2, EPS, TOL));
    gc_input bn3[3] = {{.ndim = 3, .shape = {3, 4, 5}},
                       {.ndim = 1, .shape = {4}, .scale = 0.5f, .shift = 1.0f},
                       {.ndim = 1, .shape = {4}}};
    CHECK(gradcheck("batchnorm 3d train", f_bn_train, NULL, 3, bn3, EPS, TOL));
    CHECK(gradcheck("batchnorm 3d eval", f_bn_eval, NULL, 3, bn3, EPS, TOL));
    CHECK(gradcheck("batchnorm 3d no affine", f_bn_train_plain, NULL, 1, bn3, EPS, TOL));
    gc_input bn_view[3] = {{.ndim = 3, .shape = {3, 5, 4}}, bn3[1], bn3[2]};
    CHECK(gradcheck("batchnorm strided x", f_bn_strided, NULL, 3, bn_view, EPS, TOL));
    gc_input bn_const[3] = {bn2[0], bn2[1], bn2[2]};
    bn_const[0].no_grad = true;
    CHECK(gradcheck("batchnorm params only", f_bn_train, NULL, 3, bn_const, EPS, TOL));
    /* large enough for the threaded reductions (2-D and 3-D) */
    gc_input bn_big2[3] = {{.ndim = 2, .shape = {4096, 8}},
                           {.ndim = 1, .shape = {8}, .scale = 0.5f, .shift = 1.0f},
                           {.ndim = 1, .shape = {8}}};
    CHECK(gradcheck("batchnorm 2d large", f_bn_train, NULL, 3, bn_big2, EPS, TOL));
    gc_input bn_big3[3] = {{.ndim = 3, .shape = {16, 8, 300}},
                           {.ndim = 1, .shape = {8}, .scale = 0.5f, .shift = 1.0f},
                           {.ndim = 1, .shape = {8}}};
    CHECK(gradcheck("batchnorm 3d large", f_bn_train, NULL, 3, bn_big3, EPS, TOL));

    /* ---- layers ---- */
    {
        vl_params P;
        vl_params_init(&P);
        vl_linear_layer lin, lin_nb;
        vl_embedding_layer emb;
        vl_layernorm_layer ln;
        vl_batchnorm_layer bn, bn3d;
        vl_linear_init(&lin, &P, "lin", 4, 5, true);
        vl_linear_init(&lin_nb, &P, "lin_nb", 4, 3, false);
        vl_embedding_init(&emb, &P, "emb", 5, 3);
        vl_layernorm_init(&ln, &P, "ln", 6, 1e-5f);
        vl_batchnorm_init(&bn, &P, "bn", 6, 0.1f, 1e-5f);
        vl_batchnorm_init(&bn3d, &P, "bn3d", 3, 0.1f, 1e-5f);
        vl_params_finalize(&P, 11);
        randomise(&P, 12);

        gc_input xl[1] = {{.ndim = 3, .shape = {2, 3, 4}}};
        CHECK(gradcheck_params("Linear layer", f_linear_layer, &lin, 1, xl, 2,
                               (vl_tensor *[]){lin.weight, lin.bias}, EPS, TOL));
        CHECK(gradcheck_params("Linear no bias", f_linear_layer, &lin_nb, 1, xl, 1,
                               (vl_tensor *[]){lin_nb.weight}, EPS, TOL));
        CHECK(gradcheck_params("Embedding layer", f_embedding_layer, &emb, 0,
                               NULL, 1, (vl_tensor *[]){emb.weight}, EPS, TOL));
        gc_input x6[1] = {{.ndim = 3, .shape = {2, 4, 6}, .scale = 2.0f}};
        CHECK(gradcheck_params("LayerNorm layer", f_ln_layer, &ln, 1, x6, 2,
                               (vl_tensor *[]){ln.weight, ln.bias}, EPS, TOL));
        gc_input xb[1] = {{.ndim = 2, .shape = {7, 6}, .scale = 2.0f, .shift = 1.0f}};
        CHECK(gradcheck_params("BatchNorm layer", f_bn_layer, &bn, 1, xb, 2,
                               (vl_tensor *[]){bn.weight, bn.bias}, EPS, TOL));
        CHECK(gradcheck_params("BatchNorm layer eval", f_bn_layer_eval, &bn, 1, xb, 2,
                               (vl_tensor *[]){bn.weight, bn.bias}, EPS, TOL));
        gc_input xb3[1] = {{.ndim = 3, .shape = {4, 3, 5}}};
        CHECK(gradcheck_params("BatchNorm layer 3d", f_bn_layer, &bn3d, 1, xb3, 2,
                               (vl_tensor *[]){bn3d.weight, bn3d.bias}, EPS, TOL));
        vl_params_free(&P);
    }

    /* ---- MLPs (smooth activations: finite differences across a ReLU kink
     * are meaningless) ---- */
    const int s2[2] = {6, 5}, s3[3] = {2, 4, 5};
    test_mlp(VL_NORM_NONE, VL_ACT_TANH, 2, s2);
    test_mlp(VL_NORM_LAYER, VL_ACT_TANH, 2, s2);
    test_mlp(VL_NORM_BATCH, VL_ACT_TANH, 2, s2);
    test_mlp(VL_NORM_BATCH, VL_ACT_GELU, 3, s3);
    test_mlp(VL_NORM_LAYER, VL_ACT_SIGMOID, 3, s3);
    test_mlp(VL_NORM_NONE, VL_ACT_GELU_TANH, 2, s2);
    return test_summary();
}
