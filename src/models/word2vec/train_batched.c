/* src/models/word2vec/train_batched.c: the fast engine (default), after
 * pWord2Vec / HogBatch (Ji et al. 2016): outputs are shared by a block of
 * inputs, so each step is a small dense product computed by register-blocked
 * vector kernels instead of word2vec.c's one scalar dot product per
 * (input, output) pair with fresh negatives each time.
 *
 *  - skip-gram: the context words of one target form the input block
 *    X (B x d); the target plus `negative` negatives drawn once for the whole
 *    window (or the target's Huffman path) form the output block W (K x d).
 *    Per input row: logits X_b W^T (4 rows of W per pass over x), gradient
 *    G_b = (labels - sigmoid) * alpha, then X_b += G_b W and W += G_b^T X_b
 *    fused in one pass over the dimension.
 *  - CBOW: `batch` consecutive targets share one set of negatives (default
 *    1: each target draws its own, as word2vec.c; 16 is 2.6x faster but
 *    3 analogy points worse after 10 iterations); each target's hidden
 *    vector (context mean or sum) meets its own output row and the
 *    negative rows, whose updates are summed over the block (H^T G) and
 *    applied at its end (with batch 1: at once). Hierarchical softmax has
 *    no shared outputs in CBOW; its path's dot products are computed
 *    together.
 *
 * No cblas_sgemm: the products are tiny (B <= 2*window, K = negative + 1,
 * d = size); a version that gathers X and W and makes pWord2Vec's three
 * sgemm calls per block (single-threaded inside our OpenMP threads) took
 * 2.1x the CPU time of these kernels (13.2 s vs 6.4 s, one skip-gram pass
 * over 30 MB of wiki8, 2 threads). The gains over word2vec.c: vectorised dot products
 * (its `f += a*b` loop cannot vectorise without -ffast-math), several dot
 * products per load of the input row, and each output row fetched once per
 * window (skip-gram) or per 16 targets (CBOW negatives) instead of once per
 * update: word2vec.c's CBOW with 25 negatives touches 26 random rows of
 * syn1neg per word. Writes are Hogwild, as in word2vec.c. */
#include <string.h>

#include "w2v_internal.h"

/* 16- and 8-float vectors through GCC's vector extension: one AVX-512 /
 * AVX register on x86 (the compiler splits them on narrower targets); rows
 * are read and written unaligned through memcpy (vmovups). A dimension is
 * walked in 16-float chunks, then one 8-float chunk, then scalars. */
typedef float vf16 __attribute__((vector_size(64)));
typedef float vf8 __attribute__((vector_size(32)));
/* The helpers below are static and inlined: their vector arguments never
 * cross an ABI boundary, so the portable build's -Wpsabi notes are noise. */
#pragma GCC diagnostic ignored "-Wpsabi"
static inline vf16 ld16(const float *p) {
    vf16 v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void st16(float *p, vf16 v) { memcpy(p, &v, sizeof v); }
static inline vf8 ld8(const float *p) {
    vf8 v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void st8(float *p, vf8 v) { memcpy(p, &v, sizeof v); }
static inline float hsum8(vf8 v) {
    return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}
static inline float hsum16(vf16 v) {
    vf8 lo = {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]};
    vf8 hi = {v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]};
    return hsum8(lo + hi);
}

static inline void axpy(float g, const float *restrict x, float *restrict y, int n) {
#pragma omp simd
    for (int c = 0; c < n; c++) y[c] += g * x[c];
}

/* out[k] = x . w[k] for k < nb (nb <= 4): the rows share each load of x and
 * keep nb independent accumulator chains in flight. */
static inline __attribute__((always_inline)) void dots_block(const float *x,
                                                             const float *const *w, int nb,
                                                             int dim, float *out) {
    vf16 acc[4] = {{0}, {0}, {0}, {0}};
    int c = 0;
    for (; c + 16 <= dim; c += 16) {
        vf16 xv = ld16(x + c);
        for (int k = 0; k < nb; k++) acc[k] += xv * ld16(w[k] + c);
    }
    float s[4];
    for (int k = 0; k < nb; k++) s[k] = hsum16(acc[k]);
    if (c + 8 <= dim) {
        vf8 xv = ld8(x + c);
        for (int k = 0; k < nb; k++) s[k] += hsum8(xv * ld8(w[k] + c));
        c += 8;
    }
    for (int k = 0; k < nb; k++) {
        for (int r = c; r < dim; r++) s[k] += x[r] * w[k][r];
        out[k] = s[k];
    }
}

/* out[k] = x . w[k] for all k < K */
static void dots(const float *x, const float *const *w, int K, int dim, float *out) {
    int k = 0;
    for (; k + 4 <= K; k += 4) dots_block(x, w + k, 4, dim, out + k);
    switch (K - k) {
    case 3: dots_block(x, w + k, 3, dim, out + k); break;
    case 2: dots_block(x, w + k, 2, dim, out + k); break;
    case 1: dots_block(x, w + k, 1, dim, out + k); break;
    default: break;
    }
}

