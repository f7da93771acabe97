/* valle/nn.h: parameter storage and layers.
 *
 * All trainable parameters of a model live in one contiguous buffer
 * (vl_params.data) with views into it; gradients mirror it (vl_params.grad),
 * so zeroing, clipping, optimiser steps, checkpoints and all-reduces are
 * one pass. Non-trainable state (BatchNorm running statistics) lives in a
 * second buffer (vl_params.buf_data) and is saved with the model.
 *
 * Two phases: layers register their tensors with an init rule, then
 * vl_params_finalize allocates both buffers and initialises in order.
 *
 * Usage:
 *   vl_params P; vl_params_init(&P);
 *   vl_mlp mlp; vl_mlp_init(&mlp, &P, "", &cfg);
 *   vl_params_finalize(&P, seed);
 *   vl_tensor *y = vl_mlp_forward(c, &mlp, x);
 */
#ifndef VALLE_NN_H
#define VALLE_NN_H

#include "valle/ops.h"

typedef enum vl_init_kind {
    VL_INIT_ZEROS,
    VL_INIT_ONES,
    VL_INIT_UNIFORM,  /* U(-a, a) */
    VL_INIT_NORMAL    /* N(0, a^2) */
} vl_init_kind;

typedef struct vl_param_entry {
    char *name;             /* state_dict key */
    vl_tensor *t;           /* view into data (or buf_data) */
    int64_t offset;         /* elements from the start of its buffer */
    bool trainable;
    vl_init_kind init;
    float init_a;
} vl_param_entry;

typedef struct vl_params {
    float *data;            /* (n_train): all trainable parameters */
    float *grad;            /* (n_train) */
    float *buf_data;        /* (n_buf): non-trainable buffers */
    int64_t n_train, n_buf;
    vl_param_entry *entries;
    int count, cap;
    bool finalized;
} vl_params;

void vl_params_init(vl_params *p);
/* Registers a tensor; `prefix` and `name` are joined with '.' when prefix
 * is non-empty. Returns the tensor (data valid after finalize). */
vl_tensor *vl_params_add(vl_params *p, const char *prefix, const char *name,
                         int ndim, const int *shape, bool trainable,
                         vl_init_kind init, float init_a);
/* Allocates the buffers and applies each init rule in registration order
 * with an RNG seeded from `seed`. */
void vl_params_finalize(vl_params *p, uint64_t seed);
void vl_params_zero_grad(vl_params *p);
vl_param_entry *vl_params_find(vl_params *p, const char *name);
void vl_params_free(vl_params *p);

/* ---- Linear: y = x W^T + b, W (out, in), b (out) ---- */
typedef struct vl_linear_layer {
    vl_tensor *weight;      /* (out, in) */
    vl_tensor *bias;        /* (out) or NULL */
    int in, out;
} vl_linear_layer;
/* PyTorch default init: kaiming_uniform(a=sqrt 5) => U(+-1/sqrt(in)). */
void vl_linear_init(vl_linear_layer *l, vl_params *p, const char *prefix,
                    int in, int out, bool bias);
vl_tensor *vl_linear_forward(vl_ctx *c, vl_linear_layer *l, vl_tensor *x);

/* ---- Embedding: weight (V, D) ~ N(0, 1) ---- */
typedef struct vl_embedding_layer {
    vl_tensor *weight;      /* (V, D) */
    int num, dim;
} vl_embedding_layer;
void vl_embedding_init(vl_embedding_layer *e, vl_params *p, const char *prefix,
                       int num, int dim);
vl_tensor *vl_embedding_forward(vl_ctx *c, vl_embedding_layer *e,
                                const int *ids, int ndim, const int *shape);

/* ---- LayerNorm over the last dim ---- */
typedef struct vl_layernorm_layer {
    vl_tensor *weight, *bias;   /* (D), (D) */
    int dim;
    float eps;
} vl_layernorm_layer;
void vl_layernorm_init(vl_layernorm_layer *l, vl_params *p, const char *prefix,
                       int dim, float eps);
vl_tensor *vl_layernorm_forward(vl_ctx *c, vl_layernorm_layer *l,
                                vl_tensor *x);

/* ---- BatchNorm1d over (N, C) or (N, C, L) ---- */
typedef struct vl_batchnorm_layer {
    vl_tensor *weight, *bias;               /* (C), (C) trainable */
    vl_tensor *running_mean, *running_var;  /* (C), (C) buffers */
    vl_tensor *num_batches_tracked;         /* (1) buffer, stored as float */
    int channels;
    float momentum, eps;
} vl_batchnorm_layer;
void vl_batchnorm_init(vl_batchnorm_layer *b, vl_params *p, const char *prefix,
                       int channels, float momentum, float eps);
vl_tensor *vl_batchnorm_forward(vl_ctx *c, vl_batchnorm_layer *b,
                                vl_tensor *x);

/* ---- MLP: Linear -> [norm] -> act -> [dropout] ... -> Linear ---- */
typedef enum vl_activation {
    VL_ACT_RELU, VL_ACT_TANH, VL_ACT_SIGMOID, VL_ACT_GELU, VL_ACT_GELU_TANH
} vl_activation;
typedef enum vl_norm_kind { VL_NORM_NONE, VL_NORM_BATCH, VL_NORM_LAYER }
    vl_norm_kind;

#define VL_MLP_MAX_LAYERS 16
typedef struct vl_mlp_config {
    int in_dim, out_dim;
    int n_hidden;                        /* number of hidden layers */
    int hidden[VL_MLP_MAX_LAYERS];       /* their widths */
    vl_activation act;
    vl_norm_kind norm;
    float dropout;
} vl_mlp_config;

typedef struct vl_mlp {
    vl_mlp_config cfg;
    vl_linear_layer fc[VL_MLP_MAX_LAYERS + 1];       /* "fc.{i}" */
    vl_batchnorm_layer bn[VL_MLP_MAX_LAYERS];        /* "norm.{i}" */
    vl_layernorm_layer ln[VL_MLP_MAX_LAYERS];
} vl_mlp;

/* Parameter names: fc.{i}.weight/bias, norm.{i}.weight/bias(/running_*) */
void vl_mlp_init(vl_mlp *m, vl_params *p, const char *prefix,
                 const vl_mlp_config *cfg);
vl_tensor *vl_mlp_forward(vl_ctx *c, vl_mlp *m, vl_tensor *x);
vl_tensor *vl_activate(vl_ctx *c, vl_tensor *x, vl_activation act);
/* Name <-> enum, for the CLI and checkpoint metadata. */
int vl_activation_parse(const char *s, vl_activation *out);
const char *vl_activation_name(vl_activation a);
int vl_norm_parse(const char *s, vl_norm_kind *out);
const char *vl_norm_name(vl_norm_kind n);

#endif
