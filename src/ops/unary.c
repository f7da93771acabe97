/* src/ops/unary.c: elementwise exp, log, tanh, sigmoid, relu and the two
 * GELUs, forward and backward.
 *
 * Every op uses the branch-free vexp/vlog/vtanh/vphi below, so `omp simd`
 * turns the loops into vector code (libm's expf/logf/tanhf/erff are scalar
 * calls, 4-15 ns each); they are accurate to ~1-3 ulp.
 * Backward kernels reuse the saved output where it determines the
 * derivative (exp, tanh, sigmoid, relu) and the input otherwise. */
#include "ops/ops_internal.h"
#include "ops/vmath.h"

#include <stdint.h>

/* ---- vectorisable math beyond vmath.h ---- */

/* log(x): x = 2^e m with m in [sqrt(1/2), sqrt(2)), log(m) = f - f^2/2 +
 * f^3 P(f) for f = m - 1 (Cephes logf coefficients), e ln2 added in two
 * parts. Subnormal inputs are scaled by 2^23 first. Max relative error
 * ~1e-7. */
VINLINE float vlog(float x) {
    const float tiny = 1.17549435e-38f; /* FLT_MIN */
    float xs = x < tiny ? x * 8388608.0f : x;
    float esub = x < tiny ? 23.0f : 0.0f;
    int32_t bits;
    memcpy(&bits, &xs, sizeof bits);
    int32_t mb = (bits & 0x007fffff) | 0x3f800000;
    float m;
    memcpy(&m, &mb, sizeof m);
    float fe = (float)(((bits >> 23) & 0xff) - 127) - esub;
    fe = m > 1.41421356f ? fe + 1.0f : fe;
    m = m > 1.41421356f ? 0.5f * m : m;
    float f = m - 1.0f;
    float z = f * f;
    float p = 7.0376836292e-2f;
    p = fmaf(p, f, -1.1514610310e-1f);
    p = fmaf(p, f, 1.1676998740e-1f);
    p = fmaf(p, f, -1.2420140846e-1f);
    p = fmaf(p, f, 1.4249322787e-1f);
    p = fmaf(p, f, -1.6668057665e-1f);
    p = fmaf(p, f, 2.0000714765e-1f);
    p = fmaf(p, f, -2.4999993993e-1f);
    p = fmaf(p, f, 3.3333331174e-1f);
    float y = f * z * p;
    y = fmaf(fe, -2.12194440e-4f, y);
    y = fmaf(-0.5f, z, y);
    float r = f + y;
    r = fmaf(fe, 0.693359375f, r);
    r = x == 0.0f ? -INFINITY : r;
    r = x < 0.0f ? NAN : r;
    r = x == INFINITY ? INFINITY : r;
    return x != x ? x : r;
}

/* tanh(x): odd polynomial for |x| < 0.625 (where 1 - 2/(e^2x + 1) would
 * cancel), that formula elsewhere. */
VINLINE float vtanh(float x) {
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

/* exp(-x^2 / 2), with the rounding error of x*x corrected to first order
 * (it would otherwise cost up to ~1e-5 relative near |x| = 14). */
VINLINE float vgauss(float x) {
    float x2 = x * x, lo = fmaf(x, x, -x2); /* x^2 = x2 + lo exactly */
    return vexp(-0.5f * x2) * fmaf(-0.5f, lo, 1.0f);
}

/* Phi(x) = erfc(-x / sqrt2) / 2, the normal CDF, from erfc(z) =
 * exp(-z^2) t P(t), t = 1 / (1 + 0.4 z), z = |x| / sqrt2 <= 10.5. P was
 * fitted (weighted least squares, relative error) to erfc(z) exp(z^2):
 * max relative error 7e-8, ~3e-7 once evaluated in float. Both tails are
 * accurate in relative terms: Phi(-|x|) is never formed as 1 - erf. */
VINLINE float vphi(float x) {
    float xc = x > -15.0f ? x : -15.0f; /* Phi(-15) ~ 4e-51: 0 in float */
    xc = xc < 15.0f ? xc : 15.0f;
    float z = fabsf(xc) * SQRT1_2;
    z = z < 10.5f ? z : 10.5f;
    float t = 1.0f / fmaf(0.4f, z, 1.0f);
    float p = 4.211901873e-02f;
    p = fmaf(p, t, -1.445541680e-01f);
    p = fmaf(p, t, 9.278904647e-02f);
    p = fmaf(p, t, 7.783735543e-02f);
    p = fmaf(p, t, 8.679115027e-02f);
    p = fmaf(p, t, 1.903810948e-01f);
    p = fmaf(p, t, 2.026617080e-01f);
    p = fmaf(p, t, 2.263342142e-01f);
    p = fmaf(p, t, 2.256406397e-01f);
    float q = 0.5f * vgauss(xc) * p * t; /* Phi(-|x|) */
    return xc < 0.0f ? q : 1.0f - q;
}
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
UNARY_OP(vl_log, "log", vlog(x), g / x)
UNARY_OP(vl_tanh, "tanh", vtanh(x), g * (1.0f - y * y))
UNARY_OP(vl_sigmoid, "sigmoid", 1.0f / (1.0f + vexp(-x)), g * y * (1.0f - y))
/* NaN stays NaN, as in PyTorch; the gradient at 0 is 0. */
UNARY_OP(vl_relu, "relu", x < 0.0f ? 0.0f : x, y > 0.0f ? g : 0.0f)

/* exact GELU: x Phi(x), Phi the normal CDF; d/dx = Phi(x) + x phi(x) */
UNARY_OP(vl_gelu, "gelu", x * vphi(x),
         g * (vphi(x) + x * INV_SQRT_2PI * vgauss(x)))

/* tanh GELU: 0.5 x (1 + tanh u), u = k0 (x + k1 x^3), written as
 * x * s with s = sigmoid(2u) = 0.5 (1 + tanh u), which does not cancel for
 * negative x; d/dx = s + x * 2 s (1 - s) * k0 (1 + 3 k1 x^2). */
VINLINE float gelu_tanh_s(float x) {
    float u = GELU_K0 * fmaf(GELU_K1 * x * x, x, x);
    return 1.0f / (1.0f + vexp(-2.0f * u));
}

VINLINE float gelu_tanh_grad(float x) {
    float s = gelu_tanh_s(x);
    float du = GELU_K0 * fmaf(3.0f * GELU_K1, x * x, 1.0f);
    return s + x * 2.0f * s * (1.0f - s) * du;
}

UNARY_OP(vl_gelu_tanh, "gelu_tanh", x * gelu_tanh_s(x), g * gelu_tanh_grad(x))
