/* src/ops/vmath.h: branch-free, vectorisable float math shared by the op
 * kernels (libm's expf etc. are scalar calls that block `omp simd`). */
#ifndef VALLE_VMATH_H
#define VALLE_VMATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Kernels below must be inlined into the `omp simd` loops to vectorise. */
#define VINLINE static inline __attribute__((always_inline))

/* 2^k as a float for k in [-126, 127]. */
VINLINE float pow2i(int32_t k) {
    int32_t e = (k + 127) << 23;
    float s;
    memcpy(&s, &e, sizeof s);
    return s;
}

/* exp(x): Cephes-style range reduction x = n ln2 + r, |r| <= ln2/2, a
 * degree-6 polynomial, and 2^n applied in two halves so subnormal and
 * near-overflow results stay right. Max relative error ~1e-7. */
VINLINE float vexp(float x) {
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

#endif
