/* src/ops/mask.c: masked_fill. Where the (broadcast) uint8 mask is nonzero
 * the output is `value`, elsewhere a; the gradient flows only where the
 * mask is zero. The mask is copied into the arena, since the caller's
 * buffer may change before backward. */
#include "ops/ops_internal.h"

#include <stdio.h>

typedef struct mask_saved {
    const uint8_t *mask;  /* contiguous, mask's own shape */
    int64_t st[4];        /* mask strides over a's dims, left-padded to 4 */
    int64_t n[4];         /* a's shape, left-padded to 4 */
} mask_saved;

/* Mask element strides for each of a's dims (0 where it broadcasts);
 * aborts if mask does not broadcast to a. */
static void mask_geom(mask_saved *sv, const vl_tensor *a, int mask_ndim,
                      const int *mask_shape) {
    VL_ASSERT(mask_ndim >= 0 && mask_ndim <= VL_MAX_DIMS, "mask ndim %d",
              mask_ndim);
    int pad = 4 - a->ndim;
    for (int d = 0; d < 4; d++) {
        sv->n[d] = d < pad ? 1 : a->shape[d - pad];
        sv->st[d] = 0;
    }
    int64_t stride = 1;
    for (int k = mask_ndim - 1; k >= 0; k--) {
        int d = a->ndim - (mask_ndim - k); /* a's dim aligned with k */
        int m = mask_shape[k];
        if (m != 1) {
            VL_ASSERT(d >= 0 && m == a->shape[d],
                      "masked_fill: mask dim %d (size %d) does not broadcast "
                      "to dim %d of a (%d-d)", k, m, d, a->ndim);
            sv->st[d + pad] = stride;
        }
        stride *= m;
    }
}

/* Calls BODY(x_index, mask_byte) over every element of a, rows in parallel. */
#define FOR_EACH_MASKED(sv, BODY)                                       \
    do {                                                                       \
        const int64_t n1 = (sv)->n[1], n2 = (sv)->n[2], n3 = (sv)->n[3];       \
        const int64_t rows = (sv)->n[0] * n1 * n2, count = rows * n3;          \
        _Pragma("omp parallel for schedule(static) if (count > VL_PAR_MIN)")   \
        for (int64_t r = 0; r < rows; r++) {                                   \
            int64_t i2 = r % n2, i1 = r / n2 % n1, i0 = r / n2 / n1;           \
            const uint8_t *mrow = (sv)->mask + i0 * (sv)->st[0] +              \
                                  i1 * (sv)->st[1] + i2 * (sv)->st[2];         \
            const int64_t ms = (sv)->st[3], base = r * n3;                     \
            if (ms) {                                                          \
                _Pragma("omp simd")                                            \
                for (int64_t j = 0; j < n3; j++) {                             \
                    const int64_t i = base + j;                                \
                    const uint8_t mk = mrow[j];                                \
                    BODY;                                                      \
                }                                                              \
            } else {                                                           \
                const uint8_t mk = mrow[0];                                    \
                _Pragma("omp simd")                                            \
                for (int64_t j = 0; j < n3; j++) {                             \
                    const int64_t i = base + j;                                \
                    BODY;                                                      \
                }                                                              \
            }                                                                  \
        }                                                                      \
    } while (0)

static void masked_fill_backward(vl_ctx *c, vl_node *node) {
    vl_tensor *a = node->in[0];
    float *restrict ga = vl_in_grad(c, a);
    if (!ga) return;
    const mask_saved *sv = node->saved;
    const float *restrict g = node->out->grad;
    FOR_EACH_MASKED(sv, ga[i] += mk ? 0.0f : g[i]);
}

vl_tensor *vl_masked_fill(vl_ctx *c, vl_tensor *a, const uint8_t *mask,
                          int mask_ndim, const int *mask_shape, float value) {
    a = vl_dense(c, a);
    mask_saved *sv = vl_arena_alloc(&c->arena, sizeof *sv);
    mask_geom(sv, a, mask_ndim, mask_shape);
    int64_t mn = 1;
    for (int k = 0; k < mask_ndim; k++) mn *= mask_shape[k];
    uint8_t *mcopy = vl_arena_alloc(&c->arena, (size_t)mn);
    memcpy(mcopy, mask, (size_t)mn);
    sv->mask = mcopy;
    vl_tensor *out = vl_new_like(c, a); /* a's shape */
    const float *restrict x = a->data;
    float *restrict y = out->data;
    FOR_EACH_MASKED(sv, y[i] = mk ? value : x[i]);
    vl_node *n = vl_record(c, "masked_fill", masked_fill_backward, out, 1, &a);
    if (n) n->saved = sv;
    return out;
}
