/* src/ops/norm.c: fused LayerNorm (last dim) and BatchNorm (over N, or N and
 * L for (N, C, L) inputs) with closed-form backward kernels. PyTorch
 * semantics: biased variance to normalise, eps inside the square root;
 * BatchNorm's running variance takes the unbiased batch variance.
 *
 * Each kernel is a plain, vectorisable loop over a range of rows; run_split
 * calls it directly for small work (no OpenMP region at all) or splits the
 * rows statically over threads above VL_PAR_MIN. Cross-row reductions go
 * through per-thread partial sums, so results are deterministic for a given
 * thread count. */
#include <omp.h>

#include "ops_internal.h"

typedef void (*range_fn)(const void *args, int64_t lo, int64_t hi, int tid);

/* Threads for `work` elements spread over `units` independent rows. */
static int norm_threads(int64_t work, int64_t units) {
    if (work < VL_PAR_MIN || units < 2) return 1;
    int nt = omp_get_max_threads();
    if (nt > units) nt = (int)units;
    return nt < 1 ? 1 : nt;
}

/* f over rows [0, units), split contiguously over nt threads (tid < nt). */
static void run_split(int nt, int64_t units, range_fn f, const void *args) {
    if (nt <= 1) {
        f(args, 0, units, 0);
        return;
    }
#pragma omp parallel num_threads(nt)
    {
        const int t = omp_get_thread_num(), n = omp_get_num_threads();
        f(args, units * t / n, units * (t + 1) / n, t);
    }
}

/* `n` floats equal to v, from the arena (stand-ins for NULL gamma/beta). */
static const float *filled(vl_ctx *c, int64_t n, float v) {
    float *p = vl_arena_alloc(&c->arena, (size_t)(n ? n : 1) * sizeof(float));
    for (int64_t i = 0; i < n; i++) p[i] = v;
    return p;
}

/* ======================= LayerNorm ======================= */

typedef struct ln_args {
    const float *X;         /* (rows, D) */
    const float *dY;        /* (rows, D), backward */
    const float *G, *B;     /* (D), (D) */
    float *Y;               /* (rows, D), forward */
    float *dX;              /* (rows, D) or NULL, backward */
    float *mean, *rstd;     /* (rows), (rows) */
    float *part;            /* (nt, 2, D): dgamma, dbeta partials or NULL */
    int D;
    float eps;
} ln_args;

static void ln_forward_rows(const void *args, int64_t lo, int64_t hi, int tid) {
    const ln_args *a = args;
    const int D = a->D;
    const float invD = 1.0f / (float)D;
    const float *G = a->G, *B = a->B;
    for (int64_t r = lo; r < hi; r++) {
        const float *xr = a->X + r * D;
        float *yr = a->Y + r * D;
        float s = 0;
#pragma omp simd reduction(+ : s)
        for (int j = 0; j < D; j++) s += xr[j];
        const float mu = s * invD;
        float v = 0;
#pragma omp simd reduction(+ : v)
        for (int j = 0; j < D; j++) {
            const float d = xr[j] - mu;
            v += d * d;
        }
        const float rs = 1.0f / sqrtf(v * invD + a->eps);
        a->mean[r] = mu;
        a->rstd[r] = rs;
#pragma omp simd
        for (int j = 0; j < D; j++) yr[j] = (xr[j] - mu) * rs * G[j] + B[j];
    }
}

