/* src/ops/attention_fused.c: the fused scaled dot-product attention kernel
 * (FlashAttention-2 style, for CPUs).
 *
 * Forward: for one (batch, head) and a tile of BR query rows, key/value
 * tiles of BC rows are streamed; the key tile is transposed into a small
 * (D, BC) buffer so that a score row is D vectorised multiply-adds over BC
 * lanes; an online softmax (running max m and sum l per row) rescales the
 * output accumulator as each tile arrives. Only the log-sum-exp of each
 * row (m and 1 / l, so that backward recomputes P = exp(s - m) / l without
 * the rounding of a log) is kept: memory is O(T), never T x T.
 *
 * Backward: per (batch, head), for each key tile, every query row that can
 * see it recomputes its scores and probabilities P = exp(s - m) / l and adds
 *   dV_j += P'_ij dO_i,  dS_ij = P_ij (dP'_ij - D_i),  D_i = dO_i . O_i
 *   dQ_i += scale sum_j dS_ij K_j,  dK_j += scale sum_i dS_ij Q_i
 * where P' and dP' carry the dropout mask. Each (batch, head) writes only
 * its own slices of dQ, dK, dV, so threads never share an output.
 *
 * Long sequences (Tq and Tk >= BLAS_MIN_T, training-sized) take a BLAS
 * variant of the same algorithm: per (batch, head), blocks of QB query rows
 * get their whole score row block S = Q K^T (QB x Tk, never T x T) from
 * sgemm, an exact softmax over it, and O = P V; the backward recomputes S
 * and dP = dO V^T the same way and adds dV += P^T dO, dK += dS^T Q,
 * dQ += dS K with sgemm. Below the threshold (short sequences, KV-cached
 * decoding of one token) the register-blocked tile kernels run.
 *
 * Threads: OpenMP over (batch x head x query tile or block) in the forward
 * and (batch x head) in the backward; BLAS called inside the parallel
 * region runs single-threaded (OpenBLAS's OpenMP build checks). */
#include <cblas.h>
#include <omp.h>

#include "valle/attention.h"

#include "ops/ops_internal.h"
#include "ops/vmath.h"

#define BR 32 /* query rows per forward task */
#define BC 32 /* keys per tile */
#define RB 4  /* query rows per register block (BR % RB == 0) */
#define QB 64 /* query rows per block of the BLAS variant */
#define BLAS_MIN_T 128 /* the BLAS variant from this many queries and keys */

/* Same bits as vl_hash_uniform and src/ops/dropout.c: element `i` is dropped
 * when hash_bits(key, i) < ceil(p * 2^24). */
static inline uint64_t hash_bits(uint64_t key, uint64_t i) {
    uint64_t z = (key ^ (i * 0xD1B54A32D192ED03ull)) + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (z ^ (z >> 31)) >> 40;
}

/* Everything a kernel needs; element (b, t, h, d) of an operand sits at
 * p[b * s[0] + t * s[1] + h * s[2] + d]. */
typedef struct geom {
    int B, H, Tq, Tk, D, off;   /* off = Tk - Tq (causal alignment) */
    bool causal, drop;
    float scale, keep_scale;    /* keep_scale = 1 / (1 - p) */
    uint64_t key, thresh;       /* dropout */
    const float *q, *k, *v;
    int64_t qs[3], ks[3], vs[3];  /* data strides (b, t, h) */
    int64_t os[3], kgs[3];        /* contiguous strides: out, and dk / dv */
    int64_t qgs[3];               /* dq strides */
    int64_t kv_off;               /* packed qkv: dk = dq + kv_off, dv = dq + 2 kv_off */
    const uint8_t *kp;            /* (B, Tk) or NULL */
    float *mrow, *linv;           /* (B, H, Tq): row max and 1 / row sum */
} geom;

typedef struct attn_saved {
    geom g;
} attn_saved;

static inline int imin(int a, int b) { return a < b ? a : b; }
static inline int imax(int a, int b) { return a > b ? a : b; }

/* Keys visible to query row i inside the tile starting at j0 are jj < lim
 * (and not padding). */
static inline int tile_limit(const geom *g, int i, int j0, int nj) {
    return g->causal ? imin(nj, i + g->off - j0 + 1) : nj;
}

static inline float keep_mult(const geom *g, int b, int h, int i, int j) {
    uint64_t idx = (((uint64_t)b * g->H + h) * g->Tq + i) * g->Tk + j;
    return hash_bits(g->key, idx) < g->thresh ? 0.0f : g->keep_scale;
}

