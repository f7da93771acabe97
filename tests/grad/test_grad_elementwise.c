/* tests/grad/test_grad_elementwise.c: finite-difference gradient checks for
 * the broadcasting binary ops, scale, the unary activations, sum/mean,
 * softmax/log-softmax, cross-entropy, dropout and masked_fill, including
 * broadcast shapes, strided (transposed) inputs and tensors large enough
 * to take the multi-threaded paths (> VL_PAR_MIN = 32768 elements).
 *
 * Tolerances (|num - ana| <= tol * max(1, |num|, |ana|)), central
 * differences with step eps:
 *   - ops linear in the checked input (add, sub, mul, scale, sum, mean,
 *     masked_fill, dropout): eps 1e-2, tol 1e-3. No truncation error; what
 *     is left is float rounding of the outputs, ~1e-7 relative / 2 eps.
 *   - smooth nonlinear ops (div, exp, log, tanh, sigmoid, gelu, softmax,
 *     cross-entropy): eps 1e-2, tol 2e-3. Truncation error eps^2/6 * f'''
 *     is ~1e-5 for the ranges used (log and div inputs are kept >= ~1).
 *   - relu: eps 1e-3, tol 1e-3 on inputs at least 0.05 away from the kink.
 *   - log_softmax over 600 classes: eps 3e-2, tol 2e-3 (see there).
 * Worst errors seen: ~5e-5 for all but the large log_softmax (~4e-4).
 */
#include <string.h>

#include "gradcheck.h"
#include "harness.h"

#define LIN_EPS 1e-2
#define LIN_TOL 1e-3
#define NL_EPS 1e-2
#define NL_TOL 2e-3

/* ---- binary ---- */
static vl_tensor *f_add(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_add(c, in[0], in[1]);
}
static vl_tensor *f_sub(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_sub(c, in[0], in[1]);
}
static vl_tensor *f_mul(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_mul(c, in[0], in[1]);
}
static vl_tensor *f_div(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_div(c, in[0], in[1]);
}
static vl_tensor *f_square(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_mul(c, in[0], in[0]); /* the same tensor on both sides */
}
static vl_tensor *f_scale(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_scale(c, in[0], -1.5f, 0.25f);
}
/* (4, 3)^T (3, 4) + b (3, 4) */
static vl_tensor *f_add_strided(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_add(c, vl_transpose(c, in[0], 0, 1), in[1]);
}
static vl_tensor *f_mul_strided_bcast(vl_ctx *c, vl_tensor **in, void *u) {
    /* in[0] (2, 3, 4), in[1] (4, 3) -> transposed (3, 4), broadcast over 2 */
    return vl_mul(c, in[0], vl_transpose(c, in[1], 0, 1));
}
static vl_tensor *f_div_strided(vl_ctx *c, vl_tensor **in, void *u) {
    /* in[0] (3, 2) -> (2, 3) view / in[1] (1, 3) */
    return vl_div(c, vl_transpose(c, in[0], 0, 1), in[1]);
}

/* ---- unary ---- */
static vl_tensor *f_exp(vl_ctx *c, vl_tensor **in, void *u) { return vl_exp(c, in[0]); }
static vl_tensor *f_log(vl_ctx *c, vl_tensor **in, void *u) { return vl_log(c, in[0]); }
static vl_tensor *f_tanh(vl_ctx *c, vl_tensor **in, void *u) { return vl_tanh(c, in[0]); }
static vl_tensor *f_sigmoid(vl_ctx *c, vl_tensor **in, void *u) { return vl_sigmoid(c, in[0]); }
static vl_tensor *f_relu(vl_ctx *c, vl_tensor **in, void *u) { return vl_relu(c, in[0]); }
static vl_tensor *f_gelu(vl_ctx *c, vl_tensor **in, void *u) { return vl_gelu(c, in[0]); }
static vl_tensor *f_gelu_tanh(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_gelu_tanh(c, in[0]);
}
static vl_tensor *f_tanh_strided(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_tanh(c, vl_transpose(c, in[0], 0, 2));
}
static vl_tensor *f_chain(vl_ctx *c, vl_tensor **in, void *u) {
    /* sigmoid(x) * exp(-x) + gelu(x): several ops sharing an input */
    vl_tensor *x = in[0];
    return vl_add(c, vl_mul(c, vl_sigmoid(c, x), vl_exp(c, vl_scale(c, x, -1, 0))),
                  vl_gelu(c, x));
}