static void ln_backward_rows(const void *args, int64_t lo, int64_t hi, int tid) {
    const ln_args *a = args;
    const int D = a->D;
    const float invD = 1.0f / (float)D;
    const float *G = a->G;
    float *pg = a->part ? a->part + (size_t)tid * 2 * D : NULL;
    float *pb = pg ? pg + D : NULL;
    for (int64_t r = lo; r < hi; r++) {
        const float *xr = a->X + r * D, *dyr = a->dY + r * D;
        const float mu = a->mean[r], rs = a->rstd[r];
        float s1 = 0, s2 = 0;  /* sum(g*dy), sum(g*dy*(x-mu)) */
        if (pg) {
#pragma omp simd reduction(+ : s1, s2)
            for (int j = 0; j < D; j++) {
                const float xc = xr[j] - mu, dy = dyr[j], gd = G[j] * dy;
                pg[j] += dy * xc * rs;
                pb[j] += dy;
                s1 += gd;
                s2 += gd * xc;
            }
        } else {
#pragma omp simd reduction(+ : s1, s2)
            for (int j = 0; j < D; j++) {
                const float gd = G[j] * dyr[j];
                s1 += gd;
                s2 += gd * (xr[j] - mu);
            }
        }
        if (!a->dX) continue;
        /* dx = rs * (g*dy - mean(g*dy) - xhat * mean(g*dy*xhat)) */
        float *dxr = a->dX + r * D;
        const float m1 = s1 * invD, m2 = s2 * rs * rs * invD;
#pragma omp simd
        for (int j = 0; j < D; j++)
            dxr[j] += rs * (G[j] * dyr[j] - m1 - (xr[j] - mu) * m2);
    }
}

/* saved: mean (rows) then rstd (rows). */
static void layernorm_backward(vl_ctx *c, vl_node *n) {
    vl_tensor *x = n->in[0], *gamma = n->in[1], *beta = n->in[2];
    const int D = x->shape[x->ndim - 1];
    const int64_t rows = D ? x->numel / D : 0;
    float *dG = vl_in_grad(c, gamma), *dB = vl_in_grad(c, beta);
    const int nt = norm_threads(x->numel, rows);
    ln_args a = {
        .X = x->data, .dY = n->out->grad,
        .G = gamma ? gamma->data : filled(c, D, 1.0f),
        .dX = vl_in_grad(c, x),
        .mean = n->saved, .rstd = (float *)n->saved + rows,
        .part = (dG || dB) ? vl_arena_calloc(&c->arena,
                                             (size_t)nt * 2 * D * sizeof(float))
                           : NULL,
        .D = D,
    };
    run_split(nt, rows, ln_backward_rows, &a);
    if (!a.part) return;
    for (int t = 0; t < nt; t++) {
        const float *pg = a.part + (size_t)t * 2 * D, *pb = pg + D;
        if (dG)
            for (int j = 0; j < D; j++) dG[j] += pg[j];
        if (dB)
            for (int j = 0; j < D; j++) dB[j] += pb[j];
    }
}

vl_tensor *vl_layernorm(vl_ctx *c, vl_tensor *x, vl_tensor *gamma,
                        vl_tensor *beta, float eps) {
    VL_ASSERT(x->ndim >= 1, "layernorm of a 0-d tensor");
    const int D = x->shape[x->ndim - 1];
    VL_ASSERT(!gamma || gamma->numel == D, "layernorm gamma has %lld != %d",
              (long long)gamma->numel, D);
    VL_ASSERT(!beta || beta->numel == D, "layernorm beta has %lld != %d",
              (long long)beta->numel, D);
    x = vl_dense(c, x);                         /* (..., D) */
    if (gamma) gamma = vl_dense(c, gamma);      /* (D) */
    if (beta) beta = vl_dense(c, beta);         /* (D) */
    vl_tensor *out = vl_new_like(c, x);         /* (..., D) */
    const int64_t rows = D ? x->numel / D : 0;
    float *stats = vl_arena_alloc(&c->arena, (size_t)(2 * rows + 1) * sizeof(float));
    ln_args a = {
        .X = x->data, .Y = out->data,
        .G = gamma ? gamma->data : filled(c, D, 1.0f),
        .B = beta ? beta->data : filled(c, D, 0.0f),
        .mean = stats, .rstd = stats + rows,
        .D = D, .eps = eps,
    };
    run_split(norm_threads(x->numel, rows), rows, ln_forward_rows, &a);
    vl_tensor *ins[3] = {x, gamma, beta};
    vl_node *n = vl_record(c, "layernorm", layernorm_backward, out, 3, ins);
    if (n) n->saved = stats;
    return out;
}

/* ======================= BatchNorm ======================= */

/* A contiguous (N, C, L) array is walked as rows: N rows of C channels when
 * L == 1 (vectorised across channels), else N*C rows of L values of one
 * channel (row r is channel r % C). */
static int64_t bn_rows(int N, int C, int L) {
    return L > 1 ? (int64_t)N * C : N;
}