/* Transposes rows [j0, j0 + nj) of one head of x into t (D, BC), zero
 * padded to BC columns. */
static void load_tile_t(float *restrict t, const float *base, int64_t st,
                        int j0, int nj, int D) {
    for (int jj = 0; jj < nj; jj++) {
        const float *row = base + (int64_t)(j0 + jj) * st;
        for (int d = 0; d < D; d++) t[d * BC + jj] = row[d];
    }
    for (int d = 0; d < D; d++)
        for (int jj = nj; jj < BC; jj++) t[d * BC + jj] = 0.0f;
}

/* Scores of RB rows at once: s[r][jj] = scale * x[r] . tile column jj
 * (tile (D, BC)). Each tile row loaded serves RB rows (register blocking);
 * every row gets the same sequence of multiply-adds whatever its block. */
static inline void scores_rb(float s[RB][BC], const float *const *x,
                             const float *restrict t, int D, float scale) {
    float s0[BC], s1[BC], s2[BC], s3[BC];
    for (int jj = 0; jj < BC; jj++) s0[jj] = s1[jj] = s2[jj] = s3[jj] = 0.0f;
    const float *restrict x0 = x[0], *restrict x1 = x[1], *restrict x2 = x[2],
                          *restrict x3 = x[3];
    for (int d = 0; d < D; d++) {
        const float *restrict td = t + d * BC;
        const float a0 = x0[d] * scale, a1 = x1[d] * scale, a2 = x2[d] * scale,
                    a3 = x3[d] * scale;
#pragma omp simd
        for (int jj = 0; jj < BC; jj++) {
            s0[jj] += a0 * td[jj];
            s1[jj] += a1 * td[jj];
            s2[jj] += a2 * td[jj];
            s3[jj] += a3 * td[jj];
        }
    }
    memcpy(s[0], s0, sizeof s0);
    memcpy(s[1], s1, sizeof s1);
    memcpy(s[2], s2, sizeof s2);
    memcpy(s[3], s3, sizeof s3);
}

/* a[r][0..D) += sum over jj < n of p[r][jj] * rows[jj], for RB rows at once
 * (rows[jj] = base + jj * st). */
static inline void accum_rb(float *const *a, float p[RB][BC], const float *base,
                            int64_t st, int n, int D) {
    float *restrict a0 = a[0], *restrict a1 = a[1], *restrict a2 = a[2],
                    *restrict a3 = a[3];
    for (int jj = 0; jj < n; jj++) {
        const float p0 = p[0][jj], p1 = p[1][jj], p2 = p[2][jj], p3 = p[3][jj];
        if (p0 == 0.0f && p1 == 0.0f && p2 == 0.0f && p3 == 0.0f) continue;
        const float *restrict vr = base + (int64_t)jj * st;
#pragma omp simd
        for (int d = 0; d < D; d++) {
            a0[d] += p0 * vr[d];
            a1[d] += p1 * vr[d];
            a2[d] += p2 * vr[d];
            a3[d] += p3 * vr[d];
        }
    }
}

/* a[jj][0..D) += sum_r p[r][jj] * x[r], for jj < n (dK / dV of a tile). */
static inline void outer_rb(float *restrict a, float p[RB][BC], const float *const *x,
                            int n, int D) {
    const float *restrict x0 = x[0], *restrict x1 = x[1], *restrict x2 = x[2],
                          *restrict x3 = x[3];
    for (int jj = 0; jj < n; jj++) {
        const float p0 = p[0][jj], p1 = p[1][jj], p2 = p[2][jj], p3 = p[3][jj];
        if (p0 == 0.0f && p1 == 0.0f && p2 == 0.0f && p3 == 0.0f) continue;
        float *restrict ar = a + (int64_t)jj * D;
#pragma omp simd
        for (int d = 0; d < D; d++)
            ar[d] += p0 * x0[d] + p1 * x1[d] + p2 * x2[d] + p3 * x3[d];
    }
}

/* s[j] = exp(s[j] - m) for j < n; returns their sum (a softmax row's
 * unnormalised probabilities and its denominator). */
static inline float exp_shift_sum(float *restrict s, int n, float m) {
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (int j = 0; j < n; j++) {
        const float p = vexp(s[j] - m);
        s[j] = p;
        sum += p;
    }
    return sum;
}

