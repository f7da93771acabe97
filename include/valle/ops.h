/* valle/ops.h: differentiable tensor ops. Each has a forward kernel and a
 * hand-written backward kernel; outputs are new contiguous arena tensors
 * except the view ops (reshape, transpose, slice), which share data.
 * Dims may be negative (counted from the end), as in PyTorch.
 *
 * Usage:
 *   vl_tensor *h = vl_relu(c, vl_linear(c, x, w, b));   // x (N, in), w (out, in)
 *   vl_tensor *loss = vl_cross_entropy(c, h, targets, -100);
 */
#ifndef VALLE_OPS_H
#define VALLE_OPS_H

#include "valle/tensor.h"

/* ---- matrix products ---- */
/* a (..., M, K) @ b (..., K, N) -> (..., M, N). Batch dims broadcast when b
 * is 2-D. Transposed views of the last two dims go to sgemm without a copy. */
vl_tensor *vl_matmul(vl_ctx *c, vl_tensor *a, vl_tensor *b);
/* x (..., in) @ w^T (out, in) + b (out) -> (..., out); b may be NULL. */
vl_tensor *vl_linear(vl_ctx *c, vl_tensor *x, vl_tensor *w, vl_tensor *b);

/* ---- broadcasting binary ops (NumPy rules, up to 4 dims) ---- */
vl_tensor *vl_add(vl_ctx *c, vl_tensor *a, vl_tensor *b);
vl_tensor *vl_sub(vl_ctx *c, vl_tensor *a, vl_tensor *b);
vl_tensor *vl_mul(vl_ctx *c, vl_tensor *a, vl_tensor *b);
vl_tensor *vl_div(vl_ctx *c, vl_tensor *a, vl_tensor *b);
/* a * s + t, elementwise with scalars */
vl_tensor *vl_scale(vl_ctx *c, vl_tensor *a, float s, float t);

/* ---- reductions ---- */
/* Sum / mean over dim (keepdim keeps it as size 1). */
vl_tensor *vl_sum(vl_ctx *c, vl_tensor *a, int dim, bool keepdim);
vl_tensor *vl_mean(vl_ctx *c, vl_tensor *a, int dim, bool keepdim);
/* Sum / mean of every element -> shape (1). */
vl_tensor *vl_sum_all(vl_ctx *c, vl_tensor *a);
vl_tensor *vl_mean_all(vl_ctx *c, vl_tensor *a);

/* ---- elementwise unary ---- */
vl_tensor *vl_exp(vl_ctx *c, vl_tensor *a);
vl_tensor *vl_log(vl_ctx *c, vl_tensor *a);
vl_tensor *vl_tanh(vl_ctx *c, vl_tensor *a);
vl_tensor *vl_sigmoid(vl_ctx *c, vl_tensor *a);
vl_tensor *vl_relu(vl_ctx *c, vl_tensor *a);
vl_tensor *vl_gelu(vl_ctx *c, vl_tensor *a);        /* exact (erf) */
vl_tensor *vl_gelu_tanh(vl_ctx *c, vl_tensor *a);   /* tanh approximation */

/* ---- softmax family (over the last dim) ---- */
vl_tensor *vl_softmax(vl_ctx *c, vl_tensor *a);
vl_tensor *vl_log_softmax(vl_ctx *c, vl_tensor *a);
/* logits (N, C) or (..., C), targets: N ints (-1 class ids); rows whose
 * target == ignore_index are skipped; mean over the rest -> shape (1).
 * Fused with log-softmax. If every row is ignored the loss is 0. */
vl_tensor *vl_cross_entropy(vl_ctx *c, vl_tensor *logits, const int *targets,
                            int ignore_index);

/* ---- regularisation ---- */
/* Inverted dropout with probability p; identity when !c->training or p==0. */
vl_tensor *vl_dropout(vl_ctx *c, vl_tensor *a, float p);

/* ---- lookup ---- */
/* weight (V, D), ids n ints with shape `ndim`/`shape` -> (shape..., D).
 * Ids outside [0, V) abort: callers validate user data first. */
vl_tensor *vl_embedding(vl_ctx *c, vl_tensor *weight, const int *ids,
                        int ndim, const int *shape);

/* ---- shape ops ---- */
/* shape may contain one -1. A strided input is copied first. View. */
vl_tensor *vl_reshape(vl_ctx *c, vl_tensor *a, int ndim, const int *shape);
vl_tensor *vl_transpose(vl_ctx *c, vl_tensor *a, int d0, int d1);    /* view */
/* Elements [start, end) of dim, view. */
vl_tensor *vl_slice(vl_ctx *c, vl_tensor *a, int dim, int start, int end);
vl_tensor *vl_contiguous(vl_ctx *c, vl_tensor *a);   /* a itself if already */
vl_tensor *vl_concat(vl_ctx *c, vl_tensor *const *ts, int n, int dim);
/* Splits dim into n pieces of the given sizes (views). */
void vl_split(vl_ctx *c, vl_tensor *a, int dim, int n, const int *sizes,
              vl_tensor **out);

/* ---- masking ---- */
/* Where mask is nonzero, value; else a. mask has a's shape or broadcasts to
 * it (uint8, contiguous, its own shape given by mask_ndim/mask_shape). */
vl_tensor *vl_masked_fill(vl_ctx *c, vl_tensor *a, const uint8_t *mask,
                          int mask_ndim, const int *mask_shape, float value);

/* ---- normalisation (fused kernels) ---- */
/* LayerNorm over the last dim; gamma/beta (D) may be NULL. */
vl_tensor *vl_layernorm(vl_ctx *c, vl_tensor *x, vl_tensor *gamma,
                        vl_tensor *beta, float eps);
/* BatchNorm over (N, C) or (N, C, L). Training: batch statistics (biased
 * variance to normalise, unbiased into the running variance), running
 * stats updated with momentum; eval: running stats. running_* (C) may be
 * NULL (then training stats are always used). gamma/beta may be NULL. */
vl_tensor *vl_batchnorm(vl_ctx *c, vl_tensor *x, vl_tensor *gamma,
                        vl_tensor *beta, float *running_mean,
                        float *running_var, float momentum, float eps);

#endif