enum { BN_SUM, BN_SQDEV, BN_BWD };

typedef struct bn_red_args {
    int kind;
    const float *X, *dY;    /* (N, C, L); dY for BN_BWD */
    const float *m;         /* (C) centre for BN_SQDEV / BN_BWD */
    double *part;           /* (nt, 2, C) zeroed */
    int C, L;
} bn_red_args;

static void bn_reduce_rows(const void *args, int64_t lo, int64_t hi, int tid) {
    const bn_red_args *a = args;
    const int C = a->C, L = a->L, kind = a->kind;
    const float *m = a->m;
    double *p1 = a->part + (size_t)tid * 2 * C, *p2 = p1 + C;
    if (L == 1) {
        for (int64_t i = lo; i < hi; i++) {
            const float *xr = a->X + i * C;
            if (kind == BN_SUM) {
#pragma omp simd
                for (int k = 0; k < C; k++) p1[k] += xr[k];
            } else if (kind == BN_SQDEV) {
#pragma omp simd
                for (int k = 0; k < C; k++) {
                    const float d = xr[k] - m[k];
                    p1[k] += d * d;
                }
            } else {
                const float *dyr = a->dY + i * C;
#pragma omp simd
                for (int k = 0; k < C; k++) {
                    p1[k] += dyr[k];
                    p2[k] += dyr[k] * (xr[k] - m[k]);
                }
            }
        }
        return;
    }
    for (int64_t r = lo; r < hi; r++) {
        const int k = (int)(r % C);
        const float *xr = a->X + r * L;
        float s = 0, t = 0;
        if (kind == BN_SUM) {
#pragma omp simd reduction(+ : s)
            for (int l = 0; l < L; l++) s += xr[l];
        } else if (kind == BN_SQDEV) {
            const float mk = m[k];
#pragma omp simd reduction(+ : s)
            for (int l = 0; l < L; l++) {
                const float d = xr[l] - mk;
                s += d * d;
            }
        } else {
            const float mk = m[k], *dyr = a->dY + r * L;
#pragma omp simd reduction(+ : s, t)
            for (int l = 0; l < L; l++) {
                s += dyr[l];
                t += dyr[l] * (xr[l] - mk);
            }
        }
        p1[k] += s;
        p2[k] += t;
    }
}

/* Per-channel sums over N (and L), accumulated in double:
 *   BN_SUM:   s1[c] = sum x
 *   BN_SQDEV: s1[c] = sum (x - m[c])^2
 *   BN_BWD:   s1[c] = sum dy,  s2[c] = sum dy * (x - m[c])   */
static void bn_reduce(vl_ctx *c, int kind, const float *X, const float *dY,
                      const float *m, int N, int C, int L, double *s1,
                      double *s2) {
    const int64_t rows = bn_rows(N, C, L);
    const int nt = norm_threads((int64_t)N * C * L, rows);
    bn_red_args a = {
        .kind = kind, .X = X, .dY = dY, .m = m, .C = C, .L = L,
        .part = vl_arena_calloc(&c->arena, (size_t)nt * 2 * C * sizeof(double)),
    };
    run_split(nt, rows, bn_reduce_rows, &a);
    for (int k = 0; k < C; k++) {
        s1[k] = a.part[k];
        if (s2) s2[k] = a.part[C + k];
    }
    for (int t = 1; t < nt; t++) {
        const double *p1 = a.part + (size_t)t * 2 * C, *p2 = p1 + C;
        for (int k = 0; k < C; k++) s1[k] += p1[k];
        if (s2)
            for (int k = 0; k < C; k++) s2[k] += p2[k];
    }
}

/* Y (op)= a[c] * A + b[c] * B + d[c] elementwise over (N, C, L) arrays;
 * B (and b) may be NULL; accumulate: += instead of =. */
typedef struct bn_aff_args {
    float *Y;
    const float *A, *B;     /* (N, C, L) */
    const float *a, *b, *d; /* (C) */
    int C, L;
    bool accumulate;
} bn_aff_args;

