/* src/ops/reduce.c: sum and mean over one dim (optionally keeping it) and
 * over every element.
 *
 * The input is viewed as (outer, len, inner) around the reduced dim. With
 * inner == 1 each output is a contiguous row sum; otherwise columns are
 * summed in strips of STRIP outputs, row by row, into double accumulators.
 * Every result is a double sum in a fixed order, so it does not depend on
 * the number of threads. */
#include "ops/ops_internal.h"

#define STRIP 256     /* output columns per work item when inner > 1 */
#define CHUNK 16384   /* elements per partial sum in the full reductions */

/* Sum of x[0..n) in double. */
static inline double row_sum(const float *restrict x, int64_t n) {
    double acc = 0;
#pragma omp simd reduction(+:acc)
    for (int64_t i = 0; i < n; i++) acc += (double)x[i];
    return acc;
}

/* Sum of all n elements in fixed CHUNK pieces, each a thread's work. */
static double sum_all_f64(vl_ctx *c, const float *x, int64_t n) {
    int64_t nch = (n + CHUNK - 1) / CHUNK;
    if (nch <= 1) return row_sum(x, n);
    double *part = vl_arena_alloc(&c->arena, (size_t)nch * sizeof(double));
#pragma omp parallel for schedule(static) if (n > VL_PAR_MIN)
    for (int64_t k = 0; k < nch; k++) {
        int64_t i0 = k * CHUNK, len = n - i0 < CHUNK ? n - i0 : CHUNK;
        part[k] = row_sum(x + i0, len);
    }
    double acc = 0;
    for (int64_t k = 0; k < nch; k++) acc += part[k];
    return acc;
}

/* ---- over one dim ---- */
static void reduce_dim_backward(vl_ctx *c, vl_node *node) {
    vl_tensor *a = node->in[0]; /* (outer, len, inner) */
    float *ga = vl_in_grad(c, a);
    if (!ga) return;
    const float *g = node->out->grad; /* (outer, inner) */
    int d = node->iarg[0];
    const float scale = node->farg[0];
    int64_t outer = vl_span(a, 0, d), len = a->shape[d];
    int64_t inner = vl_span(a, d + 1, a->ndim);
    if (inner == 1) {
#pragma omp parallel for schedule(static) if (a->numel > VL_PAR_MIN)
        for (int64_t o = 0; o < outer; o++) {
            float *restrict dst = ga + o * len;
            const float v = g[o] * scale;
#pragma omp simd
            for (int64_t k = 0; k < len; k++) dst[k] += v;
        }
        return;
    }
#pragma omp parallel for collapse(2) schedule(static) if (a->numel > VL_PAR_MIN)
    for (int64_t o = 0; o < outer; o++)
        for (int64_t k = 0; k < len; k++) {
            float *restrict dst = ga + (o * len + k) * inner;
            const float *restrict src = g + o * inner;
#pragma omp simd
            for (int64_t j = 0; j < inner; j++) dst[j] += src[j] * scale;
        }
}

static vl_tensor *reduce_dim(vl_ctx *c, const char *name, vl_tensor *a,
                             int dim, bool keepdim, bool mean) {
    a = vl_dense(c, a);
    int d = vl_dim(a, dim);
    int64_t outer = vl_span(a, 0, d), len = a->shape[d];
    int64_t inner = vl_span(a, d + 1, a->ndim);
    int shape[VL_MAX_DIMS], nd = 0;
    for (int k = 0; k < a->ndim; k++) {
        if (k != d) shape[nd++] = a->shape[k];
        else if (keepdim) shape[nd++] = 1;
    }
    if (nd == 0) shape[nd++] = 1; /* (n) -> (1), as vl_sum_all */
    vl_tensor *out = vl_tensor_new(c, nd, shape); /* (outer, inner) */
    const float scale = mean ? 1.0f / (float)len : 1.0f; /* backward */
    const double inv = mean ? 1.0 / (double)len : 1.0;
    const float *x = a->data;
    float *y = out->data;
    bool par = a->numel > VL_PAR_MIN;
    if (inner == 1 && outer == 1) {
        y[0] = (float)(sum_all_f64(c, x, len) * inv);
    } else if (inner == 1) {
#pragma omp parallel for schedule(static) if (par)
        for (int64_t o = 0; o < outer; o++)
            y[o] = (float)(row_sum(x + o * len, len) * inv);
    } else {
        int64_t nstrip = (inner + STRIP - 1) / STRIP;
#pragma omp parallel for schedule(static) if (par)
        for (int64_t it = 0; it < outer * nstrip; it++) {
            int64_t o = it / nstrip, j0 = it % nstrip * STRIP;
            int64_t w = inner - j0 < STRIP ? inner - j0 : STRIP;
            double acc[STRIP];
            for (int64_t j = 0; j < w; j++) acc[j] = 0;
            for (int64_t k = 0; k < len; k++) {
                const float *restrict src = x + (o * len + k) * inner + j0;
#pragma omp simd
                for (int64_t j = 0; j < w; j++) acc[j] += (double)src[j];
            }
            float *dst = y + o * inner + j0;
            for (int64_t j = 0; j < w; j++) dst[j] = (float)(acc[j] * inv);
        }
    }
    vl_node *n = vl_record(c, name, reduce_dim_backward, out, 1, &a);
    if (n) {
        n->iarg[0] = d;
        n->farg[0] = scale;
    }
    return out;
}

vl_tensor *vl_sum(vl_ctx *c, vl_tensor *a, int dim, bool keepdim) {
    return reduce_dim(c, "sum", a, dim, keepdim, false);
}

vl_tensor *vl_mean(vl_ctx *c, vl_tensor *a, int dim, bool keepdim) {
    return reduce_dim(c, "mean", a, dim, keepdim, true);
}

/* ---- over everything -> (1) ---- */
static void reduce_all_backward(vl_ctx *c, vl_node *node) {
    vl_tensor *a = node->in[0];
    float *restrict ga = vl_in_grad(c, a);
    if (!ga) return;
    const float v = node->out->grad[0] * node->farg[0];
    int64_t n = a->numel;
#pragma omp parallel for simd schedule(static) if (parallel: n > VL_PAR_MIN)
    for (int64_t i = 0; i < n; i++) ga[i] += v;
}

static vl_tensor *reduce_all(vl_ctx *c, const char *name, vl_tensor *a,
                             bool mean) {
    a = vl_dense(c, a);
    vl_tensor *out = vl_tensor_new(c, 1, (int[]){1});
    const float scale = mean ? 1.0f / (float)a->numel : 1.0f;
    double s = sum_all_f64(c, a->data, a->numel);
    out->data[0] = (float)(mean ? s / (double)a->numel : s);
    vl_node *n = vl_record(c, name, reduce_all_backward, out, 1, &a);
    if (n) n->farg[0] = scale;
    return out;
}

vl_tensor *vl_sum_all(vl_ctx *c, vl_tensor *a) {
    return reduce_all(c, "sum_all", a, false);
}

vl_tensor *vl_mean_all(vl_ctx *c, vl_tensor *a) {
    return reduce_all(c, "mean_all", a, true);
}
