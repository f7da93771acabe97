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

/* Shortest decimal (<= 9 digits) that rounds to x, as a double. */
static double as_decimal(float x) {
    if (!isfinite(x) || x == 0.0f) return (double)x;
    char buf[32];
    for (int prec = 1; prec <= 9; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, (double)x);
        double d = strtod(buf, NULL);
        if ((float)d == x) return d;
    }
    return (double)x;
}

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

static void sgd_step(vl_optim *o, float *restrict p, const float *restrict g) {
    const int64_t n = o->n;
    const double mu_d = as_decimal(o->momentum);
    const double wd_d = as_decimal(o->weight_decay);
    const float neg_lr = (float)(-as_decimal(o->lr));
    const float wd = (float)wd_d;
    const float mu = (float)mu_d;
    const float damp1 = (float)(1.0 - as_decimal(o->dampening));
    const bool use_wd = wd_d != 0.0;
    const bool nesterov = o->nesterov;
    float *restrict buf = o->m;

    if (mu_d == 0.0) {
#pragma omp parallel for simd if (parallel : n > VL_OPT_PAR_MIN) schedule(static)
        for (int64_t i = 0; i < n; i++) {
            float gi = g[i];
            float gw = MADD(wd, p[i], gi);
            gi = use_wd ? gw : gi;
            p[i] = MADD(neg_lr, gi, p[i]);
        }
    } else if (o->step == 0) {
        /* PyTorch: the momentum buffer starts as a copy of the grad. */
#pragma omp parallel for simd if (parallel : n > VL_OPT_PAR_MIN) schedule(static)
        for (int64_t i = 0; i < n; i++) {
            float gi = g[i];
            float gw = MADD(wd, p[i], gi);
            gi = use_wd ? gw : gi;
            buf[i] = gi;
            float nes = MADD(mu, gi, gi);
            float d = nesterov ? nes : gi;
            p[i] = MADD(neg_lr, d, p[i]);
        }
    } else {
#pragma omp parallel for simd if (parallel : n > VL_OPT_PAR_MIN) schedule(static)
        for (int64_t i = 0; i < n; i++) {
            float gi = g[i];
            float gw = MADD(wd, p[i], gi);
            gi = use_wd ? gw : gi;
            float b = buf[i] * mu;
            b = MADD(damp1, gi, b);
            buf[i] = b;
            float nes = MADD(mu, b, gi);
            float d = nesterov ? nes : b;
            p[i] = MADD(neg_lr, d, p[i]);
        }
    }
}

/* Vectorises when sqrtf may not set errno (GCC: -fno-math-errno). */
static void adam_step(vl_optim *o, float *restrict p, const float *restrict g,
                      bool decoupled) {
    const int64_t n = o->n;
    const double lr = as_decimal(o->lr);
    const double b1 = as_decimal(o->beta1);
    const double b2 = as_decimal(o->beta2);
    const double wd_d = as_decimal(o->weight_decay);
    const double t = (double)o->step;  /* already incremented: 1-based */
    const double bc1 = 1.0 - pow(b1, t);
    const double bc2 = 1.0 - pow(b2, t);
    const float neg_step_size = (float)(-(lr / bc1));
    const float bc2_sqrt = (float)pow(bc2, 0.5);
    const float eps = (float)as_decimal(o->eps);
    const float w1 = (float)(1.0 - b1);   /* lerp weight */
    const float b2f = (float)b2;
    const float w2 = (float)(1.0 - b2);
    const bool l2 = !decoupled && wd_d != 0.0;
    const bool dwd = decoupled && wd_d != 0.0;
    const float wd = (float)wd_d;
    const float shrink = (float)(1.0 - lr * wd_d);
    float *restrict m = o->m;
    float *restrict v = o->v;

#pragma omp parallel for simd if (parallel : n > VL_OPT_PAR_MIN) schedule(static)
    for (int64_t i = 0; i < n; i++) {
        float pi = p[i];
        float ps = pi * shrink;
        pi = dwd ? ps : pi;
        float gi = g[i];
        float gw = MADD(wd, pi, gi);
        gi = l2 ? gw : gi;
        /* torch lerp with weight < 0.5: self + weight * (end - self) */
        float mi = m[i];
        mi = MADD(w1, gi - mi, mi);
        /* mul_(b2) then addcmul_(g, g, value=1-b2): v + ((1-b2)*g)*g */
        float vi = v[i] * b2f;
        vi = MADD(w2 * gi, gi, vi);
        m[i] = mi;
        v[i] = vi;
        float denom = sqrtf(vi) / bc2_sqrt + eps;
        /* addcdiv_: p + (value * m) / denom */
        p[i] = pi + neg_step_size * mi / denom;
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
    if (s) {
        for (int k = 0; k < 3; k++) {
            if (strcmp(s, optim_names[k]) == 0) {
                if (out) *out = (vl_optim_kind)k;
                return VL_OK;
            }
        }
    }
    return vl_error(VL_ERR_ARG,
                    "unknown optimiser '%s' (expected sgd, adam or adamw)",
                    s ? s : "(null)");
}

const char *vl_optim_name(vl_optim_kind k) {
    return (unsigned)k < 3 ? optim_names[k] : "unknown";
}