/* For one input row x and K output rows w[k] with gradients g[k]:
 * x += sum_k g[k] w[k] and dw[k] += g[k] x_old, in one pass over the
 * dimension. dw[k] may be w[k] itself (an immediate update): every element
 * is read before it is written. */
static void fused_update(float *x, const float *const *w, float *const *dw, const float *g, int K,
                         int dim) {
    int c = 0;
    for (; c + 16 <= dim; c += 16) {
        vf16 xv = ld16(x + c), e = {0};
        for (int k = 0; k < K; k++) {
            e += g[k] * ld16(w[k] + c);
            st16(dw[k] + c, ld16(dw[k] + c) + g[k] * xv);
        }
        st16(x + c, xv + e);
    }
    if (c + 8 <= dim) {
        vf8 xv = ld8(x + c), e = {0};
        for (int k = 0; k < K; k++) {
            e += g[k] * ld8(w[k] + c);
            st8(dw[k] + c, ld8(dw[k] + c) + g[k] * xv);
        }
        st8(x + c, xv + e);
        c += 8;
    }
    for (; c < dim; c++) {
        float e = 0;
        for (int k = 0; k < K; k++) {
            e += g[k] * w[k][c];
            dw[k][c] += g[k] * x[c];
        }
        x[c] += e;
    }
}

/* e += sum_k g[k] w[k] and dw[k] += g[k] h, one pass over the dimension
 * (dw[k] may be w[k] itself: each w element is read before it is written). */
static void accum_update(const float *h, float *e, const float *const *w, float *const *dw,
                         const float *g, int K, int dim) {
    int c = 0;
    for (; c + 16 <= dim; c += 16) {
        vf16 hv = ld16(h + c), ev = ld16(e + c);
        for (int k = 0; k < K; k++) {
            ev += g[k] * ld16(w[k] + c);
            st16(dw[k] + c, ld16(dw[k] + c) + g[k] * hv);
        }
        st16(e + c, ev);
    }
    if (c + 8 <= dim) {
        vf8 hv = ld8(h + c), ev = ld8(e + c);
        for (int k = 0; k < K; k++) {
            ev += g[k] * ld8(w[k] + c);
            st8(dw[k] + c, ld8(dw[k] + c) + g[k] * hv);
        }
        st8(e + c, ev);
        c += 8;
    }
    for (; c < dim; c++)
        for (int k = 0; k < K; k++) {
            e[c] += g[k] * w[k][c];
            dw[k][c] += g[k] * h[c];
        }
}

/* gradient times alpha for logit f and label; HS skips saturated logits
 * (returns 0) as word2vec.c does, NS clips them. */
static inline float grad(const w2v_job *j, float f, float label, bool hs, float alpha) {
    if (f >= W2V_MAX_EXP) return hs ? 0 : (label - 1) * alpha;
    if (f <= -W2V_MAX_EXP) return hs ? 0 : label * alpha;
    return (label - w2v_sigmoid(j, f)) * alpha;
}

#define MAX_ROWS 1024

/* X (the B rows of syn0 named by in[]) against W (the K rows of `wm` named
 * by out[]) with labels: for each input row, the K logits X_b W^T, then
 * G_b = (labels - sigmoid) alpha, X_b += G_b W and W += G_b^T X_b (old X_b),
 * fused in one pass. W is updated row after row rather than after the whole
 * block: measured 5-9% faster (no buffer for the block's W gradient) with
 * the same arithmetic per pair, and it is word2vec.c's own order. */
static void block_update(w2v_thread *t, const int *in, int B, float *wm, const int *out,
                         const float *labels, int K, bool hs) {
    w2v_job *j = t->job;
    int dim = j->cfg->dim;
    float *syn0 = j->m->syn0, *g = t->g;
    const float *w[MAX_ROWS], *wl[MAX_ROWS];
    float *dwl[MAX_ROWS], f[MAX_ROWS];
    for (int k = 0; k < K; k++) w[k] = wm + (size_t)out[k] * dim;
    for (int b = 0; b < B; b++) {
        float *x = syn0 + (size_t)in[b] * dim;
        dots(x, w, K, dim, f);
        /* compact away zero gradients (saturated HS nodes) */
        int n = 0;
        for (int k = 0; k < K; k++) {
            float gk = grad(j, f[k], labels[k], hs, t->alpha);
            if (gk == 0) continue;
            g[n] = gk;
            wl[n] = w[k];
            dwl[n++] = (float *)w[k];
        }
        if (n) fused_update(x, wl, dwl, g, n, dim);
    }
}

