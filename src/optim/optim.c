/* src/optim/optim.c: SGD, Adam and AdamW over one flat parameter buffer,
 * following PyTorch's single-tensor (foreach=False) implementations op for
 * op (torch/optim/sgd.py _single_tensor_sgd, adam.py _single_tensor_adam):
 *
 *   SGD:   g = grad + wd*p;  buf = g (first step) | buf*mu + (1-damp)*g;
 *          d = nesterov ? g + mu*buf : buf (or g when mu == 0);  p -= lr*d
 *   Adam:  g = grad + wd*p;  m = lerp(m, g, 1-b1);  v = v*b2 + (1-b2)*g*g;
 *          step_size = lr/(1-b1^t);  denom = sqrt(v)/sqrt(1-b2^t) + eps;
 *          p -= step_size * m / denom
 *   AdamW: p *= 1 - lr*wd, then Adam with no L2 term.
 *
 * Scalar coefficients are computed in double from the shortest decimal that
 * rounds to each float hyper-parameter (so 0.9f acts as Python's 0.9, as
 * in PyTorch, where hyper-parameters are Python floats), then rounded to
 * float for the element loop, exactly as PyTorch does with scalars. Each
 * step is a single vectorisable pass, split across threads for large n. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optim/decimal.h"
#include "valle/optim.h"

#define VL_OPT_PAR_MIN 32768

/* PyTorch's vectorised CPU kernels fuse a + alpha*b (add with alpha, lerp,
 * addcmul) into one FMA where the hardware has one; we do the same, which
 * makes trajectories match PyTorch bit for bit on such machines. */
#if defined(FP_FAST_FMAF)
#define MADD(a, b, c) fmaf((a), (b), (c))
#else
#define MADD(a, b, c) ((a) * (b) + (c))
#endif


void vl_optim_init(vl_optim *o, vl_optim_kind kind, int64_t n) {
    VL_ASSERT(o != NULL && n >= 0, "n = %lld", (long long)n);
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->n = n;
    o->lr = 1e-3f;
    o->momentum = 0.0f;
    o->dampening = 0.0f;
    o->nesterov = false;
    o->beta1 = 0.9f;
    o->beta2 = 0.999f;
    o->eps = 1e-8f;
    /* torch.optim.AdamW defaults to weight_decay=1e-2; SGD and Adam to 0. */
    o->weight_decay = kind == VL_OPT_ADAMW ? 1e-2f : 0.0f;
    o->step = 0;
    size_t cnt = n > 0 ? (size_t)n : 1;
    o->m = vl_xcalloc(cnt, sizeof(float));
    o->v = kind == VL_OPT_SGD ? NULL : vl_xcalloc(cnt, sizeof(float));
}

void vl_optim_free(vl_optim *o) {
    if (!o) return;
    free(o->m);
    free(o->v);
    o->m = o->v = NULL;
}

/* The element updates below take their mode flags as literal constants at
 * each call site, so every loop is branch-free after inlining (GCC 12 does
 * not vectorise a select between FMA results). */
#if defined(__GNUC__)
#define VL_ELEM static inline __attribute__((always_inline))
#else
#define VL_ELEM static inline
#endif

/* mom: 0 none, 1 first step (buffer = grad), 2 later steps. */
VL_ELEM void sgd_elem(float *restrict p, const float *restrict g,
                      float *restrict buf, int64_t i, float neg_lr, float wd,
                      float mu, float damp1, bool use_wd, int mom,
                      bool nesterov) {
    float gi = g[i];
    if (use_wd) gi = MADD(wd, p[i], gi);     /* grad.add(param, alpha=wd) */
    float d = gi;
    if (mom == 1) {
        buf[i] = gi;                          /* buf = grad.clone() */
        d = nesterov ? MADD(mu, gi, gi) : gi;
    } else if (mom == 2) {
        float b = buf[i] * mu;                /* buf.mul_(mu) */
        b = MADD(damp1, gi, b);               /* .add_(grad, alpha=1-damp) */
        buf[i] = b;
        d = nesterov ? MADD(mu, b, gi) : b;   /* grad.add(buf, alpha=mu) */
    }
    p[i] = MADD(neg_lr, d, p[i]);             /* param.add_(d, alpha=-lr) */
}

#define SGD_CASE(W, M, N)                                                      \
    case (W) | ((M) << 1) | ((N) << 3):                                        \
        _Pragma("omp parallel for simd if (parallel : n > VL_OPT_PAR_MIN) schedule(static)") \
        for (int64_t i = 0; i < n; i++)                                        \
            sgd_elem(p, g, buf, i, neg_lr, wd, mu, damp1, W, M, N);            \
        break;

static void sgd_step(vl_optim *o, float *restrict p, const float *restrict g) {
    const int64_t n = o->n;
    const double mu_d = vl_float_as_decimal(o->momentum);
    const double wd_d = vl_float_as_decimal(o->weight_decay);
    const float neg_lr = (float)(-vl_float_as_decimal(o->lr));
    const float wd = (float)wd_d;
    const float mu = (float)mu_d;
    const float damp1 = (float)(1.0 - vl_float_as_decimal(o->dampening));
    float *restrict buf = o->m;
    /* PyTorch: the momentum buffer starts as a copy of the first grad. */
    const int mom = mu_d == 0.0 ? 0 : o->step == 0 ? 1 : 2;
    const int key = (wd_d != 0.0) | (mom << 1) | ((mom && o->nesterov) << 3);
    switch (key) {
    SGD_CASE(0, 0, 0)
    SGD_CASE(1, 0, 0)
    SGD_CASE(0, 1, 0)
    SGD_CASE(1, 1, 0)
    SGD_CASE(0, 2, 0)
    SGD_CASE(1, 2, 0)
    SGD_CASE(0, 1, 1)
    SGD_CASE(1, 1, 1)
    SGD_CASE(0, 2, 1)
    SGD_CASE(1, 2, 1)
    default: VL_ASSERT(0, "sgd key %d", key);
    }
}

