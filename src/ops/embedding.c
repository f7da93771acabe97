/* src/ops/embedding.c: embedding lookup (rows of a table by id) and its
 * backward (scatter-add into the table's gradient). */
#include "ops_internal.h"

static void embedding_backward(vl_ctx *c, vl_node *n) {
    vl_tensor *w = n->in[0], *out = n->out;
    float *gw = vl_in_grad(c, w);
    if (!gw) return;
    const int *ids = n->saved;
    int D = w->shape[1];
    int64_t count = out->numel / (D ? D : 1);
    for (int64_t i = 0; i < count; i++) {
        float *dst = gw + (int64_t)ids[i] * D;
        const float *src = out->grad + i * D;
        for (int j = 0; j < D; j++) dst[j] += src[j];
    }
}

vl_tensor *vl_embedding(vl_ctx *c, vl_tensor *weight, const int *ids, int ndim,
                        const int *shape) {
    VL_ASSERT(weight->ndim == 2 && vl_is_contiguous(weight), "embedding (V, D)");
    VL_ASSERT(ndim >= 1 && ndim < VL_MAX_DIMS, "embedding ids of %d dims", ndim);
    int V = weight->shape[0], D = weight->shape[1];
    int oshape[VL_MAX_DIMS];
    int64_t count = 1;
    for (int d = 0; d < ndim; d++) {
        oshape[d] = shape[d];
        count *= shape[d];
    }
    oshape[ndim] = D;
    vl_tensor *out = vl_tensor_new(c, ndim + 1, oshape);
    for (int64_t i = 0; i < count; i++) {
        VL_ASSERT(ids[i] >= 0 && ids[i] < V, "embedding id %d outside [0, %d)",
                  ids[i], V);
        memcpy(out->data + i * D, weight->data + (int64_t)ids[i] * D,
               (size_t)D * sizeof(float));
    }
    vl_node *n = vl_record(c, "embedding", embedding_backward, out, 1, &weight);
    if (n) {
        int *copy = vl_arena_alloc(&c->arena, (size_t)count * sizeof(int));
        memcpy(copy, ids, (size_t)count * sizeof(int));
        n->saved = copy;
    }
    return out;
}
