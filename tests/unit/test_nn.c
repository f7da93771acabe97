/* tests/unit/test_nn.c: the parameter store (one contiguous buffer, views,
 * offsets, names, trainable/buffer split, inits, determinism, find), init
 * statistics of Linear and Embedding, LayerNorm and BatchNorm forward
 * values, BatchNorm running statistics against hand-computed values, eval
 * mode, num_batches_tracked, and the MLP's parameter names and name
 * tables. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "valle/nn.h"

static void test_params_layout(void) {
    vl_params P;
    vl_params_init(&P);
    vl_linear_layer l1, l2;
    vl_batchnorm_layer bn;
    vl_embedding_layer emb;
    vl_linear_init(&l1, &P, "fc1", 3, 4, true);          /* 12 + 4 */
    vl_batchnorm_init(&bn, &P, "bn", 4, 0.1f, 1e-5f);     /* 4 + 4, buf 4+4+1 */
    vl_linear_init(&l2, &P, "", 4, 2, false);             /* 8 */
    vl_embedding_init(&emb, &P, "enc.emb", 10, 3);        /* 30 */
    CHECK(!P.finalized);
    CHECK_INT(P.count, 9);
    CHECK_INT(P.n_train, 12 + 4 + 4 + 4 + 8 + 30);
    CHECK_INT(P.n_buf, 9);
    CHECK(l2.bias == NULL);
    vl_params_finalize(&P, 42);
    CHECK(P.finalized);
    CHECK((uintptr_t)P.data % 64 == 0);
    CHECK((uintptr_t)P.grad % 64 == 0);
    CHECK((uintptr_t)P.buf_data % 64 == 0);

    static const struct {
        const char *name;
        int64_t offset, numel;
        bool trainable;
    } want[] = {
        {"fc1.weight", 0, 12, true},       {"fc1.bias", 12, 4, true},
        {"bn.weight", 16, 4, true},        {"bn.bias", 20, 4, true},
        {"bn.running_mean", 0, 4, false},  {"bn.running_var", 4, 4, false},
        {"bn.num_batches_tracked", 8, 1, false},
        {"weight", 24, 8, true},           {"enc.emb.weight", 32, 30, true},
    };
    int64_t train_sum = 0, buf_sum = 0;
    for (int i = 0; i < 9; i++) {
        vl_param_entry *e = &P.entries[i];
        CHECK_MSG(strcmp(e->name, want[i].name) == 0, "entry %d is %s, want %s",
                  i, e->name, want[i].name);
        CHECK(e->t->name == e->name);
        CHECK_INT(e->offset, want[i].offset);
        CHECK_INT(e->t->numel, want[i].numel);
        CHECK(e->trainable == want[i].trainable);
        CHECK(e->t->is_leaf);
        CHECK(vl_is_contiguous(e->t));
        if (e->trainable) {
            CHECK(e->t->data == P.data + e->offset);
            CHECK(e->t->grad == P.grad + e->offset);
            CHECK(e->t->requires_grad);
            train_sum += e->t->numel;
        } else {
            CHECK(e->t->data == P.buf_data + e->offset);
            CHECK(e->t->grad == NULL);
            CHECK(!e->t->requires_grad);
            buf_sum += e->t->numel;
        }
        CHECK(vl_params_find(&P, want[i].name) == e);
    }
    CHECK_INT(train_sum, P.n_train);
    CHECK_INT(buf_sum, P.n_buf);
    CHECK(vl_params_find(&P, "fc1") == NULL);
    CHECK(vl_params_find(&P, "nope.weight") == NULL);
    CHECK(l1.weight->shape[0] == 4 && l1.weight->shape[1] == 3);
    CHECK(emb.weight->shape[0] == 10 && emb.weight->shape[1] == 3);

    /* inits: BN weight ones, bias zeros, running_mean 0, running_var 1 */
    for (int k = 0; k < 4; k++) {
        CHECK(bn.weight->data[k] == 1.0f);
        CHECK(bn.bias->data[k] == 0.0f);
        CHECK(bn.running_mean->data[k] == 0.0f);
        CHECK(bn.running_var->data[k] == 1.0f);
    }
    CHECK(bn.num_batches_tracked->data[0] == 0.0f);
    /* gradients start zeroed; zero_grad clears them */
    bool zero = true;
    for (int64_t i = 0; i < P.n_train; i++) zero &= P.grad[i] == 0.0f;
    CHECK(zero);
    for (int64_t i = 0; i < P.n_train; i++) P.grad[i] = 1.0f;
    vl_params_zero_grad(&P);
    zero = true;
    for (int64_t i = 0; i < P.n_train; i++) zero &= P.grad[i] == 0.0f;
    CHECK(zero);

    /* the same registrations and seed give the same values; another seed
     * different ones */
    vl_params Q, R;
    vl_params_init(&Q);
    vl_params_init(&R);
    vl_linear_layer q1, q2, r1, r2;
    vl_batchnorm_layer qb, rb;
    vl_embedding_layer qe, re;
    vl_linear_init(&q1, &Q, "fc1", 3, 4, true);
    vl_batchnorm_init(&qb, &Q, "bn", 4, 0.1f, 1e-5f);
    vl_linear_init(&q2, &Q, "", 4, 2, false);
    vl_embedding_init(&qe, &Q, "enc.emb", 10, 3);
    vl_linear_init(&r1, &R, "fc1", 3, 4, true);
    vl_batchnorm_init(&rb, &R, "bn", 4, 0.1f, 1e-5f);
    vl_linear_init(&r2, &R, "", 4, 2, false);
    vl_embedding_init(&re, &R, "enc.emb", 10, 3);
    vl_params_finalize(&Q, 42);
    vl_params_finalize(&R, 43);
    CHECK(memcmp(P.data, Q.data, (size_t)P.n_train * sizeof(float)) == 0);
    CHECK(memcmp(P.data, R.data, (size_t)P.n_train * sizeof(float)) != 0);
    vl_params_free(&Q);
    vl_params_free(&R);
    vl_params_free(&P);
    CHECK(P.data == NULL && P.entries == NULL && P.count == 0);
}

