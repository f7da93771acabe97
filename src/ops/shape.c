/* src/ops/shape.c: reshape, transpose, slice (views that share data),
 * contiguous copies, concat and split. A view's gradient is contiguous in
 * the view's own shape; its backward adds it into the parent's gradient at
 * the positions the view covers. */
#include "ops_internal.h"

/* dst[offset + sum(i_d * dst_stride[d])] += src[k++] over a 4-D index space
 * (shape padded with leading 1s). */
static void strided_accumulate(float *dst, int64_t offset, int ndim,
                               const int *shape, const int64_t *dst_stride,
                               const float *src) {
    int sh[4] = {1, 1, 1, 1};
    int64_t st[4] = {0, 0, 0, 0};
    int pad = 4 - ndim;
    for (int d = 0; d < ndim; d++) {
        sh[pad + d] = shape[d];
        st[pad + d] = dst_stride[d];
    }
    int64_t k = 0;
    for (int i0 = 0; i0 < sh[0]; i0++)
        for (int i1 = 0; i1 < sh[1]; i1++)
            for (int i2 = 0; i2 < sh[2]; i2++) {
                float *row = dst + offset + i0 * st[0] + i1 * st[1] + i2 * st[2];
                if (st[3] == 1) {
                    for (int i3 = 0; i3 < sh[3]; i3++) row[i3] += src[k + i3];
                    k += sh[3];
                } else {
                    for (int i3 = 0; i3 < sh[3]; i3++) row[i3 * st[3]] += src[k++];
                }
            }
}

static void contiguous_strides(const vl_tensor *t, int64_t *st) {
    int64_t n = 1;
    for (int d = t->ndim - 1; d >= 0; d--) {
        st[d] = n;
        n *= t->shape[d];
    }
}

static void add_flat(float *dst, const float *src, int64_t n) {
#pragma omp parallel for if (n > VL_PAR_MIN)
    for (int64_t i = 0; i < n; i++) dst[i] += src[i];
}

/* ---- contiguous ---- */
static void flat_backward(vl_ctx *c, vl_node *n) {
    float *g = vl_in_grad(c, n->in[0]);
    if (g) add_flat(g, n->out->grad, n->out->numel);
}

vl_tensor *vl_contiguous(vl_ctx *c, vl_tensor *a) {
    if (vl_is_contiguous(a)) return a;
    vl_tensor *out = vl_new_like(c, a);
    vl_copy_out(a, out->data);
    vl_record(c, "contiguous", flat_backward, out, 1, &a);
    return out;
}

/* ---- reshape ---- */
vl_tensor *vl_reshape(vl_ctx *c, vl_tensor *a, int ndim, const int *shape) {
    VL_ASSERT(ndim >= 1 && ndim <= VL_MAX_DIMS, "reshape to %d dims", ndim);
    a = vl_dense(c, a);
    int sh[VL_MAX_DIMS], infer = -1;
    int64_t known = 1;
    for (int d = 0; d < ndim; d++) {
        sh[d] = shape[d];
        if (shape[d] == -1) {
            VL_ASSERT(infer < 0, "reshape: more than one -1");
            infer = d;
        } else {
            known *= shape[d];
        }
    }
    if (infer >= 0) {
        VL_ASSERT(known > 0 && a->numel % known == 0, "reshape: cannot infer");
        sh[infer] = (int)(a->numel / known);
        known *= sh[infer];
    }
    VL_ASSERT(known == a->numel, "reshape: %lld elements into %lld",
              (long long)a->numel, (long long)known);
    vl_tensor *out = vl_tensor_wrap(c, ndim, sh, a->data);
    vl_record(c, "reshape", flat_backward, out, 1, &a);
    return out;
}

/* ---- transpose ---- */
static void transpose_backward(vl_ctx *c, vl_node *n) {
    vl_tensor *a = n->in[0], *out = n->out;
    float *g = vl_in_grad(c, a);
    if (!g) return;
    int64_t st[VL_MAX_DIMS];
    contiguous_strides(a, st);
    int64_t t = st[n->iarg[0]];
    st[n->iarg[0]] = st[n->iarg[1]];
    st[n->iarg[1]] = t;
    strided_accumulate(g, 0, out->ndim, out->shape, st, out->grad);
}

vl_tensor *vl_transpose(vl_ctx *c, vl_tensor *a, int d0, int d1) {
    d0 = vl_dim(a, d0);
    d1 = vl_dim(a, d1);
    vl_tensor *out = vl_arena_calloc(&c->arena, sizeof *out);
    *out = *a;
    out->grad = NULL;
    out->requires_grad = false;
    out->is_leaf = false;
    out->name = NULL;
    out->shape[d0] = a->shape[d1];
    out->shape[d1] = a->shape[d0];
    out->stride[d0] = a->stride[d1];
    out->stride[d1] = a->stride[d0];
    vl_node *n = vl_record(c, "transpose", transpose_backward, out, 1, &a);
    if (n) {
        n->iarg[0] = d0;
        n->iarg[1] = d1;
    }
    return out;
}

