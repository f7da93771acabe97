/* src/ops/ops_internal.h: helpers shared by the op kernels (not public). */
#ifndef VALLE_OPS_INTERNAL_H
#define VALLE_OPS_INTERNAL_H

#include <math.h>
#include <string.h>

#include "valle/ops.h"

/* Loops shorter than this run on one thread (threads cost ~1-5 us). */
#define VL_PAR_MIN 32768

/* New contiguous arena tensor with a's shape. */
static inline vl_tensor *vl_new_like(vl_ctx *c, const vl_tensor *a) {
    return vl_tensor_new(c, a->ndim, a->shape);
}

/* a itself when contiguous, else a recorded contiguous copy. */
static inline vl_tensor *vl_dense(vl_ctx *c, vl_tensor *a) {
    return vl_is_contiguous(a) ? a : vl_contiguous(c, a);
}

/* Product of shape[from..to). */
static inline int64_t vl_span(const vl_tensor *t, int from, int to) {
    int64_t n = 1;
    for (int d = from; d < to; d++) n *= t->shape[d];
    return n;
}

/* Gradient buffer of an input if it needs one, else NULL. */
static inline float *vl_in_grad(vl_ctx *c, vl_tensor *t) {
    return (t && t->requires_grad) ? vl_grad_of(c, t) : NULL;
}

#endif