static void moments(const float *x, int64_t n, double *mean, double *sd,
                    double *maxabs) {
    double s = 0, s2 = 0, m = 0;
    for (int64_t i = 0; i < n; i++) {
        s += x[i];
        if (fabs(x[i]) > m) m = fabs(x[i]);
    }
    *mean = s / (double)n;
    for (int64_t i = 0; i < n; i++) s2 += (x[i] - *mean) * (x[i] - *mean);
    *sd = sqrt(s2 / (double)n);
    *maxabs = m;
}

static void test_init_stats(void) {
    vl_params P;
    vl_params_init(&P);
    vl_linear_layer lin;
    vl_embedding_layer emb;
    vl_linear_init(&lin, &P, "lin", 400, 500, true);
    vl_embedding_init(&emb, &P, "emb", 2000, 100);
    vl_params_finalize(&P, 5);
    double mean, sd, mx;
    const double a = 1.0 / sqrt(400.0);
    moments(lin.weight->data, lin.weight->numel, &mean, &sd, &mx);
    CHECK(mx <= a);
    CHECK(mx > 0.999 * a);                   /* the range is covered */
    CHECK_NEAR(mean, 0.0, 0.01 * a);
    CHECK_NEAR(sd, a / sqrt(3.0), 0.01 * a); /* U(-a, a): sd a/sqrt 3 */
    moments(lin.bias->data, lin.bias->numel, &mean, &sd, &mx);
    CHECK(mx <= a);
    CHECK_NEAR(mean, 0.0, 0.1 * a);
    moments(emb.weight->data, emb.weight->numel, &mean, &sd, &mx);
    CHECK_NEAR(mean, 0.0, 0.01);
    CHECK_NEAR(sd, 1.0, 0.01);
    CHECK(mx > 3.5);                         /* normal tails, 200k draws */
    vl_params_free(&P);
}