/* kb[jj] = 0 where key j0 + jj exists and is not padding, else -inf. */
static inline void tile_bias(float *kbias, const uint8_t *kp, int j0, int nj) {
    for (int jj = 0; jj < BC; jj++)
        kbias[jj] = jj < nj && !(kp && kp[j0 + jj]) ? 0.0f : -INFINITY;
}

/* ---------------------------------------------------------------- forward */

/* Query rows [i0, i0 + BR) of head (b, h). ws: D * BC + BR * D floats. */
static void fwd_tile(const geom *g, int b, int h, int i0, float *ws,
                     float *out) {
    const int D = g->D, Tk = g->Tk, ni = imin(BR, g->Tq - i0);
    const float *qb = g->q + b * g->qs[0] + h * g->qs[2];
    const float *kb = g->k + b * g->ks[0] + h * g->ks[2];
    const float *vb = g->v + b * g->vs[0] + h * g->vs[2];
    const uint8_t *kp = g->kp ? g->kp + (int64_t)b * Tk : NULL;
    float *kt = ws, *acc = ws + D * BC;
    float m[BR], l[BR];
    for (int i = 0; i < BR; i++) {
        m[i] = -INFINITY;
        l[i] = 0.0f;
    }
    for (int x = 0; x < BR * D; x++) acc[x] = 0.0f;
    int jend = g->causal ? imax(0, imin(Tk, i0 + ni + g->off)) : Tk;
    for (int j0 = 0; j0 < jend; j0 += BC) {
        const int nj = imin(BC, jend - j0);
        load_tile_t(kt, kb, g->ks[1], j0, nj, D);
        float kbias[BC];
        tile_bias(kbias, kp, j0, nj);
        for (int i = 0; i < ni; i += RB) {
            const int nr = imin(RB, ni - i);
            int lim[RB], maxlim = 0;
            const float *xr[RB];
            float *ar[RB];
            for (int r = 0; r < RB; r++) {
                lim[r] = r < nr ? tile_limit(g, i0 + i + r, j0, nj) : 0;
                maxlim = imax(maxlim, lim[r]);
                xr[r] = qb + (int64_t)(i0 + i + (r < nr ? r : 0)) * g->qs[1];
                ar[r] = acc + (i + r) * D;
            }
            if (maxlim <= 0) continue;
            float s[RB][BC];
            scores_rb(s, xr, kt, D, g->scale);
            for (int r = 0; r < RB; r++) {
                float *sr = s[r];
                float mx = -INFINITY;
                const int lr = lim[r];
#pragma omp simd reduction(max : mx)
                for (int jj = 0; jj < BC; jj++) {
                    const float v = jj < lr ? sr[jj] + kbias[jj] : -INFINITY;
                    sr[jj] = v;
                    mx = v > mx ? v : mx;
                }
                if (mx == -INFINITY) { /* nothing visible in this tile */
                    for (int jj = 0; jj < BC; jj++) sr[jj] = 0.0f;
                    continue;
                }
                const int ri = i + r;
                const float mnew = m[ri] > mx ? m[ri] : mx;
                const float alpha = vexp(m[ri] - mnew);
                const float sum = exp_shift_sum(sr, BC, mnew);
                l[ri] = l[ri] * alpha + sum;
                m[ri] = mnew;
                if (g->drop)
                    for (int jj = 0; jj < lim[r]; jj++)
                        sr[jj] *= keep_mult(g, b, h, i0 + ri, j0 + jj);
                float *restrict a = ar[r];
#pragma omp simd
                for (int d = 0; d < D; d++) a[d] *= alpha;
            }
            accum_rb(ar, s, vb + (int64_t)j0 * g->vs[1], g->vs[1], maxlim, D);
        }
    }
    for (int i = 0; i < ni; i++) {
        float *restrict o = out + b * g->os[0] + (int64_t)(i0 + i) * g->os[1] +
                            h * g->os[2];
        const int64_t r = ((int64_t)b * g->H + h) * g->Tq + i0 + i;
        const float *restrict a = acc + i * D;
        if (l[i] > 0.0f) {
            const float inv = 1.0f / l[i];
#pragma omp simd
            for (int d = 0; d < D; d++) o[d] = a[d] * inv;
            g->mrow[r] = m[i];
            g->linv[r] = inv;
        } else {
            for (int d = 0; d < D; d++) o[d] = 0.0f;
            g->mrow[r] = INFINITY; /* exp(s - m) = 0 in backward */
            g->linv[r] = 0.0f;
        }
    }
}

