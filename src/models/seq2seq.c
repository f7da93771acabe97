/* src/models/seq2seq.c: the recurrent encoder-decoder (optionally with a
 * bidirectional encoder): parameters, the
 * teacher-forced training loss (whole target sequence at once: decoder
 * RNN over all steps, then attention for all steps with batched matmuls),
 * and step-by-step greedy / beam-search decoding. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "valle/seq2seq.h"

static int dec_in_dim(const vl_s2s_config *c) {
    return c->emb + (c->peeky ? c->hidden : 0);
}
static int out_in_dim(const vl_s2s_config *c) {
    return c->hidden * (1 + (c->attention != VL_S2S_ATTN_NONE) + c->peeky);
}

void vl_s2s_model_init(vl_s2s_model *m, vl_params *p, const vl_s2s_config *cfg) {
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    vl_embedding_init(&m->src_emb, p, "src_emb", cfg->n_src, cfg->emb);
    vl_embedding_init(&m->tgt_emb, p, "tgt_emb", cfg->n_tgt, cfg->emb);
    vl_rnn_init(&m->enc, p, "enc", cfg->cell, cfg->emb, cfg->hidden, 1, 0, 0);
    if (cfg->bidir) {
        vl_rnn_init(&m->enc_bwd, p, "enc_bwd", cfg->cell, cfg->emb, cfg->hidden, 1, 0, 0);
        vl_linear_init(&m->enc_proj, p, "enc_proj", 2 * cfg->hidden, cfg->hidden, true);
    }
    vl_rnn_init(&m->dec, p, "dec", cfg->cell, dec_in_dim(cfg), cfg->hidden, 1, 0, 0);
    if (cfg->attention == VL_S2S_ATTN_ADD)
        vl_rnn_additive_init(&m->add, p, "dec", cfg->hidden, cfg->hidden, cfg->hidden);
    vl_linear_init(&m->out, p, "out", out_in_dim(cfg), cfg->n_tgt, true);
}

/* Bidirectional encoder's second half: the RNN `enc_bwd` over every row
 * flipped in time, flipped back, so that position t of the result has read
 * positions t..Ts-1. Sources are left-padded, so a flipped row ends in its
 * padding and no real position reads a pad. Returns (B, Ts, H). */
static vl_tensor *encode_backward(vl_ctx *c, const vl_s2s_model *m, const int *src, int B,
                                  int Ts) {
    int n = B * Ts, H = m->cfg.hidden;
    int *flip = vl_arena_alloc(&c->arena, sizeof(int) * n); /* (B, Ts): a time flip */
    int *rev = vl_arena_alloc(&c->arena, sizeof(int) * n);  /* (B, Ts) flipped ids */
    for (int b = 0; b < B; b++)
        for (int t = 0; t < Ts; t++) {
            flip[b * Ts + t] = b * Ts + Ts - 1 - t;
            rev[b * Ts + t] = src[b * Ts + Ts - 1 - t];
        }
    vl_tensor *x = vl_embedding(c, m->src_emb.weight, rev, 2, (int[]){B, Ts});
    vl_tensor *y = vl_rnn_forward(c, &m->enc_bwd, x, NULL, NULL); /* (B, Ts, H), flipped */
    /* the flip back as a row gather (its backward scatters the gradient) */
    return vl_embedding(c, vl_reshape(c, y, 2, (int[]){n, H}), flip, 2, (int[]){B, Ts});
}

/* Encoder: ids (B, Ts) -> states (B, Ts, H), final state, pad mask. With
 * `bidir`, the states are Linear(2H -> H) of [forward; backward] and the
 * final state is the forward RNN's (it has read the whole source). */