static void test_layernorm_values(void) {
    vl_ctx *c = vl_ctx_new(1);
    vl_params P;
    vl_params_init(&P);
    vl_layernorm_layer ln;
    vl_layernorm_init(&ln, &P, "", 4, 1e-5f);
    vl_params_finalize(&P, 1);
    CHECK(strcmp(P.entries[0].name, "weight") == 0);
    CHECK(strcmp(P.entries[1].name, "bias") == 0);
    for (int j = 0; j < 4; j++) {
        CHECK(ln.weight->data[j] == 1.0f && ln.bias->data[j] == 0.0f);
        ln.weight->data[j] = 1.0f + 0.5f * (float)j;
        ln.bias->data[j] = -0.25f * (float)j;
    }
    const float xv[8] = {1, 2, 3, 4, -1, 0.5f, 10, 2};
    vl_tensor *x = vl_tensor_from(c, 2, (int[]){2, 4}, xv);
    vl_tensor *y = vl_layernorm_forward(c, &ln, x);
    CHECK(y->ndim == 2 && y->shape[0] == 2 && y->shape[1] == 4);
    double worst = 0;
    for (int r = 0; r < 2; r++) {
        double mu = 0, var = 0;
        for (int j = 0; j < 4; j++) mu += xv[r * 4 + j] / 4.0;
        for (int j = 0; j < 4; j++) var += pow(xv[r * 4 + j] - mu, 2) / 4.0;
        for (int j = 0; j < 4; j++) {
            double want = (xv[r * 4 + j] - mu) / sqrt(var + 1e-5)
                          * (1.0 + 0.5 * j) - 0.25 * j;
            worst = fmax(worst, fabs(y->data[r * 4 + j] - want));
        }
    }
    CHECK_MSG(worst < 1e-5, "layernorm forward err %g", worst);
    vl_params_free(&P);
    vl_ctx_free(c);
}

/* Hand-computed batch statistics over (N, C, L). */
static void batch_stats(const float *x, int N, int C, int L, double *mean,
                        double *var, double *uvar) {
    int M = N * L;
    for (int k = 0; k < C; k++) {
        double s = 0, s2 = 0;
        for (int i = 0; i < N; i++)
            for (int l = 0; l < L; l++) s += x[(i * C + k) * L + l];
        mean[k] = s / M;
        for (int i = 0; i < N; i++)
            for (int l = 0; l < L; l++)
                s2 += pow(x[(i * C + k) * L + l] - mean[k], 2);
        var[k] = s2 / M;
        uvar[k] = s2 / (M - 1);
    }
}