static void bn_affine_rows(const void *args, int64_t lo, int64_t hi, int tid) {
    const bn_aff_args *p = args;
    const int C = p->C, L = p->L;
    const bool acc = p->accumulate;
    if (L == 1) {
        const float *a = p->a, *b = p->b, *d = p->d;
        for (int64_t i = lo; i < hi; i++) {
            float *yr = p->Y + i * C;
            const float *ar = p->A + i * C, *br = p->B ? p->B + i * C : NULL;
            if (br && acc) {
#pragma omp simd
                for (int k = 0; k < C; k++) yr[k] += a[k] * ar[k] + b[k] * br[k] + d[k];
            } else if (br) {
#pragma omp simd
                for (int k = 0; k < C; k++) yr[k] = a[k] * ar[k] + b[k] * br[k] + d[k];
            } else if (acc) {
#pragma omp simd
                for (int k = 0; k < C; k++) yr[k] += a[k] * ar[k] + d[k];
            } else {
#pragma omp simd
                for (int k = 0; k < C; k++) yr[k] = a[k] * ar[k] + d[k];
            }
        }
        return;
    }
    for (int64_t r = lo; r < hi; r++) {
        const int k = (int)(r % C);
        const float ak = p->a[k], bk = p->b ? p->b[k] : 0.0f, dk = p->d[k];
        float *yr = p->Y + r * L;
        const float *ar = p->A + r * L, *br = p->B ? p->B + r * L : NULL;
        if (br && acc) {
#pragma omp simd
            for (int l = 0; l < L; l++) yr[l] += ak * ar[l] + bk * br[l] + dk;
        } else if (br) {
#pragma omp simd
            for (int l = 0; l < L; l++) yr[l] = ak * ar[l] + bk * br[l] + dk;
        } else if (acc) {
#pragma omp simd
            for (int l = 0; l < L; l++) yr[l] += ak * ar[l] + dk;
        } else {
#pragma omp simd
            for (int l = 0; l < L; l++) yr[l] = ak * ar[l] + dk;
        }
    }
}

static void bn_affine(bn_aff_args *a, int N) {
    const int64_t rows = bn_rows(N, a->C, a->L);
    run_split(norm_threads((int64_t)N * a->C * a->L, rows), rows,
              bn_affine_rows, a);
}

/* saved: mean (C) then rstd (C), the statistics used by the forward;
 * iarg[0]: 1 when they were batch statistics (training), 0 for running. */
static void batchnorm_backward(vl_ctx *c, vl_node *n) {
    vl_tensor *x = n->in[0], *gamma = n->in[1], *beta = n->in[2];
    const int N = x->shape[0], C = x->shape[1];
    const int L = x->ndim == 3 ? x->shape[2] : 1;
    const bool batch_stats = n->iarg[0];
    const float *X = x->data;          /* (N, C, L) contiguous */
    const float *dY = n->out->grad;    /* (N, C, L) */
    const float *mean = n->saved, *rstd = mean + C;
    const float *G = gamma ? gamma->data : NULL; /* (C) */
    float *dX = vl_in_grad(c, x);
    float *dG = vl_in_grad(c, gamma), *dB = vl_in_grad(c, beta);
    double *sdy = NULL, *sdyx = NULL;   /* (C), (C): sum dy, sum dy*(x-mean) */
    if (dG || dB || (dX && batch_stats)) {
        sdy = vl_arena_alloc(&c->arena, (size_t)2 * C * sizeof(double));
        sdyx = sdy + C;
        bn_reduce(c, BN_BWD, X, dY, mean, N, C, L, sdy, sdyx);
        for (int k = 0; k < C; k++) {
            if (dB) dB[k] += (float)sdy[k];
            if (dG) dG[k] += (float)(sdyx[k] * rstd[k]);
        }
    }
    if (!dX) return;
    /* dx = k*dy + p*x + q, per channel:
     *   training: k = g*rstd, p = -k*rstd^2*sum(dy*(x-mean))/M,
     *             q = -k*sum(dy)/M - p*mean
     *   eval:     k = g*rstd, p = q = 0 */
    float *coef = vl_arena_alloc(&c->arena, (size_t)3 * C * sizeof(float));
    float *kc = coef, *pc = coef + C, *qc = coef + 2 * C;
    const double M = (double)N * L;
    for (int k = 0; k < C; k++) {
        const double rs = rstd[k];
        const double kk = (G ? G[k] : 1.0) * rs;
        kc[k] = (float)kk;
        if (batch_stats) {
            const double p = -kk * rs * rs * sdyx[k] / M;
            pc[k] = (float)p;
            qc[k] = (float)(-kk * sdy[k] / M - p * mean[k]);
        } else {
            pc[k] = 0;
            qc[k] = 0;
        }
    }
    bn_aff_args a = {
        .Y = dX, .A = dY, .a = kc, .d = qc, .C = C, .L = L, .accumulate = true,
        .B = batch_stats ? X : NULL, .b = batch_stats ? pc : NULL,
    };
    bn_affine(&a, N);
}

