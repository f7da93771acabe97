/* src/ops/dropout.c: inverted dropout. Element i is dropped when
 * vl_hash_uniform(key, i) < p, with one key drawn from c->rng per call, so
 * the mask is reproducible and independent of the thread count. The key is
 * kept in the tape node and the mask recomputed in backward; nothing else
 * is stored. Kept elements are scaled by 1 / (1 - p). */
#include "ops/ops_internal.h"

/* Same bits as vl_hash_uniform (src/core/rng.c), inlined so the mask loop
 * vectorises: element i is dropped when (bits >> 40) * 2^-24 < p, i.e.
 * when (bits >> 40) < ceil(p * 2^24). */
static inline uint64_t hash_bits(uint64_t key, uint64_t i) {
    uint64_t z = (key ^ (i * 0xD1B54A32D192ED03ull)) + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (z ^ (z >> 31)) >> 40;
}

/* dst[i] = keep(i) ? src[i] * scale : 0, and dst += when accumulate. */
static void apply_mask(float *restrict dst, const float *restrict src,
                       int64_t n, uint64_t key, uint64_t thresh, float scale,
                       bool accumulate) {
    if (accumulate) {
#pragma omp parallel for simd schedule(static) if (parallel: n > VL_PAR_MIN)
        for (int64_t i = 0; i < n; i++)
            dst[i] += hash_bits(key, (uint64_t)i) < thresh ? 0.0f : src[i] * scale;
    } else {
#pragma omp parallel for simd schedule(static) if (parallel: n > VL_PAR_MIN)
        for (int64_t i = 0; i < n; i++)
            dst[i] = hash_bits(key, (uint64_t)i) < thresh ? 0.0f : src[i] * scale;
    }
}

static uint64_t threshold(float p) {
    return (uint64_t)ceilf(p * 16777216.0f);
}

static void dropout_backward(vl_ctx *c, vl_node *node) {
    vl_tensor *a = node->in[0];
    float *ga = vl_in_grad(c, a);
    if (!ga) return;
    const float p = node->farg[0];
    if (p >= 1.0f) return; /* everything dropped: zero gradient */
    uint64_t key;
    memcpy(&key, node->iarg, sizeof key);
    apply_mask(ga, node->out->grad, a->numel, key, threshold(p),
               1.0f / (1.0f - p), true);
}

vl_tensor *vl_dropout(vl_ctx *c, vl_tensor *a, float p) {
    VL_ASSERT(p >= 0.0f && p <= 1.0f, "dropout probability %g", (double)p);
    if (!c->training || p == 0.0f) return a;
    a = vl_dense(c, a);
    vl_tensor *out;
    uint64_t key = 0;
    if (p >= 1.0f) {
        out = vl_tensor_zeros(c, a->ndim, a->shape);
    } else {
        key = vl_rng_u64(&c->rng);
        out = vl_new_like(c, a); /* a's shape */
        apply_mask(out->data, a->data, a->numel, key, threshold(p),
                   1.0f / (1.0f - p), false);
    }
    vl_node *n = vl_record(c, "dropout", dropout_backward, out, 1, &a);
    if (n) {
        _Static_assert(sizeof n->iarg >= sizeof key, "key fits in iarg");
        memcpy(n->iarg, &key, sizeof key);
        n->farg[0] = p;
    }
    return out;
}
