/* tests/gradcheck.h: finite-difference gradient checks. The function under
 * test maps input tensors to an output; the scalar checked is
 * L = sum(out * r) with a fixed random r, accumulated in float64. The
 * analytic gradient comes from the tape seeded with r; the numeric one
 * from central differences (x +- eps) of L. The context RNG is re-seeded
 * before every evaluation, so dropout masks repeat.
 *
 * Usage:
 *   static vl_tensor *f(vl_ctx *c, vl_tensor **in, void *u) {
 *       return vl_tanh(c, in[0]);
 *   }
 *   gc_input in[1] = {{.ndim = 2, .shape = {3, 4}}};
 *   CHECK(gradcheck("tanh", f, NULL, 1, in, 1e-2, 1e-3));
 */
#ifndef VALLE_GRADCHECK_H
#define VALLE_GRADCHECK_H

#include "valle/nn.h"
#include "valle/ops.h"

typedef vl_tensor *(*gc_fn)(vl_ctx *c, vl_tensor **inputs, void *user);

typedef struct gc_input {
    int ndim;
    int shape[VL_MAX_DIMS];
    bool no_grad;        /* true: constant input, not checked */
    const float *init;   /* values; NULL: N(0, 1) * scale + shift */
    float scale, shift;  /* defaults 1, 0 (when scale == 0, 1 is used) */
} gc_input;

/* Returns true when every checked element satisfies
 * |num - ana| <= tol * max(1, |num|, |ana|). At most `max_elems` elements
 * per input are perturbed (spread over the tensor); 0 means all. Prints
 * the worst error per input. Extra params (e.g. layer weights living in a
 * vl_params) can be checked with gradcheck_params. */
bool gradcheck(const char *name, gc_fn f, void *user, int n_inputs,
               const gc_input *inputs, double eps, double tol);

/* Also checks the gradient of n_extra parameter tensors that f uses
 * (their data is perturbed in place, their grad buffers zeroed first). */
bool gradcheck_params(const char *name, gc_fn f, void *user, int n_inputs,
                      const gc_input *inputs, int n_extra,
                      vl_tensor *const *extra, double eps, double tol);

/* gradcheck_params over every trainable tensor of P (8 per call). */
bool gradcheck_all_params(const char *name, gc_fn f, void *user, int n_inputs,
                          const gc_input *inputs, vl_params *P, double eps,
                          double tol);

#endif