static vl_tensor *encode(vl_ctx *c, const vl_s2s_model *m, const int *src, int B,
                         int Ts, vl_rnn_state *fin, uint8_t **pad) {
    vl_tensor *x = vl_embedding(c, m->src_emb.weight, src, 2, (int[]){B, Ts});
    vl_tensor *y = vl_rnn_forward(c, &m->enc, x, NULL, fin);
    if (m->cfg.bidir) {
        vl_tensor *both = vl_concat(c, (vl_tensor *[]){y, encode_backward(c, m, src, B, Ts)}, 2, 2);
        y = vl_linear_forward(c, (vl_linear_layer *)&m->enc_proj, both);
    }
    *pad = NULL;
    bool any = false;
    for (int i = 0; i < B * Ts; i++) any |= src[i] == VL_S2S_PAD;
    if (any && m->cfg.attention != VL_S2S_ATTN_NONE) {
        *pad = vl_arena_alloc(&c->arena, (size_t)B * Ts);
        for (int i = 0; i < B * Ts; i++) (*pad)[i] = src[i] == VL_S2S_PAD;
    }
    return y;
}

/* Decoder over Td steps from state *st (updated): logits (B, Td, V). */
static vl_tensor *decode_steps(vl_ctx *c, const vl_s2s_model *m, vl_tensor *enc,
                               const uint8_t *pad, vl_tensor *hpeek, const int *in,
                               int B, int Td, vl_rnn_state *st, vl_tensor **attn) {
    const vl_s2s_config *cf = &m->cfg;
    vl_tensor *x = vl_embedding(c, m->tgt_emb.weight, in, 2, (int[]){B, Td});
    vl_tensor *hb = NULL; /* (B, Td, H): the encoder state at every step */
    if (cf->peeky) {
        hb = vl_add(c, vl_tensor_zeros(c, 3, (int[]){B, Td, cf->hidden}), hpeek);
        x = vl_concat(c, (vl_tensor *[]){x, hb}, 2, 2);
    }
    vl_rnn_state nst;
    vl_tensor *y = vl_rnn_forward(c, &m->dec, x, st, &nst); /* (B, Td, H) */
    *st = nst;
    vl_tensor *parts[3];
    int np = 0;
    if (cf->attention != VL_S2S_ATTN_NONE)
        parts[np++] = vl_rnn_attend(c, enc, y, pad,
                                    cf->attention == VL_S2S_ATTN_ADD ? &m->add : NULL,
                                    attn);
    parts[np++] = y;
    if (hb) parts[np++] = hb;
    vl_tensor *feat = np == 1 ? y : vl_concat(c, parts, np, 2);
    return vl_linear_forward(c, (vl_linear_layer *)&m->out, feat);
}

vl_tensor *vl_s2s_loss(vl_ctx *c, const vl_s2s_model *m, const int *src, int B,
                       int Ts, const int *dec_in, const int *tgt, int Td) {
    vl_rnn_state fin;
    uint8_t *pad;
    vl_tensor *enc = encode(c, m, src, B, Ts, &fin, &pad);
    vl_tensor *hpeek = vl_reshape(c, fin.h, 3, (int[]){B, 1, m->cfg.hidden});
    vl_tensor *logits = decode_steps(c, m, enc, pad, hpeek, dec_in, B, Td, &fin, NULL);
    logits = vl_reshape(c, logits, 2, (int[]){B * Td, m->cfg.n_tgt});
    return vl_cross_entropy(c, logits, tgt, -100);
}

/* Rows idx[0..K) of a (1, B, H) state as a new (1, K, H) tensor. */
static vl_tensor *gather_rows(vl_ctx *c, vl_tensor *s, const int *idx, int K) {
    if (!s) return NULL;
    vl_tensor *d = vl_contiguous(c, s);
    int H = s->shape[2];
    vl_tensor *o = vl_tensor_new(c, 3, (int[]){1, K, H});
    for (int k = 0; k < K; k++)
        memcpy(o->data + (size_t)k * H, d->data + (size_t)idx[k] * H, H * sizeof(float));
    return o;
}

/* Repeats a (1, ...) tensor K times along dim 0 (no grad). */
static vl_tensor *repeat0(vl_ctx *c, vl_tensor *t, int K) {
    t = vl_contiguous(c, t);
    int shape[VL_MAX_DIMS];
    memcpy(shape, t->shape, sizeof shape);
    shape[0] = K;
    vl_tensor *o = vl_tensor_new(c, t->ndim, shape);
    for (int k = 0; k < K; k++)
        memcpy(o->data + (size_t)k * t->numel, t->data, (size_t)t->numel * sizeof(float));
    return o;
}

typedef struct hyp {
    int toks[256];
    int n;
    double score;
} hyp;

