/* src/optim/clip.c: global gradient L2 norm (double accumulation), PyTorch
 * clip_grad_norm_ style clipping and a finiteness check, each one pass over
 * the flat buffer, split across threads for large n.
 *
 * Clipping: coef = max_norm / (norm + 1e-6) in float (as torch does with a
 * float32 norm); g *= coef only when coef < 1; returns the pre-clip norm.
 * Unlike torch (which would multiply by NaN), a non-finite norm leaves g
 * untouched: the caller sees the NaN/inf return value and skips the step. */
#include <math.h>
#include <string.h>

#include "valle/optim.h"

#define VL_CLIP_PAR_MIN 32768

double vl_grad_norm(const float *g, int64_t n) {
    double s = 0.0;
#pragma omp parallel for simd reduction(+ : s) \
    if (parallel : n > VL_CLIP_PAR_MIN) schedule(static)
    for (int64_t i = 0; i < n; i++) {
        double x = (double)g[i];
        s += x * x;
    }
    return sqrt(s);
}

float vl_clip_grad_norm(float *g, int64_t n, float max_norm) {
    const float norm = (float)vl_grad_norm(g, n);
    if (!(max_norm > 0.0f) || !isfinite(norm)) return norm;
    const float coef = max_norm / (norm + 1e-6f);
    if (coef < 1.0f) {
#pragma omp parallel for simd if (parallel : n > VL_CLIP_PAR_MIN) schedule(static)
        for (int64_t i = 0; i < n; i++) g[i] *= coef;
    }
    return norm;
}

bool vl_all_finite(const float *x, int64_t n) {
    /* Exponent bits all set means inf or NaN; an integer OR vectorises. */
    unsigned bad = 0;
#pragma omp parallel for simd reduction(| : bad) \
    if (parallel : n > VL_CLIP_PAR_MIN) schedule(static)
    for (int64_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &x[i], sizeof u);
        bad |= (u & 0x7f800000u) == 0x7f800000u;
    }
    return bad == 0;
}