static void sg_sentence(w2v_thread *t, const int *sen, int len) {
    w2v_job *j = t->job;
    const vl_w2v_config *cfg = j->cfg;
    const vl_w2v_vocab *v = j->v;
    int *in = t->ctx;
    for (int i = 0; i < len; i++) {
        int word = sen[i];
        int B = w2v_context(t, len, i, in);
        if (!B) continue;
        for (int k = 0; k < B; k++) in[k] = sen[in[k]];
        if (cfg->hs) {
            int L = v->codelen[word];
            for (int d = 0; d < L; d++) {
                t->ids[d] = v->points[word * VL_W2V_MAX_CODE + d];
                t->labels[d] = 1.0f - v->codes[word * VL_W2V_MAX_CODE + d];
            }
            block_update(t, in, B, j->m->syn1, t->ids, t->labels, L, true);
        }
        if (cfg->negative) {
            int K = 0;
            t->ids[K] = word;
            t->labels[K++] = 1;
            for (int d = 0; d < cfg->negative; d++) {
                int n = vl_w2v_alias_draw(&j->alias, w2v_rand(&t->rng));
                if (n == word) continue;
                t->ids[K] = n;
                t->labels[K++] = 0;
            }
            block_update(t, in, B, j->m->syn1neg, t->ids, t->labels, K, false);
        }
    }
}

static void cbow_sentence(w2v_thread *t, const int *sen, int len) {
    w2v_job *j = t->job;
    const vl_w2v_config *cfg = j->cfg;
    const vl_w2v_vocab *v = j->v;
    int dim = cfg->dim, neg = cfg->negative;
    float *syn0 = j->m->syn0, *h = t->neu1, *e = t->neu1e, *g = t->g;
    float *syn1 = j->m->syn1, *syn1neg = j->m->syn1neg;
    int *negs = t->ids;
    const float *w[MAX_ROWS];
    float *dw[MAX_ROWS], f[MAX_ROWS];
    /* one target per block: its negatives are its own, updated at once
     * (word2vec.c's order) with no block buffer to clear and add back */
    bool shared = cfg->batch > 1;
    for (int s = 0; s < len; s += cfg->batch) {
        int end = s + cfg->batch < len ? s + cfg->batch : len;
        if (neg) {
            for (int k = 0; k < neg; k++) negs[k] = vl_w2v_alias_draw(&j->alias, w2v_rand(&t->rng));
            if (shared) memset(t->dout, 0, (size_t)neg * dim * sizeof(float));
        }
        for (int i = s; i < end; i++) {
            int word = sen[i];
            int n = w2v_context(t, len, i, t->ctx);
            if (!n) continue;
            memset(h, 0, (size_t)dim * sizeof(float));
            for (int k = 0; k < n; k++) axpy(1.0f, syn0 + (size_t)sen[t->ctx[k]] * dim, h, dim);
            if (cfg->cbow_mean) {
                float inv = 1.0f / n;
#pragma omp simd
                for (int c = 0; c < dim; c++) h[c] *= inv;
            }
            memset(e, 0, (size_t)dim * sizeof(float));
            if (cfg->hs) {
                int L = v->codelen[word], m = 0;
                const int *pt = v->points + (size_t)word * VL_W2V_MAX_CODE;
                const uint8_t *cd = v->codes + (size_t)word * VL_W2V_MAX_CODE;
                for (int d = 0; d < L; d++) w[d] = syn1 + (size_t)pt[d] * dim;
                dots(h, w, L, dim, f);
                /* nodes differ, so all dots before any update is exactly
                 * word2vec.c's sequential order */
                for (int d = 0; d < L; d++) {
                    float gg = grad(j, f[d], 1.0f - cd[d], true, t->alpha);
                    if (gg == 0) continue;
                    g[m] = gg;
                    w[m] = syn1 + (size_t)pt[d] * dim;
                    dw[m++] = syn1 + (size_t)pt[d] * dim;
                }
                accum_update(h, e, w, dw, g, m, dim);
            }
            if (neg) {
                w[0] = dw[0] = syn1neg + (size_t)word * dim;  /* updated at once */
                for (int k = 0; k < neg; k++) {
                    w[k + 1] = syn1neg + (size_t)negs[k] * dim;
                    dw[k + 1] = shared ? t->dout + (size_t)k * dim   /* after the block */
                                       : syn1neg + (size_t)negs[k] * dim;
                }
                dots(h, w, neg + 1, dim, f);
                g[0] = grad(j, f[0], 1.0f, false, t->alpha);
                for (int k = 1; k <= neg; k++)
                    g[k] = negs[k - 1] == word ? 0 : grad(j, f[k], 0.0f, false, t->alpha);
                accum_update(h, e, w, dw, g, neg + 1, dim);
            }
            for (int k = 0; k < n; k++) axpy(1.0f, e, syn0 + (size_t)sen[t->ctx[k]] * dim, dim);
        }
        if (neg && shared)
            for (int k = 0; k < neg; k++)
                axpy(1.0f, t->dout + (size_t)k * dim, syn1neg + (size_t)negs[k] * dim, dim);
    }
}

void w2v_batched_sentence(w2v_thread *t, const int *sen, int len) {
    if (t->job->cfg->cbow) cbow_sentence(t, sen, len);
    else sg_sentence(t, sen, len);
}
