/* src/ops/softmax.c: softmax and log-softmax over the last dim, and the
 * fused cross-entropy loss (log-softmax + NLL, mean over non-ignored rows).
 *
 * Every row is max-subtracted before exponentiating. Rows are independent,
 * so they are split across threads when the tensor is large; the loss sum
 * is taken in a fixed row order in double, independent of the thread
 * count. Exponentials use the vectorisable vexp of vmath.h. */
#include "ops/ops_internal.h"
#include "ops/vmath.h"

#include <stdint.h>

VINLINE float row_max(const float *restrict x, int64_t n) {
    float m = -INFINITY;
#pragma omp simd reduction(max:m)
    for (int64_t j = 0; j < n; j++) m = x[j] > m ? x[j] : m;
    return m;
}

/* sum_j exp(x[j] - m) */
VINLINE float row_sum_exp(const float *restrict x, float m, int64_t n) {
    float s = 0;
#pragma omp simd reduction(+:s)
    for (int64_t j = 0; j < n; j++) s += vexp(x[j] - m);
    return s;
}

/* ---- softmax ---- */
static void softmax_backward(vl_ctx *c, vl_node *node) {
    vl_tensor *a = node->in[0];
    float *ga = vl_in_grad(c, a);
    if (!ga) return;
    const float *ys = node->out->data, *gs = node->out->grad;
    int64_t C = a->shape[a->ndim - 1], rows = C ? a->numel / C : 0;
#pragma omp parallel for schedule(static) if (a->numel > VL_PAR_MIN)
    for (int64_t r = 0; r < rows; r++) {
        const float *restrict y = ys + r * C, *restrict g = gs + r * C;
        float *restrict gx = ga + r * C;
        float dot = 0;
#pragma omp simd reduction(+:dot)
        for (int64_t j = 0; j < C; j++) dot += g[j] * y[j];
#pragma omp simd
        for (int64_t j = 0; j < C; j++) gx[j] += y[j] * (g[j] - dot);
    }
}

vl_tensor *vl_softmax(vl_ctx *c, vl_tensor *a) {
    a = vl_dense(c, a);
    vl_tensor *out = vl_new_like(c, a); /* (..., C) */
    int64_t C = a->shape[a->ndim - 1], rows = C ? a->numel / C : 0;
    const float *xs = a->data;
    float *ys = out->data;
#pragma omp parallel for schedule(static) if (a->numel > VL_PAR_MIN)
    for (int64_t r = 0; r < rows; r++) {
        const float *restrict x = xs + r * C;
        float *restrict y = ys + r * C;
        const float m = row_max(x, C);
        float s = 0;
#pragma omp simd reduction(+:s)
        for (int64_t j = 0; j < C; j++) {
            float e = vexp(x[j] - m);
            y[j] = e;
            s += e;
        }
        const float inv = 1.0f / s;
#pragma omp simd
        for (int64_t j = 0; j < C; j++) y[j] *= inv;
    }
    vl_record(c, "softmax", softmax_backward, out, 1, &a);
    return out;
}

/* ---- log-softmax ---- */
static void log_softmax_backward(vl_ctx *c, vl_node *node) {
    vl_tensor *a = node->in[0];
    float *ga = vl_in_grad(c, a);
    if (!ga) return;
    const float *ys = node->out->data, *gs = node->out->grad;
    int64_t C = a->shape[a->ndim - 1], rows = C ? a->numel / C : 0;
#pragma omp parallel for schedule(static) if (a->numel > VL_PAR_MIN)
    for (int64_t r = 0; r < rows; r++) {
        const float *restrict y = ys + r * C, *restrict g = gs + r * C;
        float *restrict gx = ga + r * C;
        float sg = 0;
#pragma omp simd reduction(+:sg)
        for (int64_t j = 0; j < C; j++) sg += g[j];
#pragma omp simd
        for (int64_t j = 0; j < C; j++) gx[j] += g[j] - vexp(y[j]) * sg;
    }
}

