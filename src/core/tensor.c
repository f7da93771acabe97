/* src/core/tensor.c: tensor creation in the arena, layout queries and
 * strided copies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "valle/tensor.h"

void vl_tensor_set_shape(vl_tensor *t, int ndim, const int *shape) {
    VL_ASSERT(ndim >= 0 && ndim <= VL_MAX_DIMS, "ndim %d", ndim);
    t->ndim = ndim;
    int64_t n = 1;
    for (int d = ndim - 1; d >= 0; d--) {
        VL_ASSERT(shape[d] >= 0, "negative dim");
        t->shape[d] = shape[d];
        t->stride[d] = n;
        n *= shape[d];
    }
    for (int d = ndim; d < VL_MAX_DIMS; d++) {
        t->shape[d] = 1;
        t->stride[d] = 0;
    }
    t->numel = n;
}

static vl_tensor *tensor_header(vl_ctx *c, int ndim, const int *shape) {
    vl_tensor *t = vl_arena_calloc(&c->arena, sizeof *t);
    vl_tensor_set_shape(t, ndim, shape);
    return t;
}

vl_tensor *vl_tensor_new(vl_ctx *c, int ndim, const int *shape) {
    vl_tensor *t = tensor_header(c, ndim, shape);
    t->data = vl_arena_alloc(&c->arena, (size_t)t->numel * sizeof(float));
    return t;
}

vl_tensor *vl_tensor_zeros(vl_ctx *c, int ndim, const int *shape) {
    vl_tensor *t = tensor_header(c, ndim, shape);
    t->data = vl_arena_calloc(&c->arena, (size_t)t->numel * sizeof(float));
    return t;
}

vl_tensor *vl_tensor_full(vl_ctx *c, int ndim, const int *shape, float v) {
    vl_tensor *t = vl_tensor_new(c, ndim, shape);
    for (int64_t i = 0; i < t->numel; i++) t->data[i] = v;
    return t;
}

vl_tensor *vl_tensor_from(vl_ctx *c, int ndim, const int *shape,
                          const float *src) {
    vl_tensor *t = vl_tensor_new(c, ndim, shape);
    memcpy(t->data, src, (size_t)t->numel * sizeof(float));
    return t;
}

vl_tensor *vl_tensor_wrap(vl_ctx *c, int ndim, const int *shape, float *data) {
    vl_tensor *t = tensor_header(c, ndim, shape);
    t->data = data;
    return t;
}

void vl_requires_grad(vl_ctx *c, vl_tensor *t) {
    t->requires_grad = true;
    t->is_leaf = true;
    vl_grad_of(c, t);
}

bool vl_is_contiguous(const vl_tensor *t) {
    int64_t n = 1;
    for (int d = t->ndim - 1; d >= 0; d--) {
        if (t->shape[d] != 1 && t->stride[d] != n) return false;
        n *= t->shape[d];
    }
    return true;
}

bool vl_same_shape(const vl_tensor *a, const vl_tensor *b) {
    if (a->ndim != b->ndim) return false;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != b->shape[d]) return false;
    return true;
}

int vl_dim(const vl_tensor *t, int d) {
    int r = d < 0 ? d + t->ndim : d;
    VL_ASSERT(r >= 0 && r < t->ndim, "dim %d of a %d-d tensor", d, t->ndim);
    return r;
}

float vl_get(const vl_tensor *t, const int *idx) {
    int64_t off = 0;
    for (int d = 0; d < t->ndim; d++) off += (int64_t)idx[d] * t->stride[d];
    return t->data[off];
}

void vl_copy_out(const vl_tensor *t, float *dst) {
    if (vl_is_contiguous(t)) {
        memcpy(dst, t->data, (size_t)t->numel * sizeof(float));
        return;
    }
    /* Pad to 4 dims (leading size-1 dims) and walk. */
    int sh[4] = {1, 1, 1, 1};
    int64_t st[4] = {0, 0, 0, 0};
    int pad = 4 - t->ndim;
    for (int d = 0; d < t->ndim; d++) {
        sh[pad + d] = t->shape[d];
        st[pad + d] = t->stride[d];
    }
    int64_t k = 0;
    for (int i0 = 0; i0 < sh[0]; i0++)
        for (int i1 = 0; i1 < sh[1]; i1++)
            for (int i2 = 0; i2 < sh[2]; i2++) {
                const float *row = t->data + i0 * st[0] + i1 * st[1] + i2 * st[2];
                for (int i3 = 0; i3 < sh[3]; i3++) dst[k++] = row[i3 * st[3]];
            }
}

void vl_tensor_print(const vl_tensor *t, const char *label) {
    printf("%s: shape (", label ? label : "tensor");
    for (int d = 0; d < t->ndim; d++) printf(d ? ", %d" : "%d", t->shape[d]);
    printf(")\n");
    float *buf = vl_xmalloc((size_t)t->numel * sizeof(float));
    vl_copy_out(t, buf);
    int64_t n = t->numel < 16 ? t->numel : 16;
    for (int64_t i = 0; i < n; i++) printf(" %.6g", buf[i]);
    printf(t->numel > 16 ? " ...\n" : "\n");
    free(buf);
}