/* Threads for a kernel of about `flops` multiply-adds over `tasks` tasks. */
static int attn_threads(double flops, int64_t tasks) {
    if (flops < 2e5 || tasks < 2) return 1;
    int nt = omp_get_max_threads();
    if (nt > tasks) nt = (int)tasks;
    return nt < 1 ? 1 : nt;
}

/* ---------------------------------------------------------------- backward */

/* Head (b, h). ws: Tq + 4 * D * BC + RB * D floats. */
static void bwd_head(const geom *g, int b, int h, float *ws, const float *out,
                     const float *dout, float *dq, float *dk, float *dv) {
    const int D = g->D, Tq = g->Tq, Tk = g->Tk;
    const float scale = g->scale;
    const float *qb = g->q + b * g->qs[0] + h * g->qs[2];
    const float *kb = g->k + b * g->ks[0] + h * g->ks[2];
    const float *vb = g->v + b * g->vs[0] + h * g->vs[2];
    const int64_t ob = b * g->os[0] + h * g->os[2], kgb = b * g->kgs[0] + h * g->kgs[2];
    const int64_t qgb = b * g->qgs[0] + h * g->qgs[2];
    const uint8_t *kp = g->kp ? g->kp + (int64_t)b * Tk : NULL;
    const float *mrow = g->mrow + ((int64_t)b * g->H + h) * Tq;
    const float *linv = g->linv + ((int64_t)b * g->H + h) * Tq;
    float *Di = ws, *kt = Di + Tq, *vt = kt + D * BC, *dka = vt + D * BC,
          *dva = dka + BC * D, *dqs = dva + BC * D; /* dqs: RB rows of scratch */
    for (int i = 0; i < Tq; i++) {
        const float *o = out + ob + (int64_t)i * g->os[1];
        const float *go = dout + ob + (int64_t)i * g->os[1];
        double s = 0.0;
#pragma omp simd reduction(+ : s)
        for (int d = 0; d < D; d++) s += (double)o[d] * go[d];
        Di[i] = (float)s;
    }
    for (int j0 = 0; j0 < Tk; j0 += BC) {
        const int nj = imin(BC, Tk - j0);
        load_tile_t(kt, kb, g->ks[1], j0, nj, D);
        load_tile_t(vt, vb, g->vs[1], j0, nj, D);
        float kbias[BC];
        tile_bias(kbias, kp, j0, nj);
        for (int x = 0; x < BC * D; x++) dka[x] = dva[x] = 0.0f;
        const int istart = g->causal ? imax(0, j0 - g->off) : 0;
        for (int i = istart; i < Tq; i += RB) {
            const int nr = imin(RB, Tq - i);
            int lim[RB], maxlim = 0;
            const float *xr[RB], *gr[RB];
            float *dqr[RB];
            for (int r = 0; r < RB; r++) {
                const int ir = i + (r < nr ? r : 0);
                lim[r] = r < nr && mrow[ir] != INFINITY ? tile_limit(g, i + r, j0, nj) : 0;
                if (lim[r] < 0) lim[r] = 0;
                maxlim = imax(maxlim, lim[r]);
                xr[r] = qb + (int64_t)ir * g->qs[1];
                gr[r] = dout + ob + (int64_t)ir * g->os[1];
                dqr[r] = dq ? (r < nr ? dq + qgb + (int64_t)(i + r) * g->qgs[1]
                                      : dqs + (r - nr) * D)
                            : NULL;
            }
            if (maxlim <= 0) continue;
            float s[RB][BC], dp[RB][BC];
            scores_rb(s, xr, kt, D, scale);
            scores_rb(dp, gr, vt, D, 1.0f);
            for (int r = 0; r < RB; r++) {
                if (lim[r] <= 0) {
                    for (int jj = 0; jj < BC; jj++) s[r][jj] = dp[r][jj] = 0.0f;
                    continue;
                }
                const int ir = i + r;
                const float M = mrow[ir], il = linv[ir], di = Di[ir];
                const int lr = lim[r];
                float *restrict sr = s[r], *restrict dr = dp[r];
                if (g->drop) {
                    float mk[BC];
                    for (int jj = 0; jj < BC; jj++)
                        mk[jj] = jj < lr ? keep_mult(g, b, h, ir, j0 + jj) : 0.0f;
#pragma omp simd
                    for (int jj = 0; jj < BC; jj++) {
                        const float x = jj < lr ? sr[jj] + kbias[jj] : -INFINITY;
                        const float p = vexp(x - M) * il;
                        sr[jj] = p * mk[jj];                     /* dropped probability */
                        dr[jj] = p * (dr[jj] * mk[jj] - di) * scale; /* dS * scale */
                    }
                } else {
#pragma omp simd
                    for (int jj = 0; jj < BC; jj++) {
                        const float x = jj < lr ? sr[jj] + kbias[jj] : -INFINITY;
                        const float p = vexp(x - M) * il;
                        sr[jj] = p;
                        dr[jj] = p * (dr[jj] - di) * scale;
                    }
                }
            }
            if (dv) outer_rb(dva, s, gr, maxlim, D);
            if (dk) outer_rb(dka, dp, xr, maxlim, D);
            if (dq) accum_rb(dqr, dp, kb + (int64_t)j0 * g->ks[1], g->ks[1], maxlim, D);
        }
        for (int jj = 0; jj < nj; jj++) {
            const int64_t r = kgb + (int64_t)(j0 + jj) * g->kgs[1];
            if (dk) {
                float *restrict a = dk + r;
#pragma omp simd
                for (int d = 0; d < D; d++) a[d] += dka[jj * D + d];
            }
            if (dv) {
                float *restrict a = dv + r;
#pragma omp simd
                for (int d = 0; d < D; d++) a[d] += dva[jj * D + d];
            }
        }
    }
}