static void test_batchnorm_running(int L) {
    vl_ctx *c = vl_ctx_new(1);
    vl_params P;
    vl_params_init(&P);
    vl_batchnorm_layer bn;
    enum { N = 4, C = 3 };
    vl_batchnorm_init(&bn, &P, "bn", C, 0.1f, 1e-5f);
    vl_params_finalize(&P, 1);
    float xv[N * C * 5];
    for (int i = 0; i < N * C * L; i++)
        xv[i] = (float)((i * 7) % 11) * 0.5f - 2.0f + 0.1f * (float)(i % 3);
    int shape[3] = {N, C, L};
    int nd = L > 1 ? 3 : 2;
    double mean[C], var[C], uvar[C];
    batch_stats(xv, N, C, L, mean, var, uvar);

    /* step 1 (training) */
    vl_set_training(c, true);
    vl_tensor *x = vl_tensor_from(c, nd, shape, xv);
    vl_tensor *y = vl_batchnorm_forward(c, &bn, x);
    double rm[C], rv[C];
    for (int k = 0; k < C; k++) {
        rm[k] = 0.1 * mean[k];
        rv[k] = 0.9 + 0.1 * uvar[k];
        CHECK_NEAR(bn.running_mean->data[k], rm[k], 1e-5);
        CHECK_NEAR(bn.running_var->data[k], rv[k], 1e-5);
    }
    CHECK(bn.num_batches_tracked->data[0] == 1.0f);
    double worst = 0;
    for (int i = 0; i < N; i++)
        for (int k = 0; k < C; k++)
            for (int l = 0; l < L; l++) {
                int j = (i * C + k) * L + l;
                double want = (xv[j] - mean[k]) / sqrt(var[k] + 1e-5);
                worst = fmax(worst, fabs(y->data[j] - want));
            }
    CHECK_MSG(worst < 1e-5, "batchnorm train forward err %g", worst);

    /* step 2 with shifted inputs */
    float x2[N * C * 5];
    for (int i = 0; i < N * C * L; i++) x2[i] = 2.0f * xv[i] + 1.0f;
    double mean2[C], var2[C], uvar2[C];
    batch_stats(x2, N, C, L, mean2, var2, uvar2);
    vl_ctx_reset(c);
    vl_batchnorm_forward(c, &bn, vl_tensor_from(c, nd, shape, x2));
    for (int k = 0; k < C; k++) {
        rm[k] = 0.9 * rm[k] + 0.1 * mean2[k];
        rv[k] = 0.9 * rv[k] + 0.1 * uvar2[k];
        CHECK_NEAR(bn.running_mean->data[k], rm[k], 1e-5);
        CHECK_NEAR(bn.running_var->data[k], rv[k], 1e-4);
    }
    CHECK(bn.num_batches_tracked->data[0] == 2.0f);

    /* eval: running stats and affine params, nothing updated */
    for (int k = 0; k < C; k++) {
        bn.weight->data[k] = 1.5f - 0.5f * (float)k;
        bn.bias->data[k] = 0.2f * (float)k;
    }
    float keep_m[C], keep_v[C];
    memcpy(keep_m, bn.running_mean->data, sizeof keep_m);
    memcpy(keep_v, bn.running_var->data, sizeof keep_v);
    vl_set_training(c, false);
    vl_ctx_reset(c);
    y = vl_batchnorm_forward(c, &bn, vl_tensor_from(c, nd, shape, xv));
    worst = 0;
    for (int i = 0; i < N; i++)
        for (int k = 0; k < C; k++)
            for (int l = 0; l < L; l++) {
                int j = (i * C + k) * L + l;
                double want = (xv[j] - keep_m[k]) / sqrt(keep_v[k] + 1e-5)
                              * (1.5 - 0.5 * k) + 0.2 * k;
                worst = fmax(worst, fabs(y->data[j] - want));
            }
    CHECK_MSG(worst < 1e-5, "batchnorm eval forward err %g", worst);
    CHECK(memcmp(keep_m, bn.running_mean->data, sizeof keep_m) == 0);
    CHECK(memcmp(keep_v, bn.running_var->data, sizeof keep_v) == 0);
    CHECK(bn.num_batches_tracked->data[0] == 2.0f);

    /* no-grad training still updates (as PyTorch under torch.no_grad) */
    vl_set_training(c, true);
    vl_set_grad_enabled(c, false);
    vl_ctx_reset(c);
    y = vl_batchnorm_forward(c, &bn, vl_tensor_from(c, nd, shape, xv));
    CHECK(!y->requires_grad);
    CHECK(bn.num_batches_tracked->data[0] == 3.0f);
    CHECK_NEAR(bn.running_mean->data[0], 0.9 * keep_m[0] + 0.1 * mean[0], 1e-5);

    /* momentum < 0: cumulative average (PyTorch momentum=None) */
    bn.momentum = -1.0f;
    bn.num_batches_tracked->data[0] = 0.0f;
    vl_ctx_reset(c);
    vl_batchnorm_forward(c, &bn, vl_tensor_from(c, nd, shape, xv));
    for (int k = 0; k < C; k++) {
        CHECK_NEAR(bn.running_mean->data[k], mean[k], 1e-5);
        CHECK_NEAR(bn.running_var->data[k], uvar[k], 1e-4);
    }
    vl_ctx_reset(c);
    vl_batchnorm_forward(c, &bn, vl_tensor_from(c, nd, shape, x2));
    for (int k = 0; k < C; k++) {
        CHECK_NEAR(bn.running_mean->data[k], (mean[k] + mean2[k]) / 2, 1e-5);
        CHECK_NEAR(bn.running_var->data[k], (uvar[k] + uvar2[k]) / 2, 1e-4);
    }
    vl_params_free(&P);
    vl_ctx_free(c);
}