/* wd_mode: 0 none, 1 L2 into the grad (Adam), 2 decoupled (AdamW).
 * lerp_small: torch.lerp's branch for weight = 1-beta1 < 0.5. */
VL_ELEM void adam_elem(float *restrict p, const float *restrict g,
                       float *restrict m, float *restrict v, int64_t i,
                       float wd, float shrink, float w1, float b2f, float w2,
                       float bc2_sqrt, float eps, float neg_step_size,
                       int wd_mode, bool lerp_small) {
    float pi = p[i];
    if (wd_mode == 2) pi = pi * shrink;       /* param.mul_(1 - lr*wd) */
    float gi = g[i];
    if (wd_mode == 1) gi = MADD(wd, pi, gi);  /* grad.add(param, alpha=wd) */
    /* exp_avg.lerp_(grad, w1): m + w1*(g-m), or g + (w1-1)*(g-m) */
    float mi = m[i];
    mi = lerp_small ? MADD(w1, gi - mi, mi) : MADD(w1 - 1.0f, gi - mi, gi);
    /* exp_avg_sq.mul_(b2).addcmul_(g, g, value=1-b2): v + ((1-b2)*g)*g */
    float vi = v[i] * b2f;
    vi = MADD(w2 * gi, gi, vi);
    m[i] = mi;
    v[i] = vi;
    /* denom = (sqrt(v) / sqrt(bc2)).add_(eps) */
    float denom = sqrtf(vi) / bc2_sqrt + eps;
    /* param.addcdiv_(m, denom, value=-step_size): p + (value*m)/denom */
    p[i] = pi + neg_step_size * mi / denom;
}

#define ADAM_CASE(W, L)                                                        \
    case (W) | ((L) << 2):                                                     \
        _Pragma("omp parallel for simd if (parallel : n > VL_OPT_PAR_MIN) schedule(static)") \
        for (int64_t i = 0; i < n; i++)                                        \
            adam_elem(p, g, m, v, i, wd, shrink, w1, b2f, w2, bc2_sqrt, eps,   \
                      neg_step_size, W, L);                                    \
        break;

/* Vectorises when sqrtf may not set errno (GCC: -fno-math-errno). */
static void adam_step(vl_optim *o, float *restrict p, const float *restrict g,
                      bool decoupled) {
    const int64_t n = o->n;
    const double lr = vl_float_as_decimal(o->lr);
    const double b1 = vl_float_as_decimal(o->beta1);
    const double b2 = vl_float_as_decimal(o->beta2);
    const double wd_d = vl_float_as_decimal(o->weight_decay);
    const double t = (double)o->step;  /* already incremented: 1-based */
    const double bc1 = 1.0 - pow(b1, t);
    const double bc2 = 1.0 - pow(b2, t);
    const float neg_step_size = (float)(-(lr / bc1));
    const float bc2_sqrt = (float)pow(bc2, 0.5);
    const float eps = (float)vl_float_as_decimal(o->eps);
    const float w1 = (float)(1.0 - b1);
    const float b2f = (float)b2;
    const float w2 = (float)(1.0 - b2);
    const float wd = (float)wd_d;
    const float shrink = (float)(1.0 - lr * wd_d);
    float *restrict m = o->m;
    float *restrict v = o->v;
    const int wd_mode = wd_d == 0.0 ? 0 : decoupled ? 2 : 1;
    const int key = wd_mode | ((fabsf(w1) < 0.5f) << 2);
    switch (key) {
    ADAM_CASE(0, 1)
    ADAM_CASE(1, 1)
    ADAM_CASE(2, 1)
    ADAM_CASE(0, 0)
    ADAM_CASE(1, 0)
    ADAM_CASE(2, 0)
    default: VL_ASSERT(0, "adam key %d", key);
    }
}

void vl_optim_step(vl_optim *o, float *param, const float *grad) {
    VL_ASSERT(o != NULL && o->m != NULL);
    if (o->n == 0) {
        o->step++;
        return;
    }
    switch (o->kind) {
    case VL_OPT_SGD:
        sgd_step(o, param, grad);
        o->step++;
        break;
    case VL_OPT_ADAM:
    case VL_OPT_ADAMW:
        VL_ASSERT(o->v != NULL);
        o->step++;
        adam_step(o, param, grad, o->kind == VL_OPT_ADAMW);
        break;
    default:
        VL_ASSERT(0, "unknown optimiser kind %d", (int)o->kind);
    }
}

static const char *const optim_names[] = {"sgd", "adam", "adamw"};

int vl_optim_parse(const char *s, vl_optim_kind *out) {
    int i = vl_parse_name(s, optim_names, 3, "optimiser");
    if (i >= 0 && out) *out = (vl_optim_kind)i;
    return i < 0 ? i : VL_OK;
}

const char *vl_optim_name(vl_optim_kind k) {
    return (unsigned)k < 3 ? optim_names[k] : "unknown";
}