/* ------------------------------------------------- BLAS variant (long T) */

static bool use_blas(const geom *g) {
    return g->Tq >= BLAS_MIN_T && g->Tk >= BLAS_MIN_T && g->qs[1] >= g->D &&
           g->ks[1] >= g->D && g->vs[1] >= g->D;
}

/* Keys [0, kend) any of the query rows [i0, i0 + nq) can see. */
static inline int block_kend(const geom *g, int i0, int nq) {
    return g->causal ? imax(0, imin(g->Tk, i0 + nq + g->off)) : g->Tk;
}

/* Query rows [i0, i0 + QB) of head (b, h). S: QB * Tk floats. */
static void fwd_blas(const geom *g, int b, int h, int i0, float *S, float *out) {
    const int D = g->D, nq = imin(QB, g->Tq - i0), kend = block_kend(g, i0, nq);
    const float *qb = g->q + b * g->qs[0] + h * g->qs[2] + (int64_t)i0 * g->qs[1];
    const float *kb = g->k + b * g->ks[0] + h * g->ks[2];
    const float *vb = g->v + b * g->vs[0] + h * g->vs[2];
    const uint8_t *kp = g->kp ? g->kp + (int64_t)b * g->Tk : NULL;
    float *o = out + b * g->os[0] + (int64_t)i0 * g->os[1] + h * g->os[2];
    const int64_t r0 = ((int64_t)b * g->H + h) * g->Tq + i0;
    if (kend == 0) { /* no key visible to any row */
        for (int i = 0; i < nq; i++) {
            for (int d = 0; d < D; d++) o[(int64_t)i * g->os[1] + d] = 0.0f;
            g->mrow[r0 + i] = INFINITY;
            g->linv[r0 + i] = 0.0f;
        }
        return;
    }
    /* S (nq, kend) = scale Q K^T */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nq, kend, D, g->scale, qb,
                (int)g->qs[1], kb, (int)g->ks[1], 0.0f, S, kend);
    for (int i = 0; i < nq; i++) {
        float *restrict sr = S + (int64_t)i * kend;
        const int lim = g->causal ? imax(0, imin(kend, i0 + i + g->off + 1)) : kend;
        float mx = -INFINITY;
#pragma omp simd reduction(max : mx)
        for (int j = 0; j < kend; j++) {
            const float v = j < lim && !(kp && kp[j]) ? sr[j] : -INFINITY;
            sr[j] = v;
            mx = v > mx ? v : mx;
        }
        if (mx == -INFINITY) { /* nothing visible: output 0 */
            for (int j = 0; j < kend; j++) sr[j] = 0.0f;
            g->mrow[r0 + i] = INFINITY;
            g->linv[r0 + i] = 0.0f;
            continue;
        }
        const float inv = 1.0f / exp_shift_sum(sr, kend, mx);
        if (g->drop) {
            for (int j = 0; j < kend; j++)
                sr[j] *= j < lim ? inv * keep_mult(g, b, h, i0 + i, j) : 0.0f;
        } else {
#pragma omp simd
            for (int j = 0; j < kend; j++) sr[j] *= inv;
        }
        g->mrow[r0 + i] = mx;
        g->linv[r0 + i] = inv;
    }
    /* O (nq, D) = P V */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nq, D, kend, 1.0f, S, kend, vb,
                (int)g->vs[1], 0.0f, o, (int)g->os[1]);
}