int vl_s2s_decode(const vl_s2s_model *m, vl_ctx *c, const int *src, int ns,
                  int beam, int *out, int cap, float *attn) {
    bool g = vl_set_grad_enabled(c, false), tr = c->training;
    vl_set_training(c, false);
    if (cap > 255) cap = 255;
    int K = beam < 1 ? 1 : beam, V = m->cfg.n_tgt, H = m->cfg.hidden;
    int *ids = vl_arena_alloc(&c->arena, sizeof(int) * (ns > 0 ? ns : 1));
    for (int i = 0; i < ns; i++) ids[i] = m->cfg.reverse ? src[ns - 1 - i] : src[i];
    vl_rnn_state st;
    uint8_t *pad;
    vl_tensor *enc1 = encode(c, m, ids, 1, ns, &st, &pad);
    vl_tensor *hpeek1 = vl_reshape(c, st.h, 3, (int[]){1, 1, H});
    vl_tensor *enc = repeat0(c, enc1, K), *hpeek = repeat0(c, hpeek1, K);
    int *rows = calloc(K, sizeof(int));
    st.h = gather_rows(c, st.h, rows, K);
    st.c = gather_rows(c, st.c, rows, K);
    hyp *alive = calloc(K, sizeof(hyp)), *next = calloc(K, sizeof(hyp));
    float *amap = attn ? calloc((size_t)K * (cap + 1) * (ns > 0 ? ns : 1), sizeof(float)) : NULL;
    float *amap2 = attn ? calloc((size_t)K * (cap + 1) * (ns > 0 ? ns : 1), sizeof(float)) : NULL;
    int n_alive = 1;
    hyp best = {.n = 0, .score = -INFINITY};
    int *tok = calloc(K, sizeof(int));
    double *cand = malloc(sizeof(double) * K * V);
    for (int step = 0; step <= cap && n_alive > 0; step++) {
        for (int k = 0; k < n_alive; k++)
            tok[k] = alive[k].n ? alive[k].toks[alive[k].n - 1] : VL_S2S_BOS;
        for (int k = n_alive; k < K; k++) tok[k] = VL_S2S_BOS;
        vl_tensor *a = NULL;
        vl_tensor *lg = decode_steps(c, m, enc, pad, hpeek, tok, K, 1, &st,
                                     attn ? &a : NULL); /* (K, 1, V) */
        vl_tensor *lp = vl_log_softmax(c, vl_reshape(c, lg, 2, (int[]){K, V}));
        for (int k = 0; k < n_alive; k++)
            for (int v = 0; v < V; v++)
                cand[(size_t)k * V + v] = alive[k].score + lp->data[(size_t)k * V + v];
        /* top candidates: pick best K (excluding pad/bos) */
        int n_next = 0;
        int nsel = 0;
        int *from = calloc(K, sizeof(int));
        while (n_next < K && nsel < 2 * K + 2) {
            double bv = -INFINITY;
            int bi = -1;
            for (int i = 0; i < n_alive * V; i++) {
                int v = i % V;
                if (v == VL_S2S_PAD || v == VL_S2S_BOS) continue;
                if (cand[i] > bv) { bv = cand[i]; bi = i; }
            }
            if (bi < 0) break;
            nsel++;
            cand[bi] = -INFINITY;
            int k = bi / V, v = bi % V;
            if (v == VL_S2S_EOS || step == cap) {
                if (bv > best.score) {
                    best = alive[k];
                    best.score = bv;
                    if (amap) {
                        for (int s = 0; s < step; s++)
                            memcpy(attn + (size_t)s * ns, amap + ((size_t)k * (cap + 1) + s) * ns,
                                   ns * sizeof(float));
                    }
                }
                continue;
            }
            next[n_next] = alive[k];
            next[n_next].toks[next[n_next].n++] = v;
            next[n_next].score = bv;
            from[n_next] = k;
            if (amap) {
                memcpy(amap2 + (size_t)n_next * (cap + 1) * ns, amap + (size_t)k * (cap + 1) * ns,
                       (size_t)step * ns * sizeof(float));
                memcpy(amap2 + ((size_t)n_next * (cap + 1) + step) * ns,
                       a->data + (size_t)k * ns, ns * sizeof(float));
            }
            n_next++;
        }
        /* stop when no alive hypothesis can beat the best finished one */
        int keep = 0;
        for (int i = 0; i < n_next; i++)
            if (next[i].score > best.score) {
                next[keep] = next[i];
                from[keep] = from[i];
                if (amap && keep != i)
                    memcpy(amap2 + (size_t)keep * (cap + 1) * ns,
                           amap2 + (size_t)i * (cap + 1) * ns, (size_t)(step + 1) * ns * sizeof(float));
                keep++;
            }
        n_alive = keep;
        for (int k = keep; k < K; k++) from[k] = 0;
        st.h = gather_rows(c, st.h, from, K);
        st.c = gather_rows(c, st.c, from, K);
        hyp *t = alive; alive = next; next = t;
        if (amap) { float *tf = amap; amap = amap2; amap2 = tf; }
        free(from);
    }
    int n = best.n < cap ? best.n : cap;
    memcpy(out, best.toks, sizeof(int) * n);
    free(rows); free(alive); free(next); free(tok); free(cand); free(amap); free(amap2);
    vl_set_grad_enabled(c, g);
    vl_set_training(c, tr);
    return n;
}

