/* src/ops/unary.c: elementwise exp, log, tanh, sigmoid, relu and the two
 * GELUs, forward and backward.
 *
 * exp, sigmoid, tanh and the tanh-GELU use vexp/vtanh below: branch-free,
 * so `omp simd` turns them into vector code (libm's expf/tanhf are scalar
 * calls), accurate to ~1-2 ulp. log and the exact GELU's erf stay in libm.
 * Backward kernels reuse the saved output where it determines the
 * derivative (exp, tanh, sigmoid, relu) and the input otherwise. */
#include "ops/ops_internal.h"

#include <stdint.h>

/* ---- vectorisable math (vexp is duplicated in softmax.c) ---- */

/* 2^k as a float for k in [-126, 127]. */
static inline float pow2i(int32_t k) {
    int32_t e = (k + 127) << 23;
    float s;
    memcpy(&s, &e, sizeof s);
    return s;
}

/* exp(x): Cephes-style range reduction x = n ln2 + r, |r| <= ln2/2, a
 * degree-6 polynomial, and 2^n applied in two halves so subnormal and
 * near-overflow results stay right. Max relative error ~1e-7. */
static inline float vexp(float x) {
    const float lo = -103.972076f, hi = 88.7228394f;
    float xc = x > lo ? x : lo;
    xc = xc < hi ? xc : hi;
    float n = fmaf(xc, 1.44269504088896341f, 12582912.0f) - 12582912.0f;
    float r = fmaf(n, -0.693359375f, xc);
    r = fmaf(n, 2.12194440e-4f, r);
    float p = 1.9875691500e-4f;
    p = fmaf(p, r, 1.3981999507e-3f);
    p = fmaf(p, r, 8.3334519073e-3f);
    p = fmaf(p, r, 4.1665795894e-2f);
    p = fmaf(p, r, 1.6666665459e-1f);
    p = fmaf(p, r, 5.0000001201e-1f);
    float y = fmaf(p, r * r, r) + 1.0f;
    int32_t k = (int32_t)n, h = k >> 1;
    y = y * pow2i(h) * pow2i(k - h);
    y = x < lo ? 0.0f : y;
    y = x > hi ? INFINITY : y;
    return x != x ? x : y;
}

/* tanh(x): odd polynomial for |x| < 0.625 (where 1 - 2/(e^2x + 1) would
 * cancel), that formula elsewhere. */
static inline float vtanh(float x) {
    float ax = fabsf(x);
    float big = 1.0f - 2.0f / (vexp(2.0f * ax) + 1.0f);
    float z = x * x;
    float p = -5.70498872745e-3f;
    p = fmaf(p, z, 2.06390887954e-2f);
    p = fmaf(p, z, -5.37397155531e-2f);
    p = fmaf(p, z, 1.33314422036e-1f);
    p = fmaf(p, z, -3.33332819422e-1f);
    float small = fmaf(x * z, p, x);
    return ax < 0.625f ? small : copysignf(big, x);
}

#define SQRT1_2 0.70710678118654752f
#define INV_SQRT_2PI 0.39894228040143268f
#define GELU_K0 0.79788456080286536f /* sqrt(2 / pi) */
#define GELU_K1 0.044715f

/* ---- op definitions: FWD(x) -> y; BWD(g, x, y) -> dL/dx ---- */
#define UNARY_OP(FN, NAME, FWD, BWD)                                           \
    static void FN##_backward(vl_ctx *c, vl_node *node) {                      \
        vl_tensor *a = node->in[0];                                            \
        float *restrict ga = vl_in_grad(c, a);                                 \
        if (!ga) return;                                                       \
        const float *restrict xs = a->data;                                    \
        const float *restrict ys = node->out->data;                            \
        const float *restrict gs = node->out->grad;                            \
        int64_t len = a->numel;                                                \
        _Pragma("omp parallel for simd schedule(static) if (parallel: len > VL_PAR_MIN)") \
        for (int64_t i = 0; i < len; i++) {                                    \
            float g = gs[i], x = xs[i], y = ys[i];                             \
            (void)x; (void)y;                                                  \
            ga[i] += (BWD);                                                    \
        }                                                                      \
    }                                                                          \
    vl_tensor *FN(vl_ctx *c, vl_tensor *a) {                                   \
        a = vl_dense(c, a);                                                    \
        vl_tensor *out = vl_new_like(c, a); /* a's shape */                    \
        const float *restrict xs = a->data;                                    \
        float *restrict ys = out->data;                                        \
        int64_t len = a->numel;                                                \
        _Pragma("omp parallel for simd schedule(static) if (parallel: len > VL_PAR_MIN)") \
        for (int64_t i = 0; i < len; i++) {                                    \
            float x = xs[i];                                                   \
            ys[i] = (FWD);                                                     \
        }                                                                      \
        vl_record(c, NAME, FN##_backward, out, 1, &a);                         \
        return out;                                                            \
    }

UNARY_OP(vl_exp, "exp", vexp(x), g * y)
UNARY_OP(vl_log, "log", logf(x), g / x)
UNARY_OP(vl_tanh, "tanh", vtanh(x), g * (1.0f - y * y))
UNARY_OP(vl_sigmoid, "sigmoid", 1.0f / (1.0f + vexp(-x)), g * y * (1.0f - y))
/* NaN stays NaN, as in PyTorch; the gradient at 0 is 0. */
UNARY_OP(vl_relu, "relu", x < 0.0f ? 0.0f : x, y > 0.0f ? g : 0.0f)

/* exact GELU: x Phi(x), Phi the normal CDF; d/dx = Phi(x) + x phi(x) */
UNARY_OP(vl_gelu, "gelu", 0.5f * x * (1.0f + erff(x * SQRT1_2)),
         g * (0.5f * (1.0f + erff(x * SQRT1_2)) +
              x * INV_SQRT_2PI * vexp(-0.5f * x * x)))

/* tanh GELU: 0.5 x (1 + tanh u), u = k0 (x + k1 x^3), written as
 * x * s with s = sigmoid(2u) = 0.5 (1 + tanh u), which does not cancel for
 * negative x; d/dx = s + x * 2 s (1 - s) * k0 (1 + 3 k1 x^2). */
static inline float gelu_tanh_s(float x) {
    float u = GELU_K0 * fmaf(GELU_K1 * x * x, x, x);
    return 1.0f / (1.0f + vexp(-2.0f * u));
}

static inline float gelu_tanh_grad(float x) {
    float s = gelu_tanh_s(x);
    float du = GELU_K0 * fmaf(3.0f * GELU_K1, x * x, 1.0f);
    return s + x * 2.0f * s * (1.0f - s) * du;
}

UNARY_OP(vl_gelu_tanh, "gelu_tanh", x * gelu_tanh_s(x), g * gelu_tanh_grad(x))