/* Head (b, h). ws: 2 * QB * Tk + QB floats. */
static void bwd_blas(const geom *g, int b, int h, float *ws, const float *out,
                     const float *dout, float *dq, float *dk, float *dv) {
    const int D = g->D, Tq = g->Tq;
    const float scale = g->scale;
    const float *qb = g->q + b * g->qs[0] + h * g->qs[2];
    const float *kb = g->k + b * g->ks[0] + h * g->ks[2];
    const float *vb = g->v + b * g->vs[0] + h * g->vs[2];
    const int64_t ob = b * g->os[0] + h * g->os[2], kgb = b * g->kgs[0] + h * g->kgs[2];
    const int64_t qgb = b * g->qgs[0] + h * g->qgs[2];
    const uint8_t *kp = g->kp ? g->kp + (int64_t)b * g->Tk : NULL;
    const float *mrow = g->mrow + ((int64_t)b * g->H + h) * Tq;
    const float *linv = g->linv + ((int64_t)b * g->H + h) * Tq;
    float *S = ws, *dP = S + (int64_t)QB * g->Tk, *Di = dP + (int64_t)QB * g->Tk;
    for (int i0 = 0; i0 < Tq; i0 += QB) {
        const int nq = imin(QB, Tq - i0), kend = block_kend(g, i0, nq);
        if (kend == 0) continue;
        const float *qr = qb + (int64_t)i0 * g->qs[1];
        const float *gor = dout + ob + (int64_t)i0 * g->os[1];
        for (int i = 0; i < nq; i++) {
            const float *o = out + ob + (int64_t)(i0 + i) * g->os[1];
            const float *go = gor + (int64_t)i * g->os[1];
            double acc = 0.0;
#pragma omp simd reduction(+ : acc)
            for (int d = 0; d < D; d++) acc += (double)o[d] * go[d];
            Di[i] = (float)acc;
        }
        /* S = scale Q K^T, dP = dO V^T: (nq, kend) */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nq, kend, D, scale, qr,
                    (int)g->qs[1], kb, (int)g->ks[1], 0.0f, S, kend);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nq, kend, D, 1.0f, gor,
                    (int)g->os[1], vb, (int)g->vs[1], 0.0f, dP, kend);
        for (int i = 0; i < nq; i++) {
            float *restrict sr = S + (int64_t)i * kend, *restrict dr = dP + (int64_t)i * kend;
            const float M = mrow[i0 + i], il = linv[i0 + i], di = Di[i];
            const int lim = M == INFINITY ? 0
                            : g->causal ? imax(0, imin(kend, i0 + i + g->off + 1)) : kend;
            if (g->drop) {
                for (int j = 0; j < kend; j++) {
                    const bool vis = j < lim && !(kp && kp[j]);
                    const float mk = vis ? keep_mult(g, b, h, i0 + i, j) : 0.0f;
                    const float p = vis ? vexp(sr[j] - M) * il : 0.0f;
                    sr[j] = p * mk;                          /* dropped probability */
                    dr[j] = p * (dr[j] * mk - di) * scale;   /* dS * scale */
                }
            } else {
#pragma omp simd
                for (int j = 0; j < kend; j++) {
                    const float x = j < lim && !(kp && kp[j]) ? sr[j] : -INFINITY;
                    const float p = vexp(x - M) * il;
                    sr[j] = p;
                    dr[j] = p * (dr[j] - di) * scale;
                }
            }
        }
        if (dv) /* dV[0, kend) += P^T dO */
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, kend, D, nq, 1.0f, S, kend,
                        gor, (int)g->os[1], 1.0f, dv + kgb, (int)g->kgs[1]);
        if (dk) /* dK[0, kend) += dS^T Q */
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, kend, D, nq, 1.0f, dP, kend,
                        qr, (int)g->qs[1], 1.0f, dk + kgb, (int)g->kgs[1]);
        if (dq) /* dQ[i0, i0 + nq) += dS K */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nq, D, kend, 1.0f, dP, kend,
                        kb, (int)g->ks[1], 1.0f, dq + qgb + (int64_t)i0 * g->qgs[1],
                        (int)g->qgs[1]);
    }
}