void vl_s2s_decode_batch(const vl_s2s_model *m, vl_ctx *c, int n,
                         const int *const *src, const int *ns, int cap,
                         int *out, int *out_len) {
    bool g = vl_set_grad_enabled(c, false), tr = c->training;
    vl_set_training(c, false);
    int Ts = 1, H = m->cfg.hidden, V = m->cfg.n_tgt;
    for (int i = 0; i < n; i++) Ts = ns[i] > Ts ? ns[i] : Ts;
    int *ids = vl_arena_calloc(&c->arena, sizeof(int) * n * Ts);
    for (int i = 0; i < n; i++) {
        int off = Ts - ns[i];
        for (int j = 0; j < ns[i]; j++)
            ids[i * Ts + off + j] = m->cfg.reverse ? src[i][ns[i] - 1 - j] : src[i][j];
    }
    vl_rnn_state st;
    uint8_t *pad;
    vl_tensor *enc = encode(c, m, ids, n, Ts, &st, &pad);
    vl_tensor *hpeek = vl_reshape(c, st.h, 3, (int[]){n, 1, H});
    int *tok = vl_arena_alloc(&c->arena, sizeof(int) * n);
    bool *done = vl_arena_calloc(&c->arena, n);
    for (int i = 0; i < n; i++) { tok[i] = VL_S2S_BOS; out_len[i] = 0; }
    for (int step = 0; step <= cap; step++) {
        vl_tensor *lg = decode_steps(c, m, enc, pad, hpeek, tok, n, 1, &st, NULL);
        int left = 0;
        for (int i = 0; i < n; i++) {
            const float *row = lg->data + (size_t)i * V;
            int bi = VL_S2S_EOS;
            for (int v = VL_S2S_EOS; v < V; v++) if (row[v] > row[bi]) bi = v;
            tok[i] = bi;
            if (done[i]) continue;
            if (bi == VL_S2S_EOS || out_len[i] >= cap) { done[i] = true; continue; }
            out[(size_t)i * cap + out_len[i]++] = bi;
            left++;
        }
        if (!left) break;
    }
    vl_set_grad_enabled(c, g);
    vl_set_training(c, tr);
}

int vl_s2s_edit_distance(const int *a, int na, const int *b, int nb) {
    int *prev = malloc(sizeof(int) * (nb + 1)), *cur = malloc(sizeof(int) * (nb + 1));
    for (int j = 0; j <= nb; j++) prev[j] = j;
    for (int i = 1; i <= na; i++) {
        cur[0] = i;
        for (int j = 1; j <= nb; j++) {
            int d = prev[j - 1] + (a[i - 1] != b[j - 1]);
            int x = prev[j] + 1, y = cur[j - 1] + 1;
            cur[j] = d < x ? (d < y ? d : y) : (x < y ? x : y);
        }
        int *t = prev; prev = cur; cur = t;
    }
    int r = prev[nb];
    free(prev);
    free(cur);
    return r;
}