/* ---- reductions: the dim and keepdim come through u ---- */
typedef struct red_arg {
    int dim;
    bool keepdim;
} red_arg;
static vl_tensor *f_sum(vl_ctx *c, vl_tensor **in, void *u) {
    const red_arg *r = u;
    return vl_sum(c, in[0], r->dim, r->keepdim);
}
static vl_tensor *f_mean(vl_ctx *c, vl_tensor **in, void *u) {
    const red_arg *r = u;
    return vl_mean(c, in[0], r->dim, r->keepdim);
}
static vl_tensor *f_sum_all(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_sum_all(c, in[0]);
}
static vl_tensor *f_mean_all(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_mean_all(c, in[0]);
}
static vl_tensor *f_sum_strided(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_mean(c, vl_transpose(c, in[0], 0, 1), -1, false);
}

/* ---- softmax family ---- */
static vl_tensor *f_softmax(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_softmax(c, in[0]);
}
static vl_tensor *f_log_softmax(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_log_softmax(c, in[0]);
}
static vl_tensor *f_softmax_strided(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_softmax(c, vl_transpose(c, in[0], 1, 2));
}
static vl_tensor *f_ce(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_cross_entropy(c, in[0], (const int *)u, -100);
}
static vl_tensor *f_ce_strided(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_cross_entropy(c, vl_transpose(c, in[0], 0, 1), (const int *)u, -1);
}

/* ---- dropout and masking ---- */
static vl_tensor *f_dropout(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_dropout(c, in[0], *(const float *)u);
}
static vl_tensor *f_dropout_strided(vl_ctx *c, vl_tensor **in, void *u) {
    return vl_dropout(c, vl_transpose(c, in[0], 0, 1), 0.4f);
}
typedef struct mask_arg {
    const uint8_t *mask;
    int ndim;
    int shape[4];
    float value;
} mask_arg;
static vl_tensor *f_masked_fill(vl_ctx *c, vl_tensor **in, void *u) {
    const mask_arg *m = u;
    return vl_masked_fill(c, in[0], m->mask, m->ndim, m->shape, m->value);
}
static vl_tensor *f_masked_softmax(vl_ctx *c, vl_tensor **in, void *u) {
    /* the attention pattern: causal mask with -inf, then softmax */
    const mask_arg *m = u;
    return vl_softmax(c, vl_masked_fill(c, in[0], m->mask, m->ndim, m->shape,
                                        -INFINITY));
}