static void attention_backward(vl_ctx *c, vl_node *n) {
    const attn_saved *sv = n->saved;
    const geom *g = &sv->g;
    float *dq = vl_in_grad(c, n->in[0]), *dk, *dv;
    if (g->kv_off) { /* one packed (B, T, 3C) input */
        dk = dq ? dq + g->kv_off : NULL;
        dv = dq ? dq + 2 * g->kv_off : NULL;
    } else {
        dk = vl_in_grad(c, n->in[1]);
        dv = vl_in_grad(c, n->in[2]);
    }
    if (!dq && !dk && !dv) return;
    const int BH = g->B * g->H;
    const int nt = attn_threads(3.0 * BH * (double)g->Tq * g->Tk * g->D, BH);
    const bool blas = use_blas(g);
    const int64_t wsn = blas ? 2 * (int64_t)QB * g->Tk + QB + 16
                             : g->Tq + 4 * (int64_t)g->D * BC + (int64_t)RB * g->D + 16;
    float *ws = vl_arena_alloc(&c->arena, (size_t)(nt * wsn) * sizeof(float));
    const float *out = n->out->data, *dout = n->out->grad;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if (nt > 1)
    for (int bh = 0; bh < BH; bh++) {
        float *w = ws + omp_get_thread_num() * wsn;
        if (blas)
            bwd_blas(g, bh / g->H, bh % g->H, w, out, dout, dq, dk, dv);
        else
            bwd_head(g, bh / g->H, bh % g->H, w, out, dout, dq, dk, dv);
    }
}

/* Fills the (b, t, h) strides of x in the given form. */
static void data_strides(const vl_tensor *x, bool three, int D, int64_t *s) {
    if (three) {
        s[0] = x->stride[0];
        s[1] = x->stride[1];
        s[2] = D; /* heads are consecutive D-blocks of the last dim */
    } else {
        s[0] = x->stride[0];
        s[1] = x->stride[2];
        s[2] = x->stride[1];
    }
}

static void contig_strides(bool three, int H, int T, int D, int64_t *s) {
    if (three) {
        s[0] = (int64_t)T * H * D;
        s[1] = (int64_t)H * D;
        s[2] = D;
    } else {
        s[0] = (int64_t)H * T * D;
        s[1] = D;
        s[2] = (int64_t)T * D;
    }
}

/* x with its last dim contiguous (a recorded copy otherwise). */
static vl_tensor *last_dim_dense(vl_ctx *c, vl_tensor *x) {
    return (x->stride[x->ndim - 1] == 1 || x->shape[x->ndim - 1] == 1)
               ? x : vl_contiguous(c, x);
}