vl_tensor *vl_batchnorm(vl_ctx *c, vl_tensor *x, vl_tensor *gamma,
                        vl_tensor *beta, float *running_mean,
                        float *running_var, float momentum, float eps) {
    VL_ASSERT(x->ndim == 2 || x->ndim == 3,
              "batchnorm takes (N, C) or (N, C, L), got %d-d", x->ndim);
    const int N = x->shape[0], C = x->shape[1];
    const int L = x->ndim == 3 ? x->shape[2] : 1;
    VL_ASSERT(!gamma || gamma->numel == C, "batchnorm gamma size");
    VL_ASSERT(!beta || beta->numel == C, "batchnorm beta size");
    x = vl_dense(c, x);                         /* (N, C[, L]) */
    if (gamma) gamma = vl_dense(c, gamma);      /* (C) */
    if (beta) beta = vl_dense(c, beta);         /* (C) */
    vl_tensor *out = vl_new_like(c, x);         /* (N, C[, L]) */
    const bool batch_stats = c->training || !running_mean || !running_var;
    const int64_t M = (int64_t)N * L;
    float *mean = vl_arena_alloc(&c->arena, (size_t)2 * C * sizeof(float));
    float *rstd = mean + C;                     /* (C), (C) */

    if (batch_stats) {
        VL_ASSERT(M > 0, "batchnorm over an empty batch");
        double *s = vl_arena_alloc(&c->arena, (size_t)C * sizeof(double));
        bn_reduce(c, BN_SUM, x->data, NULL, NULL, N, C, L, s, NULL);
        for (int k = 0; k < C; k++) mean[k] = (float)(s[k] / (double)M);
        bn_reduce(c, BN_SQDEV, x->data, NULL, mean, N, C, L, s, NULL);
        const bool update = c->training && running_mean && running_var;
        for (int k = 0; k < C; k++) {
            const double var = s[k] / (double)M;
            rstd[k] = (float)(1.0 / sqrt(var + (double)eps));
            if (update) {
                /* as nn.BatchNorm1d; with one value per channel PyTorch
                 * refuses to train, here the biased variance (0) is used */
                const double uvar = M > 1 ? s[k] / (double)(M - 1) : var;
                running_mean[k] = (1.0f - momentum) * running_mean[k]
                                  + momentum * mean[k];
                running_var[k] = (1.0f - momentum) * running_var[k]
                                 + momentum * (float)uvar;
            }
        }
    } else {
        for (int k = 0; k < C; k++) {
            mean[k] = running_mean[k];
            rstd[k] = 1.0f / sqrtf(running_var[k] + eps);
        }
    }

    /* y = x * a + d with a = g*rstd, d = beta - mean*a */
    float *ad = vl_arena_alloc(&c->arena, (size_t)2 * C * sizeof(float));
    for (int k = 0; k < C; k++) {
        ad[k] = (gamma ? gamma->data[k] : 1.0f) * rstd[k];
        ad[C + k] = (beta ? beta->data[k] : 0.0f) - mean[k] * ad[k];
    }
    bn_aff_args a = {.Y = out->data, .A = x->data, .a = ad, .d = ad + C,
                     .C = C, .L = L};
    bn_affine(&a, N);

    vl_tensor *ins[3] = {x, gamma, beta};
    vl_node *n = vl_record(c, "batchnorm", batchnorm_backward, out, 3, ins);
    if (n) {
        n->saved = mean;
        n->iarg[0] = batch_stats;
    }
    return out;
}