int main(void) {
    /* binary, same shape and broadcast */
    gc_input same[2] = {{.ndim = 2, .shape = {3, 4}}, {.ndim = 2, .shape = {3, 4}}};
    CHECK(gradcheck("add same shape", f_add, NULL, 2, same, LIN_EPS, LIN_TOL));
    CHECK(gradcheck("sub same shape", f_sub, NULL, 2, same, LIN_EPS, LIN_TOL));
    CHECK(gradcheck("mul same shape", f_mul, NULL, 2, same, LIN_EPS, LIN_TOL));
    gc_input bias[2] = {{.ndim = 3, .shape = {2, 3, 4}}, {.ndim = 1, .shape = {4}}};
    CHECK(gradcheck("add (2,3,4)+(4)", f_add, NULL, 2, bias, LIN_EPS, LIN_TOL));
    CHECK(gradcheck("sub (2,3,4)-(4)", f_sub, NULL, 2, bias, LIN_EPS, LIN_TOL));
    gc_input rev[2] = {{.ndim = 1, .shape = {4}}, {.ndim = 3, .shape = {2, 3, 4}}};
    CHECK(gradcheck("sub (4)-(2,3,4)", f_sub, NULL, 2, rev, LIN_EPS, LIN_TOL));
    gc_input outer[2] = {{.ndim = 3, .shape = {2, 1, 4}}, {.ndim = 2, .shape = {3, 1}}};
    CHECK(gradcheck("mul (2,1,4)*(3,1)", f_mul, NULL, 2, outer, LIN_EPS, LIN_TOL));
    CHECK(gradcheck("add (2,1,4)+(3,1)", f_add, NULL, 2, outer, LIN_EPS, LIN_TOL));
    gc_input dv[2] = {{.ndim = 2, .shape = {2, 3}},
                      {.ndim = 2, .shape = {1, 3}, .scale = 0.5f, .shift = 2.5f}};
    CHECK(gradcheck("div (2,3)/(1,3)", f_div, NULL, 2, dv, NL_EPS, NL_TOL));
    gc_input dvs[2] = {{.ndim = 3, .shape = {2, 3, 2}},
                       {.ndim = 1, .shape = {1}, .scale = 0.5f, .shift = 2.5f}};
    CHECK(gradcheck("div by scalar (1)", f_div, NULL, 2, dvs, NL_EPS, NL_TOL));
    gc_input dvr[2] = {{.ndim = 2, .shape = {1, 3}},
                       {.ndim = 3, .shape = {2, 2, 1}, .scale = 0.5f, .shift = -2.5f}};
    CHECK(gradcheck("div (1,3)/(2,2,1)", f_div, NULL, 2, dvr, NL_EPS, NL_TOL));
    gc_input four[2] = {{.ndim = 4, .shape = {2, 1, 3, 1}}, {.ndim = 4, .shape = {1, 2, 1, 3}}};
    CHECK(gradcheck("mul 4-d both broadcast", f_mul, NULL, 2, four, LIN_EPS, LIN_TOL));
    gc_input sq[1] = {{.ndim = 2, .shape = {3, 3}}};
    CHECK(gradcheck("mul x*x", f_square, NULL, 1, sq, LIN_EPS, NL_TOL));
    gc_input sc[1] = {{.ndim = 3, .shape = {2, 3, 2}}};
    CHECK(gradcheck("scale", f_scale, NULL, 1, sc, LIN_EPS, LIN_TOL));
    /* large: the threaded forward, the flat gradient and the
     * partial-sum reduction of a broadcast gradient */
    gc_input big_bias[2] = {{.ndim = 2, .shape = {96, 512}}, {.ndim = 1, .shape = {512}}};
    CHECK(gradcheck("add (96,512)+(512) threaded", f_add, NULL, 2, big_bias,
                    LIN_EPS, LIN_TOL));
    CHECK(gradcheck("mul (96,512)*(512) threaded", f_mul, NULL, 2, big_bias,
                    LIN_EPS, LIN_TOL));
    gc_input big_col[2] = {{.ndim = 2, .shape = {300, 130}},
                           {.ndim = 2, .shape = {300, 1}, .scale = 0.5f, .shift = 2.5f}};
    CHECK(gradcheck("div (300,130)/(300,1) threaded", f_div, NULL, 2, big_col,
                    NL_EPS, NL_TOL));
    gc_input big_sc[2] = {{.ndim = 3, .shape = {4, 100, 100}}, {.ndim = 1, .shape = {1}}};
    CHECK(gradcheck("sub scalar threaded", f_sub, NULL, 2, big_sc, LIN_EPS, LIN_TOL));
    /* strided inputs */
    gc_input st[2] = {{.ndim = 2, .shape = {4, 3}}, {.ndim = 2, .shape = {3, 4}}};
    CHECK(gradcheck("add transposed a", f_add_strided, NULL, 2, st, LIN_EPS, LIN_TOL));
    gc_input stb[2] = {{.ndim = 3, .shape = {2, 3, 4}}, {.ndim = 2, .shape = {4, 3}}};
    CHECK(gradcheck("mul transposed b broadcast", f_mul_strided_bcast, NULL, 2, stb,
                    LIN_EPS, LIN_TOL));
    gc_input std_[2] = {{.ndim = 2, .shape = {3, 2}},
                        {.ndim = 2, .shape = {1, 3}, .scale = 0.5f, .shift = 2.5f}};
    CHECK(gradcheck("div transposed a", f_div_strided, NULL, 2, std_, NL_EPS, NL_TOL));

    /* unary */
    gc_input u1[1] = {{.ndim = 2, .shape = {3, 5}}};
    CHECK(gradcheck("exp", f_exp, NULL, 1, u1, NL_EPS, NL_TOL));
    gc_input pos[1] = {{.ndim = 2, .shape = {3, 5}, .scale = 0.5f, .shift = 2.5f}};
    CHECK(gradcheck("log (inputs ~2.5)", f_log, NULL, 1, pos, NL_EPS, NL_TOL));
    gc_input wide[1] = {{.ndim = 2, .shape = {3, 5}, .scale = 2.0f}};
    CHECK(gradcheck("tanh", f_tanh, NULL, 1, wide, NL_EPS, NL_TOL));
    CHECK(gradcheck("sigmoid", f_sigmoid, NULL, 1, wide, NL_EPS, NL_TOL));
    CHECK(gradcheck("gelu", f_gelu, NULL, 1, wide, NL_EPS, NL_TOL));
    CHECK(gradcheck("gelu_tanh", f_gelu_tanh, NULL, 1, wide, NL_EPS, NL_TOL));
    static const float relu_x[12] = {-2.0f, -0.5f, -0.05f, 0.05f, 0.3f, 1.7f,
                                     -1.1f, 0.9f,  -0.2f,  2.5f,  -3.0f, 0.1f};
    gc_input rl[1] = {{.ndim = 2, .shape = {3, 4}, .init = relu_x}};
    CHECK(gradcheck("relu (|x| >= 0.05)", f_relu, NULL, 1, rl, 1e-3, 1e-3));
    gc_input t3[1] = {{.ndim = 3, .shape = {2, 3, 4}}};
    CHECK(gradcheck("tanh transposed", f_tanh_strided, NULL, 1, t3, NL_EPS, NL_TOL));
    CHECK(gradcheck("sigmoid*exp(-x)+gelu", f_chain, NULL, 1, u1, NL_EPS, NL_TOL));
    gc_input ubig[1] = {{.ndim = 2, .shape = {200, 200}, .scale = 2.0f}};
    CHECK(gradcheck("gelu_tanh threaded", f_gelu_tanh, NULL, 1, ubig, NL_EPS, NL_TOL));
    CHECK(gradcheck("gelu threaded", f_gelu, NULL, 1, ubig, NL_EPS, NL_TOL));

    /* reductions */
    red_arg r0 = {0, false}, r1k = {1, true}, rl1 = {-1, false}, r2k = {2, true};
    CHECK(gradcheck("sum dim 0", f_sum, &r0, 1, t3, LIN_EPS, LIN_TOL));
    CHECK(gradcheck("sum dim 1 keepdim", f_sum, &r1k, 1, t3, LIN_EPS, LIN_TOL));
    CHECK(gradcheck("sum dim -1", f_sum, &rl1, 1, t3, LIN_EPS, LIN_TOL));
    CHECK(gradcheck("mean dim 0", f_mean, &r0, 1, t3, LIN_EPS, LIN_TOL));
    CHECK(gradcheck("mean dim 1 keepdim", f_mean, &r1k, 1, t3, LIN_EPS, LIN_TOL));
    CHECK(gradcheck("mean dim 2 keepdim", f_mean, &r2k, 1, t3, LIN_EPS, LIN_TOL));
    gc_input v1[1] = {{.ndim = 1, .shape = {7}}};
    CHECK(gradcheck("sum 1-d dim 0", f_sum, &r0, 1, v1, LIN_EPS, LIN_TOL));
    CHECK(gradcheck("sum_all", f_sum_all, NULL, 1, t3, LIN_EPS, LIN_TOL));
    CHECK(gradcheck("mean_all", f_mean_all, NULL, 1, t3, LIN_EPS, LIN_TOL));
    gc_input rbig[1] = {{.ndim = 3, .shape = {3, 40, 600}}};
    red_arg rm1 = {1, false};
    CHECK(gradcheck("sum (3,40,600) dim 1 threaded", f_sum, &rm1, 1, rbig,
                    LIN_EPS, LIN_TOL));
    CHECK(gradcheck("mean (3,40,600) dim -1 threaded", f_mean, &rl1, 1, rbig,
                    LIN_EPS, LIN_TOL));
    CHECK(gradcheck("mean_all threaded", f_mean_all, NULL, 1, rbig, LIN_EPS, LIN_TOL));
    gc_input rt[1] = {{.ndim = 2, .shape = {4, 3}}};
    CHECK(gradcheck("mean transposed", f_sum_strided, NULL, 1, rt, LIN_EPS, LIN_TOL));

    /* softmax family */
    gc_input sm[1] = {{.ndim = 3, .shape = {2, 3, 5}, .scale = 2.0f}};
    CHECK(gradcheck("softmax 3-d", f_softmax, NULL, 1, sm, NL_EPS, NL_TOL));
    CHECK(gradcheck("log_softmax 3-d", f_log_softmax, NULL, 1, sm, NL_EPS, NL_TOL));
    CHECK(gradcheck("softmax transposed", f_softmax_strided, NULL, 1, sm, NL_EPS, NL_TOL));
    gc_input smbig[1] = {{.ndim = 2, .shape = {64, 600}, .scale = 2.0f}};
    CHECK(gradcheck("softmax threaded", f_softmax, NULL, 1, smbig, NL_EPS, NL_TOL));
    /* each input moves all 600 outputs (~-7, float ulp 5e-7) through the
     * shared log-sum-exp, so L carries ~sqrt(600) ulp of rounding noise:
     * ~1e-3 at eps 1e-2, hence a larger step here (error scales as 1/eps) */
    CHECK(gradcheck("log_softmax threaded", f_log_softmax, NULL, 1, smbig, 3e-2, NL_TOL));
    static const int tg[6] = {1, -100, 4, 0, -100, 2};
    gc_input ce[1] = {{.ndim = 2, .shape = {6, 5}, .scale = 2.0f}};
    CHECK(gradcheck("cross_entropy (2 ignored)", f_ce, (void *)tg, 1, ce, NL_EPS, NL_TOL));
    static const int tg3[6] = {3, 0, -100, 1, 2, 2};
    gc_input ce3[1] = {{.ndim = 3, .shape = {2, 3, 4}, .scale = 2.0f}};
    CHECK(gradcheck("cross_entropy 3-d", f_ce, (void *)tg3, 1, ce3, NL_EPS, NL_TOL));
    static const int tgt[4] = {2, -1, 0, 1};
    gc_input cet[1] = {{.ndim = 2, .shape = {3, 4}, .scale = 2.0f}};
    CHECK(gradcheck("cross_entropy transposed", f_ce_strided, (void *)tgt, 1, cet,
                    NL_EPS, NL_TOL));
    static int tgbig[200];
    for (int i = 0; i < 200; i++) tgbig[i] = i % 7 == 3 ? -100 : (i * 37) % 300;
    gc_input cebig[1] = {{.ndim = 2, .shape = {200, 300}, .scale = 2.0f}};
    CHECK(gradcheck("cross_entropy threaded", f_ce, tgbig, 1, cebig, NL_EPS, NL_TOL));

    /* dropout (training mode; gradcheck re-seeds the RNG so masks repeat) */
    float p3 = 0.3f, p1 = 1.0f;
    gc_input dr[1] = {{.ndim = 2, .shape = {6, 7}}};
    CHECK(gradcheck("dropout p=0.3", f_dropout, &p3, 1, dr, LIN_EPS, LIN_TOL));
    CHECK(gradcheck("dropout p=1", f_dropout, &p1, 1, dr, LIN_EPS, LIN_TOL));
    gc_input drbig[1] = {{.ndim = 2, .shape = {256, 160}}};
    CHECK(gradcheck("dropout threaded", f_dropout, &p3, 1, drbig, LIN_EPS, LIN_TOL));
    CHECK(gradcheck("dropout transposed", f_dropout_strided, NULL, 1, dr, LIN_EPS, LIN_TOL));

    /* masked_fill: full-shape, broadcast masks and a causal softmax */
    static const uint8_t m34[12] = {1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 1};
    mask_arg ma = {m34, 2, {3, 4}, -7.0f};
    CHECK(gradcheck("masked_fill (3,4) mask", f_masked_fill, &ma, 1, t3, LIN_EPS, LIN_TOL));
    static const uint8_t m214[8] = {0, 1, 1, 0, 1, 0, 0, 0};
    mask_arg mb = {m214, 3, {2, 1, 4}, 0.0f};
    CHECK(gradcheck("masked_fill (2,1,4) mask", f_masked_fill, &mb, 1, t3, LIN_EPS, LIN_TOL));
    static const uint8_t m31[3] = {0, 1, 0};
    mask_arg mc = {m31, 2, {3, 1}, 5.0f};
    CHECK(gradcheck("masked_fill (3,1) mask", f_masked_fill, &mc, 1, t3, LIN_EPS, LIN_TOL));
    static const uint8_t causal[16] = {0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0};
    mask_arg md = {causal, 2, {4, 4}, 0.0f};
    gc_input att[1] = {{.ndim = 3, .shape = {2, 4, 4}}};
    CHECK(gradcheck("causal masked softmax", f_masked_softmax, &md, 1, att, NL_EPS, NL_TOL));
    return test_summary();
}
