/* src/ops/norm.c: fused LayerNorm (last dim) and BatchNorm (over N, or N and
 * L for (N, C, L) inputs) with closed-form backward kernels. PyTorch
 * semantics: biased variance to normalise, eps inside the square root;
 * BatchNorm's running variance takes the unbiased batch variance. Loops are
 * plain and vectorisable; OpenMP only when the work passes VL_PAR_MIN, with
 * per-thread partial sums for the cross-row reductions (deterministic for a
 * given thread count). */
#include <omp.h>

#include "ops_internal.h"

/* Threads for `work` elements spread over `units` independent pieces. */
static int norm_threads(int64_t work, int64_t units) {
    if (work < VL_PAR_MIN || units < 2) return 1;
    int nt = omp_get_max_threads();
    if (nt > units) nt = (int)units;
    return nt < 1 ? 1 : nt;
}

/* ======================= LayerNorm ======================= */

/* `n` floats equal to v, from the arena (stand-ins for NULL gamma/beta). */
static const float *filled(vl_ctx *c, int64_t n, float v) {
    float *p = vl_arena_alloc(&c->arena, (size_t)n * sizeof(float));
    for (int64_t i = 0; i < n; i++) p[i] = v;
    return p;
}

/* saved: mean (rows) then rstd (rows). */
static void layernorm_backward(vl_ctx *c, vl_node *n) {
    vl_tensor *x = n->in[0], *gamma = n->in[1], *beta = n->in[2];
    const int D = x->shape[x->ndim - 1];
    const int64_t rows = D ? x->numel / D : 0;
    const float *X = x->data;          /* (rows, D) contiguous */
    const float *dY = n->out->grad;    /* (rows, D) */
    const float *mean = n->saved, *rstd = mean + rows;
    const float *G = gamma ? gamma->data : filled(c, D, 1.0f); /* (D) */
    float *dX = vl_in_grad(c, x);
    float *dG = vl_in_grad(c, gamma), *dB = vl_in_grad(c, beta);
    const bool need_gb = dG || dB;
    const int nt = norm_threads(x->numel, rows);
    /* per-thread partials for dgamma, dbeta: (nt, 2, D) */
    float *part = need_gb
        ? vl_arena_calloc(&c->arena, (size_t)nt * 2 * D * sizeof(float)) : NULL;
    const float invD = 1.0f / (float)D;

#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        float *pg = need_gb ? part + (size_t)omp_get_thread_num() * 2 * D : NULL;
        float *pb = need_gb ? pg + D : NULL;
#pragma omp for schedule(static)
        for (int64_t r = 0; r < rows; r++) {
            const float *xr = X + r * D, *dyr = dY + r * D;
            const float mu = mean[r], rs = rstd[r];
            float s1 = 0, s2 = 0;  /* sum(g*dy), sum(g*dy*(x-mu)) */
            if (need_gb) {
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
            if (!dX) continue;
            /* dx = rs * (g*dy - mean(g*dy) - xhat * mean(g*dy*xhat)) */
            float *dxr = dX + r * D;
            const float a = s1 * invD, b = s2 * rs * rs * invD;
#pragma omp simd
            for (int j = 0; j < D; j++)
                dxr[j] += rs * (G[j] * dyr[j] - a - (xr[j] - mu) * b);
        }
    }
    if (!need_gb) return;
    for (int t = 0; t < nt; t++) {
        const float *pg = part + (size_t)t * 2 * D, *pb = pg + D;
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
    float *mean = vl_arena_alloc(&c->arena, (size_t)(2 * rows) * sizeof(float));
    float *rstd = mean + rows;
    const float *X = x->data;
    float *Y = out->data;
    const float *G = gamma ? gamma->data : filled(c, D, 1.0f);  /* (D) */
    const float *B = beta ? beta->data : filled(c, D, 0.0f);    /* (D) */
    const float invD = 1.0f / (float)D;
    const int nt = norm_threads(x->numel, rows);

#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = X + r * D;
        float *yr = Y + r * D;
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
        const float rs = 1.0f / sqrtf(v * invD + eps);
        mean[r] = mu;
        rstd[r] = rs;
#pragma omp simd
        for (int j = 0; j < D; j++) yr[j] = (xr[j] - mu) * rs * G[j] + B[j];
    }
    vl_tensor *ins[3] = {x, gamma, beta};
    vl_node *n = vl_record(c, "layernorm", layernorm_backward, out, 3, ins);
    if (n) n->saved = mean;
    return out;
}

/* ======================= BatchNorm ======================= */

enum { BN_SUM, BN_SQDEV, BN_BWD };

/* Per-channel sums over the N (and L) axes of a contiguous (N, C, L) array:
 *   BN_SUM:   s1[c] = sum x
 *   BN_SQDEV: s1[c] = sum (x - m[c])^2
 *   BN_BWD:   s1[c] = sum dy,  s2[c] = sum dy * (x - m[c])
 * Accumulated in double; threads split rows (n, or (n, c) when L > 1). */
