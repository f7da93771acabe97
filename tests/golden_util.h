/* tests/golden_util.h: shared helpers of the golden tests (fixtures from
 * the generators in scripts/fixtures/, kept in
 * tests/golden/data/<case>.safetensors).
 *
 * Pass criterion per tensor: |got - ref| <= GOLDEN_TOL * max(|ref|, floor)
 * with floor = max(1e-6, 0.1 * max|ref| over the tensor): elements far below
 * the tensor's scale are rounding noise of float32 sums (PyTorch's own
 * float32 run misses 1e-5 on them with a bare 1e-6 floor). The bare-floor
 * number is printed too. A reference that is zero up to rounding (max|ref|
 * < 1e-9, e.g. the bias gradient of a Linear feeding BatchNorm) is checked
 * as max|got| <= 1e-6 instead. */
#ifndef VALLE_GOLDEN_UTIL_H
#define VALLE_GOLDEN_UTIL_H

#include "harness.h"
#include "valle/io.h"
#include "valle/nn.h"

#define GOLDEN_TOL 1e-5

/* Remembers p for pool_free(); returns p. */
void *track(void *p);
void pool_free(void);
/* Opens tests/golden/data/<name>.safetensors (a failed CHECK if absent). */
bool open_fx(vl_safetensors *st, const char *name);
/* Float / int fixture tensor of exactly `want` values (zeros + a failure
 * when missing or mis-sized); the buffer is tracked. */
float *fx(const vl_safetensors *st, const char *name, int64_t want);
int *fx_int(const vl_safetensors *st, const char *name, int64_t want);
/* Compares n values with the reference and prints the worst error. */
void cmp(const char *label, const float *got, const float *ref, int64_t n);
void cmp_t(const char *label, const vl_tensor *t, const float *ref, int64_t n);
/* g == NULL means an all-zero gradient. */
void cmp_g(const char *label, const float *g, const float *ref, int64_t n);
void check_shape(const char *label, const vl_tensor *t, int ndim,
                 const int *shape);
int64_t prod(int ndim, const int *shape);
/* A leaf input with a gradient, from fixture data. */
vl_tensor *input(vl_ctx *c, int ndim, const int *shape, const float *data);

#endif