/* ---- slice ---- */
static void slice_backward(vl_ctx *c, vl_node *n) {
    vl_tensor *a = n->in[0], *out = n->out;
    float *g = vl_in_grad(c, a);
    if (!g) return;
    int64_t st[VL_MAX_DIMS];
    contiguous_strides(a, st);
    strided_accumulate(g, (int64_t)n->iarg[1] * st[n->iarg[0]], out->ndim,
                       out->shape, st, out->grad);
}

vl_tensor *vl_slice(vl_ctx *c, vl_tensor *a, int dim, int start, int end) {
    dim = vl_dim(a, dim);
    VL_ASSERT(0 <= start && start <= end && end <= a->shape[dim],
              "slice [%d, %d) of size %d", start, end, a->shape[dim]);
    vl_tensor *out = vl_arena_calloc(&c->arena, sizeof *out);
    *out = *a;
    out->grad = NULL;
    out->requires_grad = false;
    out->is_leaf = false;
    out->name = NULL;
    out->data = a->data + (int64_t)start * a->stride[dim];
    out->shape[dim] = end - start;
    out->numel = a->numel / (a->shape[dim] ? a->shape[dim] : 1) * (end - start);
    if (a->shape[dim] == 0) out->numel = 0;
    vl_node *n = vl_record(c, "slice", slice_backward, out, 1, &a);
    if (n) {
        n->iarg[0] = dim;
        n->iarg[1] = start;
    }
    return out;
}

void vl_split(vl_ctx *c, vl_tensor *a, int dim, int n, const int *sizes,
              vl_tensor **out) {
    dim = vl_dim(a, dim);
    int start = 0;
    for (int i = 0; i < n; i++) {
        out[i] = vl_slice(c, a, dim, start, start + sizes[i]);
        start += sizes[i];
    }
    VL_ASSERT(start == a->shape[dim], "split sizes sum to %d, dim is %d",
              start, a->shape[dim]);
}

/* ---- concat ---- */
static void concat_backward(vl_ctx *c, vl_node *n) {
    vl_tensor *out = n->out;
    int dim = n->iarg[0];
    int64_t outer = vl_span(out, 0, dim), inner = vl_span(out, dim + 1, out->ndim);
    int64_t row = out->shape[dim] * inner, off = 0;
    vl_tensor **ins = n->saved;
    for (int i = 0; i < n->iarg[1]; i++) {
        vl_tensor *t = ins[i];
        int64_t w = t->shape[dim] * inner;
        float *g = vl_in_grad(c, t);
        if (g)
            for (int64_t o = 0; o < outer; o++) {
                const float *src = out->grad + o * row + off;
                float *dst = g + o * w;
                for (int64_t k = 0; k < w; k++) dst[k] += src[k];
            }
        off += w;
    }
}

vl_tensor *vl_concat(vl_ctx *c, vl_tensor *const *ts, int n, int dim) {
    VL_ASSERT(n >= 1, "concat of nothing");
    dim = vl_dim(ts[0], dim);
    vl_tensor **dense = vl_arena_alloc(&c->arena, (size_t)n * sizeof *dense);
    int shape[VL_MAX_DIMS];
    memcpy(shape, ts[0]->shape, sizeof shape);
    shape[dim] = 0;
    bool needs_grad = false;
    for (int i = 0; i < n; i++) {
        VL_ASSERT(ts[i]->ndim == ts[0]->ndim, "concat: ranks differ");
        for (int d = 0; d < ts[0]->ndim; d++)
            VL_ASSERT(d == dim || ts[i]->shape[d] == ts[0]->shape[d],
                      "concat: dim %d differs (%d vs %d)", d, ts[i]->shape[d],
                      ts[0]->shape[d]);
        dense[i] = vl_dense(c, ts[i]);
        shape[dim] += ts[i]->shape[dim];
        needs_grad |= dense[i]->requires_grad;
    }
    vl_tensor *out = vl_tensor_new(c, ts[0]->ndim, shape);
    int64_t outer = vl_span(out, 0, dim), inner = vl_span(out, dim + 1, out->ndim);
    int64_t row = shape[dim] * inner, off = 0;
    for (int i = 0; i < n; i++) {
        int64_t w = dense[i]->shape[dim] * inner;
        for (int64_t o = 0; o < outer; o++)
            memcpy(out->data + o * row + off, dense[i]->data + o * w,
                   (size_t)w * sizeof(float));
        off += w;
    }
    /* The tape holds up to 4 inputs; the full list lives in `saved`. */
    if (needs_grad && c->grad_enabled) {
        vl_tensor *first[VL_NODE_MAX_IN] = {0};
        int k = 0;
        for (int i = 0; i < n && k < VL_NODE_MAX_IN; i++)
            if (dense[i]->requires_grad) first[k++] = dense[i];
        vl_node *node = vl_record(c, "concat", concat_backward, out, k, first);
        if (node) {
            node->iarg[0] = dim;
            node->iarg[1] = n;
            node->saved = dense;
        }
    }
    return out;
}