static void bn_reduce(vl_ctx *c, int kind, const float *X, const float *dY,
                      const float *m, int N, int C, int L, double *s1,
                      double *s2) {
    const int64_t units = L > 1 ? (int64_t)N * C : N;
    const int nt = norm_threads((int64_t)N * C * L, units);
    double *part = vl_arena_calloc(&c->arena, (size_t)nt * 2 * C * sizeof(double));

#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        double *p1 = part + (size_t)omp_get_thread_num() * 2 * C, *p2 = p1 + C;
        if (L == 1) {
            /* rows of C channels: vectorise across channels */
#pragma omp for schedule(static)
            for (int64_t i = 0; i < N; i++) {
                const float *xr = X + i * C;
                const float *dyr = dY ? dY + i * C : NULL;
                if (kind == BN_SUM) {
#pragma omp simd
                    for (int k = 0; k < C; k++) p1[k] += xr[k];
                } else if (kind == BN_SQDEV) {
#pragma omp simd
                    for (int k = 0; k < C; k++) {
                        float d = xr[k] - m[k];
                        p1[k] += d * d;
                    }
                } else {
#pragma omp simd
                    for (int k = 0; k < C; k++) {
                        p1[k] += dyr[k];
                        p2[k] += dyr[k] * (xr[k] - m[k]);
                    }
                }
            }
        } else {
            /* contiguous runs of L per (n, c) */
#pragma omp for schedule(static)
            for (int64_t r = 0; r < units; r++) {
                const int k = (int)(r % C);
                const float *xr = X + r * L;
                const float *dyr = dY ? dY + r * L : NULL;
                const float mk = m ? m[k] : 0.0f;
                float a = 0, b = 0;
                if (kind == BN_SUM) {
#pragma omp simd reduction(+ : a)
                    for (int l = 0; l < L; l++) a += xr[l];
                } else if (kind == BN_SQDEV) {
#pragma omp simd reduction(+ : a)
                    for (int l = 0; l < L; l++) {
                        float d = xr[l] - mk;
                        a += d * d;
                    }
                } else {
#pragma omp simd reduction(+ : a, b)
                    for (int l = 0; l < L; l++) {
                        a += dyr[l];
                        b += dyr[l] * (xr[l] - mk);
                    }
                }
                p1[k] += a;
                p2[k] += b;
            }
        }
    }
    for (int k = 0; k < C; k++) {
        s1[k] = 0;
        if (s2) s2[k] = 0;
    }
    for (int t = 0; t < nt; t++) {
        const double *p1 = part + (size_t)t * 2 * C, *p2 = p1 + C;
        for (int k = 0; k < C; k++) s1[k] += p1[k];
        if (s2)
            for (int k = 0; k < C; k++) s2[k] += p2[k];
    }
}

/* Y[n, c, l] (op)= a[c] * A[n, c, l] + b[c] * B[n, c, l] + d[c] over a
 * contiguous (N, C, L) array; B may be NULL. accumulate: += instead of =. */
static void bn_affine(float *Y, const float *A, const float *a, const float *B,
                      const float *b, const float *d, int N, int C, int L,
                      bool accumulate) {
    const int64_t units = L > 1 ? (int64_t)N * C : N;
    const int nt = norm_threads((int64_t)N * C * L, units);
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
    for (int64_t r = 0; r < units; r++) {
        if (L == 1) {
            float *yr = Y + r * C;
            const float *ar = A + r * C, *br = B ? B + r * C : NULL;
            if (br && accumulate) {
#pragma omp simd
                for (int k = 0; k < C; k++) yr[k] += a[k] * ar[k] + b[k] * br[k] + d[k];
            } else if (br) {
#pragma omp simd
                for (int k = 0; k < C; k++) yr[k] = a[k] * ar[k] + b[k] * br[k] + d[k];
            } else if (accumulate) {
#pragma omp simd
                for (int k = 0; k < C; k++) yr[k] += a[k] * ar[k] + d[k];
            } else {
#pragma omp simd
                for (int k = 0; k < C; k++) yr[k] = a[k] * ar[k] + d[k];
            }
        } else {
            const int k = (int)(r % C);
            const float ak = a[k], bk = b ? b[k] : 0.0f, dk = d[k];
            float *yr = Y + r * L;
            const float *ar = A + r * L, *br = B ? B + r * L : NULL;
            if (br && accumulate) {
#pragma omp simd
                for (int l = 0; l < L; l++) yr[l] += ak * ar[l] + bk * br[l] + dk;
            } else if (br) {
#pragma omp simd
                for (int l = 0; l < L; l++) yr[l] = ak * ar[l] + bk * br[l] + dk;
            } else if (accumulate) {
#pragma omp simd
                for (int l = 0; l < L; l++) yr[l] += ak * ar[l] + dk;
            } else {
#pragma omp simd
                for (int l = 0; l < L; l++) yr[l] = ak * ar[l] + dk;
            }
        }
    }
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
    double *sdy = NULL, *sdyx = NULL;   /* sum dy, sum dy * (x - mean) */
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
    bn_affine(dX, dY, kc, batch_stats ? X : NULL, batch_stats ? pc : NULL, qc,
              N, C, L, true);
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
    float *rstd = mean + C;

    if (batch_stats) {
        VL_ASSERT(M > 0, "batchnorm over an empty batch");
        double *s = vl_arena_alloc(&c->arena, (size_t)C * sizeof(double));
        bn_reduce(c, BN_SUM, x->data, NULL, NULL, N, C, L, s, NULL);
        for (int k = 0; k < C; k++) mean[k] = (float)(s[k] / (double)M);
        bn_reduce(c, BN_SQDEV, x->data, NULL, mean, N, C, L, s, NULL);
        for (int k = 0; k < C; k++) {
            const double var = s[k] / (double)M;
            rstd[k] = (float)(1.0 / sqrt(var + (double)eps));
            if (c->training && running_mean && running_var) {
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
    float *a = ad, *d = ad + C;
    for (int k = 0; k < C; k++) {
        a[k] = (gamma ? gamma->data[k] : 1.0f) * rstd[k];
        d[k] = (beta ? beta->data[k] : 0.0f) - mean[k] * a[k];
    }
    bn_affine(out->data, x->data, a, NULL, NULL, d, N, C, L, false);

    vl_tensor *ins[3] = {x, gamma, beta};
    vl_node *n = vl_record(c, "batchnorm", batchnorm_backward, out, 3, ins);
    if (n) {
        n->saved = mean;
        n->iarg[0] = batch_stats;
    }
    return out;
}