vl_tensor *vl_log_softmax(vl_ctx *c, vl_tensor *a) {
    a = vl_dense(c, a);
    vl_tensor *out = vl_new_like(c, a); /* (..., C) */
    int64_t C = a->shape[a->ndim - 1], rows = C ? a->numel / C : 0;
    const float *xs = a->data;
    float *ys = out->data;
#pragma omp parallel for schedule(static) if (a->numel > VL_PAR_MIN)
    for (int64_t r = 0; r < rows; r++) {
        const float *restrict x = xs + r * C;
        float *restrict y = ys + r * C;
        const float m = row_max(x, C);
        const float ls = logf(row_sum_exp(x, m, C));
#pragma omp simd
        for (int64_t j = 0; j < C; j++) y[j] = (x[j] - m) - ls;
    }
    vl_record(c, "log_softmax", log_softmax_backward, out, 1, &a);
    return out;
}

/* ---- cross-entropy ---- */
typedef struct ce_saved {
    int *targets;   /* (rows), a copy: the caller's array may change */
    float *lse;     /* (rows) log-sum-exp of each non-ignored row */
    int64_t count;  /* rows not ignored */
    int ignore;
} ce_saved;

static void cross_entropy_backward(vl_ctx *c, vl_node *node) {
    vl_tensor *a = node->in[0];
    float *ga = vl_in_grad(c, a);
    const ce_saved *sv = node->saved;
    if (!ga || sv->count == 0) return;
    const float f = node->out->grad[0] / (float)sv->count;
    const float *xs = a->data;
    int64_t C = a->shape[a->ndim - 1], rows = a->numel / C;
#pragma omp parallel for schedule(static) if (a->numel > VL_PAR_MIN)
    for (int64_t r = 0; r < rows; r++) {
        int t = sv->targets[r];
        if (t == sv->ignore) continue;
        const float *restrict x = xs + r * C;
        float *restrict gx = ga + r * C;
        const float lse = sv->lse[r];
#pragma omp simd
        for (int64_t j = 0; j < C; j++) gx[j] += vexp(x[j] - lse) * f;
        gx[t] -= f;
    }
}

vl_tensor *vl_cross_entropy(vl_ctx *c, vl_tensor *logits, const int *targets,
                            int ignore_index) {
    logits = vl_dense(c, logits); /* (..., C) */
    int64_t C = logits->shape[logits->ndim - 1];
    VL_ASSERT(C > 0, "cross_entropy: no classes");
    int64_t rows = logits->numel / C;
    ce_saved *sv = vl_arena_alloc(&c->arena, sizeof *sv);
    sv->targets = vl_arena_alloc(&c->arena, (size_t)rows * sizeof(int));
    sv->lse = vl_arena_alloc(&c->arena, (size_t)rows * sizeof(float));
    sv->ignore = ignore_index;
    sv->count = 0;
    for (int64_t r = 0; r < rows; r++) {
        int t = targets[r];
        sv->targets[r] = t;
        if (t == ignore_index) continue;
        VL_ASSERT(t >= 0 && t < C, "cross_entropy: target %d of row %lld "
                  "outside [0, %lld)", t, (long long)r, (long long)C);
        sv->count++;
    }
    const float *xs = logits->data;
#pragma omp parallel for schedule(static) if (logits->numel > VL_PAR_MIN)
    for (int64_t r = 0; r < rows; r++) {
        if (sv->targets[r] == ignore_index) continue;
        const float *x = xs + r * C;
        const float m = row_max(x, C);
        sv->lse[r] = m + logf(row_sum_exp(x, m, C));
    }
    double loss = 0;
    for (int64_t r = 0; r < rows; r++) {
        int t = sv->targets[r];
        if (t != ignore_index) loss += (double)sv->lse[r] - xs[r * C + t];
    }
    vl_tensor *out = vl_tensor_new(c, 1, (int[]){1});
    out->data[0] = sv->count ? (float)(loss / (double)sv->count) : 0.0f;
    vl_node *n = vl_record(c, "cross_entropy", cross_entropy_backward, out,
                           1, &logits);
    if (n) n->saved = sv;
    return out;
}
