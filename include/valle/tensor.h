/* valle/tensor.h: float32 tensors with strides and the autograd tape.
 *
 * A tensor's data may be a strided view (transpose, slice); its gradient is
 * always a contiguous buffer of the same logical shape, allocated lazily.
 * Tensors made inside a step live in the context's arena; parameters live
 * in a vl_params buffer (see nn.h) and survive vl_ctx_reset.
 *
 * Usage:
 *   vl_tensor *a = vl_tensor_new(c, 2, (int[]){2, 3});
 *   vl_tensor *b = vl_transpose(c, a, 0, 1);     // view, shares data
 *   vl_tensor *d = vl_contiguous(c, b);          // copy when strided
 *   vl_backward(c, loss);                         // loss: a 1-element tensor
 */
#ifndef VALLE_TENSOR_H
#define VALLE_TENSOR_H

#include "valle/core.h"

#define VL_MAX_DIMS 4

struct vl_tensor {
    float *data;                   /* first element; layout from stride */
    float *grad;                   /* contiguous, logical shape; NULL = zero */
    int ndim;
    int shape[VL_MAX_DIMS];
    int64_t stride[VL_MAX_DIMS];   /* in elements */
    int64_t numel;
    bool requires_grad;
    bool is_leaf;                  /* parameter or user input: grad kept */
    const char *name;              /* parameters: the state_dict key */
};

/* ---- tape nodes: one per recorded op ---- */
typedef void (*vl_backward_fn)(vl_ctx *c, vl_node *n);
#define VL_NODE_MAX_IN 4
struct vl_node {
    vl_node *prev;
    vl_backward_fn backward;
    const char *op;                /* for debugging */
    vl_tensor *out;
    vl_tensor *in[VL_NODE_MAX_IN];
    int n_in;
    int iarg[6];
    float farg[4];
    void *saved;                   /* op-specific arena memory */
};

/* ---- creation (arena) ---- */
vl_tensor *vl_tensor_new(vl_ctx *c, int ndim, const int *shape);   /* uninit */
vl_tensor *vl_tensor_zeros(vl_ctx *c, int ndim, const int *shape);
vl_tensor *vl_tensor_full(vl_ctx *c, int ndim, const int *shape, float v);
vl_tensor *vl_tensor_from(vl_ctx *c, int ndim, const int *shape,
                          const float *src);                        /* copies */
/* Wraps caller memory without copying (no grad unless requested). */
vl_tensor *vl_tensor_wrap(vl_ctx *c, int ndim, const int *shape, float *data);
/* Marks a leaf as needing a gradient (allocated zeroed in the arena). */
void vl_requires_grad(vl_ctx *c, vl_tensor *t);

/* Fills `t` (which must not be a view) from its shape/stride metadata. */
void vl_tensor_set_shape(vl_tensor *t, int ndim, const int *shape);

/* ---- queries ---- */
bool vl_is_contiguous(const vl_tensor *t);
bool vl_same_shape(const vl_tensor *a, const vl_tensor *b);
/* Negative dims count from the end, as in PyTorch. */
int vl_dim(const vl_tensor *t, int d);
/* Element at a multi-index (slow, for tests and tools). */
float vl_get(const vl_tensor *t, const int *idx);
/* Copies the logical contents into dst (numel floats), any layout. */
void vl_copy_out(const vl_tensor *t, float *dst);
void vl_tensor_print(const vl_tensor *t, const char *label);

/* ---- autograd ---- */
/* Records an op if grad is on and any input needs a gradient; returns the
 * node (its fields already filled) or NULL when nothing is recorded. */
vl_node *vl_record(vl_ctx *c, const char *op, vl_backward_fn bw,
                   vl_tensor *out, int n_in, vl_tensor *const *in);
/* The gradient buffer of t, allocated zeroed on first use. */
float *vl_grad_of(vl_ctx *c, vl_tensor *t);
/* Seeds d(loss)/d(loss) = 1 and runs every recorded backward in reverse. */
void vl_backward(vl_ctx *c, vl_tensor *loss);
/* As vl_backward, but seeds out's gradient with `grad` (out->numel values,
 * contiguous): a vector-Jacobian product through the tape. */
void vl_backward_grad(vl_ctx *c, vl_tensor *out, const float *grad);

#endif