/* A large (N, C) batch through the threaded path equals a float64
 * reference; the backward of sum(y * w) matches the closed form. */
static void test_batchnorm_large(void) {
    vl_ctx *c = vl_ctx_new(3);
    enum { N = 2048, C = 24 };
    vl_rng r;
    vl_rng_seed(&r, 9);
    float *xv = vl_xmalloc(sizeof(float) * N * C);
    for (int i = 0; i < N * C; i++) xv[i] = 3.0f * vl_rng_normal(&r) + 5.0f;
    double mean[C], var[C], uvar[C];
    batch_stats(xv, N, C, 1, mean, var, uvar);
    float rm[C] = {0}, rv[C];
    for (int k = 0; k < C; k++) rv[k] = 1.0f;
    vl_tensor *x = vl_tensor_from(c, 2, (int[]){N, C}, xv);
    vl_requires_grad(c, x);
    vl_tensor *y = vl_batchnorm(c, x, NULL, NULL, rm, rv, 0.1f, 1e-5f);
    double worst = 0;
    for (int i = 0; i < N * C; i++) {
        int k = i % C;
        worst = fmax(worst, fabs(y->data[i] - (xv[i] - mean[k]) / sqrt(var[k] + 1e-5)));
    }
    CHECK_MSG(worst < 1e-4, "large batchnorm forward err %g", worst);
    for (int k = 0; k < C; k++) {
        CHECK_NEAR(rm[k], 0.1 * mean[k], 1e-5);
        CHECK_NEAR(rv[k], 0.9 + 0.1 * uvar[k], 1e-4);
    }
    /* y's mean per channel is 0, its biased variance ~1 */
    double s = 0;
    for (int i = 0; i < N; i++) s += y->data[i * C];
    CHECK_NEAR(s / N, 0.0, 1e-5);
    /* upstream gradient = 1 everywhere -> dx = 0 */
    float *ones = vl_xmalloc(sizeof(float) * N * C);
    for (int i = 0; i < N * C; i++) ones[i] = 1.0f;
    vl_backward_grad(c, y, ones);
    double gmax = 0;
    for (int i = 0; i < N * C; i++) gmax = fmax(gmax, fabs(x->grad[i]));
    CHECK_MSG(gmax < 1e-5, "d(sum y)/dx should vanish, max %g", gmax);
    free(ones);
    free(xv);
    vl_ctx_free(c);
}