/* qkv: the packed (B, T, 3C) tensor q, k, v are views of (NULL otherwise). */
static vl_tensor *attention_impl(vl_ctx *c, vl_tensor *q, vl_tensor *k, vl_tensor *v,
                                 vl_tensor *qkv, int n_heads, const vl_attn_opts *opts) {
    static const vl_attn_opts none = {0};
    if (!opts) opts = &none;
    VL_ASSERT(q->ndim == k->ndim && q->ndim == v->ndim &&
              (q->ndim == 3 || q->ndim == 4), "attention: q, k, v 3-D or 4-D");
    const bool three = q->ndim == 3;
    geom g;
    memset(&g, 0, sizeof g);
    g.B = q->shape[0];
    if (three) {
        VL_ASSERT(n_heads > 0 && q->shape[2] % n_heads == 0,
                  "attention: %d channels for %d heads", q->shape[2], n_heads);
        g.H = n_heads;
        g.Tq = q->shape[1];
        g.Tk = k->shape[1];
        g.D = q->shape[2] / n_heads;
        VL_ASSERT(k->shape[2] == q->shape[2] && v->shape[2] == q->shape[2] &&
                  v->shape[1] == g.Tk, "attention: q, k, v shapes differ");
    } else {
        g.H = q->shape[1];
        g.Tq = q->shape[2];
        g.Tk = k->shape[2];
        g.D = q->shape[3];
        VL_ASSERT(k->shape[1] == g.H && v->shape[1] == g.H && k->shape[3] == g.D &&
                  v->shape[3] == g.D && v->shape[2] == g.Tk,
                  "attention: q, k, v shapes differ");
    }
    VL_ASSERT(k->shape[0] == g.B && v->shape[0] == g.B, "attention: batch differs");
    q = last_dim_dense(c, q);
    k = last_dim_dense(c, k);
    v = last_dim_dense(c, v);
    g.off = g.Tk - g.Tq;
    g.causal = opts->causal;
    g.scale = opts->scale > 0 ? opts->scale : 1.0f / sqrtf((float)g.D);
    g.q = q->data;
    g.k = k->data;
    g.v = v->data;
    data_strides(q, three, g.D, g.qs);
    data_strides(k, three, g.D, g.ks);
    data_strides(v, three, g.D, g.vs);
    contig_strides(three, g.H, g.Tq, g.D, g.os);
    contig_strides(three, g.H, g.Tk, g.D, g.kgs);
    memcpy(g.qgs, g.os, sizeof g.qgs);
    if (qkv) { /* gradients straight into the packed tensor's gradient */
        const int C = g.H * g.D;
        g.kv_off = C;
        g.qgs[0] = g.kgs[0] = (int64_t)g.Tq * 3 * C;
        g.qgs[1] = g.kgs[1] = 3 * C;
        g.qgs[2] = g.kgs[2] = g.D;
    }
    const float p = opts->dropout;
    VL_ASSERT(p >= 0.0f && p < 1.0f, "attention dropout %g", (double)p);
    if (c->training && p > 0.0f) {
        g.drop = true;
        g.key = vl_rng_u64(&c->rng);
        g.thresh = (uint64_t)ceilf(p * 16777216.0f);
        g.keep_scale = 1.0f / (1.0f - p);
    }
    if (opts->key_padding) {
        uint8_t *kp = vl_arena_alloc(&c->arena, (size_t)g.B * g.Tk + 1);
        memcpy(kp, opts->key_padding, (size_t)g.B * g.Tk);
        g.kp = kp;
    }
    const int BH = g.B * g.H;
    g.mrow = vl_arena_alloc(&c->arena, (size_t)((int64_t)BH * g.Tq + 1) * sizeof(float));
    g.linv = vl_arena_alloc(&c->arena, (size_t)((int64_t)BH * g.Tq + 1) * sizeof(float));
    vl_tensor *out = three ? vl_tensor_new(c, 3, (int[]){g.B, g.Tq, g.H * g.D})
                           : vl_tensor_new(c, 4, (int[]){g.B, g.H, g.Tq, g.D});
    const bool blas = use_blas(&g);
    const int rows = blas ? QB : BR; /* query rows per task */
    const int ntiles = (g.Tq + rows - 1) / rows;
    const int64_t tasks = (int64_t)BH * ntiles;
    const int nt = attn_threads((double)BH * g.Tq * g.Tk * g.D, tasks);
    const int64_t wsn = blas ? (int64_t)QB * g.Tk + 16
                             : (int64_t)g.D * BC + (int64_t)BR * g.D + 16;
    float *ws = vl_arena_alloc(&c->arena, (size_t)(nt * wsn) * sizeof(float));
    const geom *gp = &g;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if (nt > 1)
    for (int64_t t = 0; t < tasks; t++) {
        const int bh = (int)(t / ntiles), tile = (int)(t % ntiles);
        float *w = ws + omp_get_thread_num() * wsn;
        if (blas)
            fwd_blas(gp, bh / gp->H, bh % gp->H, tile * QB, w, out->data);
        else
            fwd_tile(gp, bh / gp->H, bh % gp->H, tile * BR, w, out->data);
    }
    vl_node *n = qkv ? vl_record(c, "attention_qkv", attention_backward, out, 1, &qkv)
                     : vl_record(c, "attention", attention_backward, out, 3,
                                 (vl_tensor *[]){q, k, v});
    if (n) {
        attn_saved *sv = vl_arena_alloc(&c->arena, sizeof *sv);
        sv->g = g;
        n->saved = sv;
    }
    return out;
}

vl_tensor *vl_attention(vl_ctx *c, vl_tensor *q, vl_tensor *k, vl_tensor *v,
                        int n_heads, const vl_attn_opts *opts) {
    return attention_impl(c, q, k, v, NULL, n_heads, opts);
}

vl_tensor *vl_attention_qkv(vl_ctx *c, vl_tensor *qkv, int n_heads,
                            const vl_attn_opts *opts) {
    VL_ASSERT(qkv->ndim == 3 && qkv->shape[2] % 3 == 0, "attention_qkv: (B, T, 3C)");
    qkv = vl_dense(c, qkv);
    const int C = qkv->shape[2] / 3;
    vl_tensor q = *qkv, k = *qkv, v = *qkv; /* header-only views, not recorded */
    q.shape[2] = k.shape[2] = v.shape[2] = C;
    k.data += C;
    v.data += 2 * C;
    q.requires_grad = k.requires_grad = v.requires_grad = false;
    return attention_impl(c, &q, &k, &v, qkv, n_heads, opts);
}
