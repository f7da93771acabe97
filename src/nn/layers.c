/* src/nn/layers.c: Linear, Embedding, LayerNorm and BatchNorm1d layers:
 * parameter registration with PyTorch's default inits and state_dict
 * names, and forwards that call the fused ops. */
#include <math.h>

#include "valle/nn.h"

/* ---- Linear ---- */
void vl_linear_init(vl_linear_layer *l, vl_params *p, const char *prefix,
                    int in, int out, bool bias) {
    VL_ASSERT(in > 0 && out > 0, "linear %d -> %d", in, out);
    const float a = 1.0f / sqrtf((float)in);
    l->in = in;
    l->out = out;
    l->weight = vl_params_add(p, prefix, "weight", 2, (int[]){out, in}, true,
                              VL_INIT_UNIFORM, a);
    l->bias = bias ? vl_params_add(p, prefix, "bias", 1, (int[]){out}, true,
                                   VL_INIT_UNIFORM, a)
                   : NULL;
}

vl_tensor *vl_linear_forward(vl_ctx *c, vl_linear_layer *l, vl_tensor *x) {
    return vl_linear(c, x, l->weight, l->bias);   /* (..., out) */
}

/* ---- Embedding ---- */
void vl_embedding_init(vl_embedding_layer *e, vl_params *p, const char *prefix,
                       int num, int dim) {
    VL_ASSERT(num > 0 && dim > 0, "embedding %d x %d", num, dim);
    e->num = num;
    e->dim = dim;
    e->weight = vl_params_add(p, prefix, "weight", 2, (int[]){num, dim}, true,
                              VL_INIT_NORMAL, 1.0f);
}

vl_tensor *vl_embedding_forward(vl_ctx *c, vl_embedding_layer *e,
                                const int *ids, int ndim, const int *shape) {
    return vl_embedding(c, e->weight, ids, ndim, shape);   /* (shape..., D) */
}

/* ---- LayerNorm ---- */
void vl_layernorm_init(vl_layernorm_layer *l, vl_params *p, const char *prefix,
                       int dim, float eps) {
    VL_ASSERT(dim > 0, "layernorm dim %d", dim);
    l->dim = dim;
    l->eps = eps;
    l->weight = vl_params_add(p, prefix, "weight", 1, (int[]){dim}, true,
                              VL_INIT_ONES, 0.0f);
    l->bias = vl_params_add(p, prefix, "bias", 1, (int[]){dim}, true,
                            VL_INIT_ZEROS, 0.0f);
}

vl_tensor *vl_layernorm_forward(vl_ctx *c, vl_layernorm_layer *l,
                                vl_tensor *x) {
    VL_ASSERT(x->shape[x->ndim - 1] == l->dim, "layernorm expects last dim %d, got %d",
              l->dim, x->shape[x->ndim - 1]);
    return vl_layernorm(c, x, l->weight, l->bias, l->eps);   /* (..., D) */
}

/* ---- BatchNorm1d ---- */
void vl_batchnorm_init(vl_batchnorm_layer *b, vl_params *p, const char *prefix,
                       int channels, float momentum, float eps) {
    VL_ASSERT(channels > 0, "batchnorm channels %d", channels);
    b->channels = channels;
    b->momentum = momentum;
    b->eps = eps;
    const int sh[1] = {channels};
    b->weight = vl_params_add(p, prefix, "weight", 1, sh, true, VL_INIT_ONES, 0);
    b->bias = vl_params_add(p, prefix, "bias", 1, sh, true, VL_INIT_ZEROS, 0);
    b->running_mean = vl_params_add(p, prefix, "running_mean", 1, sh, false,
                                    VL_INIT_ZEROS, 0);
    b->running_var = vl_params_add(p, prefix, "running_var", 1, sh, false,
                                   VL_INIT_ONES, 0);
    b->num_batches_tracked = vl_params_add(p, prefix, "num_batches_tracked", 1,
                                           (int[]){1}, false, VL_INIT_ZEROS, 0);
}

/* Training: batch statistics, running stats updated and num_batches_tracked
 * incremented. A negative momentum means PyTorch's momentum=None
 * (cumulative average, factor 1/num_batches_tracked). Eval: running stats. */
vl_tensor *vl_batchnorm_forward(vl_ctx *c, vl_batchnorm_layer *b,
                                vl_tensor *x) {
    VL_ASSERT(x->ndim >= 2 && x->shape[1] == b->channels,
              "batchnorm expects (N, %d[, L])", b->channels);
    float m = b->momentum;
    if (c->training) {
        float nbt = b->num_batches_tracked->data[0] += 1.0f;
        if (m < 0) m = 1.0f / nbt;
    }
    return vl_batchnorm(c, x, b->weight, b->bias, b->running_mean->data,
                        b->running_var->data, m, b->eps);   /* x's shape */
}
