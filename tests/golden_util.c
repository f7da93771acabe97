/* tests/golden_util.c: helpers of the golden tests: reading fixture
 * tensors, comparing against them with the pass rule below, tracking
 * temporary buffers. See golden_util.h. */
#include "golden_util.h"

#include <stdlib.h>
#include <string.h>

/* Pass criterion per tensor: |got - ref| <= TOL * max(|ref|, floor) with
 * floor = max(FLOOR, SCALE_FLOOR * max|ref| over the tensor): elements far
 * below the tensor's scale are rounding noise of float32 sums (PyTorch's own
 * float32 run misses 1e-5 on them with a bare 1e-6 floor). The bare-floor
 * number (floor FLOOR alone) is printed too. A reference that is zero up to
 * rounding (max|ref| < ZERO_REF, e.g. the bias gradient of a Linear feeding
 * BatchNorm) is checked as max|got| <= ZERO_ABS instead. */
#define TOL GOLDEN_TOL
#define FLOOR 1e-6
#define SCALE_FLOOR 0.1
#define ZERO_REF 1e-9
#define ZERO_ABS 1e-6

static void *pool[1024];
static int npool;

void *track(void *p) {
    if (npool < (int)(sizeof pool / sizeof pool[0])) pool[npool++] = p;
    return p;
}

void pool_free(void) {
    while (npool > 0) free(pool[--npool]);
}

bool open_fx(vl_safetensors *st, const char *name) {
    char path[256];
    snprintf(path, sizeof path, "tests/golden/data/%s.safetensors", name);
    int rc = vl_st_open(st, path);
    CHECK_MSG(rc == VL_OK, "open %s: %s (%s)", path, vl_strerror(rc),
              vl_last_error());
    return rc == VL_OK;
}

/* Reads float tensor `name` (must hold `want` values). Always returns a
 * buffer of `want` floats (zeros after a recorded failure). */
float *fx(const vl_safetensors *st, const char *name, int64_t want) {
    float *buf = track(vl_xcalloc((size_t)(want > 0 ? want : 1), sizeof(float)));
    const vl_st_tensor *t = vl_st_find(st, name);
    if (!t) {
        test_fail_at(__FILE__, __LINE__, "fixture tensor %s missing", name);
        return buf;
    }
    if (t->numel != want) {
        test_fail_at(__FILE__, __LINE__, "fixture %s has %lld values, want %lld",
                     name, (long long)t->numel, (long long)want);
        return buf;
    }
    int rc = vl_st_read_f32(st, name, buf, t->ndim, t->shape);
    CHECK_MSG(rc == VL_OK, "read %s: %s", name, vl_last_error());
    return buf;
}

int *fx_int(const vl_safetensors *st, const char *name, int64_t want) {
    int *buf = track(vl_xcalloc((size_t)(want > 0 ? want : 1), sizeof(int)));
    const vl_st_tensor *t = vl_st_find(st, name);
    if (!t || t->numel != want) {
        test_fail_at(__FILE__, __LINE__, "fixture int tensor %s missing/size",
                     name);
        return buf;
    }
    int rc = vl_st_read_int(st, name, buf, t->ndim, t->shape);
    CHECK_MSG(rc == VL_OK, "read %s: %s", name, vl_last_error());
    return buf;
}

/* Compares n floats with the reference, prints the worst relative error. */
void cmp(const char *label, const float *got, const float *ref,
                int64_t n) {
    double maxref = 0, maxgot = 0;
    for (int64_t i = 0; i < n; i++) {
        if (fabs(ref[i]) > maxref) maxref = fabs(ref[i]);
        if (!(fabs(got[i]) <= maxgot)) maxgot = fabs(got[i]);
    }
    if (maxref < ZERO_REF) {
        printf("  %-36s zero ref: max |got| %.3g\n", label, maxgot);
        CHECK_MSG(maxgot <= ZERO_ABS, "%s: max |got| %.3g > %.0e for a zero "
                  "reference", label, maxgot, ZERO_ABS);
        return;
    }
    double floor = SCALE_FLOOR * maxref > FLOOR ? SCALE_FLOOR * maxref : FLOOR;
    long at = -1;
    double e = test_max_rel_err(got, ref, (long)n, floor, &at);
    double bare = test_max_rel_err(got, ref, (long)n, FLOOR, NULL);
    printf("  %-36s worst rel err %.3g (bare floor: %.3g)", label, e, bare);
    if (at >= 0)
        printf("  [%ld] got %.9g ref %.9g", at, (double)got[at],
               (double)ref[at]);
    printf("\n");
    CHECK_MSG(e <= TOL, "%s: rel err %.3g > %.0e at [%ld]", label, e, TOL, at);
}

/* Compares a tensor's values (any layout) with the reference. */
void cmp_t(const char *label, const vl_tensor *t, const float *ref,
                  int64_t n) {
    if (!t) {
        test_fail_at(__FILE__, __LINE__, "%s: NULL tensor", label);
        return;
    }
    if (t->numel != n) {
        test_fail_at(__FILE__, __LINE__, "%s: %lld values, want %lld", label,
                     (long long)t->numel, (long long)n);
        return;
    }
    float *buf = track(vl_xmalloc((size_t)n * sizeof(float)));
    vl_copy_out(t, buf);
    cmp(label, buf, ref, n);
}

/* Compares a gradient buffer (NULL means all zero) with the reference. */
void cmp_g(const char *label, const float *g, const float *ref,
                  int64_t n) {
    if (!g) g = track(vl_xcalloc((size_t)n, sizeof(float)));
    cmp(label, g, ref, n);
}

void check_shape(const char *label, const vl_tensor *t, int ndim,
                        const int *shape) {
    bool ok = t && t->ndim == ndim;
    for (int i = 0; ok && i < ndim; i++) ok = t->shape[i] == shape[i];
    CHECK_MSG(ok, "%s: wrong output shape", label);
}

int64_t prod(int ndim, const int *shape) {
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) n *= shape[i];
    return n;
}

/* A leaf input with a gradient, from fixture data. */
vl_tensor *input(vl_ctx *c, int ndim, const int *shape,
                        const float *data) {
    vl_tensor *x = vl_tensor_from(c, ndim, shape, data);
    vl_requires_grad(c, x);
    return x;
}