static void test_mlp_names(void) {
    vl_params P;
    vl_params_init(&P);
    vl_mlp m;
    vl_mlp_config cfg = {.in_dim = 5, .out_dim = 2, .n_hidden = 2,
                         .hidden = {8, 6}, .act = VL_ACT_RELU,
                         .norm = VL_NORM_BATCH, .dropout = 0.1f};
    vl_mlp_init(&m, &P, "net", &cfg);
    static const char *names[] = {
        "net.fc.0.weight", "net.fc.0.bias", "net.fc.1.weight", "net.fc.1.bias",
        "net.fc.2.weight", "net.fc.2.bias",
        "net.norm.0.weight", "net.norm.0.bias", "net.norm.0.running_mean",
        "net.norm.0.running_var", "net.norm.0.num_batches_tracked",
        "net.norm.1.weight", "net.norm.1.bias", "net.norm.1.running_mean",
        "net.norm.1.running_var", "net.norm.1.num_batches_tracked"};
    CHECK_INT(P.count, 16);
    for (int i = 0; i < 16 && i < P.count; i++)
        CHECK_MSG(strcmp(P.entries[i].name, names[i]) == 0, "entry %d: %s vs %s",
                  i, P.entries[i].name, names[i]);
    CHECK_INT(P.n_train, 5 * 8 + 8 + 8 * 6 + 6 + 6 * 2 + 2 + 2 * (8 + 6));
    CHECK_INT(P.n_buf, 2 * 8 + 1 + 2 * 6 + 1);
    vl_params_finalize(&P, 3);
    CHECK(m.fc[2].weight->shape[0] == 2 && m.fc[2].weight->shape[1] == 6);

    /* forward shapes in training and eval */
    vl_ctx *c = vl_ctx_new(2);
    vl_tensor *x = vl_tensor_full(c, 2, (int[]){4, 5}, 0.5f);
    x->data[3] = -1.0f;
    vl_tensor *y = vl_mlp_forward(c, &m, x);
    CHECK(y->ndim == 2 && y->shape[0] == 4 && y->shape[1] == 2);
    CHECK(m.bn[0].num_batches_tracked->data[0] == 1.0f);
    vl_set_training(c, false);
    y = vl_mlp_forward(c, &m, x);
    CHECK(y->shape[0] == 4 && y->shape[1] == 2);
    CHECK(m.bn[1].num_batches_tracked->data[0] == 1.0f);
    vl_ctx_free(c);
    vl_params_free(&P);

    vl_params_init(&P);
    cfg.norm = VL_NORM_LAYER;
    cfg.n_hidden = 1;
    vl_mlp_init(&m, &P, "", &cfg);
    CHECK_INT(P.count, 6);
    CHECK(vl_params_find(&P, "fc.1.bias") != NULL);
    CHECK(vl_params_find(&P, "norm.0.weight") != NULL);
    CHECK(vl_params_find(&P, "norm.0.running_mean") == NULL);
    CHECK_INT(P.n_buf, 0);
    vl_params_finalize(&P, 3);
    vl_params_free(&P);

    vl_params_init(&P);
    cfg.norm = VL_NORM_NONE;
    cfg.n_hidden = 0;       /* plain linear model */
    vl_mlp_init(&m, &P, "", &cfg);
    CHECK_INT(P.count, 2);
    CHECK(vl_params_find(&P, "fc.0.weight") != NULL);
    vl_params_finalize(&P, 3);
    vl_params_free(&P);
}

static void test_names(void) {
    static const char *acts[] = {"relu", "tanh", "sigmoid", "gelu", "gelu_tanh"};
    for (int i = 0; i < 5; i++) {
        vl_activation a;
        CHECK_INT(vl_activation_parse(acts[i], &a), VL_OK);
        CHECK_INT(a, i);
        CHECK(strcmp(vl_activation_name(a), acts[i]) == 0);
    }
    static const char *norms[] = {"none", "batch", "layer"};
    for (int i = 0; i < 3; i++) {
        vl_norm_kind n;
        CHECK_INT(vl_norm_parse(norms[i], &n), VL_OK);
        CHECK_INT(n, i);
        CHECK(strcmp(vl_norm_name(n), norms[i]) == 0);
    }
    vl_activation a = VL_ACT_TANH;
    vl_norm_kind n = VL_NORM_LAYER;
    CHECK_INT(vl_activation_parse("swish", &a), VL_ERR_ARG);
    CHECK_INT(a, VL_ACT_TANH);
    CHECK(strstr(vl_last_error(), "swish") != NULL);
    CHECK_INT(vl_norm_parse("Batch", &n), VL_ERR_ARG);
    CHECK_INT(vl_norm_parse("", &n), VL_ERR_ARG);
    CHECK_INT(n, VL_NORM_LAYER);
}

int main(void) {
    test_params_layout();
    test_init_stats();
    test_layernorm_values();
    test_batchnorm_running(1);
    test_batchnorm_running(5);
    test_batchnorm_large();
    test_mlp_names();
    test_names();
    return test_summary();
}
